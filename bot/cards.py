"""Conversation cards (seed 002), as a domain service that knows nothing of Telegram.

A parent council's evening with cards ("How is it now? / Dream? / Possibility?")
that ends in "10 things we take to the school", for parents who cannot come or do
not speak Dutch: a round sends the three cards over some days; a parent answers in
their own language, in text (the next free text after a card is the answer, not a
question for the assistant); answers are translated to Dutch and grouped by theme
(the topic the dialogue model recognises) with the original beside each; the council
turns the themes into a dot vote (bot/votes.py); the ranked top 10 is exported and
sent back to every parent who got the cards.

State: `card_prompts` (round, caregiver, card, sent_at, answered_at) says which card
a parent has open; `card_answers` keeps the answer, its Dutch and its theme. Both have
a `caregiver_id`, so /forget reaches them; retention purges them with the votes'.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlite_utils import Database

from bot import send_queue, store, votes
from bot.db import utcnow
from bot.i18n import N_, tr
from bot.languages import SOURCE_LANGUAGE
from bot.send_queue import BROADCAST, Outgoing
from bot.topics import TITLES

CARDS = (N_("Hoe is het nu? Hoe voel jij je als ouder ontvangen op onze school? Wat gaat goed, wat is moeilijk?"),
         N_("Droom? Hoe ziet een warm onthaal voor jou en je kind er in je dromen uit?"),
         N_("Mogelijkheid? Wat is mogelijk op school? Wat kunnen we samen doen, klein of groot?"))
ANSWER_WINDOW = timedelta(days=7)  # a card stays open for an answer this long
THEME_STICKERS = {"communication": "💬", "meals": "🍲", "costs_payment": "💶", "parent_participation": "🤝",
                  "contact_school": "📞", "interpreter": "🗣️", "school_hours": "🕗", "bullying": "🛡️",
                  "wellbeing_concern": "💛", "upcoming_events": "📅", "school_trips": "🚌", "homework": "📚",
                  "special_needs": "🧩", "newcomers": "🌍", "greeting": "👋", "thanks": "🙏"}
NUMBERED = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")


def start_round(db: Database, school_id: str, audience: Any = "all", starts_at: datetime | None = None,
                every_hours: float = 48.0, created_by: str = "cli") -> int:
    """Plan the three cards: card n goes out at starts_at + (n-1) x every_hours."""
    if store.get_school(db, school_id) is None:
        raise votes.VoteError(f"no school {school_id!r}")
    if audience != "all":
        for code in audience.get("classes", []):
            if store.find_class(db, school_id, code) is None:
                raise votes.VoteError(f"no class {code!r} at {school_id}")
    with db.atomic():
        round_id = db["card_rounds"].insert({
            "school_id": school_id, "audience_json": json.dumps(audience),
            "starts_at": (starts_at or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(
                timespec="seconds"), "every_hours": every_hours, "status": "running", "created_by": created_by,
            "created_at": utcnow()}).last_pk
        store.audit(db, created_by, "staff", "cards_start", school_id, f"round {round_id}", {})
    return round_id


def get_round(db: Database, round_id: int) -> dict[str, Any] | None:
    rows = list(db["card_rounds"].rows_where("id = ?", [round_id]))
    if not rows:
        return None
    r = rows[0]
    r["audience"] = json.loads(r["audience_json"])
    return r


def card_text(lang: str, card: int) -> str:
    return "\n\n".join([tr(lang, "🗣️ Gesprekskaart {n} van 3", n=card), tr(lang, CARDS[card - 1]),
                        tr(lang, "Schrijf je antwoord hier, in je eigen taal. Kort mag ook.")])


def send_due(db: Database, now: datetime | None = None) -> int:
    """Send every card whose time has come to everyone in its round's audience at that moment (once each;
    `cards_sent` remembers how far a round is, so the loop's look every few seconds costs one query)."""
    now = now or datetime.now(timezone.utc)
    sent = 0
    for r in list(db.query("select id from card_rounds where status = 'running' and cards_sent < 3 and "
                           "starts_at <= ?", [now.isoformat(timespec="seconds")])):
        rnd = get_round(db, r["id"])
        start = datetime.fromisoformat(rnd["starts_at"])
        for card in range(rnd["cards_sent"] + 1, 4):
            if start + timedelta(hours=rnd["every_hours"] * (card - 1)) > now:
                break
            people = votes.audience(db, {"school_id": rnd["school_id"], "audience": rnd["audience"]})
            with db.atomic():
                db.execute("update card_rounds set cards_sent = ? where id = ?", [card, rnd["id"]])
                messages = []
                for person in people:
                    cid, lang = person["telegram_id"], person["language"] or SOURCE_LANGUAGE
                    inserted = db.execute("insert or ignore into card_prompts (round_id, caregiver_id, card, "
                                          "language, sent_at) values (?, ?, ?, ?, ?)",
                                          [rnd["id"], cid, card, lang, utcnow()]).rowcount
                    if inserted:
                        messages.append(Outgoing(cid, card_text(lang, card), lane=BROADCAST, kind="card",
                                                 caregiver_id=cid, dedupe_key=f"card:{rnd['id']}:{card}:{cid}"))
                send_queue.enqueue(db, *messages)
                sent += len(messages)
    return sent


def awaiting(db: Database, caregiver_id: int, now: datetime | None = None) -> dict[str, Any] | None:
    """The card a parent has open (the latest one not answered yet, sent less than a week ago)."""
    since = ((now or datetime.now(timezone.utc)) - ANSWER_WINDOW).isoformat(timespec="seconds")
    rows = list(db.query("select p.round_id, p.card, p.language from card_prompts p join card_rounds r "
                         "on r.id = p.round_id where p.caregiver_id = ? and p.answered_at is null and "
                         "p.sent_at >= ? and r.status = 'running' order by p.sent_at desc, p.card desc limit 1",
                         [caregiver_id, since]))
    return rows[0] if rows else None


def record_answer(db: Database, round_id: int, caregiver_id: int, card: int, language: str, text: str,
                  dutch: str | None, theme: str) -> bool:
    """Keep a parent's answer to a card (one per card); False when it was answered already."""
    with db.atomic():
        closed = db.execute("update card_prompts set answered_at = ? where round_id = ? and caregiver_id = ? "
                            "and card = ? and answered_at is null", [utcnow(), round_id, caregiver_id, card]).rowcount
        if not closed:
            return False
        db["card_answers"].insert({"round_id": round_id, "caregiver_id": caregiver_id, "card": card,
                                   "language": language, "text": text[:2000], "dutch": dutch, "theme": theme,
                                   "created_at": utcnow()})
    return True


def thanks(lang: str) -> str:
    return tr(lang, "Dank je! Je antwoord gaat naar de ouderraad, samen met dat van andere ouders.")


# ------------------------------------------------------------ for the council
def themes(db: Database, round_id: int) -> list[dict[str, Any]]:
    """Answers grouped by theme, most answers first; each with its Dutch and the original beside it."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for a in db.query("select card, language, text, dutch, theme from card_answers where round_id = ? "
                      "order by card, id", [round_id]):
        groups.setdefault(a["theme"] or "out_of_scope", []).append(a)
    out = [{"theme": t, "title": TITLES.get(t, t), "sticker": THEME_STICKERS.get(t), "answers": answers,
            "cards": sorted({a["card"] for a in answers})} for t, answers in groups.items()]
    return sorted(out, key=lambda g: (-len(g["answers"]), g["title"]))


def themes_markdown(db: Database, round_id: int) -> str:
    lines = [f"# Gesprekskaarten, ronde {round_id}: thema's", ""]
    for g in themes(db, round_id):
        lines += [f"## {g['sticker'] or '•'} {g['title']} ({len(g['answers'])})", ""]
        for a in g["answers"]:
            dutch = a["dutch"] if a["dutch"] else ("(geen vertaling)" if a["language"] != "nl" else a["text"])
            original = "" if a["language"] == "nl" else f" — *{a['language']}:* {a['text']}"
            lines.append(f"- kaart {a['card']}: {dutch}{original}")
        lines.append("")
    return "\n".join(lines)


def themes_csv(db: Database, round_id: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["theme", "title", "card", "language", "dutch", "original"])
    for g in themes(db, round_id):
        for a in g["answers"]:
            writer.writerow([g["theme"], g["title"], a["card"], a["language"], a["dutch"] or "", a["text"]])
    return out.getvalue()


def vote_from_themes(db: Database, round_id: int, closes_at: datetime, stickers: int = 3,
                     labels: dict[str, str] | None = None) -> dict[str, Any]:
    """A dot-vote file (for bot/votes.py) with the round's themes as options, most answered first (at most
    10); the council may edit the labels before creating it."""
    rnd = get_round(db, round_id)
    groups = themes(db, round_id)[:votes.MAX_OPTIONS]
    options = [{"id": g["theme"][:16], "sticker": g["sticker"] or NUMBERED[n],
                "label": (labels or {}).get(g["theme"], g["title"])[:60]} for n, g in enumerate(groups)]
    return {"school": rnd["school_id"], "question": "Welke punten nemen we mee naar de school?",
            "options": options, "stickers": min(stickers, max(1, len(options))), "stack": False,
            "audience": rnd["audience"], "closes_at": closes_at.astimezone(votes.BRUSSELS).strftime(votes.TIME_FORMAT),
            "anonymous": True}


def link_vote(db: Database, round_id: int, vote_id: int) -> None:
    db.execute("update card_rounds set vote_id = ? where id = ?", [vote_id, round_id])


def top10(db: Database, round_id: int) -> list[dict[str, Any]]:
    rnd = get_round(db, round_id)
    if not rnd or not rnd["vote_id"]:
        raise votes.VoteError(f"round {round_id} has no dot vote yet (schoolbrug cards vote {round_id} ...)")
    vote = votes.get(db, rnd["vote_id"])
    counts = votes.tally(db, vote)["tally"]
    return [{"rank": n, "id": o["id"], "sticker": o["sticker"], "label": o["label"],
             "stickers": counts.get(o["id"], 0)} for n, o in enumerate(votes.ranked(vote, counts)[:10], 1)]


def top10_markdown(db: Database, round_id: int) -> str:
    rows = top10(db, round_id)
    return "\n".join(["# 10 dingen die we meenemen naar de school", "", "| # | punt | stickers |", "|---|---|---|",
                      *[f"| {r['rank']} | {r['sticker']} {r['label']} | {r['stickers']} |" for r in rows]])


def top10_csv(db: Database, round_id: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["rank", "id", "sticker", "label", "stickers"])
    for r in top10(db, round_id):
        writer.writerow([r["rank"], r["id"], r["sticker"], r["label"], r["stickers"]])
    return out.getvalue()


def send_top10(db: Database, round_id: int) -> int:
    """The ranked top 10 back to every parent who got the cards, in their language (one transaction)."""
    rows = top10(db, round_id)
    rnd = get_round(db, round_id)
    vote = votes.get(db, rnd["vote_id"])
    by_id = {o["id"]: o for o in vote["options"]}
    with db.atomic():
        people = list(db.query("select distinct caregiver_id, language from card_prompts where round_id = ?",
                               [round_id]))
        messages = []
        for p in people:
            lang = p["language"] or SOURCE_LANGUAGE
            lines = [tr(lang, "🏆 Jullie 10 punten voor de school:"), ""]
            lines += [f"{r['rank']}. {r['sticker']} {votes.label(vote, by_id[r['id']], lang)}" for r in rows]
            lines += ["", tr(lang, "Dank je aan iedereen die meedacht! De ouderraad neemt deze punten mee naar "
                                   "de school.")]
            messages.append(Outgoing(p["caregiver_id"], "\n".join(lines), lane=BROADCAST, kind="card_top10",
                                     caregiver_id=p["caregiver_id"], dedupe_key=f"card:{round_id}:top10:"
                                                                                f"{p['caregiver_id']}"))
        send_queue.enqueue(db, *messages)
        db.execute("update card_rounds set status = 'done' where id = ?", [round_id])
    return len(messages)


def purge(db: Database, cutoff_iso: str) -> int:
    """Answers and prompts older than the retention."""
    n = db.execute("delete from card_answers where created_at < ?", [cutoff_iso]).rowcount
    return n + db.execute("delete from card_prompts where sent_at < ?", [cutoff_iso]).rowcount
