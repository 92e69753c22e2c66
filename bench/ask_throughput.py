"""Messages per second of `schoolbrug ask --jsonl` after the model is loaded.

    .venv/bin/python bench/ask_throughput.py [FILE ...]

Runs the real command on the held-out sets, timestamps each output line, and
reports load time and steady-state throughput (target: >= 40 messages/s).
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    files = [Path(a) for a in sys.argv[1:]] or [ROOT / "bench" / "data" / "heldout_like.jsonl",
                                               ROOT / "bench" / "data" / "heldout_other_words.jsonl"]
    lines = []
    for f in files:
        for l in f.read_text(encoding="utf-8").splitlines():
            if l.strip():
                row = json.loads(l)
                lines.append(json.dumps({"id": row["id"], "text": row["text"]}, ensure_ascii=False))
    started = time.monotonic()
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "schoolbrug"), "ask", "--jsonl"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdin and proc.stdout
    proc.stdin.write("\n".join(lines) + "\n")
    proc.stdin.close()
    first = None
    count = 0
    for _ in proc.stdout:
        count += 1
        if first is None:
            first = time.monotonic()
    end = time.monotonic()
    proc.wait()
    load = (first or end) - started
    rate = (count - 1) / (end - first) if first and count > 1 else 0.0
    print(f"messages        {count}")
    print(f"load            {load:.1f} s (start to first answer)")
    print(f"throughput      {rate:.0f} messages/s after loading (target 40, ratio {rate/40:.2f})")


if __name__ == "__main__":
    main()
