"""Play a parent in the terminal against the local emulator (the offline demo).

Type a message and press Enter. A number taps that button of the last message
with buttons. `:sticker`, `:photo`, `:voice`, `:doc` send media; `:quit` ends.
"""
from __future__ import annotations

import asyncio
import sys

from bot import store
from bot.emulator import BotApiEmulator, Sent
from bot.invites import deep_link
from bot.telegram.services import Services

PARENT_ID = 424242


class TerminalChat:
    def __init__(self, emulator: BotApiEmulator, services: Services) -> None:
        self.emu = emulator
        self.services = services
        self.user = emulator.user(PARENT_ID, "Amina")
        self.shown = 0
        self.last_with_buttons: Sent | None = None

    def _invite_hint(self) -> str:
        schools = store.list_schools(self.services.db)
        if not schools:
            return "/start"
        klass = next(iter(self.services.db["classes"].rows_where("school_id = ?", [schools[0]["id"]],
                                                                   order_by="code")), None)
        if not klass:
            return "/start"
        token = store.create_invite(self.services.db, store.PARENT_INVITE, schools[0]["id"], class_id=klass["id"],
                                    created_by="demo", days_valid=1)
        print(f"  (the school's invite link would be {deep_link(self.services.bot_username, token)})")
        return f"/start {token}"

    def _print_new(self) -> None:
        sent = [s for s in self.emu.sent if s.chat_id == PARENT_ID and s.method in
                ("sendMessage", "editMessageText", "sendPhoto")]
        for s in sent[self.shown:]:
            tag = "✎ " if s.method == "editMessageText" else ""
            print(f"\n🤖 {tag}{s.text}")
            if s.buttons:
                self.last_with_buttons = s
                for i, b in enumerate(s.buttons, 1):
                    print(f"   [{i}] {b.get('text')}")
        self.shown = len(sent)

    async def run(self) -> None:
        print("\nSchoolbrug – offline demo. You are a parent chatting with the bot.")
        print("Type a message; a number taps a button; :sticker :photo :voice :doc send media; :quit ends.")
        print(f"Start as a parent who scanned the class QR code:  {self._invite_hint()}\n")
        loop = asyncio.get_running_loop()
        printer = asyncio.create_task(self._printer())
        try:
            await self._loop(loop)
        finally:
            printer.cancel()

    async def _printer(self) -> None:
        while True:
            self._print_new()
            await asyncio.sleep(0.2)

    async def _loop(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            await asyncio.sleep(0.5)
            line = await loop.run_in_executor(None, _read_line)
            if line is None or line.strip() == ":quit":
                return
            line = line.strip()
            if line.isdigit() and self.last_with_buttons:
                buttons = self.last_with_buttons.buttons
                index = int(line) - 1
                if 0 <= index < len(buttons):
                    self.emu.tap(self.user, self.last_with_buttons, buttons[index]["callback_data"])
                    continue
            if line in (":sticker", ":photo", ":voice", ":doc"):
                kind = {"doc": "document"}.get(line[1:], line[1:])
                getattr(self.emu, f"send_{kind}")(self.user)
                continue
            if line:
                self.emu.send_text(self.user, line)


def _read_line() -> str | None:
    try:
        return input("👤 ")
    except EOFError:
        return None
    except KeyboardInterrupt:
        sys.exit(0)
