"""Nothing lost, nothing reordered: 1,000 relays both ways through five kill -9's and a 2-minute outage.

    .venv/bin/python bench/crash_bench.py [--relays 1000] [--kills 5] [--outage 120] [--seed 1]

The bot runs as its own process (`schoolbrug run --no-chat`) against the emulator
in this process. Ten parents each have an escalation with their own brugfiguur
(private chats, so Telegram's 20-a-minute group limit does not set the pace).
Half of the relays go parent -> brugfiguur, half brugfiguur -> parent (`/r`),
injected over about a minute as people would write. Meanwhile the bot is killed
with SIGKILL at random moments and restarted, and the Bot API answers 502 to
every send for `--outage` seconds. Printed: relays arrived, lost, doubled (at
least once delivery: a message in flight at a kill may arrive twice), and
whether each chat received its messages in the order they were written.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot import escalations, store  # noqa: E402
from bot.db import open_db  # noqa: E402
from bot.emulator import BotApiEmulator  # noqa: E402
from bot.profile import load_profile  # noqa: E402
from common import onboard, start_bot  # noqa: E402

TOKEN = "779000:CRASH"
PARENTS = 10
TOKEN_RE = re.compile(r"\b([ps])(\d+)-(\d+)\b")


async def wait_until(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError


def received(emu: BotApiEmulator) -> dict[int, list[str]]:
    """Per chat, the relay tokens in the order they arrived."""
    out: dict[int, list[str]] = defaultdict(list)
    for s in emu.sent:
        if s.method != "sendMessage":
            continue
        for kind, who, n in TOKEN_RE.findall(s.text):
            out[s.chat_id].append(f"{kind}{who}-{n}")
    return out


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--relays", type=int, default=1000)
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--outage", type=float, default=120.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="schoolbrug-crash-"))
    db_path = tmp / "bench.db"
    db = open_db(db_path)
    profile = load_profile(ROOT / "schools" / "de-regenboog.yml")
    store.upsert_school(db, profile, "schools/de-regenboog.yml")
    always = json.dumps({d: ["00:00-23:59"] for d in escalations.DAYS})
    staff_ids = [600000 + i for i in range(PARENTS)]
    for sid in staff_ids:
        store.add_staff(db, sid, profile.id, "brugfiguur", f"Brug{sid}", ["nl", "en"])
        db["staff"].update((sid, profile.id), {"working_hours": always})
    token = store.create_invite(db, store.PARENT_INVITE, profile.id, class_id=f"{profile.id}:L1A")

    emu = BotApiEmulator(token=TOKEN, bot_username="SchoolbrugCrashBot")
    base = await emu.start()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": base, "SCHOOLBRUG_DB": str(db_path),
           "SCHOOLBRUG_SCHOOLS_DIR": str(tmp / "none"), "SCHOOLBRUG_POLL_TIMEOUT": "2"}
    bot = start_bot(env)
    restarts = 0
    try:
        await emu.wait_call("getUpdates", 1, timeout=900)
        parents = [emu.user(310000 + i, f"Ouder{i}") for i in range(PARENTS)]
        await asyncio.gather(*(onboard(emu, u, token=token, lang="en") for u in parents))
        for u in parents:
            emu.send_text(u, "I want to talk to a person please")
        await wait_until(lambda: all((e := escalations.active_for(db, u["id"])) and e["chat_id"] for u in parents), 120)
        esc = {u["id"]: escalations.active_for(db, u["id"]) for u in parents}
        staff_of = {u["id"]: esc[u["id"]]["chat_id"] for u in parents}

        # the plan: relays in the order people write them, and when the trouble comes
        plan: list[tuple[str, dict, int]] = []
        for i in range(args.relays):
            plan.append(("p" if i % 2 == 0 else "s", parents[(i // 2) % PARENTS], i))
        kill_at = sorted(rng.sample(range(50, args.relays - 50), args.kills))
        outage_at = rng.randrange(args.relays // 4, args.relays // 2)
        written: dict[int, list[str]] = defaultdict(list)  # chat -> tokens it should receive, in order
        t_start = time.monotonic()
        for kind, user, i in plan:
            pid = user["id"]
            if kind == "p":
                tok = f"p{pid}-{i}"
                emu.send_text(user, f"message {tok}")
                written[staff_of[pid]].append(tok)
            else:
                tok = f"s{pid}-{i}"
                emu.send_text(emu.user(staff_of[pid], "Brug"), f"/r {esc[pid]['id']} antwoord {tok}")
                written[pid].append(tok)
            if i == outage_at:
                emu.down_until = time.monotonic() + args.outage
            if i in kill_at:
                bot.kill()  # SIGKILL: no clean shutdown, requests in flight are cut
                bot.wait()
                await asyncio.sleep(rng.uniform(0.5, 3.0))
                bot = start_bot(env)
                restarts += 1
            await asyncio.sleep(0.06)  # about a minute for 1,000 messages
        injected_s = time.monotonic() - t_start
        total = sum(len(v) for v in written.values())

        def done() -> bool:
            got = received(emu)
            return all(set(toks) <= set(got.get(chat, [])) for chat, toks in written.items())

        try:
            await wait_until(done, timeout=args.outage + 900)
        except TimeoutError:
            pass
        finished_s = time.monotonic() - t_start
        got = received(emu)
        lost = doubled = out_of_order_chats = 0
        for chat, toks in written.items():
            counts = Counter(got.get(chat, []))
            lost += sum(1 for t in toks if counts[t] == 0)
            doubled += sum(max(0, counts[t] - 1) for t in toks)
            first_seen = list(dict.fromkeys(t for t in got.get(chat, []) if t in set(toks)))
            if first_seen != [t for t in toks if t in counts]:
                out_of_order_chats += 1
    finally:
        bot.kill()
        bot.wait()
        await emu.stop()
    print(f"relays written           {total} ({args.relays // 2} each way, {PARENTS} parents, {PARENTS} brugfiguren)")
    print(f"trouble                  {restarts} kill -9 + restart, a {args.outage:.0f} s outage (502 on every send)")
    print(f"written in               {injected_s:.0f} s; all delivered after {finished_s:.0f} s")
    print(f"lost                     {lost}")
    print(f"doubled                  {doubled} ({doubled / max(total, 1):.2%}; at least once: rows in flight at a kill)")
    print(f"chats out of order       {out_of_order_chats} of {len(written)}")
    print(f"5xx refusals seen        {sum(1 for _, c in emu.rejected if c >= 500)}")


if __name__ == "__main__":
    asyncio.run(main())
