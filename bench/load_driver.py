"""Play N parents at once against the emulator, with the bot in its own process.

    .venv/bin/python bench/load_driver.py --parents 10 --questions 5
    .venv/bin/python bench/load_driver.py --parents 100 --questions 5

The emulator enforces Telegram's limits (30 messages/s per bot, 1/s per private
chat), so at 100 parents the bot runs at Telegram's ceiling and the figure that
matters is how much of that ceiling it delivers and whether a cheap command
(/help) still comes back quickly.

Starts the Bot API emulator here, starts `schoolbrug run --no-chat` as a separate
process pointed at it (its own SQLite file), onboards N parents from a class
invite, then lets them all ask questions at the same time. Prints reply latency
(from the moment the update is available to the bot until its reply reaches the
emulator) p50/p95/max, throughput, the bot's resident memory idle and under load,
and how fast a command that needs no model (/help) is answered while the model is
busy (the event loop keeps serving).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot import escalations, store  # noqa: E402
from bot.db import open_db  # noqa: E402
from bot.emulator import BotApiEmulator  # noqa: E402
from bot.profile import load_profile  # noqa: E402
from common import onboard, percentile, start_bot, stop_bot  # noqa: E402

TOKEN = "777000:BENCH"
LANGS = ["nl", "fr", "en", "ar", "tr", "pl", "ro", "bg", "uk", "ru", "es", "so"]
NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English", "ar": "العربية", "tr": "Türkçe", "pl": "Polski",
         "ro": "Română", "bg": "Български", "uk": "Українська", "ru": "Русский", "es": "Español", "so": "Soomaali"}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def questions() -> dict[str, list[str]]:
    rows = [json.loads(l) for l in (ROOT / "bench" / "data" / "heldout_like.jsonl").read_text().splitlines() if l]
    out: dict[str, list[str]] = {}
    for r in rows:
        if not r["handoff"]:  # hand-offs pass the conversation to a person: bench/escalation_bench.py
            out.setdefault(r["lang"], []).append(r["text"])
    return out


async def wait_reply(emu: BotApiEmulator, chat_id: int, after: int, timeout: float = 60) -> float:
    """Seconds until the next sendMessage to chat_id after index `after`."""
    got = await emu.wait_sent(chat_id, 1, timeout=timeout, after=after)
    return got[0].at


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parents", type=int, default=20)
    ap.add_argument("--questions", type=int, default=5, help="questions per parent")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--verbose", action="store_true", help="list the slowest replies")
    args = ap.parse_args()
    random.seed(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="schoolbrug-bench-"))
    db_path = tmp / "bench.db"
    db = open_db(db_path)
    profile = load_profile(ROOT / "schools" / "de-regenboog.yml")
    store.upsert_school(db, profile, "schools/de-regenboog.yml")
    token = store.create_invite(db, store.PARENT_INVITE, profile.id, class_id=f"{profile.id}:L1A")

    emu = BotApiEmulator(token=TOKEN, bot_username="SchoolbrugBenchBot", enforce_limits=True)
    base = await emu.start()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": base, "SCHOOLBRUG_DB": str(db_path),
           "SCHOOLBRUG_SCHOOLS_DIR": str(tmp / "no-schools")}
    started = time.monotonic()
    bot = start_bot(env)
    try:
        await emu.wait_call("getUpdates", 1, timeout=600)
        ready = time.monotonic() - started
        await asyncio.sleep(2)
        idle = rss_mb(bot.pid)
        users = [emu.user(100000 + i, f"Ouder{i}") for i in range(args.parents)]
        langs = [LANGS[i % len(LANGS)] for i in range(args.parents)]
        await asyncio.gather(*(onboard(emu, u, token=token, lang=l) for u, l in zip(users, langs)))
        pool = questions()
        latencies: list[float] = []
        help_latencies: list[float] = []
        handed_off: list[int] = []
        slowest: list[tuple[float, str, str]] = []
        peak = idle

        async def parent(user: dict, lang: str) -> None:
            nonlocal peak
            for q in random.sample(pool[lang], args.questions):
                # a parent reads the last message and types the next one: 1.5-3 s (the bot paces each chat to
                # Telegram's 1 message/s, so a faster driver would measure that pacing, not the bot)
                await asyncio.sleep(random.uniform(1.5, 3.0))
                if escalations.active_for(db, user["id"]):
                    handed_off.append(user["id"])  # a person holds this conversation now: the bot stays silent
                    return
                n = len(emu.sent_to(user["id"], "sendMessage"))
                t0 = time.monotonic()
                emu.send_text(user, q)
                latencies.append(await wait_reply(emu, user["id"], n) - t0)
                slowest.append((latencies[-1], lang, q[:50]))
                peak = max(peak, rss_mb(bot.pid))

        async def helper_probe() -> None:
            probe = emu.user(99999, "Probe")
            await onboard(emu, probe, token=token, lang="nl")
            for _ in range(args.questions):
                await asyncio.sleep(1.5)
                n = len(emu.sent_to(99999, "sendMessage"))
                t0 = time.monotonic()
                emu.send_text(probe, "/help")
                help_latencies.append(await wait_reply(emu, 99999, n) - t0)

        t0 = time.monotonic()
        sent_before = len(emu.sent)
        await asyncio.gather(helper_probe(), *(parent(u, l) for u, l in zip(users, langs)))
        wall = time.monotonic() - t0
        window = [s.at for s in emu.sent[sent_before:] if s.method == "sendMessage"]
        busiest = _busiest_rate(window, 10.0)
        flood = sum(1 for _, code in emu.rejected if code == 429)
        lat = sorted(latencies)
        p95 = percentile(lat, 0.95)
        print(f"parents                 {args.parents} ({args.questions} questions each, {len(lat)} replies)")
        print(f"bot ready after         {ready:.1f} s (process start to first getUpdates)")
        print(f"reply latency           p50 {statistics.median(lat)*1000:.0f} ms, p95 {p95*1000:.0f} ms, "
              f"max {lat[-1]*1000:.0f} ms")
        print(f"/help while busy        p50 {statistics.median(help_latencies)*1000:.0f} ms, "
              f"max {max(help_latencies)*1000:.0f} ms")
        print(f"throughput              {len(lat)/wall:.1f} replies/s over the run; busiest 10 s: "
              f"{busiest:.1f} messages/s = {busiest / 30:.0%} of Telegram's 30/s ceiling")
        print(f"flood refusals (429)    {flood}")
        print(f"/help p95 while busy    {percentile(help_latencies, 0.95)*1000:.0f} ms (target 1000 ms)")
        print(f"handed off to a person  {len(handed_off)} parents stopped asking (no brugfiguur in this bench)")
        print(f"resident memory         idle {idle:.0f} MB, peak {peak:.0f} MB")
        print(f"p95 target 150 ms       ratio {p95/0.15:.2f} (the target holds at 10 parents)")
        if args.verbose:
            for lat_s, lang, q in sorted(slowest, reverse=True)[:8]:
                print(f"  slow: {lat_s*1000:.0f} ms [{lang}] {q}")
    finally:
        stop_bot(bot)
        await emu.stop()


def _busiest_rate(times: list[float], span: float) -> float:
    """The highest number of messages per second in any `span`-second window."""
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] < t - span:
            j += 1
        best = max(best, i - j + 1)
    return best / span


if __name__ == "__main__":
    asyncio.run(main())
