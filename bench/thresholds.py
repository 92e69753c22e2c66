"""How the answer threshold trades direct answers against "did you mean" choices.

    .venv/bin/python bench/thresholds.py

Understands every held-out message once, then replays the decision (bot/assistant.py
`decide`) for several ANSWER_THRESHOLD values and prints, per set: the share
answered directly, how often a direct answer is right, how often the right topic
is answered or offered, and hand-off recall/precision. Use it to choose the
threshold; the figures of record come from bench/nlu_quality.py.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import assistant as assistant_module  # noqa: E402
from bot.assistant import Assistant  # noqa: E402
from bot.topics import HANDOFF_KINDS, kind_of  # noqa: E402
from bot.training import ensure_model  # noqa: E402

SETS = {"like": ROOT / "bench/data/heldout_like.jsonl", "other words": ROOT / "bench/data/heldout_other_words.jsonl"}


def main() -> None:
    a = Assistant.from_model(ensure_model(ROOT / "models"))
    parsed = {}
    for name, path in SETS.items():
        rows = [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
        parsed[name] = [(r, a.understand(r["text"])) for r in rows]
    grid = [(a, a) for a in (0.35, 0.45, 0.55, 0.7)] + [(0.45, s) for s in (0.2, 0.25, 0.3, 0.35)]
    for threshold, sensitive in grid:
        assistant_module.ANSWER_THRESHOLD = threshold
        assistant_module.SENSITIVE_THRESHOLD = sensitive
        line = [f"answer {threshold:.2f} sensitive {sensitive:.2f}"]
        for name, items in parsed.items():
            direct = direct_right = covered = tp = fp = fn = 0
            for r, understanding in items:
                intent, topic, options, _ = a.decide(understanding)
                gold = set(r["topics"])
                handoff = kind_of(intent) in HANDOFF_KINDS
                if intent != "nlu_fallback":
                    direct += 1
                    direct_right += topic in gold
                covered += topic in gold or bool(gold & set(options))
                tp += handoff and r["handoff"]
                fp += handoff and not r["handoff"]
                fn += r["handoff"] and not handoff
            n = len(items)
            line.append(f"{name}: direct {direct/n:.0%} right {direct_right/max(direct,1):.1%} "
                        f"covered {covered/n:.1%} hand-off R {tp/max(tp+fn,1):.1%} P {tp/max(tp+fp,1):.1%}")
        print(" | ".join(line), flush=True)


if __name__ == "__main__":
    main()
