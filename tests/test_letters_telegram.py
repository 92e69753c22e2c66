"""A photo of a letter in, the answer out: over HTTP through the whole bot (python-telegram-bot, the send
queue, the emulator's getFile and file downloads), in Arabic and in Polish, with the buttons."""
from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from bot import escalations, store
from bot.letters import reading
from bot.telegram import letters

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import make_letters  # noqa: E402

pytestmark = pytest.mark.skipif(not reading.available(), reason="tesseract with Dutch data is not installed "
                                "(scripts/ensure-env.sh installs it as root with apt-get)")
FATMA = 730


@pytest.fixture(autouse=True)
def letter_day(monkeypatch):
    monkeypatch.setattr(letters, "today", lambda: date(2026, 4, 14))  # the day the zeeklassen letter was written
    monkeypatch.setattr(letters, "ALBUM_WAIT", 0.5)


def _photo(letter_id: str) -> bytes:
    schools, all_letters = make_letters.load_letters("dev")
    letter = next(item for item in all_letters if item["id"] == letter_id)
    page = make_letters.render_letter(letter, schools)
    return make_letters.photograph(page, make_letters.photo_seed(letter_id, 1))


async def test_a_photo_of_a_letter_is_answered_in_arabic_and_goes_to_a_person_on_request(harness):
    emu, db = harness.emu, harness.db
    store.add_staff(db, FATMA, "de-regenboog", "brugfiguur", "Fatma", ["nl", "ar"])
    db["staff"].update((FATMA, "de-regenboog"), {"working_hours": json.dumps({d: ["00:00-23:59"]
                                                                              for d in escalations.DAYS})})
    mother = emu.user(8501, "Amal")
    await harness.onboard(mother, "العربية")
    before = len(emu.sent_to(8501, "sendMessage"))
    emu.send_photo(mother, data=_photo("d01"))
    answer = (await emu.wait_sent(8501, 2, after=before, timeout=90))[-1]
    assert answer.text.startswith("🟢")
    assert "strookje" in answer.text
    labels = [b["text"] for b in answer.buttons]
    assert any(label.startswith("🙋") for label in labels) and any(label.startswith("✅") for label in labels)
    assert db.execute("select count(*) from send_queue where attachment is not null").fetchone()[0] == 0, \
        "the photo is not kept before the parent sends it to a person"
    await harness.tap(mother, answer, "LT:person")
    photo = (await emu.wait_sent(FATMA, 1, method="sendPhoto", timeout=20))[0]
    assert "#1" in photo.text
    facts = (await emu.wait_sent(FATMA, 2, timeout=20))
    assert any('"kind": "trip"' in s.text for s in facts)


async def test_a_photo_of_a_letter_is_answered_in_polish_and_a_reminder_is_queued(harness):
    emu, db = harness.emu, harness.db
    father = emu.user(8502, "Piotr")
    await harness.onboard(father, "Polski")
    before = len(emu.sent_to(8502, "sendMessage"))
    emu.send_photo(father, data=_photo("d10"))
    answer = (await emu.wait_sent(8502, 2, after=before, timeout=90))[-1]
    assert answer.text.startswith("🟢")
    assert "śpiwór" in answer.text  # the sleeping bag, from the curated catalogue
    dutch = (await harness.tap(father, answer, "LT:dutch"))[-1]
    assert "zeeklassen" in dutch.text.lower()
    await harness.tap(father, answer, "LT:remind")
    reminder = db.execute("select expires_at, payload from send_queue where kind = 'letter_reminder' "
                          "and chat_id = 8502").fetchone()
    assert reminder is not None and json.loads(reminder[1])["text"].startswith("⏰")
    # for 08:00 two days before the deadline (Friday 24 April 2026); useful for a day after that
    planned = datetime.fromtimestamp(reminder[0] - 24 * 3600, escalations.BRUSSELS)
    assert (planned.date(), planned.hour) == (date(2026, 4, 22), 8)


async def test_an_album_of_two_photos_is_read_as_one_letter(harness):
    emu = harness.emu
    parent = emu.user(8503, "Ana")
    await harness.onboard(parent, "Română")
    before = len(emu.sent_to(8503, "sendMessage"))
    emu.send_photo(parent, data=_photo("d09"), media_group_id="g1")
    emu.send_photo(parent, data=_photo("d03"), media_group_id="g1")
    sent = await emu.wait_sent(8503, 2, after=before, timeout=90)
    assert "64,80" in sent[-1].text and "56,20" in sent[-1].text
    assert len(emu.sent_to(8503, "sendMessage")) - before == 2, "one 'reading…' and one answer"
