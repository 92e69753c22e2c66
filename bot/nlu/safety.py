"""The high-recall check for sensitive and urgent messages.

It runs on every message next to the classifier, from curated phrases per
language (`nlu_data/safety.yml`), so that a message about a child in danger,
bullying, a child's wellbeing, a conflict or money trouble at home reaches a
person even when the classifier is unsure or wrong.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.nlu.lexicon import TermMatcher, load_terms

SAFETY_FILE = PROJECT_ROOT / "nlu_data" / "safety.yml"
# When several match, the most serious wins.
PRIORITY = ("child_safety_emergency", "bullying", "wellbeing_concern", "family_hardship", "conflict_complaint",
            "human_request")


class SafetyCheck:
    def __init__(self, path: Path = SAFETY_FILE) -> None:
        self.matcher = TermMatcher(load_terms(path, "topics") if path.exists() else {})

    def topics(self, text: str) -> list[str]:
        """The sensitive/urgent/hand-off topics the text signals, most serious first."""
        found = self.matcher.match(text)
        return [t for t in PRIORITY if t in found]


@lru_cache(maxsize=1)
def default_safety_check() -> SafetyCheck:
    return SafetyCheck()
