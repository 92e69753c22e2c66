"""Matching multilingual term lists (the concept lexicon and the safety phrases).

A one-word term matches any word that starts with it ("vaccin" matches
"vaccinatie"); terms shorter than 4 characters match whole words only; a
multi-word term matches consecutive words by the same rule.
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
        # first word -> list of (all words, label); lets a message be scanned in one pass
        self._index: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        self._prefix_heads: dict[int, set[str]] = defaultdict(set)
        for label, terms in terms_by_label.items():
            for term in terms:
                parts = tuple(words(str(term)))
                if not parts:
                    continue
                self._index[parts[0]].append((parts, label))
                if len(parts[0]) >= 4:
                    self._prefix_heads[len(parts[0])].add(parts[0])

    @staticmethod
    def _word_matches(term: str, word: str) -> bool:
        return word == term or (len(term) >= 4 and word.startswith(term))

    def _heads(self, word: str) -> list[str]:
        heads = [word] if word in self._index else []
        for size, prefixes in self._prefix_heads.items():
            if size < len(word) and word[:size] in prefixes:
                heads.append(word[:size])
        return heads

    def match(self, text: str) -> dict[str, int]:
        """Label -> number of matches in `text`."""
        found: dict[str, int] = defaultdict(int)
        tokens = words(text)
        for i, word in enumerate(tokens):
            for head in self._heads(word):
                for parts, label in self._index[head]:
                    if i + len(parts) <= len(tokens) and all(
                        self._word_matches(p, tokens[i + k]) for k, p in enumerate(parts)
                    ):
                        found[label] += 1
        return dict(found)


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
