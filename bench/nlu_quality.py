"""Understanding quality of the assistant, averaged over training seeds.

    .venv/bin/python bench/nlu_quality.py [--seeds 42,43,44]

For each seed: writes a copy of config.yml with that random_state, trains a model
(cached by fingerprint under var/bench-models), and scores it with the project's
own evaluation (bot/evaluation.py) on
  - bench/data/heldout_like.jsonl         messages phrased like the training data
  - bench/data/heldout_other_words.jsonl  the same things said with other words
  - bench/data/heldout_long.jsonl         long, messy messages (> 150 characters), 12 languages
  - bench/data/heldout_urgent.jsonl       urgent stories and one-liners, and ordinary questions that
                                          share words with them (hard negatives), 12 languages
  - shared/spec/eval-sample.jsonl         the published sample
without language hints (so language identification is measured too). Also prints
plain langdetect's language accuracy on the same messages as a baseline.

Per tier-1 language and for long messages (> 150 characters) separately it prints
top-1, right answered-or-offered, direct-answer precision, hand-off recall and
precision, urgent-answer recall and precision and calibration (share right among
direct answers with confidence >= 0.9); and the language of short follow-ups
("ok", "CLB ?", an emoji, a name, gibberish) sent after each long message in the
same conversation.

    .venv/bin/python bench/nlu_quality.py --model models/schoolbrug-<fp>.tar.gz   # one trained model, no training
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
    "long": ROOT / "bench" / "data" / "heldout_long.jsonl",
    "urgent": ROOT / "bench" / "data" / "heldout_urgent.jsonl",
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


def pct(v: float | None) -> str:
    return "  -  " if v is None else f"{v:5.1%}"


def line(label: str, r: dict) -> str:
    return (f"  {label:10s} n={r['messages']:4d}  top-1 {pct(r['top1'])}  offered {pct(r['answered_or_offered'])}  "
            f"direct-P {pct(r['direct_precision'])}  hand-off R {pct(r['handoff_recall'])} P {pct(r['handoff_precision'])}  "
            f"urgent R {pct(r['urgent_recall'])} P {pct(r['urgent_precision'])}  "
            f"calib(>=0.9) {pct(r['calibration'])} of {r['confident_answers']}  "
            f"(0.7-0.9) {pct(r['calibration_07'])} of {r['fairly_confident_answers']}  lang {pct(r['language_accuracy'])}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="42,43,44")
    ap.add_argument("--model", help="score this trained model instead of training one per seed")
    ap.add_argument("--sets", help="comma-separated subset of: " + ", ".join(SETS))
    ap.add_argument("--errors", action="store_true", help="list the wrong decisions")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    wanted = args.sets.split(",") if args.sets else list(SETS)
    data = {name: rows(path) for name, path in SETS.items() if path.exists() and name in wanted}
    results: dict[str, list[dict]] = {name: [] for name in data}
    models = [("model", Path(args.model))] if args.model else []
    for seed in ([] if args.model else seeds):
        config = yaml.safe_load((ROOT / "config.yml").read_text())
        for comp in config["pipeline"]:
            if comp["name"].endswith("LogisticRegressionClassifier"):
                comp["random_state"] = seed
        cfg = ROOT / "var" / f"config-seed{seed}.yml"
        cfg.parent.mkdir(parents=True, exist_ok=True)
        cfg.write_text(yaml.safe_dump(config, sort_keys=False))
        models.append((f"seed {seed}", train(ROOT / "var" / "bench-models" / f"seed{seed}", config=cfg)))
    for label, model in models:
        assistant = Assistant.from_model(model)
        for name, rs in data.items():
            report = evaluate(assistant, rs, use_lang_hint=False, follow_ups=name == "long")
            results[name].append(report)
            print(f"{label} {name:12s} top-1 {report['top1']:.1%}  offered {report['answered_or_offered']:.1%}  "
                  f"direct {report['direct_precision']:.1%}  hand-off R {report['handoff_recall']:.1%} "
                  f"P {report['handoff_precision']:.1%}  lang {report['language_accuracy']:.1%}", flush=True)
            if args.errors:
                for e in report["errors"]:
                    print("    ", json.dumps(e, ensure_ascii=False))
    print("\naverage over", [m[0] for m in models])
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
        last = reports[-1]  # detail from the last model
        print(line("all", last))
        if last["long"]["messages"]:
            print(line("long>150", last["long"]))
        for lang, detail in last["per_language_detail"].items():
            print(line(lang, detail))
        if last.get("follow_up_language") is not None:
            print(f"  short follow-ups keep the conversation's language: {pct(last['follow_up_language'])}; "
                  f"gibberish reported as fallback: {pct(last['gibberish_fallback'])}")
    # long messages over all sets, against short ones
    long_all = [r["long"] for rs in results.values() for r in rs[-1:] if r["long"]["messages"]]
    if long_all:
        n = sum(r["messages"] for r in long_all)
        t1 = sum(r["top1"] * r["messages"] for r in long_all) / n
        print(f"\nlong messages (> 150 characters) over all sets: {n} messages, top-1 {t1:.1%}")
    everything = [r for rs in data.values() for r in rs]
    print(f"\nplain langdetect (seeded, restricted to supported languages): {langdetect_baseline(everything):.1%} "
          f"on all {len(everything)} messages")


if __name__ == "__main__":
    main()
