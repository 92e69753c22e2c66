"""Keeping the gettext catalogues in step with the code (Babel's pybabel, driven from Python)."""
from __future__ import annotations

import os

from babel.messages.frontend import CommandLineInterface

from bot.config import PROJECT_ROOT
from bot.i18n import DOMAIN, LOCALE_DIR
from bot.languages import SOURCE_LANGUAGE, SUPPORTED

POT = LOCALE_DIR / f"{DOMAIN}.pot"


def update_catalogues() -> str:
    """Extract `tr(lang, "...")` and `N_("...")` strings, then create or update every language's .po."""
    LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    cli = CommandLineInterface()
    cwd = os.getcwd()
    os.chdir(PROJECT_ROOT)  # relative source paths in the catalogues
    try:
        cli.run(["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "tr:2", "-k", "N_", "--no-wrap",
                 "--sort-by-file", "--project", "Schoolbrug", "--version", "1", "-o", str(POT), "bot"])
    finally:
        os.chdir(cwd)
    done = []
    for lang in SUPPORTED:
        if lang == SOURCE_LANGUAGE:
            continue
        po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        action = "update" if po.exists() else "init"
        cli.run(["pybabel", "-q", action, "-i", str(POT), "-d", str(LOCALE_DIR), "-D", DOMAIN, "-l", lang,
                 "--no-wrap"] + (["--no-fuzzy-matching"] if action == "update" else []))
        done.append(f"{lang}:{action}")
    return " ".join(done)
