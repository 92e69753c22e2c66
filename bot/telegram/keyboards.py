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

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from bot.i18n import tr
from bot.languages import BY_CODE, FIRST_PAGE, LANGUAGES
from bot.store import RELATIONS

PICKER_PROMPT = (
    "🌍 Kies je taal · Choose your language · Choisissez votre langue · "
    "اختر لغتك · Dilinizi seçin · Wybierz język · Оберіть мову · Dooro luuqaddaada"
)


def language_picker(token: str = "", page: int = 0) -> Markup:
    codes = list(FIRST_PAGE) if page == 0 else [l.code for l in LANGUAGES if l.code not in FIRST_PAGE]
    rows, row = [], []
    for code in codes:
        row.append(Button(BY_CODE[code].native_name, callback_data=f"L:{code}:{token}"))
        if len(row) == 3:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    if page == 0:
        rows.append([Button("🌐 Meer talen · More · المزيد · Daha fazla", callback_data=f"M:1:{token}")])
    else:
        rows.append([Button("⬅️", callback_data=f"M:0:{token}")])
    return Markup(rows)


def consent(lang: str, token: str) -> Markup:
    return Markup([
        [Button(tr(lang, "✅ Ja, ik ga akkoord"), callback_data=f"C:y:{lang}:{token}")],
        [Button(tr(lang, "✖️ Nee, liever niet"), callback_data=f"C:n:{lang}:{token}")],
    ])


def relation(lang: str, token: str) -> Markup:
    buttons = [Button(relation_label(lang, key), callback_data=f"R:{key}:{token}") for key in RELATIONS]
    return Markup([buttons[i:i + 2] for i in range(0, len(buttons), 2)])


def relation_label(lang: str, key: str) -> str:
    labels = {
        "mother": tr(lang, "Moeder"), "father": tr(lang, "Vader"), "grandparent": tr(lang, "Grootouder"),
        "foster": tr(lang, "Pleegouder"), "sibling": tr(lang, "Broer of zus"),
        "other": tr(lang, "Andere opvoeder"),
    }
    return labels.get(key, key)


def forget_confirm(lang: str) -> Markup:
    return Markup([[Button(tr(lang, "🗑️ Ja, wis alles"), callback_data="F:y"),
                    Button(tr(lang, "Nee"), callback_data="F:n")]])


def person_button(lang: str) -> Button:
    return Button(tr(lang, "🙋 Met een persoon praten"), callback_data="P")


def person_only(lang: str) -> Markup:
    return Markup([[person_button(lang)]])
