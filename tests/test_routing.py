"""Routing a hand-off: language first, then load, preferring people at work."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from bot import escalations, store
from bot.escalations import BRUSSELS as TZ, at_work, next_start, parse_hours, route


def _brug(db, tid, name, languages, hours="mon-fri 08:30-16:30"):
    store.add_staff(db, tid, "de-regenboog", "brugfiguur", name, languages)
    db["staff"].update((tid, "de-regenboog"), {"working_hours": json.dumps(parse_hours(hours))})


MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
SATURDAY = datetime(2026, 11, 28, 11, 0, tzinfo=TZ)


def test_working_hours_are_read_and_the_next_start_is_found():
    hours = parse_hours("mon-fri 08:30-16:30; wed 08:30-12:00")
    assert at_work(hours, MONDAY_10)
    assert not at_work(hours, datetime(2026, 11, 25, 13, 0, tzinfo=TZ)), "Wednesday afternoon off"
    assert next_start(hours, SATURDAY) == datetime(2026, 11, 30, 8, 30, tzinfo=TZ)
    with pytest.raises(ValueError):
        parse_hours("someday 9-5")


def test_a_parent_goes_to_someone_who_speaks_their_language(db):
    _brug(db, 1, "Jan", ["nl", "fr"])
    _brug(db, 2, "Fatma", ["nl", "tr"])
    r = route(db, "de-regenboog", "tr", MONDAY_10)
    assert r.staff["name"] == "Fatma" and r.speaks_language and r.at_work


def test_without_a_speaker_the_least_loaded_colleague_at_work_gets_it(db):
    _brug(db, 1, "Jan", ["nl"])
    _brug(db, 2, "Els", ["nl"])
    _brug(db, 3, "Nachtuil", ["nl"], hours="sat 10:00-12:00")
    db["escalations"].insert({"school_id": "de-regenboog", "caregiver_id": 999, "language": "ar", "topic": "bullying",
                              "reason": "test", "status": "open", "assigned_to": 1, "created_at": "2026-11-30T09:00:00+00:00"})
    r = route(db, "de-regenboog", "ar", MONDAY_10)
    assert r.staff["name"] == "Els" and not r.speaks_language
    weekend = route(db, "de-regenboog", "ar", SATURDAY)
    assert weekend.staff["name"] == "Nachtuil" and weekend.at_work


def test_out_of_hours_the_route_says_when_a_person_starts(db):
    _brug(db, 2, "Fatma", ["tr"])
    r = route(db, "de-regenboog", "tr", SATURDAY)
    assert not r.at_work and r.next_start == datetime(2026, 11, 30, 8, 30, tzinfo=TZ)


def test_a_school_without_brugfiguur_routes_to_nobody(db):
    assert route(db, "de-regenboog", "nl").staff is None
