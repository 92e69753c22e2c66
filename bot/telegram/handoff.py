"""Escalations in Telegram: from the parent to a brugfiguur and back, translated.

Parent side: when the dialogue layer hands off, an escalation is opened and
routed (bot/escalations.py); the parent is told who will answer and when. While
it is open, the parent's messages go to the brugfiguur (original + Dutch) and the
assistant stays silent. On close the parent is asked whether they were helped.

Staff side: in the school's team supergroup every escalation gets its own forum
topic; without a team group the routed brugfiguur gets it in a private chat with
the bot (reply to a relayed message to answer, or `/r <nr> text`). Claim,
transfer, internal `/note`, and close with an outcome. Staff replies reach the
parent translated, with the Dutch original one tap away.

Every relayed message goes through the durable outbox (bot/outbox.py).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from datetime import datetime, timezone
from typing import Any

from babel.dates import format_datetime
from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Update
from telegram.ext import ContextTypes

from bot import escalations, outbox, store
from bot.i18n import tr
from bot.languages import BY_CODE, SOURCE_LANGUAGE
from bot.telegram.services import Services, services_of
from bot.topics import TITLES, kind_of
from bot.translation import TranslationUnavailable

logger = logging.getLogger(__name__)
REMIND_MINUTES = float(os.environ.get("SCHOOLBRUG_REMIND_MINUTES", "30"))
FLAG_MINUTES = float(os.environ.get("SCHOOLBRUG_FLAG_MINUTES", "240"))


# ------------------------------------------------------------------ helpers
def _translate(services: Services, text: str, source: str, target: str) -> str | None:
    translator = services.assistant.translator
    if source == target:
        return text
    if translator is None or not translator.available:
        return None
    try:
        return translator.translate(text, source, target)
    except TranslationUnavailable:
        return None


async def _translate_async(services: Services, text: str, source: str, target: str) -> str | None:
    return await asyncio.get_running_loop().run_in_executor(None, _translate, services, text, source, target)


def _post(services: Services, kind: str, chat_id: int, text: str, **kwargs: Any) -> int:
    """Store a message in the outbox and wake its worker (which otherwise looks again within a second)."""
    row_id = outbox.enqueue(services.db, kind, chat_id, text, **kwargs)
    worker = services.extra.get("outbox")
    if worker is not None:
        worker.wake()
    return row_id


def _staff_name(db, telegram_id: int | None) -> str:
    if telegram_id is None:
        return "de brugfiguur"
    row = db.execute("select name from staff where telegram_id = ? limit 1", [telegram_id]).fetchone()
    return row[0] if row else "de brugfiguur"


def _staff_buttons(esc_id: int) -> list[list[tuple[str, str]]]:
    return [[("✋ Ik neem dit op", f"E:claim:{esc_id}"), ("🔁 Doorgeven", f"E:transfer:{esc_id}"),
             ("✅ Afsluiten", f"E:close:{esc_id}")]]


def _where(esc: dict[str, Any]) -> tuple[int, int | None]:
    return esc["chat_id"], esc["thread_id"]


def _with_dutch(original: str, lang: str, dutch: str | None) -> str:
    if lang == SOURCE_LANGUAGE:
        return original
    return f"[{lang}] {original}\n[nl] {dutch if dutch is not None else '(niet vertaald: geen vertaaldienst)'}"


# --------------------------------------------------------------- parent side
async def hand_off_and_tell(services: Services, message: Any, caregiver: dict[str, Any], topic: str,
                            reason: str) -> None:
    """Hand off, and tell the parent (below `message`) what happens next."""
    next_step = await hand_off(services, caregiver, topic, reason)
    if next_step:
        await message.reply_text(next_step)


async def hand_off(services: Services, caregiver: dict[str, Any], topic: str, reason: str) -> str:
    """Open (or continue) the caregiver's escalation; return the line that tells them what happens next."""
    db = services.db
    lang = caregiver["language"]
    tid = caregiver["telegram_id"]
    if escalations.active_for(db, tid):
        return ""
    children = store.children_of(db, tid)
    if not children:
        return tr(lang, "Om je met een persoon van je school te verbinden, hebben we de uitnodigingslink of QR-code "
                        "van de klas van je kind nodig. Vraag die aan de school.")
    school_id = children[0]["school_id"]
    routed = escalations.route(db, school_id, lang)
    esc = escalations.open_escalation(db, school_id, tid, lang, topic, reason, routed)
    await _announce(services, esc, caregiver, children[0], routed)
    if routed.staff is None:
        school = store.get_school(db, school_id)
        secretariat = ((school or {}).get("profile") or {}).get("contacts", {}).get("secretariat", {})
        return tr(lang, "Er is nog geen brugfiguur in Schoolbrug voor je school. We hebben je vraag aan de school "
                        "doorgegeven. Dringend? Bel het secretariaat: {phone}.", phone=secretariat.get("phone", "–"))
    name = routed.staff["name"]
    if routed.at_work:
        return tr(lang, "{name} leest je bericht en antwoordt zo snel mogelijk. Je mag gewoon in je eigen taal "
                        "schrijven.", name=name)
    when = format_datetime(routed.next_start, "EEEE HH:mm", locale=lang) if routed.next_start else "–"
    return tr(lang, "{name} werkt nu niet. Je krijgt antwoord vanaf {when}. Is het dringend? Bel 112.",
              name=name, when=when)


async def _announce(services: Services, esc: dict[str, Any], caregiver: dict[str, Any], child: dict[str, Any],
                    routed: escalations.Route) -> None:
    db = services.db
    school = store.get_school(db, esc["school_id"]) or {}
    team_chat = school.get("team_chat_id")
    lang = esc["language"]
    title = TITLES.get(esc["topic"], esc["topic"])
    thread_id = None
    if team_chat:
        try:
            topic = await services.bot.create_forum_topic(
                team_chat, f"#{esc['id']} {caregiver['first_name'] or 'ouder'} · {lang} · {title}"[:128])
            thread_id = topic.message_thread_id
            chat_id = team_chat
        except Exception as err:  # no forum rights: fall back to the brugfiguur's private chat
            logger.warning("could not open a forum topic: %s", err)
            team_chat = None
    if not team_chat:
        target = routed.staff["telegram_id"] if routed.staff else None
        if target is None:
            admins = [s["telegram_id"] for s in escalations.school_staff(db, esc["school_id"], "admin")]
            target = admins[0] if admins else None
        if target is None:
            logger.error("escalation #%s: the school has no brugfiguur and no admin", esc["id"])
            return
        chat_id = target
    escalations.set_place(db, esc["id"], chat_id, thread_id)
    recent = [r for r in db["conversation_log"].rows_where(
        "telegram_id = ? and direction = 'in'", [caregiver["telegram_id"]], order_by="id desc", limit=3)][::-1]
    lines = []
    for r in recent:
        dutch = await _translate_async(services, r["text"], lang, SOURCE_LANGUAGE)
        lines.append("• " + _with_dutch(r["text"][:1000], lang, dutch).replace("\n", "\n  "))
    who = "niemand (geen brugfiguur)" if routed.staff is None else (
        f"{routed.staff['name']}" + (" (spreekt de taal)" if routed.speaks_language else ""))
    hours = "" if routed.at_work or not routed.next_start else \
        f"\n⏰ Buiten de werkuren: de ouder hoorde dat er antwoord komt vanaf {routed.next_start:%a %d/%m %H:%M}."
    kind = {"sensitive": "gevoelig", "urgent": "DRINGEND – 112/1712 gegeven", "handoff": "vraagt een persoon",
            "fallback": "de assistent begreep het niet"}.get(kind_of(esc["topic"]), esc["reason"])
    text = (f"🆘 Vraag #{esc['id']} – {school.get('name', esc['school_id'])}\n"
            f"Ouder: {caregiver['first_name'] or '–'} ({BY_CODE[lang].native_name}), "
            f"{child.get('class_name') or '–'} ({child.get('relation')})\n"
            f"Onderwerp: {title} ({kind})\nVoor: {who}{hours}\n\nLaatste berichten:\n" + "\n".join(lines) +
            "\n\nSchrijf je antwoord in het Nederlands" + (" hier" if thread_id else
                                                            " als antwoord (reply) op dit bericht") +
            ": het gaat vertaald naar de ouder. /note tekst = interne nota, /close uitkomst = afsluiten.")
    _post(services, "summary", chat_id, text, escalation_id=esc["id"], thread_id=thread_id,
                   buttons=_staff_buttons(esc["id"]))


async def relay_from_parent(services: Services, caregiver: dict[str, Any], esc: dict[str, Any], text: str,
                            update_id: int | None = None) -> None:
    chat_id, thread_id = _where(esc)
    if chat_id is None:
        return
    dutch = await _translate_async(services, text, esc["language"], SOURCE_LANGUAGE)
    body = f"👤 #{esc['id']} {caregiver['first_name'] or 'ouder'}:\n" + _with_dutch(text, esc["language"], dutch)
    _post(services, "to_staff", chat_id, body, escalation_id=esc["id"], thread_id=thread_id,
                   source_text=text, source_language=esc["language"], update_id=update_id)
    store.audit(services.db, str(caregiver["telegram_id"]), "parent", "relay_in", esc["school_id"], f"#{esc['id']}")


async def relay_from_staff(services: Services, staff_id: int, esc: dict[str, Any], text: str,
                           update_id: int | None = None) -> None:
    db = services.db
    caregiver = store.get_caregiver(db, esc["caregiver_id"])
    if caregiver is None:
        _post(services, "notice", esc["chat_id"], f"⚠️ #{esc['id']}: deze ouder heeft zijn gegevens gewist; "
                       "het bericht is niet verstuurd.", escalation_id=esc["id"], thread_id=esc["thread_id"])
        return
    if esc["status"] == "open":  # answering is taking it on
        escalations.claim(db, esc["id"], staff_id)
    lang = caregiver["language"]
    name = _staff_name(db, staff_id)
    # Brugfiguren mostly write Dutch, but one who speaks the parent's language may write in it.
    written_in = services.assistant.detector.detect(text, stored=SOURCE_LANGUAGE).language
    source = written_in if written_in in (lang, SOURCE_LANGUAGE) else SOURCE_LANGUAGE
    translated = await _translate_async(services, text, source, lang)
    if translated is None:
        body = f"💬 {name}:\n{text}\n\n" + tr(lang, "(automatisch vertalen lukte niet; dit is de originele tekst)")
        buttons: list = []
    else:
        body = f"💬 {name}:\n{translated}"
        dutch_original = source == SOURCE_LANGUAGE and lang != SOURCE_LANGUAGE
        buttons = [[(tr(lang, "🇳🇱 Toon in het Nederlands"), "O:pending")]] if dutch_original else []
    row_id = _post(services, "to_parent", caregiver["telegram_id"], body, escalation_id=esc["id"],
                            buttons=buttons, source_text=text, source_language=source, update_id=update_id)
    if buttons:
        db["outbox"].update(row_id, {"buttons": json.dumps([[(buttons[0][0][0], f"O:{row_id}")]])})
    store.audit(db, str(staff_id), "brugfiguur", "answer", esc["school_id"], f"#{esc['id']}")


async def close(services: Services, staff_id: int, esc: dict[str, Any], outcome: str) -> None:
    db = services.db
    escalations.close(db, esc["id"], outcome or "afgesloten")
    store.audit(db, str(staff_id), "brugfiguur", "close", esc["school_id"], f"#{esc['id']}", {"outcome": outcome})
    caregiver = store.get_caregiver(db, esc["caregiver_id"])
    if caregiver:
        lang = caregiver["language"]
        services.assistant.engine.reset(str(caregiver["telegram_id"]))
        _post(services, "to_parent", caregiver["telegram_id"], tr(
            lang, "Het gesprek met {name} is afgesloten. Je kan mij weer alles vragen. Ben je goed geholpen?",
            name=_staff_name(db, staff_id)), escalation_id=esc["id"],
            buttons=[[("👍", f"FB:{esc['id']}:up"), ("👎", f"FB:{esc['id']}:down")]])
    _post(services, "notice", esc["chat_id"], f"✅ #{esc['id']} afgesloten door {_staff_name(db, staff_id)}: "
                   f"{outcome or 'afgesloten'}", escalation_id=esc["id"], thread_id=esc["thread_id"])
    if esc["thread_id"]:
        try:
            await services.bot.close_forum_topic(esc["chat_id"], esc["thread_id"])
        except Exception as err:
            logger.info("could not close forum topic: %s", err)


# ----------------------------------------------------------- staff handlers
def _staff_escalation(services: Services, update: Update, esc_id: int | None = None) -> dict[str, Any] | None:
    """The escalation a staff message is about: by number, forum topic, or reply to a relayed message."""
    db = services.db
    message = update.effective_message
    if esc_id is not None:
        return escalations.get(db, esc_id)
    if message and message.message_thread_id and message.chat.type != "private":
        return escalations.by_thread(db, message.chat_id, message.message_thread_id)
    if message and message.reply_to_message:
        row = outbox.by_message(db, message.chat_id, message.reply_to_message.message_id)
        if row and row["escalation_id"]:
            return escalations.get(db, row["escalation_id"])
    mine = [e for e in escalations.list_active(db) if update.effective_user.id in (e["claimed_by"], e["assigned_to"])]
    return mine[0] if len(mine) == 1 else None


async def _refuse(update: Update) -> None:
    await update.effective_message.reply_text("Deze vraag hoort niet bij jouw school; je kan ze niet zien.")


async def staff_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A staff member's text: relay it to the parent when it belongs to an escalation. True when handled."""
    services = services_of(context)
    user_id = update.effective_user.id
    if not store.staff_roles(services.db, user_id):
        return False
    esc = _staff_escalation(services, update)
    if esc is None:
        if update.effective_chat.type == "private":
            await update.effective_message.reply_text(
                "Bij welke vraag hoort dit? Antwoord (reply) op het bericht van de ouder, of schrijf /r NUMMER tekst. "
                "/escalations toont de open vragen.")
            return True
        return False
    if not escalations.staff_can_see(services.db, user_id, esc):
        await _refuse(update)
        return True
    if esc["status"] == "closed":
        await update.effective_message.reply_text(f"#{esc['id']} is al afgesloten.")
        return True
    await relay_from_staff(services, user_id, esc, update.effective_message.text, update.update_id)
    return True


async def staff_group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await staff_text(update, context)


def _number(args: list[str]) -> int | None:
    return int(args[0].lstrip("#")) if args and args[0].lstrip("#").isdigit() else None


async def reply_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/r NUMMER tekst – answer a parent from a private chat."""
    services = services_of(context)
    number = _number(context.args)
    esc = escalations.get(services.db, number) if number else None
    if esc is None or len(context.args) < 2:
        await update.effective_message.reply_text("Gebruik: /r NUMMER tekst, bv. /r 12 Dag mevrouw, ...")
        return
    if not escalations.staff_can_see(services.db, update.effective_user.id, esc):
        await _refuse(update)
        return
    await relay_from_staff(services, update.effective_user.id, esc, " ".join(context.args[1:]), update.update_id)


async def note_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    number = _number(context.args)
    esc = _staff_escalation(services, update, number)
    text = " ".join(context.args[1:] if number else context.args)
    if esc is None or not text:
        await update.effective_message.reply_text("Gebruik in het onderwerp: /note tekst (of /note NUMMER tekst).")
        return
    if not escalations.staff_can_see(services.db, update.effective_user.id, esc):
        await _refuse(update)
        return
    store.audit(services.db, str(update.effective_user.id), "brugfiguur", "note", esc["school_id"],
                f"#{esc['id']}", {"note": text[:1000]})
    await update.effective_message.reply_text(f"📝 Nota bij #{esc['id']} bewaard (niet zichtbaar voor de ouder).")


async def close_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    number = _number(context.args)
    esc = _staff_escalation(services, update, number)
    if esc is None or esc["status"] == "closed":
        await update.effective_message.reply_text("Gebruik: /close uitkomst (in het onderwerp), of /close NUMMER uitkomst.")
        return
    if not escalations.staff_can_see(services.db, update.effective_user.id, esc):
        await _refuse(update)
        return
    await close(services, update.effective_user.id, esc, " ".join(context.args[1:] if number else context.args))


async def escalations_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    schools = {s["school_id"] for s in store.staff_roles(services.db, update.effective_user.id)}
    rows = [e for e in escalations.list_active(services.db) if e["school_id"] in schools]
    if not rows:
        await update.effective_message.reply_text("Geen open vragen. 🌿")
        return
    lines = [f"#{e['id']} {e['status']} · {e['language']} · {TITLES.get(e['topic'], e['topic'])} · "
             f"{escalations.minutes_open(e):.0f} min · {_staff_name(services.db, e['claimed_by'] or e['assigned_to'])}"
             for e in rows]
    await update.effective_message.reply_text("Open vragen:\n" + "\n".join(lines))


async def teamchat_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/teamchat in the team's forum supergroup (by an admin): escalations get a topic here."""
    services = services_of(context)
    chat = update.effective_chat
    admin_of = [s["school_id"] for s in store.staff_roles(services.db, update.effective_user.id) if s["role"] == "admin"]
    if not admin_of or chat.type == "private":
        await update.effective_message.reply_text("Stuur /teamchat als beheerder, in de teamgroep (met onderwerpen).")
        return
    services.db["schools"].update(admin_of[0], {"team_chat_id": chat.id})
    store.audit(services.db, str(update.effective_user.id), "admin", "team_chat", admin_of[0], str(chat.id))
    await update.effective_message.reply_text("Deze groep ontvangt nu de vragen van ouders, één onderwerp per ouder.")


async def on_staff_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    query = update.callback_query
    _, action, number = query.data.split(":")[:3]
    esc = escalations.get(services.db, int(number))
    user_id = query.from_user.id
    if esc is None or not escalations.staff_can_see(services.db, user_id, esc):
        await query.answer("Niet voor jou.", show_alert=True)
        return
    if esc["status"] == "closed":
        await query.answer(f"#{esc['id']} is al afgesloten.")
        return
    name = _staff_name(services.db, user_id)
    if action == "claim":
        escalations.claim(services.db, esc["id"], user_id)
        store.audit(services.db, str(user_id), "brugfiguur", "claim", esc["school_id"], f"#{esc['id']}")
        await query.answer("Opgenomen")
        _post(services, "notice", esc["chat_id"], f"✋ {name} neemt #{esc['id']} op.",
                       escalation_id=esc["id"], thread_id=esc["thread_id"])
        caregiver = store.get_caregiver(services.db, esc["caregiver_id"])
        if caregiver:
            _post(services, "to_parent", caregiver["telegram_id"], tr(
                caregiver["language"], "{name} heeft je vraag gelezen en schrijft je zo.", name=name),
                escalation_id=esc["id"])
    elif action == "transfer":
        others = [p for p in escalations.brugfiguren(services.db, esc["school_id"]) if p["telegram_id"] != user_id]
        await query.answer()
        if not others:
            await query.message.reply_text("Er is geen andere brugfiguur om aan door te geven.")
            return
        await query.message.reply_text("Aan wie geef je het door?", reply_markup=Markup(
            [[Button(p["name"], callback_data=f"X:{esc['id']}:{p['telegram_id']}")] for p in others]))
    elif action == "close":
        await query.answer("Afgesloten")
        await close(services, user_id, esc, "afgesloten")


async def on_transfer_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    query = update.callback_query
    _, number, target = query.data.split(":")
    esc = escalations.get(services.db, int(number))
    if esc is None or not escalations.staff_can_see(services.db, query.from_user.id, esc) or \
            not escalations.staff_can_see(services.db, int(target), esc):
        await query.answer("Niet voor jou.", show_alert=True)
        return
    escalations.transfer(services.db, esc["id"], int(target))
    store.audit(services.db, str(query.from_user.id), "brugfiguur", "transfer", esc["school_id"], f"#{esc['id']}",
                {"to": int(target)})
    await query.answer("Doorgegeven")
    target_name = _staff_name(services.db, int(target))
    if esc["thread_id"]:
        _post(services, "notice", esc["chat_id"], f"🔁 #{esc['id']} gaat naar {target_name}.",
                       escalation_id=esc["id"], thread_id=esc["thread_id"])
    else:  # private chats: the new brugfiguur gets the summary and the escalation moves to their chat
        caregiver = store.get_caregiver(services.db, esc["caregiver_id"])
        children = store.children_of(services.db, esc["caregiver_id"])
        if caregiver and children:
            routed = escalations.Route(services.db["staff"].get((int(target), esc["school_id"])), True, True, None)
            await _announce(services, escalations.get(services.db, esc["id"]), caregiver, children[0], routed)


# ---------------------------------------------------------- parent buttons
async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    query = update.callback_query
    _, number, value = query.data.split(":")
    esc = escalations.get(services.db, int(number))
    if esc is None or esc["caregiver_id"] != query.from_user.id:
        await query.answer()
        return
    services.db["escalations"].update(esc["id"], {"feedback": value})
    caregiver = store.get_caregiver(services.db, query.from_user.id)
    await query.answer("👍" if value == "up" else "👎")
    await query.edit_message_reply_markup(None)
    await query.message.reply_text(tr(caregiver["language"] if caregiver else "nl",
                                      "Dank je! Je kan me altijd opnieuw iets vragen."))


async def on_dutch_original(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    query = update.callback_query
    await query.answer()
    number = query.data.split(":", 1)[1]
    row = services.db["outbox"].get(int(number)) if number.isdigit() else None
    if row is None or row["chat_id"] != query.from_user.id or not row["source_text"]:
        return
    await query.message.reply_text("🇳🇱 " + row["source_text"][:4000])


# ------------------------------------------------------------ follow-up
async def watch(services: Services, every: float = 30.0) -> None:
    """Re-announce unclaimed escalations and flag old ones to the school's admins."""
    while True:
        await asyncio.sleep(every)
        try:
            follow_up(services)
        except Exception:
            logger.exception("escalation follow-up failed")


def follow_up(services: Services) -> None:
    db = services.db
    now = datetime.now(timezone.utc)
    for esc in escalations.list_active(db):
        if esc["status"] != "open" or esc["chat_id"] is None:
            continue
        age = escalations.minutes_open(esc, now)
        since = (now - datetime.fromisoformat(esc["announced_at"])).total_seconds() / 60
        if since >= REMIND_MINUTES:
            _post(services, "reminder", esc["chat_id"], f"⏰ Nog niemand heeft #{esc['id']} opgenomen "
                           f"({age:.0f} min). Tik op ✋ om het op te nemen.", escalation_id=esc["id"],
                           thread_id=esc["thread_id"], buttons=_staff_buttons(esc["id"]))
            db["escalations"].update(esc["id"], {"announced_at": now.isoformat(timespec="seconds"),
                                                 "announcements": (esc["announcements"] or 0) + 1})
        if age >= FLAG_MINUTES and not esc["admin_flagged_at"]:
            for admin in escalations.school_staff(db, esc["school_id"], "admin"):
                _post(services, "flag", admin["telegram_id"], f"⚠️ Vraag #{esc['id']} van een ouder wacht al "
                               f"{age / 60:.1f} uur zonder antwoord. /escalations", escalation_id=esc["id"])
            db["escalations"].update(esc["id"], {"admin_flagged_at": now.isoformat(timespec="seconds")})
            store.audit(db, "assistant", "system", "escalation_flagged", esc["school_id"], f"#{esc['id']}")


async def report_undeliverable(services: Services, row: dict[str, Any], error: str) -> None:
    """A message for a parent could not be delivered: tell the brugfiguur, never fail silently."""
    if row["kind"] != "to_parent" or not row["escalation_id"]:
        return
    esc = escalations.get(services.db, row["escalation_id"])
    if esc and esc["chat_id"]:
        _post(services, "notice", esc["chat_id"], f"⚠️ #{esc['id']}: je bericht kon niet bij de ouder "
                       f"geraken ({error[:100]}). Probeer via het secretariaat of telefonisch.",
                       escalation_id=esc["id"], thread_id=esc["thread_id"])
