"""The dialogue layer's decisions: answer, did-you-mean, hand off, urgent."""
from __future__ import annotations

import json
import subprocess
import sys

from bot.config import PROJECT_ROOT
from bot.profile import load_profile

SCHOOL = load_profile(PROJECT_ROOT / "schools" / "de-regenboog.yml").to_json_dict()
CONTRACT_KEYS = {"id", "language", "topic", "confidence", "options", "handoff", "reply", "reply_language"}


def test_an_urgent_message_hands_off_and_gives_the_emergency_numbers_at_once(assistant):
    d = assistant.respond("Mijn dochter is niet thuisgekomen na school en ik vind haar nergens")
    assert d.topic == "child_safety_emergency" and d.handoff
    assert "112" in d.reply and "1712" in d.reply


def test_sensitive_topics_hand_off_with_a_warm_answer(assistant):
    d = assistant.respond("my son gets bullied by other kids every day", school=SCHOOL)
    assert d.topic == "bullying" and d.handoff and d.language == "en"
    assert "Fatma Yilmaz" in d.reply, "the parent is told who will answer"


def test_a_second_miss_in_a_row_hands_off_and_a_chosen_option_resets(assistant):
    sender = "miss-test"
    first = assistant.respond("qwxz plofk drumbel", sender=sender, lang_hint="nl")
    assert first.action == "action_rephrase" and not first.handoff
    second = assistant.respond("brtl snurf wokka", sender=sender, lang_hint="nl")
    assert second.handoff and second.action == "action_handoff_after_misses"
    other = "miss-reset"
    assistant.respond("qwxz plofk drumbel", sender=other, lang_hint="nl")
    chosen = assistant.answer_topic("school_times", "nl", sender=other, school=SCHOOL)
    assert "08:30" in chosen.reply
    again = assistant.respond("brtl snurf wokka", sender=other, lang_hint="nl")
    assert not again.handoff, "a tapped choice ends the run of misses"


def test_unsure_messages_offer_the_likely_topics_and_a_person(assistant):
    d = assistant.respond("qwxz plofk drumbel", lang_hint="en")
    assert d.options == [t for t in d.options if t != "out_of_scope"]
    assert len(d.options) <= 3 and len(d.option_titles) == len(d.options)
    assert not d.handoff


def test_answers_take_school_facts_from_the_profile_and_keep_dutch_one_tap_away(assistant):
    d = assistant.respond("What time does school start and finish?", school=SCHOOL)
    assert d.topic == "school_times" and not d.options
    assert "08:30" in d.reply and "Wednesday" in d.reply
    assert d.dutch_reply and "woensdag" in d.dutch_reply
    without_school = assistant.respond("What time does school start and finish?")
    assert "08:30" not in without_school.reply


def test_change_language_opens_the_picker_and_bot_challenge_is_honest(assistant):
    assert assistant.respond("can we talk in another language please").show_language_picker
    d = assistant.respond("Are you a robot?")
    assert d.topic == "bot_challenge" and not d.handoff


def test_arabic_and_turkish_are_answered_in_their_own_language(assistant):
    ar = assistant.respond("ابني مريض اليوم عنده حمى، ماذا أفعل؟", school=SCHOOL)
    assert ar.language == ar.reply_language == "ar" and ar.topic == "absence_illness"
    tr_ = assistant.respond("okul saat kaçta bitiyor?", school=SCHOOL)
    assert tr_.language == "tr" and tr_.topic == "school_times"


def test_a_short_message_does_not_switch_the_conversation_language(assistant):
    assert assistant.respond("ok merci", lang_hint="ar").language == "ar"
    assert assistant.respond("Salut", lang_hint="ro").language == "ro"


def test_ask_command_follows_the_contract(model_path):
    lines = "\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"id": "a", "text": "hallo"},
        {"id": "b", "text": "Mijn zoon wordt gepest op school", "sender": "p1"},
        {"id": "c", "text": "", "lang": "fr"},
    ]) + "\nnot json\n"
    out = subprocess.run([sys.executable, "-m", "bot", "ask", "--jsonl", "--model", str(model_path)],
                         input=lines, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [json.loads(l) for l in out.stdout.splitlines()]
    assert [set(r) for r in rows[:3]] == [CONTRACT_KEYS] * 3
    assert rows[0]["topic"] == "greeting" and rows[0]["handoff"] is False
    assert rows[1]["topic"] == "bullying" and rows[1]["handoff"] is True
    assert rows[2]["reply"], "an empty message still gets a kind reply"
    assert "error" in rows[3]
