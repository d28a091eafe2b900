"""Offline scoring of a five-minute answer (750 words), by phrases and by meaning.

    python bench/bench_scoring.py [--repeat 20]

For each judge measured in the same run (phrases only, the baseline; each installed meaning
model), in a fresh process so memory is its own: the model's load time, the median and p95
time to score one 750-word transcript against the technical rubric, and the peak memory the
process reached. Prints each against the phrases-only judge. Budgets (issue: the judge
generalises): scoring with the model loaded <= 150 ms, model load <= 1 s, extra peak RSS
<= 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
JUDGES = ("off", "minilm-l3", "minilm-l6")


def measure(model: str, repeat: int) -> dict[str, float | str]:
    """One judge, in this process: load, then score the same long answer ``repeat`` times."""
    import onnxruntime  # noqa: F401  (loaded by every session anyway: the VAD and turn models)

    from voicemock.app import resources

    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scorer = resources.scorer(model)
    question = resources.bank().get("tech-exactly-once-payments")
    # A long answer of distinct sentences: the dev set's technical answers, in order.
    import tomllib

    data = tomllib.loads((ROOT / "tests" / "data" / "judge-set.toml").read_text())
    said = [a["text"] for c in data["case"] if c["round"] == "technical" for a in c["answer"]]
    words = " ".join(said).split()[:750]
    text = " ".join(words)
    start = time.perf_counter()
    if scorer.meaning is not None:
        scorer.meaning.model.load()  # type: ignore[attr-defined]
    load = time.perf_counter() - start
    scorer.score_round("technical", [(question, [text])])  # reference texts embedded once
    times = []
    for _ in range(repeat):
        if scorer.meaning is not None:
            scorer.meaning.model.forget()  # type: ignore[attr-defined]
        start = time.perf_counter()
        scorer.score_round("technical", [(question, [text])])
        times.append(time.perf_counter() - start)
    times.sort()
    return {
        "judge": model if scorer.meaning is not None or model == "off" else f"{model} (missing)",
        "load_s": load,
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[max(0, int(len(times) * 0.95) - 1)] * 1000,
        "extra_rss_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_rss) / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--one", choices=JUDGES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.repeat)))
        return 0
    rows = []
    for model in JUDGES:
        out = subprocess.run(
            [sys.executable, __file__, "--one", model, "--repeat", str(args.repeat)],
            capture_output=True,
            text=True,
            env={**os.environ, "OMP_NUM_THREADS": "2"},
        )
        if out.returncode:
            print(f"{model}: failed\n{out.stderr}", file=sys.stderr)
            return 1
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    baseline = rows[0]["median_ms"]
    print(f"{'judge':<36}{'load':>8}{'median':>10}{'p95':>10}{'vs phrases':>12}{'extra RSS':>11}")
    for row in rows:
        print(
            f"{row['judge']:<36}{row['load_s']:>7.2f}s{row['median_ms']:>8.1f}ms"
            f"{row['p95_ms']:>8.1f}ms{row['median_ms'] / baseline:>11.1f}x"
            f"{row['extra_rss_mb']:>9.0f}MB"
        )
    print("budgets: scoring <= 150 ms with the model loaded, load <= 1 s, extra RSS <= 200 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
