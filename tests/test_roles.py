"""Roles are checked on every command."""
from __future__ import annotations

from bot import store
from bot.i18n import tr


async def test_staff_command_from_a_parent_is_refused(harness):
    parent = harness.emu.user(6001, "Fatima")
    await harness.onboard(parent, "Français")
    invites_before = harness.db["invites"].count
    for command in ("/invite L1A", "/people", "/staffinvite admin Piet"):
        reply = (await harness.say(parent, command))[-1]
        assert reply.text.startswith(tr("fr", "Sorry, dit commando is alleen voor medewerkers van de school. "
                                              "Heb je een vraag? Schrijf ze gewoon, of praat met een persoon.")[:20])
    assert harness.db["invites"].count == invites_before
    assert sum(r["action"] == "refused" for r in harness.db["audit_log"].rows) == 3


async def test_staff_invite_gives_the_staff_role(harness):
    token = store.create_invite(harness.db, "staff", "de-regenboog", role="staff", name="Juf Leen", max_uses=1)
    teacher = harness.emu.user(6002, "Leen")
    welcome = (await harness.say(teacher, f"/start {token}"))[-1]
    assert "medewerker" in welcome.text
    assert [(r["school_id"], r["role"]) for r in store.staff_roles(harness.db, 6002)] == [("de-regenboog", "staff")]
    before = len(harness.emu.sent_to(6002, "sendPhoto"))
    harness.emu.send_text(teacher, "/invite L5A")
    photo = (await harness.emu.wait_sent(6002, 1, after=before, method="sendPhoto"))[-1]
    assert "https://t.me/SchoolbrugTestBot?start=" in photo.text
    # staff are not admins
    refused = (await harness.say(teacher, "/people"))[-1]
    assert "alleen voor medewerkers" in refused.text
    # the invite was for one person
    other = harness.emu.user(6003)
    reply = await harness.say(other, f"/start {token}", expect=2)
    assert store.staff_roles(harness.db, 6003) == []
    assert "werkt niet meer" in reply[0].text


async def test_admin_lists_people_of_their_own_school_only(harness, tmp_path):
    store.add_staff(harness.db, 6010, "de-regenboog", "admin", "Els")
    parent = harness.emu.user(6011, "Nadia")
    await harness.onboard(parent, "English")
    harness.db["schools"].insert({"id": "other", "name": "Andere school", "profile_json": "{}", "profile_path": "",
                                  "retention_days": 30, "updated_at": ""})
    harness.db["staff"].insert({"telegram_id": 6012, "school_id": "other", "role": "brugfiguur", "name": "Geheim",
                                "languages": "[]", "working_hours": "", "active": 1, "created_at": ""})
    admin = harness.emu.user(6010, "Els")
    listing = (await harness.say(admin, "/people"))[-1].text
    assert "Nadia" in listing and "Els" in listing
    assert "Geheim" not in listing
