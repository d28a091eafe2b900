"""Offline scoring of a five-minute answer (about 750 words).

    python bench/bench_scoring.py [--repeat 50]

Prints the median time to score one 750-word transcript against the technical
rubric; the budget is tens of milliseconds (far below what a person notices).
For scale it also prints, measured in the same run, the time to tokenise the
same text once (the floor any scorer pays).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    from voicemock import resources
    from voicemock.core.text import normalize

    scorer = resources.scorer()
    question = resources.bank().get("tech-exactly-once-payments")
    base = (ROOT / "audio_fixtures" / "eo-strong.txt").read_text().split()
    words = (base * (750 // len(base) + 1))[:750]
    text = " ".join(words)

    scorer.score_round("technical", [(question, [text])])  # warm caches
    times, floor = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        scorer.score_round("technical", [(question, [text])])
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        normalize(text).split()
        floor.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(
        f"scoring a {len(words)}-word answer: median {median * 1000:.1f} ms over "
        f"{args.repeat} runs (p95 {sorted(times)[int(len(times) * 0.95) - 1] * 1000:.1f} ms)"
    )
    print(
        f"  tokenising the same text: {statistics.median(floor) * 1000:.2f} ms "
        f"(scoring = {median / statistics.median(floor):.0f}x the floor)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
