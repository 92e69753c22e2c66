"""Commands for school staff, brugfiguren and admins. Roles are checked on every call.

Staff-facing text is Dutch: it is the working language of Flemish schools.
"""
from __future__ import annotations

import functools
import io
import json
from typing import Awaitable, Callable

import segno
from telegram import Update
from telegram.ext import ContextTypes

from bot import store
from bot.i18n import tr
from bot.invites import deep_link
from bot.telegram import keyboards
from bot.send_queue import STAFF, Outgoing
from bot.telegram.services import guess_language, reply, services_of

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def requires(*roles: str) -> Callable[[Handler], Handler]:
    """Run the command only for users who hold one of `roles` at some school; refuse politely otherwise."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            db = services_of(context).db
            who = store.roles_of(db, update.effective_user.id)
            if not who.has(*roles):
                caregiver = store.get_caregiver(db, update.effective_user.id)
                lang = caregiver["language"] if caregiver else guess_language(update)
                store.audit(db, str(update.effective_user.id), "none", "refused", None,
                            handler.__name__, {"needs": list(roles)})
                reply(update, context, tr(lang, "Sorry, dit commando is alleen voor medewerkers van de school. "
                                                "Heb je een vraag? Schrijf ze gewoon, of praat met een persoon."),
                      keyboards.person_only(lang))
                return
            context.user_data["roles"] = who
            await handler(update, context)

        return checked

    return wrap


def _school_for(context: ContextTypes.DEFAULT_TYPE, *roles: str) -> str:
    who: store.Roles = context.user_data["roles"]
    return who.schools_with(*roles)[0]


@requires("staff", "brugfiguur", "admin")
async def staffhelp_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who: store.Roles = context.user_data["roles"]
    lines = ["Schoolbrug voor medewerkers:",
             "/invite KLAS – uitnodigingslink en QR-code voor de ouders van een klas (bv. /invite L1A)",
             "/escalations – open vragen van ouders",
             "In een vraag: schrijf je antwoord (het gaat vertaald naar de ouder), /note tekst = interne nota, "
             "/close uitkomst = afsluiten. In een privé-chat: antwoord (reply) op het bericht, of /r NUMMER tekst.",
             "/mylanguages nl,tr – je talen · /myhours mon-fri 08:30-16:30 – je werkuren"]
    if who.has("admin"):
        lines += ["/people – medewerkers en ouders van je school",
                  "/staffinvite ROL NAAM – een medewerker uitnodigen (ROL: staff, brugfiguur of admin)"]
    reply(update, context, "\n".join(lines))


@requires("staff", "brugfiguur", "admin")
async def mylanguages_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mylanguages nl,tr,en – the languages you speak, so parents are routed to you."""
    from bot.languages import BY_CODE

    services = services_of(context)
    codes = sorted({c.strip() for c in " ".join(context.args).replace(" ", ",").split(",") if c.strip()})
    if not codes or any(c not in BY_CODE for c in codes):
        reply(update, context, "Gebruik: /mylanguages nl,tr,en (taalcodes: " + ", ".join(BY_CODE) + ")")
        return
    services.db.execute("update staff set languages = ? where telegram_id = ?",
                        [json.dumps(codes), update.effective_user.id])
    reply(update, context, "Je talen: " + ", ".join(BY_CODE[c].native_name for c in codes))


@requires("staff", "brugfiguur", "admin")
async def myhours_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/myhours mon-fri 08:30-16:30; wed 08:30-12:00 – when you work (parents hear when you will answer)."""
    from bot.escalations import parse_hours

    services = services_of(context)
    try:
        hours = parse_hours(" ".join(context.args))
    except ValueError:
        hours = {}
    if not hours:
        reply(update, context, "Gebruik: /myhours mon-fri 08:30-16:30; wed 08:30-12:00")
        return
    services.db.execute("update staff set working_hours = ? where telegram_id = ?",
                        [json.dumps(hours), update.effective_user.id])
    reply(update, context, "Je werkuren: " + "; ".join(f"{d} {', '.join(r)}" for d, r in hours.items()))


@requires("staff", "brugfiguur", "admin")
async def invite_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    school_id = _school_for(context, "staff", "brugfiguur", "admin")
    if not context.args:
        classes = [r["code"] for r in services.db["classes"].rows_where("school_id = ?", [school_id],
                                                                         order_by="code")]
        reply(update, context, "Voor welke klas? Bijvoorbeeld /invite " + (classes[0] if classes else "L1A")
                                        + "\nKlassen: " + ", ".join(classes))
        return
    klass = store.find_class(services.db, school_id, context.args[0])
    if klass is None:
        reply(update, context, f"De klas {context.args[0]!r} bestaat niet in je school.")
        return
    token = store.create_invite(services.db, store.PARENT_INVITE, school_id, class_id=klass["id"],
                                created_by=str(update.effective_user.id), days_valid=365)
    link = deep_link(services.bot_username, token)
    png = io.BytesIO()
    segno.make(link, error="q").save(png, kind="png", scale=10, border=4)
    png.seek(0)
    services.post(Outgoing(update.effective_chat.id, f"Uitnodiging voor de ouders van {klass['name']}:\n{link}\n"
                                                     "Print de QR-code of stuur de link door. Hij werkt 1 jaar.",
                           method="sendPhoto", photo=png.getvalue(), lane=STAFF, kind="invite",
                           dedupe_key=services.dedupe_key(update)))


@requires("admin")
async def people_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    school_id = _school_for(context, "admin")
    store.audit(services.db, str(update.effective_user.id), "admin", "people_list", school_id, school_id)
    rows = store.list_people(services.db, school_id)
    staff = [f"• {r['name']} – {r['role']}" for r in rows if r["kind"] == "staff"]
    parents = [f"• {r['name'] or '–'} ({r['language']}) – {r['classes']}" for r in rows if r["kind"] == "parent"]
    text = "Medewerkers:\n" + ("\n".join(staff) or "–") + f"\n\nOuders ({len(parents)}):\n" + ("\n".join(parents) or "–")
    reply(update, context, text[:4000])


@requires("admin")
async def staffinvite_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    school_id = _school_for(context, "admin")
    if not context.args or context.args[0] not in store.STAFF_ROLES:
        reply(update, context, "Gebruik: /staffinvite ROL NAAM – ROL is staff, brugfiguur of admin.")
        return
    role, name = context.args[0], " ".join(context.args[1:]) or None
    token = store.create_invite(services.db, role, school_id, role=role, name=name,
                                created_by=str(update.effective_user.id), days_valid=7, max_uses=1)
    reply(update, context, f"Stuur deze link naar {name or 'de nieuwe collega'} "
                                    f"(werkt één keer, 7 dagen):\n{deep_link(services.bot_username, token)}")
