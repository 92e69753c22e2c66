"""Reading and writing the bot's data. Every SQL statement of the bot lives here.

Need-to-know: a caregiver row exists only after consent; a refusal is counted
without identity; erasure and retention live in bot/privacy.py, which knows
every table that holds a person's words.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError

from bot.db import utcnow
from bot.profile import SchoolProfile

PARENT_INVITE = "parent"  # links a parent to a school and class
FAMILY_INVITE = "family"  # links another caregiver to the same child
STAFF_ROLES = ("staff", "brugfiguur", "admin")
RELATIONS = ("mother", "father", "grandparent", "foster", "sibling", "other")
PRIVACY_VERSION = "2026-11"


def _in(days: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat(timespec="seconds")


# ----------------------------------------------------------------- schools
def upsert_school(db: Database, profile: SchoolProfile, path: str, actor: str = "cli") -> dict[str, int]:
    """Create or update a school and its classes from a validated profile, in one transaction."""
    stats = {"classes_added": 0, "classes_updated": 0}
    with db.atomic():
        db["schools"].upsert(
            {"id": profile.id, "name": profile.name, "profile_json": profile.json(by_alias=True),
             "profile_path": path, "retention_days": profile.retention_days, "updated_at": utcnow()},
            pk="id",
        )
        existing = {r["id"] for r in db["classes"].rows_where("school_id = ?", [profile.id])}
        for cls in profile.classes:
            class_id = f"{profile.id}:{cls.id}"
            stats["classes_updated" if class_id in existing else "classes_added"] += 1
            db["classes"].upsert({"id": class_id, "school_id": profile.id, "code": cls.id, "name": cls.name,
                                  "teacher": cls.teacher or ""}, pk="id")
        audit(db, actor, "admin", "school_upsert", profile.id, profile.id, stats)
    return stats


def get_school(db: Database, school_id: str) -> dict[str, Any] | None:
    try:
        row = db["schools"].get(school_id)
    except NotFoundError:
        return None
    return {**row, "profile": json.loads(row["profile_json"])}


def list_schools(db: Database) -> list[dict[str, Any]]:
    return list(db["schools"].rows_where(select="id, name, updated_at", order_by="id"))


def get_class(db: Database, class_id: str) -> dict[str, Any] | None:
    try:
        return db["classes"].get(class_id)
    except NotFoundError:
        return None


def find_class(db: Database, school_id: str, code: str) -> dict[str, Any] | None:
    rows = list(db["classes"].rows_where("school_id = ? and lower(code) = lower(?)", [school_id, code]))
    return rows[0] if rows else None


# ------------------------------------------------------------------ invites
def create_invite(db: Database, kind: str, school_id: str, *, class_id: str | None = None,
                  child_id: int | None = None, role: str | None = None, name: str | None = None,
                  created_by: str = "cli", days_valid: float = 365, max_uses: int = 0) -> str:
    """A random token for a Telegram deep link (`t.me/<bot>?start=<token>`). max_uses 0 = unlimited."""
    token = secrets.token_urlsafe(9)  # 12 characters of [A-Za-z0-9_-]
    db["invites"].insert({"token": token, "kind": kind, "school_id": school_id, "class_id": class_id,
                          "child_id": child_id, "role": role, "name": name, "created_by": created_by,
                          "created_at": utcnow(), "expires_at": _in(days_valid), "max_uses": max_uses,
                          "uses": 0})
    audit(db, created_by, role or "staff", "invite_create", school_id, token[:4] + "…",
          {"kind": kind, "class_id": class_id, "role": role})
    return token


def valid_invite(db: Database, token: str | None) -> dict[str, Any] | None:
    """The invite behind a token, or None when unknown, expired or used up."""
    if not token:
        return None
    try:
        invite = db["invites"].get(token)
    except NotFoundError:
        return None
    if invite["expires_at"] < utcnow():
        return None
    if invite["max_uses"] and invite["uses"] >= invite["max_uses"]:
        return None
    return invite


def use_invite(db: Database, token: str) -> None:
    db.execute("update invites set uses = uses + 1 where token = ?", [token])


# --------------------------------------------------------------- caregivers
def get_caregiver(db: Database, telegram_id: int) -> dict[str, Any] | None:
    try:
        return db["caregivers"].get(telegram_id)
    except NotFoundError:
        return None


def create_caregiver(db: Database, telegram_id: int, first_name: str, language: str) -> dict[str, Any]:
    now = utcnow()
    db["caregivers"].upsert({"telegram_id": telegram_id, "first_name": first_name[:64], "language": language,
                             "consent_at": now, "privacy_version": PRIVACY_VERSION, "created_at": now,
                             "last_seen_at": now}, pk="telegram_id")
    return db["caregivers"].get(telegram_id)


def set_language(db: Database, telegram_id: int, language: str) -> None:
    db["caregivers"].update(telegram_id, {"language": language})


def touch_caregiver(db: Database, telegram_id: int) -> None:
    db.execute("update caregivers set last_seen_at = ? where telegram_id = ?", [utcnow(), telegram_id])


def link_child(db: Database, telegram_id: int, invite: dict[str, Any], relation: str) -> dict[str, Any]:
    """Link a caregiver to a child: a new child in the invite's class, or the family invite's child."""
    with db.atomic():
        if invite["kind"] == FAMILY_INVITE and invite["child_id"]:
            child_id = invite["child_id"]
        else:
            child_id = db["children"].insert({"school_id": invite["school_id"], "class_id": invite["class_id"],
                                              "label": "", "created_at": utcnow()}).last_pk
        db["caregiver_children"].upsert({"caregiver_id": telegram_id, "child_id": child_id,
                                         "relation": relation, "linked_at": utcnow()},
                                        pk=("caregiver_id", "child_id"))
        use_invite(db, invite["token"])
    return db["children"].get(child_id)


def children_of(db: Database, telegram_id: int) -> list[dict[str, Any]]:
    return list(db.query(
        """select ch.id as child_id, ch.school_id, ch.class_id, cc.relation, s.name as school_name,
                  c.name as class_name, c.teacher
           from caregiver_children cc join children ch on ch.id = cc.child_id
           join schools s on s.id = ch.school_id left join classes c on c.id = ch.class_id
           where cc.caregiver_id = ? order by cc.linked_at""", [telegram_id]))


def already_linked_to_class(db: Database, telegram_id: int, class_id: str | None) -> bool:
    return any(c["class_id"] == class_id for c in children_of(db, telegram_id))


def record_refusal(db: Database, school_id: str | None, language: str) -> None:
    db["consent_refusals"].insert({"at": utcnow()[:10], "school_id": school_id, "language": language})


# -------------------------------------------------------------------- staff
def add_staff(db: Database, telegram_id: int, school_id: str, role: str, name: str,
              languages: Iterable[str] = ("nl",), actor: str = "cli") -> None:
    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(STAFF_ROLES)}")
    db["staff"].upsert({"telegram_id": telegram_id, "school_id": school_id, "role": role, "name": name[:64],
                        "languages": json.dumps(sorted(set(languages))), "working_hours": "",
                        "active": 1, "created_at": utcnow()}, pk=("telegram_id", "school_id"))
    audit(db, actor, "admin", "staff_add", school_id, str(telegram_id), {"role": role})


def staff_roles(db: Database, telegram_id: int) -> list[dict[str, Any]]:
    return list(db["staff"].rows_where("telegram_id = ? and active = 1", [telegram_id]))


def list_people(db: Database, school_id: str | None = None) -> list[dict[str, Any]]:
    where, args = ("where s.school_id = ?", [school_id]) if school_id else ("", [])
    staff = [dict(r, kind="staff") for r in db.query(
        f"select s.telegram_id, s.school_id, s.role, s.name, s.languages from staff s {where} "
        "order by s.school_id, s.role, s.name", args)]
    where = "where ch.school_id = ?" if school_id else ""
    parents = [dict(r, kind="parent", role="parent") for r in db.query(
        f"""select cg.telegram_id, ch.school_id, cg.first_name as name, cg.language,
                   group_concat(c.code || ' (' || cc.relation || ')', ', ') as classes
            from caregivers cg join caregiver_children cc on cc.caregiver_id = cg.telegram_id
            join children ch on ch.id = cc.child_id left join classes c on c.id = ch.class_id
            {where} group by cg.telegram_id, ch.school_id order by ch.school_id, cg.first_name""", args)]
    return staff + parents


# --------------------------------------------------------------------- logs
def retention_days_for(db: Database, telegram_id: int, default: int) -> int:
    row = db.execute(
        """select min(s.retention_days) from caregiver_children cc join children ch on ch.id = cc.child_id
           join schools s on s.id = ch.school_id where cc.caregiver_id = ?""", [telegram_id]).fetchone()
    return int(row[0]) if row and row[0] else default


def log_message(db: Database, telegram_id: int, direction: str, text: str, language: str | None,
                retention_days: int, topic: str | None = None, confidence: float | None = None,
                options: list[str] | None = None, handoff: bool = False) -> None:
    db["conversation_log"].insert({"telegram_id": telegram_id, "direction": direction, "text": text,
                                   "language": language, "topic": topic, "confidence": confidence,
                                   "options": json.dumps(options or []), "handoff": int(handoff),
                                   "created_at": utcnow(), "expires_at": _in(retention_days)})


def message_count(db: Database, telegram_id: int) -> int:
    return db.execute("select count(*) from conversation_log where telegram_id = ?", [telegram_id]).fetchone()[0]


def audit(db: Database, actor: str, role: str, action: str, school_id: str | None, target: str,
          details: dict[str, Any] | None = None) -> None:
    db["audit_log"].insert({"at": utcnow(), "actor": actor, "role": role, "action": action,
                            "school_id": school_id, "target": target, "details": json.dumps(details or {})})


@dataclass
class Roles:
    """Who a Telegram user is, looked up fresh for every command."""

    telegram_id: int
    is_parent: bool
    staff: list[dict[str, Any]]

    def schools_with(self, *roles: str) -> list[str]:
        return [s["school_id"] for s in self.staff if s["role"] in roles]

    def has(self, *roles: str) -> bool:
        return bool(self.schools_with(*roles)) or ("parent" in roles and self.is_parent)


def roles_of(db: Database, telegram_id: int) -> Roles:
    return Roles(telegram_id, get_caregiver(db, telegram_id) is not None, staff_roles(db, telegram_id))
