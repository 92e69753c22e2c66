"""Onboarding: /start (with or without an invite), language, privacy and consent, linking.

Nothing about a parent is stored before they consent: the chosen language and the
invite token travel inside the buttons' callback data until then.
"""
from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import store
from bot.i18n import tr
from bot.languages import BY_CODE
from bot.telegram import keyboards
from bot.telegram.buttons import Answer, button, lang, number, one_of, token, word
from bot.telegram.services import edit, guess_language, reply, services_of

__all__ = ["guess_language"]


def privacy_notice(lang: str, days: int) -> str:
    photos = tr(lang, "📷 Stuur je een foto van een brief van de school, dan lezen we die alleen in het geheugen: we "
                      "bewaren de foto niet, tenzij je ze zelf naar een persoon van de school stuurt. De tekst die we "
                      "lazen, bewaren we zoals je berichten.")
    notice = tr(
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
    body, _, question = notice.rpartition("\n\n")  # the photo line goes just before "do you agree?"
    return f"{body}\n\n{photos}\n\n{question}" if body else f"{notice}\n\n{photos}"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    db = services.db
    user = update.effective_user
    token_ = context.args[0] if context.args else ""
    invite = store.valid_invite(db, token_)
    caregiver = store.get_caregiver(db, user.id)
    lang_ = caregiver["language"] if caregiver else guess_language(update)

    if token_ and invite is None:
        reply(update, context, tr(
            lang_, "Deze uitnodiging werkt niet meer (verlopen of al gebruikt). Vraag de school om een nieuwe. "
                   "Je kan intussen gewoon verdergaan."))
        token_ = ""

    if invite and invite["kind"] in store.STAFF_ROLES:
        _join_as_staff(update, context, invite)
        return

    if caregiver:
        if invite:
            if store.already_linked_to_class(db, user.id, invite["class_id"]) and invite["kind"] != store.FAMILY_INVITE:
                reply(update, context, tr(lang_, "Je bent al verbonden met deze klas. 👍"))
                return
            reply(update, context, tr(lang_, "Wie ben jij voor het kind?"), keyboards.relation(lang_, token_))
            return
        reply(update, context, tr(lang_, "Welkom terug! Stel gerust je vraag in je eigen taal."),
              keyboards.person_only(lang_))
        return

    reply(update, context, keyboards.PICKER_PROMPT, keyboards.language_picker(token_))


def _join_as_staff(update: Update, context: ContextTypes.DEFAULT_TYPE, invite: dict) -> None:
    services = services_of(context)
    user = update.effective_user
    school = store.get_school(services.db, invite["school_id"])
    name = invite["name"] or user.full_name
    with services.db.atomic():
        store.add_staff(services.db, user.id, invite["school_id"], invite["kind"], name,
                        actor=f"invite:{invite['created_by']}")
        store.use_invite(services.db, invite["token"])
    role_nl = {"staff": "medewerker", "brugfiguur": "brugfiguur", "admin": "beheerder"}[invite["kind"]]
    reply(update, context, f"Welkom, {name}! Je bent nu {role_nl} van "
                           f"{school['name'] if school else invite['school_id']} in Schoolbrug.\n\n"
                           "Stuur /staffhelp voor wat je kan doen.")


@button(number, token)
async def on_language_page(update: Update, context: ContextTypes.DEFAULT_TYPE, page: int, token_: str) -> None:
    edit(update, context, None, keyboards.language_picker(token_, 1 if page else 0))


@button(lang, token)
async def on_language(update: Update, context: ContextTypes.DEFAULT_TYPE, lang_: str, token_: str) -> Answer:
    services = services_of(context)
    caregiver = store.get_caregiver(services.db, update.effective_user.id)
    if caregiver:  # /language, or "↩️ back" under an answer, from someone who already consented
        store.set_language(services.db, caregiver["telegram_id"], lang_)
        done = tr(lang_, "Gelukt! Ik spreek nu {language} met je.", language=BY_CODE[lang_].native_name)
        message = update.callback_query.message
        if message is not None and getattr(message, "text", None) == keyboards.PICKER_PROMPT:
            edit(update, context, done)
        else:  # a button under an answer: the answer stays
            reply(update, context, done)
        return Answer(BY_CODE[lang_].native_name)
    days = _retention_for_invite(services, token_)
    edit(update, context, f"✔️ {BY_CODE[lang_].native_name}")
    reply(update, context, privacy_notice(lang_, days), keyboards.consent(lang_, token_))
    return Answer(BY_CODE[lang_].native_name)


def _retention_for_invite(services, token_: str) -> int:
    invite = store.valid_invite(services.db, token_)
    if invite:
        school = store.get_school(services.db, invite["school_id"])
        if school:
            return int(school["retention_days"])
    return services.settings.retention_days


@button(one_of("y", "n"), lang, token)
async def on_consent(update: Update, context: ContextTypes.DEFAULT_TYPE, answer: str, lang_: str, token_: str) -> None:
    services = services_of(context)
    db = services.db
    invite = store.valid_invite(db, token_)
    if answer != "y":
        store.record_refusal(db, invite["school_id"] if invite else None, lang_)
        edit(update, context, tr(lang_, "Oké, we bewaren niets over jou. Wil je later toch beginnen? Stuur dan /start."))
        return
    user = update.effective_user
    if store.get_caregiver(db, user.id) is None:  # a second tap on an old notice changes nothing
        store.create_caregiver(db, user.id, user.first_name or "", lang_)
    edit(update, context, tr(lang_, "✅ Dank je! Je hebt akkoord gegeven."))
    if invite:
        reply(update, context, tr(lang_, "Wie ben jij voor het kind?"), keyboards.relation(lang_, token_))
    else:
        reply(update, context, tr(
            lang_, "Welkom! Vraag aan de school de uitnodigingslink of QR-code van de klas van je kind; "
                   "dan verbinden we je met de juiste school. Intussen kan je me al vragen stellen over school "
                   "in Vlaanderen."), keyboards.person_only(lang_))


@button(word, token)
async def on_relation(update: Update, context: ContextTypes.DEFAULT_TYPE, relation: str, token_: str) -> None:
    services = services_of(context)
    db = services.db
    caregiver = store.get_caregiver(db, update.effective_user.id)
    invite = store.valid_invite(db, token_)
    if caregiver is None:
        reply(update, context, keyboards.PICKER_PROMPT, keyboards.language_picker(token_))
        return
    lang_ = caregiver["language"]
    if invite is None or relation not in store.RELATIONS:
        edit(update, context, tr(
            lang_, "Deze uitnodiging werkt niet meer (verlopen of al gebruikt). Vraag de school om een nieuwe. "
                   "Je kan intussen gewoon verdergaan."))
        return
    if store.already_linked_to_class(db, caregiver["telegram_id"], invite["class_id"]) and \
            invite["kind"] != store.FAMILY_INVITE:
        edit(update, context, tr(lang_, "Je bent al verbonden met deze klas. 👍"))
        return
    child = store.link_child(db, caregiver["telegram_id"], invite, relation)
    school = store.get_school(db, child["school_id"])
    klass = store.get_class(db, child["class_id"]) if child["class_id"] else None
    edit(update, context, tr(
        lang_, "✅ Gelukt! Je bent verbonden met {school}, klas {klas}.\n\n"
               "Stel me gerust een vraag in je eigen taal, bijvoorbeeld: \"Wanneer is de school gedaan?\" "
               "Wil je met een mens praten? Tik dan op de knop hieronder.",
        school=school["name"] if school else child["school_id"], klas=klass["name"] if klass else "–"),
        keyboards.person_only(lang_))


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    reply(update, context, keyboards.PICKER_PROMPT, keyboards.language_picker(""))
