"""Turning an assistant Decision into Telegram messages and buttons, and the
buttons' callbacks: "did you mean" choices, the Dutch version, talk to a person."""
from __future__ import annotations

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Message, Update
from telegram.ext import ContextTypes

from bot import escalations, store
from bot.assistant import Decision
from bot.i18n import tr
from bot.telegram import handoff, keyboards
from bot.telegram.services import services_of

TELEGRAM_LIMIT = 4096


def decision_markup(decision: Decision) -> Markup:
    rows = [[Button(title, callback_data=f"T:{topic}")]
            for topic, title in zip(decision.options, decision.option_titles)]
    if decision.dutch_reply:
        rows.append([Button(tr(decision.reply_language, "🇳🇱 Toon in het Nederlands"),
                            callback_data=f"D:{decision.topic}")])
    if not decision.handoff:
        rows.append([keyboards.person_button(decision.reply_language)])
    return Markup(rows)


async def send_decision(message: Message, decision: Decision) -> None:
    text = decision.reply
    if decision.machine_translated:
        text += "\n\n🤖 " + tr(decision.reply_language, "Automatisch vertaald")
    await message.reply_text(text[:TELEGRAM_LIMIT], reply_markup=decision_markup(decision))
    if decision.show_language_picker:
        await message.reply_text(keyboards.PICKER_PROMPT, reply_markup=keyboards.language_picker())


async def _context_for(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[dict | None, dict | None, str | None]:
    services = services_of(context)
    caregiver = store.get_caregiver(services.db, update.effective_user.id)
    if caregiver is None:
        return None, None, None
    children = store.children_of(services.db, caregiver["telegram_id"])
    school = store.get_school(services.db, children[0]["school_id"]) if children else None
    return caregiver, (school or {}).get("profile"), children[0]["teacher"] if children else None


async def on_topic_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The parent tapped a 'did you mean' topic: answer it, and the run of misses ends."""
    services = services_of(context)
    query = update.callback_query
    await query.answer()
    caregiver, profile, teacher = await _context_for(update, context)
    if caregiver is None:
        return
    topic = query.data.split(":", 1)[1]
    decision = services.assistant.answer_topic(topic, caregiver["language"], sender=str(caregiver["telegram_id"]),
                                               school=profile, teacher=teacher)
    days = store.retention_days_for(services.db, caregiver["telegram_id"], services.settings.retention_days)
    store.log_message(services.db, caregiver["telegram_id"], "out", decision.reply, decision.language, days,
                      topic=decision.topic, confidence=1.0, handoff=decision.handoff)
    await send_decision(query.message, decision)
    if decision.handoff:
        await handoff.hand_off_and_tell(services, query.message, caregiver, topic, "choice")


async def on_dutch_version(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    query = update.callback_query
    await query.answer()
    caregiver, profile, teacher = await _context_for(update, context)
    if caregiver is None:
        return
    topic = query.data.split(":", 1)[1]
    dutch = services.assistant.answer_topic(topic, "nl", sender=None, school=profile, teacher=teacher)
    await query.message.reply_text("🇳🇱 " + dutch.reply[:TELEGRAM_LIMIT - 3])


async def on_person(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """'Talk to a person' anywhere: the hand-off is recorded and the parent told what happens next."""
    services = services_of(context)
    query = update.callback_query
    await query.answer()
    caregiver, profile, teacher = await _context_for(update, context)
    if caregiver is None:
        return
    decision = services.assistant.answer_topic("human_request", caregiver["language"],
                                               sender=str(caregiver["telegram_id"]), school=profile, teacher=teacher)
    days = store.retention_days_for(services.db, caregiver["telegram_id"], services.settings.retention_days)
    store.log_message(services.db, caregiver["telegram_id"], "out", decision.reply, decision.language, days,
                      topic="human_request", confidence=1.0, handoff=True)
    if escalations.active_for(services.db, caregiver["telegram_id"]):
        await query.message.reply_text(tr(caregiver["language"], "Je bent al verbonden met een persoon van de "
                                                                  "school. Schrijf gewoon je bericht."))
        return
    await query.message.reply_text(decision.reply[:TELEGRAM_LIMIT])
    await handoff.hand_off_and_tell(services, query.message, caregiver, "human_request", "button")
