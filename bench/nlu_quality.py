"""Understanding quality of the assistant, averaged over training seeds.

    .venv/bin/python bench/nlu_quality.py [--seeds 42,43,44]

For each seed: writes a copy of config.yml with that random_state, trains a model
(cached by fingerprint under var/bench-models), and scores it with the project's
own evaluation (bot/evaluation.py) on
  - bench/data/heldout_like.jsonl         messages phrased like the training data
  - bench/data/heldout_other_words.jsonl  the same things said with other words
  - shared/spec/eval-sample.jsonl         the published sample
without language hints (so language identification is measured too). Also prints
plain langdetect's language accuracy on the same messages as a baseline.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.assistant import Assistant  # noqa: E402
from bot.evaluation import evaluate  # noqa: E402
from bot.languages import SUPPORTED  # noqa: E402
from bot.training import train  # noqa: E402

SETS = {
    "like": ROOT / "bench" / "data" / "heldout_like.jsonl",
    "other words": ROOT / "bench" / "data" / "heldout_other_words.jsonl",
    "sample": ROOT.parent / "shared" / "spec" / "eval-sample.jsonl",
}
FIGURES = [("top1", "top-1", 0.90), ("answered_or_offered", "right answered/offered", None),
           ("direct_precision", "direct answers right", 0.95), ("handoff_recall", "hand-off recall", 0.98),
           ("handoff_precision", "hand-off precision", 0.90), ("language_accuracy", "language id", 0.98)]


def rows(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def langdetect_baseline(all_rows: list[dict]) -> float:
    from langdetect import DetectorFactory, detect_langs

    DetectorFactory.seed = 0
    right = 0
    for r in all_rows:
        try:
            guesses = [g for g in detect_langs(r["text"]) if g.lang in SUPPORTED]
            right += bool(guesses) and guesses[0].lang == r["lang"]
        except Exception:
            pass
    return right / len(all_rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="42,43,44")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    data = {name: rows(path) for name, path in SETS.items() if path.exists()}
    results: dict[str, list[dict]] = {name: [] for name in data}
    for seed in seeds:
        config = yaml.safe_load((ROOT / "config.yml").read_text())
        for comp in config["pipeline"]:
            if comp["name"].endswith("LogisticRegressionClassifier"):
                comp["random_state"] = seed
        cfg = ROOT / "var" / f"config-seed{seed}.yml"
        cfg.parent.mkdir(parents=True, exist_ok=True)
        cfg.write_text(yaml.safe_dump(config, sort_keys=False))
        model = train(ROOT / "var" / "bench-models" / f"seed{seed}", config=cfg)
        assistant = Assistant.from_model(model)
        for name, rs in data.items():
            report = evaluate(assistant, rs, use_lang_hint=False)
            results[name].append(report)
            print(f"seed {seed} {name:12s} top-1 {report['top1']:.1%}  offered {report['answered_or_offered']:.1%}  "
                  f"direct {report['direct_precision']:.1%}  hand-off R {report['handoff_recall']:.1%} "
                  f"P {report['handoff_precision']:.1%}  lang {report['language_accuracy']:.1%}", flush=True)
    print("\naverage over seeds", seeds)
    for name, reports in results.items():
        print(f"\n{name} ({reports[0]['messages']} messages)")
        for key, label, target in FIGURES:
            value = sum(r[key] for r in reports) / len(reports)
            ratio = f"  (target {target:.0%}, ratio {value/target:.2f})" if target else ""
            print(f"  {label:24s} {value:.1%}{ratio}")
        per_lang: dict[str, float] = {}
        for r in reports:
            for lang, v in r["per_language"].items():
                per_lang[lang] = per_lang.get(lang, 0) + v / len(reports)
        print("  per language: " + "  ".join(f"{k} {v:.0%}" for k, v in sorted(per_lang.items())))
        print(f"  lowest language        {min(per_lang.values()):.1%}")
        print(f"  speed                  {sum(r['messages_per_second'] for r in reports)/len(reports):.0f} messages/s")
    everything = [r for rs in data.values() for r in rs]
    print(f"\nplain langdetect (seeded, restricted to supported languages): {langdetect_baseline(everything):.1%} "
          f"on all {len(everything)} messages")


if __name__ == "__main__":
    main()
