"""What every handler needs, kept in `application.bot_data["services"]`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from bot.config import Settings

if TYPE_CHECKING:
    from bot.assistant import Assistant


@dataclass
class Services:
    settings: Settings
    db: Database
    assistant: "Assistant"
    bot_username: str = "SchoolbrugBot"
    bot: Any = None  # telegram.Bot, set when the application starts
    extra: dict[str, Any] = field(default_factory=dict)


def services_of(context: Any) -> Services:
    return context.application.bot_data["services"]
