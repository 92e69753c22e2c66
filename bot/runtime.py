"""Starting Schoolbrug: database, school profiles, model, then the Telegram loop.

With `TELEGRAM_BOT_TOKEN` set, the bot polls Telegram (or the Bot API server at
`TELEGRAM_API_BASE`). Without a token it starts the local Bot API emulator on
127.0.0.1 and, in a terminal, an interactive chat where you play a parent.
"""
from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

from sqlite_utils import Database

from bot import privacy, store
from bot.assistant import Assistant
from bot.config import Settings
from bot.db import open_db
from bot.profile import ProfileError, load_profile
from bot.telegram.app import build_application, on_started, on_stopping
from bot.telegram.services import Services
from bot.training import ensure_model
from bot.translation import Translator, backend_for

logger = logging.getLogger("schoolbrug")
EMULATOR_TOKEN = "123456:SCHOOLBRUG-LOCAL"


def load_school_profiles(db: Database, schools_dir: Path) -> list[str]:
    """Load every profile in `schools_dir`; a bad one is reported and skipped, the rest load."""
    loaded = []
    for path in sorted(Path(schools_dir).glob("*.yml")):
        try:
            profile = load_profile(path)
        except ProfileError as err:
            for problem in err.problems:
                logger.error("school profile refused: %s", problem)
            continue
        store.upsert_school(db, profile, str(path))
        loaded.append(profile.id)
    return loaded


def prepare(settings: Settings) -> Services:
    db = open_db(settings.db_path)
    schools = load_school_profiles(db, settings.schools_dir)
    logger.info("schools: %s", ", ".join(schools) or "none")
    purged = privacy.purge_expired(db, settings.retention_days)
    if any(purged.values()):
        logger.info("purged expired data: %s", purged)
    model = ensure_model(settings.model_dir)
    logger.info("loading model %s", model.name)
    translator = Translator(backend_for(settings), db, timeout=settings.translator_timeout)
    logger.info("translation: %s", translator.backend.name if translator.backend else "none (nothing leaves the machine)")
    assistant = Assistant.from_model(model, translator=translator)
    return Services(settings=settings, db=db, assistant=assistant,
                    bot_username=settings.bot_username or "SchoolbrugBot")


async def serve(settings: Settings, services: Services | None = None, interactive: bool | None = None) -> None:
    services = services or prepare(settings)
    emulator = None
    token, api_base = settings.bot_token, settings.api_base or None
    if settings.uses_emulator:
        from bot.emulator import BotApiEmulator

        token = EMULATOR_TOKEN
        emulator = BotApiEmulator(token=token, port=settings.emulator_port,
                                  bot_username=settings.bot_username or "SchoolbrugBot")
        api_base = await emulator.start()
        logger.info("no TELEGRAM_BOT_TOKEN: using the local Bot API emulator at %s", api_base)
        from bot.terminal_chat import prepare_demo

        prepare_demo(services.db)  # a demo brugfiguur, teacher and team group: the whole loop can be played
    app = build_application(services, token, api_base)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    fatal: list[str] = []

    def on_fatal(message: str) -> None:
        fatal.append(message)
        stop.set()

    async with app:
        await app.start()
        await on_started(app, on_fatal)  # starts receiving updates, the send queue and the follow-up loop
        logger.info("Schoolbrug is running as @%s", services.bot_username)
        if emulator is not None and (interactive if interactive is not None else sys.stdin.isatty()):
            from bot.terminal_chat import TerminalChat

            chat = TerminalChat(emulator, services)
            done = asyncio.create_task(chat.run())
            waiter = asyncio.create_task(stop.wait())
            await asyncio.wait({done, waiter}, return_when=asyncio.FIRST_COMPLETED)
            for task in (done, waiter):
                task.cancel()
        else:
            await stop.wait()
        await on_stopping(app)
        await app.stop()
    if emulator:
        await emulator.stop()
    if fatal:
        raise SystemExit(fatal[0])
