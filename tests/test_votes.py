"""Sticker votes end to end over the emulator (issue 10): taps, integrity, closing, anonymity, the CLI."""
from __future__ import annotations

import asyncio
import functools
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from bot import privacy, store, votes
from bot.config import PROJECT_ROOT
from bot.i18n import tr
from bot.translation import Translator

OPTIONS = [{"id": "play", "sticker": "⚽", "label": "Speelgoed voor de speelplaats"},
           {"id": "books", "sticker": "📚", "label": "Boeken voor de klasbib"},
           {"id": "trip", "sticker": "🚌", "label": "Een uitstap"},
           {"id": "garden", "sticker": "🌻", "label": "Een moestuin"}]
TEACHER = 7300


def make_vote(db, stickers=1, stack=False, anonymous=True, minutes=60, audience="all") -> int:
    spec = votes.VoteSpec("de-regenboog", "Waar besteden we het geld van het schoolfeest aan?", OPTIONS,
                          stickers=stickers, stack=stack, audience=audience, anonymous=anonymous,
                          closes_at=datetime.now(timezone.utc) + timedelta(minutes=minutes))
    return votes.create(db, spec, created_by="test")


from conftest import until as wait_until  # noqa: E402

until = functools.partial(wait_until, timeout=30.0)


async def ballot(h, user_id, after=0):
    """The vote message the bot sent to a parent."""
    return (await until(lambda: [s for s in h.emu.sent_to(user_id, "sendMessage") if s.text.startswith("🗳️")
                                 and s.buttons][after:]))[0]


def answers(h, update):
    qid = update["callback_query"]["id"]
    return [s.params for s in h.emu.sent if s.method == "answerCallbackQuery"
            and str(s.params.get("callback_query_id")) == qid]


async def tap(h, user, message, data_part, edit=True):
    """Tap a button and wait for its answer (and, with `edit`, the edited ballot); returns (answer, ballot)."""
    edits = len(h.emu.sent_to(user["id"], "editMessageText"))
    update = h.emu.tap(user, message, data_part)
    answer = (await until(lambda: answers(h, update)))[0]
    if not edit:
        return answer, None
    edited = await h.emu.wait_sent(user["id"], 1, after=edits, method="editMessageText", timeout=10)
    return answer, edited[-1]


def add_parents(db, n, first_id=500000, lang="nl", class_code="L1A"):
    """Many caregivers straight into SQLite (onboarding each over the emulator would take minutes)."""
    klass = store.find_class(db, "de-regenboog", class_code)
    with db.atomic():
        for i in range(n):
            tid = first_id + i
            store.create_caregiver(db, tid, f"Ouder{i}", lang)
            child = db["children"].insert({"school_id": "de-regenboog", "class_id": klass["id"], "label": "",
                                           "created_at": "2026-12-01"}).last_pk
            db["caregiver_children"].insert({"caregiver_id": tid, "child_id": child, "relation": "mother",
                                             "linked_at": "2026-12-01"})
    return [first_id + i for i in range(n)]


async def test_single_choice_a_parent_changes_their_mind_until_closing(harness):
    h = harness
    parent = h.emu.user(7101, "Amal")
    await h.onboard(parent, "English")
    vote_id = make_vote(h.db)
    message = await ballot(h, 7101)
    assert message.text.startswith("🗳️ Waar besteden") and len(message.buttons) == 5  # 4 stickers + Dutch
    answer, edited = await tap(h, parent, message, "⚽")
    assert edited is not None and "⚽" in edited.text and "●" in edited.button("⚽")["text"]
    assert votes.status(h.db, vote_id)["tally"] == {"play": 1, "books": 0, "trip": 0, "garden": 0}
    answer, edited = await tap(h, parent, edited, "📚")  # a change of mind moves the one sticker
    assert answer["text"] == tr("en", "Je keuze is veranderd ✓")
    status = votes.status(h.db, vote_id)
    assert status["tally"] == {"play": 0, "books": 1, "trip": 0, "garden": 0}
    assert status["participants"] == 1 and status["stickers_placed"] == 1


async def test_dot_voting_spreads_stacks_and_takes_one_back(harness):
    h = harness
    parent = h.emu.user(7102, "Olga")
    await h.onboard(parent, "English")
    vote_id = make_vote(h.db, stickers=3, stack=True)
    message = await ballot(h, 7102)
    _, message = await tap(h, parent, message, "⚽")
    _, message = await tap(h, parent, message, "⚽")
    _, message = await tap(h, parent, message, "🌻")
    assert tr("en", "Stickers over: {n}", n=0) in message.text
    answer, nothing = await tap(h, parent, message, "📚", edit=False)
    assert answer["text"] == tr("en", "Je hebt geen stickers meer. Neem er eerst een terug.") and nothing is None
    assert votes.status(h.db, vote_id)["tally"] == {"play": 2, "books": 0, "trip": 0, "garden": 1}
    _, message = await tap(h, parent, message, "VB:")  # take the last one back
    assert tr("en", "Stickers over: {n}", n=1) in message.text
    _, message = await tap(h, parent, message, "📚")
    assert votes.status(h.db, vote_id)["tally"] == {"play": 2, "books": 1, "trip": 0, "garden": 0}


async def test_without_stacking_one_option_takes_one_sticker(harness):
    h = harness
    parent = h.emu.user(7103, "Jan")
    await h.onboard(parent, "English")
    vote_id = make_vote(h.db, stickers=2, stack=False)
    message = await ballot(h, 7103)
    _, message = await tap(h, parent, message, "⚽")
    answer, _ = await tap(h, parent, message, "⚽", edit=False)
    assert answer["text"] == tr("en", "Hier hangt al een sticker van jou. Kies een ander thema.")
    assert votes.status(h.db, vote_id)["stickers_placed"] == 1


async def test_a_double_tap_counts_once(harness):
    h = harness
    parent = h.emu.user(7104, "Ali")
    await h.onboard(parent, "English")
    vote_id = make_vote(h.db, stickers=3, stack=True)
    message = await ballot(h, 7104)
    first = h.emu.tap(parent, message, "⚽")
    second = h.emu.tap(parent, message, "⚽")  # the same keyboard, tapped twice before the edit arrives
    replay = h.emu.push_raw({"callback_query": dict(first["callback_query"], id="replayed-1")})
    for update in (first, second, replay):
        await until(lambda: answers(h, update))
    assert votes.status(h.db, vote_id)["stickers_placed"] == 1
    assert answers(h, second)[0]["text"] == tr("en", "Al geteld ✓")


async def test_a_late_tap_is_refused_kindly_in_the_parents_language(harness):
    h = harness
    parent = h.emu.user(7105, "Amina")
    await h.onboard(parent, "العربية")
    vote_id = make_vote(h.db)
    message = await ballot(h, 7105)
    votes.close(h.db, vote_id)
    update = h.emu.tap(parent, message, "⚽")
    answer = (await until(lambda: answers(h, update)))[0]
    assert answer["text"] == tr("ar", "Deze stemming is gesloten. Dank je! Het resultaat komt eraan.")
    assert answer["show_alert"] in (True, "true")
    assert votes.status(h.db, vote_id)["stickers_placed"] == 0


async def test_nobody_can_place_a_sticker_on_a_vote_they_did_not_get(harness):
    h = harness
    stranger = h.emu.user(7106, "Stranger")
    await h.onboard(stranger, "English")
    vote_id = make_vote(h.db, audience={"classes": ["K3B"]})  # the stranger's child is in another class
    await until(lambda: votes.get(h.db, vote_id)["status"] == "open")
    forged = h.emu.push_raw({"callback_query": {"id": "forged-1", "from": stranger, "chat_instance": "1",
                                                "data": f"V:{vote_id}:play:0",
                                                "message": {"message_id": 1, "date": 0,
                                                            "chat": {"id": 7106, "type": "private"}}}})
    answer = (await until(lambda: answers(h, forged)))[0]
    assert answer["text"] == tr("en", "Deze knop werkt niet meer. Stuur gerust een bericht.")
    assert votes.status(h.db, vote_id)["stickers_placed"] == 0


async def test_fifty_parents_tapping_at_once_are_all_counted_exactly(harness):
    h = harness
    ids = add_parents(h.db, 50)
    vote_id = make_vote(h.db, stickers=2, stack=True)
    messages = await until(lambda: (m := {uid: [s for s in h.emu.sent_to(uid, "sendMessage") if s.buttons]
                                          for uid in ids}) and all(m.values()) and m, timeout=30)
    users = {uid: h.emu.user(uid, f"Ouder{uid}") for uid in ids}
    updates = [h.emu.tap(users[uid], messages[uid][0], "⚽" if uid % 2 else "📚") for uid in ids]
    updates += [h.emu.tap(users[uid], messages[uid][0], "🌻") for uid in ids[:10]]  # double taps: same rev
    await until(lambda: all(answers(h, u) for u in updates), timeout=30)
    status = votes.status(h.db, vote_id)
    assert status["tally"] == {"play": 25, "books": 25, "trip": 0, "garden": 0}
    assert status["participants"] == 50 and status["stickers_placed"] == 50


def test_the_allowance_is_a_database_constraint_even_for_concurrent_writers(db):
    vote_id = make_vote(db, stickers=2, stack=False)
    (cid,) = add_parents(db, 1, first_id=610000)
    votes.open_vote(db, vote_id)
    path = db.execute("pragma database_list").fetchone()[2]
    results: list[str] = []

    def writer(slot: int, option: str) -> None:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:
            conn.execute("insert into vote_placements (vote_id, caregiver_id, slot, option_id) values (?, ?, ?, ?)",
                         [vote_id, cid, slot, option])
            results.append("ok")
        except sqlite3.DatabaseError as err:
            results.append(str(err))
        finally:
            conn.close()

    threads = [threading.Thread(target=writer, args=(slot, option))
               for slot, option in [(1, "play"), (1, "books"), (2, "trip"), (3, "garden"), (2, "garden")]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 2, results
    assert db.execute("select count(*) from vote_placements where vote_id = ?", [vote_id]).fetchone()[0] == 2
    with pytest.raises(sqlite3.DatabaseError, match="one sticker per option"):
        db.execute("delete from vote_placements where vote_id = ? and slot = 2", [vote_id])
        first = db.execute("select option_id from vote_placements where vote_id = ?", [vote_id]).fetchone()[0]
        db.execute("insert into vote_placements (vote_id, caregiver_id, slot, option_id) values (?, ?, 2, ?)",
                   [vote_id, cid, first])
    votes.close(db, vote_id)
    with pytest.raises(sqlite3.DatabaseError, match="not open"):
        db.execute("insert into vote_placements (vote_id, caregiver_id, slot, option_id) values (?, ?, 1, 'play')",
                   [vote_id, cid])


class Prefixing:
    """A translation backend that marks what it translated, and counts the calls."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def translate(self, text: str, source: str, target: str, timeout: float) -> str:
        self.calls.append((text, target))
        return f"[{target}] {text}"


async def test_closing_sends_the_chart_to_staff_and_each_parent_the_result_in_their_language(harness, monkeypatch):
    h = harness
    backend = Prefixing()
    monkeypatch.setattr(h.services.assistant, "translator", Translator(backend, h.db), raising=False)
    store.add_staff(h.db, TEACHER, "de-regenboog", "staff", "Juf An")
    parents = {"en": h.emu.user(7201, "Amy"), "ar": h.emu.user(7202, "Amal"), "tr": h.emu.user(7203, "Ayse")}
    for lang, name in (("en", "English"), ("ar", "العربية"), ("tr", "Türkçe")):
        await h.onboard(parents[lang], name)
    quiet = h.emu.user(7204, "Quiet")
    await h.onboard(quiet, "English")
    vote_id = make_vote(h.db, stickers=2, stack=True)
    for lang, choice in (("en", "⚽"), ("ar", "📚"), ("tr", "⚽")):
        message = await ballot(h, parents[lang]["id"])
        assert f"[{lang}] Boeken voor de klasbib" in message.button("📚")["text"], "labels in the parent's language"
        _, message = await tap(h, parents[lang], message, choice)
        if lang == "ar":
            _, dutch = await tap(h, parents[lang], message, "VN:")
            assert "🇳🇱 Waar besteden" in dutch.text and "Boeken voor de klasbib" in dutch.text
    labels_translated = [t for t, target in backend.calls if t == "Boeken voor de klasbib"]
    assert sorted(set(labels_translated)) == ["Boeken voor de klasbib"] and len(labels_translated) == 3, \
        "each label is translated once per vote and language"
    h.db.execute("update votes set closes_at = ? where id = ?",
                 [(datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat(timespec="seconds"), vote_id])
    chart = (await h.emu.wait_sent(TEACHER, 1, method="sendPhoto", timeout=40))[0]
    assert "2 ⚽" not in chart.text and "1. ⚽ Speelgoed voor de speelplaats – 2" in chart.text
    assert "3 deelnemers" in chart.text
    for lang, user in parents.items():
        result = await until(lambda: [s for s in h.emu.sent_to(user["id"], "sendMessage")
                                      if tr(lang, "Dank je om mee te stemmen! Jij koos: {choices}",
                                            choices="").split("{")[0][:12] in s.text])
        assert tr(lang, "De school laat je weten wat ze ermee doet.") in result[-1].text
        assert f"[{lang}] Speelgoed voor de speelplaats – 2" in result[-1].text
    assert not [s for s in h.emu.sent_to(7204, "sendMessage") if "1." in s.text], "no result for a non-voter"
    locked = await h.emu.wait_sent(7201, 1, method="editMessageText", after=0)
    assert any(tr("en", "🔒 De stemming is gesloten.") in s.text and not s.buttons for s in locked) or \
        await until(lambda: any(tr("en", "🔒 De stemming is gesloten.") in s.text
                                for s in h.emu.sent_to(7201, "editMessageText")))
    # "you said, we do"
    teacher = h.emu.user(TEACHER, "An")
    await h.say(teacher, f"/voteresult {vote_id} We kopen in januari nieuw speelgoed voor de speelplaats.")
    for lang, user in parents.items():
        got = await until(lambda: [s for s in h.emu.sent_to(user["id"], "sendMessage") if s.text.startswith("📣")])
        assert f"[{lang}] We kopen in januari" in got[-1].text and "🇳🇱 We kopen in januari" in got[-1].text
    assert not [s for s in h.emu.sent_to(7204, "sendMessage") if s.text.startswith("📣")]


async def test_an_anonymous_vote_keeps_no_link_between_a_parent_and_their_choice_once_closed(harness):
    h = harness
    parent = h.emu.user(7301, "Anna")
    await h.onboard(parent, "English")
    vote_id = make_vote(h.db, stickers=2, stack=True)
    message = await ballot(h, 7301)
    _, message = await tap(h, parent, message, "🌻")
    _, message = await tap(h, parent, message, "🚌")
    votes.close(h.db, vote_id)
    h.services.wake()
    await until(lambda: [s for s in h.emu.sent_to(7301, "sendMessage") if "🌻 Een moestuin" in s.text])
    await until(lambda: h.db.execute("select count(*) from send_queue where status = 'pending'").fetchone()[0] == 0)
    assert h.db.execute("select count(*) from vote_placements where vote_id = ?", [vote_id]).fetchone()[0] == 0
    rows = h.db.execute("select kind, payload from send_queue where caregiver_id = 7301 and kind != 'vote'"
                        ).fetchall()  # the ballot as first sent shows every option and nothing chosen
    assert rows and not any("moestuin" in r[1] or "🌻" in r[1] or "●" in r[1] for r in rows), rows
    assert not any("V:" in (r[0] or "") for r in h.db.execute("select payload from inbox"))
    assert votes.status(h.db, vote_id)["tally"] == {"play": 0, "books": 0, "trip": 1, "garden": 1}
    assert [p["caregiver_id"] for p in votes.participants(h.db, vote_id)] == [7301]


async def test_forget_erases_a_parents_ballot_and_stickers(harness):
    h = harness
    parent = h.emu.user(7302, "Eva")
    await h.onboard(parent, "English")
    vote_id = make_vote(h.db)
    message = await ballot(h, 7302)
    await tap(h, parent, message, "⚽")
    privacy.erase_caregiver(h.db, 7302)
    for table in ("vote_ballots", "vote_placements"):
        assert h.db.execute(f"select count(*) from {table} where caregiver_id = 7302").fetchone()[0] == 0


def test_the_chart_is_a_png_made_within_two_seconds(db):
    vote_id = make_vote(db)
    votes.close(db, vote_id)
    vote = votes.get(db, vote_id)
    started = time.monotonic()
    png = votes.chart_png(vote, {"play": 12, "books": 30, "trip": 4, "garden": 9})
    assert time.monotonic() - started < 2.0
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_a_vote_file_with_mistakes_is_refused_with_every_mistake_named(db):
    with pytest.raises(votes.VoteError) as err:
        votes.parse_spec({"school": "de-regenboog", "question": "Wat?", "stickers": 5, "stack": False,
                          "options": [{"id": "a", "sticker": "🍎", "label": "Appel"},
                                      {"id": "a", "sticker": "x", "label": ""}],
                          "audience": {"classes": ["Z9"]}, "closes_at": "morgen"}, db)
    text = str(err.value)
    for expected in ("is used twice", "sticker: one emoji", "label: a short Dutch label",
                     "need at least 5 options", "no class 'Z9'", "closes_at: 'morgen' is not a time"):
        assert expected in text, expected


def test_the_command_line_contract(tmp_path, db):
    path = db.execute("pragma database_list").fetchone()[2]
    vote_file = tmp_path / "vote.yml"
    vote_file.write_text("school: de-regenboog\nquestion: Welk thema kiezen we voor het oudercafé?\n"
                         "options:\n  - {id: food, sticker: \"🍲\", label: Koken uit alle landen}\n"
                         "  - {id: talk, sticker: \"☕\", label: Koffie en babbelen}\n"
                         "stickers: 1\nstack: false\naudience: {classes: [L1A]}\n"
                         f"closes_at: {(datetime.now() + timedelta(days=3)).strftime('%Y-%m-%d %H:%M')}\n",
                         encoding="utf-8")
    env = {**os.environ, "SCHOOLBRUG_DB": path, "PYTHONPATH": str(PROJECT_ROOT)}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot.cli", "vote", *args], env=env, capture_output=True,
                              text=True, timeout=60)

    created = cli("create", str(vote_file), "--json")
    assert created.returncode == 0, created.stderr
    vote_id = json.loads(created.stdout)["id"]
    status = json.loads(cli("status", str(vote_id), "--json").stdout)
    assert {"id", "participants", "stickers_placed", "tally", "closed"} <= set(status)
    assert status["tally"] == {"food": 0, "talk": 0} and status["closed"] is False
    assert cli("close", str(vote_id)).returncode == 0
    assert json.loads(cli("status", str(vote_id), "--json").stdout)["closed"] is True
    assert "| 1 |" in cli("export", str(vote_id)).stdout
    vote_file.write_text("school: de-regenboog\nquestion: Wat?\noptions: []\ncloses_at: 2020-01-01 10:00\n")
    refused = cli("create", str(vote_file), "--json")
    assert refused.returncode == 1 and "options:" in refused.stderr and "closes_at" in refused.stderr


class ToDutch:
    """A translation backend that marks Dutch translations."""

    name = "fake-nl"

    def translate(self, text: str, source: str, target: str, timeout: float) -> str:
        return f"({source}→{target}) {text}"


async def test_a_round_of_conversation_cards_ends_in_a_top_10_sent_back_to_the_parents(harness, monkeypatch):
    from bot import cards

    h = harness
    monkeypatch.setattr(h.services.assistant, "translator", Translator(ToDutch(), h.db), raising=False)
    parents = {"en": h.emu.user(7401, "Amy"), "ar": h.emu.user(7402, "Amal"), "tr": h.emu.user(7403, "Ayse")}
    for lang, name in (("en", "English"), ("ar", "العربية"), ("tr", "Türkçe")):
        await h.onboard(parents[lang], name)
    answers_by_card = {
        1: {"en": "The school lunch is too expensive for us", "ar": "أحتاج مترجما في اجتماع الأولياء",
            "tr": "Okul yemeği çok pahalı"},
        2: {"en": "An interpreter at every parent meeting", "ar": "وجبات مدرسية أرخص",
            "tr": "Veli toplantısında tercüman olsun"},
        3: {"en": "A cheaper school lunch", "ar": "مترجم في المدرسة", "tr": "Tercüman ve ucuz yemek"}}
    round_id = cards.start_round(h.db, "de-regenboog", "all", every_hours=48)
    for card in (1, 2, 3):
        if card > 1:  # days go by: the next card is due
            h.db.execute("update card_rounds set starts_at = ? where id = ?",
                         [(datetime.now(timezone.utc) - timedelta(hours=48 * (card - 1) + 1)).isoformat(
                             timespec="seconds"), round_id])
        for lang, user in parents.items():
            heading = tr(lang, "🗣️ Gesprekskaart {n} van 3", n=card)
            await until(lambda: [s for s in h.emu.sent_to(user["id"], "sendMessage") if s.text.startswith(heading)])
            got = await h.say(user, answers_by_card[card][lang])
            assert got[-1].text == cards.thanks(lang), "the answer is kept, not answered by the assistant"
    # with no card open, the assistant answers as usual
    reply = (await h.say(parents["en"], "When does school end on Wednesday?"))[-1]
    assert reply.text != cards.thanks("en")
    assert h.db.execute("select count(*) from card_answers where round_id = ?", [round_id]).fetchone()[0] == 9
    groups = cards.themes(h.db, round_id)
    assert len(groups) >= 2
    md = cards.themes_markdown(h.db, round_id)
    assert "(ar→nl) أحتاج مترجما في اجتماع الأولياء" in md and "*ar:* أحتاج مترجما" in md, "Dutch with the original"
    assert "Okul yemeği" in cards.themes_csv(h.db, round_id)
    spec = votes.parse_spec(cards.vote_from_themes(h.db, round_id, datetime.now(timezone.utc) + timedelta(days=2),
                                                   stickers=2), h.db)
    vote_id = votes.create(h.db, spec)
    cards.link_vote(h.db, round_id, vote_id)
    for lang, user in parents.items():
        message = await ballot(h, user["id"])
        await tap(h, user, message, f"V:{vote_id}:{spec.options[0]['id']}:")
    votes.close(h.db, vote_id)
    top = cards.top10(h.db, round_id)
    assert top[0]["id"] == spec.options[0]["id"] and top[0]["stickers"] == 3 and len(top) <= 10
    assert f"| 1 | {spec.options[0]['sticker']}" in cards.top10_markdown(h.db, round_id)
    assert cards.top10_csv(h.db, round_id).splitlines()[0] == "rank,id,sticker,label,stickers"
    assert cards.send_top10(h.db, round_id) == 3
    h.services.wake()
    for lang, user in parents.items():
        heading = tr(lang, "🏆 Jullie 10 punten voor de school:")
        await until(lambda: [s for s in h.emu.sent_to(user["id"], "sendMessage") if s.text.startswith(heading)])
    privacy.erase_caregiver(h.db, 7401)
    assert h.db.execute("select count(*) from card_answers where caregiver_id = 7401").fetchone()[0] == 0


async def test_staff_follow_and_close_a_vote_in_telegram_and_parents_cannot(harness):
    h = harness
    store.add_staff(h.db, TEACHER, "de-regenboog", "staff", "Juf An")
    parent = h.emu.user(7501, "Amy")
    await h.onboard(parent, "English")
    vote_id = make_vote(h.db)
    message = await ballot(h, 7501)
    await tap(h, parent, message, "🌻")
    teacher = h.emu.user(TEACHER, "An")
    status = (await h.say(teacher, f"/votestatus {vote_id}"))[-1].text
    assert "1 van 1 ouders" in status and "1. 🌻 Een moestuin – 1" in status
    refused = (await h.say(parent, f"/voteclose {vote_id}"))[-1].text
    assert refused == tr("en", "Sorry, dit commando is alleen voor medewerkers van de school. "
                               "Heb je een vraag? Schrijf ze gewoon, of praat met een persoon.")
    assert votes.get(h.db, vote_id)["status"] == "open"
    closed = (await h.say(teacher, f"/voteclose {vote_id}"))[-1].text
    assert "gesloten: 1 deelnemers" in closed
    await h.emu.wait_sent(TEACHER, 1, method="sendPhoto")
    await until(lambda: [s for s in h.emu.sent_to(7501, "sendMessage") if "🌻 Een moestuin" in s.text
                         and "1." in s.text])


async def test_staff_create_a_vote_in_one_telegram_message_and_parents_get_it(harness):
    h = harness
    store.add_staff(h.db, TEACHER, "de-regenboog", "staff", "Juf An")
    parent = h.emu.user(7601, "Amy")
    await h.onboard(parent, "English")
    teacher = h.emu.user(TEACHER, "An")
    help_text = (await h.say(teacher, "/newvote"))[-1].text
    assert "één keuze per regel" in help_text
    refused = (await h.say(teacher, "/newvote Wat kiezen we?\n⚽ Sport\nstickers 4\nsluit morgen"))[-1].text
    assert "options:" in refused and "closes_at" in refused and votes.list_votes(h.db) == []
    closes = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    created = (await h.say(teacher, f"/newvote Welk thema voor het oudercafé?\n🍲 Koken uit alle landen\n"
                                    f"☕ Koffie en babbelen\nstickers 1\nsluit {closes}"))[-1].text
    assert created.startswith("🗳️ Stemming #")
    message = await ballot(h, 7601)
    assert "Welk thema voor het oudercafé?" in message.text and message.button("☕")


def test_retention_purges_who_got_a_long_closed_vote_but_keeps_its_tally(db):
    ids = add_parents(db, 3, first_id=620000)
    vote_id = make_vote(db, anonymous=False)
    votes.open_vote(db, vote_id)
    votes.place(db, vote_id, ids[0], "books", 0)
    votes.close(db, vote_id)
    assert db.execute("select count(*) from vote_placements where vote_id = ?", [vote_id]).fetchone()[0] == 1, \
        "a vote that is not anonymous keeps its stickers until the retention ends"
    later = datetime.now(timezone.utc) + timedelta(days=181)
    counts = privacy.purge_expired(db, 180, now=later)
    assert counts["votes"] == 4  # three ballots and one sticker
    assert db.execute("select count(*) from vote_ballots where vote_id = ?", [vote_id]).fetchone()[0] == 0
    assert votes.status(db, vote_id)["tally"]["books"] == 1
