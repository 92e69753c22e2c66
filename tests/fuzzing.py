"""Seeded random updates of every kind the Bot API can send us (used by tests/test_fuzz.py and bench/fuzz.py)."""
from __future__ import annotations

import random
import time
from typing import Any

SCRIPTS = ["abcdefghijklmnopqrstuvwxyz ", "éèçàùâêîôûëïüœ ", "ąęółśżźćń ", "ğışçöü ", "ăâîșț ",
           "абвгдежзийклмнопрстуфхцчшщъьюя ", "іїєґ ", "ابتثجحخدذرسشصضطظعغفقكلمنهوي ", "ሀለሐመሠረሰ ",
           "0123456789 ", "😀😢🙏👍❤️🚸🏫 ", "!?.,;:/\\\"'()[]{}<>@#$%^&*_-+=~` ", "\u200f\u200e\u2068\u2069\t\n "]
REAL = ["wanneer is de school gedaan?", "my son is sick today", "je veux parler à quelqu'un",
        "oğlum okula gitmek istemiyor", "هل توجد حضانة بعد المدرسة؟", "ile kosztuje wycieczka", "ok", "?", "",
        "/start", "/start notatoken", "/help", "/privacy", "/language", "/family", "/forget", "/foo",
        "/close 1 klaar", "/r 1 hallo", "/note geheim", "/teamchat", "/escalations", "/invite L1A",
        "/people", "/staffinvite admin Eve", "/mylanguages xx", "/myhours never"]
CALLBACKS = ["E:claim:1", "E:close:1", "E:transfer:1", "X:1:710", "FB:1:up", "O:1", "L:ar:", "M:1:", "C:y:nl:",
             "R:mother:", "F:y", "F:n", "T:meals", "D:meals", "P", "Z", "", "E:claim:" + "9" * 40, "L:zz:x", "T:",
             "C:y:nl:" + "A" * 40]


class UpdateFuzzer:
    def __init__(self, seed: int, users: list[dict[str, Any]], group_ids: list[int]) -> None:
        self.rng = random.Random(seed)
        self.users = users
        self.groups = group_ids
        self.message_id = 10_000

    def text(self) -> str:
        r = self.rng.random()
        if r < 0.35:
            return self.rng.choice(REAL)
        length = self.rng.choice([0, 1, 3, 12, 60, 300, 1500, 4096, 5000])
        alphabet = "".join(self.rng.sample(SCRIPTS, self.rng.randint(1, 3)))
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def _message(self, user: dict[str, Any], chat: dict[str, Any], **content: Any) -> dict[str, Any]:
        self.message_id += 1
        message = {"message_id": self.message_id, "date": int(time.time()), "chat": chat, "from": user, **content}
        text = content.get("text")
        if isinstance(text, str) and text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0]) if text.split() else 1}]
        return message

    def update(self) -> dict[str, Any]:
        """One update body (without update_id)."""
        rng = self.rng
        user = rng.choice(self.users)
        private = {"id": user["id"], "type": "private", "first_name": user.get("first_name", "")}
        group_id = rng.choice(self.groups)
        group = {"id": group_id, "type": "supergroup", "title": "team", "is_forum": True}
        kind = rng.random()
        if kind < 0.40:
            return {"message": self._message(user, private, text=self.text())}
        if kind < 0.50:
            media = rng.choice([
                {"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
                             "is_animated": False, "is_video": False}},
                {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
                {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}},
                {"document": {"file_id": "d", "file_unique_id": "d", "file_name": "x.pdf"}},
                {"location": {"latitude": 51.05, "longitude": 3.72}},
            ])
            return {"message": self._message(user, private, **media)}
        if kind < 0.65:
            data = rng.choice(CALLBACKS) if rng.random() < 0.8 else self.text()[:64]
            message = self._message({"id": 999, "is_bot": True, "first_name": "bot"}, private, text="x")
            return {"callback_query": {"id": str(rng.randint(1, 10 ** 12)), "from": user, "chat_instance": "c",
                                       "data": data, "message": message}}
        if kind < 0.78:
            content: dict[str, Any] = {"text": self.text() or "."}
            message = self._message(user, group, **content)
            if rng.random() < 0.5:
                message["message_thread_id"] = rng.choice([100, 101, 102, 7])
                message["is_topic_message"] = True
            return {"message": message}
        if kind < 0.88:
            chat = private if rng.random() < 0.6 else group
            message = self._message(user, chat, text=self.text() or ".", edit_date=int(time.time()))
            return {"edited_message": message}
        if kind < 0.94:
            channel = {"id": -1009999, "type": "channel", "title": "news"}
            return {"channel_post": {"message_id": self.message_id, "date": int(time.time()), "chat": channel,
                                     "text": self.text() or "."}}
        bot_user = {"id": 123456, "is_bot": True, "first_name": "Schoolbrug"}
        return {"my_chat_member": {"chat": rng.choice([private, group]), "from": user, "date": int(time.time()),
                                   "old_chat_member": {"status": "member", "user": bot_user},
                                   "new_chat_member": {"status": rng.choice(["kicked", "left", "member"]),
                                                       "user": bot_user, "until_date": 0}}}
