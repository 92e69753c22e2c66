"""The bot keeps delivering when the Bot API answers 429 (retry_after) or 5xx."""
from __future__ import annotations


async def test_a_429_with_retry_after_is_honoured_and_the_message_arrives(harness):
    user = harness.emu.user(8001, "Ali")
    await harness.onboard(user, "English")
    harness.emu.add_fault("sendMessage", 429, retry_after=1, count=1)
    reply = (await harness.say(user, "/help", timeout=15))[-1]
    assert "/privacy" in reply.text
    assert ("sendMessage", 429) in harness.emu.rejected


async def test_a_5xx_is_retried_and_the_message_arrives_once(harness):
    user = harness.emu.user(8002, "Ali")
    await harness.onboard(user, "English")
    harness.emu.add_fault("sendMessage", 502, count=2)
    before = len(harness.emu.sent_to(8002, "sendMessage"))
    replies = await harness.say(user, "/help", timeout=15)
    assert ("sendMessage", 502) in harness.emu.rejected
    assert len(harness.emu.sent_to(8002, "sendMessage")) - before == 1
    assert "/privacy" in replies[-1].text


async def test_flood_limits_are_enforced_by_the_emulator_and_respected_by_the_bot(harness):
    harness.emu.enforce_limits = True
    user = harness.emu.user(8003, "Ali")
    await harness.onboard(user, "English")
    for _ in range(3):
        harness.emu.send_text(user, "/help")
    helps = await _wait_helps(harness, 8003, 3)
    assert len(helps) == 3
    gaps = [b.at - a.at for a, b in zip(helps, helps[1:])]
    assert min(gaps) >= 0.9, f"per-chat pacing: {gaps}"


async def _wait_helps(harness, chat_id: int, n: int):
    import asyncio

    for _ in range(400):
        helps = [s for s in harness.emu.sent_to(chat_id) if "/privacy" in s.text]
        if len(helps) >= n:
            return helps
        await asyncio.sleep(0.05)
    return [s for s in harness.emu.sent_to(chat_id) if "/privacy" in s.text]
