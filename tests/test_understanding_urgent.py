"""Urgent means urgent, both ways: an emergency answer needs urgent meaning, not a shared word."""
from __future__ import annotations

import pytest

from bot.nlu.segment import sentences
from bot.nlu.urgent import default_urgent_check


@pytest.mark.parametrize("text", [
    "Mijn dochter is niet thuisgekomen na school en ik vind haar nergens",
    "my son says he wants to kill himself",
    "the coach touched my daughter between her legs",
    "la maîtresse a frappé mon fils, il a des bleus partout",
    "Oğlum okuldan sonra eve gelmedi, saat 8 oldu",
    "زوجي يضربني ويضرب الأطفال، والدم على وجه ابني",
    "Mój syn zaginął dziś po szkole, nikt nie wie, gdzie jest",
    "Un bărbat necunoscut a vrut să o ia pe fetița mea în mașina lui",
    "Дъщеря ми каза, че иска да умре",
    "Хлопця побили, у нього кров і він у лікарні",
    "Мою дочь трогал тренер, она боится туда ходить",
    "Un hombre amenazó a mi hijo con una navaja en la parada",
    "Wiilkaygii ilaa shalay guriga ma soo laaban",
    # an urgent sentence in the middle of an ordinary long message still counts
    "Hallo juf, nog een vraagje over de zwemles morgen. Gisteren heeft de buurman mijn dochter betast. "
    "Hoe laat moeten ze er zijn?",
])
def test_urgent_meaning_is_found_in_every_language_and_anywhere_in_a_message(text):
    assert default_urgent_check().assess(text).urgent, text


@pytest.mark.parametrize("text", [
    "Waar vind ik het nummer van mijn kind?",
    "what is the number of the school?",
    "what do I do if my child gets lost on the trip?",
    "Que faire si mon enfant se perd pendant l'excursion ?",
    "my son lost his jacket at school",
    "De fiets van mijn zoon is verdwenen sinds gisteren, wie kan ik aanspreken?",
    "in gym the teacher hit the ball over the fence and my son loved it",
    "is the film about the police suitable for 8 year olds?",
    "how do I report my child sick?",
    "Will there be sex education lessons in year 6?",
    "My son fell in the playground and has a bruise, is that insured?",
    "Kızımın matematik kitabı kayboldu, nereden alabilirim?",
    "Le professeur de musique touche du piano avec les enfants",
    "een jongen slaat mijn dochter en de juf doet niets",
])
def test_ordinary_questions_that_share_words_with_an_emergency_are_not_urgent(text):
    assert not default_urgent_check().assess(text).urgent, text


def test_a_message_is_split_into_sentences_and_clauses_in_every_script():
    parts = sentences("مرحبا، ابني مريض؟ ماذا أفعل؟ Hij heeft 38.5 koorts! ok")
    assert [p.question for p in parts] == [True, True, False, False]
    assert parts[0].clauses == ("مرحبا", "ابني مريض؟")
    assert "38.5" in parts[2].text
