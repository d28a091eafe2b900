"""Fit the judge's committee calibration on the dev set: prompts/judge-calibration-MODEL.toml.

    python scripts/train_judge.py [--set tests/data/judge-set.toml] [--check]

The meaning model is the one the judge uses (VOICEMOCK_JUDGE_MODEL, else the default); each
model has its calibration.

Reads every labelled answer of the dev set with the uncalibrated judge (the rules and the
meaning model), measures the signals in ``voicemock.core.judge.calibration.FEATURES``, and
fits a logistic regression over them and their squares (L2-regularised, full-batch gradient
descent: deterministic) to the committee's pass or fail, its bias then set for even odds
(see ``balanced``). Before the final fit it reports a
ten-fold cross-validation by case on the dev set (pairwise ranking and pass/fail agreement
on cases held out), so the figure that goes into the file is one the fit did not see. The
frozen test split is never read. ``--check`` fits again and fails if the file on disk
differs (a stale calibration).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

L2 = 1.0
STEPS = 3000
RATE = 0.1
FOLDS = 10


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        w -= RATE * (x.T @ (p - y) / len(y) + L2 * w / len(y))
        b -= RATE * float(np.mean(p - y))
    return w, b


def balanced(y: np.ndarray) -> float:
    """The bias shift that takes the dev set's own share of passes out of the probability.

    The set has more weak answers than strong ones because of how it was written, not
    because candidates fail more often: fitted as is, the regression would lean towards
    fail. Shifting the bias by log(fails / passes) makes it answer for even odds, so the
    pass line at 0.5 falls where strong answers pass and weak ones fail about equally
    often on cases held out."""
    passes = float(np.sum(y))
    return float(np.log((len(y) - passes) / passes))


def pairwise(cases: list[str], ranks: list[int], score: np.ndarray) -> float:
    by: dict[str, list[tuple[int, float]]] = {}
    for case, rank, s in zip(cases, ranks, score, strict=True):
        by.setdefault(case, []).append((rank, float(s)))
    pairs = agreed = 0
    for items in by.values():
        for i, (ra, sa) in enumerate(items):
            for rb, sb in items[i + 1 :]:
                if ra != rb:
                    pairs += 1
                    agreed += (sa > sb) if ra < rb else (sb > sa)
    return agreed / pairs if pairs else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=ROOT / "tests" / "data" / "judge-set.toml")
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args()

    import tomllib

    from voicemock.app import resources
    from voicemock.core.evaluation import load_set
    from voicemock.core.judge import Calibration
    from voicemock.core.judge.calibration import FEATURES, TERMS, features, terms

    scorer = resources.scorer(calibrated=False)
    if scorer.meaning is None:
        print("the calibration is measured with a meaning model: none is installed")
        return 1
    cases = load_set(args.set, resources.bank(), scorer.meaning)
    rows, labels, case_ids, ranks, wrong = [], [], [], [], []
    for case in cases:
        spec = scorer.rubric.round(case.round)
        weights = {d.id: d.weight for d in spec.dimensions}
        for answer in case.answers:
            card = scorer.score_round(case.round, [(case.question, [answer.text])])
            analysis = scorer.analyse(case.question, [answer.text])
            values = features(
                case.question,
                analysis,
                card.dimensions,
                weights,
                card.recommendation,
                card.caps,
                scorer.meaning,
                scorer.myths(case.question, analysis),
            )
            rows.append(values)
            labels.append(float(answer.band == ("hire", "strong hire")))
            case_ids.append(case.id)
            ranks.append(answer.rank)
            wrong.append(answer.wrong)
    y = np.array(labels)
    base = np.array([[values[n] for n in FEATURES] for values in rows])
    base_scales = base.std(axis=0)
    base_scales[base_scales < 1e-6] = 1.0
    x = np.array([terms(values, base.mean(axis=0), base_scales) for values in rows])
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales < 1e-6] = 1.0
    # The signals' own standardisation is the one their squares were taken with.
    means[: len(FEATURES)], scales[: len(FEATURES)] = base.mean(axis=0), base_scales
    xs = (x - means) / scales

    order = sorted(set(case_ids))
    held = np.zeros(len(y))
    for k in range(FOLDS):
        out = {c for i, c in enumerate(order) if i % FOLDS == k}
        train = np.array([c not in out for c in case_ids])
        w, b = fit(xs[train], y[train])
        b += balanced(y[train])
        held[~train] = 1.0 / (1.0 + np.exp(-(xs[~train] @ w + b)))
    cv_pairwise = pairwise(case_ids, ranks, held)
    cv_pass = float(np.mean(held[y == 1] >= 0.5))
    cv_fail = float(np.mean(held[y == 0] < 0.5))
    cv_wrong = float(np.mean(held[np.array(wrong)] < 0.5))
    w, b = fit(xs, y)
    b += balanced(y)
    summary = (
        f"{args.set.name}: {len(order)} cases, {len(y)} answers; {FOLDS}-fold cross-validation "
        f"by case: pairwise {cv_pairwise:.3f}, pass kept {cv_pass:.3f}, fail kept {cv_fail:.3f}, "
        f"wrong answers failed {cv_wrong:.3f}"
    )
    print(summary)
    calibration = Calibration(
        tuple(round(float(v), 6) for v in means),
        tuple(round(float(v), 6) for v in scales),
        tuple(round(float(v), 6) for v in w),
        round(b, 6),
        model=scorer.meaning.name,
        trained_on=summary,
    )
    text = _toml(calibration.to_dict())
    path = resources.calibration_path(scorer.meaning.name)
    if args.check:
        same = path.is_file() and _close(tomllib.loads(path.read_text()), tomllib.loads(text))
        print("up to date" if same else f"{path} is stale: run scripts/train_judge.py")
        return 0 if same else 1
    path.write_text(text)
    print(f"wrote {path}")
    for name, weight in sorted(zip(TERMS, w, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:<16}{weight:+.3f}")
    return 0


def _close(a: dict, b: dict, tolerance: float = 1e-3) -> bool:
    """The same calibration, up to the last digits of floating point."""
    numbers = ("strong_hire", "strong_no_hire", "bias")
    if a.get("model") != b.get("model") or any(abs(a[k] - b[k]) > tolerance for k in numbers):
        return False
    fa, fb = a.get("feature", []), b.get("feature", [])
    return len(fa) == len(fb) and all(
        x["name"] == y["name"]
        and all(abs(x[k] - y[k]) <= tolerance for k in ("mean", "scale", "weight"))
        for x, y in zip(fa, fb, strict=True)
    )


def _toml(data: dict) -> str:
    lines = [
        "# The judge's committee calibration: a logistic regression over the signals of the",
        "# rules' reading. Written by scripts/train_judge.py from the dev set; do not edit.",
        "",
    ]
    for key in ("model", "trained_on"):
        lines.append(f'{key} = "{data[key]}"')
    for key in ("strong_hire", "strong_no_hire", "bias"):
        lines.append(f"{key} = {data[key]!r}")
    for feature in data["feature"]:
        lines += ["", "[[feature]]"]
        lines.append(f'name = "{feature["name"]}"')
        for key in ("mean", "scale", "weight"):
            lines.append(f"{key} = {feature[key]!r}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
