"""Tier-2 languages through a translation service, and what happens without one."""
from __future__ import annotations

from bot.assistant import Assistant
from bot.translation import LibreTranslate, Translator, protect, restore

from fake_libretranslate import FakeLibreTranslate

PERSIAN = "پسرم امروز تب دارد و مریض است"
PHRASES = {("fa", "nl", PERSIAN): "Mijn zoon heeft vandaag koorts en is ziek"}


def test_a_tier2_language_is_understood_through_dutch_and_answered_marked_as_machine_translation(assistant, db):
    with FakeLibreTranslate(PHRASES) as fake:
        with_mt = Assistant(assistant.engine, translator=Translator(LibreTranslate(fake.url), db, timeout=2))
        d = with_mt.respond(PERSIAN)
        assert d.language == "fa" and d.topic == "absence_illness"
        assert d.machine_translated and d.reply.startswith("[fa] ") and d.dutch_reply
        assert [r["source"] + ">" + r["target"] for r in fake.requests] == ["fa>nl", "nl>fa"]
        again = with_mt.respond(PERSIAN)
        assert again.reply == d.reply and len(fake.requests) == 2, "the second time comes from the cache"


def test_without_a_service_a_tier2_parent_is_offered_a_language_and_a_person(assistant):
    d = assistant.respond(PERSIAN)
    assert d.language == "fa" and d.show_language_picker and not d.machine_translated
    assert "فارسی" in d.reply


def test_a_translation_service_that_is_down_never_loses_the_message(assistant, db):
    with FakeLibreTranslate() as fake:
        fake.fail = True
        with_mt = Assistant(assistant.engine, translator=Translator(LibreTranslate(fake.url), db, timeout=1,
                                                                    retries=1, backoff=0.01))
        d = with_mt.respond(PERSIAN)
        assert d.show_language_picker and d.reply and not d.machine_translated
        assert len(fake.requests) == 2, "one retry, then a kind answer"


def test_a_slow_service_times_out(db):
    with FakeLibreTranslate() as fake:
        fake.delay = 1.5
        translator = Translator(LibreTranslate(fake.url), db, timeout=0.3, retries=0)
        try:
            translator.translate("hallo", "nl", "fa")
            raise AssertionError("expected a timeout")
        except Exception as err:
            assert type(err).__name__ == "TranslationUnavailable"


def test_glossary_terms_survive_translation():
    protected, terms = protect("Het oudercontact en het CLB")
    assert "oudercontact" not in protected and terms == ["oudercontact", "CLB"]
    assert restore("The [0] and the [ 1 ]", terms) == "The oudercontact and the CLB"


async def test_a_slow_translation_does_not_hold_up_other_parents_answers(assistant, db):
    """Translation runs in its own threads: while a Persian message waits for the service, a Dutch parent
    is answered by the dialogue layer."""
    import asyncio

    with FakeLibreTranslate(PHRASES) as fake:
        fake.delay = 1.5
        with_mt = Assistant(assistant.engine, translator=Translator(LibreTranslate(fake.url), db, timeout=5))
        done: list[str] = []

        async def ask(text: str, name: str) -> None:
            await with_mt.respond_async(text, sender=name)
            done.append(name)

        slow = asyncio.create_task(ask(PERSIAN, "persian"))
        await asyncio.sleep(0.2)  # the Persian message is at the translation service now
        await ask("Wanneer begint de school 's morgens?", "dutch")
        await slow
        assert done == ["dutch", "persian"]
        assert [r["source"] + ">" + r["target"] for r in fake.requests] == ["fa>nl", "nl>fa"]
