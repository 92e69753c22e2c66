"""Runtime settings: every environment variable Schoolbrug reads, read once, in `Settings.from_env()`.

Nothing reads the environment at import time; code receives a `Settings` (the
Telegram side through `Services.settings`). Every setting has an embedded
default so that `schoolbrug run` works on a fresh machine with no configuration:
SQLite in ./var, the local Bot API emulator when no bot token is given.
Secrets (the bot token, translation keys, the webhook secret) come only from the
environment, never from the repository.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _number(name: str, default: float) -> float:
    raw = _env(name)
    try:
        return float(raw) if raw else default
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a number") from None


@dataclass(frozen=True)
class Settings:
    """What the bot needs to run. Build it with `Settings.from_env()`; tests use `dataclasses.replace`."""

    bot_token: str = ""
    api_base: str = ""  # python-telegram-bot's base_url without the /bot suffix
    db_path: Path = PROJECT_ROOT / "var" / "schoolbrug.db"
    model_dir: Path = PROJECT_ROOT / "models"
    schools_dir: Path = PROJECT_ROOT / "schools"
    bot_username: str = ""
    retention_days: int = 180
    concurrent_updates: int = 256
    timezone: str = "Europe/Brussels"
    # translation
    translator: str = "none"
    translator_timeout: float = 5.0
    libretranslate_url: str = "http://127.0.0.1:5000"
    libretranslate_api_key: str = ""
    deepl_api_key: str = ""
    microsoft_key: str = ""
    microsoft_region: str = ""
    # escalations
    remind_minutes: float = 30.0
    flag_minutes: float = 240.0
    follow_up_every: float = 30.0
    # the send queue
    send_rate: float = 30.0  # messages per second, bot-wide (Telegram's ~30/s)
    paid_broadcast: bool = False  # allow_paid_broadcast for urgent city-wide messages (0.1 Star each)
    paid_rate: float = 1000.0
    quiet_hours: str = ""  # reminders: "20:00-07:00" (the default when empty) or "off"
    chat_interval: float = 1.05  # seconds between two messages in one private chat
    group_per_minute: int = 20
    useful_hours: float = 24.0  # how long a message is worth retrying before a person is told
    backoff_cap: float = 300.0  # seconds between retries at most
    backoff_base: float = 1.0
    # updates
    poll_timeout: int = 10
    webhook_url: str = ""  # public HTTPS URL: webhook mode instead of polling
    webhook_secret: str = ""
    webhook_listen: str = "127.0.0.1:8443"
    typing_after: float = 1.0  # show "typing…" only when an answer takes longer than this
    emulator_port: int = 0
    purge_every_hours: float = 6.0

    @property
    def uses_emulator(self) -> bool:
        return not self.bot_token

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls) -> "Settings":
        root = PROJECT_ROOT
        return cls(
            bot_token=_env("TELEGRAM_BOT_TOKEN"),
            api_base=_env("TELEGRAM_API_BASE").rstrip("/"),
            db_path=Path(_env("SCHOOLBRUG_DB", str(root / "var" / "schoolbrug.db"))),
            model_dir=Path(_env("SCHOOLBRUG_MODEL_DIR", str(root / "models"))),
            schools_dir=Path(_env("SCHOOLBRUG_SCHOOLS_DIR", str(root / "schools"))),
            bot_username=_env("SCHOOLBRUG_BOT_USERNAME"),
            retention_days=int(_number("SCHOOLBRUG_RETENTION_DAYS", 180)),
            concurrent_updates=int(_number("SCHOOLBRUG_CONCURRENT_UPDATES", 256)),
            timezone=_env("SCHOOLBRUG_TIMEZONE", "Europe/Brussels") or "Europe/Brussels",
            translator=(_env("SCHOOLBRUG_TRANSLATOR", "none") or "none").lower(),
            translator_timeout=_number("SCHOOLBRUG_TRANSLATOR_TIMEOUT", 5.0),
            libretranslate_url=_env("LIBRETRANSLATE_URL", "http://127.0.0.1:5000"),
            libretranslate_api_key=_env("LIBRETRANSLATE_API_KEY"),
            deepl_api_key=_env("DEEPL_API_KEY"),
            microsoft_key=_env("MICROSOFT_TRANSLATOR_KEY"),
            microsoft_region=_env("MICROSOFT_TRANSLATOR_REGION"),
            remind_minutes=_number("SCHOOLBRUG_REMIND_MINUTES", 30.0),
            flag_minutes=_number("SCHOOLBRUG_FLAG_MINUTES", 240.0),
            send_rate=_number("SCHOOLBRUG_SEND_RATE", 30.0),
            paid_broadcast=_env("SCHOOLBRUG_PAID_BROADCAST").lower() in ("1", "true", "yes"),
            quiet_hours=_env("SCHOOLBRUG_QUIET_HOURS"),
            chat_interval=_number("SCHOOLBRUG_CHAT_INTERVAL", 1.05),
            useful_hours=_number("SCHOOLBRUG_USEFUL_HOURS", 24.0),
            poll_timeout=int(_number("SCHOOLBRUG_POLL_TIMEOUT", 10)),
            webhook_url=_env("SCHOOLBRUG_WEBHOOK_URL"),
            webhook_secret=_env("SCHOOLBRUG_WEBHOOK_SECRET"),
            webhook_listen=_env("SCHOOLBRUG_WEBHOOK_LISTEN", "127.0.0.1:8443"),
            emulator_port=int(_number("SCHOOLBRUG_EMULATOR_PORT", 0)),
        )
