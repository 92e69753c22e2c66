"""Scoring the assistant on labelled messages (the format of shared/spec/eval-sample.jsonl)."""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT


def evaluate(assistant: Any, rows: list[dict[str, Any]], use_lang_hint: bool = True) -> dict[str, Any]:
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    top1 = offered = direct = direct_right = lang_right = 0
    tp = fp = fn = 0
    confusions: Counter[tuple[str, str]] = Counter()
    started = time.perf_counter()
    for row in rows:
        decision = assistant.respond(row["text"], lang_hint=row.get("lang") if use_lang_hint else None)
        gold = set(row["topics"])
        right = decision.topic in gold
        top1 += right
        offered += right or bool(gold & set(decision.options))
        if not decision.options:
            direct += 1
            direct_right += right
        per_lang[row.get("lang", "?")][0] += right
        per_lang[row.get("lang", "?")][1] += 1
        lang_right += decision.language == row.get("lang")
        want = bool(row.get("handoff"))
        tp += want and decision.handoff
        fp += decision.handoff and not want
        fn += want and not decision.handoff
        if not right:
            confusions[(sorted(gold)[0], decision.topic)] += 1
    n = max(len(rows), 1)
    seconds = time.perf_counter() - started
    return {
        "messages": len(rows),
        "top1": top1 / n,
        "answered_or_offered": offered / n,
        "direct_share": direct / n,
        "direct_precision": direct_right / max(direct, 1),
        "handoff_precision": tp / max(tp + fp, 1),
        "handoff_recall": tp / max(tp + fn, 1),
        "language_accuracy": lang_right / n,
        "per_language": {k: v[0] / v[1] for k, v in sorted(per_lang.items())},
        "confusions": [{"expected": e, "got": g, "count": c} for (e, g), c in confusions.most_common(15)],
        "messages_per_second": len(rows) / seconds if seconds else 0.0,
    }


def format_report(r: dict[str, Any]) -> str:
    lines = [
        f"messages                 {r['messages']}",
        f"top-1 topic              {r['top1']:.1%}",
        f"right topic or offered   {r['answered_or_offered']:.1%}",
        f"direct answers           {r['direct_share']:.1%} of messages, {r['direct_precision']:.1%} right",
        f"hand-off precision       {r['handoff_precision']:.1%}",
        f"hand-off recall          {r['handoff_recall']:.1%}",
        f"language identification  {r['language_accuracy']:.1%}",
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
