"""How updates come in: stored before Telegram is told we have them, then handled one per chat at a time.

* `DurablePoller` (the default) asks getUpdates for the next offset only after the
  batch is in the `inbox` table; an update leaves the inbox when every handler
  group has finished with it, and at start whatever is still there is handled
  again (messages are queued once per update, so a replay cannot double them).
  It survives network trouble, 5xx and database hiccups with a backoff, calls
  deleteWebhook at start, and stops the process with a clear message on a
  `Conflict` (a second instance, or a webhook) or a bad token.
* `WebhookReceiver` (SCHOOLBRUG_WEBHOOK_URL) for deployments behind HTTPS: it
  checks Telegram's secret token header, writes the update to the inbox, and
  only then answers 200.
* `PerChatUpdateProcessor`: updates of one chat are handled in order, one at a
  time (two quick messages from a parent reach the brugfiguur in that order);
  different chats run in parallel.
"""
from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from datetime import datetime
from typing import Any, Awaitable, Callable

from sqlite_utils import Database
from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import Application, BaseUpdateProcessor, ContextTypes, TypeHandler

from bot.db import utcnow

logger = logging.getLogger(__name__)
DONE_GROUP = 99  # runs after the handlers of group 0


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    @staticmethod
    def key(update: object) -> int | None:
        if not isinstance(update, Update):
            return None
        if update.effective_chat is not None:
            return update.effective_chat.id
        return update.effective_user.id if update.effective_user is not None else None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self.key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class Inbox:
    """The `inbox` table: updates received and not yet fully handled."""

    def __init__(self, app: Application, db: Database, on_done: Callable[[int], None] | None = None) -> None:
        self.app = app
        self.db = db
        self.on_done = on_done
        app.add_handler(TypeHandler(Update, self._done), group=DONE_GROUP)

    async def _done(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.db.execute("delete from inbox where update_id = ?", [update.update_id])
        if self.on_done:
            self.on_done(update.update_id)

    def store(self, payloads: list[dict[str, Any]]) -> None:
        with self.db.atomic():
            for payload in payloads:
                self.db["inbox"].insert({"update_id": payload["update_id"], "payload": _dumps(payload),
                                         "received_at": utcnow()}, ignore=True)

    async def replay(self) -> int:
        """Hand whatever the last process did not finish to the application again. Returns the last id."""
        pending = list(self.db["inbox"].rows_where(order_by="update_id"))
        for row in pending:
            try:
                update = Update.de_json(json.loads(row["payload"]), self.app.bot)
            except Exception:  # a payload we cannot read any more: drop it rather than block the queue
                logger.exception("dropping unreadable stored update %s", row["update_id"])
                self.db.execute("delete from inbox where update_id = ?", [row["update_id"]])
                continue
            await self.app.update_queue.put(update)
        if pending:
            logger.info("replaying %d update(s) received before the last stop", len(pending))
        return pending[-1]["update_id"] if pending else 0


def _dumps(payload: dict[str, Any]) -> str:
    """JSON for an update; python-telegram-bot's to_dict() leaves datetimes (a ban's until_date) in it."""
    def encode(value: Any) -> Any:
        if isinstance(value, datetime):
            return int(value.timestamp())
        return str(value)

    return json.dumps(payload, default=encode)


class DurablePoller:
    def __init__(self, app: Application, inbox: Inbox, timeout: int = 10,
                 on_fatal: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.inbox = inbox
        self.timeout = timeout
        self.on_fatal = on_fatal
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        try:
            await self.app.bot.delete_webhook(drop_pending_updates=False)
        except (InvalidToken, Conflict) as err:
            self._fatal(err)
            return
        except TelegramError as err:  # the poll loop will meet the problem again and report it
            logger.warning("deleteWebhook failed: %s", err)
        last = await self.inbox.replay()
        self._task = asyncio.create_task(self._poll(last + 1 if last else 0), name="durable-polling")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None

    def _fatal(self, err: Exception) -> None:
        if isinstance(err, Conflict):
            message = ("Telegram refuses our getUpdates: another Schoolbrug (or another program) is polling with "
                       "this bot token, or a webhook is set. Stop the other one; this one stops now. "
                       f"({err})")
        else:
            message = f"The bot token is refused by Telegram ({err}). Check TELEGRAM_BOT_TOKEN; stopping."
        logger.critical(message)
        if self.on_fatal:
            self.on_fatal(message)

    async def _poll(self, offset: int) -> None:
        backoff = 0.5
        while True:
            try:
                updates = await self.app.bot.get_updates(offset=offset, timeout=self.timeout,
                                                         allowed_updates=Update.ALL_TYPES)
                if updates:
                    self.inbox.store([u.to_dict() for u in updates])
                backoff = 0.5
            except (Conflict, InvalidToken) as err:
                self._fatal(err)
                return
            except asyncio.CancelledError:
                raise
            except (NetworkError, TimedOut, TelegramError, sqlite3.Error) as err:
                logger.warning("receiving updates failed: %s; retrying in %.1fs", err, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30)
                continue
            except Exception:  # never a silent dead poller: log, wait, go on
                logger.exception("receiving updates failed unexpectedly; retrying in %.1fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30)
                continue
            for update in updates:
                await self.app.update_queue.put(update)
            if updates:
                offset = updates[-1].update_id + 1


class WebhookReceiver:
    """Webhook mode: Telegram POSTs updates to us; each is in the inbox before we answer 200."""

    def __init__(self, app: Application, inbox: Inbox, url: str, secret: str, listen: str,
                 on_fatal: Callable[[str], None] | None = None) -> None:
        if not secret:
            raise SystemExit("SCHOOLBRUG_WEBHOOK_SECRET is required in webhook mode (Telegram sends it back in "
                             "every request, so nobody else can post updates to us).")
        self.app = app
        self.inbox = inbox
        self.url = url
        self.secret = secret
        host, _, port = listen.rpartition(":")
        self.host, self.port = host or "127.0.0.1", int(port or 8443)
        self.on_fatal = on_fatal
        self._runner: Any = None

    async def start(self) -> None:
        from aiohttp import web

        server = web.Application(client_max_size=10 * 1024 * 1024)
        server.router.add_post("/{tail:.*}", self._receive)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        await self.inbox.replay()
        try:
            await self.app.bot.set_webhook(self.url, secret_token=self.secret, allowed_updates=Update.ALL_TYPES)
        except InvalidToken as err:
            if self.on_fatal:
                self.on_fatal(f"The bot token is refused by Telegram ({err}). Check TELEGRAM_BOT_TOKEN; stopping.")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: Any) -> Any:
        from aiohttp import web

        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != self.secret:
            return web.Response(status=403, text="forbidden")
        try:
            payload = await request.json()
            update_id = int(payload["update_id"])
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400, text="not an update")
        try:
            self.inbox.store([payload])
        except sqlite3.Error:
            logger.exception("could not store update %s; Telegram will send it again", update_id)
            return web.Response(status=500, text="try again")
        try:
            update = Update.de_json(payload, self.app.bot)
        except Exception:
            logger.exception("unreadable update %s", update_id)
            return web.Response(text="ok")
        await self.app.update_queue.put(update)
        return web.Response(text="ok")
