"""The one place that calls the Bot API to deliver queued rows (bot/send_queue.py).

It turns a row into a python-telegram-bot call and python-telegram-bot's errors
into the queue's: 429 → RetryLater (the queue honours retry_after itself),
blocked → Unreachable, a refused request → Permanent, a read timeout →
Ambiguous (it may have arrived), other network trouble and 5xx → Transient.
No request is retried here: retries are the queue's job, so they keep order.
"""
from __future__ import annotations

import io
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, NetworkError,
                            RetryAfter, TelegramError, TimedOut)

from bot.send_queue import Ambiguous, Delivered, Permanent, RetryLater, Transient, Unreachable


def markup(rows: list[list[Any]] | None) -> InlineKeyboardMarkup | None:
    """Rows of (label, data): data starting with http(s):// is a link, anything else callback data."""
    if not rows:
        return None
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(label, url=data) if str(data).startswith(("https://", "http://", "tg://"))
         else InlineKeyboardButton(label, callback_data=str(data)[:64]) for label, data in row]
        for row in rows])


class TelegramTransport:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def deliver(self, row: dict[str, Any], payload: dict[str, Any]) -> Delivered:
        try:
            return await self._call(row, payload)
        except RetryAfter as err:
            retry = err.retry_after
            raise RetryLater(retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)) from err
        except Forbidden as err:
            raise Unreachable(str(err)) from err
        except (ChatMigrated, InvalidToken, Conflict) as err:
            raise Permanent(str(err)) from err
        except BadRequest as err:
            if "message is not modified" in str(err).lower():
                return Delivered(message_id=payload.get("message_id"))
            raise Permanent(str(err)) from err
        except TimedOut as err:
            raise Ambiguous(str(err) or "timed out") from err
        except (NetworkError, TelegramError) as err:  # 5xx, connection refused, ...
            raise Transient(str(err)) from err

    async def _call(self, row: dict[str, Any], payload: dict[str, Any]) -> Delivered:
        method, chat_id, thread = row["method"], row["chat_id"], row["thread_id"] or None
        text = (payload.get("text") or "")[:4096]
        silent = bool(payload.get("silent"))
        extra = {"allow_paid_broadcast": True} if payload.get("paid") else {}
        if method == "sendMessage":
            message = await self.bot.send_message(chat_id, text, message_thread_id=thread,
                                                  reply_markup=markup(payload.get("buttons")),
                                                  disable_notification=silent, **extra)
            return Delivered(message.message_id)
        if method == "sendPhoto":
            message = await self.bot.send_photo(chat_id, io.BytesIO(row["attachment"] or b""),
                                                caption=text[:1024] or None, message_thread_id=thread,
                                                reply_markup=markup(payload.get("buttons")),
                                                disable_notification=silent, **extra)
            return Delivered(message.message_id)
        if method == "editMessageText":
            result = await self.bot.edit_message_text(text, chat_id=chat_id, message_id=payload["message_id"],
                                                      reply_markup=markup(payload.get("buttons")))
            return Delivered(getattr(result, "message_id", payload["message_id"]))
        if method == "editMessageReplyMarkup":
            await self.bot.edit_message_reply_markup(chat_id=chat_id, message_id=payload["message_id"],
                                                     reply_markup=markup(payload.get("buttons")))
            return Delivered(payload["message_id"])
        if method == "createForumTopic":
            topic = await self.bot.create_forum_topic(chat_id, payload["name"][:128])
            return Delivered(thread_id=topic.message_thread_id)
        if method == "closeForumTopic":
            await self.bot.close_forum_topic(chat_id, thread)
            return Delivered()
        raise Permanent(f"unknown method {method}")
