"""Invite links (Telegram deep links) and their printable QR codes.

A school prints one QR code per class; a parent scans it, Telegram opens the bot
with `/start <token>`, and the token tells the bot which school and class.
"""
from __future__ import annotations

from pathlib import Path

import segno


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={token}"


def write_qr_png(url: str, path: Path | str, scale: int = 10) -> Path:
    """Write a QR code PNG (error correction Q, survives a crumpled printout)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    segno.make(url, error="q").save(str(path), scale=scale, border=4)
    return path
