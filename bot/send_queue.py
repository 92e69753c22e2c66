"""The one send queue: everything the bot says is a row in SQLite before it is sent.

Why a queue in the database and not calls to Telegram from the handlers:
* nothing is lost: a row is written (in the caller's transaction) before anything
  is sent, and a crash or an outage of hours only delays it;
* order per chat holds, retries included: only the oldest unfinished row of a
  chat may go out, so A, B, C never arrive as B, C, A;
* a parent's answer never waits behind a broadcast: rows sit in priority lanes
  (NOW before REPLY before STAFF before BROADCAST) that share Telegram's budget (about
  30 messages/s per bot, 1/s per private chat, 20/min per group);
* the queue, not python-telegram-bot's rate limiter, honours `retry_after`
  (the limiter of every released version lets a 429 halt end early).

Life of a row: `held` (waiting for its escalation to get a place in a chat) →
`pending` → `sending` (claimed with a lease) → `sent` or `failed`. A row still
`sending` after a crash is sent again at the next start: delivery is at least
once, and a double is only possible for the few rows in flight at that moment.

This module knows nothing of Telegram: `Dispatcher` delivers rows through a
`Transport` (bot/telegram/sender.py is the Telegram one) and maps its typed
errors. What a delivered or undeliverable row means for a school (an escalation
got its forum topic, a parent blocked the bot) is decided by the reactions that
domain modules register with `on_sent` / `on_failed`.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable, Iterable, Protocol

from sqlite_utils import Database

from bot.db import utcnow

logger = logging.getLogger(__name__)

# Priority lanes, most urgent first. NOW: short answers a person is looking at this second (a command, a tapped
# button, an emergency answer); REPLY: the assistant's answers and relays; STAFF: notices for the team;
# BROADCAST: reminders and votes to many families.
NOW, REPLY, STAFF, BROADCAST = 0, 1, 2, 3
LANE_NAMES = {NOW: "now", REPLY: "reply", STAFF: "staff", BROADCAST: "broadcast"}
ROW_ID = "{row_id}"  # in button data: replaced by the row's own id when it is sent


# ------------------------------------------------------------------ messages
@dataclass
class Outgoing:
    """One thing to say (or do) in a chat. `chat_id` None with an `escalation_id`: wherever that
    escalation is placed, once it has a place (the row is `held` until then)."""

    chat_id: int | None
    text: str = ""
    buttons: list[list[tuple[str, str]]] | None = None  # rows of (label, callback data or URL)
    thread_id: int | None = None
    lane: int = REPLY
    kind: str = "reply"
    method: str = "sendMessage"  # sendMessage, sendPhoto, editMessageText, createForumTopic, closeForumTopic
    message_id: int | None = None  # the message to edit (editMessageText)
    photo: bytes | None = None
    silent: bool = False  # disable_notification (a red reminder in quiet hours)
    paid: bool = False  # allow_paid_broadcast (Bot API 7.11)
    escalation_id: int | None = None
    caregiver_id: int | None = None  # whose words or whose chat: erasure finds the row by it
    source_text: str | None = None  # the original behind a translation ("Dutch original" button)
    source_language: str | None = None
    dedupe_key: str | None = None  # a replayed update cannot enqueue the same message twice
    not_before: datetime | None = None  # a message for later (a reminder the parent asked for)
    extra: dict[str, Any] = field(default_factory=dict)  # method-specific fields (topic name, ...)


def enqueue(db: Database, *messages: Outgoing, useful_for: timedelta = timedelta(hours=24),
            retention_days: int = 180) -> list[int]:
    """Store messages to send, in one transaction. Returns their row ids (an existing id for a duplicate)."""
    now = time.time()
    ids: list[int] = []
    with db.atomic():
        for m in messages:
            if m.dedupe_key is not None:
                row = db.execute("select id from send_queue where dedupe_key = ?", [m.dedupe_key]).fetchone()
                if row:
                    ids.append(row[0])
                    continue
            held = m.chat_id is None
            if held and m.escalation_id is None:
                raise ValueError("a message needs a chat or an escalation")
            payload = {"text": m.text, "buttons": m.buttons or [], **m.extra}
            if m.message_id is not None:
                payload["message_id"] = m.message_id
            if m.silent:
                payload["silent"] = True
            if m.paid:
                payload["paid"] = True
            ids.append(db["send_queue"].insert({
                "lane": m.lane, "kind": m.kind, "method": m.method, "chat_id": m.chat_id, "thread_id": m.thread_id,
                "payload": json.dumps(payload, ensure_ascii=False), "attachment": m.photo,
                "escalation_id": m.escalation_id, "caregiver_id": m.caregiver_id,
                "status": "held" if held else "pending", "attempts": 0,
                "due_at": max(now, m.not_before.timestamp()) if m.not_before else now,
                "expires_at": (m.not_before.timestamp() if m.not_before else now) + useful_for.total_seconds(),
                "created_at": utcnow(),
                "source_text": m.source_text, "source_language": m.source_language, "dedupe_key": m.dedupe_key,
                "purge_after": (datetime.now(timezone.utc) + timedelta(days=retention_days)).isoformat(
                    timespec="seconds")}).last_pk)
    return ids


def release_held(db: Database, escalation_id: int, chat_id: int, thread_id: int | None) -> int:
    """An escalation got its place: its held rows go there, in the order they were written."""
    return db.execute("update send_queue set chat_id = ?, thread_id = ?, status = 'pending', due_at = ? "
                      "where escalation_id = ? and status = 'held'",
                      [chat_id, thread_id, time.time(), escalation_id]).rowcount


def retarget(db: Database, row_id: int, chat_id: int, thread_id: int | None) -> None:
    """Send a row that could not reach its chat to another one (a colleague's private chat, an admin)."""
    db.execute("update send_queue set chat_id = ?, thread_id = ?, status = 'pending', due_at = ?, "
               "lease_until = null where id = ?", [chat_id, thread_id, time.time(), row_id])


def get(db: Database, row_id: int) -> dict[str, Any] | None:
    rows = list(db["send_queue"].rows_where("id = ?", [row_id], limit=1))
    return rows[0] if rows else None


def by_message(db: Database, chat_id: int, telegram_message_id: int) -> dict[str, Any] | None:
    """The queued row that became message `telegram_message_id` in `chat_id` (a reply's target)."""
    rows = list(db["send_queue"].rows_where("chat_id = ? and telegram_message_id = ?",
                                            [chat_id, telegram_message_id], limit=1))
    return rows[0] if rows else None


def first_text(db: Database, escalation_id: int, kind: str) -> str | None:
    """The text of an escalation's first row of `kind` (its summary, to show a colleague it is passed to)."""
    row = db.execute("select payload from send_queue where escalation_id = ? and kind = ? order by id limit 1",
                     [escalation_id, kind]).fetchone()
    return json.loads(row[0]).get("text") if row else None


def unfinished(db: Database, escalation_id: int, kind: str) -> bool:
    """Is a row of `kind` for this escalation still waiting or on its way?"""
    return db.execute("select 1 from send_queue where escalation_id = ? and kind = ? and status in "
                      "('held', 'pending', 'sending')", [escalation_id, kind]).fetchone() is not None


def scrub(db: Database, payload: str, row_id: int | None = None, kind: str | None = None,
          key_like: str | None = None) -> int:
    """Replace the text of delivered (or failed) rows by `payload`: one row, or the rows of `kind` whose
    dedupe key is LIKE `key_like` (a message that named a parent's choice keeps no text once sent)."""
    if row_id is not None:
        return db.execute("update send_queue set payload = ? where id = ?", [payload, row_id]).rowcount
    return db.execute("update send_queue set payload = ? where kind = ? and status in ('sent', 'failed') "
                      "and dedupe_key like ?", [payload, kind, key_like]).rowcount


def counts(db: Database) -> dict[str, int]:
    return {status: n for status, n in db.execute("select status, count(*) from send_queue group by status")}


def recover(db: Database) -> int:
    """At start: rows that were being sent when the last process stopped are sent again (at least once)."""
    return db.execute("update send_queue set status = 'pending', lease_until = null where status = 'sending'"
                      ).rowcount


def _heads(db: Database, now: float, limit: int) -> list[dict[str, Any]]:
    """The oldest unfinished row of each chat, when it is due, most urgent lane first."""
    return list(db.query(
        """select q.* from send_queue q
           where q.status = 'pending' and q.due_at <= :now
             and q.id = (select min(q2.id) from send_queue q2
                         where q2.chat_id = q.chat_id and q2.status in ('pending', 'sending'))
           order by q.lane, q.id limit :limit""", {"now": now, "limit": limit}))


def _claim(db: Database, rows: list[dict[str, Any]], lease_until: float) -> None:
    with db.atomic():
        for row in rows:
            db.execute("update send_queue set status = 'sending', lease_until = ?, attempts = attempts + 1 "
                       "where id = ? and status = 'pending'", [lease_until, row["id"]])


def next_due(db: Database) -> float | None:
    row = db.execute("select min(due_at) from send_queue where status = 'pending'").fetchone()
    return row[0] if row and row[0] is not None else None


# ---------------------------------------------------------------- transport
class DeliveryError(Exception):
    """Base of what a transport raises; the dispatcher decides from the type."""


class RetryLater(DeliveryError):
    """The service asks us to wait (HTTP 429 with retry_after)."""

    def __init__(self, retry_after: float, message: str = "") -> None:
        super().__init__(message or f"retry after {retry_after}s")
        self.retry_after = float(retry_after)


class Transient(DeliveryError):
    """Network trouble or a 5xx: try again later, for as long as the message is useful."""


class Ambiguous(Transient):
    """The request may have arrived (a read timeout): sending again may double it. Counted."""


class Unreachable(DeliveryError):
    """The person blocked the bot, left, or deleted their account."""


class Permanent(DeliveryError):
    """The request itself is wrong (chat not found, topic gone, text refused): no retry helps."""


@dataclass
class Delivered:
    message_id: int | None = None
    thread_id: int | None = None


class Transport(Protocol):
    async def deliver(self, row: dict[str, Any], payload: dict[str, Any]) -> Delivered: ...


# ---------------------------------------------------------------- reactions
SentReaction = Callable[[Database, dict[str, Any], Delivered], None]
FailedReaction = Callable[[Database, dict[str, Any], str, str], None]  # db, row, reason, error text
_on_sent: dict[str, SentReaction] = {}
_on_failed: list[FailedReaction] = []


def on_sent(kind: str) -> Callable[[SentReaction], SentReaction]:
    """Register what a delivered row of `kind` means (runs in the transaction that marks it sent)."""

    def register(fn: SentReaction) -> SentReaction:
        _on_sent[kind] = fn
        return fn

    return register


def on_failed(fn: FailedReaction) -> FailedReaction:
    """Register a reaction to a row that cannot be delivered (reason: unreachable, refused, expired)."""
    _on_failed.append(fn)
    return fn


# ------------------------------------------------------------------- pacing
class Pacer:
    """Telegram's budget, in memory: a sliding window overall, per private chat and per group."""

    def __init__(self, per_second: float = 30.0, paid_per_second: float = 1000.0, chat_interval: float = 1.05,
                 group_per_minute: int = 20, clock: Callable[[], float] = time.monotonic,
                 span: float = 1.03) -> None:
        self.per_second = per_second
        self.paid_per_second = paid_per_second
        self.chat_interval = chat_interval
        self.group_per_minute = group_per_minute
        self.clock = clock
        self.span = span  # a little over a second: Telegram counts arrivals, and requests travel unevenly
        self._all: deque[float] = deque()
        self._paid: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}
        self._paused_until: dict[int, float] = {}
        self._global_pause = 0.0

    @staticmethod
    def _trim(window: deque[float], now: float, span: float) -> None:
        while window and now - window[0] >= span:
            window.popleft()

    def free(self, paid: bool = False) -> int:
        """How many messages may start now under the bot-wide limit."""
        now = self.clock()
        if now < self._global_pause:
            return 0
        window, limit = (self._paid, self.paid_per_second) if paid else (self._all, self.per_second)
        self._trim(window, now, self.span)
        return max(0, int(limit) - len(window))

    def chat_ready(self, chat_id: int, paced: bool = True) -> bool:
        now = self.clock()
        if self._paused_until.get(chat_id, 0.0) > now:
            return False
        if not paced:
            return True
        window = self._chats.get(chat_id)
        if not window:
            return True
        if chat_id < 0:
            self._trim(window, now, 60.0)
            return len(window) < self.group_per_minute
        return now - window[-1] >= self.chat_interval

    def take(self, chat_id: int, paid: bool = False, paced: bool = True) -> None:
        now = self.clock()
        (self._paid if paid else self._all).append(now)
        if paced:
            window = self._chats.setdefault(chat_id, deque())
            window.append(now)
            if chat_id > 0:
                while len(window) > 1:
                    window.popleft()
        if len(self._chats) > 50000:  # forget chats that have been quiet for a minute
            for cid in [c for c, w in self._chats.items() if not w or now - w[-1] > 60][:10000]:
                del self._chats[cid]

    def finished(self, chat_id: int) -> None:
        """A request to this chat has been answered: pace the next one from now. Telegram counts a message
        when it arrives, and the next request must not overtake a slow one."""
        window = self._chats.get(chat_id)
        if window:
            window[-1] = max(window[-1], self.clock())

    def take_global(self) -> None:
        """A request outside the queue (a chat action) that costs from the same budget."""
        self._all.append(self.clock())

    def pause_chat(self, chat_id: int, seconds: float) -> None:
        self._paused_until[chat_id] = self.clock() + seconds

    def pause_all(self, seconds: float) -> None:
        self._global_pause = max(self._global_pause, self.clock() + seconds)

    def next_change(self) -> float:
        """Seconds until the bot-wide window frees a slot (for the dispatcher's sleep)."""
        now = self.clock()
        if now < self._global_pause:
            return self._global_pause - now
        return max(0.005, self.span - (now - self._all[0])) if self._all else 0.05


# --------------------------------------------------------------- dispatcher
UNPACED_METHODS = {"editMessageText", "editMessageReplyMarkup", "createForumTopic", "closeForumTopic"}


@dataclass
class DispatchStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    ambiguous: int = 0  # resent after a timeout: possibly doubled
    rate_limited: int = 0


class Dispatcher:
    """Claims due rows in small batches and delivers them through a transport, within Telegram's budget.

    One asyncio task; each claimed row is delivered in its own task so chats go in parallel while each
    chat has at most one row in flight.
    """

    def __init__(self, db: Database, transport: Transport, pacer: Pacer | None = None,
                 max_in_flight: int = 64, lease_seconds: float = 120.0, backoff_cap: float = 300.0,
                 backoff_base: float = 1.0) -> None:
        self.db = db
        self.transport = transport
        self.pacer = pacer or Pacer()
        self.max_in_flight = max_in_flight
        self.lease_seconds = lease_seconds
        self.backoff_cap = backoff_cap
        self.backoff_base = backoff_base
        self.stats = DispatchStats()
        self._wake = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task] = {}  # row id -> task
        self._busy_chats: set[int] = set()
        self._stopping = False
        self._task: asyncio.Task | None = None
        self._recent_429: deque[float] = deque()

    # ------------------------------------------------------------ control
    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        recovered = recover(self.db)
        if recovered:
            logger.warning("resending %d message(s) that were in flight when the last process stopped", recovered)
        self._task = asyncio.create_task(self._run(), name="send-queue")

    async def stop(self, drain_seconds: float = 15.0) -> None:
        """Stop claiming rows and let what is in flight finish (so nothing is cut off and resent)."""
        self._stopping = True
        self._wake.set()
        if self._task:
            try:
                await asyncio.wait_for(self._task, timeout=5)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._task.cancel()
        if self._in_flight:
            done, pending = await asyncio.wait(list(self._in_flight.values()), timeout=drain_seconds)
            for task in pending:  # left `sending`: resent at the next start
                task.cancel()

    def paced_chat_action(self) -> bool:
        """Take a slot of the bot-wide budget for a request outside the queue; False when none is free."""
        if self.pacer.free() <= 0:
            return False
        self.pacer.take_global()
        return True

    # --------------------------------------------------------------- loop
    async def _run(self) -> None:
        while not self._stopping:
            try:
                delay = await self._round()
            except Exception:  # a database hiccup must not end delivery
                logger.exception("send queue round failed")
                delay = 1.0
            if self._stopping:
                break
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), max(0.005, min(delay, 1.0)))
            except asyncio.TimeoutError:
                pass

    async def _round(self) -> float:
        now_wall = time.time()
        slots = self.max_in_flight - len(self._in_flight)
        free, free_paid = self.pacer.free(), self.pacer.free(paid=True)
        if slots <= 0 or (free <= 0 and free_paid <= 0):
            return self.pacer.next_change()
        candidates = _heads(self.db, now_wall, limit=max(50, 4 * max(free, 1)))
        chosen: list[dict[str, Any]] = []
        for row in candidates:
            if len(chosen) >= slots:
                break
            chat = row["chat_id"]
            if chat in self._busy_chats:
                continue
            paid = '"paid": true' in (row["payload"] or "")
            paced = row["method"] not in UNPACED_METHODS
            if paid:
                if free_paid <= 0:
                    continue
            elif free <= 0:
                continue
            if not self.pacer.chat_ready(chat, paced):
                continue
            self.pacer.take(chat, paid, paced)
            if paid:
                free_paid -= 1
            else:
                free -= 1
            chosen.append(row)
            self._busy_chats.add(chat)
        if not chosen:
            upcoming = next_due(self.db)
            wait = 1.0 if upcoming is None else max(0.02, upcoming - now_wall)
            return min(wait, 0.1 if candidates else 1.0)
        _claim(self.db, chosen, now_wall + self.lease_seconds)
        for row in chosen:
            self._in_flight[row["id"]] = asyncio.create_task(self._deliver(row), name=f"send-{row['id']}")
        return 0.0 if free > 0 else self.pacer.next_change()

    async def _deliver(self, row: dict[str, Any]) -> None:
        payload = json.loads(row["payload"] or "{}")
        try:
            delivered = await self.transport.deliver(row, _with_row_id(payload, row["id"]))
        except RetryLater as err:
            self.stats.rate_limited += 1
            self._rate_limited(row, err.retry_after)
        except Ambiguous as err:
            self.stats.ambiguous += 1
            self._retry(row, err)
        except Transient as err:
            self._retry(row, err)
        except Unreachable as err:
            self._fail(row, "unreachable", err)
        except Permanent as err:
            self._fail(row, "refused", err)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # a bug in a transport: treat as transient, never lose the row
            logger.exception("delivering row %s failed unexpectedly", row["id"])
            self._retry(row, err)
        else:
            self._sent(row, delivered)
        finally:
            self._in_flight.pop(row["id"], None)
            self._busy_chats.discard(row["chat_id"])
            if row["method"] not in UNPACED_METHODS:
                self.pacer.finished(row["chat_id"])
            self._wake.set()

    # ------------------------------------------------------------ outcomes
    def _sent(self, row: dict[str, Any], delivered: Delivered) -> None:
        self.stats.sent += 1
        with self.db.atomic():
            self.db.execute("update send_queue set status = 'sent', sent_at = ?, telegram_message_id = ?, "
                            "lease_until = null, last_error = null where id = ?",
                            [utcnow(), delivered.message_id, row["id"]])
            reaction = _on_sent.get(row["kind"])
            if reaction:
                reaction(self.db, row, delivered)

    def _rate_limited(self, row: dict[str, Any], retry_after: float) -> None:
        """Honour retry_after for this chat; a storm of them across chats pauses everything."""
        now = time.monotonic()
        self._recent_429.append(now)
        while self._recent_429 and now - self._recent_429[0] > 1.0:
            self._recent_429.popleft()
        self.pacer.pause_chat(row["chat_id"], retry_after)
        if len(self._recent_429) >= 3:
            self.pacer.pause_all(retry_after)
        self.db.execute("update send_queue set status = 'pending', due_at = ?, lease_until = null, "
                        "attempts = attempts - 1, last_error = ? where id = ?",
                        [time.time() + retry_after, f"429 retry after {retry_after}s", row["id"]])

    def _retry(self, row: dict[str, Any], err: Exception) -> None:
        attempts = row["attempts"] + 1
        if time.time() >= (row["expires_at"] or 0):
            self._fail(row, "expired", err)
            return
        self.stats.retried += 1
        delay = min(self.backoff_cap, self.backoff_base * (2 ** min(attempts - 1, 20)))
        self.db.execute("update send_queue set status = 'pending', due_at = ?, lease_until = null, "
                        "last_error = ? where id = ?", [time.time() + delay, str(err)[:300], row["id"]])
        logger.info("row %s (%s) will be retried in %.0fs: %s", row["id"], row["kind"], delay, err)

    def _fail(self, row: dict[str, Any], reason: str, err: Exception) -> None:
        self.stats.failed += 1
        logger.warning("row %s (%s to %s) not delivered (%s): %s", row["id"], row["kind"], row["chat_id"],
                       reason, err)
        with self.db.atomic():
            self.db.execute("update send_queue set status = 'failed', lease_until = null, last_error = ? "
                            "where id = ?", [f"{reason}: {err}"[:300], row["id"]])
            for reaction in _on_failed:
                try:
                    with self.db.atomic():  # a savepoint: one reaction's error does not undo the others
                        reaction(self.db, row, reason, str(err))
                except Exception:
                    logger.exception("reaction to undeliverable row %s failed", row["id"])


def _with_row_id(payload: dict[str, Any], row_id: int) -> dict[str, Any]:
    if ROW_ID not in json.dumps(payload.get("buttons") or []):
        return payload
    payload = dict(payload)
    payload["buttons"] = [[(label, data.replace(ROW_ID, str(row_id))) for label, data in row]
                          for row in payload["buttons"]]
    return payload


def purge(db: Database, now_iso: str | None = None) -> int:
    """Delete rows past their retention (their texts are parents' and staff's words)."""
    return db.execute("delete from send_queue where status in ('sent', 'failed') and purge_after < ?",
                      [now_iso or utcnow()]).rowcount


def erase_caregiver(db: Database, telegram_id: int) -> int:
    """Every row that carries a caregiver's words or goes to their chat (part of bot/privacy.py's erase)."""
    return db.execute("delete from send_queue where caregiver_id = ? or chat_id = ?",
                      [telegram_id, telegram_id]).rowcount


def ids(rows: Iterable[dict[str, Any]]) -> list[int]:
    return [r["id"] for r in rows]
