"""Shared fixtures: a real trained Rasa model (a small one, cached by fingerprint),
a real SQLite file per test, and the bot running its real python-telegram-bot
stack over HTTP against the local Bot API emulator on 127.0.0.1."""
from __future__ import annotations

import asyncio
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio

from bot import store
from bot.assistant import Assistant
from bot.config import PROJECT_ROOT, Settings
from bot.db import open_db
from bot.emulator import BotApiEmulator
from bot.profile import load_profile
from bot.telegram.app import build_application, on_started, on_stopping
from bot.telegram.services import Services
from bot.training import train

TEST_LANGUAGES = ("nl", "en", "fr", "ar", "tr")
EXAMPLE_SCHOOL = PROJECT_ROOT / "schools" / "de-regenboog.yml"


@pytest.fixture(scope="session")
def model_path() -> Path:
    """A model trained on five languages: small enough for speed, real enough to decide."""
    out = Path(os.environ.get("SCHOOLBRUG_TEST_MODEL_DIR", PROJECT_ROOT / "var" / "test-models"))
    return train(out, languages=TEST_LANGUAGES)


@pytest.fixture(scope="session")
def assistant(model_path: Path) -> Assistant:
    return Assistant.from_model(model_path)


@pytest.fixture
def db(tmp_path: Path):
    database = open_db(tmp_path / "schoolbrug.db")
    store.upsert_school(database, load_profile(EXAMPLE_SCHOOL), str(EXAMPLE_SCHOOL))
    yield database
    database.conn.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # quick retries and follow-up, so trouble that takes minutes in production takes seconds here
    return replace(Settings(), db_path=tmp_path / "schoolbrug.db", model_dir=tmp_path / "models",
                   bot_username="SchoolbrugTestBot", concurrent_updates=64, backoff_base=0.05, backoff_cap=0.5,
                   follow_up_every=0.3, typing_after=1.0)


class Harness:
    """The emulator, the running bot and its services, for one test."""

    def __init__(self, emulator: BotApiEmulator, services: Services) -> None:
        self.emu = emulator
        self.services = services
        self.db = services.db

    async def restart(self, between=None) -> None:
        """Stop the bot (as a crash or deploy would) and start a new one on the same database."""
        await stop_bot(self.app)
        self.app = None
        if between:
            between()
        self.app = await start_bot(self.services, self.emu)

    async def crash(self, between=None) -> None:
        """Kill the bot as `kill -9` would: nothing in flight is finished or drained; then start a new one."""
        services = self.services
        dispatcher = services.dispatcher
        dispatcher._stopping = True
        for task in [dispatcher._task, *dispatcher._in_flight.values(), *services.tasks]:
            if task is not None:
                task.cancel()
        await services.poller.stop()
        services.dispatcher, services.poller, services.tasks = None, None, []
        await self.app.stop()
        await self.app.shutdown()
        self.app = None
        if between:
            between()
        self.app = await start_bot(self.services, self.emu)

    def invite(self, class_code: str = "L1A") -> str:
        klass = store.find_class(self.db, "de-regenboog", class_code)
        return store.create_invite(self.db, store.PARENT_INVITE, "de-regenboog", class_id=klass["id"])

    async def say(self, user: dict, text: str, expect: int = 1, timeout: float = 10.0):
        before = len(self.emu.sent_to(user["id"], "sendMessage"))
        self.emu.send_text(user, text)
        return await self.emu.wait_sent(user["id"], expect, timeout=timeout, after=before)

    async def tap(self, user: dict, sent, button: str, expect: int = 1, method: str | None = "sendMessage"):
        before = len(self.emu.sent_to(user["id"], method))
        self.emu.tap(user, sent, button)
        return await self.emu.wait_sent(user["id"], expect, after=before, method=method)

    async def onboard(self, user: dict, lang_name: str = "English", relation: str = "Moeder") -> None:
        """Run the whole parent onboarding from a class invite."""
        picker = (await self.say(user, f"/start {self.invite()}"))[-1]
        notice = (await self.tap(user, picker, lang_name, expect=1))[-1]
        consent_button = notice.buttons[0]["callback_data"]
        linked = await self.tap(user, notice, consent_button, expect=1)
        relation_msg = linked[-1]
        await self.tap(user, relation_msg, relation_msg.buttons[0]["callback_data"], expect=1,
                       method="editMessageText")


async def until(predicate, timeout: float = 10.0, step: float = 0.05):
    """Wait until `predicate()` is truthy and return its value (the bot works in its own tasks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(step)
    raise TimeoutError("condition not met")


async def start_bot(services: Services, emulator: BotApiEmulator):
    app = build_application(services, emulator.token, emulator.base_url)
    await app.initialize()
    await app.start()
    await on_started(app)
    return app


async def stop_bot(app) -> None:
    await on_stopping(app)
    await app.stop()
    await app.shutdown()


@pytest_asyncio.fixture
async def harness(db, settings, assistant):
    emulator = BotApiEmulator(token="123456:TEST", bot_username="SchoolbrugTestBot")
    await emulator.start()
    services = Services(settings=settings, db=db, assistant=assistant, bot_username="SchoolbrugTestBot")
    h = Harness(emulator, services)
    h.app = await start_bot(services, emulator)
    yield h
    if h.app is not None:
        await stop_bot(h.app)
    await emulator.stop()
