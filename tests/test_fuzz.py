"""1,500 seeded random updates: the bot stays up, never answers with the internal-error text, and
still answers a normal question afterwards (bench/fuzz.py runs 10,000 and measures memory)."""
from __future__ import annotations

import asyncio
import json
import logging
import time

from bot import escalations, store
from bot.i18n import tr
from bot.languages import SUPPORTED

from fuzzing import UpdateFuzzer

TEAM = -100600
INTERNAL = "Sorry, er ging iets mis aan onze kant. Probeer het zo meteen opnieuw."


async def test_fifteen_hundred_random_updates_never_break_the_bot(harness, caplog):
    emu, db = harness.emu, harness.db
    store.add_staff(db, 720, "de-regenboog", "brugfiguur", "Fatma", ["nl", "en"])
    db["staff"].update((720, "de-regenboog"), {"working_hours": json.dumps({d: ["00:00-23:59"]
                                                                            for d in escalations.DAYS})})
    db["schools"].update("de-regenboog", {"team_chat_id": TEAM})
    users = [emu.user(8300 + i, f"U{i}") for i in range(40)] + [emu.user(720, "Fatma")]
    for user in users[:4]:
        await harness.onboard(user, "English")
    fuzzer = UpdateFuzzer(seed=7, users=users, group_ids=[TEAM, -100777])
    caplog.set_level(logging.ERROR, logger="bot")
    for n in range(1500):
        emu.push_raw(fuzzer.update())
        if n % 200 == 199:
            await asyncio.sleep(0.2)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and (db["inbox"].count or db.execute(
            "select count(*) from send_queue where status in ('pending', 'sending')").fetchone()[0] > 30):
        await asyncio.sleep(0.5)
    assert db["inbox"].count == 0, "every update was handled"
    internal = {tr(lang, INTERNAL) for lang in SUPPORTED}
    errors = [s.text for s in emu.sent if s.text in internal]
    assert errors == [], f"{len(errors)} internal-error replies"
    failures = [r.getMessage() for r in caplog.records if r.name.startswith("bot") and "update failed" in r.getMessage()]
    assert failures == []
    # and a parent who just asks a question still gets an answer
    parent = emu.user(8399, "Nadia")
    await harness.onboard(parent, "English")
    reply = (await harness.say(parent, "what time does school start in the morning?", timeout=60))[-1]
    assert "8:" in reply.text or "08" in reply.text
