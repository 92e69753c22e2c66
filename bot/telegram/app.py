"""The Telegram application: where every update enters Schoolbrug.

How a parent's message travels:

    Telegram (or the local emulator) ──getUpdates──► telegram/intake.py (stored, then queued)
      ──► python-telegram-bot Application
      ├─ /start, language, consent, relation buttons ──► telegram/onboarding.py
      ├─ /help /privacy /forget /family, media, text ──► telegram/parent.py
      │       text ──► Assistant.respond_async (bot/assistant.py: language_detect → Rasa
      │                dialogue → content) ──► telegram/replies.py ──sendMessage──► parent
      ├─ /invite /people /staffinvite (role-checked) ──► telegram/staff.py
      └─ hand-offs, relays, claim/note/transfer/close ──► telegram/handoff.py (+ bot/outbox.py)
"""
from __future__ import annotations

import asyncio
import logging
import os

from telegram import BotCommand, Update
from telegram.error import Forbidden
from telegram.ext import (Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler,
                          ContextTypes, MessageHandler, filters)

from bot import store
from bot.i18n import tr
from bot.outbox import OutboxWorker
from bot.telegram import handoff, onboarding, parent, replies, staff
from bot.telegram.delivery import ResilientRateLimiter
from bot.telegram.intake import DurablePoller
from bot.telegram.onboarding import guess_language
from bot.telegram.services import Services

logger = logging.getLogger(__name__)

PARENT_COMMANDS = [("help", "Hulp"), ("language", "Taal · Language · اللغة"), ("privacy", "Privacy"),
                   ("forget", "Alles wissen"), ("family", "Andere opvoeder uitnodigen")]


def build_application(services: Services, token: str, api_base: str | None = None) -> Application:
    builder: ApplicationBuilder = (
        Application.builder()
        .token(token)
        .rate_limiter(ResilientRateLimiter(per_chat_per_second=float(os.environ.get("SCHOOLBRUG_PER_CHAT_RATE", "1"))))
        .concurrent_updates(services.settings.concurrent_updates)
        .connect_timeout(10).read_timeout(20).write_timeout(20).pool_timeout(10)
        .get_updates_read_timeout(40)
        .updater(None)  # bot/telegram/intake.py polls, storing each update before confirming it
    )
    if api_base:
        builder = builder.base_url(f"{api_base}/bot").base_file_url(f"{api_base}/file/bot")
    app = builder.build()
    app.bot_data["services"] = services
    add_handlers(app)
    return app


async def on_started(app: Application) -> None:
    """After app.start(): learn our username, publish commands, start the outbox and the follow-up loop."""
    services: Services = app.bot_data["services"]
    services.bot = app.bot
    me = await app.bot.get_me()
    services.bot_username = me.username or services.bot_username
    await app.bot.set_my_commands([BotCommand(c, d) for c, d in PARENT_COMMANDS])
    worker = OutboxWorker(services.db, app.bot,
                          on_undeliverable=lambda row, err: handoff.report_undeliverable(services, row, err))
    services.extra["outbox"] = worker
    services.extra["tasks"] = [asyncio.create_task(worker.run(), name="outbox"),
                               asyncio.create_task(handoff.watch(services), name="escalation-follow-up")]
    poller = DurablePoller(app, services.db, timeout=int(os.environ.get("SCHOOLBRUG_POLL_TIMEOUT", "10")))
    services.extra["poller"] = poller
    await poller.start()


async def on_stopping(app: Application) -> None:
    services: Services = app.bot_data["services"]
    poller = services.extra.pop("poller", None)
    if poller is not None:
        await poller.stop()
    for task in services.extra.pop("tasks", []):
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass


def add_handlers(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", onboarding.start, filters=private))
    app.add_handler(CommandHandler("language", onboarding.language_command, filters=private))
    app.add_handler(CommandHandler("help", parent.help_command, filters=private))
    app.add_handler(CommandHandler("privacy", parent.privacy_command, filters=private))
    app.add_handler(CommandHandler("forget", parent.forget_command, filters=private))
    app.add_handler(CommandHandler("family", parent.family_command, filters=private))
    app.add_handler(CommandHandler("staffhelp", staff.staffhelp_command))
    app.add_handler(CommandHandler("invite", staff.invite_command))
    app.add_handler(CommandHandler("people", staff.people_command))
    app.add_handler(CommandHandler("staffinvite", staff.staffinvite_command))
    staff_only = staff.requires("staff", "brugfiguur", "admin")
    app.add_handler(CommandHandler("r", staff_only(handoff.reply_command)))
    app.add_handler(CommandHandler("note", staff_only(handoff.note_command)))
    app.add_handler(CommandHandler("close", staff_only(handoff.close_command)))
    app.add_handler(CommandHandler("escalations", staff_only(handoff.escalations_command)))
    app.add_handler(CommandHandler("teamchat", handoff.teamchat_command))
    app.add_handler(CommandHandler("mylanguages", staff.mylanguages_command))
    app.add_handler(CommandHandler("myhours", staff.myhours_command))
    app.add_handler(CallbackQueryHandler(handoff.on_staff_button, pattern=r"^E:"))
    app.add_handler(CallbackQueryHandler(handoff.on_transfer_choice, pattern=r"^X:"))
    app.add_handler(CallbackQueryHandler(handoff.on_feedback, pattern=r"^FB:"))
    app.add_handler(CallbackQueryHandler(handoff.on_dutch_original, pattern=r"^O:"))
    app.add_handler(CallbackQueryHandler(onboarding.on_language, pattern=r"^L:"))
    app.add_handler(CallbackQueryHandler(onboarding.on_language_page, pattern=r"^M:"))
    app.add_handler(CallbackQueryHandler(onboarding.on_consent, pattern=r"^C:"))
    app.add_handler(CallbackQueryHandler(onboarding.on_relation, pattern=r"^R:"))
    app.add_handler(CallbackQueryHandler(parent.on_forget, pattern=r"^F:"))
    app.add_handler(CallbackQueryHandler(replies.on_topic_choice, pattern=r"^T:"))
    app.add_handler(CallbackQueryHandler(replies.on_dutch_version, pattern=r"^D:"))
    app.add_handler(CallbackQueryHandler(replies.on_person, pattern=r"^P$"))
    app.add_handler(MessageHandler(filters.COMMAND & private, parent.on_unknown_command))
    app.add_handler(MessageHandler(filters.TEXT & private, parent.on_text))
    app.add_handler(MessageHandler(private & ~filters.TEXT, parent.on_media))
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, handoff.staff_group_text))
    app.add_error_handler(on_error)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure and tell the person kindly; never leave them without an answer."""
    logger.error("update failed: %s", context.error, exc_info=context.error)
    if isinstance(context.error, Forbidden) or not isinstance(update, Update) or not update.effective_chat:
        return
    services: Services = context.application.bot_data["services"]
    caregiver = store.get_caregiver(services.db, update.effective_user.id) if update.effective_user else None
    lang = caregiver["language"] if caregiver else guess_language(update)
    try:
        await context.bot.send_message(update.effective_chat.id, tr(
            lang, "Sorry, er ging iets mis aan onze kant. Probeer het zo meteen opnieuw."))
    except Exception:  # the network itself may be what failed
        logger.warning("could not tell the user about the error")
