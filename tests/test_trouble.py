"""Escalations and delivery under ordinary trouble, end to end over the emulator.

One test per finding of the review (issue 7): a staff chat leaking to a parent, a
parent's words vanishing while an escalation has no place, an outage, order after
a retry, a crash with messages in flight, /forget with an open escalation, a
Conflict, edits, two quick messages, a teacher claiming a sensitive case.
"""
from __future__ import annotations

import asyncio
import json
import re
import time

import pytest

from bot import escalations, send_queue, store
from bot.i18n import tr

from conftest import until

TEAM = -100500
FATMA, JAN, TEACHER, ADMIN = 710, 711, 712, 713
ALWAYS = json.dumps({d: ["00:00-23:59"] for d in escalations.DAYS})
INTERNAL_ERROR = "Sorry, er ging iets mis aan onze kant"


def _staff(db, tid, name, role="brugfiguur", languages=("nl", "tr", "en")):
    store.add_staff(db, tid, "de-regenboog", role, name, languages)
    db["staff"].update((tid, "de-regenboog"), {"working_hours": ALWAYS})


@pytest.fixture
def team(harness):
    _staff(harness.db, FATMA, "Fatma Yilmaz")
    harness.db["schools"].update("de-regenboog", {"team_chat_id": TEAM})
    return harness




def thread_texts(emu, thread_id):
    return [s.text for s in emu.sent_to(TEAM) if s.params.get("message_thread_id") == thread_id]


async def open_escalation(h, user_id, text="I want to talk to a real person please", lang="English"):
    parent = h.emu.user(user_id, "Amal")
    await h.onboard(parent, lang)
    await h.say(parent, text, expect=2)
    esc = escalations.active_for(h.db, user_id)
    assert esc is not None
    return parent, esc


async def test_a_chat_between_colleagues_in_general_never_reaches_a_parent(team):
    emu = team.emu
    parent, esc = await open_escalation(team, 8201)
    esc = await until(lambda: (e := escalations.get(team.db, esc["id"]))["thread_id"] and e)
    fatma = emu.user(FATMA, "Fatma")
    emu.tap(fatma, (await until(lambda: [s for s in emu.sent_to(TEAM) if s.buttons]))[0], "E:claim")
    await until(lambda: escalations.get(team.db, esc["id"])["status"] == "claimed")
    before = len(emu.sent_to(8201, "sendMessage"))
    emu.send_text(fatma, "Koffie iemand? Ik heb nog één ouder vandaag.", chat_id=TEAM)  # General: no thread
    emu.send_text(fatma, "Dag mevrouw, ik bel u straks.", chat_id=TEAM, thread_id=esc["thread_id"])
    await until(lambda: any("ik bel u straks" in s.text for s in emu.sent_to(8201)))
    await asyncio.sleep(1.0)
    assert not any("Koffie" in s.text for s in emu.sent_to(8201)), "a colleague's chat leaked to a parent"


async def test_a_parents_words_wait_for_the_topic_and_arrive_in_order(team):
    emu = team.emu
    emu.add_fault("createForumTopic", 429, retry_after=5, count=1)  # the group's budget is used up for a while
    parent, esc = await open_escalation(team, 8202)
    assert esc["chat_id"] is None, "no place yet while the topic waits"
    for text in ("first: he cries every morning", "second: and he does not eat", "third: please call me"):
        emu.send_text(parent, text)
    esc = await until(lambda: (e := escalations.get(team.db, esc["id"]))["thread_id"] and e, timeout=15)
    texts = await until(lambda: (t := thread_texts(emu, esc["thread_id"])) and len(t) >= 4 and t, timeout=15)
    assert texts[0].startswith("🆘 Vraag"), "the summary comes first"
    relayed = [t for t in texts if "#%d" % esc["id"] in t and ("first" in t or "second" in t or "third" in t)]
    assert [("first" in t, "second" in t, "third" in t) for t in relayed] == [
        (True, False, False), (False, True, False), (False, False, True)]


async def test_without_brugfiguur_or_admin_the_parent_gets_the_secretariat_and_nothing_is_lost(harness):
    emu, db = harness.emu, harness.db
    parent = emu.user(8203, "Olga")
    await harness.onboard(parent, "English")
    replies = await harness.say(parent, "Can a person from the school call me please?", expect=2)
    assert "09 123 45 67" in replies[-1].text or "secretar" in replies[-1].text.lower()
    esc = escalations.active_for(db, 8203)
    assert esc["chat_id"] is None
    emu.send_text(parent, "it is about the bus, thanks")
    await until(lambda: db.execute("select count(*) from send_queue where escalation_id = ? and status = 'held'",
                                   [esc["id"]]).fetchone()[0] >= 2)
    _staff(db, JAN, "Jan De Smet")  # a brugfiguur joins: the follow-up finds the question a place
    summary = (await emu.wait_sent(JAN, 2, timeout=15))
    assert summary[0].text.startswith("🆘 Vraag") and "the bus" in summary[1].text


async def test_an_outage_delays_messages_but_loses_none_and_keeps_their_order(team):
    emu, db = team.emu, team.db
    parent, esc = await open_escalation(team, 8204)
    esc = await until(lambda: (e := escalations.get(db, esc["id"]))["thread_id"] and e)
    await until(lambda: len(thread_texts(emu, esc["thread_id"])) >= 1)
    emu.down_until = time.monotonic() + 4.0  # the Bot API answers 502 to everything for a while
    fatma = emu.user(FATMA, "Fatma")
    for n in range(1, 6):
        emu.send_text(fatma, f"bericht {n}", chat_id=TEAM, thread_id=esc["thread_id"])
    got = await emu.wait_sent(8204, 5, timeout=30, after=len([s for s in emu.sent_to(8204, "sendMessage")
                                                              if "bericht" not in s.text]))
    numbers = [n for s in emu.sent_to(8204, "sendMessage") for n in re.findall(r"bericht (\d)", s.text)]
    assert numbers == ["1", "2", "3", "4", "5"], [s.text for s in emu.sent_to(8204)]
    assert ("sendMessage", 502) in emu.rejected
    assert db.execute("select count(*) from send_queue where status = 'failed'").fetchone()[0] == 0
    assert len(got) >= 5


async def test_order_holds_after_a_retry(harness):
    emu, db = harness.emu, harness.db
    emu.add_fault("sendMessage", 502, count=1)
    harness.services.post(*[send_queue.Outgoing(8205, t, kind="test") for t in ("A", "B", "C")])
    sent = await emu.wait_sent(8205, 3, timeout=15)
    assert [s.text for s in sent] == ["A", "B", "C"]


async def test_a_storm_of_429s_is_honoured_by_the_queue(harness):
    emu = harness.emu
    emu.add_fault("sendMessage", 429, retry_after=2, count=4)
    harness.services.post(*[send_queue.Outgoing(9000 + i, f"m{i}", kind="test") for i in range(8)])
    await until(lambda: len([s for s in emu.sent if s.method == "sendMessage" and s.text.startswith("m")]) == 8,
                timeout=20)
    attempts = [t for m, c, t in emu.call_times if m == "sendMessage" and 9000 <= c < 9008]
    rejected_at = sorted(attempts)[3]  # the fourth refused request
    later = [t for t in attempts if t > rejected_at + 0.05]
    assert later and min(later) - rejected_at >= 1.9, "no request while Telegram asked us to wait"


async def test_a_crash_with_messages_in_flight_loses_nothing(harness):
    emu, db = harness.emu, harness.db
    emu.delays["sendMessage"] = 1.5  # requests hang in flight when the process dies
    harness.services.post(*[send_queue.Outgoing(9100 + i, f"in flight {i}", kind="test") for i in range(6)])
    await until(lambda: db.execute("select count(*) from send_queue where status = 'sending'").fetchone()[0] >= 3)
    await harness.crash()
    emu.delays.clear()
    await until(lambda: all(emu.sent_to(9100 + i) for i in range(6)), timeout=20)
    doubles = sum(len(emu.sent_to(9100 + i)) - 1 for i in range(6))
    assert doubles <= 6  # at least once: only what was in flight may arrive twice
    assert db.execute("select count(*) from send_queue where kind = 'test' and status != 'sent'").fetchone()[0] == 0


async def test_forget_with_an_open_escalation_erases_every_table(team):
    emu, db = team.emu, team.db
    parent, esc = await open_escalation(team, 8206, "my son is bullied every day, please help")
    esc = await until(lambda: (e := escalations.get(db, esc["id"]))["thread_id"] and e)
    fatma = emu.user(FATMA, "Fatma")
    emu.send_text(fatma, "/note moeder klinkt bezorgd, broer op dezelfde school", chat_id=TEAM,
                  thread_id=esc["thread_id"])
    await until(lambda: db["escalation_notes"].count == 1)
    db["translations"].insert({"key": "k1", "backend": "x", "source": "en", "target": "nl", "text": "bullied",
                               "translation": "gepest", "created_at": "2026-12-01", "owner": 8206})
    confirm = (await team.say(parent, "/forget"))[-1]
    await team.tap(parent, confirm, "F:y", method="editMessageText")
    await until(lambda: store.get_caregiver(db, 8206) is None)
    for table, where in (("caregivers", "telegram_id = 8206"), ("caregiver_children", "caregiver_id = 8206"),
                         ("conversation_log", "telegram_id = 8206"), ("escalations", "caregiver_id = 8206"),
                         ("escalation_notes", f"escalation_id = {esc['id']}"), ("translations", "owner = 8206"),
                         ("send_queue", f"escalation_id = {esc['id']} or caregiver_id = 8206 and kind != 'edit'"),
                         ("call_list", "caregiver_id = 8206"), ("audit_log", "actor = '8206'")):
        assert db.execute(f"select count(*) from {table} where {where}").fetchone()[0] == 0, table
    assert "moeder klinkt bezorgd" not in json.dumps(list(db["audit_log"].rows))
    # onboarding again starts fresh: no old escalation comes back
    await team.onboard(parent, "English")
    assert escalations.active_for(db, 8206) is None


async def test_a_conflict_stops_the_process_with_a_clear_message(harness):
    fatal = []
    harness.services.poller._task.cancel()
    from bot.telegram.intake import DurablePoller

    harness.emu.add_fault("getUpdates", 409, count=1)
    poller = DurablePoller(harness.app, harness.services.poller.inbox, timeout=1, on_fatal=fatal.append)
    harness.services.poller = poller
    await poller.start()
    await until(lambda: fatal, timeout=10)
    assert "another Schoolbrug" in fatal[0]


async def test_a_parents_edit_is_answered_as_a_new_message(harness):
    emu = harness.emu
    parent = emu.user(8207, "Ali")
    await harness.onboard(parent, "English")
    first = emu.send_text(parent, "when does school end on wednesday?")
    await emu.wait_sent(8207, 1, after=len(emu.sent_to(8207, "sendMessage")))
    before = len(emu.sent_to(8207, "sendMessage"))
    emu.edit_text(parent, first, "what time does school start in the morning?")
    reply = (await emu.wait_sent(8207, 1, after=before))[-1]
    assert INTERNAL_ERROR not in reply.text and tr("en", INTERNAL_ERROR) not in reply.text


async def test_a_brugfiguurs_edit_in_the_topic_reaches_the_parent_as_a_correction(team):
    emu = team.emu
    parent, esc = await open_escalation(team, 8208)
    esc = await until(lambda: (e := escalations.get(team.db, esc["id"]))["thread_id"] and e)
    fatma = emu.user(FATMA, "Fatma")
    before = len(emu.sent_to(8208, "sendMessage"))
    sent = emu.send_text(fatma, "Ik bel u om 10 uur.", chat_id=TEAM, thread_id=esc["thread_id"])
    await emu.wait_sent(8208, 1, after=before)
    emu.edit_text(fatma, sent, "Ik bel u om 11 uur.")
    got = await emu.wait_sent(8208, 2, after=before)
    assert "11 uur" in got[-1].text and "✏️" in got[-1].text


async def test_two_quick_messages_reach_the_brugfiguur_in_order(team):
    emu = team.emu
    parent, esc = await open_escalation(team, 8209)
    esc = await until(lambda: (e := escalations.get(team.db, esc["id"]))["thread_id"] and e)
    for n in range(1, 5):
        emu.send_text(parent, f"snel bericht {n}")
    texts = await until(lambda: (t := [x for x in thread_texts(emu, esc["thread_id"]) if "snel bericht" in x])
                        and len(t) == 4 and t, timeout=15)
    assert [t.split("snel bericht ")[1][0] for t in texts] == ["1", "2", "3", "4"]


async def test_a_teacher_cannot_claim_read_or_close_a_sensitive_case(team):
    emu, db = team.emu, team.db
    _staff(db, TEACHER, "Juf Ann", role="staff")
    parent, esc = await open_escalation(team, 8210, "my daughter is bullied at school")
    summary = (await until(lambda: [s for s in emu.sent_to(TEAM) if s.buttons]))[0]
    teacher = emu.user(TEACHER, "Ann")
    answered = len([c for c in emu.calls if c[0] == "answerCallbackQuery"])
    emu.tap(teacher, summary, "E:claim")
    answer = (await emu.wait_call("answerCallbackQuery", answered + 1))[-1]
    assert "brugfiguren" in answer.get("text", "")
    reply = (await team.say(teacher, f"/close {esc['id']} klaar"))[-1]
    assert "brugfiguren" in reply.text
    await asyncio.sleep(0.3)
    assert escalations.get(db, esc["id"])["status"] == "open"


async def test_a_staff_member_who_is_also_a_parent_can_use_the_assistant(team):
    emu, db = team.emu, team.db
    _staff(db, TEACHER, "Juf Ann", role="staff")
    teacher = emu.user(TEACHER, "Ann")
    await team.onboard(teacher, "English")
    reply = (await team.say(teacher, "what time does school start?"))[-1]
    assert "8:" in reply.text or "08" in reply.text


FORGED = ["E:claim", "E:claim:abc", "E:claim:" + "9" * 40, "E:steal:1", "E:", "L:", "L:xx:", "L:nl", "R:",
          "R:mother", "X:1", "X:a:b", "FB:1", "FB:1:sideways", "C:y", "C:y:nl", "C:maybe:nl:", "T:", "T:../../etc",
          "D:", "D:" + "x" * 60, "O:", "O:abc", "O:99999", "M:", "M:x:", "F:", "F:yes", "P:1", "Z:1", "", ":::",
          "E:close:1:extra", "X:1:2:3", "L:ar:" + "!" * 30, "R:king:", "T:fallback", "D:bullying", "FB:x:up",
          "O:-1", "C:n:zz:", "M:1:", "E:transfer:0"]


async def test_forged_and_malformed_buttons_are_answered_and_never_fail(team):
    emu = team.emu
    parent, esc = await open_escalation(team, 8211)
    await until(lambda: [s for s in emu.sent_to(TEAM) if s.buttons])
    message = emu.sent_to(8211, "sendMessage")[-1].message
    before_answers = len([c for c in emu.calls if c[0] == "answerCallbackQuery"])
    for data in FORGED:
        emu.push_raw({"callback_query": {"id": f"forged-{data}", "from": parent, "chat_instance": "1",
                                         "data": data, "message": message}})
    await emu.wait_call("answerCallbackQuery", before_answers + len(FORGED), timeout=20)
    await asyncio.sleep(0.5)
    assert not any(INTERNAL_ERROR in s.text or tr("en", INTERNAL_ERROR) in s.text for s in emu.sent_to(8211))
    assert escalations.get(team.db, esc["id"])["status"] == "open", "a parent cannot act for staff"


async def test_a_blocked_parent_goes_on_the_call_list(team):
    emu, db = team.emu, team.db
    parent, esc = await open_escalation(team, 8212)
    esc = await until(lambda: (e := escalations.get(db, esc["id"]))["thread_id"] and e)
    emu.blocked_users.add(8212)
    emu.send_text(emu.user(FATMA, "Fatma"), "Dag, ik bel u morgen.", chat_id=TEAM, thread_id=esc["thread_id"])
    await until(lambda: db["call_list"].count == 1, timeout=10)
    assert store.get_caregiver(db, 8212)["unreachable_at"]
    await until(lambda: any("kon niet bij de ouder" in t for t in thread_texts(emu, esc["thread_id"])))
