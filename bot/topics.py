"""The topic contract (shared/spec/topics.yml, copied into the package as topics.yml
on build) and each topic's short title for "did you mean" buttons."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT
from bot.i18n import N_, tr

TOPICS_FILE = PROJECT_ROOT / "dialogues" / "topics.yml"

TITLES = {
    "enrolment": N_("Inschrijven"),
    "compulsory_education": N_("Leerplicht"),
    "school_structure": N_("Hoe het onderwijs werkt"),
    "starting_school": N_("Voor het eerst naar school"),
    "school_costs": N_("Schoolkosten"),
    "financial_support": N_("Financiële steun"),
    "absence_illness": N_("Ziek of afwezig"),
    "school_times": N_("Schooluren"),
    "holidays_calendar": N_("Vakanties en vrije dagen"),
    "report_card": N_("Rapport"),
    "parent_teacher_meeting": N_("Oudercontact"),
    "homework": N_("Huiswerk"),
    "clb": N_("CLB (schoolarts, begeleiding)"),
    "study_choice": N_("Studiekeuze"),
    "digital_platforms": N_("Schoolapp (Smartschool, ...)"),
    "childcare": N_("Opvang voor en na school"),
    "meals": N_("Eten op school"),
    "transport": N_("Naar school gaan"),
    "dutch_learning": N_("Nederlands leren"),
    "newcomers": N_("Nieuw in België"),
    "special_needs": N_("Extra zorg en leersteun"),
    "school_trips": N_("Uitstappen en klassen"),
    "sports_swimming": N_("Turnen en zwemmen"),
    "religion_philosophy": N_("Godsdienst en levensbeschouwing"),
    "interpreter": N_("Een tolk"),
    "parent_participation": N_("Meedoen op school"),
    "school_rules": N_("Schoolreglement"),
    "contact_school": N_("Wie contacteren"),
    "health": N_("Gezondheid op school"),
    "upcoming_events": N_("Wat komt eraan"),
    "discipline_sanctions": N_("Straffen en schorsing"),
    "choosing_school": N_("Een school kiezen"),
    "early_childcare": N_("Opvang voor baby's en peuters"),
    "home_language": N_("Thuistaal en Nederlands"),
    "bullying": N_("Pesten"),
    "wellbeing_concern": N_("Hoe het met je kind gaat"),
    "conflict_complaint": N_("Een probleem met de school"),
    "family_hardship": N_("Moeilijke situatie thuis"),
    "complaint_procedure": N_("Een klacht indienen"),
    "child_safety_emergency": N_("Noodgeval"),
    "human_request": N_("Met een persoon praten"),
    "greeting": N_("Hallo"),
    "thanks": N_("Bedankt"),
    "goodbye": N_("Tot ziens"),
    "help": N_("Wat kan je?"),
    "change_language": N_("Taal kiezen"),
    "bot_challenge": N_("Wie ben jij?"),
    "out_of_scope": N_("Iets anders"),
    "fallback": N_("Iets anders"),
}
HANDOFF_KINDS = ("sensitive", "urgent", "handoff")


@lru_cache(maxsize=1)
def topic_kinds() -> dict[str, str]:
    data = yaml.safe_load(Path(TOPICS_FILE).read_text(encoding="utf-8"))
    return {t["id"]: t["kind"] for t in data["topics"]}


def kind_of(topic: str) -> str:
    return topic_kinds().get(topic, "fallback")


def title(topic: str, lang: str) -> str:
    return tr(lang, TITLES.get(topic, topic))
