"""Understanding a Dutch school letter: what kind, what colour, and the facts a parent needs.

Input is the text read (OCR or a PDF's text layer), output a `LetterFacts`. Dates in
words and digits are found by small patterns and *parsed* by `dateparser` (Dutch month
names, abbreviations, day-month order); amounts are parsed by Babel's `parse_decimal`
with the Belgian-Dutch locale (comma decimals, dot thousands). What a pattern cannot
know, the letter's own structure decides: a weekday without a date points to a date of
that weekday elsewhere in the letter, a date right after "ten laatste", "uiterlijk",
"vóór" or "tegen" is a deadline, the date at the top next to the town is the letter's
own date and not an event.

Kind and colour come from a small scored keyword model over the whole letter (the
title counts double); the colour follows the parents' code (seed 001): red when the
letter is about a problem with *this* child or an overdue bill (contact the school),
green for invitations and activities, orange for changes, white for information.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from babel.numbers import NumberFormatError, parse_decimal

KINDS = ("invitation", "payment", "trip", "change", "attendance", "report", "health", "information")
COLOURS = ("red", "green", "orange", "white")

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")
MONTH_ABBR = ("jan", "feb", "febr", "mrt", "maa", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dec")
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")

_MONTH_RE = "(?:" + "|".join(MONTHS) + "|" + "|".join(MONTH_ABBR) + r")\.?"
_WD_RE = "(?:" + "|".join(WEEKDAYS) + ")"
DATE_WORDS = re.compile(rf"(?:\b{_WD_RE},?\s+)?\b(\d{{1,2}})\s*(?:e\s+)?({_MONTH_RE})(?:\s+(\d{{4}}))?(?![\w])",
                        re.IGNORECASE)
DATE_DIGITS = re.compile(r"(?:\b" + _WD_RE + r",?\s+)?(?<![\d.,/-])(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?"
                         r"(?![\d,]|\.\d)", re.IGNORECASE)
RELATIVE = re.compile(rf"\b(volgende|komende|aanstaande|deze|morgen|overmorgen)\b(?:\s+(?:week\s+)?"
                      rf"({_WD_RE}))?", re.IGNORECASE)
BARE_WEEKDAY = re.compile(rf"\b({_WD_RE})\b", re.IGNORECASE)
DEADLINE_CUE = re.compile(r"(?:ten\s+laatste|uiterlijk|v[óo]{1,2}r|tegen|niet\s+later\s+dan|deadline:?|tot(?:\s+en\s+met)?)"
                          r"\s+(?:op\s+)?(?:de\s+|het\s+)?(?:" + _WD_RE + r",?\s+)?$", re.IGNORECASE)
HEADER_DATE = re.compile(r"^\s*(?:datum\s*:?\s*|[A-Z][\w'.-]+(?:[ -][\w'.-]+){0,3}[,.]\s*)$", re.IGNORECASE)

TIME_HM = re.compile(r"(?<![\d.,/€])(\d{1,2})\s?([u:.h])\s?(\d{2})(?![\d])(?!\s*(?:euro|eur|€))(\s*u(?:ur)?\b)?",
                     re.IGNORECASE)
TIME_H = re.compile(r"(?<![\d.,/€])(\d{1,2})\s?(?:uur|u)\b", re.IGNORECASE)
TIME_CONTEXT = re.compile(r"(?:\bom|\bvan|\btot|\btussen|\bvanaf|\ben|\bvóór|\bvoor|\btegen|\brond|[-–])\s*$",
                          re.IGNORECASE)

_NUMBER = r"(\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,4}[.,]\d{1,2}(?!\d)|\d+)"
AMOUNT = re.compile(r"(?:€|EUR\b|eur\b|\b[eEC](?=\s?\d+[.,]\d\d\b))\s?" + _NUMBER + r"(?:\s?,-)?"
                    r"|" + _NUMBER + r"\s?(?:€(?!\s?\d)|euro\b|EUR\b)", re.IGNORECASE)

PHONE = re.compile(r"(?<![\d])(?:\+32\s?|0)\d{1,3}(?:[\s./]?\d{2,3}){2,4}(?![\d])")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PERSON = re.compile(r"\b(juf|meester|mevrouw|meneer|mevr\.|dhr\.)\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)")
ROLE = re.compile(r"\b(secretariaat|directie|directeur|directrice|zorgcoördinator|zorgcoordinator|brugfiguur|"
                  r"leerlingenbegeleiding|CLB|klassenleraar|klasleerkracht|titularis)\b", re.IGNORECASE)


@dataclass
class LetterFacts:
    kind: str
    colour: str
    dates: list[date] = field(default_factory=list)
    times: list[str] = field(default_factory=list)
    amounts: list[float] = field(default_factory=list)
    deadline: date | None = None
    bring: list[str] = field(default_factory=list)  # catalogue keys (Dutch names) from content/letters.yml
    slip: bool = False
    contacts: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # school words found (keys of the glossary)
    scores: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------ text helpers
def normalise(text: str) -> str:
    """Unicode-normalised OCR text with the usual look-alikes straightened (’ → ', – → -)."""
    text = unicodedata.normalize("NFC", text)
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("\u00a0", " "), ("ﬁ", "fi"), ("ﬂ", "fl")):
        text = text.replace(a, b)
    return text


def _fold(s: str) -> str:
    """Lower case without accents, for keyword matching ('vóór' = 'voor', 'coördinator' = 'coordinator')."""
    return "".join(c for c in unicodedata.normalize("NFD", s.lower()) if unicodedata.category(c) != "Mn")


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs, lines joined (OCR breaks lines inside sentences); bullets stay apart."""
    out: list[str] = []
    cur: list[str] = []
    for line in text.splitlines():
        s = line.strip()
        bullet = bool(re.match(r"^(?:[-•*«·>]|e\s)\s*", s)) and len(s) > 2
        if not s or bullet or re.match(r"^[A-Z][\w ]{0,25}:\s", s):
            if cur:
                out.append(" ".join(cur))
            cur = [s] if s else []
            continue
        cur.append(s)
    if cur:
        out.append(" ".join(cur))
    return [p for p in out if p]


def sentences(text: str) -> list[str]:
    out = []
    for p in paragraphs(text):
        out.extend(s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9€\"'(])", p) if s.strip())
    return out


# ------------------------------------------------------------------ dates
@lru_cache(maxsize=1)
def _dateparser():
    import dateparser  # imported lazily: ~0.2 s, and only the letter path needs it

    return dateparser


def _closest_year(day: int, month: int, today: date) -> date | None:
    """A day and month without a year: the year that puts it closest to today."""
    best = None
    for y in (today.year - 1, today.year, today.year + 1):
        try:
            d = date(y, month, day)
        except ValueError:
            continue
        if best is None or abs((d - today).days) < abs((best - today).days):
            best = d
    return best


def parse_dutch_date(span: str, today: date) -> date | None:
    """'woensdag 4 februari 2026', '4 feb.', '14/01/2026' → a date (dateparser, Dutch, day first)."""
    settings = {"RELATIVE_BASE": datetime(today.year, today.month, today.day), "DATE_ORDER": "DMY",
                "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month"]}
    parsed = _dateparser().parse(span, languages=["nl"], settings=settings)
    if parsed is None:
        return None
    has_year = bool(re.search(r"\b\d{4}\b", span)) or bool(re.search(r"[/.-]\d{2}\s*$", span.strip()))
    if has_year:
        return parsed.date()
    return _closest_year(parsed.day, parsed.month, today)


@dataclass
class DateMention:
    start: int
    end: int
    value: date
    explicit: bool  # a day number was written (not only a weekday)


def _header_date(text: str, m: re.Match) -> bool:
    """The letter's own date: at the top, alone on a line after the town ('Gent, 12 januari 2026')."""
    line_start = text.rfind("\n", 0, m.start()) + 1
    before = text[line_start:m.start()]
    line_end = text.find("\n", m.end())
    after = text[m.end():line_end if line_end >= 0 else len(text)].strip()
    return m.start() < max(400, len(text) // 5) and not after and bool(HEADER_DATE.match(before))


def find_dates(text: str, today: date) -> tuple[list[DateMention], list[DateMention]]:
    """(date mentions in the letter, the letter's own date if found)."""
    found: list[DateMention] = []
    header: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for m in DATE_WORDS.finditer(text):
        value = parse_dutch_date(m.group(0), today)
        if value is None:
            continue
        taken.append((m.start(), m.end()))
        (header if _header_date(text, m) else found).append(DateMention(m.start(), m.end(), value, True))
    for m in DATE_DIGITS.finditer(text):
        if not free(m.start(), m.end()):
            continue
        day, sep, month, year = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
        if not (1 <= day <= 31 and 1 <= month <= 12):
            continue
        tail = text[m.end():m.end() + 6].lower()
        if not year and (sep != "/" or re.match(r"\s*u", tail)):
            continue  # 12.05 is a time, 3-4 a range: a date in digits needs a slash or a year
        span = f"{day}/{month}/{year}" if year else f"{day}/{month}"
        value = parse_dutch_date(span, today) if year else _closest_year(day, month, today)
        if value is None:
            continue
        taken.append((m.start(), m.end()))
        (header if _header_date(text, m) else found).append(DateMention(m.start(), m.end(), value, True))
    for m in RELATIVE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        word, wd = m.group(1).lower(), (m.group(2) or "").lower()
        value = None
        if word == "morgen":
            value = today + timedelta(days=1)
        elif word == "overmorgen":
            value = today + timedelta(days=2)
        elif wd:
            target = WEEKDAYS.index(wd)
            if word == "volgende":  # "volgende woensdag": the Wednesday of next week
                value = today + timedelta(days=7 - today.weekday() + target)
            else:  # "komende/aanstaande/deze woensdag": the first one from today
                ahead = (target - today.weekday()) % 7
                value = today + timedelta(days=ahead or (7 if word != "deze" else 0))
        if value:
            taken.append((m.start(), m.end()))
            found.append(DateMention(m.start(), m.end(), value, False))
    # a weekday alone: the date of that weekday the letter names elsewhere, or - at the
    # start of a sentence ("Vrijdag is het carnaval") - the next such day
    explicit = [d for d in found if d.explicit]
    for m in BARE_WEEKDAY.finditer(text):
        if not free(m.start(), m.end()):
            continue
        target = WEEKDAYS.index(m.group(1).lower())
        before = text[max(0, m.start() - 12):m.start()].lower()
        if re.search(r"(elke|iedere|op|de|alle)\s+$", before):
            same = [d for d in explicit if d.value.weekday() == target]
            if same and not re.search(r"(elke|iedere|alle)\s+$", before):
                found.append(DateMention(m.start(), m.end(), same[0].value, False))
            continue
        same = [d for d in explicit if d.value.weekday() == target]
        if same:
            found.append(DateMention(m.start(), m.end(), same[0].value, False))
        elif re.search(r"(^|[.!?\n]\s*)$", text[max(0, m.start() - 3):m.start()]) or m.start() == 0:
            ahead = (target - today.weekday()) % 7 or 7
            found.append(DateMention(m.start(), m.end(), today + timedelta(days=ahead), False))
    found.sort(key=lambda d: d.start)
    return found, header


def find_deadline(text: str, mentions: list[DateMention]) -> date | None:
    """The earliest date right after 'ten laatste', 'uiterlijk', 'vóór', 'tegen', 'tot' (not a range)."""
    candidates = []
    for d in mentions:
        sent_start = max(text.rfind(". ", 0, d.start), text.rfind("\n\n", 0, d.start), 0)
        before = text[max(sent_start, d.start - 60):d.start].replace("\n", " ")
        cue = DEADLINE_CUE.search(before)
        if not cue:
            continue
        if re.match(r"tot", cue.group(0).strip(), re.IGNORECASE) and any(
                o.explicit and sent_start <= o.start < d.start for o in mentions if o is not d):
            continue  # "van 27 oktober tot en met 2 november": a period, not a deadline
        candidates.append(d.value)
    return min(candidates) if candidates else None


# ------------------------------------------------------------------ times, amounts
def find_times(text: str) -> list[str]:
    times: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in TIME_HM.finditer(text):
        h, sep, mi, uur = int(m.group(1)), m.group(2).lower(), int(m.group(3)), m.group(4)
        if h > 23 or mi > 59:
            continue
        if sep == "." or sep == ":":
            context = TIME_CONTEXT.search(text[max(0, m.start() - 12):m.start()])
            if not (uur or context or sep == ":"):
                continue
            if re.match(r"\.\d", text[m.end():m.end() + 2]) or re.search(r"\d[.]$", text[max(0, m.start() - 2):m.start()]):
                continue
        times.append(f"{h:02d}:{mi:02d}")
        spans.append((m.start(), m.end()))
    for m in TIME_H.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        h = int(m.group(1))
        if h > 23:
            continue
        before = text[max(0, m.start() - 14):m.start()]
        if not TIME_CONTEXT.search(before) and not re.search(r"\d\s*$", before):
            continue
        times.append(f"{h:02d}:00")
    return list(dict.fromkeys(times))


def find_amounts(text: str) -> list[float]:
    amounts: list[float] = []
    for m in AMOUNT.finditer(text):
        raw = m.group(1) or m.group(2)
        if re.fullmatch(r"\d{1,4}\.\d{2}", raw):
            raw = raw.replace(".", ",")  # "12.00": a misread decimal comma (thousands have three digits)
        try:
            value = float(parse_decimal(raw, locale="nl_BE"))
        except (NumberFormatError, ValueError):
            continue
        if 0 < value < 100000:
            amounts.append(round(value, 2))
    return list(dict.fromkeys(amounts))


# ------------------------------------------------------------------ slip, bring, contacts, words
SLIP_WORD = re.compile(r"strook|antwoordformulier|toestemmingsformulier|inschrijvingsformulier|formulier", re.I)
RETURN_CUE = re.compile(r"\bterug|\bvul\b.*\bin\b|invullen|ingevuld|inschrijven|onderteken|\bteken\b.*\bterug", re.I)
FORM_FIELD = re.compile(r"^\s*(?:handtekening(?:\s+(?:van\s+)?(?:de\s+)?ouders?)?|naam(?:\s+(?:kind|leerling))?)\s*:",
                        re.I | re.M)
NO_SLIP = re.compile(r"hoeft\s+niets\s+(?:terug|in\s+te\s+vullen)|niets\s+terug\s+te\s+bezorgen|niets\s+in\s+te\s+vullen",
                     re.I)


def find_slip(text: str) -> bool:
    """Must a slip (strookje, form) be filled in, signed and returned?"""
    if NO_SLIP.search(text):
        return False
    form = len(FORM_FIELD.findall(text)) >= 1 and bool(re.search(r"handtekening\s*[^:\n]{0,20}:", text, re.I))
    cut = "✂" in text or bool(re.search(r"(?:- ?){12,}", text))
    slip_word = any(SLIP_WORD.search(s) and RETURN_CUE.search(s) for s in sentences(text))
    signed_back = any(re.search(r"onderteken|handtekening", s, re.I) and re.search(r"\bterug", s, re.I)
                      for s in sentences(text))
    return bool(form or cut or slip_word or signed_back)


BRING_CUE = re.compile(r"\bmee\b|meebrengen|meenemen|\bbreng|\bneem\b|\bvergeet\b|\bnodig\b", re.I)


def find_bring(text: str, catalogue: dict[str, list[str]]) -> list[str]:
    """Catalogue items (keys) named in a sentence that asks to bring something, or in its bullets."""
    zone: list[str] = []
    follow = False
    for s in sentences(text):
        bullet = bool(re.match(r"^(?:[-•*«·>]|e\s)", s))
        if BRING_CUE.search(s):
            zone.append(s)
            follow = s.rstrip().endswith((":", "?"))
        elif bullet and follow:
            zone.append(s)
        else:
            follow = False
    folded = _fold(" ".join(zone))
    items = []
    for key, patterns in catalogue.items():
        if any(re.search(r"\b" + re.escape(_fold(p)), folded) for p in patterns):
            items.append(key)
    return items


def find_contacts(text: str) -> list[str]:
    """Phone numbers, e-mail addresses and named people in the letter's body (the header's as a fallback)."""
    body_start = 0
    m = re.search(r"beste\s+ouder", text, re.I)
    if m:
        body_start = m.start()
    body = text[body_start:]
    found = [p.group(0).strip() for p in PHONE.finditer(body)]
    found += [e.group(0) for e in EMAIL.finditer(body)]
    found += [f"{p.group(1)} {p.group(2)}" for p in PERSON.finditer(body)
              if re.search(r"contact|bel|mail|afspraak|aan\s*$", body[max(0, p.start() - 80):p.start()], re.I)]
    if not found and body_start:
        found = [p.group(0).strip() for p in PHONE.finditer(text[:body_start])][:1]
    return list(dict.fromkeys(found))


def find_words(text: str, glossary: dict[str, list[str]]) -> list[str]:
    folded = _fold(text)
    return [key for key, patterns in glossary.items()
            if any(re.search(r"\b" + re.escape(_fold(p)), folded) for p in patterns)]


# ------------------------------------------------------------------ kind and colour
KIND_WORDS: dict[str, dict[str, float]] = {
    "payment": {"schoolrekening": 4, "rekening": 2, "factuur": 3, "betalen": 2, "betaal": 2, "betaald": 2,
                "bedrag": 2, "overschrijving": 2, "rekeningnummer": 2, "mededeling": 1, "bijdrage": 2,
                "afbetalingsplan": 1, "kosten": 1, "kost": 1, "prijs": 1, "totaal": 1},
    "trip": {"schoolreis": 5, "uitstap": 4, "zeeklassen": 5, "bosklassen": 5, "sneeuwklassen": 5,
             "boerderijklassen": 5, "sportdag": 4, "vertrekken": 2, "vertrek": 2, "bus": 1, "dierentuin": 2,
             "museum": 1, "te voet": 1, "terug op school": 1, "meerdaagse": 2},
    "invitation": {"uitnodiging": 4, "nodigen": 4, "welkom": 2, "feest": 3, "infoavond": 4, "oudercontact": 2,
                   "ouderkoffie": 4, "kom gewoon": 2, "opendeurdag": 4, "receptie": 3, "tot dan": 1,
                   "u komt": 1, "wij komen": 1, "carnaval": 2, "stoet": 1},
    "change": {"veranderen": 3, "verandert": 3, "wijziging": 3, "gewijzigd": 3, "aangepast": 3, "nieuwe regels": 4,
               "in plaats van": 3, "regeling": 2, "schoolreglement": 2, "verhuist": 2, "rooster": 2,
               "nieuwe uren": 4, "vanaf": 1},
    "attendance": {"afwezig": 3, "afwezigheid": 3, "afwezigheden": 3, "ongewettigd": 3, "te laat": 3,
                   "leerplicht": 2, "doktersattest": 2, "spijbel": 3, "strafstudie": 2, "verwittig": 2,
                   "ziek": 1},
    "report": {"rapport": 3, "punten": 2, "tekort": 3, "klassenraad": 2, "resultaten": 2, "zorgen": 2,
               "bezorgd": 3, "evaluatie": 2, "gesprek": 1, "zorgcoordinator": 1, "taken": 1, "oudercontact": 2},
    "health": {"luizen": 5, "neten": 2, "vaccin": 4, "vaccinatie": 2, "krentenbaard": 5, "besmettelijk": 3,
               "huisarts": 2, "verpleegkundige": 2, "allergie": 1, "koorts": 2, "waterpokken": 5, "mazelen": 5,
               "infectie": 2, "clb": 1},
    "information": {"vrije dag": 3, "vrije dagen": 3, "studiedag": 2, "vakantie": 1, "schooljaar": 1,
                    "fotograaf": 4, "schoolfoto": 4, "belangrijke data": 3, "geen school": 2, "welkom in": 2},
}
RED_WORDS = {"dringend": 3, "maken ons zorgen": 3, "bezorgd": 3, "herinnering": 2, "nog niet betaald": 3,
             "openstaand": 3, "strafstudie": 2, "tekort": 3, "waarschuwing": 3, "tuchtmaatregel": 3,
             "schorsing": 3, "ongewettigd": 1, "neem contact op": 1, "contact op te nemen": 1,
             "contact opnemen": 1}
CHILD_PROBLEM = re.compile(r"uw\s+(?:kind|zoon|dochter|zoon/dochter)\s+(?:\w+\s+){0,6}?(?:was|kwam|is|heeft)\s+"
                           r"(?:\w+\s+){0,6}?(?:afwezig|te\s+laat|een\s+tekort|niet)", re.I)
DEFAULT_COLOUR = {"invitation": "green", "trip": "green", "report": "green", "change": "orange",
                  "payment": "white", "attendance": "white", "health": "white", "information": "white"}


def _title(text: str) -> str:
    """The line just above 'Beste ouders' (the letter's title), if found."""
    m = re.search(r"([^\n]+)\n\s*beste\s+ouder", text, re.I)
    return m.group(1) if m else ""


def _count(folded: str, word: str) -> int:
    """How often a keyword occurs; long ones also inside Dutch compounds (hoofdluizen, kerstfeest)."""
    if len(word) >= 5:
        return folded.count(word)
    return len(re.findall(r"\b" + re.escape(word), folded))


def classify(text: str) -> tuple[str, str, dict[str, float]]:
    """(kind, colour, scores) from keyword weights over the letter; the title counts double."""
    folded, title = _fold(text), _fold(_title(text))
    scores = {}
    for kind, words in KIND_WORDS.items():
        s = 0.0
        for w, weight in words.items():
            n = _count(folded, w)
            s += weight * min(n, 3) ** 0.5 + (weight if _count(title, w) else 0)
        scores[kind] = round(s, 2)
    scores["payment"] += min(text.count("€"), 4) * 0.5
    kind = max(scores, key=scores.get)
    if scores[kind] < 3:
        kind = "information"
    red = sum(weight for w, weight in RED_WORDS.items() if _count(folded, w))
    if CHILD_PROBLEM.search(text):
        red += 3
    scores["red"] = red
    colour = "red" if red >= 4 else DEFAULT_COLOUR[kind]
    return kind, colour, scores


def key_sentences(text: str, limit: int = 6) -> list[str]:
    """The Dutch sentences that carry the facts (a date, a time, an amount, a deadline, a slip,
    something to bring): the school's own words, one tap away for the parent."""
    text = normalise(text)
    greeting = re.search(r"beste\s+ouder", text, re.I)
    if greeting:  # the letterhead above "Beste ouders" is not the school's message
        text = text[greeting.start():]
    keep = re.compile(r"\d|€|euro|strook|terug|meebreng|breng|neem|vergeet|uiterlijk|ten laatste|contact", re.I)
    out = []
    for s in sentences(text):
        s = s.strip()
        if len(s) < 12 or len(s) > 300 or not keep.search(s) or re.search(r"\.{5,}|…", s):
            continue
        if re.match(r"^(tel\.|[A-Z][\w'-]+,\s*\d)", s) or "@" in s and len(s) < 60:
            continue  # the letterhead
        out.append(s)
        if len(out) == limit:
            break
    return out


def understand(text: str, today: date, catalogue: dict[str, list[str]] | None = None,
               glossary: dict[str, list[str]] | None = None) -> LetterFacts:
    """Everything a parent needs from the text of one letter. `catalogue`/`glossary`: Dutch
    patterns per item to bring and per school word (content/letters.yml by default)."""
    if catalogue is None or glossary is None:
        from bot.letters.content import bring_patterns, word_patterns

        catalogue = bring_patterns() if catalogue is None else catalogue
        glossary = word_patterns() if glossary is None else glossary
    text = normalise(text)
    kind, colour, scores = classify(text)
    mentions, _ = find_dates(text, today)
    dates = list(dict.fromkeys(d.value for d in mentions))
    return LetterFacts(kind=kind, colour=colour, dates=dates, times=find_times(text), amounts=find_amounts(text),
                       deadline=find_deadline(text, mentions), bring=find_bring(text, catalogue),
                       slip=find_slip(text), contacts=find_contacts(text), words=find_words(text, glossary),
                       scores=scores)
