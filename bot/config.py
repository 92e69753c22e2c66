"""Runtime settings, read from the environment (never from the repository).

Every setting has an embedded default so that `schoolbrug run` works on a fresh
machine with no configuration: SQLite in ./var, the local Bot API emulator when
no bot token is given.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


@dataclass(frozen=True)
class Settings:
    """What the bot needs to run. Build it with `Settings.from_env()`."""

    bot_token: str = ""
    api_base: str = ""  # python-telegram-bot's base_url without the /bot suffix
    db_path: Path = PROJECT_ROOT / "var" / "schoolbrug.db"
    model_dir: Path = PROJECT_ROOT / "models"
    schools_dir: Path = PROJECT_ROOT / "schools"
    bot_username: str = ""
    retention_days: int = 180
    concurrent_updates: int = 32
    translator: str = "none"

    @property
    def uses_emulator(self) -> bool:
        return not self.bot_token

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
            retention_days=int(_env("SCHOOLBRUG_RETENTION_DAYS", "180") or 180),
            concurrent_updates=int(_env("SCHOOLBRUG_CONCURRENT_UPDATES", "32") or 32),
            translator=_env("SCHOOLBRUG_TRANSLATOR", "none") or "none",
        )
