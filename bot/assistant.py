"""From a parent's message to a decision and a reply. The heart of `ask`.

    text ──► language_detect ──► dialogue (Rasa NLU: topic ranking)
                                   │  + safety check (sensitive/urgent phrases)
                                   ▼
                      calibrated decision: answer / did-you-mean / hand off
                                   │  Rasa RulePolicy picks the action
                                   ▼
                      content.render (answer in the parent's language,
                      school facts from the profile) ──► Decision

Confidence comes from a logistic-regression classifier, which is calibrated
enough to act on: above ANSWER_THRESHOLD we answer; below it we offer the most
likely topics as buttons plus a person, and a second miss in a row hands off.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import content
from bot.dialogue import DialogueEngine
from bot.i18n import tr
from bot.language_detect import LanguageDetector
from bot.languages import BY_CODE, SOURCE_LANGUAGE, TIER1
from bot.nlu.safety import SafetyCheck, default_safety_check
from bot.topics import HANDOFF_KINDS, kind_of, title
from bot.translation import TranslationUnavailable, Translator

ANSWER_THRESHOLD = 0.45  # answer directly at or above this calibrated probability
SENSITIVE_THRESHOLD = 0.30  # a sensitive/urgent top topic hands off from this probability
OPTION_MIN = 0.04  # a topic is offered as "did you mean" from this probability
FALLBACK_FLOOR = 0.10  # below this nothing is a plausible topic: report "fallback"
MAX_OPTIONS = 3


@dataclass
class Decision:
    language: str
    topic: str
    confidence: float
    options: list[str]
    handoff: bool
    reply: str
    reply_language: str
    action: str = ""
    dutch_reply: str | None = None
    show_language_picker: bool = False
    machine_translated: bool = False
    option_titles: list[str] = field(default_factory=list)

    def contract(self, message_id: Any = None) -> dict[str, Any]:
        """The `ask` output object of BRIEF §6."""
        return {"id": message_id, "language": self.language, "topic": self.topic,
                "confidence": round(self.confidence, 4), "options": self.options, "handoff": self.handoff,
                "reply": self.reply, "reply_language": self.reply_language}


class Assistant:
    def __init__(self, engine: DialogueEngine, detector: LanguageDetector | None = None,
                 safety: SafetyCheck | None = None, translator: Translator | None = None) -> None:
        self.engine = engine
        self.translator = translator
        self.detector = detector or LanguageDetector()
        self.safety = safety or default_safety_check()
        # Rasa's graph blocks while it runs: keep it off the event loop, one message at a time.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rasa")

    @classmethod
    def from_model(cls, model_path: Path | str, translator: Translator | None = None) -> "Assistant":
        assistant = cls(DialogueEngine(model_path), translator=translator)
        assistant.warm_up()
        return assistant

    def warm_up(self) -> None:
        """Load what loads lazily (langdetect's profiles, Rasa's graph) before the first parent waits for it."""
        for text in ("Wanneer is het oudercontact van mijn dochter?", "متى تبدأ العطلة المدرسية؟"):
            self.respond(text)

    async def respond_async(self, text: str, **kwargs: Any) -> Decision:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: self.respond(text, **kwargs))

    # ------------------------------------------------------------------
    def respond(self, text: str, sender: str | None = None, lang_hint: str | None = None,
                telegram_lang: str | None = None, school: dict[str, Any] | None = None,
                teacher: str | None = None) -> Decision:
        detection = self.detector.detect(text, stored=lang_hint, telegram=telegram_lang)
        lang = detection.language
        if not text.strip():
            reply_lang = lang if lang in TIER1 else "en"
            return Decision(lang, "fallback", 0.0, [], False,
                            tr(reply_lang, "Ik zie een leeg bericht. Schrijf gerust je vraag."), reply_lang, "empty")
        translated_from = None
        if lang not in TIER1 and self.translator is not None and self.translator.available:
            try:  # understand through Dutch, answer in the parent's language (marked as machine translation)
                text = self.translator.translate(text, lang, SOURCE_LANGUAGE)
                translated_from = lang
            except TranslationUnavailable:
                pass
        parse = self.engine.parse(text)
        ranking = [(r["name"], float(r["confidence"])) for r in parse.get("intent_ranking", [])
                   if r["name"] != "nlu_fallback"]
        top, conf = ranking[0] if ranking else ("fallback", 0.0)
        safety = self.safety.topics(text)
        intent, topic, options = self._choose(top, conf, ranking, safety)
        action = self.engine.decide(parse, intent, conf, sender)
        if translated_from:
            return self._machine_translated(action, topic, conf, options, translated_from, school, teacher)
        if lang not in TIER1:
            return self._tier2(lang, topic, conf, action, safety)
        facts = content.Facts(school, lang, teacher=teacher)
        return self._reply(action, topic, conf, options, lang, facts)

    def _machine_translated(self, action: str, topic: str, conf: float, options: list[str], lang: str,
                            school: dict[str, Any] | None, teacher: str | None) -> Decision:
        dutch = self._reply(action, topic, conf, options, SOURCE_LANGUAGE, content.Facts(school, SOURCE_LANGUAGE,
                                                                                          teacher=teacher))
        try:
            reply = self.translator.translate(dutch.reply, SOURCE_LANGUAGE, lang)  # type: ignore[union-attr]
        except TranslationUnavailable:
            return self._tier2(lang, topic, conf, action, [topic] if dutch.handoff else [])
        return Decision(lang, dutch.topic, conf, dutch.options, dutch.handoff, reply, lang, action,
                        dutch_reply=dutch.reply, show_language_picker=dutch.show_language_picker,
                        machine_translated=True, option_titles=[title(t, lang) for t in dutch.options])

    def answer_topic(self, topic: str, lang: str, sender: str | None = None,
                     school: dict[str, Any] | None = None, teacher: str | None = None) -> Decision:
        """Answer a topic the parent chose from the buttons (no guessing involved)."""
        if sender is not None:
            self.engine.clear_miss(sender)
        action = {"answer": "action_answer", "sensitive": "action_sensitive_handoff",
                  "urgent": "action_urgent_handoff", "handoff": "action_handoff"}.get(kind_of(topic), "action_chat")
        reply_lang = lang if lang in TIER1 else "en"
        return self._reply(action, topic, 1.0, [], reply_lang, content.Facts(school, reply_lang, teacher=teacher))

    def _choose(self, top: str, conf: float, ranking: list[tuple[str, float]],
                safety: list[str]) -> tuple[str, str, list[str]]:
        """(intent for the dialogue layer, topic to report, options to offer)."""
        probs = dict(ranking)
        if "child_safety_emergency" in safety:
            return "child_safety_emergency", "child_safety_emergency", []
        if kind_of(top) in HANDOFF_KINDS and conf >= SENSITIVE_THRESHOLD:
            return top, top, []
        if safety == ["human_request"] and probs.get("bot_challenge", 0.0) > probs.get("human_request", 0.0):
            safety = []  # "are you a real person?" asks about the bot; it is not a request for one
        if safety:
            # The classifier is unsure or thinks of something else: the safety phrases decide,
            # choosing among the topics they signal the one the classifier finds most likely.
            chosen = max(safety, key=lambda t: (probs.get(t, 0.0), -safety.index(t)))
            return chosen, chosen, []
        if conf >= ANSWER_THRESHOLD:
            return top, top, []
        # Offer school topics; chat turns make poor choices and a person is always one button away.
        options = [t for t, p in ranking if p >= OPTION_MIN and kind_of(t) in ("answer", "sensitive")][:MAX_OPTIONS]
        topic = top if conf >= FALLBACK_FLOOR else "fallback"
        return "nlu_fallback", topic, options

    def _reply(self, action: str, topic: str, conf: float, options: list[str], lang: str,
               facts: content.Facts) -> Decision:
        def answer(t: str, in_lang: str = lang) -> str | None:
            return content.render(t, in_lang, content.Facts(facts.p, in_lang, facts.teacher_name,
                                                            facts.today, facts.upcoming_items))

        handoff = action in ("action_sensitive_handoff", "action_urgent_handoff", "action_handoff",
                             "action_handoff_after_misses")
        picker = action == "action_language_picker"
        if action == "action_rephrase":
            reply = tr(lang, "Ik weet niet zeker of ik je goed begrijp. Gaat je vraag over een van deze onderwerpen? "
                             "Je kan je vraag ook anders schrijven, of met een persoon praten.")
            return Decision(lang, topic, conf, options, False, reply, lang, action,
                            option_titles=[title(t, lang) for t in options])
        if action == "action_handoff_after_misses":
            reply = tr(lang, "Sorry, ik begrijp je vraag nog niet. Ik vraag een persoon van de school om je te helpen: "
                             "{brugfiguur}. Je mag in je eigen taal schrijven.", brugfiguur=facts.value("brugfiguur"))
            return Decision(lang, topic, conf, [], True, reply, lang, action)
        shown = topic if topic != "fallback" else "out_of_scope"
        reply = answer(shown) or tr(lang, "Daar heb ik nog geen antwoord op. Wil je met een persoon praten?")
        dutch = answer(shown, SOURCE_LANGUAGE) if lang != SOURCE_LANGUAGE and kind_of(shown) == "answer" else None
        return Decision(lang, topic, conf, [], handoff, reply, lang, action, dutch_reply=dutch,
                        show_language_picker=picker)

    def _tier2(self, lang: str, topic: str, conf: float, action: str, safety: list[str]) -> Decision:
        """A tier-2 language and no translation to be had: say so kindly, offer a language and a person."""
        handoff = bool(safety) or kind_of(topic) in HANDOFF_KINDS
        reply = tr(lang, "Ik kan nog geen vragen beantwoorden in het {language}. Kies een andere taal die je leest, "
                         "of praat met een persoon van de school.", language=BY_CODE[lang].native_name)
        return Decision(lang, topic, conf, [], handoff, reply, lang, action, show_language_picker=True)

