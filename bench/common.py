"""What the bench drivers share: the bot as a separate process, onboarding a parent, percentiles."""
from __future__ import annotations

import subprocess
from pathlib import Path

from bot.emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parent.parent


def start_bot(env: dict) -> subprocess.Popen:
    """`schoolbrug run --no-chat` in its own process, pointed at the emulator through `env`."""
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "schoolbrug"), "run", "--no-chat"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_bot(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


async def onboard(emu: BotApiEmulator, user: dict, token: str, lang: str) -> None:
    """/start with the class invite, choose `lang`, consent, say who you are for the child."""
    uid = user["id"]
    n = len(emu.sent_to(uid, "sendMessage"))
    emu.send_text(user, f"/start {token}")
    picker = (await emu.wait_sent(uid, 1, after=n, timeout=60))[0]
    emu.tap(user, picker, f"L:{lang}:")
    notice = (await emu.wait_sent(uid, 2, after=n, timeout=60))[1]
    emu.tap(user, notice, notice.buttons[0]["callback_data"])
    relation = (await emu.wait_sent(uid, 3, after=n, timeout=60))[2]
    edits = len(emu.sent_to(uid, "editMessageText"))
    emu.tap(user, relation, relation.buttons[0]["callback_data"])
    await emu.wait_sent(uid, 1, after=edits, method="editMessageText", timeout=60)


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[max(0, int(round(len(s) * q)) - 1)]
