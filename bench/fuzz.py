"""10,000 seeded random updates of every kind through the real bot stack: crashes, internal-error replies, memory.

    .venv/bin/python bench/fuzz.py [--updates 10000] [--seed 7]

The bot runs in this process (as in the tests: the emulator, python-telegram-bot
over HTTP, a real SQLite file, the trained model from models/), so its resident
memory can be read before and after. Printed: updates handled, handler failures
("update failed" in the log), internal-error replies, whether a normal question is
still answered afterwards, and resident memory growth.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bot import escalations, store  # noqa: E402
from bot.assistant import Assistant  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import open_db  # noqa: E402
from bot.emulator import BotApiEmulator  # noqa: E402
from bot.i18n import tr  # noqa: E402
from bot.languages import SUPPORTED  # noqa: E402
from bot.profile import load_profile  # noqa: E402
from bot.telegram.app import build_application, on_started, on_stopping  # noqa: E402
from bot.telegram.services import Services  # noqa: E402
from bot.training import ensure_model  # noqa: E402
from common import onboard  # noqa: E402
from fuzzing import UpdateFuzzer  # noqa: E402

INTERNAL = "Sorry, er ging iets mis aan onze kant. Probeer het zo meteen opnieuw."
TEAM = -100600


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "update failed" in record.getMessage():
            self.count += 1


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--updates", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="schoolbrug-fuzz-"))
    db = open_db(tmp / "fuzz.db")
    store.upsert_school(db, load_profile(ROOT / "schools" / "de-regenboog.yml"), "schools/de-regenboog.yml")
    store.add_staff(db, 720, "de-regenboog", "brugfiguur", "Fatma", ["nl", "en"])
    db["staff"].update((720, "de-regenboog"), {"working_hours": json.dumps({d: ["00:00-23:59"]
                                                                            for d in escalations.DAYS})})
    db["schools"].update("de-regenboog", {"team_chat_id": TEAM})
    token = store.create_invite(db, store.PARENT_INVITE, "de-regenboog", class_id="de-regenboog:L1A")
    settings = replace(Settings(), db_path=tmp / "fuzz.db")
    assistant = Assistant.from_model(ensure_model(settings.model_dir))
    emu = BotApiEmulator(token="123456:FUZZ", bot_username="FuzzBot")
    await emu.start()
    services = Services(settings=settings, db=db, assistant=assistant, bot_username="FuzzBot")
    app = build_application(services, emu.token, emu.base_url)
    failures = Failures()
    logging.getLogger().addHandler(failures)
    errors_log = logging.FileHandler(tmp / "errors.log")
    errors_log.setLevel(logging.ERROR)
    logging.getLogger().addHandler(errors_log)
    await app.initialize()
    await app.start()
    await on_started(app)
    try:
        users = [emu.user(8300 + i, f"U{i}") for i in range(60)] + [emu.user(720, "Fatma")]
        await asyncio.gather(*(onboard(emu, u, token=token, lang="en") for u in users[:10]))
        await asyncio.sleep(2)
        rss_before = rss_mb()
        fuzzer = UpdateFuzzer(seed=args.seed, users=users, group_ids=[TEAM, -100777])
        t0 = time.monotonic()
        for n in range(args.updates):
            emu.push_raw(fuzzer.update())
            if n % 250 == 249:
                while db["inbox"].count > 500 or len(emu.updates) > 500:
                    await asyncio.sleep(0.2)
        while emu.updates or db["inbox"].count:
            await asyncio.sleep(0.5)
        handled_s = time.monotonic() - t0
        internal = {tr(lang, INTERNAL) for lang in SUPPORTED}
        errors = sum(1 for s in emu.sent if s.text in internal)
        probe = emu.user(8999, "Nadia")
        await onboard(emu, probe, token=token, lang="en")
        before = len(emu.sent_to(8999, "sendMessage"))
        emu.send_text(probe, "what time does school start in the morning?")
        answered = True
        try:
            await emu.wait_sent(8999, 1, after=before, timeout=300)
        except TimeoutError:
            answered = False
        rss_after = rss_mb()
    finally:
        await on_stopping(app)
        await app.stop()
        await app.shutdown()
        await emu.stop()
    print(f"updates                  {args.updates} handled in {handled_s:.0f} s ({args.updates / handled_s:.0f}/s)")
    print(f"handler failures         {failures.count} (details: {tmp / 'errors.log'})")
    print(f"internal-error replies   {errors}")
    print(f"normal question after    {'answered' if answered else 'NOT answered'}")
    print(f"resident memory          {rss_before:.0f} MB before, {rss_after:.0f} MB after "
          f"(growth {rss_after - rss_before:+.0f} MB)")


if __name__ == "__main__":
    asyncio.run(main())
