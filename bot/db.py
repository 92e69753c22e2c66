"""The one SQLite file the bot stores everything in, and its schema migrations.

sqlite-utils' `Migrations` records each applied step in `_sqlite_migrations`,
so `open_db()` can run on every start: pending steps run once, re-running is a
no-op. Add a new step at the end; never edit one that has shipped.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("schoolbrug")


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@migrations()
def m001_core(db: Database) -> None:
    db["schools"].create(
        {"id": str, "name": str, "profile_json": str, "profile_path": str, "retention_days": int,
         "updated_at": str},
        pk="id",
    )
    db["classes"].create(
        {"id": str, "school_id": str, "code": str, "name": str, "teacher": str},
        pk="id", foreign_keys=[("school_id", "schools", "id")],
    )
    db["classes"].create_index(["school_id", "code"], unique=True)
    # One row per Telegram user who consented. Nothing is stored before consent.
    db["caregivers"].create(
        {"telegram_id": int, "first_name": str, "language": str, "consent_at": str,
         "privacy_version": str, "created_at": str, "last_seen_at": str},
        pk="telegram_id",
    )
    # A child is known only by school, class and an optional label the parent gives.
    db["children"].create(
        {"id": int, "school_id": str, "class_id": str, "label": str, "created_at": str},
        pk="id", foreign_keys=[("school_id", "schools", "id"), ("class_id", "classes", "id")],
    )
    db["caregiver_children"].create(
        {"caregiver_id": int, "child_id": int, "relation": str, "linked_at": str},
        pk=("caregiver_id", "child_id"),
        foreign_keys=[("caregiver_id", "caregivers", "telegram_id"), ("child_id", "children", "id")],
    )
    # Staff, brugfiguren and school admins; one row per person and school.
    db["staff"].create(
        {"telegram_id": int, "school_id": str, "role": str, "name": str, "languages": str,
         "working_hours": str, "active": int, "created_at": str},
        pk=("telegram_id", "school_id"), foreign_keys=[("school_id", "schools", "id")],
    )
    db["invites"].create(
        {"token": str, "kind": str, "school_id": str, "class_id": str, "child_id": int,
         "role": str, "name": str, "created_by": str, "created_at": str, "expires_at": str,
         "max_uses": int, "uses": int},
        pk="token",
    )
    # A refusal of consent is counted, without anything that identifies the person.
    db["consent_refusals"].create({"id": int, "at": str, "school_id": str, "language": str}, pk="id")
    db["conversation_log"].create(
        {"id": int, "telegram_id": int, "direction": str, "text": str, "language": str,
         "topic": str, "confidence": float, "options": str, "handoff": int, "created_at": str,
         "expires_at": str},
        pk="id",
    )
    db["conversation_log"].create_index(["telegram_id"])
    db["conversation_log"].create_index(["expires_at"])
    db["audit_log"].create(
        {"id": int, "at": str, "actor": str, "role": str, "action": str, "school_id": str,
         "target": str, "details": str},
        pk="id",
    )


@migrations()
def m002_translation_cache(db: Database) -> None:
    """Machine translations, so the same sentence is never sent to a service twice."""
    db["translations"].create(
        {"key": str, "backend": str, "source": str, "target": str, "text": str, "translation": str,
         "created_at": str},
        pk="key",
    )


@migrations()
def m003_escalations(db: Database) -> None:
    """Hand-offs to a brugfiguur and every message relayed for them (a durable outbox)."""
    db["schools"].add_column("team_chat_id", int)
    db["escalations"].create(
        {"id": int, "school_id": str, "caregiver_id": int, "language": str, "topic": str, "reason": str,
         "status": str, "assigned_to": int, "claimed_by": int, "chat_id": int, "thread_id": int,
         "created_at": str, "claimed_at": str, "closed_at": str, "outcome": str, "announced_at": str,
         "announcements": int, "admin_flagged_at": str, "feedback": str},
        pk="id",
    )
    db["escalations"].create_index(["caregiver_id", "status"])
    db["escalations"].create_index(["school_id", "status"])
    db["outbox"].create(
        {"id": int, "escalation_id": int, "kind": str, "chat_id": int, "thread_id": int, "text": str,
         "buttons": str, "status": str, "attempts": int, "last_error": str, "created_at": str, "sent_at": str,
         "telegram_message_id": int, "source_text": str, "source_language": str},
        pk="id",
    )
    db["outbox"].create_index(["status"])
    db["outbox"].create_index(["chat_id", "telegram_message_id"])


@migrations()
def m004_durable_updates(db: Database) -> None:
    """Updates are stored before Telegram is told we have them; a relay is enqueued once per update."""
    db["inbox"].create({"update_id": int, "payload": str, "received_at": str}, pk="update_id")
    db["outbox"].add_column("update_key", str)
    db["outbox"].create_index(["update_key"], unique=True)


@migrations()
def m005_outbox_not_before(db: Database) -> None:
    """A row waiting for a retry says so in its own column instead of borrowing sent_at."""
    db["outbox"].add_column("not_before", str)
    db.execute("update outbox set not_before = sent_at, sent_at = null where status = 'pending' and sent_at is not null")
    db["outbox"].create_index(["status", "not_before"])


@migrations()
def m006_send_queue(db: Database) -> None:
    """One send queue for everything the bot says (replaces the outbox), a call list, erasable notes.

    Rows keep the outbox's ids, so "Dutch original" buttons on messages already sent keep working.
    Times that the dispatcher compares many times a second are epoch seconds (REAL).
    """
    db["send_queue"].create(
        {"id": int, "lane": int, "kind": str, "method": str, "chat_id": int, "thread_id": int, "payload": str,
         "attachment": bytes, "escalation_id": int, "caregiver_id": int, "status": str, "attempts": int,
         "due_at": float, "lease_until": float, "expires_at": float, "created_at": str, "sent_at": str,
         "telegram_message_id": int, "last_error": str, "source_text": str, "source_language": str,
         "dedupe_key": str, "purge_after": str},
        pk="id",
    )
    # the dispatcher's question: the oldest row of each chat that is not done yet
    db["send_queue"].create_index(["chat_id", "status", "id"])
    db["send_queue"].create_index(["status", "lane", "id"])
    db["send_queue"].create_index(["status", "due_at"])
    db["send_queue"].create_index(["escalation_id"])
    db["send_queue"].create_index(["caregiver_id"])
    db["send_queue"].create_index(["dedupe_key"], unique=True)
    db["send_queue"].create_index(["chat_id", "telegram_message_id"])
    if db["outbox"].exists():
        now = datetime.now(timezone.utc).timestamp()
        for row in db["outbox"].rows:
            buttons = json.loads(row["buttons"] or "[]")
            status = {"pending": "pending", "sent": "sent"}.get(row["status"], "failed")
            db["send_queue"].insert({
                "id": row["id"], "lane": 1 if row["kind"] in ("to_parent", "to_staff") else 2, "kind": row["kind"],
                "method": "sendMessage", "chat_id": row["chat_id"], "thread_id": row["thread_id"],
                "payload": json.dumps({"text": row["text"], "buttons": buttons}), "escalation_id": row["escalation_id"],
                "status": status, "attempts": row["attempts"] or 0, "due_at": now, "expires_at": now + 86400,
                "created_at": row["created_at"], "sent_at": row["sent_at"],
                "telegram_message_id": row["telegram_message_id"], "last_error": row["last_error"],
                "source_text": row["source_text"], "source_language": row["source_language"],
                "dedupe_key": row["update_key"]})
        db["outbox"].drop()
    db["caregivers"].add_column("unreachable_at", str)
    # families a brugfiguur should phone: unreachable on Telegram, an unacknowledged red reminder, ...
    db["call_list"].create(
        {"id": int, "school_id": str, "caregiver_id": int, "reason": str, "source": str, "created_at": str,
         "resolved_at": str},
        pk="id",
    )
    db["call_list"].create_index(["school_id", "resolved_at"])
    db["call_list"].create_index(["caregiver_id"])
    # internal notes of brugfiguren: their own table, so erasure and retention reach them
    db["escalation_notes"].create(
        {"id": int, "escalation_id": int, "author": int, "text": str, "created_at": str}, pk="id")
    db["escalation_notes"].create_index(["escalation_id"])
    db["escalations"].add_column("placed_at", str)
    db["translations"].add_column("owner", int)
    db["translations"].create_index(["owner"])
    db["translations"].create_index(["created_at"])


@migrations()
def m007_school_letters(db: Database) -> None:
    """A school's own letters (`schoolbrug letter add`), to recognise them in a parent's photo."""
    db["school_letters"].create(
        {"id": int, "school_id": str, "title": str, "text": str, "facts": str, "created_at": str,
         "created_by": str}, pk="id")
    db["school_letters"].create_index(["school_id"])


@migrations()
def m010_reminders(db: Database) -> None:
    """Colour-coded reminders from a school (bot/reminders.py): the reminder, one row per recipient with
    their answer, its translations (one per language), a family's choice for white reminders, and the
    classes a teacher may send to."""
    db["reminders"].create(
        {"id": int, "school_id": str, "colour": str, "title": str, "text": str, "template": str, "when_at": str,
         "place": str, "bring": str, "cost": float, "childcare": int, "interpreter": int, "audience": str,
         "send_at": str, "due_at": float, "rsvp": int, "deadline": str, "quiet_override": int, "paid": int,
         "follow_up_hours": float, "status": str, "fingerprint": str, "created_by": str, "created_at": str,
         "started_at": str, "deferred_reason": str, "status_chat_id": int, "status_message_id": int,
         "status_text": str, "status_edited_at": float, "purge_after": str},
        pk="id",
    )
    db["reminders"].create_index(["status", "due_at"])
    db["reminders"].create_index(["fingerprint"])
    db["reminder_recipients"].create(
        {"reminder_id": int, "caregiver_id": int, "school_id": str, "class_code": str, "language": str,
         "status": str, "due_at": float, "sent_at": str, "message_id": int, "seen_at": str, "rsvp": str,
         "rsvp_note": str, "rsvp_at": str, "awaiting_note": str, "resent_at": str, "called_at": str,
         "failed_reason": str},
        pk=("reminder_id", "caregiver_id"),
    )
    db["reminder_recipients"].create_index(["caregiver_id"])
    db["reminder_recipients"].create_index(["status", "due_at"])
    db["reminder_texts"].create(
        {"reminder_id": int, "language": str, "text": str, "machine": int, "created_at": str},
        pk=("reminder_id", "language"),
    )
    db["reminder_prefs"].create({"caregiver_id": int, "white": str, "updated_at": str}, pk="caregiver_id")
    db["staff"].add_column("classes", str)  # a teacher's class codes, JSON (schoolbrug remind teach)


@migrations()
def m020_votes(db: Database) -> None:
    """Sticker votes (bot/votes.py). One set of stickers per caregiver and vote is a constraint of the
    database: a sticker takes a numbered slot, (vote, caregiver, slot) is unique, and a trigger refuses a
    slot beyond the vote's allowance, a second sticker on one option when stacking is off, and any
    sticker on a vote that is not open. Conversation cards (seed 002) keep a parent's answer to a card."""
    for statement in (
            """create table votes (
    id integer primary key, school_id text not null references schools(id), question text not null,
    options_json text not null, stickers integer not null check (stickers between 1 and 30),
    stack integer not null default 0, audience_json text not null, opens_at text not null,
    closes_at text not null, anonymous integer not null default 1,
    status text not null default 'scheduled' check (status in ('scheduled', 'open', 'closed')),
    translations_json text not null default '{}', created_by text, created_at text, opened_at text,
    closed_at text, participants integer, stickers_placed integer, tally_json text, chart_sent_at text,
    source text)""",
            """create index votes_status on votes(status, opens_at, closes_at)""",
            """-- who got the vote (and the message it is in); took_part says nothing about what they chose
create table vote_ballots (
    vote_id integer not null references votes(id), caregiver_id integer not null, language text,
    chat_id integer, message_id integer, rev integer not null default 0, took_part integer not null default 0,
    primary key (vote_id, caregiver_id))""",
            """create index vote_ballots_caregiver on vote_ballots(caregiver_id)""",
            """create table vote_placements (
    vote_id integer not null references votes(id), caregiver_id integer not null,
    slot integer not null check (slot >= 1), option_id text not null, placed_at text,
    primary key (vote_id, caregiver_id, slot))""",
            """create index vote_placements_caregiver on vote_placements(caregiver_id)""",
            """create trigger vote_placements_allowance before insert on vote_placements
begin
    select raise(abort, 'the vote is not open')
     where (select status from votes where id = new.vote_id) is not 'open';
    select raise(abort, 'no sticker left')
     where new.slot > (select stickers from votes where id = new.vote_id);
    select raise(abort, 'one sticker per option')
     where (select stack from votes where id = new.vote_id) = 0
       and exists (select 1 from vote_placements where vote_id = new.vote_id
                   and caregiver_id = new.caregiver_id and option_id = new.option_id);
end""",
            """create trigger vote_placements_open before update on vote_placements
begin
    select raise(abort, 'the vote is not open')
     where (select status from votes where id = new.vote_id) is not 'open';
end""",
            """create table vote_announcements (
    id integer primary key, vote_id integer not null references votes(id), text text not null,
    author integer, created_at text)""",
            """-- conversation cards: a round, the cards sent to parents, and the parents' answers
create table card_rounds (
    id integer primary key, school_id text not null references schools(id), audience_json text not null,
    starts_at text not null, every_hours real not null, status text not null default 'running',
    cards_sent integer not null default 0,
    created_by text, created_at text, themes_json text, vote_id integer)""",
            """create table card_prompts (
    round_id integer not null references card_rounds(id), caregiver_id integer not null, card integer not null,
    language text, sent_at text, answered_at text, primary key (round_id, caregiver_id, card))""",
            """create index card_prompts_caregiver on card_prompts(caregiver_id)""",
            """create table card_answers (
    id integer primary key, round_id integer not null references card_rounds(id), caregiver_id integer,
    card integer not null, language text, text text not null, dutch text, theme text, created_at text)""",
            """create index card_answers_round on card_answers(round_id, card)""",
            """create index card_answers_caregiver on card_answers(caregiver_id)""",
    ):
        db.execute(statement)


def open_db(path: Path | str) -> Database:
    """Open (creating if needed) the database in WAL mode and apply pending migrations."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30, isolation_level=None)
    db = Database(conn)
    if str(path) != ":memory:":
        db.enable_wal()
    # WAL with synchronous=NORMAL: a commit survives a crash of the process (kill -9), and the event loop does
    # not wait ~4 ms for the disk on every commit (an OS crash or power cut may lose the last commits)
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 30000")
    migrations.apply(db)
    return db
