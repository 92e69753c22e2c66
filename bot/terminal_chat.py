"""The offline demo: play a parent, the school's brugfiguur or a teacher in the terminal, against the emulator.

Type a message and press Enter. A number taps that button of the last message
with buttons. `:sticker`, `:photo`, `:voice`, `:doc` send media; `:quit` ends.
`:as parent`, `:as brugfiguur`, `:as teacher` switch roles. The demo school gets a
demo brugfiguur and a team group (a forum supergroup): as the brugfiguur you see
each parent's question in its own topic, and what you type goes into the topic of
the question you last saw (✋ claim, 🔁 pass on, ✅ close with the buttons;
`/note text`, `/close outcome`).
"""
from __future__ import annotations

import asyncio
import json
import sys

from sqlite_utils import Database

from bot import escalations, store
from bot.emulator import BotApiEmulator, Sent
from bot.invites import deep_link
from bot.telegram.services import Services

PARENT_ID = 424242
BRUGFIGUUR_ID = 900001
TEACHER_ID = 900002
DEMO_TEAM = -100900900


def prepare_demo(db: Database) -> None:
    """Give the first school a demo brugfiguur (at work around the clock), a teacher and a team group."""
    schools = store.list_schools(db)
    if not schools:
        return
    school_id = schools[0]["id"]
    profile = (store.get_school(db, school_id) or {}).get("profile") or {}
    contact = (profile.get("contacts") or {}).get("brugfiguur") or {}
    if not db.execute("select 1 from staff where telegram_id = ?", [BRUGFIGUUR_ID]).fetchone():
        # the profile's brugfiguur, so the parent hears the same name from the answer and from the hand-off
        store.add_staff(db, BRUGFIGUUR_ID, school_id, "brugfiguur", contact.get("name") or "Fatma (demo)",
                        contact.get("languages") or ["nl", "tr", "en", "fr", "ar"], actor="demo")
        db["staff"].update((BRUGFIGUUR_ID, school_id),
                           {"working_hours": json.dumps({d: ["00:00-23:59"] for d in escalations.DAYS})})
        store.add_staff(db, TEACHER_ID, school_id, "staff", "Juf Ann (demo)", ["nl"], actor="demo")
    if not (store.get_school(db, school_id) or {}).get("team_chat_id"):
        db["schools"].update(school_id, {"team_chat_id": DEMO_TEAM})


class TerminalChat:
    def __init__(self, emulator: BotApiEmulator, services: Services) -> None:
        self.emu = emulator
        self.services = services
        self.users = {"parent": emulator.user(PARENT_ID, "Amina"),
                      "brugfiguur": emulator.user(BRUGFIGUUR_ID, "Fatma"),
                      "teacher": emulator.user(TEACHER_ID, "Ann")}
        self.role = "parent"
        self.shown = 0
        self.last_with_buttons: Sent | None = None
        self.thread: int | None = None

    @property
    def user(self) -> dict:
        return self.users[self.role]

    def _chats(self) -> set[int]:
        return {self.user["id"], DEMO_TEAM} if self.role != "parent" else {PARENT_ID}

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
        chats = self._chats()
        sent = [s for s in self.emu.sent if s.chat_id in chats and s.method in
                ("sendMessage", "editMessageText", "sendPhoto")]
        for s in sent[self.shown:]:
            tag = "✎ " if s.method == "editMessageText" else ""
            where = ""
            if s.chat_id == DEMO_TEAM:
                self.thread = s.params.get("message_thread_id") or self.thread
                where = f"[team group, topic {s.params.get('message_thread_id') or 'General'}] "
            print(f"\n🤖 {where}{tag}{s.text}")
            if s.buttons:
                self.last_with_buttons = s
                for i, b in enumerate(s.buttons, 1):
                    print(f"   [{i}] {b.get('text')}")
        self.shown = len(sent)

    async def run(self) -> None:
        print("\nSchoolbrug – offline demo. You are a parent chatting with the bot.")
        print("Type a message; a number taps a button; :sticker :photo :voice :doc send media; :quit ends.")
        print(":as brugfiguur / :as teacher / :as parent switch roles (the brugfiguur answers in the team group).")
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

    def switch(self, role: str) -> None:
        if role not in self.users:
            print(f"  roles: {', '.join(self.users)}")
            return
        self.role, self.shown, self.last_with_buttons = role, 0, None
        print(f"  you are now the {role}" + (" (messages go into the topic of the last question)"
                                             if role == "brugfiguur" else ""))

    async def _loop(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            await asyncio.sleep(0.5)
            line = await loop.run_in_executor(None, _read_line)
            if line is None or line.strip() == ":quit":
                return
            line = line.strip()
            if line.startswith(":as "):
                self.switch(line[4:].strip())
                continue
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
            if not line:
                continue
            if self.role == "parent" or line.startswith(("/staffhelp", "/escalations", "/mylanguages", "/myhours")):
                self.emu.send_text(self.user, line)
            else:
                self.emu.send_text(self.user, line, chat_id=DEMO_TEAM, thread_id=self.thread)


def _read_line() -> str | None:
    try:
        return input("👤 ")
    except EOFError:
        return None
    except KeyboardInterrupt:
        sys.exit(0)
