"""Which language is this message in?

Combines, in order of trust:
1. the script (Arabic, Cyrillic, Ethiopic, Latin) narrows the candidates;
2. letters only one language uses (ı ğ ş → Turkish, ł ą ę → Polish, ї є і → Ukrainian, پ چ گ → Persian...);
3. a character n-gram naive Bayes model trained on the project's own parent
   messages (`nlu_data/<lang>.yml`, tier 1), which knows how parents write;
4. langdetect (seeded, so the answer is the same every time), restricted to the candidates;
5. the parent's stored language and Telegram's `language_code` as a prior: a
   short or ambiguous message ("ok", "merci", "Salut") never switches the
   conversation's language.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

import yaml
from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from bot.languages import SUPPORTED, TIER1
from bot.nlu.normalize import words
from bot.training import training_files

DetectorFactory.seed = 0

SCRIPTS = {
    "arabic": ("ar", "fa", "ps", "ku"),
    "cyrillic": ("bg", "uk", "ru"),
    "ethiopic": ("am", "ti"),
    "latin": ("nl", "fr", "en", "tr", "pl", "ro", "es", "so", "sq", "pt", "it", "de", "ku"),
}
# Letters that (almost) only one candidate uses, with the weight of the evidence.
MARKERS: dict[str, dict[str, float]] = {
    "tr": {c: 4.0 for c in "ğışİ"},
    "pl": {c: 4.0 for c in "łąęśćżźń"},
    "ro": {c: 4.0 for c in "ășțş"} | {"ă": 4.0, "î": 1.5, "â": 1.5},
    "es": {c: 4.0 for c in "ñ¿¡"},
    "fr": {c: 2.0 for c in "çèêëœ"} | {"à": 1.0},
    "de": {c: 3.0 for c in "äöüß"},
    "pt": {c: 4.0 for c in "ãõ"},
    "sq": {c: 3.0 for c in "ë"},
    "uk": {c: 5.0 for c in "іїєґ"},
    "ru": {c: 4.0 for c in "ыэё"},
    "bg": {"ъ": 3.0, "ѝ": 4.0},
    "fa": {c: 4.0 for c in "پچژگکی"},
    "ps": {c: 6.0 for c in "ټډړږښګڼۍې"},
}
LANGDETECT_KNOWS = {"nl", "fr", "en", "ar", "tr", "pl", "ro", "bg", "uk", "ru", "es", "so", "fa", "sq", "pt",
                    "it", "de"}


def script_of(text: str) -> str | None:
    counts: Counter[str] = Counter()
    for ch in text:
        o = ord(ch)
        if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0xFB50 <= o <= 0xFEFF:
            counts["arabic"] += 1
        elif 0x0400 <= o <= 0x04FF:
            counts["cyrillic"] += 1
        elif 0x1200 <= o <= 0x139F:
            counts["ethiopic"] += 1
        elif ch.isalpha() and o < 0x0250:
            counts["latin"] += 1
    return counts.most_common(1)[0][0] if counts else None


class NgramModel:
    """Character 1-4 gram naive Bayes over the project's own training messages."""

    def __init__(self, samples: dict[str, list[str]]) -> None:
        self.counts: dict[str, Counter[str]] = {}
        self.totals: dict[str, int] = {}
        vocab: set[str] = set()
        for lang, texts in samples.items():
            c: Counter[str] = Counter()
            for t in texts:
                c.update(self.grams(t))
            self.counts[lang] = c
            self.totals[lang] = sum(c.values())
            vocab.update(c)
        self.vocab_size = max(len(vocab), 1)

    @staticmethod
    def grams(text: str) -> list[str]:
        out = []
        for w in words(text):
            w = f" {w} "
            for n in (1, 2, 3, 4):
                out.extend(w[i:i + n] for i in range(len(w) - n + 1))
        return out

    def log_probs(self, text: str, candidates: tuple[str, ...]) -> dict[str, float]:
        grams = self.grams(text)
        out = {}
        for lang in candidates:
            if lang not in self.counts:
                continue
            c, total = self.counts[lang], self.totals[lang] + self.vocab_size
            out[lang] = sum(math.log((c.get(g, 0) + 1) / total) for g in grams) / max(len(grams), 1)
        return out


@lru_cache(maxsize=1)
def default_ngram_model() -> NgramModel:
    samples: dict[str, list[str]] = defaultdict(list)
    for path in training_files():
        lang = path.stem.split("-")[0]
        if path.parent.name != "nlu_data" or lang not in TIER1:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    samples[lang].append(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line[2:]))
    return NgramModel(samples)


@dataclass
class Detection:
    language: str
    confident: bool
    scores: dict[str, float]


class LanguageDetector:
    def __init__(self, ngram: NgramModel | None = None) -> None:
        self.ngram = ngram or default_ngram_model()

    def detect(self, text: str, stored: str | None = None, telegram: str | None = None) -> Detection:
        prior = stored or telegram
        script = script_of(text)
        if script is None:  # only digits, emoji, punctuation
            return Detection(prior or "nl", False, {})
        candidates = SCRIPTS[script]
        if script == "latin" and prior == "ar":
            candidates = candidates + ("ar",)  # Moroccan Darija is often typed in Latin letters
        if len(candidates) == 1:
            return Detection(candidates[0], True, {candidates[0]: 1.0})
        scores = {lang: 0.0 for lang in candidates}
        # n-gram model: average log-probability per gram, scaled to be comparable to markers
        for lang, lp in self.ngram.log_probs(text, candidates).items():
            scores[lang] += 3.0 * lp
        for lang in candidates:
            if lang not in self.ngram.counts:
                scores[lang] += 3.0 * -9.5  # tier 2: no training text; langdetect/markers must carry it
        lower = text.lower()
        for lang in candidates:
            for ch, weight in MARKERS.get(lang, {}).items():
                if ch in lower:
                    scores[lang] += weight
        n_words = len(words(text))
        if n_words >= 3:
            try:
                for guess in detect_langs(text):
                    if guess.lang in scores:
                        scores[guess.lang] += 2.5 * guess.prob
            except LangDetectException:
                pass
        if prior in scores:
            scores[prior] += 1.5 if n_words <= 2 else 0.6
        if telegram in scores and telegram != prior:
            scores[telegram] += 0.3
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        best, best_score = ranked[0]
        margin = best_score - ranked[1][1] if len(ranked) > 1 else 99.0
        confident = n_words >= 3 and margin >= 1.0
        if not confident and prior in SUPPORTED and best != prior and (n_words <= 3 or prior in scores):
            best = prior  # a short or unclear message does not switch the conversation's language
        return Detection(best if best in SUPPORTED else (prior or "nl"), confident, dict(ranked))
