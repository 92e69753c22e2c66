"""The languages Schoolbrug speaks: codes, own names, script direction, tier.

Tier 1 has curated content and native understanding; tier 2 has interface text
and detection, and answers only through a configured translation service.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    native_name: str
    tier: int
    rtl: bool = False


LANGUAGES: tuple[Language, ...] = (
    Language("nl", "Nederlands", 1),
    Language("fr", "Français", 1),
    Language("en", "English", 1),
    Language("ar", "العربية", 1, rtl=True),
    Language("tr", "Türkçe", 1),
    Language("pl", "Polski", 1),
    Language("ro", "Română", 1),
    Language("bg", "Български", 1),
    Language("uk", "Українська", 1),
    Language("ru", "Русский", 1),
    Language("es", "Español", 1),
    Language("so", "Soomaali", 1),
    Language("fa", "فارسی / دری", 2, rtl=True),
    Language("ps", "پښتو", 2, rtl=True),
    Language("ti", "ትግርኛ", 2),
    Language("sq", "Shqip", 2),
    Language("pt", "Português", 2),
    Language("it", "Italiano", 2),
    Language("de", "Deutsch", 2),
    Language("am", "አማርኛ", 2),
    Language("ku", "Kurdî", 2),
)

BY_CODE: dict[str, Language] = {lang.code: lang for lang in LANGUAGES}
TIER1: tuple[str, ...] = tuple(lang.code for lang in LANGUAGES if lang.tier == 1)
TIER2: tuple[str, ...] = tuple(lang.code for lang in LANGUAGES if lang.tier == 2)
SUPPORTED: tuple[str, ...] = TIER1 + TIER2
SOURCE_LANGUAGE = "nl"

# Shown on the first page of the language picker; the rest sit behind "more".
FIRST_PAGE: tuple[str, ...] = ("nl", "fr", "en", "ar", "tr", "pl", "ro", "bg", "uk", "ru", "es", "so")


def normalise_code(code: str | None) -> str | None:
    """Map a Telegram `language_code` such as 'pt-br' or 'uk-UA' to a supported code."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    aliases = {"prs": "fa", "ckb": "ku", "kmr": "ku"}
    base = aliases.get(base, base)
    return base if base in BY_CODE else None


def is_rtl(code: str) -> bool:
    lang = BY_CODE.get(code)
    return bool(lang and lang.rtl)
