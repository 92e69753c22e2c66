"""Reminders end to end: a school writes once in Dutch, every family reads it in its own language and
answers with one tap; delivery survives crashes, 429 storms and blocked bots (issue 9)."""
from __future__ import annotations

import asyncio
import functools
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot import reminders, send_queue, store
from bot.config import PROJECT_ROOT
from bot.db import utcnow
from bot.i18n import tr

TZ = ZoneInfo("Europe/Brussels")
TEACHER, OTHER_TEACHER, BRUG = 9101, 9102, 9103
LANGS = ["nl", "fr", "en", "ar", "tr", "pl", "ro", "bg", "uk", "ru", "es", "so"]


@pytest.fixture(autouse=True)
def no_quiet_hours(monkeypatch):
    """The end-to-end tests run at any hour; the quiet-hours tests set a moment themselves."""
    monkeypatch.setattr(reminders, "QUIET_HOURS", None)


from conftest import until as wait_until  # noqa: E402

until = functools.partial(wait_until, timeout=20.0)


def add_families(db, n, start=600000, class_code="L1A", langs=LANGS):
    """n caregivers, each with a child in `class_code`, straight into SQLite (not onboarded one by one)."""
    now = utcnow()
    class_id = f"de-regenboog:{class_code}"
    ids = list(range(start, start + n))
    with db.atomic():
        db["caregivers"].insert_all([{"telegram_id": i, "first_name": f"Ouder{i}", "language": langs[k % len(langs)],
                                      "consent_at": now, "privacy_version": store.PRIVACY_VERSION, "created_at": now,
                                      "last_seen_at": now} for k, i in enumerate(ids)], batch_size=500)
        db["children"].insert_all([{"id": i, "school_id": "de-regenboog", "class_id": class_id, "label": "",
                                    "created_at": now} for i in ids], batch_size=500)
        db["caregiver_children"].insert_all([{"caregiver_id": i, "child_id": i, "relation": "mother",
                                              "linked_at": now} for i in ids], batch_size=500)
    return ids


def make(db, **over):
    spec = {"school": "de-regenboog", "colour": "green", "title": "Oudercontact", "text": "Kom naar het oudercontact.",
            "when": "2027-03-14 18:30", "place": "Refter", "bring": ["gym_clothes"], "audience": {"classes": ["L1A"]},
            "send_at": "now", "rsvp": True, "deadline": "2027-03-10 12:00"}
    spec.update(over)
    return reminders.create(db, reminders.validate(spec, db))


def reminder_messages(emu, chat_id, rid=None):
    return [s for s in emu.sent_to(chat_id, "sendMessage")
            if any(str(b.get("callback_data", "")).startswith(f"RM:{rid}:" if rid else "RM:") for b in s.buttons)]


# ------------------------------------------------------------------ rendering
def test_arabic_without_translation_shows_what_when_where_and_what_to_bring_in_arabic(db):
    rem = {"id": 7, "colour": "green", "title": "Uitstap", "text": "De klas gaat naar de zee.", "template": "trip",
           "when_at": "2027-03-14 09:00", "place": "Station Gent", "bring": json.dumps(["lunch_box", "regenjas"]),
           "cost": 4.5, "childcare": 0, "interpreter": 1, "rsvp": 1, "deadline": "2027-03-10 12:00"}
    out = reminders.render(rem, "ar", None)
    lines = out.text.splitlines()
    assert lines[0] == "🟢 " + tr("ar", "Je bent uitgenodigd") and lines[0] != "🟢 Je bent uitgenodigd"
    assert "رحلة مدرسية" in out.text, "the template's name in Arabic"
    assert "الأحد" in out.text and "مارس" in out.text, "Sunday 14 March in Arabic (Babel)"
    assert "وجبة غداء" in out.text and "معطف مطر" in out.text, "items from the curated catalogue, also by Dutch word"
    assert "€" in out.text and tr("ar", "Er is een tolk. Je mag je eigen taal spreken.") in out.text
    assert tr("ar", "Een uitnodiging van de school. Het bericht in het Nederlands:") in out.text
    assert "🇳🇱 De klas gaat naar de zee." in out.text, "the Dutch text, with a line saying what it is"
    data = [d for row in out.buttons for _, d in row]
    assert data == ["RM:7:seen", "RM:7:yes", "RM:7:no", "RM:7:yes_if", "RM:7:no_unless", "P"]
    assert all(len(d.encode()) <= 64 for d in data) and len(out.text) < 1000


def test_a_machine_translation_is_marked_and_keeps_the_dutch_original_one_tap_away():
    rem = {"id": 8, "colour": "red", "title": "Betaling", "text": "De rekening is niet betaald.", "bring": "[]",
           "rsvp": 0}
    out = reminders.render(rem, "tr", "Fatura ödenmedi.")
    assert out.text.startswith("🔴 " + tr("tr", "Neem contact op met de school"))
    assert tr("tr", "(automatische vertaling)") in out.text and "Fatura ödenmedi." in out.text
    assert "🇳🇱 De rekening is niet betaald." in out.text
    assert ("O:" + send_queue.ROW_ID) in [d for row in out.buttons for _, d in row]
    assert reminders.render(rem, "nl", None).text.endswith("De rekening is niet betaald.")


def test_a_reminder_file_with_mistakes_is_refused_with_every_field_named(db, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("school: de-regenboog\ncolour: purple\ntitle: x\ntext: y\nwhen: morgen\n"
                   "audience: {classes: [Z9]}\nquiet_hours_override: true\n", encoding="utf-8")
    with pytest.raises(reminders.ReminderError) as err:
        reminders.load_file(bad, db)
    message = str(err.value)
    for part in ("colour:", "when:", "audience: no class Z9", "quiet_hours_override:"):
        assert f"{bad}: {part}" in message or part in message


# ------------------------------------------------------- the CLI contract
def _cli(settings, *args):
    env = {**os.environ, "SCHOOLBRUG_DB": str(settings.db_path), "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "remind", *args], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_a_reminder_created_with_the_cli_is_sent_by_the_running_bot_and_cannot_be_sent_twice(harness, tmp_path):
    db, emu = harness.db, harness.emu
    ids = add_families(db, 5)
    spec = tmp_path / "r.yml"
    spec.write_text("school: de-regenboog\ncolour: orange\ntemplate: gym_gear\naudience: {classes: [L1A]}\n"
                    "send_at: now\n", encoding="utf-8")
    first = json.loads(_cli(harness.services.settings, "create", str(spec), "--json"))
    again = json.loads(_cli(harness.services.settings, "create", str(spec), "--json"))
    assert again["id"] == first["id"] and again["new"] is False
    await until(lambda: all(reminder_messages(emu, i) for i in ids))
    status = json.loads(_cli(harness.services.settings, "status", str(first["id"]), "--json"))
    assert {k: status[k] for k in ("id", "recipients", "sent", "failed", "seen")} == {
        "id": first["id"], "recipients": 5, "sent": 5, "failed": 0, "seen": 0}
    assert status["rsvp"] == {"yes": 0, "no": 0, "yes_if": 0, "no_unless": 0}
    assert sorted(status["not_seen"]) == ids
    await asyncio.sleep(1.5)
    assert all(len(reminder_messages(emu, i)) == 1 for i in ids), "a second create sent nothing"


async def test_a_scheduled_reminder_waits_for_its_time(harness):
    db, emu = harness.db, harness.emu
    (cid,) = add_families(db, 1)
    created = make(db, send_at=(datetime.now(TZ) + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M"))
    await asyncio.sleep(2)
    assert not reminder_messages(emu, cid), "not before its time"
    db["reminders"].update(created.id, {"due_at": time.time() + 1})  # the clock reaches the send time
    await until(lambda: reminder_messages(emu, cid), timeout=10)


# ------------------------------------------------------------- quiet hours
def test_quiet_hours_defer_a_reminder_to_the_next_school_morning_but_a_red_override_goes_silently(db, monkeypatch):
    monkeypatch.setattr(reminders, "QUIET_HOURS", ("20:00", "07:00"))
    (cid,) = add_families(db, 1)
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=TZ)
    green = make(db, send_at="now")
    assert reminders.start(db, green.id, saturday) == "deferred"
    assert datetime.fromtimestamp(reminders.get(db, green.id)["due_at"], TZ) == datetime(2026, 12, 7, 7, 0, tzinfo=TZ)
    friday_night = datetime(2026, 12, 4, 22, 30, tzinfo=TZ)
    red = make(db, colour="red", title="Rood", rsvp=False, deadline=None, quiet_hours_override=True)
    red_plain = make(db, colour="red", title="Rood zonder override", rsvp=False, deadline=None)
    assert reminders.start(db, red_plain.id, friday_night) == "deferred"
    assert reminders.start(db, red.id, friday_night) == "active"
    assert reminders.queue_due(db, red.id, friday_night) == 1
    row = db.execute("select payload from send_queue where dedupe_key = ?", [f"reminder:{red.id}:{cid}"]).fetchone()
    assert json.loads(row[0])["silent"] is True, "in quiet hours without sound"
    christmas = datetime(2026, 12, 23, 10, 0, tzinfo=TZ)  # a Wednesday in the school's Christmas holiday
    assert reminders.is_quiet(christmas, store.get_school(db, "de-regenboog"))
    assert reminders.next_allowed(christmas, store.get_school(db, "de-regenboog")).date().isoformat() == "2027-01-04"


async def test_a_red_override_in_quiet_hours_reaches_the_family_without_sound(harness, monkeypatch):
    db, emu = harness.db, harness.emu
    monkeypatch.setattr(reminders, "QUIET_HOURS", ("00:00", "23:59"))  # it is always night now
    (cid,) = add_families(db, 1, start=610000)
    make(db, colour="red", title="Rood", rsvp=False, deadline=None, quiet_hours_override=True)
    quiet_green = make(db, title="Groen in stille uren", rsvp=False, deadline=None)
    sent = await until(lambda: reminder_messages(emu, cid))
    assert sent[0].params.get("disable_notification") in (True, "true", "True")
    await asyncio.sleep(1.5)
    assert len(reminder_messages(emu, cid)) == 1
    assert reminders.get(db, quiet_green.id)["deferred_reason"].startswith("stille uren")


# ------------------------------------------------------------------ answers
async def test_seen_and_rsvp_count_once_change_until_the_deadline_and_are_refused_kindly_after(harness):
    db, emu = harness.db, harness.emu
    parent = emu.user(620001, "Amal")
    await harness.onboard(parent, "العربية")
    created = make(db)
    (msg,) = await until(lambda: reminder_messages(emu, 620001, created.id))
    assert msg.text.startswith("🟢 " + tr("ar", "Je bent uitgenodigd"))
    rid = created.id
    for _ in range(2):  # a double tap
        emu.tap(parent, msg, f"RM:{rid}:seen")
    emu.tap(parent, msg, f"RM:{rid}:yes")
    await until(lambda: reminders.status(db, rid)["rsvp"]["yes"] == 1)
    emu.tap(parent, msg, f"RM:{rid}:no")  # changed their mind before the deadline
    await until(lambda: reminders.status(db, rid)["rsvp"]["no"] == 1)
    s = reminders.status(db, rid)
    assert s["seen"] == 1 and s["rsvp"] == {"yes": 0, "no": 1, "yes_if": 0, "no_unless": 0} and s["not_seen"] == []
    expected = [tr("ar", "✅ Gezien") + " ✔️", tr("ar", "👎 Nee") + " ✔️"]

    def marked_now():
        edits = [p for m, p in emu.calls if m == "editMessageReplyMarkup" and int(p["chat_id"]) == 620001]
        if not edits:
            return None
        markup = edits[-1]["reply_markup"]
        markup = json.loads(markup) if isinstance(markup, str) else markup
        return [b["text"] for row in markup["inline_keyboard"] for b in row if "✔️" in b["text"]]

    await until(lambda: marked_now() == expected)  # the parent sees what they answered
    db["reminders"].update(rid, {"deadline": "2020-01-01 00:00"})
    answers = len([c for c in emu.calls if c[0] == "answerCallbackQuery"])
    emu.tap(parent, msg, f"RM:{rid}:yes")
    calls = await until(lambda: (c := [p for m, p in emu.calls if m == "answerCallbackQuery"]) and
                        len(c) > answers and c)
    assert calls[-1].get("text") == tr("ar", "De tijd om te antwoorden is voorbij. Wil je toch iets laten weten? "
                                             "Tik op 🙋 of stuur een bericht.")
    assert reminders.status(db, rid)["rsvp"]["no"] == 1, "refused after the deadline"


async def test_a_yes_if_answer_reaches_the_class_teacher_with_the_parents_words(harness):
    db, emu = harness.db, harness.emu
    store.add_staff(db, TEACHER, "de-regenboog", "staff", "Meester Tom")
    parent = emu.user(620002, "Oksana")
    await harness.onboard(parent, "English")
    created = make(db)
    (msg,) = await until(lambda: reminder_messages(emu, 620002, created.id))
    before = len(emu.sent_to(620002, "sendMessage"))
    emu.tap(parent, msg, f"RM:{created.id}:yes_if")
    ask = await emu.wait_sent(620002, 1, after=before)
    assert ask[0].text == tr("en", "Ja, als … – schrijf in een paar woorden wat je nodig hebt.")
    replies = await harness.say(parent, "if there is childcare for my baby")
    assert replies[-1].text == tr("en", "Dank je. Je antwoord is doorgegeven aan de school.")
    note = await emu.wait_sent(TEACHER, 1)
    assert "if there is childcare for my baby" in note[0].text and "Ja, als" in note[0].text
    assert reminders.status(db, created.id)["rsvp"]["yes_if"] == 1


async def test_an_unseen_red_reminder_is_sent_once_more_then_the_family_is_on_the_call_list(harness):
    db, emu = harness.db, harness.emu
    store.add_staff(db, BRUG, "de-regenboog", "brugfiguur", "Fatma")
    seen_id, unseen_id = add_families(db, 2, start=630000)
    created = make(db, colour="red", template="payment", title="Rekening", rsvp=False, deadline=None,
                   follow_up_hours=1 / 3600)
    first = await until(lambda: reminder_messages(emu, seen_id) and reminder_messages(emu, unseen_id))
    emu.tap(emu.user(seen_id), reminder_messages(emu, seen_id)[0], f"RM:{created.id}:seen")
    again = await until(lambda: [s for s in reminder_messages(emu, unseen_id) if s.text.startswith("🔁")])
    assert len(again) == 1
    await until(lambda: reminders.call_list(db, created.id))
    listed = reminders.call_list(db, created.id)
    assert [r["caregiver_id"] for r in listed] == [unseen_id] and "niet gezien" in listed[0]["why"]
    await asyncio.sleep(2.5)
    assert len(reminder_messages(emu, unseen_id)) == 2, "re-sent once, not again"
    assert len(reminder_messages(emu, seen_id)) == 1
    csv_out = _cli(harness.services.settings, "calllist", str(created.id), "--csv")
    assert csv_out.splitlines()[0] == "caregiver_id,name,language,class,phone,why,source,created_at"
    assert f"Ouder{unseen_id}" in csv_out
    staff = emu.user(BRUG, "Fatma")
    replies = await harness.say(staff, "/calllist")
    assert f"Ouder{unseen_id}" in replies[-1].text


async def test_blocked_users_land_on_the_call_list(harness):
    db, emu = harness.db, harness.emu
    ids = add_families(db, 10, start=640000)
    emu.blocked_users.update(ids[:3])
    created = make(db, colour="red", title="Rood", rsvp=False, deadline=None)
    await until(lambda: reminders.status(db, created.id)["sent"] + reminders.status(db, created.id)["failed"] == 10)
    s = reminders.status(db, created.id)
    assert (s["sent"], s["failed"]) == (7, 3)
    assert sorted(r["caregiver_id"] for r in reminders.call_list(db, created.id)) == ids[:3]


# ------------------------------------------------------------------ delivery
async def test_a_crash_at_half_of_a_1000_family_broadcast_loses_nothing_and_doubles_almost_nothing(harness):
    db, emu = harness.db, harness.emu
    ids = add_families(db, 1000, start=700000)
    harness.services.dispatcher.pacer.per_second = 200  # a quicker test; the bench runs at Telegram's 30/s
    created = make(db, colour="white", title="Info", rsvp=False, deadline=None, bring=[], when=None)
    await until(lambda: reminders.status(db, created.id)["sent"] >= 500, timeout=60)
    await harness.crash()
    harness.services.dispatcher.pacer.per_second = 200
    await until(lambda: reminders.status(db, created.id)["sent"] == 1000, timeout=60)
    per_chat = {}
    for s in emu.sent:
        if s.method == "sendMessage" and s.chat_id >= 700000:
            per_chat[s.chat_id] = per_chat.get(s.chat_id, 0) + 1
    assert set(per_chat) == set(ids), "nobody lost"
    doubles = sum(n - 1 for n in per_chat.values())
    assert doubles <= 64, f"{doubles} doubles (only the messages in flight at the crash may double)"
    assert db.execute("select count(*) from send_queue where kind = 'reminder'").fetchone()[0] == 1000


async def test_a_429_storm_delays_but_loses_and_doubles_nothing(harness):
    db, emu = harness.db, harness.emu
    ids = add_families(db, 40, start=800000)
    emu.add_fault("sendMessage", 429, retry_after=1, count=25)
    created = make(db, rsvp=False, deadline=None)
    await until(lambda: reminders.status(db, created.id)["sent"] == 40, timeout=40)
    assert all(len(reminder_messages(emu, i)) == 1 for i in ids)
    assert ("sendMessage", 429) in emu.rejected and reminders.status(db, created.id)["failed"] == 0


async def test_a_parents_question_is_answered_while_a_broadcast_runs(harness):
    db, emu = harness.db, harness.emu
    parent = emu.user(650001, "Olga")
    await harness.onboard(parent, "English")
    add_families(db, 1000, start=900000)
    created = make(db, colour="white", title="Info", rsvp=False, deadline=None)
    await until(lambda: reminders.status(db, created.id)["sent"] >= 30)
    t0 = time.monotonic()
    replies = await harness.say(parent, "When does school start in the morning?", timeout=10)
    waited = time.monotonic() - t0
    assert replies and waited < 3.0, f"the answer took {waited:.1f}s"
    assert reminders.status(db, created.id)["sent"] < 1000, "the broadcast was still running"


# --------------------------------------------------------------------- staff
async def test_a_teacher_composes_for_their_own_class_and_cannot_send_to_another(harness):
    db, emu = harness.db, harness.emu
    store.add_staff(db, TEACHER, "de-regenboog", "staff", "Meester Tom")
    db["staff"].update((TEACHER, "de-regenboog"), {"classes": json.dumps(["L1A"])})
    (cid,) = add_families(db, 1, start=660000)
    teacher = emu.user(TEACHER, "Tom")
    menu = (await harness.say(teacher, "/remind"))[-1]
    step = (await harness.tap(teacher, menu, "RMC:c:green"))[-1]
    for answer in ("Uitstap naar de zoo", "Donderdag gaan we naar de zoo.", "2027-04-15 09:00", "Zoo Antwerpen",
                   "lunch_box, drinkfles"):
        step = (await harness.say(teacher, answer))[-1]
    assert [b["callback_data"] for b in step.buttons] == ["RMC:a:L1A"], "only the teacher's own class"
    forged = {"id": "forged-1", "from": teacher, "chat_instance": str(TEACHER), "data": "RMC:a:L5A",
              "message": step.message}
    emu.push_raw({"callback_query": forged})
    refused = await until(lambda: [p for m, p in emu.calls if m == "answerCallbackQuery"
                                   and p.get("callback_query_id") == "forged-1"])
    assert "niet jouw klas" in refused[0]["text"]
    assert db.execute("select count(*) from audit_log where action = 'refused' and actor = ?",
                      [str(TEACHER)]).fetchone()[0] == 1
    when = (await harness.tap(teacher, step, "RMC:a:L1A"))[-1]
    preview = (await harness.tap(teacher, when, "RMC:s:now"))[-1]
    assert "Voorbeeld" in preview.text and "1 gezinnen" in preview.text
    status = (await harness.tap(teacher, preview, "RMC:ok"))[-1]
    assert status.text.startswith("🟢 Herinnering #")
    (msg,) = await until(lambda: reminder_messages(emu, cid))
    assert "Zoo Antwerpen" in msg.text
    rid = int(msg.buttons[0]["callback_data"].split(":")[1])
    emu.tap(emu.user(cid), msg, f"RM:{rid}:seen")
    edited = await until(lambda: [s for s in emu.sent_to(TEACHER, "editMessageText") if "gezien 1" in s.text],
                         timeout=15)
    assert "verstuurd 1/1" in edited[-1].text, "the live status message follows"
    assert reminders.may_send(db, TEACHER, reminders.validate(
        {"school": "de-regenboog", "colour": "white", "title": "x", "text": "y", "audience": "all"}, db))


async def test_a_family_can_choose_a_daily_digest_for_white_reminders(harness):
    db, emu = harness.db, harness.emu
    parent = emu.user(670001, "Ayse")
    await harness.onboard(parent, "Türkçe")
    menu = (await harness.say(parent, "/reminders"))[-1]
    await harness.tap(parent, menu, "RP:digest", method="editMessageText")
    assert reminders.white_mode(db, 670001) == "digest"
    white = make(db, colour="white", title="Schoolfoto", rsvp=False, deadline=None)
    red = make(db, colour="red", title="Rood", rsvp=False, deadline=None)
    await until(lambda: reminder_messages(emu, 670001, red.id))
    assert not reminder_messages(emu, 670001, white.id), "white waits for the digest"
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1, hours=1)
    assert reminders.queue_digests(db, tomorrow) == 1
    harness.services.wake()
    digest = await until(lambda: [s for s in emu.sent_to(670001) if s.text.startswith(
        tr("tr", "⚪ Informatie van de school van vandaag:"))])
    assert "Schoolfoto" in digest[0].text
    await until(lambda: reminders.status(db, white.id)["sent"] == 1)
