"""What every handler needs, kept in `application.bot_data["services"]`, and the way handlers speak:
`reply`/`edit`/`post` put messages in the send queue (bot/send_queue.py) and wake its dispatcher;
only bot/telegram/sender.py calls the Bot API to deliver them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database
from telegram import Update

from bot import send_queue
from bot.config import Settings
from bot.send_queue import NOW, REPLY, Outgoing

if TYPE_CHECKING:
    from bot.assistant import Assistant
    from bot.send_queue import Dispatcher


@dataclass
class Services:
    settings: Settings
    db: Database
    assistant: "Assistant"
    bot_username: str = "SchoolbrugBot"
    bot: Any = None  # telegram.Bot, set when the application starts
    dispatcher: "Dispatcher | None" = None
    poller: Any = None  # bot/telegram/intake.py: DurablePoller or WebhookReceiver
    tasks: list[Any] = field(default_factory=list)  # background loops (follow-up, purge)
    message_counters: dict[int, int] = field(default_factory=dict)  # update_id -> messages queued for it

    def post(self, *messages: Outgoing) -> list[int]:
        """Queue messages (one transaction) and wake the dispatcher."""
        ids = send_queue.enqueue(self.db, *messages, useful_for=timedelta(hours=self.settings.useful_hours),
                                 retention_days=self.settings.retention_days)
        self.wake()
        return ids

    def wake(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()

    def dedupe_key(self, update: Update | None) -> str | None:
        """A key per message queued while handling an update: a replayed update cannot say it twice."""
        if update is None:
            return None
        n = self.message_counters.get(update.update_id, 0)
        self.message_counters[update.update_id] = n + 1
        return f"u{update.update_id}:{n}"


def services_of(context: Any) -> Services:
    return context.application.bot_data["services"]


def reply(update: Update, context: Any, text: str, buttons: list[list[tuple[str, str]]] | None = None,
          lane: int | None = None, kind: str = "reply", **kw: Any) -> int:
    """Answer in the chat (and forum topic) the update came from. A command or a tapped button is answered
    in the NOW lane (the person is looking at the screen), anything else in REPLY, unless `lane` says."""
    services = services_of(context)
    chat = update.effective_chat
    message = update.effective_message
    if lane is None:
        command = update.message is not None and (update.message.text or "").startswith("/")
        lane = NOW if command or update.callback_query is not None else REPLY
    thread = message.message_thread_id if message is not None and message.is_topic_message else None
    caregiver_id = chat.id if chat.type == "private" else None
    (row_id,) = services.post(Outgoing(chat.id, text, buttons=buttons, thread_id=thread, lane=lane, kind=kind,
                                       caregiver_id=caregiver_id, dedupe_key=services.dedupe_key(update), **kw))
    return row_id


def edit(update: Update, context: Any, text: str | None, buttons: list[list[tuple[str, str]]] | None = None) -> None:
    """Change the message whose button was tapped (a callback query's message); text None: only its buttons."""
    services = services_of(context)
    query = update.callback_query
    if query is None or query.message is None:
        return
    services.post(Outgoing(query.message.chat.id, text or "", buttons=buttons,
                           method="editMessageText" if text is not None else "editMessageReplyMarkup", lane=NOW,
                           message_id=query.message.message_id, kind="edit",
                           caregiver_id=query.message.chat.id if query.message.chat.type == "private" else None,
                           dedupe_key=services.dedupe_key(update)))


def guess_language(update: Update) -> str:
    """The language to speak before we know better: Telegram's language_code, else Dutch."""
    from bot.languages import normalise_code

    user = update.effective_user
    return normalise_code(user.language_code if user else None) or "nl"
