"""Explain a letter (BRIEF §3E, issue 11): a photographed Dutch school letter, read offline
and explained in the parent's language.

    from bot.letters import explain
    result = explain([photo_bytes], lang="ar", today=date.today())
    result.reply        # the message for the parent
    result.to_json()    # the `schoolbrug letter explain --json` contract

No Telegram here: the Telegram side calls `explain()` and sends `reply` with its buttons
(🙋 a person, 📅 remind me before `deadline`, ✅ I will do it). Images stay in memory.

  reading.py        photo/PDF → text (clean-up + Tesseract nld)
  understanding.py  text → kind, colour, dates, times, amounts, deadline, bring, slip, contacts, words
  render.py         facts → the reply in the parent's language (content/letters.yml, Babel)
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from bot.letters import reading
from bot.letters.render import render_reply, render_unreadable
from bot.letters.understanding import LetterFacts, key_sentences, understand

log = logging.getLogger(__name__)

MIN_WORDS = 25  # fewer words read than this: ask for a sharper photo
MIN_CONFIDENCE = 55.0


@dataclass
class LetterExplanation:
    facts: LetterFacts | None
    text: str  # the text read (all pages, in order)
    reply: str  # the answer for the parent, in their language
    language: str
    poor: bool = False  # the text read is too poor: the reply asks for a sharper photo
    readable: bool = True  # False: nothing could be read (or Tesseract is missing)
    pages: list[dict] = field(default_factory=list)  # per page: words, confidence, angle

    def to_json(self) -> dict:
        """The `letter explain --json` contract (issue 11)."""
        f = self.facts
        return {
            "kind": f.kind if f else "information",
            "colour": f.colour if f else "white",
            "dates": [d.isoformat() for d in f.dates] if f else [],
            "times": list(f.times) if f else [],
            "amounts": list(f.amounts) if f else [],
            "deadline": f.deadline.isoformat() if f and f.deadline else None,
            "bring": list(f.bring) if f else [],
            "slip": bool(f.slip) if f else False,
            "text": self.text,
            "reply": self.reply,
        }


def read(files: list[bytes]) -> tuple[str, list[dict], bool]:
    """(text of all pages, per-page stats, poor) for photos and PDFs given as bytes."""
    texts, pages = [], []
    for data in files:
        if reading.is_pdf(data):
            layer = reading.pdf_text(data)
            if len(layer.split()) >= MIN_WORDS:
                texts.append(layer.strip())
                pages.append({"source": "pdf-text", "words": len(layer.split()), "confidence": 100.0})
                continue
            images = reading.pdf_pages(data)
        else:
            images = [reading.load_image(data)]
        for img in images:
            page = reading.read_page(img)
            texts.append(page.text)
            pages.append({"source": "ocr", "words": page.words, "confidence": round(page.confidence, 1),
                          "angle": page.angle, "rotated": page.rotated})
    words = sum(p["words"] for p in pages)
    conf = (sum(p["confidence"] * p["words"] for p in pages) / words) if words else 0.0
    poor = words < MIN_WORDS or conf < MIN_CONFIDENCE
    return "\n\n".join(t for t in texts if t), pages, poor


def explain_text(text: str, lang: str, today: date, poor: bool = False) -> LetterExplanation:
    """Explain a letter whose text is already known (a PDF's text layer, a test)."""
    facts = understand(text, today)
    return LetterExplanation(facts, text, render_reply(facts, lang, poor=poor), lang, poor=poor)


def explain(images: list[bytes], lang: str, today: date) -> LetterExplanation:
    """Read the photos (or PDFs) of one letter — several are pages of the same letter —
    and explain it in `lang`. Pure: nothing is written to disk or kept."""
    if not reading.available() and not all(reading.is_pdf(d) for d in images):
        return LetterExplanation(None, "", render_unreadable(lang, reader_missing=True), lang, poor=True,
                                 readable=False)
    try:
        text, pages, poor = read(images)
    except reading.ReaderUnavailable as err:
        log.warning("letter: cannot read (%s)", err)
        return LetterExplanation(None, "", render_unreadable(lang, reader_missing=True), lang, poor=True,
                                 readable=False)
    except (OSError, ValueError, SyntaxError) as err:  # not an image or PDF we can open (PIL's errors)
        log.info("letter: not a readable file (%s)", err)
        return LetterExplanation(None, "", render_unreadable(lang, reader_missing=False), lang, poor=True,
                                 readable=False)
    if sum(p["words"] for p in pages) < MIN_WORDS:  # a few words are no letter: do not guess its colour
        return LetterExplanation(None, text, render_unreadable(lang, reader_missing=False), lang, poor=True,
                                 readable=False, pages=pages)
    result = explain_text(text, lang, today, poor=poor)
    result.pages = pages
    return result


def with_school_version(result: LetterExplanation, facts: LetterFacts, lang: str) -> LetterExplanation:
    """The same photo, explained with the facts of the school's own registered version of the letter."""
    from bot.letters.content import line

    reply = render_reply(facts, lang) + "\n\n" + line("known_letter", lang)
    return LetterExplanation(facts, result.text, reply, lang, poor=False, readable=True, pages=result.pages)


__all__ = ["with_school_version", "LetterExplanation", "LetterFacts", "explain", "explain_text", "key_sentences", "read", "understand"]
