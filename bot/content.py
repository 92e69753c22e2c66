"""Curated answers (content/answers/*.yml) filled with the parent's school facts.

The text of an answer is written by people, per topic, in every tier-1 language
(Dutch the reference). Facts that differ per school are placeholders such as
{hours} or {secretariat}; `render()` fills them from the school profile, in the
parent's language (weekday names and dates through Babel). Without a school
profile a placeholder becomes a short general sentence that names who to ask.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Callable

import yaml
from babel.dates import format_date, get_day_names
from babel.numbers import format_currency

from bot.config import PROJECT_ROOT
from bot.i18n import FSI, PDI, tr
from bot.languages import SOURCE_LANGUAGE, is_rtl

CONTENT_DIR = PROJECT_ROOT / "content"
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


@dataclass(frozen=True)
class Answer:
    topic: str
    kind: str
    text: dict[str, str]
    school_year: str | None
    sources: tuple[str, ...]


@lru_cache(maxsize=1)
def answers() -> dict[str, Answer]:
    out = {}
    for path in sorted((CONTENT_DIR / "answers").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[data["topic"]] = Answer(data["topic"], data.get("kind", "answer"),
                                    {k: str(v).strip() for k, v in (data.get("text") or {}).items()},
                                    str(data["school_year"]) if data.get("school_year") else None,
                                    tuple(data.get("sources") or ()))
    return out


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, str]]:
    path = CONTENT_DIR / "labels.yml"
    if not path.exists():
        return {}
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("labels", {})


def label(key: str, lang: str) -> str:
    by_lang = labels().get(key, {})
    return str(by_lang.get(lang) or by_lang.get("en") or by_lang.get(SOURCE_LANGUAGE) or key)


def has_answer(topic: str, lang: str) -> bool:
    a = answers().get(topic)
    return bool(a and lang in a.text)


class Facts:
    """Renders the placeholders of one school profile in one language."""

    def __init__(self, profile: dict[str, Any] | None, lang: str, teacher: str | None = None,
                 today: date | None = None, upcoming: list[str] | None = None) -> None:
        self.p = profile or {}
        self.lang = lang
        self.teacher_name = teacher
        self.today = today or date.today()
        self.upcoming_items = upcoming or []

    # --- helpers
    def _date(self, value: Any) -> str:
        d = value if isinstance(value, date) else date.fromisoformat(str(value))
        return format_date(d, format="long", locale=self.lang)

    def _money(self, amount: float) -> str:
        return format_currency(amount, "EUR", locale=self.lang)

    def _contact(self, key: str) -> str | None:
        c = (self.p.get("contacts") or {}).get(key)
        if not c:
            return None
        parts = [c.get("name") or ""]
        if c.get("phone"):
            parts.append(f"☎ {c['phone']}")
        if c.get("email"):
            parts.append(f"✉ {c['email']}")
        return ", ".join(p for p in parts if p)

    # --- placeholders
    def school(self) -> str:
        return self.p.get("name") or tr(self.lang, "je school")

    def hours(self) -> str:
        hours = self.p.get("hours")
        if not hours:
            return tr(self.lang, "Elke school kiest zelf haar uren. Vraag ze aan het secretariaat van je school.")
        names = get_day_names("wide", locale=self.lang)
        lines = []
        for i, day in enumerate(WEEKDAYS):
            slots = hours.get(day) or []
            lines.append(f"• {names[i]}: {', '.join(s.replace('-', '–') for s in slots) or label('closed', self.lang)}")
        return "\n".join(lines)

    def gate_opens(self) -> str:
        return (self.p.get("hours") or {}).get("gate_opens") or "–"

    def _calendar(self) -> list[tuple[date, date, str]]:
        items = []
        for h in self.p.get("holidays") or []:
            items.append((date.fromisoformat(str(h["from"])), date.fromisoformat(str(h["to"])),
                          label(f"holiday_{h['kind']}", self.lang)))
        for d in self.p.get("free_days") or []:
            day = date.fromisoformat(str(d["date"]))
            name = label(d["kind"], self.lang)
            if d.get("name"):
                name = f"{name} ({d['name']})"
            items.append((day, day, name))
        return sorted(items)

    def _span(self, start: date, end: date) -> str:
        return self._date(start) if start == end else f"{self._date(start)} – {self._date(end)}"

    def holidays(self) -> str:
        items = self._calendar()
        if not items:
            return tr(self.lang, "De school zet de vakanties en vrije dagen in de schoolkalender. "
                                 "Vraag die aan het secretariaat.")
        year = self.p.get("school_year")
        head = f"{label('school_year', self.lang)} {year}:\n" if year else ""
        return head + "\n".join(f"• {name}: {self._span(s, e)}" for s, e, name in items)

    def next_holiday(self) -> str:
        for start, end, name in self._calendar():
            if end >= self.today:
                return f"{name}: {self._span(start, end)}"
        return tr(self.lang, "Vraag de nieuwe schoolkalender aan het secretariaat.")

    def secretariat(self) -> str:
        return self._contact("secretariat") or tr(self.lang, "het secretariaat van je school")

    def direction(self) -> str:
        return self._contact("direction") or tr(self.lang, "de directie van je school")

    def care_coordinator(self) -> str:
        return self._contact("care_coordinator") or tr(self.lang, "de zorgcoördinator van je school")

    def brugfiguur(self) -> str:
        return self._contact("brugfiguur") or tr(self.lang, "de brugfiguur van je school")

    def clb(self) -> str:
        return self._contact("clb") or tr(self.lang, "het CLB van je school")

    def platform(self) -> str:
        return self.p.get("platform") or tr(self.lang, "de app van de school")

    def teacher(self) -> str:
        return self.teacher_name or label("the_teacher", self.lang)

    def meals(self) -> str:
        m = self.p.get("meals")
        if not m:
            return tr(self.lang, "Vraag aan het secretariaat welke maaltijden de school aanbiedt.")
        lines = []
        for key in ("hot_meal", "soup"):
            item = m.get(key)
            if item and item.get("available"):
                price = f": {self._money(item['price_eur'])}" if item.get("price_eur") is not None else ""
                lines.append(f"• {label(key, self.lang)}{price}")
        for key in ("lunchbox", "vegetarian", "halal", "no_pork", "water_free"):
            if m.get(key):
                lines.append(f"• {label(key, self.lang)} ✓")
        if m.get("halal") is False:
            lines.append(f"• {label('halal', self.lang)}: {label('not_available', self.lang)}")
        if m.get("fruit_day"):
            day = WEEKDAYS.index(m["fruit_day"]) if m["fruit_day"] in WEEKDAYS else None
            when = get_day_names("wide", locale=self.lang)[day] if day is not None else m["fruit_day"]
            lines.append(f"• {label('fruit_day', self.lang)}: {when}")
        return "\n".join(lines)

    def childcare(self) -> str:
        c = self.p.get("childcare")
        if not c:
            return tr(self.lang, "Vraag aan het secretariaat of er opvang is voor en na school.")
        lines = []
        for key, field, lab in (("morning", "from", "childcare_morning"), ("evening", "until", "childcare_evening"),
                                ("wednesday_afternoon", "until", "childcare_wednesday")):
            slot = c.get(key)
            if not slot:
                continue
            text = f"• {label(lab, self.lang)} {slot.get(field) or ''}".rstrip()
            if slot.get("price_eur_per_half_hour") is not None:
                text += f" ({self._money(slot['price_eur_per_half_hour'])} {label('per_half_hour', self.lang)})"
            if slot.get("where"):
                text += f" – {slot['where']}"
            lines.append(text)
        return "\n".join(lines)

    def max_bill(self) -> str:
        c = self.p.get("costs") or {}
        head = f"{label('school_year', self.lang)} {c['max_bill_school_year']}:" if c.get("max_bill_school_year") else ""
        if not c.get("max_bill_lager_eur") and not c.get("max_bill_kleuter_eur"):
            # amounts not (yet) filled in by the school: say who knows them, and for which year
            ask = tr(self.lang, "Het secretariaat kent de bedragen van de maximumfactuur voor dit schooljaar.")
            return f"{head[:1].upper()}{head[1:]} {ask}" if head else ask
        lines = [head] if head else []
        for key in ("kleuter", "lager", "multiday"):
            if c.get(f"max_bill_{key}_eur") is not None:
                lines.append(f"• {label('max_bill_' + key, self.lang)}: {self._money(c[f'max_bill_{key}_eur'])}")
        return "\n".join(lines)

    def upcoming(self) -> str:
        if self.upcoming_items:
            return "\n".join(f"• {item}" for item in self.upcoming_items)
        return f"{label('nothing_planned', self.lang)}\n{self.next_holiday()}" if self.p else \
            label("nothing_planned", self.lang)

    def value(self, name: str) -> str:
        fn: Callable[[], str] | None = getattr(self, name, None) if not name.startswith("_") else None
        if fn is None or name in ("value",):
            return "{" + name + "}"
        text = fn()
        if is_rtl(self.lang) and "\n" not in text:
            return f"{FSI}{text}{PDI}"
        return text


def render(topic: str, lang: str, facts: Facts) -> str | None:
    """The answer for `topic` in `lang` with the school's facts, or None when there is none."""
    answer = answers().get(topic)
    if answer is None or lang not in answer.text:
        return None
    return PLACEHOLDER.sub(lambda m: facts.value(m.group(1)), answer.text[lang])
