"""Fit the judge's committee calibration on the dev set: prompts/judge-calibration-MODEL.toml.

    python scripts/train_judge.py [--set tests/data/judge-set.toml] [--check]
                                  [--no-probe] [--first N]

The meaning model is the one the judge uses (VOICEMOCK_JUDGE_MODEL, else the default); each
model has its calibration.

Reads every labelled answer of the dev set with the uncalibrated judge (the rules and the
meaning model), measures the signals in ``voicemock.core.judge.calibration.FEATURES`` and
the answer's centroid in meaning (the probe's input), and fits a logistic regression over
the signals, their squares and the centroid's components (L2-regularised, the centroid
PROBE_L2 / L2 times harder than the signals; full-batch gradient descent: deterministic) to
the committee's pass or fail, a confidently wrong answer counting WRONG_WEIGHT times, its
bias then set for even odds (see ``balanced``).
``--no-probe`` fits the signals alone, to compare. Before the final fit it reports a
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
PROBE_L2 = 25.0
"""The centroid's penalty: 384 components against a few hundred cases would otherwise learn
the cases; this strength was chosen by cross-validation on the dev set (0.15-0.3 of the
signals' scale did about equally well)."""
WRONG_WEIGHT = 3.0
"""How much more a confidently wrong answer counts in the fit than any other: passing one
does more harm than failing a borderline answer (ten-fold CV on the dev set, weight 1 → 3:
wrong answers failed 0.85 → 0.92, strong answers passed 0.95 → 0.94, pairwise unchanged).
The even-odds bias (``balanced``) still counts answers, not weights."""
STEPS = 3000
RATE = 0.1
FOLDS = 10


def fit(
    x: np.ndarray, y: np.ndarray, penalty: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray, float]:
    """Logistic regression with one L2 penalty per column and one weight per answer."""
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = weight * (p - y)
        w -= RATE * (x.T @ g / len(y) + penalty * w / len(y))
        b -= RATE * float(np.mean(g))
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


def figures(
    cases: list[str], ranks: list[int], y: np.ndarray, wrong: np.ndarray, p: np.ndarray
) -> str:
    """Pairwise ranking, pass and fail kept, and wrong answers failed, for probabilities ``p``."""
    return (
        f"pairwise {pairwise(cases, ranks, p):.3f}, pass kept {np.mean(p[y == 1] >= 0.5):.3f}, "
        f"fail kept {np.mean(p[y == 0] < 0.5):.3f}, "
        f"wrong answers failed {np.mean(p[wrong] < 0.5):.3f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=ROOT / "tests" / "data" / "judge-set.toml")
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    parser.add_argument(
        "--first",
        type=int,
        metavar="N",
        help="fit on the set's first N cases and report on the later ones (writes nothing)",
    )
    parser.add_argument(
        "--no-probe",
        action="store_true",
        help="fit the signals alone, without the centroid (to compare; --check needs the probe)",
    )
    args = parser.parse_args()
    if args.check and (args.no_probe or args.first):
        parser.error(
            "--check compares the file with the full fit: leave out --no-probe and --first"
        )

    import tomllib

    from voicemock.app import resources
    from voicemock.core.evaluation import load_set
    from voicemock.core.judge import Calibration
    from voicemock.core.judge.calibration import FEATURES, TERMS, Probe, centroid, features, terms

    scorer = resources.scorer(calibrated=False)
    if scorer.meaning is None:
        print("the calibration is measured with a meaning model: none is installed")
        return 1
    cases = load_set(args.set, resources.bank(), scorer.meaning)
    rows, points, labels, case_ids, ranks, wrong = [], [], [], [], [], []
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
            points.append(centroid(analysis, scorer.meaning))
            labels.append(float(answer.band == ("hire", "strong hire")))
            case_ids.append(case.id)
            ranks.append(answer.rank)
            wrong.append(answer.wrong)
    y = np.array(labels)
    weight = np.where(np.array(wrong), WRONG_WEIGHT, 1.0)
    base = np.array([[values[n] for n in FEATURES] for values in rows])
    base_scales = base.std(axis=0)
    base_scales[base_scales < 1e-6] = 1.0
    x = np.array([terms(values, base.mean(axis=0), base_scales) for values in rows])
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales < 1e-6] = 1.0
    # The signals' own standardisation is the one their squares were taken with.
    means[: len(FEATURES)], scales[: len(FEATURES)] = base.mean(axis=0), base_scales
    xs = (x - means) / scales
    penalty = np.full(len(TERMS), L2)
    if not args.no_probe:
        c = np.array(points)
        c_means, c_scales = c.mean(axis=0), c.std(axis=0)
        c_scales[c_scales < 1e-6] = 1.0
        xs = np.hstack([xs, (c - c_means) / c_scales])
        penalty = np.concatenate([penalty, np.full(c.shape[1], PROBE_L2)])

    what = "" if args.no_probe else ", with the probe"
    if args.first:
        # Fitted on the set's first cases, read on the later ones (other writers, other days).
        first = set(list(dict.fromkeys(case_ids))[: args.first])
        train = np.array([c in first for c in case_ids])
        w, b = fit(xs[train], y[train], penalty, weight[train])
        b += balanced(y[train])
        later = 1.0 / (1.0 + np.exp(-(xs[~train] @ w + b)))
        keep = [i for i, t in enumerate(train) if not t]
        print(
            f"{args.set.name}: fitted on the first {len(first)} cases ({int(train.sum())} "
            f"answers){what}, read on the {len(set(case_ids)) - len(first)} later ones "
            f"({len(keep)} answers): "
            + figures(
                [case_ids[i] for i in keep],
                [ranks[i] for i in keep],
                y[~train],
                np.array(wrong)[~train],
                later,
            )
        )
        return 0
    order = sorted(set(case_ids))
    held = np.zeros(len(y))
    for k in range(FOLDS):
        out = {c for i, c in enumerate(order) if i % FOLDS == k}
        train = np.array([c not in out for c in case_ids])
        w, b = fit(xs[train], y[train], penalty, weight[train])
        b += balanced(y[train])
        held[~train] = 1.0 / (1.0 + np.exp(-(xs[~train] @ w + b)))
    w, b = fit(xs, y, penalty, weight)
    b += balanced(y)
    summary = (
        f"{args.set.name}: {len(order)} cases, {len(y)} answers{what}; {FOLDS}-fold "
        f"cross-validation by case: " + figures(case_ids, ranks, y, np.array(wrong), held)
    )
    print(summary)
    n = len(TERMS)
    probe = None
    if not args.no_probe:
        probe = Probe(
            tuple(round(float(v), 6) for v in c_means),
            tuple(round(float(v), 6) for v in c_scales),
            tuple(round(float(v), 6) for v in w[n:]),
        )
    calibration = Calibration(
        tuple(round(float(v), 6) for v in means),
        tuple(round(float(v), 6) for v in scales),
        tuple(round(float(v), 6) for v in w[:n]),
        round(b, 6),
        model=scorer.meaning.name,
        trained_on=summary,
        probe=probe,
    )
    text = _toml(calibration.to_dict())
    path = resources.calibration_path(scorer.meaning.name)
    if args.no_probe:
        return 0  # a comparison: the file on disk keeps its probe
    if args.check:
        same = path.is_file() and _close(tomllib.loads(path.read_text()), tomllib.loads(text))
        print("up to date" if same else f"{path} is stale: run scripts/train_judge.py")
        return 0 if same else 1
    path.write_text(text)
    print(f"wrote {path}")
    for name, weight in sorted(zip(TERMS, w[:n], strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:<16}{weight:+.3f}")
    if probe is not None:
        spread = float(np.std(xs[:, n:] @ w[n:]))
        print(
            f"  probe: {len(probe.weights)} components, "
            f"its part of the log-odds spreads ±{spread:.2f}"
        )
    return 0


def _close(a: dict, b: dict, tolerance: float = 1e-3) -> bool:
    """The same calibration, up to the last digits of floating point."""
    numbers = ("strong_hire", "strong_no_hire", "bias")
    if a.get("model") != b.get("model") or any(abs(a[k] - b[k]) > tolerance for k in numbers):
        return False
    fa, fb = a.get("feature", []), b.get("feature", [])
    pa, pb = a.get("probe", {}), b.get("probe", {})
    return (
        len(fa) == len(fb)
        and all(
            x["name"] == y["name"]
            and all(abs(x[k] - y[k]) <= tolerance for k in ("mean", "scale", "weight"))
            for x, y in zip(fa, fb, strict=True)
        )
        and pa.keys() == pb.keys()
        and all(
            len(pa[k]) == len(pb[k])
            and all(abs(u - v) <= tolerance for u, v in zip(pa[k], pb[k], strict=True))
            for k in pa
        )
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
    if "probe" in data:
        lines += ["", "# The probe: one number per component of the answer's centroid in meaning."]
        lines.append("[probe]")
        for key in ("mean", "scale", "weight"):
            values = data["probe"][key]
            rows = [", ".join(repr(v) for v in values[i : i + 8]) for i in range(0, len(values), 8)]
            lines.append(f"{key} = [\n  " + ",\n  ".join(rows) + ",\n]")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
