"""Turning an assistant Decision into messages and buttons, and the buttons' callbacks:
"did you mean" choices, the Dutch version, talk to a person."""
from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import escalations, store
from bot.assistant import Decision
from bot.i18n import tr
from bot.telegram import handoff, keyboards
from bot.telegram.buttons import button, word
from bot.telegram.keyboards import Buttons
from bot.telegram.services import reply, services_of
from bot.send_queue import NOW
from bot.languages import BY_CODE
from bot.topics import kind_of, title as topic_title, topic_kinds

TELEGRAM_LIMIT = 4096


def decision_buttons(decision: Decision, back_to: str | None = None) -> Buttons:
    rows: Buttons = [[(title, f"T:{topic}")] for topic, title in zip(decision.options, decision.option_titles)]
    rows += [[("➕ " + topic_title(topic, decision.reply_language), f"T:{topic}")] for topic in decision.also]
    if back_to:  # the parent wrote in another language: one tap back to the one they chose
        rows.append([("↩️ " + BY_CODE[back_to].native_name, f"L:{back_to}:")])
    if decision.dutch_reply:
        rows.append([(tr(decision.reply_language, "🇳🇱 Toon in het Nederlands"), f"D:{decision.topic}")])
    if not decision.handoff:
        rows.append([keyboards.person_button(decision.reply_language)])
    return rows


def send_decision(update: Update, context: ContextTypes.DEFAULT_TYPE, decision: Decision,
                  back_to: str | None = None) -> None:
    text = decision.reply
    if decision.machine_translated:
        text += "\n\n🤖 " + tr(decision.reply_language, "Automatisch vertaald")
    if back_to:
        text = f"🌐 {BY_CODE[decision.reply_language].native_name}\n\n{text}"
    urgent = kind_of(decision.topic) == "urgent"  # the emergency numbers go out before anything else
    reply(update, context, text[:TELEGRAM_LIMIT], decision_buttons(decision, back_to), lane=NOW if urgent else None)
    if decision.show_language_picker:
        reply(update, context, keyboards.PICKER_PROMPT, keyboards.language_picker())


def _context_for(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[dict | None, dict | None, str | None]:
    services = services_of(context)
    caregiver = store.get_caregiver(services.db, update.effective_user.id)
    if caregiver is None:
        return None, None, None
    children = store.children_of(services.db, caregiver["telegram_id"])
    school = store.get_school(services.db, children[0]["school_id"]) if children else None
    return caregiver, (school or {}).get("profile"), children[0]["teacher"] if children else None


@button(word)
async def on_topic_choice(update: Update, context: ContextTypes.DEFAULT_TYPE, topic: str) -> None:
    """The parent tapped a 'did you mean' topic: answer it, and the run of misses ends."""
    services = services_of(context)
    caregiver, profile, teacher = _context_for(update, context)
    if caregiver is None or topic not in topic_kinds():
        return
    if escalations.active_for(services.db, caregiver["telegram_id"]):
        reply(update, context, tr(caregiver["language"], "Je bent al verbonden met een persoon van de school. "
                                                         "Schrijf gewoon je bericht."))
        return
    decision = services.assistant.answer_topic(topic, caregiver["language"], sender=str(caregiver["telegram_id"]),
                                               school=profile, teacher=teacher)
    days = store.retention_days_for(services.db, caregiver["telegram_id"], services.settings.retention_days)
    store.log_message(services.db, caregiver["telegram_id"], "out", decision.reply, decision.language, days,
                      topic=decision.topic, confidence=1.0, handoff=decision.handoff)
    send_decision(update, context, decision)
    if decision.handoff:
        await handoff.hand_off(update, context, caregiver, topic, "choice")


@button(word)
async def on_dutch_version(update: Update, context: ContextTypes.DEFAULT_TYPE, topic: str) -> None:
    services = services_of(context)
    caregiver, profile, teacher = _context_for(update, context)
    if caregiver is None or topic not in topic_kinds():
        return
    dutch = services.assistant.answer_topic(topic, "nl", sender=None, school=profile, teacher=teacher)
    reply(update, context, "🇳🇱 " + dutch.reply[:TELEGRAM_LIMIT - 3])


@button()
async def on_person(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """'Talk to a person' anywhere: the hand-off is recorded and the parent told what happens next."""
    services = services_of(context)
    caregiver, profile, teacher = _context_for(update, context)
    if caregiver is None:
        return
    if escalations.active_for(services.db, caregiver["telegram_id"]):
        reply(update, context, tr(caregiver["language"], "Je bent al verbonden met een persoon van de school. "
                                                         "Schrijf gewoon je bericht."))
        return
    decision = services.assistant.answer_topic("human_request", caregiver["language"],
                                               sender=str(caregiver["telegram_id"]), school=profile, teacher=teacher)
    days = store.retention_days_for(services.db, caregiver["telegram_id"], services.settings.retention_days)
    store.log_message(services.db, caregiver["telegram_id"], "out", decision.reply, decision.language, days,
                      topic="human_request", confidence=1.0, handoff=True)
    reply(update, context, decision.reply[:TELEGRAM_LIMIT])
    await handoff.hand_off(update, context, caregiver, "human_request", "button")
