"""What a parent can do after onboarding: ask, /help, /privacy, /forget, /family,
and a kind answer to everything the bot cannot read (stickers, photos, voice...)."""
from __future__ import annotations

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from bot import escalations, store
from bot.i18n import tr
from bot.invites import deep_link
from bot.languages import BY_CODE
from bot.telegram import handoff, keyboards, replies
from bot.telegram.onboarding import guess_language
from bot.telegram.services import services_of

LONG_MESSAGE = 1500  # characters the assistant reads; the full text is still logged


def parent_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[dict | None, str]:
    caregiver = store.get_caregiver(services_of(context).db, update.effective_user.id)
    return caregiver, caregiver["language"] if caregiver else guess_language(update)


async def ask_to_onboard(update: Update, lang: str) -> None:
    await update.effective_message.reply_text(
        tr(lang, "Kies eerst je taal en lees de privacyuitleg. Daarna kan ik je helpen."))
    await update.effective_message.reply_text(keyboards.PICKER_PROMPT, reply_markup=keyboards.language_picker())


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _, lang = parent_language(update, context)
    await update.message.reply_text(help_text(lang), reply_markup=keyboards.person_only(lang))


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
        await update.message.reply_text(tr(lang, "We bewaren niets over jou. Stuur /start om te beginnen."))
        return
    tid = caregiver["telegram_id"]
    children = store.children_of(services.db, tid)
    lines = "\n".join(
        f"   – {c['school_name']}, {c['class_name'] or '–'} ({keyboards.relation_label(lang, c['relation'])})"
        for c in children) or "   –"
    days = store.retention_days_for(services.db, tid, services.settings.retention_days)
    await update.message.reply_text(tr(
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
        await update.message.reply_text(tr(lang, "We bewaren niets over jou. Stuur /start om te beginnen."))
        return
    await update.message.reply_text(tr(
        lang, "Wil je echt alles wissen wat we over jou bewaren? Je krijgt dan ook geen berichten van de school "
              "meer via Schoolbrug."), reply_markup=keyboards.forget_confirm(lang))


async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    caregiver, lang = parent_language(update, context)
    if query.data != "F:y" or caregiver is None:
        await query.edit_message_text(tr(lang, "Oké, er is niets gewist."))
        return
    store.forget_caregiver(services_of(context).db, caregiver["telegram_id"])
    await query.edit_message_text(tr(lang, "Alles is gewist. Tot ziens! Wil je later opnieuw beginnen? Stuur /start."))


async def family_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    caregiver, lang = parent_language(update, context)
    children = store.children_of(services.db, caregiver["telegram_id"]) if caregiver else []
    if not children:
        await update.message.reply_text(tr(
            lang, "Je bent nog niet verbonden met een klas. Vraag de school om de uitnodigingslink of QR-code."))
        return
    child = children[0]
    token = store.create_invite(services.db, store.FAMILY_INVITE, child["school_id"], class_id=child["class_id"],
                                child_id=child["child_id"], created_by=f"parent:{caregiver['telegram_id']}",
                                days_valid=14, max_uses=1)
    await update.message.reply_text(tr(
        lang, "Stuur deze link naar de andere opvoeder (mama, papa, oma, pleegouder...). "
              "De link werkt één keer en 14 dagen lang:\n{link}", link=deep_link(services.bot_username, token)))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A parent's free text: language detection, the dialogue layer, the reply."""
    services = services_of(context)
    if await handoff.staff_text(update, context):  # a brugfiguur answering a parent
        return
    caregiver, lang = parent_language(update, context)
    if caregiver is None:
        await ask_to_onboard(update, lang)
        return
    text = update.message.text or ""
    tid = caregiver["telegram_id"]
    store.touch_caregiver(services.db, tid)
    days = store.retention_days_for(services.db, tid, services.settings.retention_days)
    store.log_message(services.db, tid, "in", text, None, days)
    active = escalations.active_for(services.db, tid)
    if active:  # a person holds the conversation: relay, and the assistant stays silent
        await handoff.relay_from_parent(services, caregiver, active, text, update.update_id)
        return
    if not text.strip():
        await update.message.reply_text(tr(lang, "Ik zie een leeg bericht. Schrijf gerust je vraag."))
        return
    await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
    children = store.children_of(services.db, tid)
    school = store.get_school(services.db, children[0]["school_id"]) if children else None
    decision = await services.assistant.respond_async(
        text[:LONG_MESSAGE], sender=str(tid), lang_hint=caregiver["language"],
        school=school["profile"] if school else None, teacher=children[0]["teacher"] if children else None)
    if len(text) > LONG_MESSAGE:
        await update.message.reply_text(tr(
            decision.reply_language, "Dank je voor je lange bericht. Ik heb het begin gelezen; het hele bericht "
                                     "blijft bewaard, zodat een persoon het kan lezen."))
    store.log_message(services.db, tid, "out", decision.reply, decision.language, days, topic=decision.topic,
                      confidence=decision.confidence, options=decision.options, handoff=decision.handoff)
    await replies.send_decision(update.message, decision)
    if decision.handoff:
        await handoff.hand_off_and_tell(services, update.message, caregiver, decision.topic, decision.action)


async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice notes, documents...: a kind answer, never silence."""
    caregiver, lang = parent_language(update, context)
    if caregiver is None:
        await ask_to_onboard(update, lang)
        return
    message = update.message
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
    await message.reply_text(text, reply_markup=keyboards.person_only(lang))


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _, lang = parent_language(update, context)
    await update.message.reply_text(tr(
        lang, "Dat commando ken ik niet. Deze werken: /help, /language, /privacy, /forget."))
