"""Durable polling: an update is stored in SQLite before Telegram is told we have it.

python-telegram-bot's Updater confirms an update (by asking for the next offset)
as soon as it has queued it, so a crash between that and the handler's work
loses the update: a parent's or brugfiguur's message would vanish. Here each
batch from getUpdates is written to the `inbox` table first; an update leaves
the inbox when every handler group has finished with it. At start, whatever is
still in the inbox is handled again (relays are enqueued once per update, so a
replay cannot double them).
"""
from __future__ import annotations

import asyncio
import json
import logging

from sqlite_utils import Database
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.db import utcnow

logger = logging.getLogger(__name__)
DONE_GROUP = 99  # runs after the handlers of group 0


class DurablePoller:
    def __init__(self, app: Application, db: Database, timeout: int = 10) -> None:
        self.app = app
        self.db = db
        self.timeout = timeout
        self._task: asyncio.Task | None = None
        app.add_handler(TypeHandler(Update, self._done), group=DONE_GROUP)

    async def _done(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.db.execute("delete from inbox where update_id = ?", [update.update_id])

    async def start(self) -> None:
        pending = list(self.db["inbox"].rows_where(order_by="update_id"))
        for row in pending:
            await self.app.update_queue.put(Update.de_json(json.loads(row["payload"]), self.app.bot))
        if pending:
            logger.info("replaying %d update(s) received before the last stop", len(pending))
        offset = (pending[-1]["update_id"] + 1) if pending else 0
        self._task = asyncio.create_task(self._poll(offset), name="durable-polling")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None

    async def _poll(self, offset: int) -> None:
        backoff = 0.5
        while True:
            try:
                updates = await self.app.bot.get_updates(offset=offset, timeout=self.timeout,
                                                         allowed_updates=Update.ALL_TYPES)
                backoff = 0.5
            except (NetworkError, TimedOut) as err:
                logger.warning("getUpdates failed: %s; retrying in %.1fs", err, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30)
                continue
            if not updates:
                continue
            with self.db.atomic():
                for update in updates:
                    self.db["inbox"].insert({"update_id": update.update_id, "payload": json.dumps(update.to_dict()),
                                             "received_at": utcnow()}, ignore=True)
            for update in updates:
                await self.app.update_queue.put(update)
            offset = updates[-1].update_id + 1
