"""Hand-offs to a brugfiguur, as a domain service that knows nothing of Telegram.

An escalation is opened when the dialogue layer decides a person is needed. It is
routed to a brugfiguur of the parent's school who speaks the parent's language if
there is one, else to the least loaded one, preferring people at work. It needs a
*place* where staff read it: a forum topic in the school's team group (created
through the send queue, which may take minutes under Telegram's 20 messages a
minute per group), else the brugfiguur's private chat with the bot, else an
admin's. Until it has one, everything for it waits in the send queue as `held`
rows, so a parent's words are never dropped.

Status: `open` until someone claims it, `claimed` while a person holds the
conversation (the assistant stays silent), `closed` with an outcome.

Every function that changes state does it in one transaction, with no await
inside, and says what is to be said to whom by putting rows in the send queue
(bot/send_queue.py); the Telegram handlers only translate updates into these
calls. Only brugfiguren and admins of the escalation's school handle an
escalation: a teacher does not see a family's sensitive case.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot import send_queue, store
from bot.db import utcnow
from bot.i18n import tr
from bot.languages import BY_CODE, SOURCE_LANGUAGE
from bot.send_queue import REPLY, STAFF, Outgoing
from bot.topics import TITLES, kind_of

BRUSSELS = ZoneInfo("Europe/Brussels")
ACTIVE = ("open", "claimed")
HANDLERS = ("brugfiguur", "admin")  # who may read, claim, answer and close an escalation
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS = {d: ["08:30-16:30"] for d in DAYS[:5]}


# ------------------------------------------------------------ working hours
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


def at_work(hours: dict[str, list[str]], now: datetime | None = None, tz: ZoneInfo = BRUSSELS) -> bool:
    now = (now or datetime.now(tz)).astimezone(tz)
    return any(s <= now < e for s, e in _slots(hours, now))


def next_start(hours: dict[str, list[str]], now: datetime | None = None, tz: ZoneInfo = BRUSSELS) -> datetime | None:
    now = (now or datetime.now(tz)).astimezone(tz)
    for offset in range(0, 8):
        day = now + timedelta(days=offset)
        for s, e in _slots(hours, day):
            if s > now or (s <= now < e):
                return max(s, now)
    return None


# ------------------------------------------------------------------ routing
@dataclass
class Route:
    staff: dict[str, Any] | None  # the brugfiguur it goes to, or None when the school has none
    speaks_language: bool
    at_work: bool
    next_start: datetime | None


def school_staff(db: Database, school_id: str, role: str) -> list[dict[str, Any]]:
    return list(db["staff"].rows_where("school_id = ? and role = ? and active = 1", [school_id, role],
                                       order_by="telegram_id"))


def brugfiguren(db: Database, school_id: str) -> list[dict[str, Any]]:
    return school_staff(db, school_id, "brugfiguur")


def load_of(db: Database, telegram_id: int) -> int:
    return db.execute(f"select count(*) from escalations where status in {ACTIVE} and "
                      "coalesce(claimed_by, assigned_to) = ?", [telegram_id]).fetchone()[0]


def route(db: Database, school_id: str, language: str, now: datetime | None = None,
          exclude: int | None = None, tz: ZoneInfo = BRUSSELS) -> Route:
    people = [p for p in brugfiguren(db, school_id) if p["telegram_id"] != exclude]
    if not people:
        return Route(None, False, False, None)
    speakers = [p for p in people if language in json.loads(p["languages"] or "[]")]
    pool = speakers or people
    working = [p for p in pool if at_work(hours_of(p), now, tz)]
    chosen = min(working or pool, key=lambda p: (load_of(db, p["telegram_id"]), p["telegram_id"]))
    hours = hours_of(chosen)
    return Route(chosen, bool(speakers), at_work(hours, now, tz), next_start(hours, now, tz))


# ------------------------------------------------------------------ reading
def get(db: Database, escalation_id: int) -> dict[str, Any] | None:
    rows = list(db["escalations"].rows_where("id = ?", [escalation_id], limit=1))
    return rows[0] if rows else None


def active_for(db: Database, caregiver_id: int) -> dict[str, Any] | None:
    rows = list(db["escalations"].rows_where(f"caregiver_id = ? and status in {ACTIVE}", [caregiver_id],
                                             order_by="id desc", limit=1))
    return rows[0] if rows else None


def by_thread(db: Database, chat_id: int, thread_id: int) -> dict[str, Any] | None:
    rows = list(db["escalations"].rows_where("chat_id = ? and thread_id = ?", [chat_id, thread_id],
                                             order_by="id desc", limit=1))
    return rows[0] if rows else None


def by_relayed_message(db: Database, chat_id: int, message_id: int) -> dict[str, Any] | None:
    """The escalation of a message the bot relayed into `chat_id` (a brugfiguur replies to it)."""
    row = send_queue.by_message(db, chat_id, message_id)
    return get(db, row["escalation_id"]) if row and row["escalation_id"] else None


def list_active(db: Database, school_id: str | None = None) -> list[dict[str, Any]]:
    where = f"status in {ACTIVE}" + (" and school_id = ?" if school_id else "")
    return list(db["escalations"].rows_where(where, [school_id] if school_id else [], order_by="created_at"))


def minutes_open(escalation: dict[str, Any], now: datetime | None = None) -> float:
    now = now or datetime.now(timezone.utc)
    return (now - datetime.fromisoformat(escalation["created_at"])).total_seconds() / 60


def role_at(db: Database, staff_id: int, school_id: str) -> str | None:
    row = db.execute("select role from staff where telegram_id = ? and school_id = ? and active = 1",
                     [staff_id, school_id]).fetchone()
    return row[0] if row else None


def can_handle(db: Database, staff_id: int, escalation: dict[str, Any]) -> bool:
    """Brugfiguren and admins of the escalation's school read, claim, answer and close it."""
    return role_at(db, staff_id, escalation["school_id"]) in HANDLERS


def staff_name(db: Database, telegram_id: int | None) -> str:
    if telegram_id is None:
        return "de brugfiguur"
    row = db.execute("select name from staff where telegram_id = ? limit 1", [telegram_id]).fetchone()
    return row[0] if row else "de brugfiguur"


def staff_buttons(esc_id: int) -> list[list[tuple[str, str]]]:
    return [[("✋ Ik neem dit op", f"E:claim:{esc_id}"), ("🔁 Doorgeven", f"E:transfer:{esc_id}"),
             ("✅ Afsluiten", f"E:close:{esc_id}")]]


def with_dutch(original: str, lang: str, dutch: str | None) -> str:
    if lang == SOURCE_LANGUAGE:
        return original
    return f"[{lang}] {original}\n[nl] {dutch if dutch is not None else '(niet vertaald: geen vertaaldienst)'}"


def _to_place(esc: dict[str, Any], text: str, kind: str = "notice", lane: int = STAFF,
              buttons: list | None = None, **kw: Any) -> Outgoing:
    """A message for the staff side of an escalation: its place, or held until it has one."""
    return Outgoing(esc["chat_id"], text, buttons=buttons, thread_id=esc["thread_id"], lane=lane, kind=kind,
                    escalation_id=esc["id"], **kw)


# -------------------------------------------------------------------- open
@dataclass
class Opened:
    escalation: dict[str, Any]
    parent_text: str  # what happens next, in the parent's language ("" when one was already open)
    new: bool


def open_for(db: Database, caregiver: dict[str, Any], topic: str, reason: str,
             recent: list[tuple[str, str | None]], now: datetime | None = None, tz: ZoneInfo = BRUSSELS,
             dedupe_key: str | None = None) -> Opened | None:
    """Open (or continue) the caregiver's escalation, find it a place and queue its summary.

    `recent` holds the parent's last messages with their Dutch translation (made before this call: a
    translation may take seconds and must not run inside the transaction). None when the caregiver is
    not linked to any school yet.
    """
    lang, tid = caregiver["language"], caregiver["telegram_id"]
    with db.atomic():
        active = active_for(db, tid)
        if active:
            return Opened(active, "", False)
        children = store.children_of(db, tid)
        if not children:
            return None
        child = children[0]
        school_id = child["school_id"]
        school = store.get_school(db, school_id) or {}
        routed = route(db, school_id, lang, now, tz=tz)
        created = utcnow()
        esc_id = db["escalations"].insert({
            "school_id": school_id, "caregiver_id": tid, "language": lang, "topic": topic, "reason": reason,
            "status": "open", "assigned_to": routed.staff["telegram_id"] if routed.staff else None,
            "created_at": created, "announced_at": created, "announcements": 1}).last_pk
        store.audit(db, "assistant", "system", "escalation_open", school_id, f"#{esc_id}",
                    {"topic": topic, "reason": reason})
        esc = get(db, esc_id)
        summary = _summary(db, esc, caregiver, child, school, routed, recent, tz)
        admins = school_staff(db, school_id, "admin")
        team_chat = school.get("team_chat_id")
        if team_chat:
            title = TITLES.get(topic, topic)
            name = f"#{esc_id} {caregiver['first_name'] or 'ouder'} · {lang} · {title}"[:128]
            send_queue.enqueue(db, Outgoing(team_chat, method="createForumTopic", kind="escalation_topic",
                                            lane=STAFF, escalation_id=esc_id, extra={"name": name}))
        elif routed.staff or admins:
            target = routed.staff["telegram_id"] if routed.staff else admins[0]["telegram_id"]
            place(db, esc_id, target, None)
            esc = get(db, esc_id)
        send_queue.enqueue(db, _to_place(esc, summary, kind="summary", buttons=staff_buttons(esc_id),
                                         caregiver_id=tid, dedupe_key=dedupe_key and f"{dedupe_key}:summary"))
        if routed.staff is None and admins and team_chat:
            for admin in admins:  # nobody to route to: the admins see it, wherever the topic lands
                send_queue.enqueue(db, Outgoing(admin["telegram_id"], f"⚠️ Vraag #{esc_id} van een ouder: de "
                                                f"school heeft geen brugfiguur in Schoolbrug. Bekijk de teamgroep.",
                                                lane=STAFF, kind="flag", escalation_id=esc_id))
        parent_text = _next_step_for_parent(school, routed, lang, has_admin=bool(admins), tz=tz)
        return Opened(get(db, esc_id), parent_text, True)


def _secretariat(school: dict[str, Any]) -> dict[str, Any]:
    return ((school or {}).get("profile") or {}).get("contacts", {}).get("secretariat", {}) or {}


def _next_step_for_parent(school: dict[str, Any], routed: Route, lang: str, has_admin: bool,
                          tz: ZoneInfo) -> str:
    from babel.dates import format_datetime

    phone = _secretariat(school).get("phone", "–")
    if routed.staff is None:
        if has_admin:
            return tr(lang, "Je vraag is doorgegeven aan de school. Iemand van de school antwoordt je hier. "
                            "Dringend? Bel het secretariaat: {phone}.", phone=phone)
        return tr(lang, "Er is nog geen brugfiguur in Schoolbrug voor je school. Bel of mail het secretariaat: "
                        "{phone}. We bewaren je vraag tot er iemand is.", phone=phone)
    name = routed.staff["name"]
    if routed.at_work:
        return tr(lang, "{name} leest je bericht en antwoordt zo snel mogelijk. Je mag gewoon in je eigen taal "
                        "schrijven.", name=name)
    when = format_datetime(routed.next_start.astimezone(tz), "EEEE HH:mm", locale=lang) if routed.next_start else "–"
    return tr(lang, "{name} werkt nu niet. Je krijgt antwoord vanaf {when}. Is het dringend? Bel 112.",
              name=name, when=when)


def _summary(db: Database, esc: dict[str, Any], caregiver: dict[str, Any], child: dict[str, Any],
             school: dict[str, Any], routed: Route, recent: list[tuple[str, str | None]], tz: ZoneInfo) -> str:
    lang = esc["language"]
    lines = ["• " + with_dutch(text[:1000], lang, dutch).replace("\n", "\n  ") for text, dutch in recent]
    who = "niemand (geen brugfiguur)" if routed.staff is None else (
        f"{routed.staff['name']}" + (" (spreekt de taal)" if routed.speaks_language else ""))
    hours = "" if routed.at_work or not routed.next_start else (
        "\n⏰ Buiten de werkuren: de ouder hoorde dat er antwoord komt vanaf "
        f"{routed.next_start.astimezone(tz):%a %d/%m %H:%M}.")
    kind = {"sensitive": "gevoelig", "urgent": "DRINGEND – 112/1712 gegeven", "handoff": "vraagt een persoon",
            "fallback": "de assistent begreep het niet"}.get(kind_of(esc["topic"]), esc["reason"])
    language = BY_CODE[lang].native_name if lang in BY_CODE else lang
    return (f"🆘 Vraag #{esc['id']} – {school.get('name', esc['school_id'])}\n"
            f"Ouder: {caregiver['first_name'] or '–'} ({language}), "
            f"{child.get('class_name') or '–'} ({child.get('relation')})\n"
            f"Onderwerp: {TITLES.get(esc['topic'], esc['topic'])} ({kind})\nVoor: {who}{hours}\n\n"
            "Laatste berichten:\n" + ("\n".join(lines) or "–") +
            "\n\nSchrijf je antwoord in dit onderwerp, of antwoord (reply) op dit bericht: het gaat vertaald "
            "naar de ouder. /note tekst = interne nota, /close uitkomst = afsluiten.")


def place(db: Database, escalation_id: int, chat_id: int, thread_id: int | None) -> int:
    """The escalation has a place: record it and release what waited for it. Returns rows released."""
    with db.atomic():
        db["escalations"].update(escalation_id, {"chat_id": chat_id, "thread_id": thread_id, "placed_at": utcnow()})
        return send_queue.release_held(db, escalation_id, chat_id, thread_id)


@send_queue.on_sent("escalation_topic")
def _topic_created(db: Database, row: dict[str, Any], delivered: send_queue.Delivered) -> None:
    esc = get(db, row["escalation_id"])
    if esc is None:  # erased meanwhile
        return
    if esc["chat_id"] is None or esc["chat_id"] == row["chat_id"]:
        place(db, esc["id"], row["chat_id"], delivered.thread_id)


def _fallback_place(db: Database, esc: dict[str, Any], exclude_chat: int | None) -> int | None:
    """A private chat for an escalation whose place failed: its brugfiguur, else an admin."""
    candidates = [esc["claimed_by"], esc["assigned_to"],
                  *[a["telegram_id"] for a in school_staff(db, esc["school_id"], "admin")]]
    for cid in candidates:
        if cid and cid != exclude_chat and db.execute(
                "select unreachable_at from caregivers where telegram_id = ?", [cid]).fetchone() is None:
            return cid
    return None


@send_queue.on_failed
def _undeliverable(db: Database, row: dict[str, Any], reason: str, error: str) -> None:
    """Never fail silently: a parent who cannot be reached goes on the call list and the brugfiguur hears
    it; a staff place that is gone (bot removed from the group, topic deleted) moves to a private chat."""
    esc = get(db, row["escalation_id"]) if row["escalation_id"] else None
    parent_bound = row["chat_id"] is not None and row["chat_id"] > 0 and (
        row["kind"] in ("to_parent", "reply", "closing") or (esc is not None and row["chat_id"] == esc["caregiver_id"]))
    if parent_bound:
        if reason == "unreachable":
            mark_unreachable(db, row["chat_id"], f"Telegram: {error[:100]}")
        if esc and esc["chat_id"]:
            send_queue.enqueue(db, _to_place(esc, f"⚠️ #{esc['id']}: een bericht kon niet bij de ouder geraken "
                                                  f"({reason}: {error[:100]}). Probeer via het secretariaat of "
                                                  "telefonisch.", kind="delivery_report"))
        return
    if esc is None or row["kind"] == "delivery_report" and reason != "refused":
        return
    if row["kind"] == "escalation_topic" or reason in ("unreachable", "refused"):
        target = _fallback_place(db, esc, row["chat_id"])
        if target is None:
            return
        if row["kind"] == "escalation_topic" or esc["chat_id"] == row["chat_id"]:
            place(db, esc["id"], target, None)
        if row["kind"] != "escalation_topic":
            send_queue.retarget(db, row["id"], target, None)
        return
    if reason == "expired":  # a day of network trouble: the admins hear it
        for admin in school_staff(db, esc["school_id"], "admin"):
            send_queue.enqueue(db, Outgoing(admin["telegram_id"], f"⚠️ #{esc['id']}: een bericht voor het team "
                                            "kon een dag lang niet verstuurd worden. /escalations",
                                            lane=STAFF, kind="delivery_report", escalation_id=esc["id"]))


def mark_unreachable(db: Database, telegram_id: int, why: str) -> None:
    """A caregiver blocked the bot (or left Telegram): their family goes on the brugfiguur's call list."""
    caregiver = store.get_caregiver(db, telegram_id)
    if caregiver is None:
        return
    db["caregivers"].update(telegram_id, {"unreachable_at": utcnow()})
    for child in store.children_of(db, telegram_id):
        add_to_call_list(db, child["school_id"], telegram_id, why, "delivery")


def add_to_call_list(db: Database, school_id: str, caregiver_id: int, reason: str, source: str) -> None:
    if db.execute("select 1 from call_list where school_id = ? and caregiver_id = ? and source = ? "
                  "and resolved_at is null", [school_id, caregiver_id, source]).fetchone():
        return
    db["call_list"].insert({"school_id": school_id, "caregiver_id": caregiver_id, "reason": reason[:200],
                            "source": source, "created_at": utcnow()})


# ------------------------------------------------------------------ relays
def relay_from_parent(db: Database, esc: dict[str, Any], caregiver: dict[str, Any], text: str,
                      dutch: str | None, dedupe_key: str | None = None) -> int:
    """The parent's words go to the staff side (original and Dutch), held until the escalation has a place."""
    with db.atomic():
        esc = get(db, esc["id"]) or esc
        body = f"👤 #{esc['id']} {caregiver['first_name'] or 'ouder'}:\n" + with_dutch(text, esc["language"], dutch)
        (row_id,) = send_queue.enqueue(db, _to_place(esc, body, kind="to_staff", lane=REPLY,
                                                     caregiver_id=caregiver["telegram_id"], source_text=text,
                                                     source_language=esc["language"], dedupe_key=dedupe_key))
        store.audit(db, str(caregiver["telegram_id"]), "parent", "relay_in", esc["school_id"], f"#{esc['id']}")
        return row_id


def relay_from_staff(db: Database, staff_id: int, esc: dict[str, Any], text: str, translated: str | None,
                     source: str, dedupe_key: str | None = None, correction: bool = False) -> str:
    """A brugfiguur's answer goes to the parent in the parent's language; answering claims an open
    escalation. Returns what happened: 'sent', 'gone' (the parent erased their data) or 'closed'."""
    with db.atomic():
        esc = get(db, esc["id"]) or esc
        if esc["status"] == "closed":
            return "closed"
        caregiver = store.get_caregiver(db, esc["caregiver_id"])
        if caregiver is None:
            send_queue.enqueue(db, _to_place(esc, f"⚠️ #{esc['id']}: deze ouder heeft zijn gegevens gewist; "
                                                  "het bericht is niet verstuurd."))
            return "gone"
        if esc["status"] == "open":
            _claim(db, esc, staff_id)
        lang = caregiver["language"]
        name = staff_name(db, staff_id)
        head = f"✏️ {name} " + tr(lang, "(verbetering)") + ":" if correction else f"💬 {name}:"
        if translated is None:
            body = f"{head}\n{text}\n\n" + tr(lang, "(automatisch vertalen lukte niet; dit is de originele tekst)")
            buttons: list = []
        else:
            body = f"{head}\n{translated}"
            dutch_original = source == SOURCE_LANGUAGE and lang != SOURCE_LANGUAGE
            buttons = [[(tr(lang, "🇳🇱 Toon in het Nederlands"), f"O:{send_queue.ROW_ID}")]] if dutch_original else []
        send_queue.enqueue(db, Outgoing(caregiver["telegram_id"], body, buttons=buttons, lane=REPLY, kind="to_parent",
                                        escalation_id=esc["id"], caregiver_id=caregiver["telegram_id"],
                                        source_text=text, source_language=source, dedupe_key=dedupe_key))
        store.audit(db, str(staff_id), role_at(db, staff_id, esc["school_id"]) or "staff",
                    "correction" if correction else "answer", esc["school_id"], f"#{esc['id']}")
        return "sent"


# ------------------------------------------------------------ staff actions
def _claim(db: Database, esc: dict[str, Any], staff_id: int) -> None:
    db["escalations"].update(esc["id"], {"status": "claimed", "claimed_by": staff_id, "claimed_at": utcnow()})
    store.audit(db, str(staff_id), role_at(db, staff_id, esc["school_id"]) or "staff", "claim", esc["school_id"],
                f"#{esc['id']}")


def claim(db: Database, escalation_id: int, staff_id: int) -> str:
    """Take the question on: the team and the parent hear who. Returns 'claimed', 'already' or 'closed'."""
    with db.atomic():
        esc = get(db, escalation_id)
        if esc is None or esc["status"] == "closed":
            return "closed"
        if esc["status"] == "claimed" and esc["claimed_by"] == staff_id:
            return "already"
        _claim(db, esc, staff_id)
        name = staff_name(db, staff_id)
        send_queue.enqueue(db, _to_place(esc, f"✋ {name} neemt #{esc['id']} op."))
        caregiver = store.get_caregiver(db, esc["caregiver_id"])
        if caregiver:
            send_queue.enqueue(db, Outgoing(caregiver["telegram_id"], tr(
                caregiver["language"], "{name} heeft je vraag gelezen en schrijft je zo.", name=name),
                lane=REPLY, kind="to_parent", escalation_id=esc["id"], caregiver_id=caregiver["telegram_id"]))
        return "claimed"


def transfer(db: Database, escalation_id: int, by: int, to_staff: int) -> bool:
    """Pass the question to a colleague; in private chats it moves to theirs, with the summary."""
    with db.atomic():
        esc = get(db, escalation_id)
        if esc is None or esc["status"] == "closed" or role_at(db, to_staff, esc["school_id"]) not in HANDLERS:
            return False
        db["escalations"].update(esc["id"], {"status": "open", "claimed_by": None, "assigned_to": to_staff,
                                             "announced_at": utcnow()})
        store.audit(db, str(by), role_at(db, by, esc["school_id"]) or "staff", "transfer", esc["school_id"],
                    f"#{esc['id']}", {"to": to_staff})
        target_name = staff_name(db, to_staff)
        if esc["thread_id"]:
            send_queue.enqueue(db, _to_place(esc, f"🔁 #{esc['id']} gaat naar {target_name}."))
        else:
            text = send_queue.first_text(db, esc["id"], "summary") or f"🆘 Vraag #{esc['id']}"
            send_queue.enqueue(db, _to_place(esc, f"🔁 #{esc['id']} gaat naar {target_name}."))
            place(db, esc["id"], to_staff, None)
            moved = get(db, esc["id"])
            send_queue.enqueue(db, _to_place(moved, f"🔁 {staff_name(db, by)} geeft je deze vraag door.\n\n{text}",
                                             kind="summary", buttons=staff_buttons(esc["id"]),
                                             caregiver_id=esc["caregiver_id"]))
        return True


def note(db: Database, escalation_id: int, staff_id: int, text: str) -> None:
    """An internal note: kept with the escalation (erased with it), never shown to the parent."""
    with db.atomic():
        esc = get(db, escalation_id)
        db["escalation_notes"].insert({"escalation_id": escalation_id, "author": staff_id, "text": text[:2000],
                                       "created_at": utcnow()})
        store.audit(db, str(staff_id), role_at(db, staff_id, esc["school_id"]) if esc else "staff", "note",
                    esc["school_id"] if esc else None, f"#{escalation_id}")


def close(db: Database, escalation_id: int, staff_id: int, outcome: str) -> bool:
    """Close with an outcome: the parent is asked whether they were helped, the topic is closed."""
    with db.atomic():
        esc = get(db, escalation_id)
        if esc is None or esc["status"] == "closed":
            return False
        outcome = (outcome or "afgesloten")[:500]
        db["escalations"].update(esc["id"], {"status": "closed", "closed_at": utcnow(), "outcome": outcome})
        store.audit(db, str(staff_id), role_at(db, staff_id, esc["school_id"]) or "staff", "close",
                    esc["school_id"], f"#{esc['id']}", {"outcome": outcome})
        name = staff_name(db, staff_id)
        caregiver = store.get_caregiver(db, esc["caregiver_id"])
        if caregiver:
            send_queue.enqueue(db, Outgoing(caregiver["telegram_id"], tr(
                caregiver["language"], "Het gesprek met {name} is afgesloten. Je kan mij weer alles vragen. "
                                       "Ben je goed geholpen?", name=name),
                buttons=[[("👍", f"FB:{esc['id']}:up"), ("👎", f"FB:{esc['id']}:down")]], lane=REPLY,
                kind="closing", escalation_id=esc["id"], caregiver_id=caregiver["telegram_id"]))
        send_queue.enqueue(db, _to_place(esc, f"✅ #{esc['id']} afgesloten door {name}: {outcome}"))
        if esc["thread_id"]:
            send_queue.enqueue(db, _to_place(esc, "", kind="topic_close", method="closeForumTopic"))
        return True


def record_feedback(db: Database, escalation_id: int, caregiver_id: int, value: str) -> bool:
    if value not in ("up", "down"):
        return False
    return db.execute("update escalations set feedback = ? where id = ? and caregiver_id = ? and status = 'closed'",
                      [value, escalation_id, caregiver_id]).rowcount == 1


# ---------------------------------------------------------------- follow-up
def follow_up(db: Database, remind_minutes: float, flag_minutes: float, now: datetime | None = None,
              tz: ZoneInfo = BRUSSELS) -> int:
    """Nobody is forgotten: place what has no place yet, announce an unclaimed question again (only while
    a brugfiguur works: the right to disconnect holds for staff too; to the admins when nobody works),
    and flag a question that waits too long to the admins. Returns the number of messages queued."""
    now = now or datetime.now(timezone.utc)
    queued = 0
    for esc in list_active(db):
        if esc["status"] != "open":
            continue
        with db.atomic():
            if esc["chat_id"] is None and not _topic_pending(db, esc["id"]):
                queued += _try_to_place(db, esc, now, tz)
                continue
            age = minutes_open(esc, now)
            since = (now - datetime.fromisoformat(esc["announced_at"])).total_seconds() / 60
            if since >= remind_minutes and esc["chat_id"] is not None:
                working = [p for p in brugfiguren(db, esc["school_id"]) if at_work(hours_of(p), now, tz)]
                text = (f"⏰ Nog niemand heeft #{esc['id']} opgenomen ({age:.0f} min). Tik op ✋ om het op te nemen.")
                if working:
                    send_queue.enqueue(db, _to_place(esc, text, kind="reminder", buttons=staff_buttons(esc["id"])))
                    queued += 1
                else:
                    for admin in school_staff(db, esc["school_id"], "admin"):
                        send_queue.enqueue(db, Outgoing(admin["telegram_id"], text + " (geen brugfiguur aan het werk)",
                                                        buttons=staff_buttons(esc["id"]), lane=STAFF, kind="reminder",
                                                        escalation_id=esc["id"]))
                        queued += 1
                db["escalations"].update(esc["id"], {"announced_at": now.isoformat(timespec="seconds"),
                                                     "announcements": (esc["announcements"] or 0) + 1})
            if age >= flag_minutes and not esc["admin_flagged_at"]:
                for admin in school_staff(db, esc["school_id"], "admin"):
                    send_queue.enqueue(db, Outgoing(admin["telegram_id"], f"⚠️ Vraag #{esc['id']} van een ouder "
                                                    f"wacht al {age / 60:.1f} uur zonder antwoord. /escalations",
                                                    lane=STAFF, kind="flag", escalation_id=esc["id"]))
                    queued += 1
                db["escalations"].update(esc["id"], {"admin_flagged_at": now.isoformat(timespec="seconds")})
                store.audit(db, "assistant", "system", "escalation_flagged", esc["school_id"], f"#{esc['id']}")
    return queued


def _topic_pending(db: Database, escalation_id: int) -> bool:
    return send_queue.unfinished(db, escalation_id, "escalation_topic")


def _try_to_place(db: Database, esc: dict[str, Any], now: datetime, tz: ZoneInfo) -> int:
    """An escalation that had nowhere to go: a brugfiguur or admin may have joined since."""
    routed = route(db, esc["school_id"], esc["language"], now, tz=tz)
    admins = school_staff(db, esc["school_id"], "admin")
    target = routed.staff["telegram_id"] if routed.staff else (admins[0]["telegram_id"] if admins else None)
    if target is None:
        return 0
    db["escalations"].update(esc["id"], {"assigned_to": routed.staff["telegram_id"] if routed.staff else None})
    return place(db, esc["id"], target, None)
