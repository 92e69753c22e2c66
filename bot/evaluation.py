"""Scoring the assistant on labelled messages (the format of shared/spec/eval-sample.jsonl)."""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT


URGENT = "child_safety_emergency"
LONG = 150  # characters: a "long" message (issue 8)
FOLLOW_UPS = ("ok", "CLB ?", "Smartschool?", "👍", "2", "Ahmed", "Hallo", "qwzx blorf")


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


class _Tally:
    """Counts for one slice of the messages (all, one language, long ones)."""

    def __init__(self) -> None:
        self.n = self.top1 = self.offered = self.direct = self.direct_right = self.lang_right = 0
        self.tp = self.fp = self.fn = self.utp = self.ufp = self.ufn = self.conf_hi = self.conf_hi_right = 0
        self.conf_mid = self.conf_mid_right = 0

    def add(self, row: dict[str, Any], decision: Any) -> bool:
        gold = set(row["topics"])
        right = decision.topic in gold
        self.n += 1
        self.top1 += right
        self.offered += right or bool(gold & set(decision.options))
        if not decision.options:
            self.direct += 1
            self.direct_right += right
        self.lang_right += decision.language == row.get("lang")
        want = bool(row.get("handoff"))
        self.tp += want and decision.handoff
        self.fp += decision.handoff and not want
        self.fn += want and not decision.handoff
        want_urgent = URGENT in gold and len(gold) == 1
        urgent = decision.topic == URGENT and decision.handoff and "112" in decision.reply
        self.utp += want_urgent and urgent
        self.ufp += urgent and not want_urgent
        self.ufn += want_urgent and not urgent
        if decision.confidence >= 0.9 and not decision.options:
            self.conf_hi += 1
            self.conf_hi_right += right
        if 0.7 <= decision.confidence < 0.9 and not decision.options:
            self.conf_mid += 1
            self.conf_mid_right += right
        return right

    def report(self) -> dict[str, Any]:
        n = max(self.n, 1)
        return {
            "messages": self.n,
            "top1": self.top1 / n,
            "answered_or_offered": self.offered / n,
            "direct_share": self.direct / n,
            "direct_precision": self.direct_right / max(self.direct, 1),
            "handoff_precision": self.tp / max(self.tp + self.fp, 1),
            "handoff_recall": self.tp / max(self.tp + self.fn, 1),
            "urgent_recall": _ratio(self.utp, self.utp + self.ufn),
            "urgent_precision": _ratio(self.utp, self.utp + self.ufp),
            "urgent_counts": {"tp": self.utp, "fp": self.ufp, "fn": self.ufn},
            "calibration": _ratio(self.conf_hi_right, self.conf_hi),
            "confident_answers": self.conf_hi,
            "calibration_07": _ratio(self.conf_mid_right, self.conf_mid),  # share right among 0.7 <= confidence < 0.9
            "fairly_confident_answers": self.conf_mid,
            "language_accuracy": self.lang_right / n,
        }


def evaluate(assistant: Any, rows: list[dict[str, Any]], use_lang_hint: bool = True,
             follow_ups: bool = False) -> dict[str, Any]:
    """Score `rows` (eval-sample format). Per language and for long messages (> 150 characters) separately:
    top-1, right answered-or-offered, direct-answer precision, hand-off and urgent recall/precision and
    calibration (share right among direct answers with confidence >= 0.9). With `follow_ups`, every long
    message is followed, in the same conversation, by short messages ("ok", "CLB ?", ...) whose language
    must stay the conversation's."""
    everything, long_ = _Tally(), _Tally()
    per_lang: dict[str, _Tally] = defaultdict(_Tally)
    confusions: Counter[tuple[str, str]] = Counter()
    errors: list[dict[str, Any]] = []
    follow_total = follow_right = gib_total = gib_fallback = 0
    started = time.perf_counter()
    for row in rows:
        sender = f"eval-{row.get('id')}" if follow_ups else None
        decision = assistant.respond(row["text"], sender=sender, lang_hint=row.get("lang") if use_lang_hint else None)
        right = everything.add(row, decision)
        per_lang[row.get("lang", "?")].add(row, decision)
        if len(row["text"]) > LONG:
            long_.add(row, decision)
        if not right:
            confusions[(sorted(row["topics"])[0], decision.topic)] += 1
        if not right or decision.handoff != bool(row.get("handoff")):
            errors.append({"id": row.get("id"), "expected": row["topics"], "got": decision.topic,
                           "confidence": round(decision.confidence, 3), "handoff": decision.handoff,
                           "options": decision.options})
        if follow_ups and len(row["text"]) > LONG:
            for text in FOLLOW_UPS:
                d = assistant.respond(text, sender=sender)
                follow_total += 1
                follow_right += d.language == row.get("lang")
                if text == FOLLOW_UPS[-1]:
                    gib_total += 1
                    gib_fallback += d.topic == "fallback"
    seconds = time.perf_counter() - started
    out = everything.report()
    out.update({
        "per_language": {k: v.top1 / max(v.n, 1) for k, v in sorted(per_lang.items())},
        "per_language_detail": {k: v.report() for k, v in sorted(per_lang.items())},
        "long": long_.report(),
        "follow_up_language": _ratio(follow_right, follow_total),
        "gibberish_fallback": _ratio(gib_fallback, gib_total),
        "confusions": [{"expected": e, "got": g, "count": c} for (e, g), c in confusions.most_common(15)],
        "errors": errors,
        "messages_per_second": len(rows) / seconds if seconds else 0.0,
    })
    return out


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.1%}"


def format_report(r: dict[str, Any]) -> str:
    lines = [
        f"messages                 {r['messages']}",
        f"top-1 topic              {r['top1']:.1%}",
        f"right topic or offered   {r['answered_or_offered']:.1%}",
        f"direct answers           {r['direct_share']:.1%} of messages, {r['direct_precision']:.1%} right",
        f"hand-off precision       {r['handoff_precision']:.1%}",
        f"hand-off recall          {r['handoff_recall']:.1%}",
        f"language identification  {r['language_accuracy']:.1%}",
        f"urgent answers           recall {_fmt(r['urgent_recall'])}, precision {_fmt(r['urgent_precision'])}",
        f"calibration              {_fmt(r['calibration'])} right of {r['confident_answers']} answers with confidence >= 0.9",
        f"long messages (>{LONG})    {r['long']['messages']}: top-1 {_fmt(r['long']['top1'] if r['long']['messages'] else None)}, "
        f"hand-off recall {_fmt(r['long']['handoff_recall'] if r['long']['messages'] else None)}",
        f"speed                    {r['messages_per_second']:.0f} messages/s",
        "per language: " + "  ".join(f"{k} {v:.0%}" for k, v in r["per_language"].items()),
        "confusions (expected → got):",
    ]
    lines += [f"  {c['expected']} → {c['got']}: {c['count']}" for c in r["confusions"]]
    return "\n".join(lines)


def cross_validate(folds: int = 5, out: Path | None = None, languages: tuple[str, ...] | None = None) -> str:
    """`rasa test nlu --cross-validation` on our pipeline and training data; returns a one-line summary."""
    import asyncio
    import json
    import os

    import yaml
    from rasa.model_testing import perform_nlu_cross_validation
    from rasa.shared.importers.importer import TrainingDataImporter

    from bot.languages import TIER1
    from bot.training import quiet_rasa, training_files

    quiet_rasa()
    out = out or PROJECT_ROOT / "var" / "crossval"
    out.mkdir(parents=True, exist_ok=True)
    os.chdir(PROJECT_ROOT)  # the concept featurizer finds its lexicon from here
    nlu_files = [str(p) for p in training_files(languages=languages or TIER1) if p.parent.name == "nlu_data"]
    data = TrainingDataImporter.load_from_dict(config_path=str(PROJECT_ROOT / "config.yml"),
                                               domain_path=str(PROJECT_ROOT / "dialogues" / "domain.yml"),
                                               training_data_paths=nlu_files).get_nlu_data()
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    asyncio.run(perform_nlu_cross_validation(config, data, str(out), {
        "folds": folds, "disable_plotting": True, "errors": True, "successes": False, "report_as_dict": True}))
    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    return (f"{folds}-fold cross-validation on {len(data.intent_examples)} examples: accuracy "
            f"{report.get('accuracy', 0):.1%}, weighted F1 {report['weighted avg']['f1-score']:.1%} "
            f"(reports in {out})")
