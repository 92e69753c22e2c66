"""The curated text of the letter answer (content/letters.yml), loaded once."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

LETTERS_FILE = Path(__file__).resolve().parents[2] / "content" / "letters.yml"
TIER1 = ("nl", "fr", "en", "ar", "tr", "pl", "ro", "bg", "uk", "ru", "es", "so")


@lru_cache(maxsize=1)
def letters_content() -> dict:
    return yaml.safe_load(LETTERS_FILE.read_text(encoding="utf-8"))


def bring_patterns() -> dict[str, list[str]]:
    """Catalogue key → the Dutch words that name the item in a letter."""
    return {k: [str(p) for p in v["nl_patterns"]] for k, v in letters_content()["bring"].items()}


def word_patterns() -> dict[str, list[str]]:
    """School word → the Dutch words that show it is in a letter."""
    return {k: [str(p) for p in v["nl_patterns"]] for k, v in letters_content()["words"].items()}


def locale_for(lang: str) -> str:
    """The Babel locale for a parent's language (tier-2 languages fall back to their own code or English)."""
    return letters_content()["locales"].get(lang, lang)


def line(key: str, lang: str) -> str:
    """A curated line in the parent's language; English when the language has none (tier 2), then Dutch."""
    entry = letters_content()["text"][key]
    return entry.get(lang) if lang in entry else entry.get("en") or entry["nl"]


def label(section: str, key: str, lang: str) -> str | None:
    """A name from `kinds`, `bring` or `words` in the parent's language (None when the key is unknown)."""
    entry = letters_content()[section].get(key)
    if entry is None:
        return None
    return entry.get(lang) or entry.get("en") or entry.get("nl")
