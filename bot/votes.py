"""Sticker votes, as a domain service that knows nothing of Telegram (BRIEF §3D, seed 000).

At the school gate a parent gets a sticker and drops it in the box of the theme
they like. Here a vote shows its options as big emoji "stickers" with a label in
the parent's language; a tap places a sticker. A vote gives each caregiver
`stickers` stickers (1 = a single choice, N = dot voting, with `stack` several on
one option).

The rules that must hold even when many parents tap at once live in SQLite
(migration m020_votes): a sticker takes a numbered slot, (vote, caregiver, slot)
is unique and a trigger refuses a slot beyond the allowance, a second sticker on
one option without stacking, or any sticker on a vote that is not open. Every tap
names the state it was made on (`rev`, in the button data): a double tap or a
replayed tap made on an old state changes nothing.

Life of a vote: `scheduled` (created by the CLI or staff) → `open` (the running
bot's vote loop sends it to its audience at `opens_at`) → `closed` (at
`closes_at` or by hand): the tally is stored, every participant hears what they
chose and the result, staff get a bar chart. For an anonymous vote (the
default) the per-caregiver stickers are deleted when it closes, and the queued
texts that named a parent's choice are scrubbed once sent: what remains is the
tally and who took part (to send them "you said, we do"), not who chose what.

Every function that changes state does it in one transaction, with no await
inside, and says what is to be said to whom by putting rows in the send queue.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable
from zoneinfo import ZoneInfo

import yaml
from sqlite_utils import Database

from bot import send_queue, store
from bot.db import utcnow
from bot.i18n import tr
from bot.languages import SOURCE_LANGUAGE
from bot.send_queue import BROADCAST, REPLY, STAFF, Outgoing

BRUSSELS = ZoneInfo("Europe/Brussels")
OPTION_ID = re.compile(r"^[a-z0-9_]{1,16}$")
TIME_FORMAT = "%Y-%m-%d %H:%M"
MAX_OPTIONS, MAX_STICKERS = 10, 30
SCRUBBED = json.dumps({"text": "", "buttons": []})


class VoteError(ValueError):
    """A vote file or a request that cannot be accepted; the message says what to change."""


# ------------------------------------------------------------------ the file
@dataclass
class VoteSpec:
    school: str
    question: str
    options: list[dict[str, str]]
    stickers: int = 1
    stack: bool = False
    audience: Any = "all"
    closes_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    opens_at: datetime | None = None
    anonymous: bool = True


def _when(value: Any, name: str, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        raise VoteError(f"{name}: {value} has no time; write YYYY-MM-DD HH:MM, e.g. {value} 18:00")
    else:
        try:
            moment = datetime.strptime(str(value).strip(), TIME_FORMAT)
        except ValueError:
            raise VoteError(f"{name}: {value!r} is not a time; write YYYY-MM-DD HH:MM, e.g. 2027-03-12 18:00") \
                from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(timezone.utc)


def parse_spec(data: Any, db: Database | None = None, now: datetime | None = None,
               tz: ZoneInfo = BRUSSELS) -> VoteSpec:
    """Check a vote (the parsed YAML) and return it; VoteError lists every problem at once."""
    if not isinstance(data, dict):
        raise VoteError("a vote file is a YAML mapping with school, question, options, stickers, stack, "
                        "audience and closes_at")
    errors: list[str] = []
    known = {"school", "question", "options", "stickers", "stack", "audience", "closes_at", "opens_at",
             "anonymous"}
    for key in data:
        if key not in known:
            errors.append(f"{key}: unknown field (known: {', '.join(sorted(known))})")
    school = str(data.get("school") or "").strip()
    if not school:
        errors.append("school: missing (the school's id, e.g. de-regenboog)")
    elif db is not None and store.get_school(db, school) is None:
        errors.append(f"school: no school {school!r}; load its profile first (schoolbrug school load ...)")
    question = str(data.get("question") or "").strip()
    if not question:
        errors.append("question: missing (the question in Dutch)")
    elif len(question) > 300:
        errors.append("question: at most 300 characters")
    options = data.get("options")
    clean: list[dict[str, str]] = []
    if not isinstance(options, list) or not (2 <= len(options) <= MAX_OPTIONS):
        errors.append(f"options: a list of 2 to {MAX_OPTIONS} options, each {{id, sticker, label}}")
        options = options if isinstance(options, list) else []
    seen: set[str] = set()
    for n, option in enumerate(options, 1):
        if not isinstance(option, dict):
            errors.append(f"options[{n}]: write {{id, sticker, label}}")
            continue
        oid, sticker, label = (str(option.get(k) or "").strip() for k in ("id", "sticker", "label"))
        if not OPTION_ID.match(oid):
            errors.append(f"options[{n}].id: {oid!r} must be 1-16 characters a-z, 0-9 or _")
        elif oid in seen:
            errors.append(f"options[{n}].id: {oid!r} is used twice")
        seen.add(oid)
        if not sticker or len(sticker) > 16 or sticker.isascii():
            errors.append(f"options[{n}].sticker: one emoji, e.g. 🍎")
        if not label or len(label) > 60:
            errors.append(f"options[{n}].label: a short Dutch label (1-60 characters)")
        clean.append({"id": oid, "sticker": sticker, "label": label})
    stickers = data.get("stickers", 1)
    if not isinstance(stickers, int) or isinstance(stickers, bool) or not 1 <= stickers <= MAX_STICKERS:
        errors.append(f"stickers: a whole number from 1 to {MAX_STICKERS} (stickers per caregiver)")
        stickers = 1
    stack = data.get("stack", False)
    if not isinstance(stack, bool):
        errors.append("stack: true or false (may a caregiver put several stickers on one option?)")
        stack = False
    if not stack and clean and stickers > len(clean):
        errors.append(f"stickers: {stickers} stickers without stack need at least {stickers} options")
    audience = data.get("audience", "all")
    if audience != "all":
        classes = audience.get("classes") if isinstance(audience, dict) else None
        if not isinstance(classes, list) or not classes or not all(isinstance(c, str) for c in classes):
            errors.append("audience: `all` or {classes: [L1A, ...]}")
        elif db is not None and school:
            for code in classes:
                if store.find_class(db, school, code) is None:
                    errors.append(f"audience: no class {code!r} at {school}")
    closes_at = opens_at = None
    if data.get("closes_at") in (None, ""):
        errors.append("closes_at: missing (YYYY-MM-DD HH:MM, school time)")
    else:
        try:
            closes_at = _when(data["closes_at"], "closes_at", tz)
        except VoteError as err:
            errors.append(str(err))
    if data.get("opens_at") not in (None, ""):
        try:
            opens_at = _when(data["opens_at"], "opens_at", tz)
        except VoteError as err:
            errors.append(str(err))
    now = now or datetime.now(timezone.utc)
    if closes_at is not None and closes_at <= (opens_at or now):
        errors.append("closes_at: must be later than " + ("opens_at" if opens_at else "now"))
    anonymous = data.get("anonymous", True)
    if not isinstance(anonymous, bool):
        errors.append("anonymous: true or false")
    if errors:
        raise VoteError("\n".join(errors))
    return VoteSpec(school, question, clean, stickers, stack, audience, closes_at, opens_at, anonymous)


def _slug(label: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:14] or "optie"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base[:13]}{n}", n + 1
    taken.add(slug)
    return slug


def parse_message(text: str, school: str) -> dict[str, Any]:
    """A vote written in one Telegram message (`/newvote`): the question on the first line, then one
    option a line (the emoji first), then `stickers 3`, `stapelen`, `klassen L1A L5A`,
    `sluit 2027-03-12 18:00`, `open 2027-03-05 08:00`, `niet anoniem`. Checked like a vote file."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    data: dict[str, Any] = {"school": school, "question": lines[0] if lines else "", "options": []}
    taken: set[str] = set()
    for line in lines[1:]:
        word, _, rest = line.partition(" ")
        key = word.lower().rstrip(":")
        if key in ("stickers", "sticker") and rest.strip().isdigit():
            data["stickers"] = int(rest)
        elif key in ("stapelen", "stack"):
            data["stack"] = True
        elif key in ("klassen", "klas", "classes"):
            data["audience"] = {"classes": rest.replace(",", " ").split()}
        elif key in ("sluit", "closes", "closes_at"):
            data["closes_at"] = rest.strip()
        elif key in ("open", "opens", "opens_at"):
            data["opens_at"] = rest.strip()
        elif line.lower() in ("niet anoniem", "not anonymous"):
            data["anonymous"] = False
        elif not word.isascii():
            data["options"].append({"id": _slug(rest, taken), "sticker": word, "label": rest.strip()})
        else:
            raise VoteError(f"{line!r}: begin an option with its emoji (⚽ Speelgoed), or write stickers N, "
                            "stapelen, klassen L1A L5A, sluit YYYY-MM-DD HH:MM")
    return data


def load_spec(path: Path | str, db: Database | None = None, tz: ZoneInfo = BRUSSELS) -> VoteSpec:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise VoteError(f"cannot read {path}: {err}") from None
    except yaml.YAMLError as err:
        raise VoteError(f"{path} is not valid YAML: {err}") from None
    return parse_spec(data, db, tz=tz)


# ------------------------------------------------------------------- storage
def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def create(db: Database, spec: VoteSpec, created_by: str = "cli", source: str = "") -> int:
    """Store a vote; the running bot sends it at its opening time."""
    with db.atomic():
        vote_id = db["votes"].insert({
            "school_id": spec.school, "question": spec.question,
            "options_json": json.dumps(spec.options, ensure_ascii=False), "stickers": spec.stickers,
            "stack": int(spec.stack), "audience_json": json.dumps(spec.audience),
            "opens_at": _iso(spec.opens_at or datetime.now(timezone.utc)), "closes_at": _iso(spec.closes_at),
            "anonymous": int(spec.anonymous), "status": "scheduled", "translations_json": "{}",
            "created_by": created_by, "created_at": utcnow(), "source": source}).last_pk
        store.audit(db, created_by, "staff", "vote_create", spec.school, f"vote {vote_id}",
                    {"options": len(spec.options), "stickers": spec.stickers})
    return vote_id


def get(db: Database, vote_id: int) -> dict[str, Any] | None:
    row = db.execute("select * from votes where id = ?", [vote_id]).fetchone()
    if row is None:
        return None
    cols = [d[0] for d in db.execute("select * from votes limit 0").description]
    vote = dict(zip(cols, row))
    vote["options"] = json.loads(vote["options_json"])
    vote["translations"] = json.loads(vote["translations_json"] or "{}")
    vote["audience"] = json.loads(vote["audience_json"])
    return vote


def list_votes(db: Database, school_id: str | None = None) -> list[dict[str, Any]]:
    where, args = ("where school_id = ?", [school_id]) if school_id else ("", [])
    return list(db.query(f"select id, school_id, question, status, stickers, stack, opens_at, closes_at, "
                         f"participants from votes {where} order by id", args))


def audience(db: Database, vote: dict[str, Any]) -> list[dict[str, Any]]:
    """The caregivers a vote goes to: linked to a child in the school (or its classes), reachable."""
    args: list[Any] = [vote["school_id"]]
    where = ""
    if vote["audience"] != "all":
        codes = [c.lower() for c in vote["audience"]["classes"]]
        where = f" and lower(c.code) in ({', '.join('?' * len(codes))})"
        args += codes
    return list(db.query(
        f"""select distinct cg.telegram_id, cg.language from caregivers cg
            join caregiver_children cc on cc.caregiver_id = cg.telegram_id
            join children ch on ch.id = cc.child_id left join classes c on c.id = ch.class_id
            where ch.school_id = ? and cg.unreachable_at is null{where} order by cg.telegram_id""", args))


def languages_needed(db: Database, vote: dict[str, Any]) -> list[str]:
    """Languages of the audience whose labels are not translated yet (the vote loop fills them)."""
    have = set(vote["translations"])
    return sorted({r["language"] for r in audience(db, vote)} - have - {SOURCE_LANGUAGE})


def store_translation(db: Database, vote_id: int, lang: str, question: str, labels: dict[str, str]) -> None:
    """Keep the question and labels in `lang`, translated once per vote and language."""
    with db.atomic():
        vote = get(db, vote_id)
        translations = vote["translations"]
        translations[lang] = {"question": question, "labels": labels}
        db.execute("update votes set translations_json = ? where id = ?",
                   [json.dumps(translations, ensure_ascii=False), vote_id])


def due_to_open(db: Database, now: datetime | None = None) -> list[int]:
    now_iso = _iso(now or datetime.now(timezone.utc))
    return [r[0] for r in db.execute("select id from votes where status = 'scheduled' and opens_at <= ? "
                                     "order by id", [now_iso])]


def due_to_close(db: Database, now: datetime | None = None) -> list[int]:
    now_iso = _iso(now or datetime.now(timezone.utc))
    return [r[0] for r in db.execute("select id from votes where status = 'open' and closes_at <= ? "
                                     "order by id", [now_iso])]


def charts_to_send(db: Database) -> list[int]:
    return [r[0] for r in db.execute("select id from votes where status = 'closed' and chart_sent_at is null")]


# ----------------------------------------------------------------- rendering
def label(vote: dict[str, Any], option: dict[str, str], lang: str) -> str:
    return vote["translations"].get(lang, {}).get("labels", {}).get(option["id"]) or option["label"]


def question(vote: dict[str, Any], lang: str) -> str:
    return vote["translations"].get(lang, {}).get("question") or vote["question"]


def local_time(iso: str, tz: ZoneInfo = BRUSSELS) -> str:
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%d/%m %H:%M")


def _placed(vote: dict[str, Any], placements: list[str]) -> str:
    by_id = {o["id"]: o["sticker"] for o in vote["options"]}
    return " ".join(by_id.get(p, "?") for p in placements)


def ballot_view(vote: dict[str, Any], lang: str, placements: list[str], rev: int, dutch: bool = False,
                closed: bool = False, tz: ZoneInfo = BRUSSELS) -> tuple[str, list[list[tuple[str, str]]]]:
    """The parent's vote message: question, what they placed, how many are left; stickers as buttons."""
    left = vote["stickers"] - len(placements)
    lines = [f"🗳️ {question(vote, lang)}", ""]
    if vote["stickers"] == 1:
        lines.append(tr(lang, "Tik op je keuze. Je kan van gedacht veranderen tot {closes}.",
                        closes=local_time(vote["closes_at"], tz)))
    else:
        lines.append(tr(lang, "Je krijgt {n} stickers. Tik op een thema om er een te plakken. "
                              "Je kan ze verplaatsen tot {closes}.",
                        n=vote["stickers"], closes=local_time(vote["closes_at"], tz)))
    if placements:
        lines.append(tr(lang, "Jouw stickers: {placed}", placed=_placed(vote, placements)))
    if vote["stickers"] > 1:
        lines.append(tr(lang, "Stickers over: {n}", n=left))
    if dutch and lang != SOURCE_LANGUAGE:
        lines += ["", "🇳🇱 " + vote["question"]] + [f"{o['sticker']} {o['label']}" for o in vote["options"]]
    if closed:
        lines += ["", tr(lang, "🔒 De stemming is gesloten.")]
        return "\n".join(lines), []
    rows: list[list[tuple[str, str]]] = []
    for option in vote["options"]:
        count = placements.count(option["id"])
        mark = " " + "●" * count if count else ""
        rows.append([(f"{option['sticker']}  {label(vote, option, lang)}{mark}"[:60],
                      f"V:{vote['id']}:{option['id']}:{rev}")])
    extra = []
    if placements:
        extra.append((tr(lang, "↩️ Eén terugnemen"), f"VB:{vote['id']}:{rev}"))
    if lang != SOURCE_LANGUAGE and not dutch:
        extra.append(("🇳🇱 Nederlands", f"VN:{vote['id']}:{rev}"))
    if extra:
        rows.append(extra)
    return "\n".join(lines), rows


# -------------------------------------------------------------------- opening
def open_vote(db: Database, vote_id: int, tz: ZoneInfo = BRUSSELS) -> int:
    """Send a scheduled vote to its audience (one transaction); returns how many got it."""
    with db.atomic():
        vote = get(db, vote_id)
        if vote is None or vote["status"] != "scheduled":
            return 0
        db.execute("update votes set status = 'open', opened_at = ? where id = ?", [utcnow(), vote_id])
        vote["status"] = "open"
        people = audience(db, vote)
        messages = []
        for person in people:
            cid, lang = person["telegram_id"], person["language"] or SOURCE_LANGUAGE
            db.execute("insert or ignore into vote_ballots (vote_id, caregiver_id, language, chat_id, rev) "
                       "values (?, ?, ?, ?, 0)", [vote_id, cid, lang, cid])
            text, buttons = ballot_view(vote, lang, [], 0, tz=tz)
            messages.append(Outgoing(cid, text, buttons=buttons, lane=BROADCAST, kind="vote", caregiver_id=cid,
                                     dedupe_key=f"vote:{vote_id}:{cid}"))
        send_queue.enqueue(db, *messages, useful_for=_until_close(vote))
    return len(people)


def _until_close(vote: dict[str, Any]) -> timedelta:
    left = datetime.fromisoformat(vote["closes_at"]) - datetime.now(timezone.utc)
    return max(left, timedelta(minutes=5))


@send_queue.on_sent("vote")
def _vote_delivered(db: Database, row: dict[str, Any], delivered: send_queue.Delivered) -> None:
    """Remember which message holds a parent's vote, to close it later."""
    key = row.get("dedupe_key") or ""
    parts = key.split(":")
    if len(parts) == 3 and parts[0] == "vote" and parts[1].isdigit():
        db.execute("update vote_ballots set message_id = ? where vote_id = ? and caregiver_id = ?",
                   [delivered.message_id, int(parts[1]), row["caregiver_id"]])


@send_queue.on_sent("vote_private")
def _scrub_when_sent(db: Database, row: dict[str, Any], delivered: send_queue.Delivered) -> None:
    """A message that named a parent's choice (an edited ballot, "you chose ...") keeps no text once
    delivered: Telegram has it in the parent's own chat, and the bot need not."""
    send_queue.scrub(db, SCRUBBED, row_id=row["id"])


@send_queue.on_failed
def _scrub_when_failed(db: Database, row: dict[str, Any], reason: str, error: str) -> None:
    if row["kind"] == "vote_private":
        send_queue.scrub(db, SCRUBBED, row_id=row["id"])


# ----------------------------------------------------------------- the taps
@dataclass
class Tap:
    """What a tap did. outcome: placed, moved, same, taken_back, stale, none_left, on_option, nothing,
    closed, not_yours, unknown."""

    outcome: str
    vote: dict[str, Any] | None = None
    placements: list[str] = field(default_factory=list)
    rev: int = 0
    language: str = SOURCE_LANGUAGE
    changed: bool = False


def _ballot(db: Database, vote_id: int, caregiver_id: int) -> dict[str, Any] | None:
    row = db.execute("select language, rev, message_id from vote_ballots where vote_id = ? and caregiver_id = ?",
                     [vote_id, caregiver_id]).fetchone()
    return {"language": row[0], "rev": row[1], "message_id": row[2]} if row else None


def placements_of(db: Database, vote_id: int, caregiver_id: int) -> list[str]:
    return [r[0] for r in db.execute("select option_id from vote_placements where vote_id = ? and caregiver_id = ? "
                                     "order by slot", [vote_id, caregiver_id])]


def _is_open(vote: dict[str, Any] | None, now: datetime) -> bool:
    return bool(vote) and vote["status"] == "open" and datetime.fromisoformat(vote["closes_at"]) > now


def _context(db: Database, vote_id: int, caregiver_id: int, now: datetime) -> tuple[Tap | None, dict, dict]:
    vote = get(db, vote_id)
    ballot = _ballot(db, vote_id, caregiver_id) if vote else None
    if vote is None or ballot is None:
        return Tap("not_yours"), {}, {}
    if not _is_open(vote, now):
        return Tap("closed", vote, language=ballot["language"]), vote, ballot
    return None, vote, ballot


def _bump(db: Database, vote_id: int, caregiver_id: int) -> int:
    db.execute("update vote_ballots set rev = rev + 1, took_part = 1 where vote_id = ? and caregiver_id = ?",
               [vote_id, caregiver_id])
    return _ballot(db, vote_id, caregiver_id)["rev"]


def ballot_edit(tap: Tap, caregiver_id: int, message_id: int, dedupe_key: str, dutch: bool = False,
                tz: ZoneInfo = BRUSSELS) -> Outgoing:
    """The edit that shows a parent their ballot as it is now (sent on the parent's fast lane)."""
    text, buttons = ballot_view(tap.vote, tap.language, tap.placements, tap.rev, dutch=dutch, tz=tz)
    return Outgoing(caregiver_id, text, buttons=buttons, method="editMessageText", message_id=message_id,
                    lane=REPLY, kind="vote_private", caregiver_id=caregiver_id, dedupe_key=dedupe_key)


def _show_change(db: Database, tap: Tap, caregiver_id: int, message_id: int | None, dedupe_key: str | None,
                 tz: ZoneInfo) -> None:
    if tap.changed and message_id is not None:
        send_queue.enqueue(db, ballot_edit(tap, caregiver_id, message_id, dedupe_key or "", tz=tz))


def place(db: Database, vote_id: int, caregiver_id: int, option_id: str, rev: int,
          now: datetime | None = None, message_id: int | None = None, dedupe_key: str | None = None,
          tz: ZoneInfo = BRUSSELS) -> Tap:
    """A caregiver taps an option: place a sticker (single choice: move it). One transaction, which also
    queues the edit of the tapped ballot (`message_id`) when something changed."""
    now = now or datetime.now(timezone.utc)
    with db.atomic():
        refused, vote, ballot = _context(db, vote_id, caregiver_id, now)
        if refused:
            return refused
        lang = ballot["language"]
        current = placements_of(db, vote_id, caregiver_id)
        tap = Tap("stale", vote, current, ballot["rev"], lang)
        if rev != ballot["rev"]:
            return tap  # a double tap or a replay, made on a state that has changed since: counted once
        if option_id not in {o["id"] for o in vote["options"]}:
            tap.outcome = "unknown"
            return tap
        if vote["stickers"] == 1 and current:
            if current[0] == option_id:
                tap.outcome = "same"
                return tap
            db.execute("update vote_placements set option_id = ?, placed_at = ? where vote_id = ? and "
                       "caregiver_id = ? and slot = 1", [option_id, utcnow(), vote_id, caregiver_id])
            tap.outcome = "moved"
        elif len(current) >= vote["stickers"]:
            tap.outcome = "none_left"
            return tap
        elif not vote["stack"] and option_id in current:
            tap.outcome = "on_option"
            return tap
        else:
            used = {r[0] for r in db.execute("select slot from vote_placements where vote_id = ? and caregiver_id = ?",
                                             [vote_id, caregiver_id])}
            slot = min(s for s in range(1, vote["stickers"] + 1) if s not in used)
            db.execute("insert into vote_placements (vote_id, caregiver_id, slot, option_id, placed_at) "
                       "values (?, ?, ?, ?, ?)", [vote_id, caregiver_id, slot, option_id, utcnow()])
            tap.outcome = "placed"
        tap.rev = _bump(db, vote_id, caregiver_id)
        tap.placements = placements_of(db, vote_id, caregiver_id)
        tap.changed = True
        _show_change(db, tap, caregiver_id, message_id, dedupe_key, tz)
        return tap


def take_back(db: Database, vote_id: int, caregiver_id: int, rev: int, now: datetime | None = None,
              message_id: int | None = None, dedupe_key: str | None = None, tz: ZoneInfo = BRUSSELS) -> Tap:
    """Take the last placed sticker back (and queue the edit of the tapped ballot, in the same transaction)."""
    now = now or datetime.now(timezone.utc)
    with db.atomic():
        refused, vote, ballot = _context(db, vote_id, caregiver_id, now)
        if refused:
            return refused
        current = placements_of(db, vote_id, caregiver_id)
        tap = Tap("stale", vote, current, ballot["rev"], ballot["language"])
        if rev != ballot["rev"]:
            return tap
        if not current:
            tap.outcome = "nothing"
            return tap
        db.execute("delete from vote_placements where vote_id = ? and caregiver_id = ? and slot = "
                   "(select max(slot) from vote_placements where vote_id = ? and caregiver_id = ?)",
                   [vote_id, caregiver_id, vote_id, caregiver_id])
        tap.outcome = "taken_back"
        tap.rev = _bump(db, vote_id, caregiver_id)
        tap.placements = placements_of(db, vote_id, caregiver_id)
        tap.changed = True
        _show_change(db, tap, caregiver_id, message_id, dedupe_key, tz)
        return tap


def view(db: Database, vote_id: int, caregiver_id: int) -> Tap:
    """The caregiver's ballot as it is (for "show the Dutch")."""
    refused, vote, ballot = _context(db, vote_id, caregiver_id, datetime.now(timezone.utc))
    if refused:
        return refused
    return Tap("view", vote, placements_of(db, vote_id, caregiver_id), ballot["rev"], ballot["language"])


def toast(tap: Tap) -> str:
    """The short answer to a tap, in the parent's language."""
    lang = tap.language
    texts = {
        "placed": tr(lang, "Sticker geplakt ✓"),
        "moved": tr(lang, "Je keuze is veranderd ✓"),
        "same": tr(lang, "Dit is al je keuze ✓"),
        "taken_back": tr(lang, "Sticker teruggenomen"),
        "stale": tr(lang, "Al geteld ✓"),
        "none_left": tr(lang, "Je hebt geen stickers meer. Neem er eerst een terug."),
        "on_option": tr(lang, "Hier hangt al een sticker van jou. Kies een ander thema."),
        "nothing": tr(lang, "Je hebt nog geen sticker geplakt."),
        "closed": tr(lang, "Deze stemming is gesloten. Dank je! Het resultaat komt eraan."),
    }
    return texts.get(tap.outcome, "")


# -------------------------------------------------------------------- status
def tally(db: Database, vote: dict[str, Any]) -> dict[str, Any]:
    """Participants, stickers placed and the count per option (stored when closed, live while open)."""
    if vote["status"] == "closed" and vote["tally_json"]:
        counts = json.loads(vote["tally_json"])
        return {"participants": vote["participants"], "stickers_placed": vote["stickers_placed"], "tally": counts}
    counts = {o["id"]: 0 for o in vote["options"]}
    for option_id, n in db.execute("select option_id, count(*) from vote_placements where vote_id = ? "
                                   "group by option_id", [vote["id"]]):
        counts[option_id] = n
    participants = db.execute("select count(distinct caregiver_id) from vote_placements where vote_id = ?",
                              [vote["id"]]).fetchone()[0]
    return {"participants": participants, "stickers_placed": sum(counts.values()), "tally": counts}


def status(db: Database, vote_id: int) -> dict[str, Any]:
    vote = get(db, vote_id)
    if vote is None:
        raise VoteError(f"no vote {vote_id}")
    sent_to = db.execute("select count(*) from vote_ballots where vote_id = ?", [vote_id]).fetchone()[0]
    return {"id": vote_id, "school": vote["school_id"], "question": vote["question"], "status": vote["status"],
            "closed": vote["status"] == "closed", "stickers": vote["stickers"], "stack": bool(vote["stack"]),
            "anonymous": bool(vote["anonymous"]), "opens_at": vote["opens_at"], "closes_at": vote["closes_at"],
            "sent_to": sent_to, **tally(db, vote),
            "options": {o["id"]: f"{o['sticker']} {o['label']}" for o in vote["options"]}}


def ranked(vote: dict[str, Any], counts: dict[str, int]) -> list[dict[str, str]]:
    order = {o["id"]: n for n, o in enumerate(vote["options"])}
    return sorted(vote["options"], key=lambda o: (-counts.get(o["id"], 0), order[o["id"]]))


def result_lines(vote: dict[str, Any], counts: dict[str, int], lang: str) -> list[str]:
    return [f"{n}. {o['sticker']} {label(vote, o, lang)} – {counts.get(o['id'], 0)}"
            for n, o in enumerate(ranked(vote, counts), 1)]


# -------------------------------------------------------------------- closing
@dataclass
class Closing:
    vote_id: int
    participants: int
    stickers_placed: int
    tally: dict[str, int]
    already: bool = False


def staff_chats(db: Database, school_id: str) -> list[int]:
    """Where the chart goes: the school's team group if it has one, else every active colleague."""
    school = store.get_school(db, school_id)
    if school and school.get("team_chat_id"):
        return [school["team_chat_id"]]
    return [r[0] for r in db.execute("select distinct telegram_id from staff where school_id = ? and active = 1 "
                                     "order by telegram_id", [school_id])]


def close(db: Database, vote_id: int, tz: ZoneInfo = BRUSSELS) -> Closing:
    """Close a vote (one transaction): store the tally, tell every participant what they chose and the
    result, lock every ballot message; an anonymous vote forgets who chose what."""
    with db.atomic():
        vote = get(db, vote_id)
        if vote is None:
            raise VoteError(f"no vote {vote_id}")
        if vote["status"] == "closed":
            return Closing(vote_id, vote["participants"], vote["stickers_placed"], json.loads(vote["tally_json"]),
                           already=True)
        live = tally(db, vote)
        counts = live["tally"]
        chosen: dict[int, list[str]] = {}
        for cid, option_id in db.execute("select caregiver_id, option_id from vote_placements where vote_id = ? "
                                         "order by caregiver_id, slot", [vote_id]):
            chosen.setdefault(cid, []).append(option_id)
        db.execute("update votes set status = 'closed', closed_at = ?, participants = ?, stickers_placed = ?, "
                   "tally_json = ? where id = ?", [utcnow(), live["participants"], live["stickers_placed"],
                                                   json.dumps(counts), vote_id])
        db.execute("update vote_ballots set took_part = 0 where vote_id = ?", [vote_id])
        if chosen:
            db.execute(f"update vote_ballots set took_part = 1 where vote_id = ? and caregiver_id in "
                       f"({', '.join('?' * len(chosen))})", [vote_id, *chosen])
        vote = get(db, vote_id)
        messages: list[Outgoing] = []
        for cid, lang, message_id in db.execute("select caregiver_id, language, message_id from vote_ballots "
                                                "where vote_id = ?", [vote_id]).fetchall():
            mine = chosen.get(cid, [])
            if message_id:
                text, _ = ballot_view(vote, lang, mine, 0, closed=True, tz=tz)
                messages.append(Outgoing(cid, text, buttons=[], method="editMessageText", message_id=message_id,
                                         lane=BROADCAST, kind="vote_private", caregiver_id=cid,
                                         dedupe_key=f"vote:{vote_id}:lock:{cid}"))
            if mine:
                messages.append(Outgoing(cid, result_text(vote, counts, live["participants"], lang, mine),
                                         lane=BROADCAST, kind="vote_private", caregiver_id=cid,
                                         dedupe_key=f"vote:{vote_id}:result:{cid}"))
        send_queue.enqueue(db, *messages)
        if vote["anonymous"]:
            forget_choices(db, vote_id)
        store.audit(db, "system", "system", "vote_close", vote["school_id"], f"vote {vote_id}",
                    {"participants": live["participants"]})
    return Closing(vote_id, live["participants"], live["stickers_placed"], counts)


def forget_choices(db: Database, vote_id: int) -> None:
    """Anonymity after closing: no row left that links a caregiver to an option of this vote."""
    db.execute("delete from vote_placements where vote_id = ?", [vote_id])
    send_queue.scrub(db, SCRUBBED, kind="vote_private", key_like=f"vote:{vote_id}:%")
    db.execute("delete from inbox where json_extract(payload, '$.callback_query.data') like ?", [f"V%:{vote_id}:%"])


def result_text(vote: dict[str, Any], counts: dict[str, int], participants: int, lang: str,
                mine: list[str]) -> str:
    by_id = {o["id"]: o for o in vote["options"]}
    choices = ", ".join(f"{by_id[o]['sticker']} {label(vote, by_id[o], lang)}"
                        + (f" ×{mine.count(o)}" if mine.count(o) > 1 else "")
                        for o in dict.fromkeys(mine) if o in by_id)
    lines = [f"🗳️ {question(vote, lang)}", "",
             tr(lang, "Dank je om mee te stemmen! Jij koos: {choices}", choices=choices), "",
             tr(lang, "Het resultaat ({n} ouders stemden mee):", n=participants),
             *result_lines(vote, counts, lang), "",
             tr(lang, "De school laat je weten wat ze ermee doet.")]
    return "\n".join(lines)


def record_chart_sent(db: Database, vote_id: int, png: bytes) -> int:
    """Queue the chart (one photo per staff chat) and remember it was sent."""
    with db.atomic():
        vote = get(db, vote_id)
        counts = json.loads(vote["tally_json"] or "{}")
        caption = "\n".join([f"🗳️ Stemming {vote_id}: {vote['question']}",
                             f"{vote['participants']} deelnemers, {vote['stickers_placed']} stickers", "",
                             *result_lines(vote, counts, SOURCE_LANGUAGE), "",
                             f"Laat de ouders weten wat de school ermee doet: /voteresult {vote_id} tekst"])
        chats = staff_chats(db, vote["school_id"])
        send_queue.enqueue(db, *[Outgoing(chat, caption[:1024], method="sendPhoto", photo=png, lane=STAFF,
                                          kind="vote_chart", dedupe_key=f"vote:{vote_id}:chart:{chat}")
                                 for chat in chats])
        db.execute("update votes set chart_sent_at = ? where id = ?", [utcnow(), vote_id])
    return len(chats)


# ------------------------------------------------------------ "you said, we do"
def participants(db: Database, vote_id: int) -> list[dict[str, Any]]:
    return list(db.query("select caregiver_id, language from vote_ballots where vote_id = ? and took_part = 1 "
                         "order by caregiver_id", [vote_id]))


def announce(db: Database, vote_id: int, text: str, author: int | str,
             translated: dict[str, str] | None = None) -> int:
    """Staff say what the school will do with the result; it goes to everyone who took part, in their
    language (`translated`: language -> text, prepared by the caller) with the Dutch beside it."""
    translated = translated or {}
    with db.atomic():
        vote = get(db, vote_id)
        if vote is None:
            raise VoteError(f"no vote {vote_id}")
        if vote["status"] != "closed":
            raise VoteError(f"vote {vote_id} is still open; close it first")
        n = db["vote_announcements"].insert({"vote_id": vote_id, "text": text, "author": str(author),
                                             "created_at": utcnow()}).last_pk
        messages = []
        for person in participants(db, vote_id):
            lang = person["language"] or SOURCE_LANGUAGE
            body = translated.get(lang) or text
            lines = [tr(lang, "📣 Jullie zeiden, wij doen: de school over de stemming „{question}”",
                        question=question(vote, lang)), "", body]
            if lang != SOURCE_LANGUAGE:
                lines += ["", "🇳🇱 " + text]
            messages.append(Outgoing(person["caregiver_id"], "\n".join(lines), lane=BROADCAST, kind="vote_wedo",
                                     caregiver_id=person["caregiver_id"],
                                     dedupe_key=f"vote:{vote_id}:wedo:{n}:{person['caregiver_id']}"))
        send_queue.enqueue(db, *messages)
        store.audit(db, str(author), "staff", "vote_result", vote["school_id"], f"vote {vote_id}", {})
    return len(messages)


def school_of(db: Database, vote_id: int) -> str | None:
    row = db.execute("select school_id from votes where id = ?", [vote_id]).fetchone()
    return row[0] if row else None


# --------------------------------------------------------------- retention
def purge(db: Database, cutoff_iso: str) -> int:
    """Votes closed before `cutoff_iso`: their ballots (who got it, who took part) go; the tally stays."""
    old = [r[0] for r in db.execute("select id from votes where status = 'closed' and closed_at < ?", [cutoff_iso])]
    n = 0
    for vote_id in old:
        n += db.execute("delete from vote_ballots where vote_id = ?", [vote_id]).rowcount
        n += db.execute("delete from vote_placements where vote_id = ?", [vote_id]).rowcount
    return n


# -------------------------------------------------------------------- chart
_EMOJI_FONTS = ("Noto Color Emoji", "Noto Emoji", "Symbola", "Segoe UI Emoji", "Apple Color Emoji",
                "DejaVu Sans")


def _glyph_fonts() -> list[tuple[str, set[int]]]:
    """Fonts matplotlib can use, with the code points each one has (to show an emoji only where a font has it)."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    out = []
    for name in _EMOJI_FONTS:
        try:
            path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
            out.append((name, set(FT2Font(path).get_charmap())))
        except Exception:
            continue
    return out


def _renderable(sticker: str, fonts: list[tuple[str, set[int]]]) -> str | None:
    points = [ord(c) for c in sticker if ord(c) not in (0xFE0F, 0x200D)]
    for name, charmap in fonts:
        if points and all(p in charmap for p in points):
            return name
    return None


def chart_png(vote: dict[str, Any], counts: dict[str, int] | None = None) -> bytes:
    """A horizontal bar chart of the tally with the Dutch labels (and the emoji where a font has it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = counts if counts is not None else json.loads(vote["tally_json"] or "{}")
    options = list(reversed(ranked(vote, counts)))
    fonts = _glyph_fonts()
    names = []
    for o in options:
        names.append(f"{o['sticker']}  {o['label']}" if _renderable(o["sticker"], fonts) == "DejaVu Sans"
                     else o["label"])
    values = [counts.get(o["id"], 0) for o in options]
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.55 * len(options)), dpi=100)
    try:
        bars = ax.barh(range(len(options)), values, color="#2f7d5b")
        ax.set_yticks(range(len(options)))
        ax.set_yticklabels([n[:40] for n in names], fontsize=11)
        for bar, value in zip(bars, values):
            ax.text(bar.get_width() + max(values + [1]) * 0.01, bar.get_y() + bar.get_height() / 2, str(value),
                    va="center", fontsize=11)
        ax.set_xlim(0, max(values + [1]) * 1.12)
        title = vote["question"] if len(vote["question"]) <= 70 else vote["question"][:67] + "…"
        ax.set_title(title, fontsize=12, loc="left")
        ax.set_xlabel(f"stickers ({vote.get('participants') or 0} deelnemers)")
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
    finally:
        plt.close(fig)
    return out.getvalue()


def export(db: Database, vote_id: int) -> dict[str, Any]:
    """Everything a school may keep of a vote: the question, the options, the tally, the announcements."""
    info = status(db, vote_id)
    vote = get(db, vote_id)
    info["ranking"] = [{"id": o["id"], "sticker": o["sticker"], "label": o["label"],
                        "stickers": info["tally"].get(o["id"], 0)} for o in ranked(vote, info["tally"])]
    info["announcements"] = [dict(r) for r in db.query("select text, created_at from vote_announcements "
                                                       "where vote_id = ? order by id", [vote_id])]
    return info


def languages_of(people: Iterable[dict[str, Any]]) -> list[str]:
    return sorted({p["language"] or SOURCE_LANGUAGE for p in people})
