"""Onboarding: /start (with or without an invite), language, privacy and consent, linking.

Nothing about a parent is stored before they consent: the chosen language and the
invite token travel inside the buttons' callback data until then.
"""
from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import store
from bot.i18n import tr
from bot.languages import BY_CODE, normalise_code
from bot.telegram import keyboards
from bot.telegram.services import services_of


def guess_language(update: Update) -> str:
    """The language to speak before we know better: Telegram's language_code, else Dutch."""
    user = update.effective_user
    return normalise_code(user.language_code if user else None) or "nl"


def privacy_notice(lang: str, days: int) -> str:
    return tr(
        lang,
        "🔒 Privacy\n\n"
        "Schoolbrug is de chat-assistent van je school. Om je te helpen bewaren we:\n"
        "• je Telegram-gebruikersnummer (niet je telefoonnummer) en je voornaam, zodat we je kunnen antwoorden;\n"
        "• je taal;\n"
        "• de school en de klas van je kind (niet de naam van je kind);\n"
        "• je berichten met de assistent, {days} dagen lang, zodat een persoon van de school je verder kan helpen.\n\n"
        "We delen niets met anderen buiten je school. Je kan altijd zien wat we bewaren (/privacy) "
        "en alles laten wissen (/forget).\n\n"
        "Ga je akkoord?",
        days=days,
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    db = services.db
    user = update.effective_user
    token = context.args[0] if context.args else ""
    invite = store.valid_invite(db, token)
    caregiver = store.get_caregiver(db, user.id)
    lang = caregiver["language"] if caregiver else guess_language(update)

    if token and invite is None:
        await update.message.reply_text(tr(
            lang, "Deze uitnodiging werkt niet meer (verlopen of al gebruikt). Vraag de school om een nieuwe. "
                  "Je kan intussen gewoon verdergaan."))
        token = ""

    if invite and invite["kind"] in store.STAFF_ROLES:
        await _join_as_staff(update, context, invite)
        return

    if caregiver:
        if invite:
            if store.already_linked_to_class(db, user.id, invite["class_id"]) and invite["kind"] != store.FAMILY_INVITE:
                await update.message.reply_text(tr(lang, "Je bent al verbonden met deze klas. 👍"))
                return
            await update.message.reply_text(tr(lang, "Wie ben jij voor het kind?"),
                                            reply_markup=keyboards.relation(lang, token))
            return
        await update.message.reply_text(
            tr(lang, "Welkom terug! Stel gerust je vraag in je eigen taal."),
            reply_markup=keyboards.person_only(lang))
        return

    await update.message.reply_text(keyboards.PICKER_PROMPT, reply_markup=keyboards.language_picker(token))


async def _join_as_staff(update: Update, context: ContextTypes.DEFAULT_TYPE, invite: dict) -> None:
    services = services_of(context)
    user = update.effective_user
    school = store.get_school(services.db, invite["school_id"])
    name = invite["name"] or user.full_name
    store.add_staff(services.db, user.id, invite["school_id"], invite["kind"], name,
                    actor=f"invite:{invite['created_by']}")
    store.use_invite(services.db, invite["token"])
    role_nl = {"staff": "medewerker", "brugfiguur": "brugfiguur", "admin": "beheerder"}[invite["kind"]]
    await update.message.reply_text(
        f"Welkom, {name}! Je bent nu {role_nl} van {school['name'] if school else invite['school_id']} "
        f"in Schoolbrug.\n\nStuur /staffhelp voor wat je kan doen.")


async def on_language_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    _, page, token = query.data.split(":", 2)
    await query.answer()
    await query.edit_message_reply_markup(keyboards.language_picker(token, int(page)))


async def on_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    query = update.callback_query
    _, lang, token = query.data.split(":", 2)
    if lang not in BY_CODE:
        await query.answer()
        return
    await query.answer(BY_CODE[lang].native_name)
    caregiver = store.get_caregiver(services.db, query.from_user.id)
    if caregiver:  # /language from someone who already consented
        store.set_language(services.db, caregiver["telegram_id"], lang)
        await query.edit_message_text(tr(lang, "Gelukt! Ik spreek nu {language} met je.",
                                         language=BY_CODE[lang].native_name))
        return
    days = _retention_for_invite(services, token)
    await query.edit_message_text(f"✔️ {BY_CODE[lang].native_name}")
    await query.message.reply_text(privacy_notice(lang, days), reply_markup=keyboards.consent(lang, token))


def _retention_for_invite(services, token: str) -> int:
    invite = store.valid_invite(services.db, token)
    if invite:
        school = store.get_school(services.db, invite["school_id"])
        if school:
            return int(school["retention_days"])
    return services.settings.retention_days


async def on_consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    db = services.db
    query = update.callback_query
    _, answer, lang, token = query.data.split(":", 3)
    lang = lang if lang in BY_CODE else "nl"
    await query.answer()
    invite = store.valid_invite(db, token)
    if answer != "y":
        store.record_refusal(db, invite["school_id"] if invite else None, lang)
        await query.edit_message_text(tr(
            lang, "Oké, we bewaren niets over jou. Wil je later toch beginnen? Stuur dan /start."))
        return
    user = query.from_user
    store.create_caregiver(db, user.id, user.first_name or "", lang)
    await query.edit_message_text(tr(lang, "✅ Dank je! Je hebt akkoord gegeven."))
    if invite:
        await query.message.reply_text(tr(lang, "Wie ben jij voor het kind?"),
                                       reply_markup=keyboards.relation(lang, token))
    else:
        await query.message.reply_text(tr(
            lang, "Welkom! Vraag aan de school de uitnodigingslink of QR-code van de klas van je kind; "
                  "dan verbinden we je met de juiste school. Intussen kan je me al vragen stellen over school "
                  "in Vlaanderen."), reply_markup=keyboards.person_only(lang))


async def on_relation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    db = services.db
    query = update.callback_query
    _, relation, token = query.data.split(":", 2)
    await query.answer()
    caregiver = store.get_caregiver(db, query.from_user.id)
    invite = store.valid_invite(db, token)
    if caregiver is None:
        await query.message.reply_text(keyboards.PICKER_PROMPT, reply_markup=keyboards.language_picker(token))
        return
    lang = caregiver["language"]
    if invite is None or relation not in store.RELATIONS:
        await query.edit_message_text(tr(
            lang, "Deze uitnodiging werkt niet meer (verlopen of al gebruikt). Vraag de school om een nieuwe. "
                  "Je kan intussen gewoon verdergaan."))
        return
    child = store.link_child(db, caregiver["telegram_id"], invite, relation)
    school = store.get_school(db, child["school_id"])
    klass = store.get_class(db, child["class_id"]) if child["class_id"] else None
    await query.edit_message_text(tr(
        lang, "✅ Gelukt! Je bent verbonden met {school}, klas {klas}.\n\n"
              "Stel me gerust een vraag in je eigen taal, bijvoorbeeld: \"Wanneer is de school gedaan?\" "
              "Wil je met een mens praten? Tik dan op de knop hieronder.",
        school=school["name"] if school else child["school_id"], klas=klass["name"] if klass else "–"),
        reply_markup=keyboards.person_only(lang))


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(keyboards.PICKER_PROMPT, reply_markup=keyboards.language_picker(""))
