"""The Telegram application: where every update enters Schoolbrug, and the handler table (the map).

How a parent's message travels:

    Telegram (or the local emulator) ──getUpdates / webhook──► telegram/intake.py
        (stored in the inbox first; one update per chat at a time)
      ──► python-telegram-bot Application, handlers below
      ├─ /start, language, consent, relation buttons ──► telegram/onboarding.py
      ├─ /help /privacy /forget /family, media, text ──► telegram/parent.py
      │       a photographed letter ──► telegram/letters.py ──► bot/letters/ (OCR, facts, answer)
      │       text ──► Assistant.respond_async (bot/assistant.py: language_detect → Rasa
      │                dialogue → content) ──► telegram/replies.py
      ├─ /invite /people /staffinvite (role-checked) ──► telegram/staff.py
      └─ hand-offs, relays, claim/note/transfer/close ──► telegram/handoff.py ──► bot/escalations.py
    every reply, relay and notice ──► bot/send_queue.py (a row in SQLite, priority lanes)
      ──► telegram/sender.py ──sendMessage──► Telegram
"""
from __future__ import annotations

import asyncio
import logging
from typing import Callable

from telegram import BotCommand, Update
from telegram.ext import (Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler,
                          ContextTypes, MessageHandler, filters)

from bot import escalations, privacy, store
from bot.i18n import tr
from bot.send_queue import Dispatcher, Pacer
from bot.telegram import buttons, handoff, letters, onboarding, parent, replies, staff
from bot.telegram import cards as card_handlers, votes as vote_handlers  # issue 10: votes and cards
from bot.telegram import reminders as reminders_tg
from bot.telegram.intake import DurablePoller, Inbox, PerChatUpdateProcessor, WebhookReceiver
from bot.telegram.sender import TelegramTransport
from bot.telegram.services import Services, guess_language, reply

logger = logging.getLogger(__name__)

PARENT_COMMANDS = [("help", "Hulp"), ("language", "Taal · Language · اللغة"), ("privacy", "Privacy"),
                   ("forget", "Alles wissen"), ("family", "Andere opvoeder uitnodigen")]


def build_application(services: Services, token: str, api_base: str | None = None) -> Application:
    builder: ApplicationBuilder = (
        Application.builder()
        .token(token)
        .concurrent_updates(PerChatUpdateProcessor(services.settings.concurrent_updates))
        .connect_timeout(10).read_timeout(20).write_timeout(20).pool_timeout(10)
        .get_updates_read_timeout(services.settings.poll_timeout + 30)
        .updater(None)  # bot/telegram/intake.py receives updates, storing each before confirming it
    )
    if api_base:
        builder = builder.base_url(f"{api_base}/bot").base_file_url(f"{api_base}/file/bot")
    app = builder.build()
    app.bot_data["services"] = services
    add_handlers(app)
    return app


def add_handlers(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    new = filters.UpdateType.MESSAGE  # an edited command is not run again
    edited = filters.UpdateType.EDITED_MESSAGE
    groups = filters.ChatType.GROUPS
    staff_only = staff.requires("staff", "brugfiguur", "admin")
    for name, callback, where in (
            ("start", onboarding.start, private), ("language", onboarding.language_command, private),
            ("help", parent.help_command, private), ("privacy", parent.privacy_command, private),
            ("forget", parent.forget_command, private), ("family", parent.family_command, private),
            ("staffhelp", staff.staffhelp_command, None), ("invite", staff.invite_command, None),
            ("people", staff.people_command, None), ("staffinvite", staff.staffinvite_command, None),
            ("r", staff_only(handoff.reply_command), None), ("note", staff_only(handoff.note_command), None),
            ("close", staff_only(handoff.close_command), None),
            ("escalations", staff_only(handoff.escalations_command), None),
            ("teamchat", handoff.teamchat_command, None),
            ("mylanguages", staff.mylanguages_command, None), ("myhours", staff.myhours_command, None)):
        app.add_handler(CommandHandler(name, callback, filters=new & where if where is not None else new))
    # buttons: callback data `<prefix>:<fields>` (bot/telegram/keyboards.py); malformed data is refused kindly
    for pattern, callback in (
            (r"^E:", handoff.on_staff_button), (r"^X:", handoff.on_transfer_choice),
            (r"^FB:", handoff.on_feedback), (r"^O:", handoff.on_dutch_original),
            (r"^L:", onboarding.on_language), (r"^M:", onboarding.on_language_page),
            (r"^C:", onboarding.on_consent), (r"^R:", onboarding.on_relation),
            (r"^F:", parent.on_forget), (r"^T:", replies.on_topic_choice),
            (r"^D:", replies.on_dutch_version), (r"^P$", replies.on_person), (r"^LT:", letters.on_button)):
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    # ---- reminders (bot/telegram/reminders.py): taps, /reminders, staff /remind, /remindstatus, /calllist ----
    app.add_handler(CommandHandler("reminders", reminders_tg.reminders_command, filters=new & private))
    for name, callback in (("remind", reminders_tg.remind_command), ("remindstatus", reminders_tg.remindstatus_command),
                           ("calllist", reminders_tg.calllist_command)):
        app.add_handler(CommandHandler(name, callback, filters=new))
    for pattern, callback in ((r"^RM:", reminders_tg.on_reminder_button), (r"^RP:", reminders_tg.on_white_mode),
                              (r"^RMC:", reminders_tg.on_compose_button)):
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    # before the assistant: the text after "yes, if…" and the steps of /remind
    app.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND & private, reminders_tg.on_text_first),
                    group=-1)
    # ---- end of reminders ----
    # ---- sticker votes (issue 10): bot/telegram/votes.py ──► bot/votes.py
    for name, callback in (("votes", vote_handlers.votes_command), ("newvote", vote_handlers.newvote_command),
                           ("votestatus", vote_handlers.votestatus_command),
                           ("voteclose", vote_handlers.voteclose_command),
                           ("voteresult", vote_handlers.voteresult_command)):
        app.add_handler(CommandHandler(name, staff_only(callback), filters=new))
    app.add_handler(CommandHandler("cards", staff_only(card_handlers.cards_command), filters=new))
    # a parent's next text after a conversation card is their answer (before the assistant sees it)
    app.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND & private & card_handlers.CardOpen(app),
                                   card_handlers.capture_answer))
    for pattern, callback in ((r"^V:", vote_handlers.on_place), (r"^VB:", vote_handlers.on_take_back),
                              (r"^VN:", vote_handlers.on_dutch)):
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    # ---- end of sticker votes
    app.add_handler(CallbackQueryHandler(buttons.unknown_button))
    # private chats: commands we do not know, text (new or edited), everything else
    app.add_handler(MessageHandler(new & filters.COMMAND & private, parent.on_unknown_command))
    app.add_handler(MessageHandler((new | edited) & filters.TEXT & ~filters.COMMAND & private, parent.on_text))
    app.add_handler(MessageHandler(new & private & ~filters.TEXT, parent.on_media))
    # groups: a brugfiguur's text in an escalation's topic (an edit is relayed as a correction)
    app.add_handler(MessageHandler((new | edited) & groups & filters.TEXT & ~filters.COMMAND, handoff.group_text))
    app.add_error_handler(on_error)


async def on_started(app: Application, on_fatal: Callable[[str], None] | None = None) -> None:
    """After app.start(): learn our username, publish commands, start the send queue, the follow-up and
    purge loops, and receiving updates."""
    services: Services = app.bot_data["services"]
    settings = services.settings
    services.bot = app.bot
    me = await app.bot.get_me()
    services.bot_username = me.username or services.bot_username
    try:
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in PARENT_COMMANDS])
    except Exception as err:  # cosmetic: the bot works without its command menu
        logger.warning("setMyCommands failed: %s", err)
    pacer = Pacer(per_second=settings.send_rate, paid_per_second=settings.paid_rate,
                  chat_interval=settings.chat_interval, group_per_minute=settings.group_per_minute)
    services.dispatcher = Dispatcher(services.db, TelegramTransport(app.bot), pacer,
                                     backoff_cap=settings.backoff_cap, backoff_base=settings.backoff_base)
    services.dispatcher.start()
    services.tasks = [asyncio.create_task(_follow_up_loop(services), name="escalation-follow-up"),
                      asyncio.create_task(_purge_loop(services), name="purge"),
                      asyncio.create_task(vote_handlers.vote_loop(services), name="votes")]  # issue 10
    reminders_tg.start_loops(services)  # due reminders from SQLite, sent through the send queue
    inbox = Inbox(app, services.db, on_done=lambda uid: services.message_counters.pop(uid, None))
    if settings.webhook_url:
        services.poller = WebhookReceiver(app, inbox, settings.webhook_url, settings.webhook_secret,
                                          settings.webhook_listen, on_fatal)
    else:
        services.poller = DurablePoller(app, inbox, timeout=settings.poll_timeout, on_fatal=on_fatal)
    await services.poller.start()


async def on_stopping(app: Application) -> None:
    """Stop receiving, stop the loops, and let the send queue finish what is in flight."""
    services: Services = app.bot_data["services"]
    if services.poller is not None:
        await services.poller.stop()
        services.poller = None
    for task in services.tasks:
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass
    services.tasks = []
    if services.dispatcher is not None:
        await services.dispatcher.stop()
        services.dispatcher = None


async def _follow_up_loop(services: Services) -> None:
    """Re-announce unclaimed escalations, place unplaced ones, flag old ones; never dies of one error."""
    while True:
        await asyncio.sleep(services.settings.follow_up_every)
        try:
            if escalations.follow_up(services.db, services.settings.remind_minutes, services.settings.flag_minutes,
                                     tz=services.settings.tz):
                services.wake()
        except Exception:
            logger.exception("escalation follow-up failed; trying again later")


async def _purge_loop(services: Services) -> None:
    """Retention: delete what is past its time, every few hours; an error is logged and the loop goes on."""
    while True:
        try:
            purged = privacy.purge_expired(services.db, services.settings.retention_days)
            if any(purged.values()):
                logger.info("purged expired data: %s", purged)
        except Exception:
            logger.exception("purging expired data failed; trying again later")
        await asyncio.sleep(services.settings.purge_every_hours * 3600)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure and tell the person kindly; never leave them without an answer."""
    logger.error("update failed: %s", context.error, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None or update.effective_user is None:
        return
    if update.effective_chat.type != "private":
        return  # never answer into a group because something failed
    services: Services = context.application.bot_data["services"]
    try:
        caregiver = store.get_caregiver(services.db, update.effective_user.id)
        lang = caregiver["language"] if caregiver else guess_language(update)
        reply(update, context, tr(lang, "Sorry, er ging iets mis aan onze kant. Probeer het zo meteen opnieuw."))
    except Exception:  # the database itself may be what failed
        logger.warning("could not tell the user about the error")
