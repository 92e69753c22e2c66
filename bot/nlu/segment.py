"""Splitting a parent's message into sentences and clauses, in every script we serve.

Long messages tell a story before (or after) the question; the assistant looks
at each sentence as well as the whole, so the context does not drown the
question and a concern in the middle of a story is not lost. Sentence ends:
. ! ? … and new lines, the Arabic question mark ؟ and the Arabic full stop ۔;
clause ends inside a sentence: , ; : and the Arabic comma ، and semicolon ؛,
and a dash between words. A full stop between digits (3.5) or after a single
letter (a.u.b.) does not end a sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<![0-9])(?<!\b\w)[.!?…؟۔]+(?![0-9])|\n+")
_CLAUSE_END = re.compile(r"[,;:،؛]|\s[-–—]\s")
_QUESTION = ("?", "؟")


@dataclass(frozen=True)
class Sentence:
    text: str
    question: bool
    clauses: tuple[str, ...]


def sentences(text: str) -> list[Sentence]:
    """The sentences of `text` (at least one if it has any words), each with its clauses."""
    out: list[Sentence] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        _add(out, text[start:m.end()])
        start = m.end()
    _add(out, text[start:])
    return out


def _add(out: list[Sentence], chunk: str) -> None:
    chunk = chunk.strip()
    if not any(ch.isalpha() for ch in chunk):
        return
    question = any(q in chunk for q in _QUESTION)
    clauses = tuple(c.strip() for c in _CLAUSE_END.split(chunk) if any(ch.isalpha() for ch in c))
    out.append(Sentence(chunk, question, clauses or (chunk,)))
