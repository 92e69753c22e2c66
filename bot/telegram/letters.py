"""Thin handlers for "explain this letter" (issue 11): a photo, image or PDF in → bot.letters.explain() →
the answer with its buttons out. All understanding lives in bot/letters/ (no Telegram there).

Wiring (app.py's handler table, before the catch-all media handler):

    letters = LetterHandlers(language=<(update, context) -> the parent's language code>,
                             on_person=<hand off: photo, text read and facts go to the brugfiguur>,
                             on_remind=<a reminder for the parent on a date, through the reminder machinery>,
                             translate=<optional: (dutch_text, lang) -> machine translation or None>)
    for handler in letters.handlers():
        app.add_handler(handler)

Privacy (BRIEF §3E): photos are downloaded into memory, never to disk. The last letter of a
chat stays in memory (chat_data) for `keep_seconds` so that 🙋 can send it on to a person;
it is dropped after ✅, after the hand-off, or when it expires.
Several photos sent together (an album: one media_group_id) are read as pages of one letter.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Awaitable, Callable
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.letters import LetterExplanation, explain, key_sentences
from bot.letters.content import line
from bot.letters.render import format_day

log = logging.getLogger(__name__)

TZ = ZoneInfo("Europe/Brussels")
MAX_FILE_BYTES = 20 * 1024 * 1024  # the Bot API's getFile limit
LETTER_FILTER = filters.PHOTO | filters.Document.IMAGE | filters.Document.PDF


@dataclass
class PendingLetter:
    """The last letter of a chat, in memory only, for the buttons."""
    images: list[bytes]
    result: LetterExplanation
    lang: str
    created: float = field(default_factory=time.monotonic)


def remind_day(result: LetterExplanation, today: date) -> date | None:
    """The day to remind the parent: two days before the deadline (or the first date), not in the past."""
    facts = result.facts
    target = facts.deadline if facts and facts.deadline else (min((d for d in facts.dates if d >= today),
                                                                   default=None) if facts else None)
    if target is None or target < today:
        return None
    return max(today, target - timedelta(days=2))


def keyboard(result: LetterExplanation, lang: str, can_remind: bool, can_hand_off: bool) -> InlineKeyboardMarkup:
    row = []
    if can_hand_off:
        row.append(InlineKeyboardButton(line("button_person", lang), callback_data="letter:person"))
    if can_remind and result.facts and (result.facts.deadline or result.facts.dates):
        row.append(InlineKeyboardButton(line("button_remind", lang), callback_data="letter:remind"))
    if result.readable:
        row.append(InlineKeyboardButton(line("button_done", lang), callback_data="letter:done"))
    rows = [row] if row else []
    if result.readable and lang != "nl":
        rows.append([InlineKeyboardButton(line("button_dutch", lang), callback_data="letter:dutch")])
    return InlineKeyboardMarkup(rows)


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def download(message: Message) -> bytes | None:
    """The photo (largest size) or document of a message, as bytes in memory."""
    if message.photo:
        tg_file = await message.photo[-1].get_file()
    elif message.document and (message.document.file_size or 0) <= MAX_FILE_BYTES:
        tg_file = await message.document.get_file()
    else:
        return None
    return bytes(await tg_file.download_as_bytearray())


class LetterHandlers:
    """Photos of letters in, explanations out. Hooks decide what 🙋 and 📅 do (domain calls)."""

    def __init__(self, language: Callable[[Update, ContextTypes.DEFAULT_TYPE], Any], *,
                 on_person: Callable[..., Any] | None = None, on_remind: Callable[..., Any] | None = None,
                 translate: Callable[[str, str], Any] | None = None, album_wait: float = 1.5,
                 workers: int = 2, keep_seconds: int = 1800,
                 today: Callable[[], date] = lambda: datetime.now(TZ).date()) -> None:
        self.language = language
        self.on_person = on_person
        self.on_remind = on_remind
        self.translate = translate
        self.album_wait = album_wait
        self.keep_seconds = keep_seconds
        self.today = today  # the school's day (Brussels), for "volgende woensdag" and reminders
        self._albums: dict[tuple[int, str], list[bytes]] = {}
        self._reading = asyncio.Semaphore(workers)  # OCR is CPU-bound: one page per core

    def handlers(self) -> list[BaseHandler]:
        return [MessageHandler(LETTER_FILTER, self.on_letter),
                CallbackQueryHandler(self.on_button, pattern=r"^letter:")]

    async def on_letter(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo, image or PDF: read it (an album is gathered first) and answer."""
        message = update.effective_message
        data = await download(message)
        if data is None:
            return
        lang = await _maybe_await(self.language(update, context))
        if not message.media_group_id:
            await self._answer(message, context, [data], lang)
            return
        key = (message.chat_id, message.media_group_id)
        if key in self._albums:
            self._albums[key].append(data)
            return
        self._albums[key] = [data]

        async def gather_album() -> None:
            await asyncio.sleep(self.album_wait)
            await self._answer(message, context, self._albums.pop(key, []), lang)

        context.application.create_task(gather_album(), update=update)

    async def _answer(self, message: Message, context: ContextTypes.DEFAULT_TYPE, images: list[bytes],
                      lang: str) -> None:
        await message.reply_text(line("reading", lang))
        today = self.today()
        async with self._reading:
            result = await asyncio.to_thread(explain, images, lang, today)
        context.chat_data["letter"] = PendingLetter(images, result, lang)
        markup = keyboard(result, lang, self.on_remind is not None, self.on_person is not None)
        await message.reply_text(result.reply, reply_markup=markup)
        if self.translate and result.readable and lang != "nl":
            translated = await _maybe_await(self.translate(result.text, lang))
            if translated:
                await message.reply_text(f"{line('machine_translation', lang)}\n{translated}"[:4000])

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """🙋 a person, 📅 remind me, ✅ I will do it, 🇳🇱 the Dutch key sentences."""
        query = update.callback_query
        await query.answer()
        action = query.data.split(":", 1)[1]
        pending: PendingLetter | None = context.chat_data.get("letter")
        if pending and time.monotonic() - pending.created > self.keep_seconds:
            context.chat_data.pop("letter", None)
            pending = None
        lang = pending.lang if pending else await _maybe_await(self.language(update, context))
        if pending is None:
            await query.message.reply_text(line("expired", lang))
            return
        if action == "done":
            context.chat_data.pop("letter", None)  # the photo is no longer needed
            await query.message.reply_text(line("ack_done", lang))
        elif action == "dutch":
            sentences = key_sentences(pending.result.text) or [pending.result.text[:1500]]
            await query.message.reply_text("🇳🇱\n" + "\n".join(f"• {s}" for s in sentences))
        elif action == "remind" and self.on_remind:
            day = remind_day(pending.result, self.today())
            if day is None:
                await query.message.reply_text(line("expired", lang))
                return
            await _maybe_await(self.on_remind(update, context, pending, day))
            await query.message.reply_text(line("ack_remind", lang).format(date=format_day(day, lang)))
        elif action == "person" and self.on_person:
            context.chat_data.pop("letter", None)  # from now on the photo is the person's to handle
            text = await _maybe_await(self.on_person(update, context, pending))
            if text:
                await query.message.reply_text(text)
