"""Schema migrations and school profiles."""
from __future__ import annotations

import subprocess
import sys

import pytest

from bot import store
from bot.config import PROJECT_ROOT
from bot.db import migrations, open_db
from bot.profile import ProfileError, load_profile, parse_profile

EXAMPLE = PROJECT_ROOT / "schools" / "de-regenboog.yml"
EXPECTED_TABLES = {"schools", "classes", "caregivers", "children", "caregiver_children", "staff", "invites",
                   "consent_refusals", "conversation_log", "audit_log"}


def test_migrations_create_the_schema_from_an_empty_file_and_rerun_harmlessly(tmp_path):
    path = tmp_path / "fresh.db"
    db = open_db(path)
    assert EXPECTED_TABLES <= set(db.table_names())
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    applied = [m.name for m in migrations.applied(db)]
    assert applied == [m.name for m in migrations._migrations]
    store.upsert_school(db, load_profile(EXAMPLE), str(EXAMPLE))
    db.conn.close()
    again = open_db(path)
    assert [m.name for m in migrations.applied(again)] == applied
    assert again["schools"].count == 1 and again["classes"].count == 4


def test_the_example_profile_is_valid():
    profile = load_profile(EXAMPLE)
    assert profile.id == "de-regenboog" and profile.school_year == "2026-2027"
    assert {c.id for c in profile.classes} == {"K1A", "K3B", "L1A", "L5A"}


def _broken(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


@pytest.mark.parametrize("old,new,expected", [
    ('gate_opens: "08:15"', 'gate_opens: "8u15"', 'line 15, hours.gate_opens: "8u15" is not a time like 08:15'),
    ('monday: ["08:30-12:05"', 'monday: ["08:30-12"', 'hours.monday[0]: "08:30-12" is not a time range'),
    ("email: secretariaat@deregenboog.example", "email: secretariaat-at-school", "contacts.secretariat.email"),
    ("{kind: autumn,", "{kind: herfst,", 'holidays[0].kind: "herfst" is not one of'),
    ("school_year: 2026-2027", "school_year: 2026", "school_year"),
    ("name: Basisschool De Regenboog", "naam: Basisschool De Regenboog", "naam: this field is not known"),
])
def test_a_bad_profile_is_refused_with_file_line_and_field(old, new, expected):
    text = _broken(EXAMPLE.read_text(encoding="utf-8"), old, new)
    with pytest.raises(ProfileError) as err:
        parse_profile(text, "schools/x.yml")
    message = str(err.value)
    assert message.startswith("schools/x.yml, line ")
    assert expected in message, message


def test_unreadable_yaml_names_the_line():
    with pytest.raises(ProfileError) as err:
        parse_profile("id: x\nname: [unclosed\naddress: y\n", "bad.yml")
    assert "bad.yml, line" in str(err.value) and "cannot be read" in str(err.value)


def test_cli_refuses_a_bad_profile_and_leaves_the_database_untouched(tmp_path):
    db_path = tmp_path / "cli.db"
    env = {"SCHOOLBRUG_DB": str(db_path), "PATH": "/usr/bin:/bin"}
    good = subprocess.run([sys.executable, "-m", "bot", "school", "load", str(EXAMPLE)], env=env,
                          capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert good.returncode == 0, good.stderr
    bad = tmp_path / "bad.yml"
    bad.write_text(_broken(EXAMPLE.read_text(encoding="utf-8"), "Basisschool De Regenboog", "Veranderd")
                   .replace('gate_opens: "08:15"', 'gate_opens: "25:00"'), encoding="utf-8")
    refused = subprocess.run([sys.executable, "-m", "bot", "school", "load", str(bad)], env=env,
                             capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert refused.returncode == 1
    assert "nothing was changed" in refused.stderr and "hours.gate_opens" in refused.stderr
    db = open_db(db_path)
    assert db["schools"].get("de-regenboog")["name"] == "Basisschool De Regenboog"


def test_cli_parent_invite_writes_a_qr_png(tmp_path):
    env = {"SCHOOLBRUG_DB": str(tmp_path / "cli.db"), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "bot", "school", "load", str(EXAMPLE)], env=env, check=True,
                   capture_output=True, cwd=PROJECT_ROOT)
    qr = tmp_path / "k1a.png"
    out = subprocess.run([sys.executable, "-m", "bot", "invite", "parent", "--school", "de-regenboog", "--class",
                          "k1a", "--qr", str(qr), "--bot", "MySchoolBot"], env=env, capture_output=True, text=True,
                         cwd=PROJECT_ROOT)
    assert out.returncode == 0, out.stderr
    assert "https://t.me/MySchoolBot?start=" in out.stdout
    assert qr.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    token = out.stdout.split("start=")[1].split()[0]
    db = open_db(tmp_path / "cli.db")
    assert store.valid_invite(db, token)["class_id"] == "de-regenboog:K1A"
