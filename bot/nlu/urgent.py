"""Does this message carry URGENT MEANING? (issue 8: "urgent means urgent, both ways")

An emergency answer (112, 1712, 1813) frightens a parent and alarms staff, and
a missed one can cost a child. So a shared word is never enough: the cue
lexicon (`urgent_cues` in nlu_data/safety.yml) names groups of words (a child,
an adult, missing, touching, violence, an injury, a weapon, a threat, ...) and
a sentence is urgent only when it carries one of these combinations:

    suicide talk / self-harm   self_harm; or self_ref + kill ("zichzelf wil doden")
    sexual abuse               sexual; or (touch | nude) + adult
    acute danger to life       acute (unconscious, swallowed pills, forced marriage, domestic violence)
    violence with injury       violence + injury; adult + violence (in one clause, the adult hitting) + child;
                               weapon + (violence | threat); threat + kill
    a missing child            missing_person; or missing + child in one clause
                               and (a time cue | an alarm | the clause ends on it);
                               or gone ("weg") + child + a time cue in one clause
    an abduction attempt       lure + stranger; follow + (adult | stranger)
    abuse of a child           abuse
    a child in acute danger    danger + child

A clause framed as a hypothesis ("what if my child gets lost on the trip",
"if ... ?", "if ... what do the teachers do") or as information ("the film about ...", "the number of ...",
"sex education") does not count, nor is hitting a ball (or bumping one's head)
violence, nor touching or hitting said not to happen ("he does not touch"). Everything is
evaluated per sentence (and framing per clause), so an urgent sentence in the
middle of a long message still counts and a framing elsewhere does not hide it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.nlu.lexicon import TermMatcher, load_terms
from bot.nlu.normalize import words
from bot.nlu.safety import SAFETY_FILE
from bot.nlu.segment import sentences

# Turkish says "if" with a verb suffix: kaybolursa, gelmezse, olursa (only looked for in Turkish-looking text).
_TR_CONDITIONAL = re.compile(r"\b\w{2,}(?:ursa|ırsa|irse|ürse|arsa|erse|mazsa|mezse)\b")
_TR_LETTERS = re.compile("[ığşİĞŞ]")
MEANING_CUES = frozenset({"self_harm", "sexual", "touch", "violence", "injury", "threat", "weapon", "kill",
                          "missing_person", "missing", "lure", "abuse", "follow", "danger", "stranger", "nude", "acute"})
_APOSTROPHES = re.compile(r"['’ʼ`]")
# "that" after a verb of saying: "my son said that his stepfather hits him" (the adult after it is the subject)
_THAT = frozenset({"that", "dat", "que", "qu", "что", "що", "ze", "ca", "че", "ki", "in", "inuu", "inay", "ان", "انه",
                   "انها"})


def _split_elision(text: str) -> str:
    """l'instituteur -> l instituteur, so a word is found after an elided article (terms get the same)."""
    return _APOSTROPHES.sub(" ", text)


@dataclass
class UrgentMeaning:
    urgent: bool = False
    kind: str | None = None  # suicide, abuse, violence, missing, abduction
    sentence: str = ""
    framed: bool = False  # some clause was a hypothesis or information
    cues: set[str] = field(default_factory=set)  # meaning cues seen outside framed clauses


class UrgentCheck:
    def __init__(self, path: Path = SAFETY_FILE) -> None:
        terms = load_terms(path, "urgent_cues") if path.exists() else {}
        self.matcher = TermMatcher({g: [_split_elision(t) for t in ts] for g, ts in terms.items()})

    def _groups(self, text: str) -> set[str]:
        text = _split_elision(text)
        found = set(self.matcher.match(text))
        if _TR_LETTERS.search(text) and _TR_CONDITIONAL.search(text.lower()):
            found.add("cond")
        return found

    def assess(self, text: str) -> UrgentMeaning:
        result = UrgentMeaning()
        parts = sentences(text)
        alarm_anywhere = any("alarm" in self._groups(s.text) or s.text.endswith("!") for s in parts)
        for sentence in parts:
            kept: set[str] = set()
            missing_clause = False
            for clause in sentence.clauses:
                groups = self._groups(clause)
                if "hypo" in groups or "info" in groups or ("cond" in groups and sentence.question):
                    result.framed = result.framed or bool(groups & MEANING_CUES)
                    continue
                groups -= self._negated(clause)
                if groups & {"sport", "accident"}:
                    groups -= {"violence", "touch"}
                if "medical" in groups:
                    groups -= {"touch", "nude"}  # a medical check undresses and touches; abuse needs its own words
                if groups & {"belongings", "worry"}:
                    groups.discard("missing")  # a jacket that went missing; a fear that a child might get lost
                if {"adult", "violence"} <= groups and self._adult_hits(clause):
                    groups.add("adult_hits")  # the adult is the one who hits, in this clause
                if "missing" in groups and "child" in groups:
                    tail = " ".join(words(_split_elision(clause))[-1:])
                    missing_clause = True if "missing" in self.matcher.match(tail) else missing_clause
                    missing_clause = missing_clause or "time" in groups or alarm_anywhere
                if {"gone", "child", "time"} <= groups:
                    missing_clause = True  # "she is gone since this afternoon"
                kept |= groups
            result.cues |= kept & MEANING_CUES
            kind = self._kind(kept, missing_clause)
            if kind and not result.urgent:
                result.urgent, result.kind, result.sentence = True, kind, sentence.text
        return result

    def _negated(self, clause: str) -> set[str]:
        """Touching, nudity or violence said not to happen ("he does not touch anything else")."""
        spans = self.matcher.spans(_split_elision(clause))
        negators = {e for label, s, e in spans if label == "negation"}
        out = set()
        for label, start, _ in spans:
            if label in ("touch", "nude", "violence") and (start in negators or start - 1 in negators):
                out.add(label)
        # a group is dropped only if every mention of it is negated
        return {g for g in out if all(s in negators or s - 1 in negators for label, s, _ in spans if label == g)}

    def _adult_hits(self, clause: str) -> bool:
        """Is the adult the one who hits? Before the verb, just after it (verb first), or after "by"."""
        spans = self.matcher.spans(_split_elision(clause))
        tokens = words(_split_elision(clause))
        verbs = [(s, e) for label, s, e in spans if label == "violence"]
        agents = {e for label, s, e in spans if label == "agent"}
        reports = {s for label, s, e in spans if label == "says"}
        reported = {e for label, s, e in spans if label == "says"}
        for label, start, end in spans:
            told = start in reported or (start - 1 in reported and tokens[start - 1] not in _THAT)
            if label != "adult" or end in reports or end + 1 in reports or told:
                continue  # "the teacher says he hits other kids": the adult tells, she does not hit
            if start in agents or any(start < vs or 0 <= start - ve <= 1 for vs, ve in verbs):
                return True
        return False

    @staticmethod
    def _kind(g: set[str], missing_clause: bool) -> str | None:
        if "self_harm" in g or {"self_ref", "kill"} <= g:
            return "suicide"
        if "acute" in g:
            return "acute"
        if "sexual" in g or "abuse" in g or ("adult" in g and g & {"touch", "nude"}):
            return "abuse"
        if ({"violence", "injury"} <= g or {"adult_hits", "child"} <= g
                or ("weapon" in g and g & {"violence", "threat"}) or {"threat", "kill"} <= g):
            return "violence"
        if "missing_person" in g or missing_clause:
            return "missing"
        if {"lure", "stranger"} <= g or {"follow", "adult"} <= g or {"follow", "stranger"} <= g:
            return "abduction"
        if {"danger", "child"} <= g:
            return "danger"
        return None


@lru_cache(maxsize=1)
def default_urgent_check() -> UrgentCheck:
    return UrgentCheck()
