"""What a parent can do after onboarding: ask, /help, /privacy, /forget, /family,
and a kind answer to everything the bot cannot read (stickers, photos, voice...).

A parent's edited message is answered as a new message (the edit is what they mean now)."""
from __future__ import annotations

import asyncio
import contextlib

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from bot import escalations, privacy, store
from bot.i18n import tr
from bot.invites import deep_link
from bot.languages import BY_CODE
from bot.letters import reading
from bot.telegram import handoff, keyboards, letters, replies
from bot.telegram.buttons import button, one_of
from bot.telegram.services import edit, guess_language, reply, services_of

LONG_MESSAGE = 1500  # characters the assistant reads; the full text is still logged


def parent_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[dict | None, str]:
    caregiver = store.get_caregiver(services_of(context).db, update.effective_user.id)
    return caregiver, caregiver["language"] if caregiver else guess_language(update)


def ask_to_onboard(update: Update, context: ContextTypes.DEFAULT_TYPE, lang: str) -> None:
    reply(update, context, tr(lang, "Kies eerst je taal en lees de privacyuitleg. Daarna kan ik je helpen."))
    reply(update, context, keyboards.PICKER_PROMPT, keyboards.language_picker())


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _, lang = parent_language(update, context)
    reply(update, context, help_text(lang), keyboards.person_only(lang))


def help_text(lang: str) -> str:
    return tr(
        lang,
        "Zo werkt Schoolbrug:\n"
        "• Stel een vraag over school in je eigen taal.\n"
        "• De school stuurt je berichten met een kleur: 🔴 er is iets, neem contact op; "
        "🟢 een uitnodiging; 🟠 er verandert iets; ⚪ informatie.\n"
        "• Wil je met een mens praten? Tik op de knop hieronder.\n\n"
        "/language – een andere taal kiezen\n"
        "/privacy – wat we over jou bewaren\n"
        "/forget – alles over jou wissen\n"
        "/family – een andere opvoeder van je kind uitnodigen")


async def privacy_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    caregiver, lang = parent_language(update, context)
    if caregiver is None:
        reply(update, context, tr(lang, "We bewaren niets over jou. Stuur /start om te beginnen."))
        return
    tid = caregiver["telegram_id"]
    children = store.children_of(services.db, tid)
    lines = "\n".join(
        f"   – {c['school_name']}, {c['class_name'] or '–'} ({keyboards.relation_label(lang, c['relation'])})"
        for c in children) or "   –"
    days = store.retention_days_for(services.db, tid, services.settings.retention_days)
    reply(update, context, tr(
        lang,
        "Dit bewaren we over jou:\n"
        "• Voornaam: {name}\n"
        "• Taal: {language}\n"
        "• Akkoord gegeven op: {date}\n"
        "• Kinderen (school, klas):\n{children}\n"
        "• Berichten met de assistent: {count} (we wissen ze na {days} dagen)\n\n"
        "Alles wissen? Stuur /forget.",
        name=caregiver["first_name"] or "–", language=BY_CODE[caregiver["language"]].native_name,
        date=caregiver["consent_at"][:10], children=lines, count=store.message_count(services.db, tid), days=days))


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    caregiver, lang = parent_language(update, context)
    if caregiver is None:
        reply(update, context, tr(lang, "We bewaren niets over jou. Stuur /start om te beginnen."))
        return
    reply(update, context, tr(
        lang, "Wil je echt alles wissen wat we over jou bewaren? Je krijgt dan ook geen berichten van de school "
              "meer via Schoolbrug."), keyboards.forget_confirm(lang))


@button(one_of("y", "n"))
async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE, answer: str) -> None:
    services = services_of(context)
    caregiver, lang = parent_language(update, context)
    if answer != "y" or caregiver is None:
        edit(update, context, tr(lang, "Oké, er is niets gewist."))
        return
    privacy.erase_caregiver(services.db, caregiver["telegram_id"])
    services.assistant.engine.reset(str(caregiver["telegram_id"]))
    # the confirmation goes out after the erasure; it is the last row for this chat and is purged with the rest
    edit(update, context, tr(lang, "Alles is gewist. Tot ziens! Wil je later opnieuw beginnen? Stuur /start."))


async def family_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    caregiver, lang = parent_language(update, context)
    children = store.children_of(services.db, caregiver["telegram_id"]) if caregiver else []
    if not children:
        reply(update, context, tr(
            lang, "Je bent nog niet verbonden met een klas. Vraag de school om de uitnodigingslink of QR-code."))
        return
    child = children[0]
    token = store.create_invite(services.db, store.FAMILY_INVITE, child["school_id"], class_id=child["class_id"],
                                child_id=child["child_id"], created_by=f"parent:{caregiver['telegram_id']}",
                                days_valid=14, max_uses=1)
    reply(update, context, tr(
        lang, "Stuur deze link naar de andere opvoeder (mama, papa, oma, pleegouder...). "
              "De link werkt één keer en 14 dagen lang:\n{link}", link=deep_link(services.bot_username, token)))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Free text in a private chat (new or edited): a brugfiguur's reply to a relayed message, else the
    parent's message: relayed to the person who holds the conversation, or answered by the assistant."""
    services = services_of(context)
    message = update.effective_message
    if await handoff.staff_reply_in_private(update, context):
        return
    caregiver, lang = parent_language(update, context)
    roles = store.roles_of(services.db, update.effective_user.id)
    if caregiver is None and not roles.staff:
        ask_to_onboard(update, context, lang)
        return
    text = message.text or ""
    if caregiver is None:  # a colleague without a child at the school: the assistant, with their school's facts
        await _answer(update, context, None, lang, text, roles.staff[0]["school_id"])
        return
    tid = caregiver["telegram_id"]
    store.touch_caregiver(services.db, tid)
    days = store.retention_days_for(services.db, tid, services.settings.retention_days)
    store.log_message(services.db, tid, "in", text, None, days)
    active = escalations.active_for(services.db, tid)
    if active:  # a person holds the conversation: relay, and the assistant stays silent
        await handoff.relay_from_parent(update, context, caregiver, active, text)
        return
    if not text.strip():
        reply(update, context, tr(lang, "Ik zie een leeg bericht. Schrijf gerust je vraag."))
        return
    children = store.children_of(services.db, tid)
    await _answer(update, context, caregiver, lang, text, children[0]["school_id"] if children else None,
                  teacher=children[0]["teacher"] if children else None)


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, caregiver: dict | None, lang: str, text: str,
                  school_id: str | None, teacher: str | None = None) -> None:
    services = services_of(context)
    school = store.get_school(services.db, school_id) if school_id else None
    sender = str(update.effective_user.id)
    async with _typing_after(services, update.effective_chat.id):
        decision = await services.assistant.respond_async(
            text[:LONG_MESSAGE], sender=sender, lang_hint=lang, school=school["profile"] if school else None,
            teacher=teacher)
    if len(text) > LONG_MESSAGE:
        reply(update, context, tr(
            decision.reply_language, "Dank je voor je lange bericht. Ik heb het begin gelezen; het hele bericht "
                                     "blijft bewaard, zodat een persoon het kan lezen."))
    back_to = None
    if caregiver is not None and decision.language_switched and decision.reply_language in BY_CODE \
            and decision.reply_language != caregiver["language"]:
        # clearly written in another language: the conversation follows, with one tap back
        back_to = caregiver["language"]
        store.set_language(services.db, caregiver["telegram_id"], decision.reply_language)
    if caregiver is not None:
        days = store.retention_days_for(services.db, caregiver["telegram_id"], services.settings.retention_days)
        store.log_message(services.db, caregiver["telegram_id"], "out", decision.reply, decision.language, days,
                          topic=decision.topic, confidence=decision.confidence, options=decision.options,
                          handoff=decision.handoff)
    replies.send_decision(update, context, decision, back_to)
    if decision.handoff and caregiver is not None:
        await handoff.hand_off(update, context, caregiver, decision.topic, decision.action)
    elif decision.handoff:
        reply(update, context, "Je bent medewerker: gebruik /escalations voor de vragen van ouders. "
                               "Voor jezelf als ouder: vraag de uitnodiging van de klas van je kind.")


@contextlib.asynccontextmanager
async def _typing_after(services, chat_id: int):
    """Show "typing…" only when the answer takes longer than about a second: each chat action costs a
    message from the bot's budget of 30 a second."""

    async def later() -> None:
        await asyncio.sleep(services.settings.typing_after)
        if services.dispatcher is None or services.dispatcher.paced_chat_action():
            with contextlib.suppress(Exception):
                await services.bot.send_chat_action(chat_id, ChatAction.TYPING)

    task = asyncio.create_task(later())
    try:
        yield
    finally:
        task.cancel()


async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice notes, documents...: a kind answer, never silence."""
    caregiver, lang = parent_language(update, context)
    if caregiver is None:
        ask_to_onboard(update, context, lang)
        return
    message = update.effective_message
    if letters.is_letter(message) and reading.available():
        await letters.on_letter(update, context, caregiver)
        return
    active = escalations.active_for(services_of(context).db, caregiver["telegram_id"])
    if active:  # a person holds the conversation: they hear that something came that we cannot relay
        await handoff.relay_from_parent(update, context, caregiver, active, "[" + _media_kind(message) + "]")
        return
    if message.sticker:
        text = tr(lang, "Leuke sticker! 😊 Ik kan alleen geschreven berichten lezen. Schrijf je vraag in je eigen "
                        "taal, of tik op de knop om met een persoon te praten.")
    elif message.voice or message.audio or message.video_note:
        text = tr(lang, "Ik kan nog geen spraakberichten beluisteren. Schrijf je vraag, ook kort of met fouten, "
                        "of tik op de knop om met een persoon te praten.")
    elif message.photo or message.document:
        text = tr(lang, "Ik kan nog geen foto's of documenten lezen. Is het een brief van de school? Tik op de knop, "
                        "dan kijkt een persoon mee.")
    else:
        text = tr(lang, "Dit soort bericht kan ik niet lezen. Schrijf je vraag, of tik op de knop om met een "
                        "persoon te praten.")
    reply(update, context, text, keyboards.person_only(lang))


def _media_kind(message) -> str:
    for attr, label in (("sticker", "sticker"), ("photo", "foto"), ("voice", "spraakbericht"),
                        ("audio", "geluid"), ("video", "video"), ("video_note", "video"), ("document", "document"),
                        ("location", "locatie"), ("contact", "contact")):
        if getattr(message, attr, None):
            return label
    return "bericht"


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _, lang = parent_language(update, context)
    reply(update, context, tr(lang, "Dat commando ken ik niet. Deze werken: /help, /language, /privacy, /forget."))
