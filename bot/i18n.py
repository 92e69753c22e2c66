"""Interface text in every supported language, from gettext catalogues.

Dutch is the source language: the msgid *is* the Dutch text. Catalogues live
in `bot/locale/<lang>/LC_MESSAGES/messages.po` and are read with Babel, so a
translator edits a standard .po file (Poedit, Weblate, ...). Refresh them
after changing text with `schoolbrug i18n update` (pybabel extract + update).

Call `tr(lang, "Dutch text {name}", name=...)`. In right-to-left languages the
values put into the text are wrapped in Unicode isolates, so a phone number or
a Dutch school name does not scramble the Arabic or Persian sentence around it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

from bot.languages import SOURCE_LANGUAGE, is_rtl

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
FSI, PDI = "\u2068", "\u2069"  # first-strong isolate ... pop directional isolate


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == SOURCE_LANGUAGE or not path.exists():
        return {}
    with path.open("rb") as fh:
        cat = read_po(fh, locale=None)
    return {
        str(msg.id): str(msg.string)
        for msg in cat
        if msg.id and msg.string and not msg.fuzzy and isinstance(msg.id, str)
    }


def tr(lang: str, msgid: str, **values: object) -> str:
    """Translate `msgid` (Dutch) into `lang` and fill in `values`."""
    text = catalogue(lang).get(msgid, msgid)
    if not values:
        return text
    if is_rtl(lang):
        values = {k: f"{FSI}{v}{PDI}" for k, v in values.items()}
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        # A broken translation must never crash a conversation: use the source text.
        return msgid.format(**values)


def N_(msgid: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return msgid
