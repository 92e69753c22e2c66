"""A local Telegram Bot API server for tests, benchmarks and the offline demo.

It speaks the same HTTP protocol as api.telegram.org (`/bot<token>/<method>`),
so the bot runs its real python-telegram-bot network path against it. It keeps
everything in memory:

* updates that a test or the terminal chat injects (messages, commands,
  callback queries, stickers, photos, voice notes, documents), served by
  `getUpdates` with long polling;
* everything the bot sent (`sent`), with the time it arrived;
* faults on demand (`add_fault`: a 429 with `retry_after`, or a 5xx) and, when
  `enforce_limits` is on, Telegram's flood limits: 1 message/s per private chat,
  20 messages/min per group, 30 messages/s overall.

A control API under `/_emulator/` lets another process inject updates and read
what was sent (used by `bench/` and the demo).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

SEND_METHODS = {
    "sendMessage", "sendPhoto", "sendDocument", "sendSticker", "sendVoice", "sendAudio",
    "sendVideo", "sendAnimation", "copyMessage", "forwardMessage", "sendMediaGroup",
}


@dataclass
class Fault:
    method: str | None  # None: any method
    status: int  # 429 or 5xx
    retry_after: int = 1
    count: int = 1


@dataclass
class Sent:
    method: str
    chat_id: int
    params: dict[str, Any]
    message: dict[str, Any] | None
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    def button(self, text_part: str) -> dict[str, Any]:
        for b in self.buttons:
            if text_part in b.get("text", "") or str(b.get("callback_data", "")).startswith(text_part):
                return b
        raise KeyError(f"no button {text_part!r} in {[b.get('text') for b in self.buttons]}")


def _coerce(value: Any) -> Any:
    """Form fields arrive as strings; JSON-looking ones carry objects (reply_markup...)."""
    if not isinstance(value, str):
        return value
    v = value.strip()
    if v[:1] in "[{":
        try:
            return json.loads(v)
        except ValueError:
            return value
    if v.lstrip("-").isdigit():
        return int(v)
    if v in ("true", "false"):
        return v == "true"
    return value


class BotApiEmulator:
    def __init__(self, token: str = "123456:EMULATOR", host: str = "127.0.0.1", port: int = 0,
                 bot_username: str = "schoolbrug_bot", enforce_limits: bool = False) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.bot = {"id": int(token.split(":")[0]) if token.split(":")[0].isdigit() else 999,
                    "is_bot": True, "first_name": "Schoolbrug", "username": bot_username,
                    "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}
        self.enforce_limits = enforce_limits
        self.updates: list[dict[str, Any]] = []
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.faults: list[Fault] = []
        self.commands: list[dict[str, Any]] = []
        self.blocked_users: set[int] = set()
        self.forum_topics: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._new_update = asyncio.Event()
        self._new_sent = asyncio.Event()
        self._chat_sends: dict[int, deque[float]] = defaultdict(deque)
        self._all_sends: deque[float] = deque()
        self._paid_sends: deque[float] = deque()  # paid broadcasts (allow_paid_broadcast) have their own budget
        self._thread_ids = itertools.count(100)
        self._runner: web.AppRunner | None = None
        self.rejected: list[tuple[str, int]] = []
        self.delays: dict[str, float] = {}  # method -> seconds to wait before answering (requests in flight)
        self.call_times: list[tuple[str, int, float]] = []  # (method, chat_id, monotonic) of every request
        self.files: dict[str, bytes] = {}  # file_id -> content (photos and documents users send)
        self.down_until = 0.0  # an outage: every send method answers 502 until then (monotonic)

    # ------------------------------------------------------------------ server
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._handle_file)
        app.router.add_post("/_emulator/inject", self._handle_inject)
        app.router.add_get("/_emulator/sent", self._handle_sent)
        app.router.add_post("/_emulator/faults", self._handle_faults)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base_url

    async def stop(self) -> None:
        self._new_update.set()  # wake long-polling getUpdates so no request is left pending
        if self._runner:
            await self._runner.cleanup()
            self._runner = None
            await asyncio.sleep(0.05)  # let aiohttp's connection tasks finish before the loop closes

    async def __aenter__(self) -> "BotApiEmulator":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST":
            if request.content_type == "application/json":
                body = await request.json()
                params.update(body or {})
            else:
                params.update(await request.post())
        return {k: (_coerce(v) if not hasattr(v, "file") else {"file": getattr(v, "filename", "upload")})
                for k, v in params.items()}

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        try:
            chat = int(params.get("chat_id") or 0)
        except (TypeError, ValueError):
            chat = 0
        self.call_times.append((method, chat, time.monotonic()))
        if self.delays.get(method):
            await asyncio.sleep(self.delays[method])
        if method in SEND_METHODS and time.monotonic() < self.down_until:
            self.rejected.append((method, 502))
            return web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502)
        fault = self._take_fault(method)
        if fault:
            self.rejected.append((method, fault.status))
            if fault.status == 429:
                return self._too_many(fault.retry_after)
            description = {400: "Bad Request: message thread not found", 401: "Unauthorized",
                           403: "Forbidden: bot was blocked by the user",
                           409: "Conflict: terminated by other getUpdates request; make sure that only one bot "
                                "instance is running", 502: "Bad Gateway"}.get(fault.status, "Internal Server Error")
            return web.json_response({"ok": False, "error_code": fault.status, "description": description},
                                     status=fault.status)
        handler: Callable | None = getattr(self, f"api_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                                     status=404)
        if method in SEND_METHODS and self.enforce_limits:
            wait = self._flood_wait(int(params.get("chat_id", 0)),
                                    paid=str(params.get("allow_paid_broadcast")).lower() == "true")
            if wait:
                self.rejected.append((method, 429))
                return self._too_many(wait)
        try:
            result = await handler(params) if asyncio.iscoroutinefunction(handler) else handler(params)
        except ApiError as err:
            return web.json_response({"ok": False, "error_code": err.code, "description": err.description},
                                     status=err.code)
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _too_many(retry_after: int) -> web.Response:
        return web.json_response({"ok": False, "error_code": 429,
                                  "description": f"Too Many Requests: retry after {retry_after}",
                                  "parameters": {"retry_after": retry_after}}, status=429)

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.count > 0 and (fault.method is None or fault.method == method):
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _flood_wait(self, chat_id: int, paid: bool = False) -> int:
        """Telegram's limits: 1/s per private chat, 20/min per group, 30/s overall (1,000/s for a paid
        broadcast, `allow_paid_broadcast`, Bot API 7.11)."""
        now = time.monotonic()
        window, limit = (60.0, 20) if chat_id < 0 else (1.0, 1)
        sends = self._chat_sends[chat_id]
        while sends and now - sends[0] >= window:
            sends.popleft()
        while self._all_sends and now - self._all_sends[0] >= 1.0:
            self._all_sends.popleft()
        if len(sends) >= limit:
            return max(1, int(window - (now - sends[0]) + 0.999))
        if paid:
            while self._paid_sends and now - self._paid_sends[0] >= 1.0:
                self._paid_sends.popleft()
            if len(self._paid_sends) >= 1000:
                return 1
            sends.append(now)
            self._paid_sends.append(now)
            return 0
        if len(self._all_sends) >= 30:
            return 1
        sends.append(now)
        self._all_sends.append(now)
        return 0

    def add_fault(self, method: str | None, status: int, retry_after: int = 1, count: int = 1) -> None:
        self.faults.append(Fault(method, status, retry_after, count))

    # ------------------------------------------------------------ Bot API
    def api_getMe(self, params: dict) -> dict:
        return self.bot

    def api_logOut(self, params: dict) -> bool:
        return True

    def api_close(self, params: dict) -> bool:
        return True

    def api_deleteWebhook(self, params: dict) -> bool:
        return True

    def api_setWebhook(self, params: dict) -> bool:
        return True

    def api_getWebhookInfo(self, params: dict) -> dict:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self.updates)}

    def api_setMyCommands(self, params: dict) -> bool:
        self.commands = params.get("commands") or []
        return True

    def api_getMyCommands(self, params: dict) -> list:
        return self.commands

    def api_deleteMyCommands(self, params: dict) -> bool:
        self.commands = []
        return True

    def api_sendChatAction(self, params: dict) -> bool:
        return True

    async def api_getUpdates(self, params: dict) -> list:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), 30.0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates and timeout > 0:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout)
            except asyncio.TimeoutError:
                pass
        return self.updates[:limit]

    def _chat(self, chat_id: int) -> dict:
        if chat_id < 0:
            return {"id": chat_id, "type": "supergroup", "title": "Schoolbrug team", "is_forum": True}
        return {"id": chat_id, "type": "private", "first_name": f"user{chat_id}"}

    def _record(self, method: str, params: dict, content: dict) -> dict:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked_users:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        message = {"message_id": next(self._message_ids[chat_id]), "date": int(time.time()),
                   "chat": self._chat(chat_id), "from": self.bot, **content}
        if params.get("message_thread_id"):
            message["message_thread_id"] = int(params["message_thread_id"])
            message["is_topic_message"] = True
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self._messages[(chat_id, message["message_id"])] = message
        self.sent.append(Sent(method, chat_id, params, message))
        self._new_sent.set()
        return message

    def api_sendMessage(self, params: dict) -> dict:
        text = str(params.get("text", ""))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._record("sendMessage", params, {"text": text})

    def api_sendPhoto(self, params: dict) -> dict:
        return self._record("sendPhoto", params, {"photo": [{"file_id": "photo1", "file_unique_id": "p1",
                                                            "width": 512, "height": 512}],
                                                 "caption": params.get("caption", "")})

    def api_sendDocument(self, params: dict) -> dict:
        return self._record("sendDocument", params, {"document": {"file_id": "doc1", "file_unique_id": "d1"},
                                                    "caption": params.get("caption", "")})

    def api_editMessageText(self, params: dict) -> dict:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self._messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        message = self._messages[key]
        message["text"] = params.get("text", "")
        message["edit_date"] = int(time.time())
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        self.sent.append(Sent("editMessageText", key[0], params, message))
        self._new_sent.set()
        return message

    def api_editMessageReplyMarkup(self, params: dict) -> dict:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self._messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        self._messages[key]["reply_markup"] = params.get("reply_markup")
        return self._messages[key]

    def api_deleteMessage(self, params: dict) -> bool:
        return self._messages.pop((int(params["chat_id"]), int(params["message_id"])), None) is not None

    def api_answerCallbackQuery(self, params: dict) -> bool:
        self.sent.append(Sent("answerCallbackQuery", 0, params, None))
        return True

    def api_getChat(self, params: dict) -> dict:
        return self._chat(int(params["chat_id"]))

    def api_createForumTopic(self, params: dict) -> dict:
        chat_id = int(params["chat_id"])
        thread = next(self._thread_ids)
        topic = {"message_thread_id": thread, "name": params.get("name", ""), "icon_color": 7322096}
        self.forum_topics[chat_id][thread] = {**topic, "closed": False}
        return topic

    def api_editForumTopic(self, params: dict) -> bool:
        topic = self.forum_topics[int(params["chat_id"])].get(int(params["message_thread_id"]))
        if topic is None:
            raise ApiError(400, "Bad Request: TOPIC_ID_INVALID")
        if params.get("name"):
            topic["name"] = params["name"]
        return True

    def api_closeForumTopic(self, params: dict) -> bool:
        topic = self.forum_topics[int(params["chat_id"])].get(int(params["message_thread_id"]))
        if topic is None:
            raise ApiError(400, "Bad Request: TOPIC_ID_INVALID")
        topic["closed"] = True
        return True

    def api_reopenForumTopic(self, params: dict) -> bool:
        topic = self.forum_topics[int(params["chat_id"])].get(int(params["message_thread_id"]))
        if topic is None:
            raise ApiError(400, "Bad Request: TOPIC_ID_INVALID")
        topic["closed"] = False
        return True

    # --------------------------------------------------------- injecting
    def user(self, user_id: int, first_name: str = "Ouder", language_code: str | None = None) -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def _push(self, update: dict) -> dict:
        update["update_id"] = next(self._update_ids)
        self.updates.append(update)
        self._new_update.set()
        return update

    def _message(self, user: dict, chat_id: int | None = None, thread_id: int | None = None,
                 **content: Any) -> dict:
        chat_id = chat_id if chat_id is not None else user["id"]
        chat = self._chat(chat_id)
        if chat_id > 0:
            chat["first_name"] = user.get("first_name", "")
        message = {"message_id": next(self._message_ids[chat_id]), "date": int(time.time()),
                   "chat": chat, "from": user, **content}
        if thread_id:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def send_text(self, user: dict, text: str, chat_id: int | None = None,
                  thread_id: int | None = None) -> dict:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._push({"message": self._message(user, chat_id, thread_id, **content)})

    def edit_text(self, user: dict, update: dict, text: str) -> dict:
        """The user edits a message they sent earlier (`update` is what send_text returned)."""
        message = dict(update["message"], text=text, edit_date=int(time.time()))
        return self._push({"edited_message": message})

    def push_raw(self, update: dict) -> dict:
        """Any update (channel posts, my_chat_member, forged callbacks...), given its content."""
        return self._push(dict(update))

    def send_sticker(self, user: dict, emoji: str = "👍") -> dict:
        sticker = {"file_id": "sticker1", "file_unique_id": "s1", "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False, "emoji": emoji}
        return self._push({"message": self._message(user, sticker=sticker)})

    def send_photo(self, user: dict, caption: str | None = None, data: bytes | None = None,
                   media_group_id: str | None = None) -> dict:
        file_id = f"ph{len(self.files) + 1}"
        self.files[file_id] = data or b""
        content: dict[str, Any] = {"photo": [{"file_id": file_id, "file_unique_id": file_id, "width": 1200,
                                              "height": 1600, "file_size": len(data or b"")}]}
        if caption:
            content["caption"] = caption
        if media_group_id:
            content["media_group_id"] = media_group_id
        return self._push({"message": self._message(user, **content)})

    def api_getFile(self, params: dict) -> dict:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id]),
                "file_path": f"photos/{file_id}.jpg"}

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        name = request.match_info["path"].rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if name not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[name], content_type="application/octet-stream")

    def send_voice(self, user: dict, duration: int = 4) -> dict:
        return self._push({"message": self._message(user, voice={"file_id": "v1", "file_unique_id": "v1",
                                                                 "duration": duration})})

    def send_document(self, user: dict, file_name: str = "brief.pdf", data: bytes | None = None,
                      mime_type: str = "application/pdf") -> dict:
        file_id = f"doc{len(self.files) + 1}"
        self.files[file_id] = data or b""
        return self._push({"message": self._message(user, document={"file_id": file_id, "file_unique_id": file_id,
                                                                    "file_name": file_name, "mime_type": mime_type,
                                                                    "file_size": len(data or b"")})})

    def tap(self, user: dict, sent: Sent, button: str) -> dict:
        """Press an inline button (by part of its label or its callback data) on a sent message."""
        data = sent.button(button)["callback_data"]
        query = {"id": str(next(self._update_ids) * 7919), "from": user, "chat_instance": str(user["id"]),
                 "data": data, "message": sent.message}
        return self._push({"callback_query": query})

    # ------------------------------------------------------------- reading
    def sent_to(self, chat_id: int, method: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id and (method is None or s.method == method)]

    async def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 10.0, after: int = 0,
                        method: str | None = "sendMessage") -> list[Sent]:
        """Wait until at least `count` messages went to `chat_id` after index `after` of `sent_to()`."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.sent_to(chat_id, method)[after:]
            if len(got) >= count:
                return got
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"expected {count} message(s) to {chat_id}, got {[s.text[:60] for s in got]}")
            self._new_sent.clear()
            try:
                await asyncio.wait_for(self._new_sent.wait(), min(remaining, 0.2))
            except asyncio.TimeoutError:
                pass

    async def wait_call(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until the bot called `method` at least `count` times; return those calls' parameters."""
        deadline = time.monotonic() + timeout
        while True:
            calls = [params for name, params in self.calls if name == method]
            if len(calls) >= count:
                return calls
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method} was called {len(calls)} time(s), expected {count}")
            await asyncio.sleep(0.02)

    # ------------------------------------------------------ control API
    async def _handle_inject(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self.user(int(body["user_id"]), body.get("first_name", "Ouder"), body.get("language_code"))
        kind = body.get("type", "text")
        if kind == "text":
            update = self.send_text(user, body["text"], body.get("chat_id"), body.get("thread_id"))
        elif kind == "callback":
            chat_id = int(body.get("chat_id", user["id"]))
            message = self._messages.get((chat_id, int(body["message_id"])))
            query = {"id": str(time.time_ns()), "from": user, "chat_instance": str(chat_id),
                     "data": body["data"], "message": message}
            update = self._push({"callback_query": query})
        elif kind in ("sticker", "photo", "voice", "document"):
            update = getattr(self, f"send_{kind}")(user)
        else:
            return web.json_response({"ok": False, "description": f"unknown type {kind}"}, status=400)
        return web.json_response({"ok": True, "update_id": update["update_id"]})

    async def _handle_sent(self, request: web.Request) -> web.Response:
        after = int(request.query.get("after", 0))
        rows = [{"index": i, "method": s.method, "chat_id": s.chat_id, "text": s.text,
                 "message_id": (s.message or {}).get("message_id"), "buttons": s.buttons,
                 "monotonic": s.at}
                for i, s in enumerate(self.sent) if i >= after]
        return web.json_response({"ok": True, "sent": rows, "now": time.monotonic()})

    async def _handle_faults(self, request: web.Request) -> web.Response:
        body = await request.json()
        if "enforce_limits" in body:
            self.enforce_limits = bool(body["enforce_limits"])
        if body.get("status"):
            self.add_fault(body.get("method"), int(body["status"]), int(body.get("retry_after", 1)),
                           int(body.get("count", 1)))
        return web.json_response({"ok": True})


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
