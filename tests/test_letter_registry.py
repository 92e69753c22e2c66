"""A school registers its own letter; a parent's phone photo of it gets the school's exact facts."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.letters import reading

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
import make_letters  # noqa: E402

pytestmark = pytest.mark.skipif(not reading.available(), reason="tesseract with Dutch data is not installed")


def _cli(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SCHOOLBRUG_DB": str(tmp / "school.db")}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_photo_of_a_registered_letter_gets_the_schools_own_facts(tmp_path):
    schools, letters = make_letters.load_letters("dev")
    by_id = {letter["id"]: letter for letter in letters}
    clean = tmp_path / "zeeklassen.png"
    make_letters.render_letter(by_id["d10"], schools).save(clean)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(make_letters.photograph(make_letters.render_letter(by_id["d10"], schools),
                                              make_letters.photo_seed("d10", 2)))
    other = tmp_path / "other.jpg"
    other.write_bytes(make_letters.photograph(make_letters.render_letter(by_id["d01"], schools),
                                              make_letters.photo_seed("d01", 1)))
    assert _cli(tmp_path, "school", "load", str(PROJECT_ROOT / "schools" / "de-regenboog.yml")).returncode == 0
    added = _cli(tmp_path, "letter", "add", str(clean), "--school", "de-regenboog", "--deadline", "2026-04-30",
                 "--title", "Zeeklassen", "--today", "2026-04-14")
    assert added.returncode == 0, added.stderr
    listed = _cli(tmp_path, "letter", "list", "--school", "de-regenboog").stdout
    assert "Zeeklassen" in listed
    explained = _cli(tmp_path, "letter", "explain", str(photo), "--school", "de-regenboog", "--lang", "pl",
                     "--today", "2026-04-14", "--json")
    result = json.loads(explained.stdout)
    assert result["deadline"] == "2026-04-30", "the school's own deadline, not OCR's"
    assert "🏫" in result["reply"]
    unrelated = json.loads(_cli(tmp_path, "letter", "explain", str(other), "--school", "de-regenboog", "--json",
                                "--today", "2026-04-14").stdout)
    assert "🏫" not in unrelated["reply"] and unrelated["deadline"] != "2026-04-30"
