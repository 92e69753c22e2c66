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

Real parents write long, messy messages (issue 8), so understanding is more
than one classifier call (see `understand`):
- a message of several sentences is classified as a whole AND per sentence
  (bot/nlu/segment.py); questions weigh more than the story around them, a
  concern in any sentence can hand off, and a second topic is kept as a
  follow-up choice (`Decision.also`);
- an emergency answer needs urgent MEANING (bot/nlu/urgent.py): the right
  combination of cues in one sentence, not framed as a hypothesis or as
  information; the classifier's urgent vote counts only with such cues or at
  very high confidence; a weak urgent phrase without urgent meaning still
  reaches a person, as a sensitive hand-off without the emergency numbers;
- confidence shrinks when few words of the message are known to the model
  (`Evidence`): no confident answer built on one or two shared words, and a
  message with no known word at all is `fallback`;
- a conversation keeps its language: with a sender, the last confidently
  detected language is the prior for short and ambiguous messages.
"""
from __future__ import annotations

import asyncio
import re
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import content
from bot.dialogue import DialogueEngine
from bot.i18n import tr
from bot.language_detect import LanguageDetector
from bot.languages import BY_CODE, SOURCE_LANGUAGE, TIER1
from bot.nlu.normalize import words
from bot.nlu.safety import SafetyCheck, default_safety_check
from bot.nlu.segment import sentences
from bot.nlu.urgent import UrgentCheck, UrgentMeaning, default_urgent_check
from bot.topics import HANDOFF_KINDS, kind_of, title
from bot.translation import TranslationUnavailable, Translator

ANSWER_THRESHOLD = 0.45  # answer directly at or above this calibrated probability
SENSITIVE_THRESHOLD = 0.30  # a sensitive/urgent top topic hands off from this probability
OPTION_MIN = 0.04  # a topic is offered as "did you mean" from this probability
FALLBACK_FLOOR = 0.10  # below this nothing is a plausible topic: report "fallback"
MAX_OPTIONS = 3
URGENT = "child_safety_emergency"
URGENT_VOTE_WITH_CUES = 0.90  # the classifier's urgent vote counts from here when the message has urgent cues
URGENT_VOTE_ALONE = 0.985  # ... and from here without cues (never when framed as hypothesis/information)
URGENT_VOTE_HANDOFF = 0.50  # an urgent vote that is not enough for the numbers still reaches a person
SENTENCE_SENSITIVE = 0.90  # a sentence whose top topic is sensitive from this probability hands off
SENTENCE_ALSO = 0.60  # a sentence's own topic is offered as a second choice from this probability
MAX_SENTENCES = 10
QUESTION_WEIGHT = 3.0  # in a long message the question carries the ask; the story around it weighs less
WHOLE_WEIGHT = 0.4  # the whole message's ranking, against the sentences' weighted average
SENSITIVE_DEFAULT = "wellbeing_concern"


@dataclass
class Evidence:
    """How much of the message the model knows: content words (3+ letters) seen in its training messages."""
    words: int
    known: int

    @property
    def share(self) -> float:
        return self.known / self.words if self.words else 1.0

    def factor(self) -> float:
        """What a classifier probability is worth on this evidence (1.0: full)."""
        if self.words == 0:
            return 1.0  # emoji, digits: nothing to judge by; the classifier's own uncertainty stands
        if self.known == 0:
            return 0.0
        f = min(1.0, 0.45 + self.share)
        if self.words >= 5 and self.known <= 2:
            f = min(f, 0.5)
        return f


@dataclass
class Understanding:
    """Everything the decision is made from."""
    ranking: list[tuple[str, float]]  # combined over the whole message and its sentences, best first
    safety: list[str]  # sensitive/hand-off topics signalled by the safety phrases
    meaning: UrgentMeaning
    urgent_vote: float  # the classifier's highest urgent probability, whole or any sentence
    sentence_topics: list[tuple[str, float, bool]]  # each sentence's top topic, probability, is a question
    evidence: Evidence
    parse: dict[str, Any]

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
    also: list[str] = field(default_factory=list)  # a second topic in the message, offered after the answer
    language_switched: bool = False  # the message is clearly in another language than the conversation's

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
        self.urgent = default_urgent_check()
        self.vocabulary = known_words()
        self.vocabulary_stems = frozenset(w[:5] for w in self.vocabulary if len(w) >= 5)
        # the last confidently detected language per conversation (sender), for short follow-ups
        self._languages: OrderedDict[str, str] = OrderedDict()
        self._languages_lock = threading.Lock()
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
        """`respond` for the bot: the dialogue layer runs in its one worker thread, and a translation (a
        tier-2 language through Dutch) runs in the translator's own threads, before and after it, so a slow
        translation service never holds up the answers of other parents."""
        loop = asyncio.get_running_loop()
        translator = self.translator
        if translator is None or not translator.available:
            return await loop.run_in_executor(self._executor, lambda: self.respond(text, **kwargs))
        stored = kwargs.get("lang_hint") or self._remembered_language(kwargs.get("sender"))
        lang = self.detector.detect(text, stored=stored, telegram=kwargs.get("telegram_lang")).language
        dutch: str | None = None
        if lang not in TIER1 and text.strip():
            try:
                dutch = await translator.translate_async(text, lang, SOURCE_LANGUAGE)
            except TranslationUnavailable:
                dutch = None
        decision = await loop.run_in_executor(
            self._executor, lambda: self.respond(text, pretranslated=dutch, translate_reply=False, **kwargs))
        if decision.machine_translated and decision.dutch_reply is not None and decision.reply == decision.dutch_reply:
            try:
                decision.reply = await translator.translate_async(decision.dutch_reply, SOURCE_LANGUAGE,
                                                                  decision.reply_language)
            except TranslationUnavailable:
                return self._tier2(decision.reply_language, decision.topic, decision.confidence, decision.action,
                                   [decision.topic] if decision.handoff else [])
        return decision

    # ------------------------------------------------------------------
    def respond(self, text: str, sender: str | None = None, lang_hint: str | None = None,
                telegram_lang: str | None = None, school: dict[str, Any] | None = None,
                teacher: str | None = None, pretranslated: str | None = None,
                translate_reply: bool = True) -> Decision:
        """Understand and answer one message. `pretranslated`: the message in Dutch, made beforehand (the
        bot translates outside this thread); `translate_reply` False leaves the reply in Dutch for the
        caller to translate (marked `machine_translated`, with `dutch_reply` equal to `reply`)."""
        stored = lang_hint or self._remembered_language(sender)
        detection = self.detector.detect(text, stored=stored, telegram=telegram_lang)
        lang = detection.language
        if sender is not None and (detection.confident or sender not in self._languages):
            if detection.confident or stored:
                self._remember_language(sender, lang if detection.confident else stored)  # type: ignore[arg-type]
        switched = bool(stored) and detection.confident and lang != stored
        if not text.strip():
            reply_lang = lang if lang in TIER1 else "en"
            return Decision(lang, "fallback", 0.0, [], False,
                            tr(reply_lang, "Ik zie een leeg bericht. Schrijf gerust je vraag."), reply_lang, "empty")
        translated_from = None
        if lang not in TIER1 and pretranslated is not None:
            text, translated_from = pretranslated, lang
        elif lang not in TIER1 and self.translator is not None and self.translator.available and translate_reply:
            try:  # understand through Dutch, answer in the parent's language (marked as machine translation)
                text = self.translator.translate(text, lang, SOURCE_LANGUAGE)
                translated_from = lang
            except TranslationUnavailable:
                pass
        u = self.understand(text)
        parse, ranking, safety = u.parse, u.ranking, u.safety
        intent, topic, options, conf = self.decide(u)
        also = self._also(u, topic) if not options else []
        action = self.engine.decide(parse, intent, conf, sender)
        if translated_from:
            return self._machine_translated(action, topic, conf, options, translated_from, school, teacher,
                                            translate_reply)
        if lang not in TIER1:
            return self._tier2(lang, topic, conf, action, safety)
        facts = content.Facts(school, lang, teacher=teacher)
        decision = self._reply(action, topic, conf, options, lang, facts)
        decision.also = also if not decision.handoff else []
        decision.language_switched = switched
        return decision

    # ------------------------------------------------------------------
    def _remembered_language(self, sender: str | None) -> str | None:
        if sender is None:
            return None
        with self._languages_lock:
            return self._languages.get(sender)

    def _remember_language(self, sender: str, lang: str) -> None:
        with self._languages_lock:
            self._languages[sender] = lang
            self._languages.move_to_end(sender)
            while len(self._languages) > 10000:
                self._languages.popitem(last=False)

    def _ranking(self, text: str) -> tuple[dict[str, Any], list[tuple[str, float]]]:
        parse = self.engine.parse(text)
        return parse, [(r["name"], float(r["confidence"])) for r in parse.get("intent_ranking", [])
                       if r["name"] != "nlu_fallback"]

    def evidence(self, text: str) -> Evidence:
        content_words = [w for w in words(text) if len(w) >= 3 and not w.isdigit()]
        return Evidence(len(content_words), sum(self._known(w) for w in content_words))

    def _known(self, word: str) -> bool:
        """Seen in training, or sharing its first five letters with a word that was (a spelling, an ending)."""
        return word in self.vocabulary or (len(word) >= 5 and word[:5] in self.vocabulary_stems)

    def understand(self, text: str) -> Understanding:
        """Classify the whole message and, when it has several sentences, each sentence; read the safety signals."""
        parse, whole = self._ranking(text)
        parts = sentences(text)
        combined = dict(whole)
        urgent_vote = combined.get(URGENT, 0.0)
        sentence_topics: list[tuple[str, float, bool]] = []
        if len(parts) >= 2:
            weighted: dict[str, float] = {}
            total = 0.0
            for part in parts[:MAX_SENTENCES]:
                _, ranking = self._ranking(part.text)
                if not ranking:
                    continue
                n_words = len(words(part.text))
                weight = (QUESTION_WEIGHT if part.question else 1.0) * (0.3 if n_words < 3 else 1.0)
                total += weight
                for t, p in ranking:
                    weighted[t] = weighted.get(t, 0.0) + weight * p
                top, p = ranking[0]
                sentence_topics.append((top, p, part.question))
                urgent_vote = max(urgent_vote, dict(ranking).get(URGENT, 0.0))
            if total:
                combined = {t: WHOLE_WEIGHT * combined.get(t, 0.0) + (1 - WHOLE_WEIGHT) * weighted.get(t, 0.0) / total
                            for t in set(combined) | set(weighted)}
        ranking = sorted(combined.items(), key=lambda kv: -kv[1])
        return Understanding(ranking, self.safety.topics(text), self.urgent.assess(text), urgent_vote,
                             sentence_topics, self.evidence(text), parse)

    def decide(self, u: Understanding) -> tuple[str, str, list[str], float]:
        """(intent for the dialogue layer, topic to report, options to offer, confidence)."""
        ranking, safety = list(u.ranking), list(u.safety)
        meaning = u.meaning
        urgent = meaning.urgent or (not meaning.framed and (
            (u.urgent_vote >= URGENT_VOTE_WITH_CUES and bool(meaning.cues)) or u.urgent_vote >= URGENT_VOTE_ALONE))
        if urgent:
            return URGENT, URGENT, [], max(u.urgent_vote, dict(ranking).get(URGENT, 0.0), 0.9)
        # No urgent meaning: the urgent topic is out of the running, but a weak urgent phrase
        # or a strong urgent vote still reaches a person (as a sensitive hand-off, without the numbers).
        weak_urgent = (URGENT in safety or (u.urgent_vote >= URGENT_VOTE_HANDOFF and bool(meaning.cues))) \
            and not meaning.framed
        safety = [t for t in safety if t != URGENT]
        # Not renormalised: when the classifier leaned on "urgent" without urgent meaning, what is left is
        # uncertain, and should look uncertain (did-you-mean), not inflate a neighbour into a hand-off.
        rest = max(1.0 - dict(ranking).get(URGENT, 0.0), 1e-6)
        ranking = [(t, p) for t, p in ranking if t != URGENT]
        probs = dict(ranking)
        for topic, p, _ in u.sentence_topics:
            if kind_of(topic) == "sensitive" and p >= SENTENCE_SENSITIVE and topic not in safety:
                safety.append(topic)  # a concern told in one sentence of a long story
        if weak_urgent and not safety:
            sensitive = [(t, p) for t, p in ranking if kind_of(t) == "sensitive"]
            safety.append(sensitive[0][0] if sensitive else SENSITIVE_DEFAULT)
        top, conf = ranking[0] if ranking else ("fallback", 0.0)
        named = [t for t in safety if kind_of(t) == "sensitive"]
        if kind_of(top) == "sensitive" and named and top not in named:
            # two sensitive readings: the concern the parent names in words ("they take his sandwiches")
            # is more specific than the classifier's diffuse vote ("he comes home quiet")
            top = max(named, key=lambda t: probs.get(t, 0.0))
            conf = max(conf, probs.get(top, 0.0))
        if kind_of(top) in HANDOFF_KINDS and conf / rest >= SENSITIVE_THRESHOLD and u.evidence.known:
            # Sensitive stays high-recall: neither the evidence rule nor a rejected urgent vote holds it back
            # (among the non-urgent topics, this one is likely enough to hand off).
            return top, top, [], conf
        conf *= u.evidence.factor()
        # the choices offered are ranked among the non-urgent topics
        intent, topic, options = self._choose(top, conf, [(t, p / rest) for t, p in ranking], safety)
        reported = conf if topic == top else probs.get(topic, conf)
        return intent, topic, options, reported

    def _also(self, u: Understanding, topic: str) -> list[str]:
        """A second topic in a long message (a sentence of its own about it), offered after the answer."""
        out: list[str] = []
        for t, p, _ in sorted(u.sentence_topics, key=lambda x: (-x[2], -x[1])):
            if t != topic and t not in out and p >= SENTENCE_ALSO and kind_of(t) == "answer":
                out.append(t)
        return out[:1]

    def _machine_translated(self, action: str, topic: str, conf: float, options: list[str], lang: str,
                            school: dict[str, Any] | None, teacher: str | None,
                            translate_reply: bool = True) -> Decision:
        dutch = self._reply(action, topic, conf, options, SOURCE_LANGUAGE, content.Facts(school, SOURCE_LANGUAGE,
                                                                                          teacher=teacher))
        reply = dutch.reply
        if translate_reply:
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
        """(intent for the dialogue layer, topic to report, options to offer); urgency is decided before."""
        probs = dict(ranking)
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


_EXAMPLE = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def known_words() -> frozenset[str]:
    """Every normalised word of the tier-1 training messages (what the model has seen)."""
    import yaml

    from bot.training import training_files

    vocab: set[str] = set()
    for path in training_files(languages=TIER1):
        if path.parent.name != "nlu_data":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []) or []:
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    vocab.update(words(_EXAMPLE.sub(r"\1", line[2:])))
    return frozenset(vocab)
