"""Colour-coded reminders from a school, as a domain service that knows nothing of Telegram.

A secretary writes once, in Dutch (a YAML file, the CLI or /remind); every caregiver in
the audience receives it in their own language with the parents' colour code (BRIEF §3C,
seed 001) and answers with one tap. Life of a reminder:

    create  → `scheduled` (due_at = send time) ─ the bot's reminder loop: `start_due` ─►
    `active`: one `reminder_recipients` row per family, each with its own due time
              (quiet hours, the frequency cap and the white digest may move it) ─ `queue_due` ─►
    the send queue (BROADCAST lane, dedupe key reminder:<id>:<caregiver>, one transaction)
    ─ on_sent / on_failed ─► recipient `sent` / `failed` (a red one: the call list)
    taps ✅ / RSVP ─► `answer`; an unseen red reminder is sent once more, then the family goes on
    the brugfiguur's call list (`follow_up`).

The structured part (what kind, when, where, what to bring, cost, childcare, interpreter) is
rendered in the parent's language without machine translation: Babel for dates and amounts,
content/reminders.yml for items and templates. The Dutch free text is translated once per
reminder and language when a service is configured (`reminder_texts`), always marked, with the
Dutch original beside it. Every function that changes state does it in one transaction.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable
from zoneinfo import ZoneInfo

import yaml
from sqlite_utils import Database

from bot import escalations, send_queue, store
from bot.config import PROJECT_ROOT
from bot.db import utcnow
from bot.i18n import tr
from bot.languages import SOURCE_LANGUAGE
from bot.send_queue import BROADCAST, ROW_ID, STAFF, Outgoing

BRUSSELS = ZoneInfo("Europe/Brussels")
CATALOGUE = PROJECT_ROOT / "content" / "reminders.yml"
COLOURS = ("red", "green", "orange", "white")
EMOJI = {"red": "🔴", "green": "🟢", "orange": "🟠", "white": "⚪"}
RSVP = ("yes", "no", "yes_if", "no_unless")
ANSWERS = ("seen", *RSVP)
QUIET_HOURS: tuple[str, str] | None = ("20:00", "07:00")  # nothing in between, nor at weekends or holidays
CAP_PER_DAY = 3  # reminders (other than red) a family receives in 24 hours; more wait for the next day
DIGEST_AT = "17:00"  # when a family that chose the digest gets the day's white reminders
BALANCE_DAYS = 30  # the period in which red should not outnumber green + white (seed 001)
PAID_STAR_COST = 0.1  # Stars per message with allow_paid_broadcast
FIELDS = ("school", "colour", "title", "text", "template", "when", "place", "bring", "cost", "childcare",
          "interpreter", "audience", "send_at", "rsvp", "deadline", "quiet_hours_override", "paid",
          "follow_up_hours")


class ReminderError(ValueError):
    """A reminder that cannot be accepted, with every problem named by its field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__("\n".join(f"{source}: {p}" for p in problems))
        self.problems = problems


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Any]:
    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))


def _word(entry: dict[str, str], lang: str) -> str:
    return entry.get(lang) or entry.get("en") or entry.get(SOURCE_LANGUAGE) or ""


# ------------------------------------------------------------------ validate
def _local(value: Any, field_name: str, problems: list[str]) -> str | None:
    if value in (None, ""):
        return None
    text = value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value).strip()
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M").strftime("%Y-%m-%d %H:%M")
    except ValueError:
        problems.append(f"{field_name}: {text!r} is not a date and time like 2027-03-14 19:30")
        return None


def validate(data: Any, db: Database, source: str = "<reminder>", now: datetime | None = None) -> dict[str, Any]:
    """Check a reminder as written (a YAML file's mapping or the guided conversation's answers) and return
    the fields to store. Raises ReminderError naming every problem with its field."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ReminderError(source, ["the file must hold a mapping of fields (school:, colour:, title:, ...)"])
    for key in data:
        if key not in FIELDS:
            problems.append(f"{key}: unknown field (known: {', '.join(FIELDS)})")
    template = None
    if data.get("template"):
        template = catalogue()["templates"].get(str(data["template"]))
        if template is None:
            problems.append(f"template: unknown template {data['template']!r} "
                            f"(known: {', '.join(catalogue()['templates'])})")
    merged = {k: v for k, v in (template or {}).items() if k != "name"}
    merged.update({k: v for k, v in data.items() if v is not None})
    school = store.get_school(db, str(merged.get("school") or ""))
    if not merged.get("school"):
        problems.append("school: missing (the school's profile id, e.g. de-regenboog)")
    elif school is None:
        problems.append(f"school: no school {merged['school']!r}; load its profile first (schoolbrug school load)")
    colour = str(merged.get("colour") or "").lower()
    if colour not in COLOURS:
        problems.append(f"colour: {merged.get('colour')!r} must be one of red, green, orange, white")
    title = str(merged.get("title") or "").strip()
    text = str(merged.get("text") or "").strip()
    if not title:
        problems.append("title: missing (a few words in Dutch)")
    elif len(title) > 120:
        problems.append("title: longer than 120 characters")
    if not text:
        problems.append("text: missing (the message in Dutch)")
    elif len(text) > 1500:
        problems.append("text: longer than 1500 characters (a phone screen); shorten it")
    when = _local(merged.get("when"), "when", problems)
    deadline = _local(merged.get("deadline"), "deadline", problems)
    send_at = merged.get("send_at", "now")
    send_at = "now" if str(send_at).strip().lower() in ("", "now") else _local(send_at, "send_at", problems)
    bring = merged.get("bring") or []
    if isinstance(bring, str):
        bring = [bring]
    if not isinstance(bring, list) or not all(isinstance(b, (str, int, float)) for b in bring):
        problems.append("bring: must be a list of items, e.g. [gym_clothes, water_bottle]")
        bring = []
    cost = merged.get("cost")
    if cost not in (None, ""):
        try:
            cost = round(float(str(cost).replace("€", "").replace(",", ".").strip()), 2)
            if cost < 0:
                raise ValueError
        except ValueError:
            problems.append(f"cost: {merged.get('cost')!r} is not an amount in euro, e.g. 4.50")
            cost = None
    else:
        cost = None
    audience = merged.get("audience", "all")
    classes: list[str] = []
    languages: list[str] = []
    if audience != "all":
        if not isinstance(audience, dict) or not set(audience) <= {"classes", "languages"} or not audience:
            problems.append("audience: 'all' or {classes: [L1A, ...]} (optionally languages: [ar, tr])")
        else:
            classes = [str(c) for c in audience.get("classes") or []]
            languages = [str(c) for c in audience.get("languages") or []]
            if school is not None:
                known = {r["code"].lower(): r["code"] for r in db["classes"].rows_where("school_id = ?",
                                                                                       [school["id"]])}
                unknown = [c for c in classes if c.lower() not in known]
                if unknown:
                    problems.append(f"audience: no class {', '.join(unknown)} at {school['id']} "
                                    f"(classes: {', '.join(sorted(known.values()))})")
                classes = [known.get(c.lower(), c) for c in classes]
    flags = {}
    for name in ("rsvp", "childcare", "interpreter", "quiet_hours_override", "paid"):
        value = merged.get(name, False)
        if not isinstance(value, bool):
            problems.append(f"{name}: must be true or false")
            value = False
        flags[name] = value
    if flags["quiet_hours_override"] and colour != "red":
        problems.append("quiet_hours_override: only a red reminder may be sent in quiet hours")
    if deadline and not flags["rsvp"]:
        problems.append("deadline: only with rsvp: true")
    try:
        follow_up_hours = float(merged.get("follow_up_hours", 24))
    except (TypeError, ValueError):
        problems.append("follow_up_hours: a number of hours")
        follow_up_hours = 24.0
    if problems:
        raise ReminderError(source, problems)
    return {"school_id": school["id"], "colour": colour, "title": title, "text": text,
            "template": str(data["template"]) if template else None, "when_at": when,
            "place": str(merged.get("place") or "").strip() or None, "bring": json.dumps([str(b) for b in bring]),
            "cost": cost, "childcare": int(flags["childcare"]), "interpreter": int(flags["interpreter"]),
            "audience": json.dumps({"classes": classes, "languages": languages} if audience != "all" else "all"),
            "send_at": send_at, "rsvp": int(flags["rsvp"]), "deadline": deadline,
            "quiet_override": int(flags["quiet_hours_override"]), "paid": int(flags["paid"]),
            "follow_up_hours": follow_up_hours}


def load_file(path: Path | str, db: Database) -> dict[str, Any]:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReminderError(str(path), ["file not found"]) from None
    except yaml.YAMLError as err:
        raise ReminderError(str(path), [f"not valid YAML: {err}"]) from None
    return validate(data, db, str(path))


# -------------------------------------------------------------------- create
@dataclass
class Created:
    id: int
    new: bool
    recipients: int
    warnings: list[str] = field(default_factory=list)
    paid_cost_stars: float = 0.0


def _epoch(local: str, tz: ZoneInfo) -> float:
    return datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=tz).timestamp()


def teacher_classes(db: Database, staff_id: int, school_id: str) -> list[str]:
    """The class codes a teacher may send to: set with `schoolbrug remind teach`, else the classes whose
    profile names them as teacher."""
    row = db.execute("select name, classes from staff where telegram_id = ? and school_id = ? and active = 1",
                     [staff_id, school_id]).fetchone()
    if row is None:
        return []
    if row[1]:
        return json.loads(row[1])
    return [r[0] for r in db.execute("select code from classes where school_id = ? and lower(teacher) = lower(?)",
                                     [school_id, row[0]])]


def may_send(db: Database, staff_id: int, fields: dict[str, Any]) -> str | None:
    """None when `staff_id` may send this reminder; else why not (in Dutch, for the sender)."""
    role = escalations.role_at(db, staff_id, fields["school_id"])
    if role is None:
        return "Je kan alleen berichten sturen naar je eigen school."
    if role in ("admin", "brugfiguur"):
        return None
    audience = json.loads(fields["audience"])
    own = {c.lower() for c in teacher_classes(db, staff_id, fields["school_id"])}
    if audience == "all" or not audience.get("classes"):
        return "Als leerkracht stuur je berichten naar je eigen klassen: kies een klas."
    other = [c for c in audience["classes"] if c.lower() not in own]
    if other:
        return f"Je kan alleen naar je eigen klassen sturen; {', '.join(other)} is niet jouw klas."
    return None


def recipients_for(db: Database, fields: dict[str, Any]) -> list[dict[str, Any]]:
    """Every caregiver of a child in the audience, once (the first child's class)."""
    audience = json.loads(fields["audience"])
    where, args = ["ch.school_id = ?"], [fields["school_id"]]
    if audience != "all":
        if audience.get("classes"):
            where.append(f"c.code in ({', '.join('?' * len(audience['classes']))})")
            args += audience["classes"]
        if audience.get("languages"):
            where.append(f"cg.language in ({', '.join('?' * len(audience['languages']))})")
            args += audience["languages"]
    return list(db.query(
        f"""select cg.telegram_id as caregiver_id, cg.language, min(c.code) as class_code
            from caregivers cg join caregiver_children cc on cc.caregiver_id = cg.telegram_id
            join children ch on ch.id = cc.child_id left join classes c on c.id = ch.class_id
            where {' and '.join(where)} group by cg.telegram_id order by cg.telegram_id""", args))


def balance_warning(db: Database, fields: dict[str, Any], people: list[dict[str, Any]],
                    now: datetime | None = None) -> str | None:
    """Seed 001: three positives before one negative. Families that would get more red than green and white
    in the last BALANCE_DAYS days (counting this reminder)."""
    if fields["colour"] != "red" or not people:
        return None
    since = ((now or datetime.now(timezone.utc)) - timedelta(days=BALANCE_DAYS)).isoformat(timespec="seconds")
    counts = {r[0]: (r[1], r[2]) for r in db.execute(
        """select rr.caregiver_id, sum(r.colour = 'red'), sum(r.colour in ('green', 'white'))
           from reminder_recipients rr join reminders r on r.id = rr.reminder_id
           where r.created_at >= ? and r.status != 'cancelled' group by rr.caregiver_id""", [since])}
    heavy = sum(1 for p in people if counts.get(p["caregiver_id"], (0, 0))[0] + 1 >
                counts.get(p["caregiver_id"], (0, 0))[1])
    if not heavy:
        return None
    return (f"Let op: {heavy} van de {len(people)} gezinnen krijgen hiermee meer rode dan groene en witte "
            f"berichten in {BALANCE_DAYS} dagen. Stuur ook eens goed nieuws (drie positieve voor één negatief).")


def fingerprint(fields: dict[str, Any]) -> str:
    keys = ("school_id", "colour", "title", "text", "when_at", "place", "bring", "audience", "send_at")
    return hashlib.sha256(json.dumps([fields[k] for k in keys], ensure_ascii=False).encode()).hexdigest()[:32]


def create(db: Database, fields: dict[str, Any], created_by: str = "cli", tz: ZoneInfo = BRUSSELS,
           paid_allowed: bool = False, retention_days: int = 180, now: datetime | None = None) -> Created:
    """Store a validated reminder (`validate`); the bot's reminder loop sends it at its time. Creating the
    same reminder again (same school, text, time and audience) returns the first one: it cannot send twice."""
    now = now or datetime.now(timezone.utc)
    fp = fingerprint(fields)
    with db.atomic():
        people = recipients_for(db, fields)
        existing = db.execute("select id from reminders where fingerprint = ? and status != 'cancelled'",
                              [fp]).fetchone()
        if existing:
            return Created(existing[0], False, len(people))
        warnings = [w for w in [balance_warning(db, fields, people, now)] if w]
        paid = bool(fields["paid"]) and paid_allowed
        if fields["paid"] and not paid_allowed:
            warnings.append("Betaalde verzending staat uit in deze installatie (SCHOOLBRUG_PAID_BROADCAST); "
                            "het bericht gaat aan het gewone tempo (30 per seconde).")
        due = now.timestamp() if fields["send_at"] == "now" else _epoch(fields["send_at"], tz)
        row = {**fields, "paid": int(paid), "due_at": due, "status": "scheduled", "fingerprint": fp,
               "created_by": created_by, "created_at": now.isoformat(timespec="seconds"),
               "purge_after": (now + timedelta(days=retention_days)).isoformat(timespec="seconds")}
        rid = db["reminders"].insert(row).last_pk
        store.audit(db, created_by, "staff" if created_by != "cli" else "admin", "reminder_create",
                    fields["school_id"], f"reminder:{rid}", {"colour": fields["colour"], "recipients": len(people)})
        return Created(rid, True, len(people), warnings, round(len(people) * PAID_STAR_COST, 1) if paid else 0.0)


def get(db: Database, reminder_id: int) -> dict[str, Any] | None:
    rows = list(db["reminders"].rows_where("id = ?", [reminder_id], limit=1))
    return rows[0] if rows else None


def list_for(db: Database, school_id: str | None = None) -> list[dict[str, Any]]:
    where, args = ("school_id = ?", [school_id]) if school_id else (None, [])
    return list(db["reminders"].rows_where(where, args, order_by="id desc", limit=200))


def cancel(db: Database, reminder_id: int, actor: str = "cli") -> int:
    """Stop what has not gone out yet. Returns the messages withdrawn from the send queue."""
    with db.atomic():
        rem = get(db, reminder_id)
        if rem is None or rem["status"] == "cancelled":
            return 0
        withdrawn = db.execute("delete from send_queue where kind = 'reminder' and status in ('pending', 'held') "
                               "and dedupe_key like ?", [f"reminder:{reminder_id}:%"]).rowcount
        db.execute("update reminder_recipients set status = 'cancelled' where reminder_id = ? "
                   "and status in ('waiting', 'digest', 'queued') and sent_at is null", [reminder_id])
        db["reminders"].update(reminder_id, {"status": "cancelled"})
        store.audit(db, actor, "staff", "reminder_cancel", rem["school_id"], f"reminder:{reminder_id}",
                    {"withdrawn": withdrawn})
        return withdrawn


# -------------------------------------------------------- quiet hours, start
def _days_off(school: dict[str, Any] | None) -> set[date]:
    profile = (school or {}).get("profile") or {}
    off: set[date] = set()
    for h in profile.get("holidays") or []:
        start, end = date.fromisoformat(str(h["from"])), date.fromisoformat(str(h["to"]))
        off.update(start + timedelta(days=n) for n in range((end - start).days + 1))
    for d in profile.get("free_days") or []:
        off.add(date.fromisoformat(str(d["date"])))
    return off


def is_quiet(moment: datetime, school: dict[str, Any] | None, tz: ZoneInfo = BRUSSELS) -> bool:
    """Quiet hours: 20:00–07:00, weekends, the school's holidays and free days."""
    if QUIET_HOURS is None:
        return False
    local = moment.astimezone(tz)
    start, end = (dtime.fromisoformat(t) for t in QUIET_HOURS)
    if local.weekday() >= 5 or local.date() in _days_off(school):
        return True
    t = local.time()
    return t >= start or t < end if start > end else start <= t < end


def next_allowed(moment: datetime, school: dict[str, Any] | None, tz: ZoneInfo = BRUSSELS) -> datetime:
    """The first moment at or after `moment` outside quiet hours."""
    if QUIET_HOURS is None or not is_quiet(moment, school, tz):
        return moment
    end = dtime.fromisoformat(QUIET_HOURS[1])
    local = moment.astimezone(tz)
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    for _ in range(400):
        candidate = datetime.combine(day, end, tzinfo=tz)
        if not is_quiet(candidate, school, tz):
            return candidate
        day += timedelta(days=1)
    return moment


def white_mode(db: Database, caregiver_id: int) -> str:
    row = db.execute("select white from reminder_prefs where caregiver_id = ?", [caregiver_id]).fetchone()
    return row[0] if row else "now"


def set_white_mode(db: Database, caregiver_id: int, mode: str) -> None:
    if mode not in ("now", "digest"):
        raise ValueError(mode)
    db["reminder_prefs"].upsert({"caregiver_id": caregiver_id, "white": mode, "updated_at": utcnow()},
                                pk="caregiver_id")


def due(db: Database, now: float) -> list[int]:
    return [r[0] for r in db.execute("select id from reminders where status = 'scheduled' and due_at <= ? "
                                     "order by due_at", [now])]


def start(db: Database, reminder_id: int, now: datetime | None = None, tz: ZoneInfo = BRUSSELS) -> str:
    """A reminder's time has come: respect quiet hours (red with the override goes anyway, silently), then
    fix its recipients, each with their own due time (frequency cap, digest). Returns the new status."""
    now = now or datetime.now(timezone.utc)
    with db.atomic():
        rem = get(db, reminder_id)
        if rem is None or rem["status"] != "scheduled":
            return rem["status"] if rem else "gone"
        school = store.get_school(db, rem["school_id"])
        if is_quiet(now, school, tz) and not (rem["colour"] == "red" and rem["quiet_override"]):
            later = next_allowed(now, school, tz)
            db["reminders"].update(reminder_id, {"due_at": later.timestamp(),
                                                 "deferred_reason": f"stille uren: verschoven naar {later:%Y-%m-%d %H:%M}"})
            return "deferred"
        people = recipients_for(db, rem)
        day_ago = (now - timedelta(hours=24)).isoformat(timespec="seconds")
        recent = {r[0]: r[1] for r in db.execute(
            """select rr.caregiver_id, count(*) from reminder_recipients rr join reminders r on r.id = rr.reminder_id
               where rr.sent_at >= ? and r.colour != 'red' group by rr.caregiver_id""", [day_ago])}
        digest_at = _next_digest(now, school, tz)
        rows = []
        for p in people:
            due_at, status = now.timestamp(), "waiting"
            if rem["colour"] == "white" and white_mode(db, p["caregiver_id"]) == "digest":
                due_at, status = digest_at.timestamp(), "digest"
            elif rem["colour"] != "red" and recent.get(p["caregiver_id"], 0) >= CAP_PER_DAY:
                due_at = next_allowed(now + timedelta(hours=24), school, tz).timestamp()
            rows.append({"reminder_id": reminder_id, "caregiver_id": p["caregiver_id"], "school_id": rem["school_id"],
                         "class_code": p["class_code"], "language": p["language"], "status": status,
                         "due_at": due_at})
        db["reminder_recipients"].insert_all(rows, pk=("reminder_id", "caregiver_id"), ignore=True, batch_size=500)
        db["reminders"].update(reminder_id, {"status": "active", "started_at": now.isoformat(timespec="seconds")})
        return "active"


def _next_digest(now: datetime, school: dict[str, Any] | None, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    at = datetime.combine(local.date(), dtime.fromisoformat(DIGEST_AT), tzinfo=tz)
    if at <= local:
        at += timedelta(days=1)
    return next_allowed(at, school, tz)


def languages_waiting(db: Database, reminder_id: int, now: float) -> list[str]:
    return [r[0] for r in db.execute("select distinct language from reminder_recipients where reminder_id = ? "
                                     "and status = 'waiting' and due_at <= ?", [reminder_id, now])]


def reminders_waiting(db: Database, now: float) -> list[int]:
    return [r[0] for r in db.execute("select distinct reminder_id from reminder_recipients where status = 'waiting' "
                                     "and due_at <= ?", [now])]


def store_translation(db: Database, reminder_id: int, language: str, text: str, machine: bool = True) -> None:
    db["reminder_texts"].upsert({"reminder_id": reminder_id, "language": language, "text": text,
                                 "machine": int(machine), "created_at": utcnow()}, pk=("reminder_id", "language"))


def translation_of(db: Database, reminder_id: int, language: str) -> str | None:
    row = db.execute("select text from reminder_texts where reminder_id = ? and language = ?",
                     [reminder_id, language]).fetchone()
    return row[0] if row else None


def queue_due(db: Database, reminder_id: int, now: datetime | None = None, tz: ZoneInfo = BRUSSELS,
              useful_hours: float = 24.0, retention_days: int = 180) -> int:
    """Put every recipient whose time has come into the send queue: one row each, in ONE transaction.
    The dedupe key makes a second call (a crash, a replay) a no-op for rows already queued."""
    now = now or datetime.now(timezone.utc)
    with db.atomic():
        rem = get(db, reminder_id)
        if rem is None or rem["status"] != "active":
            return 0
        school = store.get_school(db, rem["school_id"])
        quiet = is_quiet(now, school, tz)
        people = list(db.query("select * from reminder_recipients where reminder_id = ? and status = 'waiting' "
                               "and due_at <= ?", [reminder_id, now.timestamp()]))
        texts = {r["language"]: r["text"] for r in db["reminder_texts"].rows_where("reminder_id = ?", [reminder_id])}
        rendered: dict[str, Rendered] = {}
        messages = []
        for p in people:
            lang = p["language"]
            if lang not in rendered:
                rendered[lang] = render(rem, lang, texts.get(lang), tz)
            r = rendered[lang]
            messages.append(Outgoing(p["caregiver_id"], r.text, buttons=r.buttons, lane=BROADCAST, kind="reminder",
                                     silent=quiet or rem["colour"] == "white", paid=bool(rem["paid"]),
                                     caregiver_id=p["caregiver_id"], source_text=rem["text"],
                                     source_language=SOURCE_LANGUAGE,
                                     dedupe_key=f"reminder:{reminder_id}:{p['caregiver_id']}"))
        send_queue.enqueue(db, *messages, useful_for=timedelta(hours=useful_hours), retention_days=retention_days)
        db.execute("update reminder_recipients set status = 'queued' where reminder_id = ? and status = 'waiting' "
                   "and due_at <= ?", [reminder_id, now.timestamp()])
        return len(messages)


def queue_digests(db: Database, now: datetime | None = None, tz: ZoneInfo = BRUSSELS) -> int:
    """The daily digest of white reminders for families that chose it: one message per family."""
    now = now or datetime.now(timezone.utc)
    with db.atomic():
        rows = list(db.query("""select rr.caregiver_id, rr.language, r.* from reminder_recipients rr
                                join reminders r on r.id = rr.reminder_id
                                where rr.status = 'digest' and rr.due_at <= ? and r.status = 'active'
                                order by rr.caregiver_id, r.id""", [now.timestamp()]))
        by_family: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            by_family.setdefault(r["caregiver_id"], []).append(r)
        day = now.astimezone(tz).date().isoformat()
        for cid, items in by_family.items():
            lang = items[0]["language"]
            lines = [tr(lang, "⚪ Informatie van de school van vandaag:")]
            buttons = []
            for n, item in enumerate(items, 1):
                r = render({**item, "id": item["id"]}, lang, None, tz, compact=True)
                lines.append(f"{n}. {r.text}")
                buttons.append((f"✅ {n}", f"RM:{item['id']}:seen"))
            send_queue.enqueue(db, Outgoing(cid, "\n\n".join(lines)[:4000], buttons=[buttons[i:i + 4] for i in
                                                                                    range(0, len(buttons), 4)],
                                            lane=BROADCAST, kind="reminder_digest", silent=True, caregiver_id=cid,
                                            dedupe_key=f"digest:{cid}:{day}:{items[0]['id']}"))
            db.execute(f"update reminder_recipients set status = 'queued' where caregiver_id = ? and status = 'digest' "
                       f"and reminder_id in ({', '.join('?' * len(items))})", [cid, *[i["id"] for i in items]])
        return len(by_family)


# ----------------------------------------------------------------- rendering
@dataclass
class Rendered:
    text: str
    buttons: list[list[tuple[str, str]]]


def headline(colour: str, lang: str) -> str:
    return EMOJI[colour] + " " + {
        "red": tr(lang, "Neem contact op met de school"),
        "green": tr(lang, "Je bent uitgenodigd"),
        "orange": tr(lang, "Er verandert iets"),
        "white": tr(lang, "Ter informatie"),
    }[colour]


def kind_line(colour: str, lang: str) -> str:
    return {
        "red": tr(lang, "Een waarschuwing van de school. Het bericht in het Nederlands:"),
        "green": tr(lang, "Een uitnodiging van de school. Het bericht in het Nederlands:"),
        "orange": tr(lang, "Een verandering op school. Het bericht in het Nederlands:"),
        "white": tr(lang, "Informatie van de school. Het bericht in het Nederlands:"),
    }[colour]


def bring_label(item: str, lang: str) -> str:
    items = catalogue()["items"]
    entry = items.get(item) or next((e for e in items.values()
                                     if e.get(SOURCE_LANGUAGE, "").lower().startswith(item.lower())), None)
    return _word(entry, lang) if entry else item


def _babel_locale(lang: str) -> str:
    from babel import Locale

    try:
        Locale.parse(lang)
        return lang
    except Exception:
        return SOURCE_LANGUAGE


def format_when(local: str, lang: str) -> str:
    from babel.dates import format_datetime

    moment = datetime.strptime(local, "%Y-%m-%d %H:%M")
    return format_datetime(moment, "EEEE d MMMM y, HH:mm", locale=_babel_locale(lang))


def format_cost(amount: float, lang: str) -> str:
    from babel.numbers import format_currency

    return format_currency(amount, "EUR", locale=_babel_locale(lang))


def render(rem: dict[str, Any], lang: str, translated: str | None, tz: ZoneInfo = BRUSSELS,
           compact: bool = False) -> Rendered:
    """What one caregiver sees: a pure function of the reminder, their language and the (cached) machine
    translation of the Dutch text, if any. The structured lines need no translation service."""
    template = catalogue()["templates"].get(rem.get("template") or "")
    title = _word(template["name"], lang) if template and lang != SOURCE_LANGUAGE else rem["title"]
    lines = [headline(rem["colour"], lang), f"📌 {title}"]
    if rem.get("when_at"):
        lines.append(f"📅 {format_when(rem['when_at'], lang)}")
    if rem.get("place"):
        lines.append(f"📍 {rem['place']}")
    bring = json.loads(rem.get("bring") or "[]")
    if bring:
        lines.append("🎒 " + ", ".join(bring_label(b, lang) for b in bring))
    if rem.get("cost") is not None:
        lines.append(f"💶 {format_cost(rem['cost'], lang)}")
    if rem.get("childcare"):
        lines.append("👶 " + tr(lang, "Er is opvang voor de kinderen."))
    if rem.get("interpreter"):
        lines.append("🗣️ " + tr(lang, "Er is een tolk. Je mag je eigen taal spreken."))
    if rem.get("rsvp") and rem.get("deadline"):
        lines.append("⏳ " + tr(lang, "Antwoord vóór {date}", date=format_when(rem["deadline"], lang)))
    if compact:
        return Rendered("\n".join(lines), [])
    text = rem["text"]
    if lang == SOURCE_LANGUAGE:
        body = text
    elif translated:
        body = f"🌐 {tr(lang, '(automatische vertaling)')}\n{translated}"
        if len(text) <= 400:
            body += f"\n\n🇳🇱 {text}"
    else:
        body = f"{kind_line(rem['colour'], lang)}\n🇳🇱 {text}"
    rid = rem["id"]
    buttons = [[(tr(lang, "✅ Gezien"), f"RM:{rid}:seen")]]
    if rem.get("rsvp"):
        buttons.append([(tr(lang, "👍 Ja, ik kom"), f"RM:{rid}:yes"), (tr(lang, "👎 Nee"), f"RM:{rid}:no")])
        buttons.append([(tr(lang, "Ja, als …"), f"RM:{rid}:yes_if"), (tr(lang, "Nee, tenzij …"), f"RM:{rid}:no_unless")])
    last = [(tr(lang, "🙋 Met een persoon praten"), "P")]
    if translated and lang != SOURCE_LANGUAGE:
        last.insert(0, (tr(lang, "🇳🇱 Toon in het Nederlands"), f"O:{ROW_ID}"))
    buttons.append(last)
    return Rendered(("\n".join(lines) + "\n\n" + body)[:4000], buttons)


def mark_chosen(buttons: list[list[tuple[str, str]]], chosen: Iterable[str]) -> list[list[tuple[str, str]]]:
    """The same keyboard with ✔️ on the answers given (so a parent sees what they answered)."""
    chosen = set(chosen)
    return [[(label + (" ✔️" if data.startswith("RM:") and data.split(":")[-1] in chosen else ""), data)
             for label, data in row] for row in buttons]


# ------------------------------------------------------ delivery reactions
def _ids(row: dict[str, Any]) -> tuple[int, int] | None:
    parts = (row.get("dedupe_key") or "").split(":")
    if len(parts) >= 3 and parts[0] == "reminder" and parts[1].isdigit():
        return int(parts[1]), int(row["caregiver_id"] or row["chat_id"])
    return None


@send_queue.on_sent("reminder")
def _reminder_sent(db: Database, row: dict[str, Any], delivered: send_queue.Delivered) -> None:
    ids = _ids(row)
    if ids:
        db.execute("update reminder_recipients set status = 'sent', sent_at = coalesce(sent_at, ?), message_id = ? "
                   "where reminder_id = ? and caregiver_id = ?", [utcnow(), delivered.message_id, *ids])


@send_queue.on_sent("reminder_digest")
def _digest_sent(db: Database, row: dict[str, Any], delivered: send_queue.Delivered) -> None:
    ids = [int(b[1].split(":")[1]) for r in json.loads(row["payload"])["buttons"] for b in r]
    db.execute(f"update reminder_recipients set status = 'sent', sent_at = ?, message_id = ? where caregiver_id = ? "
               f"and reminder_id in ({', '.join('?' * len(ids))})", [utcnow(), delivered.message_id, row["chat_id"], *ids])


@send_queue.on_sent("reminder_status")
def _status_sent(db: Database, row: dict[str, Any], delivered: send_queue.Delivered) -> None:
    rid = json.loads(row["payload"]).get("reminder_id")
    if rid:
        db["reminders"].update(rid, {"status_chat_id": row["chat_id"], "status_message_id": delivered.message_id,
                                     "status_edited_at": datetime.now(timezone.utc).timestamp()})


@send_queue.on_failed
def _reminder_failed(db: Database, row: dict[str, Any], reason: str, error: str) -> None:
    """A reminder that cannot reach a family: recorded; for a red one (or a blocked bot) the family goes on
    the call list (bot/escalations.py already lists an unreachable caregiver)."""
    ids = _ids(row) if row["kind"] == "reminder" else None
    if ids is None:
        return
    db.execute("update reminder_recipients set status = 'failed', failed_reason = ? where reminder_id = ? "
               "and caregiver_id = ?", [f"{reason}: {error}"[:200], *ids])
    rem = get(db, ids[0])
    if rem and (rem["colour"] == "red" or reason != "unreachable"):
        escalations.add_to_call_list(db, rem["school_id"], ids[1],
                                     f"herinnering #{rem['id']} ({rem['title'][:60]}) niet bezorgd: {reason}",
                                     "reminder")


# ------------------------------------------------------------------- answers
@dataclass
class Answered:
    outcome: str  # seen, already, recorded, changed, ask_note, too_late, unknown
    toast: str
    chosen: list[str] = field(default_factory=list)
    ask: str | None = None  # a question to send (the note after "yes, if…")


def _deadline_passed(rem: dict[str, Any], now: datetime, tz: ZoneInfo) -> bool:
    return bool(rem["deadline"]) and now.astimezone(tz).replace(tzinfo=None) > datetime.strptime(
        rem["deadline"], "%Y-%m-%d %H:%M")


def answer(db: Database, reminder_id: int, caregiver_id: int, action: str, lang: str,
           now: datetime | None = None, tz: ZoneInfo = BRUSSELS) -> Answered:
    """A tap on ✅ or an RSVP button. Idempotent: a double tap or a replay changes nothing; an RSVP can be
    changed until the deadline and is refused kindly after it. Every RSVP also counts as seen."""
    now = now or datetime.now(timezone.utc)
    stamp = now.isoformat(timespec="seconds")
    with db.atomic():
        rem = get(db, reminder_id)
        me = db.execute("select seen_at, rsvp, status from reminder_recipients where reminder_id = ? and "
                        "caregiver_id = ?", [reminder_id, caregiver_id]).fetchone()
        if rem is None or me is None or rem["status"] == "cancelled" or action not in ANSWERS or (
                action != "seen" and not rem["rsvp"]):
            return Answered("unknown", tr(lang, "Deze knop werkt niet meer. Stuur gerust een bericht."))
        seen_at, rsvp, _ = me
        chosen = ["seen"] + ([rsvp] if rsvp else [])
        if action == "seen":
            if seen_at:
                return Answered("already", tr(lang, "Dank je, de school weet dat je het gezien hebt."), chosen)
            db.execute("update reminder_recipients set seen_at = ? where reminder_id = ? and caregiver_id = ?",
                       [stamp, reminder_id, caregiver_id])
            return Answered("seen", tr(lang, "Dank je, de school weet dat je het gezien hebt."), chosen)
        if rsvp == action and action in ("yes", "no"):
            return Answered("already", tr(lang, "Je antwoord is al bewaard."), chosen)
        if _deadline_passed(rem, now, tz):
            return Answered("too_late", tr(lang, "De tijd om te antwoorden is voorbij. Wil je toch iets laten "
                                                 "weten? Tik op 🙋 of stuur een bericht."), chosen)
        awaiting = action if action in ("yes_if", "no_unless") else None
        db.execute("update reminder_recipients set rsvp = ?, rsvp_at = ?, seen_at = coalesce(seen_at, ?), "
                   "awaiting_note = ?, rsvp_note = case when ? is null then null else rsvp_note end "
                   "where reminder_id = ? and caregiver_id = ?",
                   [action, stamp, stamp, awaiting, awaiting, reminder_id, caregiver_id])
        if awaiting:
            ask = (tr(lang, "Ja, als … – schrijf in een paar woorden wat je nodig hebt.") if action == "yes_if"
                   else tr(lang, "Nee, tenzij … – schrijf in een paar woorden wat zou helpen."))
            return Answered("ask_note", tr(lang, "Je antwoord is bewaard."), ["seen", action], ask)
        return Answered("changed" if rsvp else "recorded", tr(lang, "Je antwoord is bewaard."), ["seen", action])


def awaiting_note(db: Database, caregiver_id: int) -> dict[str, Any] | None:
    rows = list(db.query("select * from reminder_recipients where caregiver_id = ? and awaiting_note is not null "
                         "order by rsvp_at desc limit 1", [caregiver_id]))
    return rows[0] if rows else None


def note_recipients(db: Database, school_id: str, class_code: str | None) -> list[int]:
    """Who hears a conditional RSVP: the class teacher(s), else the brugfiguren, else the admins."""
    staff = list(db["staff"].rows_where("school_id = ? and active = 1", [school_id]))
    teachers = [s["telegram_id"] for s in staff if s["role"] == "staff" and class_code and
                class_code.lower() in {c.lower() for c in teacher_classes(db, s["telegram_id"], school_id)}]
    for group in (teachers, [s["telegram_id"] for s in staff if s["role"] == "brugfiguur"],
                  [s["telegram_id"] for s in staff if s["role"] == "admin"]):
        if group:
            return group
    return []


def record_note(db: Database, recipient: dict[str, Any], text: str, dutch: str | None, lang: str,
                first_name: str = "") -> list[int]:
    """The short text after "yes, if…" / "no, unless…": stored with the answer and sent (in Dutch when a
    translation could be made) to the class teacher or brugfiguur. Returns the staff it went to."""
    with db.atomic():
        rem = get(db, recipient["reminder_id"])
        db.execute("update reminder_recipients set rsvp_note = ?, awaiting_note = null where reminder_id = ? "
                   "and caregiver_id = ?", [text[:500], recipient["reminder_id"], recipient["caregiver_id"]])
        if rem is None:
            return []
        targets = note_recipients(db, rem["school_id"], recipient["class_code"])
        label = {"yes_if": "Ja, als …", "no_unless": "Nee, tenzij …"}.get(recipient["awaiting_note"], "")
        body = (f"📝 Herinnering #{rem['id']} «{rem['title']}»\n{first_name or 'Een ouder'} "
                f"({recipient['class_code'] or '–'}) antwoordt: {label}\n" +
                escalations.with_dutch(text[:500], lang, dutch))
        for t in targets:
            send_queue.enqueue(db, Outgoing(t, body, lane=STAFF, kind="reminder_note",
                                            caregiver_id=recipient["caregiver_id"],
                                            dedupe_key=f"rnote:{rem['id']}:{recipient['caregiver_id']}:{t}:"
                                                       f"{hashlib.sha1(text.encode()).hexdigest()[:8]}"))
        return targets


# ----------------------------------------------------------------- follow-up
def follow_up(db: Database, now: datetime | None = None, tz: ZoneInfo = BRUSSELS) -> int:
    """An unseen red reminder is sent once more after its follow-up delay; still unseen after another delay,
    the family goes on the brugfiguur's call list. Returns the messages queued plus families listed."""
    now = now or datetime.now(timezone.utc)
    done = 0
    reds = list(db.query("select * from reminders where colour = 'red' and status = 'active'"))
    for rem in reds:
        cutoff = (now - timedelta(hours=rem["follow_up_hours"] or 24)).isoformat(timespec="seconds")
        with db.atomic():
            again = list(db.query("select * from reminder_recipients where reminder_id = ? and status = 'sent' and "
                                  "seen_at is null and resent_at is null and sent_at <= ?", [rem["id"], cutoff]))
            messages = []
            for p in again:
                r = render(rem, p["language"], translation_of(db, rem["id"], p["language"]), tz)
                messages.append(Outgoing(p["caregiver_id"], "🔁 " + tr(p["language"], "Nog eens, want dit is "
                                                                               "belangrijk:") + "\n" + r.text,
                                         buttons=r.buttons, lane=BROADCAST, kind="reminder",
                                         caregiver_id=p["caregiver_id"], source_text=rem["text"],
                                         source_language=SOURCE_LANGUAGE,
                                         dedupe_key=f"reminder:{rem['id']}:{p['caregiver_id']}:again"))
            if messages:
                send_queue.enqueue(db, *messages)
                db.execute(f"update reminder_recipients set resent_at = ? where reminder_id = ? and caregiver_id in "
                           f"({', '.join('?' * len(again))})", [now.isoformat(timespec='seconds'), rem["id"],
                                                                *[p["caregiver_id"] for p in again]])
            done += len(messages)
            late = list(db.query("select * from reminder_recipients where reminder_id = ? and seen_at is null and "
                                 "called_at is null and resent_at is not null and resent_at <= ?",
                                 [rem["id"], cutoff]))
            for p in late:
                escalations.add_to_call_list(db, rem["school_id"], p["caregiver_id"],
                                             f"rode herinnering #{rem['id']} ({rem['title'][:60]}) twee keer "
                                             "verstuurd en niet gezien", "reminder")
                db.execute("update reminder_recipients set called_at = ? where reminder_id = ? and caregiver_id = ?",
                           [now.isoformat(timespec="seconds"), rem["id"], p["caregiver_id"]])
            done += len(late)
    return done


def finish_sent(db: Database) -> None:
    """An active reminder with nothing left to send (for a red one: every family has seen it, could not be
    reached or is on the call list) is `sent`."""
    db.execute("""update reminders set status = 'sent' where status = 'active' and not exists
                  (select 1 from reminder_recipients rr where rr.reminder_id = reminders.id
                   and (rr.status in ('waiting', 'digest', 'queued') or (reminders.colour = 'red'
                        and rr.status = 'sent' and rr.seen_at is null and rr.called_at is null)))""")


# -------------------------------------------------------------------- status
def status(db: Database, reminder_id: int) -> dict[str, Any] | None:
    rem = get(db, reminder_id)
    if rem is None:
        return None
    rows = list(db.query("select caregiver_id, class_code, language, status, sent_at, seen_at, rsvp from "
                         "reminder_recipients where reminder_id = ? order by caregiver_id", [reminder_id]))
    if not rows and rem["status"] == "scheduled":
        rows = [dict(r, status="scheduled", sent_at=None, seen_at=None, rsvp=None)
                for r in recipients_for(db, rem)]

    def tally(subset: list[dict[str, Any]]) -> dict[str, Any]:
        return {"recipients": len(subset), "sent": sum(1 for r in subset if r["sent_at"]),
                "failed": sum(1 for r in subset if r["status"] == "failed"),
                "seen": sum(1 for r in subset if r["seen_at"]),
                "rsvp": {k: sum(1 for r in subset if r["rsvp"] == k) for k in RSVP}}

    out = {"id": reminder_id, "status": rem["status"], "colour": rem["colour"], "title": rem["title"],
           "school": rem["school_id"], "send_at": rem["send_at"],
           "due_at": datetime.fromtimestamp(rem["due_at"], timezone.utc).isoformat(timespec="seconds"),
           "deferred": rem["deferred_reason"], **tally(rows),
           "waiting": sum(1 for r in rows if r["status"] in ("waiting", "digest", "queued", "scheduled")),
           "not_seen": [r["caregiver_id"] for r in rows if not r["seen_at"]],
           "by_class": {}, "by_language": {}}
    for key, name in (("class_code", "by_class"), ("language", "by_language")):
        for value in sorted({r[key] or "–" for r in rows}):
            out[name][value] = tally([r for r in rows if (r[key] or "–") == value])
    if rem["paid"]:
        out["paid_cost_stars"] = round(out["recipients"] * PAID_STAR_COST, 1)
    return out


def status_text(s: dict[str, Any]) -> str:
    """The staff's status message (Dutch, the school's working language)."""
    r = s["rsvp"]
    lines = [f"{EMOJI[s['colour']]} Herinnering #{s['id']} «{s['title']}» – {s['status']}",
             f"📨 verstuurd {s['sent']}/{s['recipients']} · ❌ mislukt {s['failed']} · ✅ gezien {s['seen']}"]
    if any(r.values()):
        lines.append(f"👍 {r['yes']} · 👎 {r['no']} · ja, als {r['yes_if']} · nee, tenzij {r['no_unless']}")
    if s.get("deferred") and s["status"] == "scheduled":
        lines.append(f"⏰ {s['deferred']}")
    if len(s["by_class"]) > 1:
        lines.append("Per klas: " + ", ".join(f"{k} {v['seen']}/{v['recipients']}" for k, v in s["by_class"].items()))
    if len(s["by_language"]) > 1:
        lines.append("Per taal: " + ", ".join(f"{k} {v['seen']}/{v['recipients']}"
                                              for k, v in s["by_language"].items()))
    lines.append(f"Nog niet gezien: {len(s['not_seen'])} gezinnen")
    return "\n".join(lines)[:4000]


def live_status_edits(db: Database, min_interval: float = 3.0, now: float | None = None) -> int:
    """Edit the staff's live status messages whose numbers changed, at most every `min_interval` seconds."""
    now = now or datetime.now(timezone.utc).timestamp()
    edits = 0
    for rem in db.query("select id, status_chat_id, status_message_id, status_text, status_edited_at from reminders "
                        "where status_message_id is not null and status in ('scheduled', 'active', 'sent') "
                        "and coalesce(status_edited_at, 0) <= ?", [now - min_interval]):
        text = status_text(status(db, rem["id"]))
        if text == rem["status_text"]:
            continue
        with db.atomic():
            send_queue.enqueue(db, Outgoing(rem["status_chat_id"], text, method="editMessageText",
                                            message_id=rem["status_message_id"], lane=STAFF, kind="edit"))
            db["reminders"].update(rem["id"], {"status_text": text, "status_edited_at": now})
        edits += 1
    return edits


def status_message(db: Database, reminder_id: int, chat_id: int) -> Outgoing | None:
    """The first live status message for a member of staff (its id is recorded when it is sent)."""
    s = status(db, reminder_id)
    if s is None:
        return None
    text = status_text(s)
    db["reminders"].update(reminder_id, {"status_text": text})
    return Outgoing(chat_id, text, lane=STAFF, kind="reminder_status", extra={"reminder_id": reminder_id})


def call_list(db: Database, reminder_id: int | None = None, school_id: str | None = None) -> list[dict[str, Any]]:
    """Families a brugfiguur should phone: name, language, child's class, phone (Telegram does not give us
    one), and why. For a reminder: its recipients on the call list; for a school: every open entry."""
    if reminder_id is not None:
        where, args = ("cl.caregiver_id in (select caregiver_id from reminder_recipients where reminder_id = ?) "
                       "and cl.school_id = (select school_id from reminders where id = ?)", [reminder_id, reminder_id])
    else:
        where, args = "cl.school_id = ?", [school_id]
    return list(db.query(
        f"""select cl.caregiver_id, cg.first_name as name, cg.language,
                   (select group_concat(c.code, ' ') from caregiver_children cc join children ch on ch.id = cc.child_id
                    left join classes c on c.id = ch.class_id where cc.caregiver_id = cl.caregiver_id) as class,
                   '' as phone, cl.reason as why, cl.source, cl.created_at
            from call_list cl left join caregivers cg on cg.telegram_id = cl.caregiver_id
            where cl.resolved_at is null and {where} order by cl.created_at""", args))


def export_rows(db: Database, reminder_id: int) -> list[dict[str, Any]]:
    return list(db.query(
        """select rr.caregiver_id, cg.first_name as name, rr.language, rr.class_code as class, rr.status,
                  rr.sent_at, rr.seen_at, rr.rsvp, rr.rsvp_note, rr.resent_at, rr.failed_reason
           from reminder_recipients rr left join caregivers cg on cg.telegram_id = rr.caregiver_id
           where rr.reminder_id = ? order by rr.class_code, rr.caregiver_id""", [reminder_id]))


def purge(db: Database, now_iso: str) -> int:
    """Reminders past their retention, with every answer and translation."""
    ids = [r[0] for r in db.execute("select id from reminders where purge_after < ?", [now_iso])]
    for rid in ids:
        db.execute("delete from reminder_recipients where reminder_id = ?", [rid])
        db.execute("delete from reminder_texts where reminder_id = ?", [rid])
        db.execute("delete from reminders where id = ?", [rid])
    return len(ids)
