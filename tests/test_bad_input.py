"""Whatever a parent sends gets a kind answer, and nothing crashes or gets lost."""
from __future__ import annotations

from bot.i18n import tr
from bot.letters import reading
from bot.letters.content import line

SORRY = "Sorry, er ging iets mis"


async def test_media_and_odd_messages_get_a_kind_answer_in_the_parents_language(harness):
    user = harness.emu.user(7001, "Ayse")
    await harness.onboard(user, "Türkçe")
    emu = harness.emu
    # an empty photo or document: with Tesseract it is a letter we could not read, without it we cannot read photos
    unreadable = line("poor", "tr") if reading.available() else "Ik kan nog geen foto's"
    for send, expected in (
        (emu.send_sticker, "Leuke sticker! 😊"),
        (emu.send_photo, unreadable),
        (emu.send_voice, "Ik kan nog geen spraakberichten"),
        (emu.send_document, unreadable),
    ):
        before = len(emu.sent_to(7001, "sendMessage"))
        send(user)
        reply = (await emu.wait_sent(7001, 1, after=before))[-1]
        full = next((m for m in _msgids() if m.startswith(expected)), None)
        assert reply.text == (tr("tr", full) if full else expected)
        assert reply.buttons and reply.buttons[-1]["callback_data"] == "P"
    reply = (await harness.say(user, "/doesnotexist"))[-1]
    assert reply.text == tr("tr", "Dat commando ken ik niet. Deze werken: /help, /language, /privacy, /forget.")
    assert not any(SORRY in s.text for s in emu.sent_to(7001))


async def test_a_4000_character_message_is_answered_and_kept_whole(harness):
    user = harness.emu.user(7002, "Ana")
    await harness.onboard(user, "Español")
    text = ("Hola, mi hijo está enfermo con fiebre y no puede ir a la escuela hoy. " * 60)[:4000]
    replies = await harness.say(user, text, expect=2)
    assert replies[0].text == tr("es", "Dank je voor je lange bericht. Ik heb het begin gelezen; het hele bericht "
                                       "blijft bewaard, zodat een persoon het kan lezen.")
    logged = [r["text"] for r in harness.db["conversation_log"].rows_where("telegram_id = 7002 and direction = 'in'")]
    assert text in logged, "the whole message is stored, nothing is lost"


async def test_messages_before_consent_ask_to_choose_a_language_first(harness):
    user = harness.emu.user(7003, "Bilal", language_code="fr")
    replies = await harness.say(user, "bonjour, j'ai une question", expect=2)
    assert replies[0].text == tr("fr", "Kies eerst je taal en lees de privacyuitleg. Daarna kan ik je helpen.")
    assert replies[1].buttons
    before = len(harness.emu.sent_to(7003, "sendMessage"))
    harness.emu.send_sticker(user)
    assert (await harness.emu.wait_sent(7003, 2, after=before))[0].text == replies[0].text
    assert harness.db["caregivers"].count == 0 and harness.db["conversation_log"].count == 0


def _msgids() -> list[str]:
    from bot.i18n import LOCALE_DIR
    from babel.messages.pofile import read_po

    with open(LOCALE_DIR / "messages.pot", "rb") as fh:
        return [str(m.id) for m in read_po(fh) if m.id]
