"""Text normalisation shared by the lexicon, the safety check and language detection.

Lower case; Latin diacritics stripped (é->e, ş->s, ı->i, ł->l); Arabic tashkeel
removed and letter variants unified (أ إ آ -> ا, ى -> ي, ة -> ه); Cyrillic kept.
"""
from __future__ import annotations

import re
import unicodedata

_ARABIC_DIACRITICS = re.compile("[\u064B-\u065F\u0670\u0640]")
_ARABIC_MAP = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
                             "ک": "ك", "ی": "ي"})
_LATIN_SPECIAL = str.maketrans({"ı": "i", "ł": "l", "ß": "ss", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe",
                                "’": "'", "`": "'"})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
ARABIC_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك")


def _strip_latin_marks(text: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch) == "Mn":
            # keep combining marks on non-Latin letters (e.g. Cyrillic й = и + breve)
            if out and ord(out[-1]) > 0x024F:
                out.append(ch)
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def normalise(text: str) -> str:
    text = text.lower().translate(_LATIN_SPECIAL)
    text = _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_MAP)
    return _strip_latin_marks(text)


def words(text: str) -> list[str]:
    """Normalised words; Arabic words also lose a leading clitic (و ب ل ال ...)."""
    out = []
    for w in _WORD.findall(normalise(text)):
        if "\u0600" <= w[0] <= "\u06FF":
            for clitic in ARABIC_CLITICS:
                if w.startswith(clitic) and len(w) - len(clitic) >= 2:
                    w = w[len(clitic):]
                    break
        out.append(w)
    return out
