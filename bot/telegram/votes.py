"""Sticker votes in Telegram: thin handlers in front of bot/votes.py, and the loop that opens and closes
votes on time (the CLI and the bot share the SQLite file; the CLI only stores a vote, the bot sends it).

Button data: `V:<vote>:<option>:<rev>` places a sticker, `VB:<vote>:<rev>` takes the last one back,
`VN:<vote>:<rev>` shows the Dutch question and labels. `rev` is the state the keyboard was drawn on,
so a double tap changes nothing. The tapping person is always `effective_user`: nobody can touch
another caregiver's stickers, whatever the data says.
"""
from __future__ import annotations

import asyncio
import logging
import re

from telegram import Update
from telegram.ext import ContextTypes

from bot import cards, votes
from bot.languages import SOURCE_LANGUAGE
from bot.telegram.buttons import Answer, button, number
from bot.telegram.services import Services, reply, services_of

logger = logging.getLogger(__name__)
LOOP_EVERY = 2.0  # seconds between looks at votes due to open or close


def option(value: str) -> str:
    if not votes.OPTION_ID.match(value):
        raise ValueError(value)
    return value


def _where(update: Update) -> tuple[int, str]:
    """The tapped ballot's message id, and a dedupe key: a replayed update cannot queue its edit twice."""
    query = update.callback_query
    return query.message.message_id, f"vote:{query.data.split(':')[1]}:tap:{update.update_id}"


def _answer(tap: votes.Tap, update: Update, context: ContextTypes.DEFAULT_TYPE) -> Answer:
    if tap.outcome == "not_yours":
        from bot.telegram.buttons import stale_text

        return Answer(stale_text(update, context))
    return Answer(votes.toast(tap), alert=tap.outcome in ("none_left", "closed"))


@button(number, option, number)
async def on_place(update: Update, context: ContextTypes.DEFAULT_TYPE, vote_id: int, option_id: str,
                   rev: int) -> Answer:
    """A parent taps a sticker."""
    services = services_of(context)
    message_id, key = _where(update)
    tap = votes.place(services.db, vote_id, update.effective_user.id, option_id, rev, message_id=message_id,
                      dedupe_key=key, tz=services.settings.tz)
    if tap.changed:
        services.wake()
    return _answer(tap, update, context)


@button(number, number)
async def on_take_back(update: Update, context: ContextTypes.DEFAULT_TYPE, vote_id: int, rev: int) -> Answer:
    """A parent takes their last sticker back."""
    services = services_of(context)
    message_id, key = _where(update)
    tap = votes.take_back(services.db, vote_id, update.effective_user.id, rev, message_id=message_id,
                          dedupe_key=key, tz=services.settings.tz)
    if tap.changed:
        services.wake()
    return _answer(tap, update, context)


@button(number, number)
async def on_dutch(update: Update, context: ContextTypes.DEFAULT_TYPE, vote_id: int, rev: int) -> Answer:
    """Show the school's Dutch question and labels under the translation."""
    services = services_of(context)
    tap = votes.view(services.db, vote_id, update.effective_user.id)
    if tap.outcome == "view":
        message_id, key = _where(update)
        services.post(votes.ballot_edit(tap, update.effective_user.id, message_id, key, dutch=True,
                                        tz=services.settings.tz))
        return Answer()
    return _answer(tap, update, context)


# ------------------------------------------------------------------ staff
def _vote_of_staff(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The vote id in the command's first argument, if it belongs to one of the caller's schools."""
    services = services_of(context)
    who = context.user_data["roles"]
    if not context.args or not context.args[0].isdigit():
        return None
    vote_id = int(context.args[0])
    if votes.school_of(services.db, vote_id) not in who.schools_with("staff", "brugfiguur", "admin"):
        return None
    return vote_id


async def votes_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/votes – the votes of your school."""
    services = services_of(context)
    who = context.user_data["roles"]
    lines = []
    for school_id in who.schools_with("staff", "brugfiguur", "admin"):
        for v in votes.list_votes(services.db, school_id):
            lines.append(f"#{v['id']} [{v['status']}] {v['question'][:60]} – sluit {votes.local_time(v['closes_at'])}")
    reply(update, context, "\n".join(lines) or "Nog geen stemmingen. Maak er een met: schoolbrug vote create "
                                                "stemming.yml")


NEWVOTE_HELP = ("Een stemming maken, in één bericht:\n"
                "/newvote Waar besteden we het geld van het schoolfeest aan?\n"
                "⚽ Speelgoed voor de speelplaats\n📚 Boeken voor de klasbib\n🚌 Een uitstap\n"
                "stickers 3\nstapelen\nklassen L1A L5A\nsluit 2027-03-12 18:00\n\n"
                "De eerste regel is de vraag (in het Nederlands), dan één keuze per regel met haar emoji. "
                "stickers = per ouder (1 = één keuze); stapelen = meer stickers op één keuze; zonder klassen: "
                "de hele school. Ook mogelijk: open 2027-03-05 08:00, niet anoniem.")


async def newvote_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/newvote – create a vote from one message (question, one option a line, settings); checked like a file."""
    services = services_of(context)
    who = context.user_data["roles"]
    body = re.sub(r"^/\S+[ \t]*", "", update.effective_message.text or "").strip()
    if not body:
        reply(update, context, NEWVOTE_HELP)
        return
    school_id = who.schools_with("staff", "brugfiguur", "admin")[0]
    try:
        spec = votes.parse_spec(votes.parse_message(body, school_id), services.db, tz=services.settings.tz)
    except votes.VoteError as err:
        reply(update, context, f"Deze stemming kan ik nog niet maken:\n{err}\n\n{NEWVOTE_HELP}"[:4000])
        return
    vote_id = votes.create(services.db, spec, created_by=str(update.effective_user.id), source="telegram")
    vote = votes.get(services.db, vote_id)
    tz = services.settings.tz
    reply(update, context, "\n".join([
        f"🗳️ Stemming #{vote_id} is klaar: {spec.question}",
        *[f"{o['sticker']} {o['label']}" for o in spec.options],
        f"{spec.stickers} sticker(s) per ouder{', stapelen mag' if spec.stack else ''}; "
        f"{'hele school' if spec.audience == 'all' else 'klassen ' + ', '.join(spec.audience['classes'])}.",
        f"Gaat naar de ouders om {votes.local_time(vote['opens_at'], tz)}, sluit om "
        f"{votes.local_time(vote['closes_at'], tz)}. Volgen: /votestatus {vote_id} · nu sluiten: /voteclose {vote_id}"]))


async def votestatus_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/votestatus ID – participation and tally so far."""
    vote_id = _vote_of_staff(update, context)
    if vote_id is None:
        reply(update, context, "Gebruik: /votestatus NUMMER (een stemming van je school; zie /votes)")
        return
    s = votes.status(services_of(context).db, vote_id)
    vote = votes.get(services_of(context).db, vote_id)
    reply(update, context, "\n".join([f"🗳️ #{vote_id} {s['question']} [{s['status']}]",
                                      f"{s['participants']} van {s['sent_to']} ouders, {s['stickers_placed']} stickers",
                                      *votes.result_lines(vote, s["tally"], SOURCE_LANGUAGE)]))


async def voteclose_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/voteclose ID – close a vote now: results to the parents, the chart to the staff."""
    services = services_of(context)
    vote_id = _vote_of_staff(update, context)
    if vote_id is None:
        reply(update, context, "Gebruik: /voteclose NUMMER (een stemming van je school; zie /votes)")
        return
    closing = votes.close(services.db, vote_id, tz=services.settings.tz)
    services.wake()
    await send_chart(services, vote_id)
    reply(update, context, f"Stemming #{vote_id} is gesloten: {closing.participants} deelnemers, "
                           f"{closing.stickers_placed} stickers. De grafiek volgt.")


async def voteresult_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/voteresult ID text – "you said, we do": what the school will do, to everyone who took part."""
    services = services_of(context)
    vote_id = _vote_of_staff(update, context)
    text = re.sub(r"^/\S+\s+\d+\s*", "", update.effective_message.text or "").strip()
    if vote_id is None or not text:
        reply(update, context, "Gebruik: /voteresult NUMMER wat de school ermee doet (naar iedereen die meestemde)")
        return
    translated: dict[str, str] = {}
    translator = getattr(services.assistant, "translator", None)
    for lang in votes.languages_of(votes.participants(services.db, vote_id)):
        if lang != SOURCE_LANGUAGE and translator is not None and translator.available:
            try:
                translated[lang] = await translator.translate_async(text, SOURCE_LANGUAGE, lang)
            except Exception as err:  # no translation: the parent gets the Dutch, the emoji and the heading
                logger.info("could not translate a vote result into %s: %s", lang, err)
    try:
        n = votes.announce(services.db, vote_id, text, update.effective_user.id, translated)
    except votes.VoteError as err:
        reply(update, context, str(err))
        return
    services.wake()
    reply(update, context, f"Verstuurd naar {n} ouders die meestemden.")


# ------------------------------------------------------------------- loop
async def translate_labels(services: Services, vote_id: int) -> None:
    """Translate a vote's question and labels once per language of its audience (when a service is set)."""
    translator = getattr(services.assistant, "translator", None)
    if translator is None or not translator.available:
        return
    vote = votes.get(services.db, vote_id)
    for lang in votes.languages_needed(services.db, vote):
        try:
            q = await translator.translate_async(vote["question"], SOURCE_LANGUAGE, lang)
            labels = {o["id"]: await translator.translate_async(o["label"], SOURCE_LANGUAGE, lang)
                      for o in vote["options"]}
        except Exception as err:  # the Dutch label shows; the emoji carries the meaning
            logger.info("vote %s: no translation into %s (%s)", vote_id, lang, err)
            continue
        votes.store_translation(services.db, vote_id, lang, q, labels)


async def send_chart(services: Services, vote_id: int) -> None:
    vote = votes.get(services.db, vote_id)
    if vote is None or vote["chart_sent_at"]:
        return
    png = await asyncio.to_thread(votes.chart_png, vote)
    votes.record_chart_sent(services.db, vote_id, png)
    services.wake()


async def run_due(services: Services) -> None:
    """Open votes whose time has come, close those past their closing time, send missing charts."""
    tz = services.settings.tz
    for vote_id in votes.due_to_open(services.db):
        await translate_labels(services, vote_id)
        n = votes.open_vote(services.db, vote_id, tz=tz)
        logger.info("vote %s opened for %s caregivers", vote_id, n)
        services.wake()
    for vote_id in votes.due_to_close(services.db):
        closing = votes.close(services.db, vote_id, tz=tz)
        logger.info("vote %s closed: %s participants", vote_id, closing.participants)
        services.wake()
    for vote_id in votes.charts_to_send(services.db):
        await send_chart(services, vote_id)
    if cards.send_due(services.db):  # conversation cards share the clock
        services.wake()


async def vote_loop(services: Services) -> None:
    """The votes' clock; never dies of one error."""
    while True:
        try:
            await run_due(services)
        except Exception:
            logger.exception("the vote loop failed; trying again shortly")
        await asyncio.sleep(LOOP_EVERY)
