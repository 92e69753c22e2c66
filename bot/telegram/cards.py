"""Conversation cards in Telegram: thin handlers in front of bot/cards.py.

A parent's next free text after a card is their answer: `capture_answer` is registered before
the parent's text handler with the filter `CardOpen`, which is true only while the parent has a
card open (and no person holds their conversation); otherwise the assistant answers as usual.
"""
from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.ext import Application, ContextTypes, filters

from bot import cards, escalations, store
from bot.languages import SOURCE_LANGUAGE
from bot.telegram.services import reply, services_of

logger = logging.getLogger(__name__)


class CardOpen(filters.MessageFilter):
    """The sender has a conversation card open: their text is its answer."""

    def __init__(self, app: Application) -> None:
        super().__init__(name="CardOpen")
        self.app = app

    def filter(self, message: Message) -> bool:
        services = self.app.bot_data.get("services")
        user = message.from_user
        if services is None or user is None:
            return False
        if message.reply_to_message is not None and store.staff_roles(services.db, user.id):
            return False  # a colleague answering a relayed question
        return cards.awaiting(services.db, user.id) is not None and not escalations.active_for(services.db, user.id)


async def capture_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A parent's text while a card is open: keep it as the answer (translated to Dutch, with a theme)."""
    services = services_of(context)
    user = update.effective_user
    text = (update.effective_message.text or "").strip()
    if not text or user is None:
        return
    prompt = cards.awaiting(services.db, user.id)
    if prompt is None:  # no card open after all: the assistant answers as usual
        from bot.telegram import parent

        await parent.on_text(update, context)
        return
    lang = prompt["language"] or SOURCE_LANGUAGE
    dutch = text if lang == SOURCE_LANGUAGE else None
    translator = getattr(services.assistant, "translator", None)
    if dutch is None and translator is not None and translator.available:
        try:
            dutch = await translator.translate_async(text, lang, SOURCE_LANGUAGE, owner=user.id)
        except Exception as err:  # the council sees the original, marked untranslated
            logger.info("card answer not translated: %s", err)
    try:  # a fresh conversation: the theme is the topic the model hears, the parent's dialogue is untouched
        decision = await services.assistant.respond_async(text[:1500], sender=None, lang_hint=lang)
        theme = decision.topic or "out_of_scope"
    except Exception:
        logger.exception("no theme for a card answer")
        theme = "out_of_scope"
    if cards.record_answer(services.db, prompt["round_id"], user.id, prompt["card"], lang, text, dutch, theme):
        reply(update, context, cards.thanks(lang))


async def cards_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cards [KLAS ...] – send the three conversation cards to the parents, one every two days."""
    services = services_of(context)
    who: store.Roles = context.user_data["roles"]
    school_id = who.schools_with("staff", "brugfiguur", "admin")[0]
    audience = {"classes": list(context.args)} if context.args else "all"
    try:
        round_id = cards.start_round(services.db, school_id, audience, created_by=str(update.effective_user.id))
    except ValueError as err:
        reply(update, context, str(err))
        return
    reply(update, context, f"Gesprekskaarten: ronde {round_id} start nu; kaart 2 en 3 volgen om de 48 uur. "
                           f"Thema's voor de ouderraad: schoolbrug cards themes {round_id}")
