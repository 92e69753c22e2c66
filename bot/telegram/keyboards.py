"""Inline keyboards. Callback data is short text `<kind>:<fields>` (Telegram allows 64 bytes).

L:<lang>:<token>   a language was chosen (token: the invite being followed, may be empty)
M:<page>:<token>   show another page of languages
C:y|n:<lang>:<token>  consent given or refused
R:<relation>:<token>  who the caregiver is for the child
F:y|n              confirm or cancel /forget
K:<child_id>       create a family invite for this child
P                  talk to a person
T:<topic>          "did you mean" choice
D:<topic>          show the Dutch version of an answer
"""
from __future__ import annotations

from bot.i18n import tr
from bot.languages import BY_CODE, FIRST_PAGE, LANGUAGES
from bot.store import RELATIONS

Buttons = list[list[tuple[str, str]]]  # rows of (label, callback data); the send queue stores them

PICKER_PROMPT = (
    "🌍 Kies je taal · Choose your language · Choisissez votre langue · "
    "اختر لغتك · Dilinizi seçin · Wybierz język · Оберіть мову · Dooro luuqaddaada"
)


def language_picker(token: str = "", page: int = 0) -> Buttons:
    codes = list(FIRST_PAGE) if page == 0 else [l.code for l in LANGUAGES if l.code not in FIRST_PAGE]
    rows, row = [], []
    for code in codes:
        row.append((BY_CODE[code].native_name, f"L:{code}:{token}"))
        if len(row) == 3:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    if page == 0:
        rows.append([("🌐 Meer talen · More · المزيد · Daha fazla", f"M:1:{token}")])
    else:
        rows.append([("⬅️", f"M:0:{token}")])
    return rows


def consent(lang: str, token: str) -> Buttons:
    return [[(tr(lang, "✅ Ja, ik ga akkoord"), f"C:y:{lang}:{token}")],
            [(tr(lang, "✖️ Nee, liever niet"), f"C:n:{lang}:{token}")]]


def relation(lang: str, token: str) -> Buttons:
    buttons = [(relation_label(lang, key), f"R:{key}:{token}") for key in RELATIONS]
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


def relation_label(lang: str, key: str) -> str:
    labels = {
        "mother": tr(lang, "Moeder"), "father": tr(lang, "Vader"), "grandparent": tr(lang, "Grootouder"),
        "foster": tr(lang, "Pleegouder"), "sibling": tr(lang, "Broer of zus"),
        "other": tr(lang, "Andere opvoeder"),
    }
    return labels.get(key, key)


def forget_confirm(lang: str) -> Buttons:
    return [[(tr(lang, "🗑️ Ja, wis alles"), "F:y"), (tr(lang, "Nee"), "F:n")]]


def person_button(lang: str) -> tuple[str, str]:
    return (tr(lang, "🙋 Met een persoon praten"), "P")


def person_only(lang: str) -> Buttons:
    return [[person_button(lang)]]
