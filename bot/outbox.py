"""A durable outbox: every relayed message is written to SQLite before it is sent.

A worker sends pending rows in order per chat (chats in parallel), marks each sent
with its Telegram message id the moment the Bot API confirms it, retries
failures with backoff, and reports a message that cannot be delivered (the parent
blocked the bot, the chat is gone) to the escalation's brugfiguur. A restart
resumes with whatever is still pending: nothing is lost.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable

from sqlite_utils import Database
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden

from bot.db import utcnow

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6


def enqueue(db: Database, kind: str, chat_id: int, text: str, *, escalation_id: int | None = None,
            thread_id: int | None = None, buttons: list[list[tuple[str, str]]] | None = None,
            source_text: str | None = None, source_language: str | None = None,
            update_id: int | None = None) -> int:
    """Store a message to send. With `update_id`, a replayed update cannot enqueue the same relay twice."""
    key = f"{update_id}:{kind}" if update_id is not None else None
    if key is not None:
        row = db.execute("select id from outbox where update_key = ?", [key]).fetchone()
        if row:
            return row[0]
    return db["outbox"].insert({
        "escalation_id": escalation_id, "kind": kind, "chat_id": chat_id, "thread_id": thread_id, "text": text,
        "buttons": json.dumps(buttons or []), "status": "pending", "attempts": 0, "created_at": utcnow(),
        "source_text": source_text, "source_language": source_language, "update_key": key}).last_pk


def by_message(db: Database, chat_id: int, telegram_message_id: int) -> dict[str, Any] | None:
    rows = list(db["outbox"].rows_where("chat_id = ? and telegram_message_id = ?", [chat_id, telegram_message_id],
                                        limit=1))
    return rows[0] if rows else None


def _markup(raw: str) -> InlineKeyboardMarkup | None:
    rows = json.loads(raw or "[]")
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data) for text, data in row]
                                 for row in rows])


class OutboxWorker:
    def __init__(self, db: Database, bot: Bot, on_undeliverable: Callable[[dict[str, Any], str], Awaitable[None]]
                 | None = None, concurrency: int = 20) -> None:
        self.db = db
        self.bot = bot
        self.on_undeliverable = on_undeliverable
        self._wake = asyncio.Event()
        self._limit = asyncio.Semaphore(concurrency)

    def wake(self) -> None:
        self._wake.set()

    def _due(self) -> list[dict[str, Any]]:
        return list(self.db["outbox"].rows_where("status = 'pending' and (not_before is null or not_before <= ?)",
                                                 [utcnow()], order_by="id"))

    async def run(self) -> None:
        while True:
            try:
                await self.flush()
            except Exception:
                logger.exception("outbox round failed")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), 1.0)
            except asyncio.TimeoutError:
                pass

    async def flush(self) -> None:
        per_chat: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in self._due():
            per_chat[row["chat_id"]].append(row)
        await asyncio.gather(*(self._send_chat(rows) for rows in per_chat.values()))

    async def _send_chat(self, rows: list[dict[str, Any]]) -> None:
        async with self._limit:
            for row in rows:
                if not await self._send(row):
                    return  # keep this chat's order: the rest waits for the retry

    async def _send(self, row: dict[str, Any]) -> bool:
        try:
            message = await self.bot.send_message(row["chat_id"], row["text"][:4096],
                                                  message_thread_id=row["thread_id"] or None,
                                                  reply_markup=_markup(row["buttons"]))
        except (Forbidden, BadRequest) as err:
            self.db["outbox"].update(row["id"], {"status": "failed", "last_error": str(err)[:300],
                                                 "attempts": row["attempts"] + 1})
            logger.warning("outbox #%s undeliverable: %s", row["id"], err)
            if self.on_undeliverable:
                await self.on_undeliverable(row, str(err))
            return True
        except Exception as err:  # network trouble, 5xx after the limiter's own retries
            attempts = row["attempts"] + 1
            if attempts >= MAX_ATTEMPTS:
                self.db["outbox"].update(row["id"], {"status": "failed", "last_error": str(err)[:300],
                                                     "attempts": attempts})
                if self.on_undeliverable:
                    await self.on_undeliverable(row, str(err))
                return True
            retry_at = datetime.now(timezone.utc) + timedelta(seconds=min(60, 2 ** attempts))
            self.db["outbox"].update(row["id"], {"attempts": attempts, "last_error": str(err)[:300],
                                                 "not_before": retry_at.isoformat(timespec="seconds")})
            return False
        self.db["outbox"].update(row["id"], {"status": "sent", "sent_at": utcnow(),
                                             "telegram_message_id": message.message_id, "last_error": None})
        return True
