#!/usr/bin/env bash
# Command 1: install (first time), train the model if missing or stale, load the
# example school, and start the bot. Without TELEGRAM_BOT_TOKEN it runs against the
# built-in Telegram Bot API emulator, with a chat in this terminal where you play a parent.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/ensure-env.sh
exec schoolbrug run "$@"
