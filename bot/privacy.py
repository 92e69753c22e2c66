"""Erasure and retention: the one place that knows every table holding a person's words or ids.

`erase_caregiver` is what `/forget` does; `purge_expired` is what the purge loop
does every few hours. Both run in one transaction. A table added later that holds
a caregiver's words or ids must be added here (tests/test_privacy.py checks every
table of the schema against this list).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlite_utils import Database

from bot import send_queue
from bot.db import utcnow

logger = logging.getLogger(__name__)

# Tables that never hold a caregiver's words or ids (checked by the tests).
NO_PERSONAL_DATA = {"schools", "classes", "staff", "consent_refusals", "_sqlite_migrations", "school_letters",
                    "reminders", "reminder_texts",  # a school's own words; answers live in reminder_recipients
                    "votes", "vote_announcements", "card_rounds"}  # votes: tallies and questions only


def erase_caregiver(db: Database, telegram_id: int) -> dict[str, int]:
    """Erase a caregiver everywhere: profile, links, children nobody else is linked to, conversation log,
    escalations with their notes and relayed messages, queued messages, translations of their words,
    stored updates, call-list entries; the audit log keeps what happened but no longer who."""
    counts: dict[str, int] = {}

    def run(name: str, sql: str, args: list) -> None:
        counts[name] = counts.get(name, 0) + db.execute(sql, args).rowcount

    with db.atomic():
        child_ids = [r[0] for r in db.execute("select child_id from caregiver_children where caregiver_id = ?",
                                              [telegram_id])]
        escalation_ids = [r[0] for r in db.execute("select id from escalations where caregiver_id = ?",
                                                   [telegram_id])]
        run("links", "delete from caregiver_children where caregiver_id = ?", [telegram_id])
        for child_id in child_ids:
            if not db.execute("select 1 from caregiver_children where child_id = ?", [child_id]).fetchone():
                run("invites", "delete from invites where child_id = ?", [child_id])
                run("children", "delete from children where id = ?", [child_id])
        run("invites", "delete from invites where created_by = ?", [f"parent:{telegram_id}"])
        run("messages", "delete from conversation_log where telegram_id = ?", [telegram_id])
        for esc_id in escalation_ids:
            run("notes", "delete from escalation_notes where escalation_id = ?", [esc_id])
            run("send_queue", "delete from send_queue where escalation_id = ?", [esc_id])
            run("audit_scrubbed", "update audit_log set details = '{}' where target = ?", [f"#{esc_id}"])
        run("escalations", "delete from escalations where caregiver_id = ?", [telegram_id])
        counts["send_queue"] = counts.get("send_queue", 0) + send_queue.erase_caregiver(db, telegram_id)
        run("translations", "delete from translations where owner = ?", [telegram_id])
        run("inbox", "delete from inbox where json_extract(payload, '$.message.from.id') = ? "
                     "or json_extract(payload, '$.edited_message.from.id') = ? "
                     "or json_extract(payload, '$.callback_query.from.id') = ?", [telegram_id] * 3)
        run("call_list", "delete from call_list where caregiver_id = ?", [telegram_id])
        run("audit_anonymised", "update audit_log set actor = 'erased' where actor = ?", [str(telegram_id)])
        for table in _extra_tables(db):
            run(table, f"delete from [{table}] where caregiver_id = ?", [telegram_id])
        run("caregivers", "delete from caregivers where telegram_id = ?", [telegram_id])
        db["audit_log"].insert({"at": utcnow(), "actor": "self", "role": "parent", "action": "erase",
                                "school_id": None, "target": "a caregiver", "details": "{}"})
    return counts


def _extra_tables(db: Database) -> list[str]:
    """Tables of later features (reminder receipts, votes, ...) that link rows to a caregiver_id."""
    known = {"send_queue", "call_list", "escalations", "caregiver_children", "conversation_log", "translations",
             "inbox", "audit_log", "caregivers", "escalation_notes"}
    out = []
    for table in db.table_names():
        if table in known or table in NO_PERSONAL_DATA:
            continue
        if "caregiver_id" in db[table].columns_dict:
            out.append(table)
    return out


def purge_expired(db: Database, default_retention_days: int = 180, now: datetime | None = None) -> dict[str, int]:
    """Delete what is past its retention: conversation logs, sent messages, closed escalations with their
    notes, cached translations, stale stored updates, resolved call-list entries."""
    now = now or datetime.now(timezone.utc)
    now_iso = now.isoformat(timespec="seconds")
    default_cutoff = (now - timedelta(days=default_retention_days)).isoformat(timespec="seconds")
    counts: dict[str, int] = {}
    with db.atomic():
        counts["messages"] = db.execute("delete from conversation_log where expires_at < ?", [now_iso]).rowcount
        counts["send_queue"] = send_queue.purge(db, now_iso)
        retention = {r["id"]: r["retention_days"] for r in db.query("select id, retention_days from schools")}
        closed = [r["id"] for r in db.query("select id, school_id, closed_at from escalations where status = 'closed'")
                  if r["closed_at"] and r["closed_at"] < (now - timedelta(
                      days=retention.get(r["school_id"]) or default_retention_days)).isoformat(timespec="seconds")]
        for esc_id in closed:
            db.execute("delete from escalation_notes where escalation_id = ?", [esc_id])
            db.execute("delete from send_queue where escalation_id = ? and status in ('sent', 'failed')", [esc_id])
            db.execute("delete from escalations where id = ?", [esc_id])
        counts["escalations"] = len(closed)
        counts["translations"] = db.execute("delete from translations where created_at < ?",
                                            [default_cutoff]).rowcount
        counts["inbox"] = db.execute("delete from inbox where received_at != '' and received_at < ?",
                                     [(now - timedelta(days=7)).isoformat(timespec="seconds")]).rowcount
        counts["call_list"] = db.execute("delete from call_list where resolved_at is not null and resolved_at < ?",
                                         [default_cutoff]).rowcount
        from bot import reminders  # reminders past their retention, with every answer

        counts["reminders"] = reminders.purge(db, now_iso)
        from bot import votes  # ballots of long-closed votes, answers to conversation cards
        counts["votes"] = votes.purge(db, default_cutoff)
        from bot import cards
        counts["cards"] = cards.purge(db, default_cutoff)
    return counts
