"""A school's own letters: registered once (`schoolbrug letter add FILE.pdf`), recognised in a parent's photo.

OCR of a phone photo gets most words right but may miss a date or an amount. When
a school registers the letters it sends (the PDF it printed), a photo of one of
them is matched to the school's own version by its words, and the parent gets the
facts of that version — exact dates, amounts and deadline — instead of what OCR
made of the photo. Staff may correct or add facts when registering (`--deadline`,
`--kind`, `--colour`).

Matching: the share of the registered letter's word trigrams found in the text
read (robust to OCR noise and to a cut-off slip), above `MATCH_THRESHOLD`.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlite_utils import Database

from bot.db import utcnow
from bot.letters.understanding import LetterFacts

MATCH_THRESHOLD = 0.35
_WORD = re.compile(r"[a-zà-ÿ0-9]+")


def _shingles(text: str) -> set[str]:
    text = unicodedata.normalize("NFKD", text.lower())
    words = _WORD.findall("".join(c for c in text if not unicodedata.combining(c)))
    return {" ".join(words[i:i + 3]) for i in range(len(words) - 2)}


def facts_to_json(facts: LetterFacts) -> str:
    data = asdict(facts)
    data["dates"] = [d.isoformat() for d in facts.dates]
    data["deadline"] = facts.deadline.isoformat() if facts.deadline else None
    return json.dumps(data, ensure_ascii=False)


def facts_from_json(raw: str) -> LetterFacts:
    data = json.loads(raw)
    data["dates"] = [date.fromisoformat(d) for d in data.get("dates", [])]
    data["deadline"] = date.fromisoformat(data["deadline"]) if data.get("deadline") else None
    return LetterFacts(**data)


def add(db: Database, school_id: str, title: str, text: str, facts: LetterFacts, actor: str = "cli") -> int:
    """Register a school's letter with its (checked) facts. Returns its id."""
    with db.atomic():
        letter_id = db["school_letters"].insert({
            "school_id": school_id, "title": title[:200], "text": text, "facts": facts_to_json(facts),
            "created_at": utcnow(), "created_by": actor}).last_pk
        db["audit_log"].insert({"at": utcnow(), "actor": actor, "role": "staff", "action": "letter_add",
                                "school_id": school_id, "target": f"letter #{letter_id}", "details": "{}"})
    return letter_id


def match(db: Database, school_id: str | None, text: str) -> dict[str, Any] | None:
    """The school's registered letter this text was read from, or None. Adds `score` and `facts`."""
    if not school_id or not db["school_letters"].exists():
        return None
    seen = _shingles(text)
    if not seen:
        return None
    best, best_score = None, 0.0
    for row in db["school_letters"].rows_where("school_id = ?", [school_id]):
        known = _shingles(row["text"])
        if not known:
            continue
        score = len(known & seen) / len(known)
        if score > best_score:
            best, best_score = row, score
    if best is None or best_score < MATCH_THRESHOLD:
        return None
    return {**best, "score": round(best_score, 3), "facts": facts_from_json(best["facts"])}


def list_letters(db: Database, school_id: str) -> list[dict[str, Any]]:
    if not db["school_letters"].exists():
        return []
    return list(db["school_letters"].rows_where("school_id = ?", [school_id], order_by="id",
                                                select="id, title, created_at"))
