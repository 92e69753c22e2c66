"""A linked parent's free text, through Telegram, the dialogue layer and back."""
from __future__ import annotations

import json


async def test_a_question_gets_the_answer_with_dutch_and_person_buttons(harness):
    user = harness.emu.user(9001, "Rachid")
    await harness.onboard(user, "English")
    reply = (await harness.say(user, "what time does school finish on wednesday?"))[-1]
    assert "11:45" in reply.text
    data = [b["callback_data"] for b in reply.buttons]
    assert "D:school_times" in data and "P" in data
    dutch = (await harness.tap(user, reply, "D:school_times"))[-1]
    assert "woensdag" in dutch.text
    logged = list(harness.db["conversation_log"].rows_where("telegram_id = 9001 and direction = 'out'"))
    assert logged[0]["topic"] == "school_times" and logged[0]["confidence"] > 0.4
    assert json.loads(logged[0]["options"]) == []


async def test_a_sensitive_message_is_handed_off_and_recorded(harness):
    user = harness.emu.user(9002, "Ayla")
    await harness.onboard(user, "Türkçe")
    reply = (await harness.say(user, "oğlumu okulda her gün dövüyorlar, çok korkuyor"))[-1]
    assert "Fatma Yilmaz" in reply.text
    logged = list(harness.db["conversation_log"].rows_where("telegram_id = 9002 and direction = 'out'"))
    assert logged[-1]["handoff"] == 1 and logged[-1]["topic"] in ("bullying", "wellbeing_concern")


async def test_did_you_mean_buttons_answer_the_chosen_topic(harness):
    user = harness.emu.user(9003, "Pieter")
    await harness.onboard(user, "Nederlands")
    reply = (await harness.say(user, "vraagje over school"))[-1]
    choices = [b["callback_data"] for b in reply.buttons if b["callback_data"].startswith("T:")]
    assert choices and reply.buttons[-1]["callback_data"] == "P"
    answer = (await harness.tap(user, reply, choices[0]))[-1]
    school = harness.services.db["schools"].get("de-regenboog")
    expected = harness.services.assistant.answer_topic(choices[0][2:], "nl", school=json.loads(school["profile_json"]),
                                                       teacher="Meester Tom")
    assert answer.text == expected.reply


async def test_talk_to_a_person_button_tells_who_will_answer(harness):
    user = harness.emu.user(9004, "Iwona")
    await harness.onboard(user, "Polski")
    reply = (await harness.say(user, "/help"))[-1]
    answer = (await harness.tap(user, reply, "P"))[-1]
    assert "Fatma Yilmaz" in answer.text


async def test_a_message_clearly_in_another_language_switches_with_one_tap_back(harness):
    from bot import store

    parent = harness.emu.user(7301, "Claire")
    await harness.onboard(parent, "English")
    answer = (await harness.say(parent, "Bonjour, à quelle heure commence l'école le matin pour mon fils ?"))[-1]
    assert answer.text.startswith("🌐 Français")
    assert store.get_caregiver(harness.db, 7301)["language"] == "fr"
    back = (await harness.tap(parent, answer, "L:en:"))[-1]
    assert "English" in back.text
    assert store.get_caregiver(harness.db, 7301)["language"] == "en"
    assert harness.emu.sent_to(7301, "sendMessage")[-2].text == answer.text, "the answer itself stays"
