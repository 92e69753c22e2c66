"""`schoolbrug run` without a token, from a service file (no terminal), refuses to talk to nobody."""
from __future__ import annotations

import os
import subprocess
import sys

from bot.config import PROJECT_ROOT


def test_run_without_token_and_without_terminal_asks_for_an_explicit_emulator(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["SCHOOLBRUG_DB"] = str(tmp_path / "x.db")
    done = subprocess.run([sys.executable, "-m", "bot.cli", "run"], cwd=PROJECT_ROOT, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "--emulator" in done.stderr and "TELEGRAM_BOT_TOKEN" in done.stderr
    assert not (tmp_path / "x.db").exists(), "nothing was started"
