"""The answer about a letter, in the parent's language, without machine translation.

Every line comes from content/letters.yml; dates are formatted by Babel's format_date in
the parent's locale, amounts by format_currency (EUR); items to bring come from the
curated catalogue (unknown ones stay in Dutch, the word the parent sees on the letter).
In right-to-left languages the Dutch words, numbers and times are isolated (FSI/PDI) so
that they keep their order inside Arabic text.
"""
from __future__ import annotations

from datetime import date

from babel.dates import format_date
from babel.numbers import format_currency

from bot.letters.content import label, line, locale_for
from bot.letters.understanding import LetterFacts

FSI, PDI = "\u2068", "\u2069"
RTL = {"ar", "fa", "ps", "he", "ur", "ku"}
COLOUR_KEY = {"red": "colour_red", "green": "colour_green", "orange": "colour_orange", "white": "colour_white"}
MAX_ITEMS = 8


def _iso(lang: str, s: str) -> str:
    return f"{FSI}{s}{PDI}" if lang in RTL else s


def format_day(d: date, lang: str) -> str:
    """A date in words in the parent's language (Babel), e.g. "vrijdag 23 januari 2026"."""
    try:
        return format_date(d, "EEEE d MMMM y", locale=locale_for(lang))
    except Exception:  # an unknown locale (tier 2 without Babel data): the ISO date
        return d.isoformat()


def _money(value: float, lang: str) -> str:
    try:
        return format_currency(value, "EUR", locale=locale_for(lang))
    except Exception:
        return f"€ {value:.2f}".replace(".", ",")


def render_reply(facts: LetterFacts, lang: str, poor: bool = False) -> str:
    """The message a parent gets about one letter (a phone screen, one short list)."""
    out = [line(COLOUR_KEY[facts.colour], lang),
           "📄 " + line("kind", lang).format(kind=label("kinds", facts.kind, lang))]
    facts_lines = []
    if facts.deadline:
        facts_lines.append(f"⏰ {line('deadline', lang)}: {_iso(lang, format_day(facts.deadline, lang))}")
    other_dates = [d for d in facts.dates if d != facts.deadline][:MAX_ITEMS]
    if other_dates:
        facts_lines.append(f"📅 {line('dates', lang)}: " + "; ".join(_iso(lang, format_day(d, lang)) for d in other_dates))
    if facts.times:
        facts_lines.append(f"🕗 {line('times', lang)}: " + ", ".join(_iso(lang, t) for t in facts.times[:MAX_ITEMS]))
    if facts.amounts:
        facts_lines.append(f"💶 {line('amounts', lang)}: " + ", ".join(_iso(lang, _money(a, lang))
                                                                      for a in facts.amounts[:MAX_ITEMS]))
    if facts.bring:
        names = [label("bring", k, lang) or _iso(lang, k) for k in facts.bring[:MAX_ITEMS]]
        facts_lines.append(f"🎒 {line('bring', lang)}: " + ", ".join(names))
    if facts.slip:
        facts_lines.append("✍️ " + line("slip", lang))
    if facts.contacts:
        facts_lines.append(f"☎️ {line('contact', lang)}: " + ", ".join(_iso(lang, c) for c in facts.contacts[:4]))
    if facts_lines:
        out.append("")
        out.extend(facts_lines)
    if facts.words:
        out.append("")
        out.append(f"📖 {line('words', lang)}:")
        out.extend("• " + (label("words", w, lang) or w) for w in facts.words[:6])
    if poor:
        out.append("")
        out.append(line("poor", lang))
    note = line("dutch_note", lang)
    if note:
        out.append("")
        out.append(note)
    return "\n".join(out)


def render_unreadable(lang: str, reader_missing: bool) -> str:
    """No text at all: Tesseract is missing here, or the photo shows nothing readable."""
    if reader_missing:
        return line("no_reader", lang)
    return line("nothing", lang) + "\n" + line("poor", lang)
