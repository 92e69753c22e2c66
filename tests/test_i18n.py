"""Interface text exists in every language, and right-to-left text stays readable."""
from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from bot.i18n import FSI, LOCALE_DIR, PDI, tr
from bot.languages import SOURCE_LANGUAGE, SUPPORTED


def _source_ids() -> list[str]:
    with open(LOCALE_DIR / "messages.pot", "rb") as fh:
        return [str(m.id) for m in read_po(fh) if m.id]


@pytest.mark.parametrize("lang", [l for l in SUPPORTED if l != SOURCE_LANGUAGE])
def test_every_interface_text_is_translated_with_the_same_placeholders(lang):
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalogue = {str(m.id): m for m in read_po(fh) if m.id}
    for msgid in _source_ids():
        msg = catalogue.get(msgid)
        assert msg is not None and msg.string and not msg.fuzzy, f"{lang}: missing {msgid[:50]!r}"
        assert set(re.findall(r"\{\w+\}", msgid)) == set(re.findall(r"\{\w+\}", str(msg.string))), msgid


def test_values_in_right_to_left_text_are_isolated():
    text = tr("ar", "Gelukt! Ik spreek nu {language} met je.", language="Nederlands")
    assert f"{FSI}Nederlands{PDI}" in text
    assert tr("fr", "Gelukt! Ik spreek nu {language} met je.", language="Nederlands").count(FSI) == 0


def test_a_broken_translation_falls_back_to_the_source_text(monkeypatch):
    from bot import i18n

    monkeypatch.setitem(i18n.catalogue("fr"), "Hallo {name}", "Bonjour {nom}")
    assert tr("fr", "Hallo {name}", name="Amina") == "Hallo Amina"
