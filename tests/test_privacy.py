"""Erasure and retention, table by table, on a real SQLite file."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from bot import privacy, send_queue, store
from bot.send_queue import Outgoing

PARENT, OTHER = 5001, 5002
OLD = "2020-01-01T00:00:00+00:00"


def _parent(db, tid, first="Amal"):
    store.create_caregiver(db, tid, first, "ar")
    invite = store.create_invite(db, store.PARENT_INVITE, "de-regenboog", class_id="de-regenboog:L1A")
    store.link_child(db, tid, store.valid_invite(db, invite), "mother")


def _fill(db, tid):
    """Something of this caregiver in every table that can hold a person's words or ids."""
    store.log_message(db, tid, "in", f"words of {tid}", "ar", 180)
    esc_id = db["escalations"].insert({"school_id": "de-regenboog", "caregiver_id": tid, "language": "ar",
                                       "topic": "bullying", "reason": "x", "status": "open",
                                       "created_at": OLD, "announced_at": OLD}).last_pk
    db["escalation_notes"].insert({"escalation_id": esc_id, "author": 9, "text": f"note about {tid}",
                                   "created_at": OLD})
    send_queue.enqueue(db, Outgoing(None, f"relay of {tid}", escalation_id=esc_id, caregiver_id=tid),
                       Outgoing(tid, f"answer to {tid}"))
    db["translations"].insert({"key": f"k{tid}", "backend": "x", "source": "ar", "target": "nl",
                               "text": f"words of {tid}", "translation": "woorden", "created_at": OLD, "owner": tid})
    db["inbox"].insert({"update_id": tid, "payload": json.dumps({"update_id": tid, "message": {
        "from": {"id": tid}, "text": f"words of {tid}"}}), "received_at": OLD})
    db["call_list"].insert({"school_id": "de-regenboog", "caregiver_id": tid, "reason": "blocked", "source": "x",
                            "created_at": OLD})
    store.audit(db, str(tid), "parent", "relay_in", "de-regenboog", f"#{esc_id}", {"note": f"note about {tid}"})
    return esc_id


def test_forget_erases_a_caregiver_from_every_table_and_leaves_others_alone(db):
    _parent(db, PARENT)
    _parent(db, OTHER, "Olga")
    esc = _fill(db, PARENT)
    _fill(db, OTHER)
    privacy.erase_caregiver(db, PARENT)
    dump = {t: json.dumps(list(db[t].rows), default=str) for t in db.table_names()}
    for table, text in dump.items():
        assert f"words of {PARENT}" not in text and f"note about {PARENT}" not in text, table
        assert f"relay of {PARENT}" not in text and f"answer to {PARENT}" not in text, table
    assert db.execute("select count(*) from escalations where id = ?", [esc]).fetchone()[0] == 0
    assert db.execute("select count(*) from call_list where caregiver_id = ?", [PARENT]).fetchone()[0] == 0
    assert db.execute("select count(*) from audit_log where actor = ?", [str(PARENT)]).fetchone()[0] == 0
    assert store.get_caregiver(db, OTHER) is not None
    assert f"words of {OTHER}" in dump["conversation_log"] and f"note about {OTHER}" in dump["escalation_notes"]


def test_every_table_is_known_to_erasure():
    """A new table that can hold a caregiver's words must be added to bot/privacy.py (or declared free of them)."""
    from bot.db import open_db

    db = open_db(":memory:")
    handled = {"send_queue", "call_list", "escalations", "caregiver_children", "conversation_log", "translations",
               "inbox", "audit_log", "caregivers", "escalation_notes", "children", "invites"}
    for table in db.table_names():
        if table in handled or table in privacy.NO_PERSONAL_DATA or table.startswith("sqlite_"):
            continue
        assert "caregiver_id" in db[table].columns_dict, f"{table}: how is a caregiver erased from it?"


def test_retention_purges_what_is_past_its_time_everywhere(db):
    _parent(db, PARENT)
    esc = _fill(db, PARENT)
    db.execute("update conversation_log set expires_at = ?", [OLD])
    db.execute("update send_queue set status = 'sent', purge_after = ?", [OLD])
    db["escalations"].update(esc, {"status": "closed", "closed_at": OLD})
    db["call_list"].update(1, {"resolved_at": OLD})
    now = datetime.now(timezone.utc)
    store.log_message(db, PARENT, "in", "a fresh message", "ar", 180)
    purged = privacy.purge_expired(db, 180, now)
    assert purged["messages"] == 1 and db["conversation_log"].count == 1
    assert db.execute("select count(*) from send_queue").fetchone()[0] == 0
    assert db["escalations"].count == 0 and db["escalation_notes"].count == 0
    assert db["translations"].count == 0
    assert db["inbox"].count == 0
    assert db["call_list"].count == 0
    assert store.get_caregiver(db, PARENT) is not None
    assert privacy.purge_expired(db, 180, now + timedelta(seconds=1)) == {k: 0 for k in purged}
