"""Hand-off and relay speed, and a crash in the middle of 200 relayed messages.

    .venv/bin/python bench/escalation_bench.py [--parents 20] [--relays 200]

Telegram allows a bot 20 messages a minute in one group, so hand-offs and the
parent->brugfiguur relays (which post in the team group) are spaced as in a busy
school rather than fired at once; the brugfiguur->parent relays of the crash test
go to private chats and are sent as fast as the bot can (1 message/s per chat).

The bot runs as its own process (`schoolbrug run --no-chat`) against the emulator
in this process, with a LibreTranslate-compatible fake on 127.0.0.1 as the
translation service (its own time is measured and reported apart). Figures:
  - hand-off decision to the forum topic opened (summary posted in it), p50/p95;
  - relay parent -> brugfiguur and brugfiguur -> parent, p50/p95;
  - 200 brugfiguur messages relayed to parents while the bot is killed (SIGKILL)
    and restarted midway: how many arrived, how many were lost, how many doubled.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bot import escalations, store  # noqa: E402
from bot.db import open_db  # noqa: E402
from bot.emulator import BotApiEmulator  # noqa: E402
from bot.profile import load_profile  # noqa: E402
from common import onboard, percentile, start_bot, stop_bot  # noqa: E402
from fake_libretranslate import FakeLibreTranslate  # noqa: E402

TOKEN = "778000:BENCH"
TEAM = -100500
FATMA = 5555


async def wait_until(predicate, timeout: float = 60.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        await asyncio.sleep(0.005)
    raise TimeoutError


def thread_texts(emu: BotApiEmulator, thread: int) -> list[str]:
    return [s.text for s in emu.sent_to(TEAM) if s.params.get("message_thread_id") == thread]


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parents", type=int, default=10)
    ap.add_argument("--relays", type=int, default=200)
    ap.add_argument("--spacing", type=float, default=6.0, help="seconds between hand-offs")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="schoolbrug-esc-"))
    db_path = tmp / "bench.db"
    db = open_db(db_path)
    profile = load_profile(ROOT / "schools" / "de-regenboog.yml")
    store.upsert_school(db, profile, "schools/de-regenboog.yml")
    store.add_staff(db, FATMA, profile.id, "brugfiguur", "Fatma", ["nl", "tr"])
    db["staff"].update((FATMA, profile.id), {"working_hours": json.dumps({d: ["00:00-23:59"] for d in escalations.DAYS})})
    db["schools"].update(profile.id, {"team_chat_id": TEAM})
    token = store.create_invite(db, store.PARENT_INVITE, profile.id, class_id=f"{profile.id}:L1A")

    emu = BotApiEmulator(token=TOKEN, bot_username="SchoolbrugBenchBot")
    base = await emu.start()
    with FakeLibreTranslate() as fake:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": base, "SCHOOLBRUG_DB": str(db_path),
               "SCHOOLBRUG_SCHOOLS_DIR": str(tmp / "none"), "SCHOOLBRUG_TRANSLATOR": "libretranslate",
               "LIBRETRANSLATE_URL": fake.url}
        bot = start_bot(env)
        try:
            await emu.wait_call("getUpdates", 1, timeout=900)
            parents = [emu.user(300000 + i, f"Ouder{i}") for i in range(args.parents)]
            await asyncio.gather(*(onboard(emu, u, token, "tr") for u in parents))
            fatma = emu.user(FATMA, "Fatma")

            # 1. hand-off decision -> topic opened with its summary
            handoff_s: list[float] = []
            threads: dict[int, int] = {}

            async def hand_off(user: dict) -> None:
                t0 = time.monotonic()
                emu.send_text(user, "bir insanla konuşmak istiyorum, beni arayabilir misiniz?")
                await wait_until(lambda: (esc := escalations.active_for(db, user["id"])) is not None
                                 and esc["thread_id"] is not None and thread_texts(emu, esc["thread_id"]))
                handoff_s.append(time.monotonic() - t0)
                threads[user["id"]] = escalations.active_for(db, user["id"])["thread_id"]

            # Telegram lets a bot post 20 messages a minute in one group, and a hand-off posts two (the topic
            # and its summary): hand-offs arrive one every 6 s, as in a busy school, not all at once.
            for u in parents:
                await hand_off(u)
                await asyncio.sleep(args.spacing)

            # 2. relay both ways
            to_staff: list[float] = []
            to_parent: list[float] = []

            async def relay(user: dict, n: int) -> None:
                thread = threads[user["id"]]
                for i in range(n):
                    await asyncio.sleep(args.spacing / 2)  # parent and brugfiguur read and type
                    text = f"mesaj {user['id']}-{i}"
                    t0 = time.monotonic()
                    emu.send_text(user, text)
                    await wait_until(lambda: any(text in t for t in thread_texts(emu, thread)))
                    to_staff.append(time.monotonic() - t0)
                    reply = f"antwoord {user['id']}-{i}"
                    before = len(emu.sent_to(user["id"], "sendMessage"))
                    t0 = time.monotonic()
                    emu.send_text(fatma, reply, chat_id=TEAM, thread_id=thread)
                    await wait_until(lambda: any(reply in s.text for s in emu.sent_to(user["id"])[before:]))
                    to_parent.append(time.monotonic() - t0)

            for u in parents:  # one conversation at a time keeps the team group under 20 messages a minute
                await relay(u, 2)
            translate_ms = [r for r in fake.requests]  # count only; time below
            t0 = time.perf_counter()
            for _ in range(20):
                import httpx

                httpx.post(f"{fake.url}/translate", json={"q": "hallo", "source": "nl", "target": "tr"}, timeout=5)
            fake_ms = (time.perf_counter() - t0) / 20 * 1000

            # 3. 200 relays with a crash and restart in the middle
            texts = [f"crash-test {i}" for i in range(args.relays)]
            targets = [parents[i % len(parents)] for i in range(args.relays)]
            for i, (text, user) in enumerate(zip(texts, targets)):
                emu.send_text(fatma, text, chat_id=TEAM, thread_id=threads[user["id"]])
                if i == args.relays // 2:
                    await asyncio.sleep(1.0)
                    bot.kill()  # SIGKILL: no clean shutdown
                    bot.wait()
                    killed_at = sum(1 for s in emu.sent if s.text.startswith("💬") and "crash-test" in s.text)
                    bot = start_bot(env)
                await asyncio.sleep(0.01)

            def delivered() -> Counter:
                return Counter(s.text.split("[tr] ", 1)[-1] for s in emu.sent
                               if s.method == "sendMessage" and "crash-test" in s.text and s.chat_id > 0)

            try:
                await wait_until(lambda: len(delivered()) >= args.relays, timeout=300)
            except TimeoutError:
                pass
            got = delivered()
            lost = [t for t in texts if got[t] == 0]
            doubled = [t for t, c in got.items() if c > 1]
        finally:
            stop_bot(bot)
            await emu.stop()
    print(f"parents                          {args.parents}")
    print(f"hand-off to topic opened         p50 {statistics.median(handoff_s)*1000:.0f} ms, "
          f"p95 {percentile(handoff_s, .95)*1000:.0f} ms  (target 1000 ms, ratio {percentile(handoff_s, .95):.2f})")
    print(f"relay parent -> brugfiguur       p50 {statistics.median(to_staff)*1000:.0f} ms, "
          f"p95 {percentile(to_staff, .95)*1000:.0f} ms  (target 1000 ms, ratio {percentile(to_staff, .95):.2f})")
    print(f"relay brugfiguur -> parent       p50 {statistics.median(to_parent)*1000:.0f} ms, "
          f"p95 {percentile(to_parent, .95)*1000:.0f} ms  (target 1000 ms, ratio {percentile(to_parent, .95):.2f})")
    print(f"translation service (fake) time  {fake_ms:.1f} ms per call, {len(translate_ms)} calls (included above)")
    print(f"crash test                       {args.relays} relayed, SIGKILL after {killed_at} delivered: "
          f"{sum(1 for t in texts if got[t])} arrived, {len(lost)} lost, {len(doubled)} doubled")


if __name__ == "__main__":
    asyncio.run(main())
