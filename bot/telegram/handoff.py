"""Escalations in Telegram: thin handlers over bot/escalations.py.

Parent side: when the dialogue layer hands off, the domain opens and routes an
escalation; the parent hears what happens next. While it is open, the parent's
words go to the brugfiguur (original + Dutch) and the assistant stays silent.

Staff side: a school's team supergroup gets a forum topic per escalation; without
one, the brugfiguur's private chat with the bot. What is relayed to a parent:
* in a group: only a message in an escalation's own topic, or a reply to a
  relayed message (a chat between colleagues in General never reaches a parent);
* in a private chat: only a reply to a relayed message, or `/r NUMBER text`.
A staff member's edit in a topic is relayed as a correction. Reading, claiming,
answering and closing are for brugfiguren and admins of that school; other
staff get a kind refusal. Translations run in their own threads, outside any
database transaction, before the domain call.
"""
from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot import escalations, send_queue, store
from bot.i18n import tr
from bot.languages import SOURCE_LANGUAGE
from bot.send_queue import STAFF, Outgoing
from bot.telegram.buttons import Answer, button, number, one_of
from bot.telegram.services import Services, edit, reply, services_of
from bot.topics import TITLES
from bot.translation import TranslationUnavailable

logger = logging.getLogger(__name__)
NOT_YOURS = "Deze vraag hoort niet bij jouw school; je kan ze niet zien."
NOT_FOR_TEACHERS = ("Vragen van ouders worden opgevolgd door de brugfiguren en de directie. "
                    "Wil je iets doorgeven? Vraag het aan de brugfiguur van je school.")


async def translate(services: Services, text: str, source: str, target: str, owner: int | None = None) -> str | None:
    """A translation, or None when no service is configured or it failed (the caller marks the original)."""
    if source == target:
        return text
    translator = services.assistant.translator
    if translator is None or not translator.available:
        return None
    try:
        return await translator.translate_async(text, source, target, owner)
    except TranslationUnavailable:
        return None


# --------------------------------------------------------------- parent side
async def hand_off(update: Update, context: ContextTypes.DEFAULT_TYPE, caregiver: dict[str, Any], topic: str,
                   reason: str) -> None:
    """Open (or continue) the caregiver's escalation and tell them what happens next."""
    services = services_of(context)
    db, lang, tid = services.db, caregiver["language"], caregiver["telegram_id"]
    if escalations.active_for(db, tid):
        return
    if not store.children_of(db, tid):
        reply(update, context, tr(lang, "Om je met een persoon van je school te verbinden, hebben we de "
                                        "uitnodigingslink of QR-code van de klas van je kind nodig. Vraag die aan "
                                        "de school."))
        return
    recent_rows = list(db["conversation_log"].rows_where("telegram_id = ? and direction = 'in'", [tid],
                                                         order_by="id desc", limit=3))[::-1]
    recent = [(r["text"], await translate(services, r["text"], lang, SOURCE_LANGUAGE, tid)) for r in recent_rows]
    opened = escalations.open_for(db, caregiver, topic, reason, recent, tz=services.settings.tz,
                                  dedupe_key=services.dedupe_key(update))
    services.wake()
    if opened and opened.parent_text:
        reply(update, context, opened.parent_text)


async def relay_from_parent(update: Update, context: ContextTypes.DEFAULT_TYPE, caregiver: dict[str, Any],
                            esc: dict[str, Any], text: str) -> None:
    services = services_of(context)
    dutch = await translate(services, text, esc["language"], SOURCE_LANGUAGE, caregiver["telegram_id"])
    escalations.relay_from_parent(services.db, esc, caregiver, text, dutch, services.dedupe_key(update))
    services.wake()


# ---------------------------------------------------------------- staff side
def _escalation_of(services: Services, update: Update) -> dict[str, Any] | None:
    """The escalation a staff message belongs to: its forum topic, or a reply to a relayed message."""
    db, message = services.db, update.effective_message
    if message is None:
        return None
    if message.reply_to_message is not None:
        esc = escalations.by_relayed_message(db, message.chat_id, message.reply_to_message.message_id)
        if esc is not None:
            return esc
    if message.chat.type != "private" and message.is_topic_message and message.message_thread_id:
        return escalations.by_thread(db, message.chat_id, message.message_thread_id)
    return None


async def _relay_staff_text(update: Update, context: ContextTypes.DEFAULT_TYPE, esc: dict[str, Any], text: str,
                            correction: bool = False) -> None:
    services = services_of(context)
    db, user_id = services.db, update.effective_user.id
    if escalations.role_at(db, user_id, esc["school_id"]) is None:
        reply(update, context, NOT_YOURS, lane=STAFF)
        return
    if not escalations.can_handle(db, user_id, esc):
        reply(update, context, NOT_FOR_TEACHERS, lane=STAFF)
        return
    if esc["status"] == "closed":
        reply(update, context, f"#{esc['id']} is al afgesloten.", lane=STAFF)
        return
    caregiver = store.get_caregiver(db, esc["caregiver_id"])
    lang = caregiver["language"] if caregiver else SOURCE_LANGUAGE
    # Brugfiguren mostly write Dutch, but one who speaks the parent's language may write in it.
    written_in = services.assistant.detector.detect(text, stored=SOURCE_LANGUAGE).language
    source = written_in if written_in in (lang, SOURCE_LANGUAGE) else SOURCE_LANGUAGE
    translated = await translate(services, text, source, lang, esc["caregiver_id"])
    escalations.relay_from_staff(db, user_id, esc, text, translated, source, services.dedupe_key(update),
                                 correction=correction)
    services.wake()


async def staff_reply_in_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """In a private chat, a staff member's reply to a relayed message goes to that parent. True when handled."""
    services = services_of(context)
    if not store.staff_roles(services.db, update.effective_user.id):
        return False
    esc = _escalation_of(services, update)
    if esc is None:
        return False
    await _relay_staff_text(update, context, esc, update.effective_message.text or "",
                            correction=update.edited_message is not None)
    return True


async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text in a group: relayed only from an escalation's own topic or as a reply to a relayed message."""
    services = services_of(context)
    user = update.effective_user
    if user is None or not store.staff_roles(services.db, user.id):
        return  # a stranger in the group, or a channel: not ours to answer
    esc = _escalation_of(services, update)
    if esc is None:
        return  # colleagues talking among themselves
    await _relay_staff_text(update, context, esc, update.effective_message.text or "",
                            correction=update.edited_message is not None)


def _number(args: list[str]) -> int | None:
    if args and args[0].lstrip("#").isdigit() and len(args[0]) < 16:
        return int(args[0].lstrip("#"))
    return None


def _checked(update: Update, context: ContextTypes.DEFAULT_TYPE, esc: dict[str, Any] | None) -> bool:
    """May this person act on this escalation? Refuse kindly when not."""
    db, user_id = services_of(context).db, update.effective_user.id
    if esc is None:
        return False
    if escalations.role_at(db, user_id, esc["school_id"]) is None:
        reply(update, context, NOT_YOURS, lane=STAFF)
        return False
    if not escalations.can_handle(db, user_id, esc):
        reply(update, context, NOT_FOR_TEACHERS, lane=STAFF)
        store.audit(db, str(user_id), "staff", "refused", esc["school_id"], f"#{esc['id']}")
        return False
    return True


async def reply_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/r NUMMER tekst – answer a parent from a private chat."""
    services = services_of(context)
    number_ = _number(context.args)
    esc = escalations.get(services.db, number_) if number_ else None
    if esc is None or len(context.args) < 2:
        reply(update, context, "Gebruik: /r NUMMER tekst, bv. /r 12 Dag mevrouw, ...", lane=STAFF)
        return
    if _checked(update, context, esc):
        await _relay_staff_text(update, context, esc, " ".join(context.args[1:]))


def _target(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[dict[str, Any] | None, list[str]]:
    """The escalation a command is about (a number, else the topic or replied message) and the rest."""
    services = services_of(context)
    number_ = _number(context.args)
    if number_ is not None:
        return escalations.get(services.db, number_), context.args[1:]
    return _escalation_of(services, update), context.args


async def note_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    esc, words = _target(update, context)
    text = " ".join(words)
    if esc is None or not text:
        reply(update, context, "Gebruik in het onderwerp: /note tekst (of /note NUMMER tekst).", lane=STAFF)
        return
    if _checked(update, context, esc):
        escalations.note(services_of(context).db, esc["id"], update.effective_user.id, text)
        reply(update, context, f"📝 Nota bij #{esc['id']} bewaard (niet zichtbaar voor de ouder).", lane=STAFF)


async def close_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    esc, words = _target(update, context)
    if esc is None or esc["status"] == "closed":
        reply(update, context, "Gebruik: /close uitkomst (in het onderwerp), of /close NUMMER uitkomst.", lane=STAFF)
        return
    if _checked(update, context, esc):
        services = services_of(context)
        services.assistant.engine.reset(str(esc["caregiver_id"]))
        escalations.close(services.db, esc["id"], update.effective_user.id, " ".join(words))
        services.wake()


async def escalations_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    schools = {s["school_id"] for s in store.staff_roles(services.db, update.effective_user.id)
               if s["role"] in escalations.HANDLERS}
    if not schools:
        reply(update, context, NOT_FOR_TEACHERS, lane=STAFF)
        return
    rows = [e for e in escalations.list_active(services.db) if e["school_id"] in schools]
    if not rows:
        reply(update, context, "Geen open vragen. 🌿", lane=STAFF)
        return
    lines = [f"#{e['id']} {e['status']} · {e['language']} · {TITLES.get(e['topic'], e['topic'])} · "
             f"{escalations.minutes_open(e):.0f} min · "
             f"{escalations.staff_name(services.db, e['claimed_by'] or e['assigned_to'])}"
             + ("" if e["chat_id"] else " · ⚠️ nog geen plaats") for e in rows]
    reply(update, context, "Open vragen:\n" + "\n".join(lines), lane=STAFF)


async def teamchat_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/teamchat in the team's forum supergroup (by an admin): escalations get a topic here."""
    services = services_of(context)
    chat = update.effective_chat
    admin_of = [s["school_id"] for s in store.staff_roles(services.db, update.effective_user.id) if s["role"] == "admin"]
    if not admin_of or chat.type == "private":
        reply(update, context, "Stuur /teamchat als beheerder, in de teamgroep (met onderwerpen).", lane=STAFF)
        return
    services.db["schools"].update(admin_of[0], {"team_chat_id": chat.id})
    store.audit(services.db, str(update.effective_user.id), "admin", "team_chat", admin_of[0], str(chat.id))
    reply(update, context, "Deze groep ontvangt nu de vragen van ouders, één onderwerp per ouder.", lane=STAFF)


# ------------------------------------------------------------------ buttons
@button(one_of("claim", "transfer", "close"), number)
async def on_staff_button(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str, esc_id: int) -> Answer:
    services = services_of(context)
    db, user_id = services.db, update.effective_user.id
    esc = escalations.get(db, esc_id)
    if esc is None or escalations.role_at(db, user_id, esc["school_id"]) is None:
        return Answer("Niet voor jou.", alert=True)
    if not escalations.can_handle(db, user_id, esc):
        store.audit(db, str(user_id), "staff", "refused", esc["school_id"], f"#{esc['id']}")
        return Answer(NOT_FOR_TEACHERS, alert=True)
    if esc["status"] == "closed":
        return Answer(f"#{esc['id']} is al afgesloten.")
    if action == "claim":
        outcome = escalations.claim(db, esc["id"], user_id)
        services.wake()
        return Answer("Opgenomen" if outcome == "claimed" else "Je had dit al opgenomen")
    if action == "transfer":
        others = [p for p in escalations.brugfiguren(db, esc["school_id"]) if p["telegram_id"] != user_id]
        if not others:
            return Answer("Er is geen andere brugfiguur om aan door te geven.", alert=True)
        services.post(Outgoing(update.effective_chat.id, "Aan wie geef je het door?",
                               buttons=[[(p["name"], f"X:{esc['id']}:{p['telegram_id']}")] for p in others],
                               thread_id=esc["thread_id"] if esc["chat_id"] == update.effective_chat.id else None,
                               lane=STAFF, kind="notice", dedupe_key=services.dedupe_key(update)))
        return Answer()
    services.assistant.engine.reset(str(esc["caregiver_id"]))
    escalations.close(db, esc["id"], user_id, "afgesloten")
    services.wake()
    return Answer("Afgesloten")


@button(number, number)
async def on_transfer_choice(update: Update, context: ContextTypes.DEFAULT_TYPE, esc_id: int, target: int) -> Answer:
    services = services_of(context)
    db, user_id = services.db, update.effective_user.id
    esc = escalations.get(db, esc_id)
    if esc is None or not escalations.can_handle(db, user_id, esc) or not escalations.can_handle(db, target, esc):
        return Answer("Niet voor jou.", alert=True)
    if not escalations.transfer(db, esc_id, user_id, target):
        return Answer(f"#{esc_id} is al afgesloten.")
    services.wake()
    return Answer("Doorgegeven")


@button(number, one_of("up", "down"))
async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE, esc_id: int, value: str) -> Answer | None:
    services = services_of(context)
    if not escalations.record_feedback(services.db, esc_id, update.effective_user.id, value):
        return None
    caregiver = store.get_caregiver(services.db, update.effective_user.id)
    edit(update, context, None, None)
    reply(update, context, tr(caregiver["language"] if caregiver else "nl", "Dank je! Je kan me altijd opnieuw iets vragen."))
    return Answer("👍" if value == "up" else "👎")


@button(number)
async def on_dutch_original(update: Update, context: ContextTypes.DEFAULT_TYPE, row_id: int) -> None:
    services = services_of(context)
    row = send_queue.get(services.db, row_id)
    if row is None or row["chat_id"] != update.effective_user.id or not row["source_text"]:
        return
    reply(update, context, "🇳🇱 " + row["source_text"][:4000])

