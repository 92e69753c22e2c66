"""A photo of a letter in, the answer out — over HTTP, through python-telegram-bot and the local
Bot API emulator, with only the letter handlers of bot/telegram/letters.py (the wiring into the
full bot's app.py is the lead's). The emulator learns getFile and file downloads here, in a
subclass, so bot/emulator.py itself is untouched."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from aiohttp import web
from telegram.ext import Application

from bot.emulator import BotApiEmulator
from bot.letters import reading

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import make_letters  # noqa: E402

pytestmark = pytest.mark.skipif(not reading.available(), reason="tesseract with Dutch data is not installed "
                                "(scripts/ensure-env.sh installs it as root with apt-get)")


class FileEmulator(BotApiEmulator):
    """The emulator plus getFile and /file/bot<token>/<path>: photos a user sends can be downloaded."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.files: dict[str, bytes] = {}

    async def start(self) -> str:
        """BotApiEmulator.start() with one more route: file downloads."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._serve_file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self.base_url

    def api_getFile(self, params: dict) -> dict:
        file_id = str(params["file_id"])
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id]),
                "file_path": f"photos/{file_id}.jpg"}

    async def _serve_file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].split("/")[-1].rsplit(".", 1)[0]
        return web.Response(body=self.files[file_id], content_type="image/jpeg")

    def send_letter_photo(self, user: dict, data: bytes, file_id: str, media_group_id: str | None = None) -> dict:
        self.files[file_id] = data
        photo = [{"file_id": file_id, "file_unique_id": file_id, "width": 1280, "height": 1700,
                  "file_size": len(data)}]
        extra = {"media_group_id": media_group_id} if media_group_id else {}
        return self._push({"message": self._message(user, photo=photo, **extra)})


@pytest.fixture
async def bot_with_letters():
    from bot.telegram.letters import LetterHandlers

    emulator = FileEmulator(token="123456:LETTERS", bot_username="SchoolbrugTestBot")
    await emulator.start()
    reminders, hand_offs = [], []

    def language(update, context):
        return (update.effective_user.language_code or "nl").split("-")[0]

    async def on_remind(update, context, pending, day):
        reminders.append((update.effective_user.id, day, pending.result.facts.deadline))

    async def on_person(update, context, pending):
        hand_offs.append((update.effective_user.id, len(pending.images), pending.result.facts.kind))
        return "🙋 ok"

    letters = LetterHandlers(language, on_person=on_person, on_remind=on_remind, album_wait=0.5,
                             today=lambda: date(2026, 4, 14))  # the day the zeeklassen letter (d10) was written
    app = (Application.builder().token(emulator.token).base_url(f"{emulator.base_url}/bot")
           .base_file_url(f"{emulator.base_url}/file/bot").build())
    for handler in letters.handlers():
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0.05, timeout=1)
    yield emulator, reminders, hand_offs
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    await emulator.stop()


def _photo(letter_id: str) -> tuple[bytes, dict]:
    schools, letters = make_letters.load_letters("dev")
    letter = next(l for l in letters if l["id"] == letter_id)
    page = make_letters.render_letter(letter, schools)
    return make_letters.photograph(page, make_letters.photo_seed(letter_id, 1)), letter


async def test_a_photo_of_a_letter_is_answered_in_arabic_with_buttons(bot_with_letters):
    emulator, reminders, hand_offs = bot_with_letters
    data, _ = _photo("d01")
    mother = emulator.user(501, "Amal", language_code="ar")
    emulator.send_letter_photo(mother, data, "letter-d01")
    sent = await emulator.wait_sent(501, count=2, timeout=60)
    answer = sent[1]
    assert answer.text.startswith("🟢 أخضر")
    assert "strookje" in answer.text
    labels = [b["text"] for b in answer.buttons]
    assert any(l.startswith("🙋") for l in labels) and any(l.startswith("📅") for l in labels)
    assert any(l.startswith("✅") for l in labels)
    # 🙋: the letter (photo, text, facts) goes to the hand-off hook
    emulator.tap(mother, answer, "letter:person")
    await emulator.wait_sent(501, count=1, after=2, timeout=10)
    assert hand_offs == [(501, 1, "trip")]


async def test_a_photo_of_a_letter_is_answered_in_polish_and_a_reminder_is_set(bot_with_letters):
    emulator, reminders, _ = bot_with_letters
    data, letter = _photo("d10")
    father = emulator.user(502, "Piotr", language_code="pl")
    emulator.send_letter_photo(father, data, "letter-d10")
    sent = await emulator.wait_sent(502, count=2, timeout=60)
    answer = sent[1]
    assert answer.text.startswith("🟢 Zielony")
    assert "śpiwór" in answer.text  # the sleeping bag, from the curated catalogue
    emulator.tap(father, answer, "letter:dutch")
    dutch = (await emulator.wait_sent(502, count=1, after=2, timeout=10))[0]
    assert "zeeklassen" in dutch.text
    emulator.tap(father, answer, "letter:remind")
    await emulator.wait_sent(502, count=1, after=3, timeout=10)
    # two days before the deadline (Friday 24 April 2026) of the letter
    assert reminders == [(502, date(2026, 4, 22), date(2026, 4, 24))]


async def test_an_album_of_two_photos_is_one_letter(bot_with_letters):
    emulator, _, _ = bot_with_letters
    first, _ = _photo("d09")
    second, _ = _photo("d03")
    parent = emulator.user(503, "Ana", language_code="ro")
    emulator.send_letter_photo(parent, first, "album-1", media_group_id="g1")
    emulator.send_letter_photo(parent, second, "album-2", media_group_id="g1")
    sent = await emulator.wait_sent(503, count=2, timeout=60)
    assert len(emulator.sent_to(503, "sendMessage")) == 2  # one "reading…" and one answer, not two of each
    assert "64,80" in sent[1].text and "56,20" in sent[1].text
