"""A parent's first minutes, end to end over the emulator."""
from __future__ import annotations

from bot import store
from bot.i18n import tr
from bot.telegram.onboarding import privacy_notice


def _arabic(text: str) -> bool:
    return sum("\u0600" <= ch <= "\u06FF" for ch in text) > 20


async def test_parent_onboards_in_arabic_from_a_class_invite(harness):
    user = harness.emu.user(5001, "Amina", language_code="ar")
    picker = (await harness.say(user, f"/start {harness.invite('K1A')}"))[-1]
    names = [b["text"] for b in picker.buttons]
    assert "العربية" in names and "Türkçe" in names and "Українська" in names

    notice = (await harness.tap(user, picker, "العربية"))[-1]
    assert notice.text == privacy_notice("ar", 180)
    assert _arabic(notice.text), "the privacy notice must be in Arabic"
    assert harness.db["caregivers"].count == 0, "nothing is stored before consent"

    relation_question = (await harness.tap(user, notice, notice.buttons[0]["callback_data"]))[-1]
    assert relation_question.text == tr("ar", "Wie ben jij voor het kind?")
    linked = (await harness.tap(user, relation_question, "R:mother:", method="editMessageText"))[-1]
    assert "Basisschool De Regenboog" in linked.text and _arabic(linked.text)

    caregiver = store.get_caregiver(harness.db, 5001)
    assert caregiver["language"] == "ar" and caregiver["consent_at"]
    children = store.children_of(harness.db, 5001)
    assert [(c["class_id"], c["relation"]) for c in children] == [("de-regenboog:K1A", "mother")]


async def test_refusing_consent_stores_nothing_but_the_refusal(harness):
    user = harness.emu.user(5002, "Jan")
    picker = (await harness.say(user, f"/start {harness.invite()}"))[-1]
    notice = (await harness.tap(user, picker, "Nederlands"))[-1]
    refusal = (await harness.tap(user, notice, notice.buttons[1]["callback_data"], method="editMessageText"))[-1]
    assert "niets" in refusal.text
    for table in ("caregivers", "children", "caregiver_children", "conversation_log", "staff"):
        assert harness.db[table].count == 0, table
    refusals = list(harness.db["consent_refusals"].rows)
    assert len(refusals) == 1 and refusals[0]["school_id"] == "de-regenboog"
    assert "5002" not in str(refusals) and "Jan" not in str(refusals)


async def test_forget_erases_everything_about_the_parent(harness):
    user = harness.emu.user(5003, "Olena")
    await harness.onboard(user, "Українська")
    await harness.say(user, "hallo")
    assert harness.db["conversation_log"].count >= 2
    confirm = (await harness.say(user, "/forget"))[-1]
    done = (await harness.tap(user, confirm, "F:y", method="editMessageText"))[-1]
    assert done.text == tr("uk", "Alles is gewist. Tot ziens! Wil je later opnieuw beginnen? Stuur /start.")
    assert store.get_caregiver(harness.db, 5003) is None
    for table in ("children", "caregiver_children", "conversation_log"):
        assert harness.db[table].count == 0, table
    assert any(r["action"] == "erase" for r in harness.db["audit_log"].rows)
    privacy = (await harness.say(user, "/privacy"))[-1]
    assert "5003" not in privacy.text


async def test_privacy_shows_what_is_stored(harness):
    user = harness.emu.user(5004, "Marek")
    await harness.onboard(user, "Polski")
    reply = (await harness.say(user, "/privacy"))[-1]
    assert "Marek" in reply.text and "Polski" in reply.text and "Basisschool De Regenboog" in reply.text


async def test_second_caregiver_joins_the_same_child_with_a_family_link(harness):
    mother = harness.emu.user(5005, "Sara")
    await harness.onboard(mother, "English")
    link = (await harness.say(mother, "/family"))[-1].text
    token = link.rsplit("start=", 1)[1].split()[0]
    grandpa = harness.emu.user(5006, "Ahmet")
    picker = (await harness.say(grandpa, f"/start {token}"))[-1]
    notice = (await harness.tap(grandpa, picker, "Türkçe"))[-1]
    question = (await harness.tap(grandpa, notice, notice.buttons[0]["callback_data"]))[-1]
    await harness.tap(grandpa, question, "R:grandparent:", method="editMessageText")
    mother_child = store.children_of(harness.db, 5005)[0]["child_id"]
    grandpa_children = store.children_of(harness.db, 5006)
    assert [(c["child_id"], c["relation"]) for c in grandpa_children] == [(mother_child, "grandparent")]
    # the family link works once
    stranger = harness.emu.user(5007)
    reply = await harness.say(stranger, f"/start {token}", expect=2)
    assert "werkt niet meer" in reply[0].text


async def test_expired_or_unknown_invite_is_explained(harness):
    user = harness.emu.user(5008)
    replies = await harness.say(user, "/start doesnotexist1", expect=2)
    assert "werkt niet meer" in replies[0].text
    assert any(b["callback_data"].startswith("L:nl:") for b in replies[1].buttons)


async def test_language_picker_has_every_language_behind_more(harness):
    user = harness.emu.user(5009)
    picker = (await harness.say(user, "/start"))[-1]
    harness.emu.tap(user, picker, "M:1:")
    markup = (await harness.emu.wait_call("editMessageReplyMarkup"))[-1]["reply_markup"]
    names = [b["text"] for row in markup["inline_keyboard"] for b in row]
    for name in ("فارسی / دری", "پښتو", "ትግርኛ", "Shqip", "Português", "Italiano", "Deutsch", "አማርኛ", "Kurdî"):
        assert name in names
