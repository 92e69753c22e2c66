"""Thin handlers for "explain this letter": a photo, image or PDF in → bot.letters.explain() → the answer out.

All reading and understanding lives in bot/letters/ (no Telegram there). Privacy
(BRIEF §3E): a photo is downloaded into memory, never to disk; the chat's last
letter stays in memory (chat_data) for `KEEP_SECONDS` so that 🙋 can send it on to a
person, and only then is the image stored (in the send queue, for the brugfiguur).
The text read is kept like any message in the conversation log (its retention).
Several photos sent together (an album: one media_group_id) are one letter.

Buttons (`LT:<action>`): 🙋 a person (photo, text read and facts go with the
escalation), 📅 remind me (a message two days before the deadline, through the
send queue), ✅ I will do it, 🇳🇱 the Dutch key sentences.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import escalations, store
from bot.letters import LetterExplanation, explain, key_sentences, registry, with_school_version
from bot.letters.content import line
from bot.letters.render import format_day
from bot.send_queue import REPLY, STAFF, Outgoing
from bot.telegram.buttons import Answer, button, one_of
from bot.telegram.services import reply, services_of

logger = logging.getLogger(__name__)
MAX_FILE_BYTES = 20 * 1024 * 1024  # the Bot API's getFile limit
KEEP_SECONDS = 1800
ALBUM_WAIT = 1.5
_reading = asyncio.Semaphore(2)  # OCR is CPU-bound: one page per core
today: Callable[[], date] = lambda: datetime.now(escalations.BRUSSELS).date()  # noqa: E731 (tests set the day)


@dataclass
class PendingLetter:
    """The last letter of a chat, in memory only, for the buttons."""

    images: list[bytes]
    result: LetterExplanation
    lang: str
    created: float = field(default_factory=time.monotonic)


def is_letter(message: Message) -> bool:
    if message.photo:
        return True
    doc = message.document
    return bool(doc and ((doc.mime_type or "").startswith("image/") or doc.mime_type == "application/pdf"
                         or (doc.file_name or "").lower().endswith((".pdf", ".jpg", ".jpeg", ".png"))))


async def download(message: Message) -> bytes | None:
    """The photo (largest size) or document of a message, as bytes in memory."""
    if message.photo:
        tg_file = await message.photo[-1].get_file()
    elif message.document and (message.document.file_size or 0) <= MAX_FILE_BYTES:
        tg_file = await message.document.get_file()
    else:
        return None
    return bytes(await tg_file.download_as_bytearray())


def remind_day(result: LetterExplanation, on: date) -> date | None:
    """Two days before the deadline (or the first coming date), never in the past."""
    facts = result.facts
    if facts is None:
        return None
    target = facts.deadline or min((d for d in facts.dates if d >= on), default=None)
    if target is None or target < on:
        return None
    return max(on, target - timedelta(days=2))


def buttons(result: LetterExplanation, lang: str) -> list[list[tuple[str, str]]]:
    row = [(line("button_person", lang), "LT:person")]
    if result.facts and (result.facts.deadline or result.facts.dates) and remind_day(result, today()):
        row.append((line("button_remind", lang), "LT:remind"))
    if result.readable:
        row.append((line("button_done", lang), "LT:done"))
    rows = [row]
    if result.readable and lang != "nl":
        rows.append([(line("button_dutch", lang), "LT:dutch")])
    return rows


async def on_letter(update: Update, context: ContextTypes.DEFAULT_TYPE, caregiver: dict) -> None:
    """A photo, image or PDF from a parent: read it (an album is gathered first) and answer."""
    services = services_of(context)
    message = update.effective_message
    lang = caregiver["language"]
    active = escalations.active_for(services.db, caregiver["telegram_id"])
    try:
        data = await download(message)
    except TelegramError as err:  # the file is gone or too big for the Bot API: ask for it again
        logger.info("could not download a letter: %s", err)
        data = None
    if not data:
        reply(update, context, line("poor", lang), [[(line("button_person", lang), "P")]])
        return
    if active:  # a person holds the conversation: the photo goes to them as it is
        services.post(Outgoing(active["chat_id"], "📷 " + (message.caption or ""), method="sendPhoto", photo=data,
                               thread_id=active["thread_id"], lane=REPLY, kind="to_staff",
                               escalation_id=active["id"], caregiver_id=caregiver["telegram_id"],
                               dedupe_key=services.dedupe_key(update)))
        return
    if message.media_group_id:
        albums = context.chat_data.setdefault("albums", {})
        if message.media_group_id in albums:
            albums[message.media_group_id].append(data)
            return
        albums[message.media_group_id] = [data]

        async def gather_album() -> None:  # the other pages arrive as their own updates meanwhile
            await asyncio.sleep(ALBUM_WAIT)
            try:
                await _answer(update, context, caregiver, albums.pop(message.media_group_id, [data]))
            finally:
                services.message_counters.pop(update.update_id, None)

        context.application.create_task(gather_album(), update=update)
        return
    await _answer(update, context, caregiver, [data])


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, caregiver: dict, images: list[bytes]) -> None:
    services = services_of(context)
    lang = caregiver["language"]
    reply(update, context, line("reading", lang))
    try:
        async with _reading:
            result = await asyncio.to_thread(explain, images, lang, today())
    except Exception:  # not an image we can open (a corrupt file, an unknown format)
        logger.warning("could not read a letter", exc_info=True)
        reply(update, context, line("nothing", lang), [[(line("button_person", lang), "P")]])
        return
    children = store.children_of(services.db, caregiver["telegram_id"])
    known = registry.match(services.db, children[0]["school_id"] if children else None, result.text)
    if known:  # the school registered this letter: its own dates and amounts, not OCR's reading
        result = with_school_version(result, known["facts"], lang)
    context.chat_data["letter"] = PendingLetter(images, result, lang)
    days = store.retention_days_for(services.db, caregiver["telegram_id"], services.settings.retention_days)
    store.log_message(services.db, caregiver["telegram_id"], "in", "[brief] " + result.text[:4000], "nl", days,
                      topic=f"letter:{result.facts.kind if result.facts else 'unreadable'}")
    reply(update, context, result.reply[:4096], buttons(result, lang))
    translator = services.assistant.translator
    if result.readable and lang != "nl" and translator is not None and translator.available:
        try:
            translated = await translator.translate_async(result.text[:3000], "nl", lang, caregiver["telegram_id"])
        except Exception:
            translated = None
        if translated:
            reply(update, context, f"{line('machine_translation', lang)}\n{translated}"[:4000])


def _pending(context: ContextTypes.DEFAULT_TYPE) -> PendingLetter | None:
    pending: PendingLetter | None = context.chat_data.get("letter")
    if pending and time.monotonic() - pending.created > KEEP_SECONDS:
        context.chat_data.pop("letter", None)
        return None
    return pending


@button(one_of("person", "remind", "done", "dutch"))
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str) -> Answer | None:
    """🙋 a person, 📅 remind me, ✅ I will do it, 🇳🇱 the Dutch key sentences."""
    services = services_of(context)
    caregiver = store.get_caregiver(services.db, update.effective_user.id)
    if caregiver is None:
        return None
    lang = caregiver["language"]
    pending = _pending(context)
    if pending is None:
        reply(update, context, line("expired", lang))
        return None
    if action == "done":
        context.chat_data.pop("letter", None)  # the photo is no longer needed
        reply(update, context, line("ack_done", lang))
    elif action == "dutch":
        sentences = key_sentences(pending.result.text) or [pending.result.text[:1500]]
        reply(update, context, ("🇳🇱\n" + "\n".join(f"• {s}" for s in sentences))[:4096])
    elif action == "remind":
        day = remind_day(pending.result, today())
        if day is None:
            reply(update, context, line("expired", lang))
            return None
        at = datetime(day.year, day.month, day.day, 8, 0, tzinfo=escalations.BRUSSELS)
        services.post(Outgoing(caregiver["telegram_id"], "⏰ " + pending.result.reply[:4000], lane=REPLY,
                               kind="letter_reminder", caregiver_id=caregiver["telegram_id"], not_before=at,
                               dedupe_key=f"letter-reminder:{caregiver['telegram_id']}:{day.isoformat()}"))
        reply(update, context, line("ack_remind", lang).format(date=format_day(day, lang)))
    elif action == "person":
        context.chat_data.pop("letter", None)  # from now on the photo is the person's to handle
        await _to_a_person(update, context, caregiver, pending)
    return None


async def _to_a_person(update: Update, context: ContextTypes.DEFAULT_TYPE, caregiver: dict,
                       pending: PendingLetter) -> None:
    """Open an escalation; the photo, the text read and what was understood go to its place."""
    services = services_of(context)
    tid = caregiver["telegram_id"]
    if not store.children_of(services.db, tid):
        reply(update, context, line("expired", caregiver["language"]))
        return
    summary_line = [(pending.result.text[:800], pending.result.text[:800])]  # the letter is Dutch already
    opened = escalations.open_for(services.db, caregiver, "human_request", "letter", summary_line,
                                  tz=services.settings.tz, dedupe_key=services.dedupe_key(update))
    if opened is None:
        return
    esc = opened.escalation
    facts = json.dumps(pending.result.to_json(), ensure_ascii=False, default=str)
    posts = [Outgoing(esc["chat_id"], f"📷 #{esc['id']} brief, pagina {n}", method="sendPhoto", photo=image,
                      thread_id=esc["thread_id"], lane=STAFF, kind="to_staff", escalation_id=esc["id"],
                      caregiver_id=tid) for n, image in enumerate(pending.images, 1)]
    posts.append(Outgoing(esc["chat_id"], f"📄 #{esc['id']} wat Schoolbrug las en begreep:\n{facts[:3500]}",
                          thread_id=esc["thread_id"], lane=STAFF, kind="to_staff", escalation_id=esc["id"],
                          caregiver_id=tid))
    services.post(*posts)
    if opened.parent_text:
        reply(update, context, opened.parent_text)
