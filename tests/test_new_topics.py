"""Every topic of the contract is complete: an answer in all tier-1 languages, a rule,
a domain intent and a title; every answer renders with a real school profile; and the
topics added for issue 8 have training examples in every tier-1 language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.content import PLACEHOLDER, Facts, render
from bot.languages import TIER1
from bot.profile import load_profile
from bot.topics import TITLES, TOPICS_FILE

NEW_TOPICS = {
    "discipline_sanctions": "answer",
    "complaint_procedure": "sensitive",
    "choosing_school": "answer",
    "early_childcare": "answer",
    "home_language": "answer",
}
ACTIONS_OF_KIND = {"answer": {"action_answer"}, "sensitive": {"action_sensitive_handoff"},
                   "urgent": {"action_urgent_handoff"}, "handoff": {"action_handoff"},
                   "chat": {"action_chat", "action_language_picker"}}
DIALOGUES = PROJECT_ROOT / "dialogues"
ANSWERS_DIR = PROJECT_ROOT / "content" / "answers"
NLU_DIR = PROJECT_ROOT / "nlu_data"
SCHOOL = load_profile(PROJECT_ROOT / "schools" / "de-regenboog.yml").to_json_dict()
MIN_EXAMPLES = 20


def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _topics() -> dict[str, str]:
    return {t["id"]: t["kind"] for t in _yaml(TOPICS_FILE)["topics"]}


# Every topic with an answer to give (fallback is the assistant's own "say it again").
ANSWERED = sorted(t for t, kind in _topics().items() if kind != "fallback")


def _rule_actions() -> dict[str, set[str]]:
    """intent -> the actions that unconditional rules run after it."""
    out: dict[str, set[str]] = {}
    for rule in _yaml(DIALOGUES / "rules.yml")["rules"]:
        if rule.get("condition"):
            continue
        steps = rule.get("steps") or []
        for first, second in zip(steps, steps[1:]):
            if "intent" in first and "action" in second:
                out.setdefault(first["intent"], set()).add(second["action"])
    return out


def test_the_new_topics_are_in_the_contract_with_their_kind():
    topics = _topics()
    for topic, kind in NEW_TOPICS.items():
        assert topics.get(topic) == kind, f"{topic} should be a {kind} topic"
    nl_names = {t["id"]: t.get("nl") for t in _yaml(TOPICS_FILE)["topics"]}
    assert all(nl_names[t] for t in NEW_TOPICS), "every new topic names its Dutch school words"


@pytest.mark.parametrize("topic", ANSWERED)
def test_every_topic_has_an_answer_in_every_tier1_language(topic):
    path = ANSWERS_DIR / f"{topic}.yml"
    assert path.exists(), f"no answer file for {topic}"
    data = _yaml(path)
    assert data["topic"] == topic
    assert data.get("kind", "answer") == _topics()[topic], f"{topic}: kind differs from the contract"
    text = data.get("text") or {}
    missing = [lang for lang in TIER1 if not str(text.get(lang) or "").strip()]
    assert not missing, f"{topic}: no answer in {missing}"
    dutch = set(PLACEHOLDER.findall(text["nl"]))
    for lang in TIER1:
        assert set(PLACEHOLDER.findall(text[lang])) == dutch, f"{topic}/{lang}: placeholders differ from Dutch"


@pytest.mark.parametrize("topic", ANSWERED)
def test_every_topic_has_a_domain_intent_a_rule_and_a_title(topic):
    intents = _yaml(DIALOGUES / "domain.yml")["intents"]
    assert topic in intents, f"{topic} is not an intent of the domain"
    expected = ACTIONS_OF_KIND[_topics()[topic]]
    assert _rule_actions().get(topic, set()) & expected, f"no rule runs {expected} after {topic}"
    assert TITLES.get(topic), f"{topic} has no title for 'did you mean' buttons"


@pytest.mark.parametrize("lang", TIER1)
@pytest.mark.parametrize("topic", ANSWERED)
def test_every_answer_renders_with_the_school_profile_without_leftover_placeholders(topic, lang):
    text = render(topic, lang, Facts(SCHOOL, lang))
    assert text, f"{topic}/{lang} does not render"
    assert not re.search(r"\{[a-z_]+\}", text), f"{topic}/{lang}: leftover placeholder in {text!r}"


@pytest.mark.parametrize("topic", sorted(NEW_TOPICS))
def test_the_new_answers_name_a_person_and_their_sources(topic):
    data = _yaml(ANSWERS_DIR / f"{topic}.yml")
    sources = data.get("sources") or []
    assert sources and all(str(s).startswith(("http://", "https://")) for s in sources), f"{topic}: sources"
    for lang in TIER1:
        text = render(topic, lang, Facts(SCHOOL, lang))
        people = ("Fatma Yilmaz", "Jan De Smet", "CLB Gent", "Els Peeters", "Secretariaat")
        assert any(p in text for p in people), f"{topic}/{lang}: the answer names no next person"
    if NEW_TOPICS[topic] == "sensitive":
        assert all("{brugfiguur}" in data["text"][lang] for lang in TIER1), "a hand-off says who will answer"


def _examples(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for block in _yaml(path).get("nlu") or []:
        if "intent" in block:
            lines = [l.strip()[2:].strip() for l in str(block["examples"]).splitlines() if l.strip().startswith("- ")]
            out.setdefault(block["intent"], []).extend(lines)
    return out


@pytest.mark.parametrize("lang", TIER1)
def test_every_tier1_language_has_training_examples_for_the_new_topics(lang):
    path = NLU_DIR / f"{lang}-newtopics.yml"
    assert path.exists(), f"no {path.name}"
    data = _yaml(path)
    assert str(data.get("version")) == "3.1"
    examples = _examples(path)
    intents = set(_yaml(DIALOGUES / "domain.yml")["intents"])
    assert set(examples) <= intents, f"{path.name}: unknown intents {set(examples) - intents}"
    for topic in NEW_TOPICS:
        found = examples.get(topic, [])
        assert len(found) >= MIN_EXAMPLES, f"{lang}: {len(found)} examples for {topic}"
        assert any(len(e) > 150 for e in found), f"{lang}/{topic}: no long message among the examples"
        assert len(set(found)) == len(found), f"{lang}/{topic}: duplicate examples"


def test_the_training_files_include_the_new_topics_files():
    from bot.training import training_files

    names = {p.name for p in training_files()}
    assert {f"{lang}-newtopics.yml" for lang in TIER1} <= names
