"""Reminders in Telegram: thin handlers in front of bot/reminders.py, and the loop that sends them.

Parents: ✅ / RSVP taps (`RM:<id>:<answer>`), the short text after "yes, if…", /reminders (white
reminders at once or as a daily digest). Staff: the guided /remind conversation, /remindstatus ID
(a live status message), /calllist. The reminder loop reads due reminders from SQLite every second,
so a reminder created by `schoolbrug remind create` (or before a restart) is sent by the running bot.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import reminders, store
from bot.i18n import tr
from bot.languages import SOURCE_LANGUAGE
from bot.send_queue import STAFF, Outgoing
from bot.telegram.buttons import Answer, button, number, one_of, token
from bot.telegram.services import Services, edit, guess_language, reply, services_of
from bot.telegram.staff import requires
from bot.translation import TranslationUnavailable

logger = logging.getLogger(__name__)
TICK = 1.0  # seconds between two looks at the reminders table
STATUS_EVERY = 3.0  # a live status message is edited at most this often


# ----------------------------------------------------------------- the loop
async def reminder_loop(services: Services) -> None:
    """Start due reminders, translate their text once per language, queue recipients whose time has come,
    send digests, follow up unseen red reminders, edit live status messages. Never dies of one error."""
    while True:
        try:
            if await tick(services):
                services.wake()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("reminder loop failed; trying again")
        await asyncio.sleep(TICK)


async def tick(services: Services, now: datetime | None = None) -> int:
    db, settings = services.db, services.settings
    now = now or datetime.now(timezone.utc)
    queued = 0
    for rid in reminders.due(db, now.timestamp()):
        reminders.start(db, rid, now, settings.tz)
    for rid in reminders.reminders_waiting(db, now.timestamp()):
        await translate_once(services, rid, reminders.languages_waiting(db, rid, now.timestamp()))
        queued += reminders.queue_due(db, rid, now, settings.tz, settings.useful_hours, settings.retention_days)
    queued += reminders.queue_digests(db, now, settings.tz)
    queued += reminders.follow_up(db, now, settings.tz)
    reminders.finish_sent(db)
    queued += reminders.live_status_edits(db, STATUS_EVERY, now.timestamp())
    return queued


async def translate_once(services: Services, reminder_id: int, languages: list[str]) -> None:
    """The Dutch text, machine-translated once per reminder and language (never per recipient), before the
    transaction that queues the messages. Without a service nothing is translated (Dutch + the kind line)."""
    translator = getattr(services.assistant, "translator", None)
    if translator is None or not translator.available:
        return
    rem = reminders.get(services.db, reminder_id)
    for lang in languages:
        if lang == SOURCE_LANGUAGE or reminders.translation_of(services.db, reminder_id, lang) is not None:
            continue
        try:
            text = await translator.translate_async(rem["text"], SOURCE_LANGUAGE, lang)
        except TranslationUnavailable:
            continue
        reminders.store_translation(services.db, reminder_id, lang, text)


def start_loops(services: Services) -> None:
    quiet = services.settings.quiet_hours.strip().lower()
    if quiet == "off":
        reminders.QUIET_HOURS = None
    elif quiet:
        start, _, end = quiet.partition("-")
        reminders.QUIET_HOURS = (start.strip(), end.strip())
    services.tasks.append(asyncio.create_task(reminder_loop(services), name="reminders"))


# ---------------------------------------------------------- parents: taps
def _lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    caregiver = store.get_caregiver(services_of(context).db, update.effective_user.id)
    return caregiver["language"] if caregiver else guess_language(update)


def _keyboard_of(update: Update) -> list[list[tuple[str, str]]]:
    markup = update.callback_query.message.reply_markup if update.callback_query.message else None
    if markup is None:
        return []
    return [[(b.text.replace(" ✔️", ""), b.callback_data or "") for b in row] for row in markup.inline_keyboard]


@button(number, one_of(*reminders.ANSWERS))
async def on_reminder_button(update: Update, context: ContextTypes.DEFAULT_TYPE, reminder_id: int,
                             action: str) -> Answer:
    """✅ seen or an RSVP answer: counted once, editable until the deadline."""
    services = services_of(context)
    lang = _lang(update, context)
    result = reminders.answer(services.db, reminder_id, update.effective_user.id, action, lang,
                              tz=services.settings.tz)
    if result.outcome in ("seen", "recorded", "changed", "ask_note"):
        keyboard = _keyboard_of(update)
        prefix = f"RM:{reminder_id}:"
        marked = [[(label + (" ✔️" if data.startswith(prefix) and data.split(":")[-1] in result.chosen else ""), data)
                   for label, data in row] for row in keyboard]
        if marked and marked != keyboard:
            edit(update, context, None, marked)
    if result.ask:
        reply(update, context, result.ask)
    return Answer(result.toast, alert=result.outcome == "too_late")


async def on_text_first(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before the assistant: the short text after "yes, if…" (parents) or the next answer of the guided
    /remind conversation (staff). Anything else goes on to the other handlers."""
    message = update.effective_message
    if message is None or not message.text:
        return
    if context.user_data.get("remind") is not None:
        await _compose_step(update, context, message.text.strip())
        raise ApplicationHandlerStop
    services = services_of(context)
    pending = reminders.awaiting_note(services.db, update.effective_user.id)
    if pending is None:
        return
    caregiver = store.get_caregiver(services.db, update.effective_user.id)
    lang = caregiver["language"] if caregiver else SOURCE_LANGUAGE
    dutch = message.text if lang == SOURCE_LANGUAGE else None
    translator = getattr(services.assistant, "translator", None)
    if dutch is None and translator is not None and translator.available:
        try:
            dutch = await translator.translate_async(message.text, lang, SOURCE_LANGUAGE,
                                                     owner=update.effective_user.id)
        except TranslationUnavailable:
            dutch = None
    targets = reminders.record_note(services.db, pending, message.text, dutch, lang,
                                    caregiver["first_name"] if caregiver else "")
    services.wake()
    reply(update, context, tr(lang, "Dank je. Je antwoord is doorgegeven aan de school.") if targets else
          tr(lang, "Dank je. Je antwoord is bewaard."))
    raise ApplicationHandlerStop


async def reminders_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reminders – white (information) reminders at once or as one message a day; red always at once."""
    lang = _lang(update, context)
    services = services_of(context)
    mode = reminders.white_mode(services.db, update.effective_user.id)
    reply(update, context, tr(lang, "Hoe wil je berichten met informatie (⚪) krijgen? Rode berichten krijg je "
                                    "altijd meteen."),
          [[(tr(lang, "Meteen") + (" ✔️" if mode == "now" else ""), "RP:now")],
           [(tr(lang, "Eén keer per dag, samen") + (" ✔️" if mode == "digest" else ""), "RP:digest")]])


@button(one_of("now", "digest"))
async def on_white_mode(update: Update, context: ContextTypes.DEFAULT_TYPE, mode: str) -> Answer | None:
    services = services_of(context)
    lang = _lang(update, context)
    if store.get_caregiver(services.db, update.effective_user.id) is None:
        return Answer(tr(lang, "Deze knop werkt niet meer. Stuur gerust een bericht."))
    reminders.set_white_mode(services.db, update.effective_user.id, mode)
    edit(update, context, tr(lang, "Bewaard. Informatie (⚪) krijg je meteen.") if mode == "now" else
         tr(lang, "Bewaard. Informatie (⚪) krijg je één keer per dag, samen."))
    return None


# ------------------------------------------------------------ staff: status
def _staff_school(context: ContextTypes.DEFAULT_TYPE, *roles: str) -> str | None:
    who: store.Roles = context.user_data["roles"]
    schools = who.schools_with(*roles)
    return schools[0] if schools else None


@requires("staff", "brugfiguur", "admin")
async def remindstatus_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/remindstatus ID – a status message that keeps itself up to date (sent, seen, RSVP per class/language)."""
    services = services_of(context)
    who: store.Roles = context.user_data["roles"]
    if not context.args or not context.args[0].lstrip("#").isdigit():
        mine = [r for s in who.schools_with("staff", "brugfiguur", "admin") for r in reminders.list_for(services.db, s)]
        reply(update, context, "Gebruik: /remindstatus NUMMER\n" + "\n".join(
            f"#{r['id']} {reminders.EMOJI[r['colour']]} {r['title']} ({r['status']})" for r in mine[:10]), lane=STAFF)
        return
    rid = int(context.args[0].lstrip("#"))
    rem = reminders.get(services.db, rid)
    if rem is None or rem["school_id"] not in who.schools_with("staff", "brugfiguur", "admin"):
        reply(update, context, f"Geen herinnering #{rid} in je school.", lane=STAFF)
        return
    message = reminders.status_message(services.db, rid, update.effective_chat.id)
    message.dedupe_key = services.dedupe_key(update)
    services.post(message)


@requires("brugfiguur", "admin")
async def calllist_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/calllist – families to phone: unreachable on Telegram or a red reminder not seen."""
    services = services_of(context)
    school_id = _staff_school(context, "brugfiguur", "admin")
    rows = reminders.call_list(services.db, school_id=school_id)
    store.audit(services.db, str(update.effective_user.id), "brugfiguur", "call_list", school_id, school_id)
    lines = [f"☎️ Bellen ({len(rows)}):"] + [
        f"• {r['name'] or '–'} ({r['language'] or '–'}, {r['class'] or '–'}) – {r['why']}" for r in rows[:60]]
    reply(update, context, ("\n".join(lines) if rows else "☎️ Niemand op de bellijst.")[:4000], lane=STAFF)


# ------------------------------------------------- staff: the guided /remind
STEPS = ("title", "text", "when", "place", "bring")
PROMPTS = {
    "title": "Titel (een paar woorden, in het Nederlands):",
    "text": "Het bericht in het Nederlands (kort: het moet op een telefoonscherm passen):",
    "when": "Wanneer? Schrijf 2027-03-14 18:30, of - als er geen moment is.",
    "place": "Waar? (of -)",
    "bring": "Wat moeten ze meebrengen? Gescheiden door komma's (bv. turnzak, drinkfles), of -.",
}


@requires("staff", "brugfiguur", "admin")
async def remind_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/remind – compose a reminder step by step: colour or template → title → text → when/where/bring →
    audience → send time → preview → confirm."""
    context.user_data["remind"] = {"step": "colour", "school": _staff_school(context, "staff", "brugfiguur", "admin")}
    colours = [(f"{reminders.EMOJI[c]} {n}", f"RMC:c:{c}") for c, n in
               (("red", "rood"), ("green", "groen"), ("orange", "oranje"), ("white", "wit"))]
    templates = [(name, f"RMC:t:{key}") for key, name in (
        ("parent_evening", "Oudercontact"), ("school_photo", "Schoolfoto"), ("trip", "Uitstap"),
        ("gym_gear", "Turn-/zwemgerief"), ("free_day", "Vrije dag"), ("sick_note", "Ziektebriefje"),
        ("payment", "Betaling"))]
    reply(update, context, "Nieuwe herinnering. Kies een kleur, of een sjabloon:\n🔴 neem contact op · 🟢 uitnodiging "
                           "· 🟠 verandering · ⚪ informatie",
          [colours[:2], colours[2:], templates[:3], templates[3:6], templates[6:] + [("✖️ Stoppen", "RMC:x:-")]],
          lane=STAFF)


def _draft(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any] | None:
    return context.user_data.get("remind")


@button(one_of("c", "t", "x", "a", "s", "ok"), token)
async def on_compose_button(update: Update, context: ContextTypes.DEFAULT_TYPE, kind: str, value: str) -> Answer | None:
    services = services_of(context)
    draft = _draft(context)
    db = services.db
    who = store.roles_of(db, update.effective_user.id)
    if draft is None or not who.has("staff", "brugfiguur", "admin"):
        return Answer("Deze knop werkt niet meer. Begin opnieuw met /remind.")
    if kind == "x":
        context.user_data.pop("remind", None)
        reply(update, context, "Gestopt; er is niets verstuurd.", lane=STAFF)
        return None
    if kind == "c" and value in reminders.COLOURS and draft["step"] == "colour":
        draft.update(colour=value, step="title")
        reply(update, context, PROMPTS["title"], lane=STAFF)
    elif kind == "t" and value in reminders.catalogue()["templates"] and draft["step"] == "colour":
        template = reminders.catalogue()["templates"][value]
        draft.update(template=value, colour=template["colour"], title=template["title"], text=template["text"],
                     step="when")
        reply(update, context, f"Sjabloon «{template['title']}»: {template['text']}\n\n{PROMPTS['when']}", lane=STAFF)
    elif kind == "a" and draft["step"] == "audience":
        draft["audience"] = "all" if value == "all" else {"classes": [value]}
        refusal = reminders.may_send(db, update.effective_user.id, {"school_id": draft["school"],
                                                                    "audience": json.dumps(draft["audience"])})
        if refusal:
            store.audit(db, str(update.effective_user.id), "staff", "refused", draft["school"], "reminder_audience",
                        {"audience": draft["audience"]})
            draft.pop("audience")
            return Answer(refusal, alert=True)
        draft["step"] = "send_at"
        reply(update, context, "Wanneer versturen? Kies, of schrijf 2027-03-10 08:00.",
              [[("Nu", "RMC:s:now"), ("Begin volgende schooldag", "RMC:s:nextday")]], lane=STAFF)
    elif kind == "s" and draft["step"] == "send_at":
        if value == "nextday":
            tz = services.settings.tz
            tomorrow = datetime.now(tz).replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=1)
            school = store.get_school(db, draft["school"])
            draft["send_at"] = reminders.next_allowed(tomorrow, school, tz).strftime("%Y-%m-%d %H:%M")
        else:
            draft["send_at"] = "now"
        _preview(update, context, draft)
    elif kind == "ok" and draft["step"] == "preview":
        _confirm(update, context, draft)
    else:
        return Answer("Deze knop hoort bij een andere stap.")
    return None


def _fields(draft: dict[str, Any]) -> dict[str, Any]:
    keys = ("template", "colour", "title", "text", "when", "place", "bring", "audience", "send_at")
    return {"school": draft["school"], **{k: draft[k] for k in keys if draft.get(k) is not None},
            "rsvp": draft.get("colour") == "green"}


async def _compose_step(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    draft = _draft(context)
    step = draft["step"]
    if step in STEPS:
        if step == "bring":
            draft["bring"] = [] if text == "-" else [b.strip() for b in text.split(",") if b.strip()]
        else:
            draft[step] = None if text == "-" and step in ("when", "place") else text
        if step == "when" and draft["when"]:
            try:
                datetime.strptime(draft["when"], "%Y-%m-%d %H:%M")
            except ValueError:
                reply(update, context, "Dat lees ik niet. " + PROMPTS["when"], lane=STAFF)
                return
        following = STEPS[STEPS.index(step) + 1] if step != "bring" else "audience"
        draft["step"] = following
        if following != "audience":
            reply(update, context, PROMPTS[following], lane=STAFF)
            return
        _ask_audience(update, context, draft)
        return
    if step == "send_at":
        try:
            datetime.strptime(text, "%Y-%m-%d %H:%M")
        except ValueError:
            reply(update, context, "Schrijf de datum en het uur zo: 2027-03-10 08:00", lane=STAFF)
            return
        draft["send_at"] = text
        _preview(update, context, draft)
        return
    reply(update, context, "Kies met een knop hierboven, of stop met ✖️.", lane=STAFF)


def _ask_audience(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: dict[str, Any]) -> None:
    db = services_of(context).db
    role = store.roles_of(db, update.effective_user.id)
    school = draft["school"]
    if role.schools_with("admin", "brugfiguur"):
        codes = [r["code"] for r in db["classes"].rows_where("school_id = ?", [school], order_by="code")]
        options = [("Hele school", "RMC:a:all")] + [(c, f"RMC:a:{c}") for c in codes]
    else:
        options = [(c, f"RMC:a:{c}") for c in reminders.teacher_classes(db, update.effective_user.id, school)]
    if not options:
        context.user_data.pop("remind", None)
        reply(update, context, "Je hebt nog geen klassen in Schoolbrug; vraag de beheerder "
                               "(schoolbrug remind teach).", lane=STAFF)
        return
    reply(update, context, "Naar wie?", [options[i:i + 3] for i in range(0, len(options), 3)], lane=STAFF)


def _preview(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: dict[str, Any]) -> None:
    services = services_of(context)
    try:
        fields = reminders.validate(_fields(draft), services.db, "/remind")
    except reminders.ReminderError as err:
        context.user_data.pop("remind", None)
        reply(update, context, f"Dit lukt niet:\n{err}\nBegin opnieuw met /remind.", lane=STAFF)
        return
    draft["step"] = "preview"
    people = reminders.recipients_for(services.db, fields)
    sample = reminders.render({**fields, "id": 0}, "ar", None, services.settings.tz).text
    warning = reminders.balance_warning(services.db, fields, people)
    cost = (f"\n💫 Betaalde verzending: {len(people) * reminders.PAID_STAR_COST:.1f} Stars"
            if fields["paid"] and services.settings.paid_broadcast else "")
    reply(update, context, f"Voorbeeld (zo ziet een Arabisch sprekende ouder het):\n\n{sample}\n\n"
                           f"👪 {len(people)} gezinnen · verzenden: {fields['send_at']}{cost}" +
          (f"\n⚠️ {warning}" if warning else ""),
          [[("✅ Versturen", "RMC:ok:-"), ("✖️ Stoppen", "RMC:x:-")]], lane=STAFF)


def _confirm(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: dict[str, Any]) -> None:
    services = services_of(context)
    settings = services.settings
    fields = reminders.validate(_fields(draft), services.db, "/remind")
    refusal = reminders.may_send(services.db, update.effective_user.id, fields)
    context.user_data.pop("remind", None)
    if refusal:
        reply(update, context, refusal, lane=STAFF)
        return
    created = reminders.create(services.db, fields, created_by=str(update.effective_user.id), tz=settings.tz,
                               paid_allowed=settings.paid_broadcast, retention_days=settings.retention_days)
    message = reminders.status_message(services.db, created.id, update.effective_chat.id)
    services.post(message)
