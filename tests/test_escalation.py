"""Hand-off to a brugfiguur and relay both ways, end to end over the emulator."""
from __future__ import annotations

import asyncio
import json

import pytest

from bot import escalations, send_queue, store
from bot.send_queue import Outgoing
from bot.assistant import Assistant
from bot.i18n import tr
from bot.translation import LibreTranslate, Translator

from fake_libretranslate import FakeLibreTranslate

TEAM = -100123
FATMA, JAN, OTHER = 700, 701, 702
ALWAYS = json.dumps({d: ["00:00-23:59"] for d in escalations.DAYS})


def _staff(db, tid, school, name, languages, hours=ALWAYS):
    store.add_staff(db, tid, school, "brugfiguur", name, languages)
    db["staff"].update((tid, school), {"working_hours": hours})


@pytest.fixture
def team(harness):
    db = harness.db
    _staff(db, FATMA, "de-regenboog", "Fatma Yilmaz", ["nl", "tr", "en"])
    _staff(db, JAN, "de-regenboog", "Jan De Smet", ["nl", "fr"])
    db["schools"].update("de-regenboog", {"team_chat_id": TEAM})
    return harness


@pytest.fixture
def translated(team):
    with FakeLibreTranslate() as fake:
        original = team.services.assistant
        team.services.assistant = Assistant(original.engine, translator=Translator(LibreTranslate(fake.url),
                                                                                    team.db, timeout=2))
        yield fake
        team.services.assistant = original


async def _thread_messages(emu, thread_id, count, timeout=10.0):
    for _ in range(int(timeout / 0.05)):
        got = [s for s in emu.sent_to(TEAM) if s.params.get("message_thread_id") == thread_id]
        if len(got) >= count:
            return got
        await asyncio.sleep(0.05)
    raise TimeoutError([s.text[:80] for s in emu.sent_to(TEAM)])


async def test_turkish_parent_reaches_the_turkish_speaking_brugfiguur_and_back(team, translated):
    emu, db = team.emu, team.db
    parent = emu.user(8101, "Ayla")
    await team.onboard(parent, "Türkçe")
    replies = await team.say(parent, "oğlumu okulda her gün dövüyorlar ve alay ediyorlar", expect=2)
    assert "Fatma Yilmaz" in replies[-1].text
    esc = escalations.active_for(db, 8101)
    assert esc["topic"] == "bullying" and esc["assigned_to"] == FATMA
    created = await emu.wait_call("createForumTopic")
    assert int(created[0]["chat_id"]) == TEAM and "#" in created[0]["name"]
    summary = (await _thread_messages(emu, esc["thread_id"], 1))[0]
    assert "Türkçe" in summary.text and "Fatma Yilmaz (spreekt de taal)" in summary.text
    assert "[nl] [nl] oğlumu" in summary.text, "the parent's words in the original and in Dutch"

    fatma = emu.user(FATMA, "Fatma")
    before = len(emu.sent_to(8101, "sendMessage"))
    emu.tap(fatma, summary, "E:claim")
    claimed = await emu.wait_sent(8101, 1, after=before)
    assert "Fatma Yilmaz" in claimed[-1].text, "the parent hears who took the question"
    assert db["escalations"].get(esc["id"])["status"] == "claimed"

    before = len(emu.sent_to(8101, "sendMessage"))
    emu.send_text(fatma, "Dag mevrouw, ik bel u morgen om 10 uur.", chat_id=TEAM, thread_id=esc["thread_id"])
    answer = (await emu.wait_sent(8101, 1, after=before))[-1]
    assert answer.text == "💬 Fatma Yilmaz:\n[tr] Dag mevrouw, ik bel u morgen om 10 uur."
    dutch = (await team.tap(parent, answer, "O:"))[-1]
    assert dutch.text == "🇳🇱 Dag mevrouw, ik bel u morgen om 10 uur."

    # while a person holds the conversation, the parent's words go to them and the bot stays silent
    sent_before = len(emu.sent_to(8101))
    emu.send_text(parent, "tamam, teşekkürler")
    relayed = (await _thread_messages(emu, esc["thread_id"], 3))[-1]
    assert "tamam, teşekkürler" in relayed.text and "[nl] [nl] tamam" in relayed.text
    await asyncio.sleep(0.5)
    assert len(emu.sent_to(8101)) == sent_before

    before = len(emu.sent_to(8101, "sendMessage"))
    emu.send_text(fatma, "/close afspraak gemaakt", chat_id=TEAM, thread_id=esc["thread_id"])
    closing = (await emu.wait_sent(8101, 1, after=before))[-1]
    assert closing.text == tr("tr", "Het gesprek met {name} is afgesloten. Je kan mij weer alles vragen. "
                                    "Ben je goed geholpen?", name="Fatma Yilmaz")
    assert {"FB:1:up", "FB:1:down"} <= {b["callback_data"] for b in closing.buttons}
    thanks = (await team.tap(parent, closing, "FB:1:up"))[-1]
    assert db["escalations"].get(esc["id"])["feedback"] == "up"
    assert db["escalations"].get(esc["id"])["outcome"] == "afspraak gemaakt"
    assert thanks.text == tr("tr", "Dank je! Je kan me altijd opnieuw iets vragen.")
    # the assistant answers again
    reply = (await team.say(parent, "okul saat kaçta bitiyor?"))[-1]
    assert "15:20" in reply.text
    actions = [r["action"] for r in db["audit_log"].rows_where("target = ?", [f"#{esc['id']}"])]
    assert {"escalation_open", "claim", "answer", "close"} <= set(actions)


async def test_outside_working_hours_the_parent_hears_when_a_person_will_answer(harness):
    db = harness.db
    _staff(db, FATMA, "de-regenboog", "Fatma Yilmaz", ["nl", "en"], hours=json.dumps({"mon": ["03:00-03:01"]}))
    parent = harness.emu.user(8102, "Rose")
    await harness.onboard(parent, "English")
    replies = await harness.say(parent, "I want to talk to a real person please, can someone call me?", expect=2)
    assert "Fatma Yilmaz" in replies[-1].text and "112" in replies[-1].text
    esc = escalations.active_for(db, 8102)
    assert esc["chat_id"] == FATMA and esc["thread_id"] is None, "no team group: the brugfiguur's private chat"
    summary = (await harness.emu.wait_sent(FATMA, 1))[0]
    assert "Buiten de werkuren" in summary.text


async def test_a_second_miss_in_a_row_hands_off(team):
    parent = team.emu.user(8103, "Piet")
    await team.onboard(parent, "Nederlands")
    await team.say(parent, "qwxz plofk drumbel")
    await team.say(parent, "brtl snurf wokka", expect=2)
    esc = escalations.active_for(team.db, 8103)
    assert esc is not None and esc["reason"] == "action_handoff_after_misses"


async def test_with_the_translator_down_nothing_is_lost_and_it_is_marked(team, translated):
    translated.fail = True
    emu = team.emu
    parent = emu.user(8104, "Ayla")
    await team.onboard(parent, "Türkçe")
    await team.say(parent, "bir insanla konuşmak istiyorum lütfen", expect=2)
    esc = escalations.active_for(team.db, 8104)
    summary = (await _thread_messages(emu, esc["thread_id"], 1))[0]
    assert "bir insanla konuşmak istiyorum" in summary.text and "(niet vertaald" in summary.text
    before = len(emu.sent_to(8104, "sendMessage"))
    emu.send_text(emu.user(FATMA, "Fatma"), "Ik bel u vandaag.", chat_id=TEAM, thread_id=esc["thread_id"])
    answer = (await emu.wait_sent(8104, 1, after=before))[-1]
    assert "Ik bel u vandaag." in answer.text
    assert tr("tr", "(automatisch vertalen lukte niet; dit is de originele tekst)") in answer.text


async def test_a_restart_in_the_middle_of_an_escalation_loses_nothing(team):
    emu, db = team.emu, team.db
    parent = emu.user(8105, "Olena")
    await team.onboard(parent, "English")
    await team.say(parent, "can someone from the school call me please", expect=2)
    esc = escalations.active_for(db, 8105)
    await _thread_messages(emu, esc["thread_id"], 1)
    emu.add_fault("sendMessage", 502, count=50)  # the Bot API is down while we restart

    def while_down() -> None:
        send_queue.enqueue(db, Outgoing(8105, "💬 Fatma Yilmaz:\nwritten while the bot was down", kind="to_parent",
                                        escalation_id=esc["id"]))
        # an update the old process had received and confirmed, but not yet handled when it stopped
        update_id = next(emu._update_ids)
        message = {"message_id": 9999, "date": 0, "chat": {"id": 8105, "type": "private", "first_name": "Olena"},
                   "from": {"id": 8105, "is_bot": False, "first_name": "Olena"}, "text": "received before the crash"}
        db["inbox"].insert({"update_id": update_id, "payload": json.dumps({"update_id": update_id,
                                                                           "message": message}),
                            "received_at": ""})

    await team.restart(between=while_down)
    emu.faults.clear()
    for _ in range(400):
        if any("written while the bot was down" in s.text for s in emu.sent_to(8105)):
            break
        await asyncio.sleep(0.05)
    assert any("written while the bot was down" in s.text for s in emu.sent_to(8105))
    emu.send_text(parent, "thank you, I am waiting")
    relayed = await _thread_messages(emu, esc["thread_id"], 3, timeout=20)
    texts = [m.text for m in relayed]
    assert any("received before the crash" in t for t in texts), "a stored update is handled after the restart"
    assert "thank you, I am waiting" in texts[-1]
    assert db["inbox"].count == 0
    assert sum("written while the bot was down" in s.text for s in emu.sent_to(8105)) == 1


async def test_a_brugfiguur_of_another_school_cannot_see_or_answer(team):
    emu, db = team.emu, team.db
    db["schools"].insert({"id": "andere", "name": "Andere school", "profile_json": "{}", "profile_path": "",
                          "retention_days": 30, "updated_at": ""})
    _staff(db, OTHER, "andere", "Karel", ["nl"])
    parent = emu.user(8106, "Ayla")
    await team.onboard(parent, "Türkçe")
    await team.say(parent, "bir insanla konuşmak istiyorum lütfen", expect=2)
    esc = escalations.active_for(db, 8106)
    summary = (await _thread_messages(emu, esc["thread_id"], 1))[0]
    karel = emu.user(OTHER, "Karel")
    emu.tap(karel, summary, "E:claim")
    await emu.wait_call("answerCallbackQuery", 1)
    before = len(emu.sent_to(8106, "sendMessage"))
    for command in (f"/r {esc['id']} hallo", f"/close {esc['id']} weg"):
        reply = (await team.say(karel, command))[-1]
        assert "niet zien" in reply.text
    await asyncio.sleep(0.5)
    assert db["escalations"].get(esc["id"])["status"] == "open"
    assert len(emu.sent_to(8106, "sendMessage")) == before
