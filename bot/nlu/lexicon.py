"""Matching multilingual term lists (the concept lexicon and the safety phrases).

A one-word term matches any word that starts with it ("vaccin" matches
"vaccinatie"); terms shorter than 4 characters match whole words only; a
multi-word term matches consecutive words by the same rule; a term written
"=word" matches that whole word only.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Iterable

import yaml

from bot.nlu.normalize import words


class TermMatcher:
    """Finds which labels (concepts or topics) a text mentions."""

    def __init__(self, terms_by_label: dict[str, Iterable[str]]) -> None:
        self.labels = sorted(terms_by_label)
        # first word -> list of (all words, label, whole words only); lets a message be scanned in one pass
        self._index: dict[str, list[tuple[tuple[str, ...], str, bool]]] = defaultdict(list)
        self._prefix_heads: dict[int, set[str]] = defaultdict(set)
        for label, terms in terms_by_label.items():
            for term in terms:
                term = str(term)
                exact = term.startswith("=")
                parts = tuple(words(term[1:] if exact else term))
                if not parts:
                    continue
                self._index[parts[0]].append((parts, label, exact))
                if len(parts[0]) >= 4 and not exact:
                    self._prefix_heads[len(parts[0])].add(parts[0])

    @staticmethod
    def _word_matches(term: str, word: str, exact: bool = False) -> bool:
        return word == term or (not exact and len(term) >= 4 and word.startswith(term))

    def _heads(self, word: str) -> list[str]:
        heads = [word] if word in self._index else []
        for size, prefixes in self._prefix_heads.items():
            if size < len(word) and word[:size] in prefixes:
                heads.append(word[:size])
        return heads

    def match(self, text: str) -> dict[str, int]:
        """Label -> number of matches in `text`."""
        found: dict[str, int] = defaultdict(int)
        for label, _, _ in self.spans(text):
            found[label] += 1
        return dict(found)

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """(label, first word, one past the last word) of every match in `text`, in word positions."""
        out: list[tuple[str, int, int]] = []
        tokens = words(text)
        for i, word in enumerate(tokens):
            for head in self._heads(word):
                for parts, label, exact in self._index[head]:
                    if exact and head != word:
                        continue
                    if i + len(parts) <= len(tokens) and all(
                        self._word_matches(p, tokens[i + k], exact) for k, p in enumerate(parts)
                    ):
                        out.append((label, i, i + len(parts)))
        return out


def load_terms(path: Path | str, section: str) -> dict[str, list[str]]:
    """Read `section` (concepts/topics) of a lexicon file: label -> every term in every language."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out: dict[str, list[str]] = {}
    for label, by_lang in (data.get(section) or {}).items():
        terms: list[str] = []
        for lang_terms in (by_lang or {}).values():
            terms.extend(str(t) for t in (lang_terms or []))
        out[str(label)] = terms
    return out
