"""Machine translation behind one interface: a timeout, retries, a SQLite cache and a glossary.

Backends (chosen per deployment with SCHOOLBRUG_TRANSLATOR):
  none            the default: nothing leaves the machine
  libretranslate  a (self-hosted) LibreTranslate server, through its HTTP API
                  (LIBRETRANSLATE_URL, optional LIBRETRANSLATE_API_KEY)
  google          deep-translator's Google backend (no key)
  deepl           deep-translator's DeepL backend (DEEPL_API_KEY)
  microsoft       deep-translator's Microsoft backend (MICROSOFT_TRANSLATOR_KEY, MICROSOFT_TRANSLATOR_REGION)

deep-translator has no timeouts, so its calls run in a worker thread that we stop
waiting for after `timeout` seconds. School words (oudercontact, CLB, ...) are
protected by the glossary: they are swapped for neutral tokens before
translation and put back, as the Dutch word, afterwards, so a parent sees the word
they will meet on letters instead of a literal mistranslation.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Callable, Protocol

import httpx
from sqlite_utils import Database

from bot.db import utcnow

if TYPE_CHECKING:
    from bot.config import Settings

logger = logging.getLogger(__name__)

GLOSSARY = ("oudercontact", "zorgcoördinator", "zorgcoordinator", "brugfiguur", "maximumfactuur", "Smartschool",
            "schooltoeslag", "Groeipakket", "leerplicht", "getuigschrift", "secretariaat", "rapport", "CLB",
            "OKAN", "LOP", "turnzak", "bosklassen", "zeeklassen", "opvang", "Gimme", "Parro")
_GLOSSARY_RE = re.compile(r"\b(" + "|".join(re.escape(t) for t in GLOSSARY) + r")\b", re.IGNORECASE)


class TranslationUnavailable(Exception):
    """No translation could be had (no service configured, timeout, service down)."""


class Backend(Protocol):
    name: str

    def translate(self, text: str, source: str, target: str, timeout: float) -> str: ...


class LibreTranslate:
    name = "libretranslate"

    def __init__(self, url: str, api_key: str = "") -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key

    def translate(self, text: str, source: str, target: str, timeout: float) -> str:
        payload = {"q": text, "source": source, "target": target, "format": "text"}
        if self.api_key:
            payload["api_key"] = self.api_key
        response = httpx.post(f"{self.url}/translate", json=payload, timeout=timeout)
        response.raise_for_status()
        return str(response.json()["translatedText"])


class DeepTranslator:
    """deep-translator backends, run in a thread so a hanging call cannot hang us."""

    _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="translate")

    def __init__(self, name: str, factory: Callable[[str, str], object]) -> None:
        self.name = name
        self._factory = factory

    def translate(self, text: str, source: str, target: str, timeout: float) -> str:
        future = self._pool.submit(lambda: self._factory(source, target).translate(text))  # type: ignore[attr-defined]
        try:
            return str(future.result(timeout=timeout))
        except FutureTimeout:
            raise TimeoutError(f"{self.name} did not answer within {timeout}s") from None


def backend_for(settings: "Settings") -> Backend | None:
    """The backend a deployment chose (SCHOOLBRUG_TRANSLATOR), configured from its Settings."""
    name = settings.translator
    if name in ("", "none"):
        return None
    if name == "libretranslate":
        return LibreTranslate(settings.libretranslate_url, settings.libretranslate_api_key)
    from deep_translator import DeeplTranslator, GoogleTranslator, MicrosoftTranslator

    if name == "google":
        return DeepTranslator(name, lambda s, t: GoogleTranslator(source=s, target=t))
    if name == "deepl":
        key = settings.deepl_api_key
        return DeepTranslator(name, lambda s, t: DeeplTranslator(source=s, target=t, api_key=key,
                                                                 use_free_api=key.endswith(":fx")))
    if name == "microsoft":
        key, region = settings.microsoft_key, settings.microsoft_region or None
        return DeepTranslator(name, lambda s, t: MicrosoftTranslator(source=s, target=t, api_key=key, region=region))
    raise ValueError(f"unknown translator {name!r}: use none, libretranslate, google, deepl or microsoft")


class Translator:
    """Translations run in worker threads, so the cache gets a SQLite connection of its own per thread:
    one connection shared between threads would mix their statements into each other's transactions."""

    def __init__(self, backend: Backend | None, db: Database | None = None, timeout: float = 5.0,
                 retries: int = 2, backoff: float = 0.3) -> None:
        self.backend = backend
        self._db_path = db.execute("pragma database_list").fetchone()[2] if db is not None else None
        self._local = threading.local()
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="translation")

    @property
    def db(self) -> Database | None:
        if not self._db_path:
            return None
        if getattr(self._local, "db", None) is None:
            self._local.db = Database(sqlite3.connect(self._db_path, timeout=30, isolation_level=None))
        return self._local.db

    @property
    def available(self) -> bool:
        return self.backend is not None

    def _key(self, text: str, source: str, target: str) -> str:
        raw = f"{self.backend.name if self.backend else 'none'}\x00{source}\x00{target}\x00{text}"
        return hashlib.sha256(raw.encode()).hexdigest()

    async def translate_async(self, text: str, source: str, target: str, owner: int | None = None) -> str:
        """`translate` in a worker thread of its own: a slow service never holds up the event loop or the
        dialogue layer's thread (which answers every other parent)."""
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, lambda: self.translate(text, source, target, owner))

    def translate(self, text: str, source: str, target: str, owner: int | None = None) -> str:
        """Translate or raise TranslationUnavailable. Same language: the text itself. `owner`: the
        caregiver whose words these are, so their erasure reaches the cache."""
        if source == target or not text.strip():
            return text
        if self.backend is None:
            raise TranslationUnavailable("no translation service is configured")
        key = self._key(text, source, target)
        if self.db is not None:
            row = self.db.execute("select translation from translations where key = ?", [key]).fetchone()
            if row:
                return row[0]
        protected, terms = protect(text)
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                result = restore(self.backend.translate(protected, source, target, self.timeout), terms)
                break
            except Exception as err:  # network, HTTP status, timeout, malformed answer
                last = err
                if attempt < self.retries:
                    time.sleep(self.backoff * (2 ** attempt))
        else:
            logger.warning("translation %s→%s failed: %s", source, target, last)
            raise TranslationUnavailable(str(last))
        if self.db is not None:
            self.db["translations"].upsert({"key": key, "backend": self.backend.name, "source": source,
                                            "target": target, "text": text, "translation": result,
                                            "created_at": utcnow(), "owner": owner}, pk="key")
        return result


def protect(text: str) -> tuple[str, list[str]]:
    """Swap glossary terms for tokens a translation service leaves alone."""
    terms: list[str] = []

    def swap(match: re.Match) -> str:
        terms.append(match.group(0))
        return f"[{len(terms) - 1}]"

    return _GLOSSARY_RE.sub(swap, text), terms


def restore(text: str, terms: list[str]) -> str:
    for i, term in enumerate(terms):
        text = re.sub(rf"\[\s*{i}\s*\]", term, text, count=1)
    return text
