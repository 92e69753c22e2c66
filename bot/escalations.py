"""Hand-offs to a brugfiguur: routing, working hours, and the escalation's life cycle.

An escalation is opened when the dialogue layer decides a person is needed. It is
routed to a brugfiguur of the parent's school who speaks the parent's language if
there is one, else to the least loaded one, preferring people who are at work
now. It is `open` until someone claims it, `claimed` while a person holds the
conversation (the bot steps back), and `closed` with an outcome.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError

from bot.db import utcnow
from bot.store import audit

TZ = ZoneInfo(os.environ.get("SCHOOLBRUG_TIMEZONE", "Europe/Brussels"))
ACTIVE = ("open", "claimed")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS = {d: ["08:30-16:30"] for d in DAYS[:5]}


def parse_hours(spec: str) -> dict[str, list[str]]:
    """'mon-fri 08:30-16:30; wed 08:30-12:00' -> {'mon': ['08:30-16:30'], ...} (later parts override)."""
    hours: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        days, _, ranges = part.partition(" ")
        if "-" in days and days.split("-")[0] in DAYS:
            a, b = days.split("-")
            selected = DAYS[DAYS.index(a):DAYS.index(b) + 1]
        else:
            selected = tuple(d for d in days.split(",") if d in DAYS)
        if not selected or not ranges.strip():
            raise ValueError(f"cannot read working hours {part!r}; write e.g. 'mon-fri 08:30-16:30'")
        for d in selected:
            hours[d] = [r.strip() for r in ranges.split(",")]
    return hours


def hours_of(staff_row: dict[str, Any]) -> dict[str, list[str]]:
    raw = staff_row.get("working_hours") or ""
    return json.loads(raw) if raw else DEFAULT_HOURS


def _slots(hours: dict[str, list[str]], day: datetime) -> list[tuple[datetime, datetime]]:
    out = []
    for r in hours.get(DAYS[day.weekday()], []):
        start, end = r.split("-")
        sh, sm = map(int, start.split(":"))
        eh, em = map(int, end.split(":"))
        out.append((day.replace(hour=sh, minute=sm, second=0, microsecond=0),
                    day.replace(hour=eh, minute=em, second=0, microsecond=0)))
    return out


def at_work(hours: dict[str, list[str]], now: datetime | None = None) -> bool:
    now = (now or datetime.now(TZ)).astimezone(TZ)
    return any(s <= now < e for s, e in _slots(hours, now))


def next_start(hours: dict[str, list[str]], now: datetime | None = None) -> datetime | None:
    now = (now or datetime.now(TZ)).astimezone(TZ)
    for offset in range(0, 8):
        day = now + timedelta(days=offset)
        for s, e in _slots(hours, day):
            if s > now or (s <= now < e):
                return max(s, now)
    return None


@dataclass
class Route:
    staff: dict[str, Any] | None  # the brugfiguur it goes to, or None when the school has none
    speaks_language: bool
    at_work: bool
    next_start: datetime | None


def school_staff(db: Database, school_id: str, role: str) -> list[dict[str, Any]]:
    return list(db["staff"].rows_where("school_id = ? and role = ? and active = 1", [school_id, role]))


def brugfiguren(db: Database, school_id: str) -> list[dict[str, Any]]:
    return school_staff(db, school_id, "brugfiguur")


def load_of(db: Database, telegram_id: int) -> int:
    return db.execute(f"select count(*) from escalations where status in {ACTIVE} and "
                      "coalesce(claimed_by, assigned_to) = ?", [telegram_id]).fetchone()[0]


def route(db: Database, school_id: str, language: str, now: datetime | None = None,
          exclude: int | None = None) -> Route:
    people = [p for p in brugfiguren(db, school_id) if p["telegram_id"] != exclude]
    if not people:
        return Route(None, False, False, None)
    speakers = [p for p in people if language in json.loads(p["languages"] or "[]")]
    pool = speakers or people
    working = [p for p in pool if at_work(hours_of(p), now)]
    chosen = min(working or pool, key=lambda p: (load_of(db, p["telegram_id"]), p["telegram_id"]))
    hours = hours_of(chosen)
    return Route(chosen, bool(speakers), at_work(hours, now), next_start(hours, now))


def active_for(db: Database, caregiver_id: int) -> dict[str, Any] | None:
    rows = list(db["escalations"].rows_where(f"caregiver_id = ? and status in {ACTIVE}", [caregiver_id],
                                             order_by="id desc", limit=1))
    return rows[0] if rows else None


def get(db: Database, escalation_id: int) -> dict[str, Any] | None:
    try:
        return db["escalations"].get(escalation_id)
    except NotFoundError:
        return None


def by_thread(db: Database, chat_id: int, thread_id: int) -> dict[str, Any] | None:
    rows = list(db["escalations"].rows_where("chat_id = ? and thread_id = ?", [chat_id, thread_id],
                                             order_by="id desc", limit=1))
    return rows[0] if rows else None


def open_escalation(db: Database, school_id: str, caregiver_id: int, language: str, topic: str, reason: str,
                    routed: Route) -> dict[str, Any]:
    now = utcnow()
    esc_id = db["escalations"].insert({
        "school_id": school_id, "caregiver_id": caregiver_id, "language": language, "topic": topic,
        "reason": reason, "status": "open", "assigned_to": routed.staff["telegram_id"] if routed.staff else None,
        "created_at": now, "announced_at": now, "announcements": 1}).last_pk
    audit(db, "assistant", "system", "escalation_open", school_id, f"#{esc_id}", {"topic": topic, "reason": reason})
    return db["escalations"].get(esc_id)


def set_place(db: Database, escalation_id: int, chat_id: int, thread_id: int | None) -> None:
    db["escalations"].update(escalation_id, {"chat_id": chat_id, "thread_id": thread_id})


def claim(db: Database, escalation_id: int, staff_id: int) -> None:
    db["escalations"].update(escalation_id, {"status": "claimed", "claimed_by": staff_id, "claimed_at": utcnow()})


def transfer(db: Database, escalation_id: int, to_staff: int) -> None:
    db["escalations"].update(escalation_id, {"status": "open", "claimed_by": None, "assigned_to": to_staff,
                                             "announced_at": utcnow()})


def close(db: Database, escalation_id: int, outcome: str) -> None:
    db["escalations"].update(escalation_id, {"status": "closed", "closed_at": utcnow(), "outcome": outcome[:500]})


def staff_can_see(db: Database, staff_id: int, escalation: dict[str, Any]) -> bool:
    """A brugfiguur or colleague sees only escalations of their own schools."""
    return db.execute("select 1 from staff where telegram_id = ? and school_id = ? and active = 1",
                      [staff_id, escalation["school_id"]]).fetchone() is not None


def minutes_open(escalation: dict[str, Any], now: datetime | None = None) -> float:
    now = now or datetime.now(timezone.utc)
    return (now - datetime.fromisoformat(escalation["created_at"])).total_seconds() / 60


def list_active(db: Database, school_id: str | None = None) -> list[dict[str, Any]]:
    where, args = (f"status in {ACTIVE}" + (" and school_id = ?" if school_id else "")), ([school_id] if school_id else [])
    return list(db["escalations"].rows_where(where, args, order_by="created_at"))
