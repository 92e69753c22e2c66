"""Real parents' messages: long stories, a false alarm avoided, and a conversation that keeps its language."""
from __future__ import annotations

URGENT = "child_safety_emergency"


def test_an_ordinary_question_that_shares_words_with_an_emergency_gets_no_emergency_answer(assistant):
    for text in ("Waar vind ik het nummer van mijn kind?", "what do I do if my child gets lost on the trip?",
                 "my son lost his jacket at school, is there a lost and found?"):
        d = assistant.respond(text)
        assert d.topic != URGENT and "1712" not in d.reply, text


def test_urgent_meaning_in_the_middle_of_a_long_message_gets_the_emergency_answer(assistant):
    d = assistant.respond("Hello, I wanted to ask about the swimming lessons next week and the costs. But something "
                          "happened: my daughter told me the after-school supervisor touched her between her legs. "
                          "I don't know what to do.")
    assert d.topic == URGENT and d.handoff and "112" in d.reply and "1712" in d.reply


def test_suicide_talk_also_gets_the_zelfmoordlijn(assistant):
    d = assistant.respond("Mijn zoon zegt al dagen dat hij dood wil, hij is 12")
    assert d.topic == URGENT and d.handoff and "1813" in d.reply


def test_a_concern_buried_in_a_long_story_still_reaches_a_person(assistant):
    d = assistant.respond("Goedemiddag. Mijn dochter zit in het derde leerjaar en het huiswerk gaat eigenlijk goed. "
                          "Ze leest graag en rekent vlot. Maar sinds de herfstvakantie wordt ze elke speeltijd "
                          "uitgelachen en geduwd door een groep kinderen uit het vijfde.")
    assert d.handoff and d.topic in ("bullying", "wellbeing_concern")


def test_money_trouble_next_to_a_school_cost_is_hardship_not_a_cost_question(assistant):
    d = assistant.respond("My husband lost his job last month and now the school trip costs 120 euro, we cannot pay it")
    assert d.topic == "family_hardship" and d.handoff


def test_short_follow_ups_keep_the_conversation_language(assistant):
    sender = "lang-memory"
    first = assistant.respond("Bonjour, mon fils commence l'école en septembre et je voudrais savoir comment "
                              "l'inscrire et quels documents il faut apporter.", sender=sender)
    assert first.language == "fr"
    for text in ("CLB ?", "ok", "Smartschool?", "👍", "12", "Ahmed"):
        assert assistant.respond(text, sender=sender).language == "fr", text
    other = "lang-memory-ar"
    assert assistant.respond("متى تبدأ العطلة المدرسية؟ وكم يوما تدوم؟", sender=other).language == "ar"
    assert assistant.respond("ok", sender=other).language == "ar"


def test_gibberish_is_not_understood_rather_than_out_of_scope(assistant):
    d = assistant.respond("qwzx blorf snakk", sender="gibberish", lang_hint="nl")
    assert d.topic == "fallback" and d.language == "nl"


def test_a_message_clearly_in_another_language_switches_and_says_so(assistant):
    sender = "lang-switch"
    assistant.respond("Bonjour, à quelle heure commence l'école demain matin ?", sender=sender)
    d = assistant.respond("What time does school finish on Wednesday afternoon?", sender=sender)
    assert d.language == "en" and d.language_switched
