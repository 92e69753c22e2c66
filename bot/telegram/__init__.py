"""The Telegram side of Schoolbrug (python-telegram-bot v22)."""
