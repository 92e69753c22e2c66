"""Bench for "explain a letter" (issue 11) on the held-out phone photos.

    .venv/bin/python bench/letters_bench.py                 # held-out photos (the figures to report)
    .venv/bin/python bench/letters_bench.py --split dev -v  # development photos, with each letter's errors
    .venv/bin/python bench/letters_bench.py --clean         # the letters' own text, no OCR (understanding only)

The photos are made by bench/make_letters.py (fixed seeds) into a temporary folder unless
--photos DIR is given. Prints: key-word recall of the text read (target >= 0.95); per field
(dates, times, amounts, deadline, bring, slip) precision, recall and F1 (targets: dates and
amounts F1 >= 0.9); kind and colour accuracy (>= 0.85); seconds per one-page letter
(target <= 3 s, Tesseract one thread per page; this machine has 2 cores shared with others);
resident memory added to the process and the largest Tesseract child.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import make_letters  # noqa: E402

FIELDS = ("dates", "times", "amounts", "deadline", "bring", "slip")
TARGETS = {"keyword_recall": 0.95, "dates_f1": 0.9, "amounts_f1": 0.9, "kind_accuracy": 0.85,
           "colour_accuracy": 0.85, "seconds_per_page": 3.0}


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def as_sets(obj: dict) -> dict[str, set]:
    """The compared fields as sets (deadline: one item or none; slip: {True} or none)."""
    return {"dates": {str(d) for d in obj["dates"]}, "times": set(obj["times"]),
            "amounts": {round(float(a), 2) for a in obj["amounts"]},
            "deadline": {str(obj["deadline"])} if obj["deadline"] else set(),
            "bring": set(obj["bring"]), "slip": {True} if obj["slip"] else set()}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="heldout", choices=["dev", "heldout", "all"])
    ap.add_argument("--clean", action="store_true", help="use the letters' own text instead of OCR of photos")
    ap.add_argument("--photos", help="a folder with the photos (default: generate them into a temporary folder)")
    ap.add_argument("--lang", default="nl", help="the parent's language for the reply")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--baseline", action="store_true",
                    help="also the key-word recall of plain `tesseract -l nld` on the same photos (no clean-up)")
    ap.add_argument("-v", "--verbose", action="store_true", help="each letter's differences")
    args = ap.parse_args()

    schools, letters = make_letters.load_letters(args.split)
    cases = []  # (letter, source bytes or text)
    tmp = None
    if args.clean:
        cases = [(l, make_letters.letter_text(l, schools)) for l in letters]
    else:
        folder = Path(args.photos) if args.photos else Path(tmp := tempfile.mkdtemp(prefix="letters-bench-"))
        if not args.photos:  # in a child process, so that drawing the photos does not count as our memory
            subprocess.run([sys.executable, str(ROOT / "bench" / "make_letters.py"), "--out", str(folder),
                            "--split", args.split], check=True)
        for l in letters:
            for n in range(1, make_letters.photos_for(l) + 1):
                cases.append((l, (folder / f"{l['id']}-p{n}.jpg").read_bytes()))

    rss0 = rss_mb()
    from bot.letters import explain, explain_text  # imported here: its memory counts as added
    counts = {f: [0, 0, 0] for f in FIELDS}
    kw_hit = kw_all = kind_ok = colour_ok = 0
    seconds = []
    for letter, source in cases:
        truth = letter["truth"]
        today = letter["today"] if isinstance(letter["today"], date) else date.fromisoformat(letter["today"])
        t0 = time.perf_counter()
        result = explain_text(source, args.lang, today) if args.clean else explain([source], args.lang, today)
        seconds.append(time.perf_counter() - t0)
        got = result.to_json()
        low = got["text"].lower()
        missing = [k for k in truth["keywords"] if k.lower() not in low]
        kw_all += len(truth["keywords"])
        kw_hit += len(truth["keywords"]) - len(missing)
        kind_ok += got["kind"] == truth["kind"]
        colour_ok += got["colour"] == truth["colour"]
        g, t = as_sets(got), as_sets(truth)
        diffs = []
        for f in FIELDS:
            counts[f][0] += len(g[f] & t[f])
            counts[f][1] += len(g[f] - t[f])
            counts[f][2] += len(t[f] - g[f])
            if g[f] != t[f]:
                diffs.append(f"{f}: +{sorted(map(str, g[f] - t[f]))} -{sorted(map(str, t[f] - g[f]))}")
        if got["kind"] != truth["kind"] or got["colour"] != truth["colour"]:
            diffs.append(f"kind/colour {got['kind']}/{got['colour']} (truth {truth['kind']}/{truth['colour']})")
        if missing:
            diffs.append(f"key words not read: {missing}")
        if args.verbose and diffs:
            print(f"{letter['id']}: " + "; ".join(diffs))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # one letter at a time
    # throughput with two letters at a time (the bot's reader runs one page per core)
    throughput = None
    if not args.clean:
        from concurrent.futures import ThreadPoolExecutor

        t0 = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda c: explain([c[1]], args.lang, date.fromisoformat(str(c[0]["today"]))), cases))
        throughput = round(len(cases) / (time.perf_counter() - t0), 2)
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    baseline = None
    if args.baseline and not args.clean:
        hit = 0
        for letter, source in cases:
            plain = subprocess.run(["tesseract", "stdin", "stdout", "-l", "nld"], input=source, capture_output=True,
                                   env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"}).stdout.decode().lower()
            hit += sum(k.lower() in plain for k in letter["truth"]["keywords"])
        baseline = round(hit / kw_all, 3)

    n = len(cases)
    figures: dict = {"letters": len(letters), "photos": n, "mode": "clean text" if args.clean else "photos",
                     "keyword_recall": round(kw_hit / kw_all, 3) if kw_all else None}
    for f in FIELDS:
        p, r, f1 = prf(*counts[f])
        figures[f] = {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f1, 3)}
    figures["keyword_recall_plain_tesseract"] = baseline
    figures["kind_accuracy"] = round(kind_ok / n, 3)
    figures["colour_accuracy"] = round(colour_ok / n, 3)
    seconds.sort()
    figures["seconds_per_page"] = round(sum(seconds) / n, 2)
    figures["seconds_p95"] = round(seconds[min(n - 1, int(0.95 * n))], 2)
    figures["pages_per_second_2_workers"] = throughput
    figures["rss_added_mb"] = round(peak - rss0, 1)
    figures["tesseract_child_peak_mb"] = round(child_mb, 1)
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        print(f"{figures['mode']}: {n} items from {len(letters)} letters ({args.split})")
        if not args.clean:
            print(f"key-word recall      {figures['keyword_recall']:.3f}   (target >= 0.95: "
                  f"{figures['keyword_recall'] / 0.95:.2f}x)")
        if baseline is not None:
            print(f"  (plain tesseract -l nld on the same photos, no clean-up: {baseline:.3f})")
        for f in FIELDS:
            x = figures[f]
            target = "   (target F1 >= 0.9: %.2fx)" % (x["f1"] / 0.9) if f in ("dates", "amounts") else ""
            print(f"{f:<10} P {x['precision']:.3f}  R {x['recall']:.3f}  F1 {x['f1']:.3f}{target}")
        print(f"kind accuracy        {figures['kind_accuracy']:.3f}   (target >= 0.85: "
              f"{figures['kind_accuracy'] / 0.85:.2f}x)")
        print(f"colour accuracy      {figures['colour_accuracy']:.3f}   (target >= 0.85: "
              f"{figures['colour_accuracy'] / 0.85:.2f}x)")
        print(f"seconds per page     {figures['seconds_per_page']:.2f} mean, {figures['seconds_p95']:.2f} p95"
              f"   (target <= 3 s: {figures['seconds_per_page'] / 3:.2f} of the budget)")
        if throughput:
            print(f"throughput           {throughput:.2f} pages/s with 2 letters at a time on this 2-core machine")
        print(f"memory               +{figures['rss_added_mb']:.0f} MB resident at peak in this process, "
              f"Tesseract child peak {figures['tesseract_child_peak_mb']:.0f} MB")
    if tmp:
        for p in Path(tmp).iterdir():
            p.unlink()
        Path(tmp).rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
