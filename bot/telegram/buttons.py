"""Inline-button callbacks that cannot fail on forged, stale or malformed data.

A client can send any callback data (up to 64 bytes), and a button can outlive
what it points to. `@button(...)` parses the data against the fields a button
is made of; anything else gets a kind "this button no longer works". Every
callback query is answered exactly once (otherwise the button keeps spinning),
also when the handler fails.
"""
from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from telegram import Update
from telegram.ext import ContextTypes

from bot import store
from bot.i18n import tr
from bot.languages import BY_CODE
from bot.telegram.services import guess_language, services_of

logger = logging.getLogger(__name__)
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{0,24}$")


@dataclass
class Answer:
    """What the tapping person sees as a toast (or an alert)."""

    text: str = ""
    alert: bool = False


def number(value: str) -> int:
    if not value.isdigit() or len(value) > 15:
        raise ValueError(value)
    return int(value)


def token(value: str) -> str:
    if not TOKEN_RE.match(value):
        raise ValueError(value)
    return value


def lang(value: str) -> str:
    if value not in BY_CODE:
        raise ValueError(value)
    return value


def one_of(*allowed: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(value)
        return value

    return check


def word(value: str) -> str:
    if not re.match(r"^[a-z_]{1,40}$", value):
        raise ValueError(value)
    return value


Handler = Callable[..., Awaitable["Answer | str | None"]]


def stale_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    caregiver = store.get_caregiver(services_of(context).db, update.effective_user.id)
    lang_code = caregiver["language"] if caregiver else guess_language(update)
    return tr(lang_code, "Deze knop werkt niet meer. Stuur gerust een bericht.")


def button(*fields: Callable[[str], Any]) -> Callable[[Handler], Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]]:
    """Parse `PREFIX:field:field…` with `fields`; call the handler with the values; answer the query."""

    def wrap(handler: Handler) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
        @functools.wraps(handler)
        async def run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            query = update.callback_query
            parts = (query.data or "").split(":")[1:]
            answer: Answer | str | None = None
            try:
                if len(parts) != len(fields):
                    raise ValueError(query.data)
                values = [convert(part) for convert, part in zip(fields, parts)]
            except ValueError:
                logger.info("malformed button data %r from %s", (query.data or "")[:64], update.effective_user.id)
                answer = Answer(stale_text(update, context))
            else:
                try:
                    answer = await handler(update, context, *values)
                finally:
                    await _answer(query, answer)
                return
            await _answer(query, answer)

        return run

    return wrap


async def _answer(query: Any, answer: "Answer | str | None") -> None:
    if isinstance(answer, str):
        answer = Answer(answer)
    try:
        await query.answer(answer.text[:190] if answer else None, show_alert=bool(answer and answer.alert))
    except Exception as err:  # an old query (> 15 min) cannot be answered any more; nothing to do
        logger.info("could not answer a callback query: %s", err)


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any callback data no handler knows (forged, or from an older version of the bot)."""
    await _answer(update.callback_query, Answer(stale_text(update, context)))
