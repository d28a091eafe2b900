"""Calibration: how likely a hiring committee is to pass an answer, learned from labels.

The rules score dimensions; how those scores (and the signals behind them) map to the
committee's pass or fail is learned on the dev set (``tests/data/judge-set.toml``) by
``scripts/train_judge.py``: a logistic regression over a few generic signals of the
reading (never a word of any answer, and nothing about length, so a short precise answer
does not lose for being short). Its weights are data, one file per meaning model
(``prompts/judge-calibration-MODEL.toml``), part of the rules digest. The frozen test split
is never used to fit it.

Beside the signals, a *probe* reads where the answer sits in the meaning model's space (the
mean of its sentences' embeddings, :func:`centroid`): a linear read-out fitted on the same
labels with a much stronger penalty than the signals get, so it nudges the probability
rather than deciding it. It hears what the rules have no phrase for (a concrete plan said
unsurely, a fluent answer that says nothing) and carries across writers: fitted on the dev
set's first 156 cases and read on the 108 cases other writers added later, it took pairwise
ranking from 0.848 to 0.889, strong answers passed from 0.78 to 0.87 and weak ones failed
from 0.83 to 0.91 (``python scripts/train_judge.py --first 156 [--no-probe]``). It cannot
say why; the dimensions and their evidence still do.

The probability sets the verdict's band (pass at 0.5); where it and the rules' own verdict
disagree, the scorecard says so, and the dimensions carry the rules' scores as before.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from voicemock.core.bank import BankError, Question
from voicemock.core.judge.analysis import EXPLAINED, NAMED, Analysis
from voicemock.core.judge.meaning import Meaning
from voicemock.core.judge.schema import VERDICTS, DimensionScore

FEATURES = (
    "overall",
    "min_dim",
    "core",
    "verdict",
    "capped",
    "wrong",
    "coverage",
    "explained",
    "named_only",
    "mechanisms",
    "tradeoffs",
    "relevance",
    "list_share",
    "reason_share",
    "concrete_share",
    "q_sim_max",
    "q_sim_mean",
    "sp_sim_max",
    "sp_sim_mean",
    "uncertain",
    "myth_lean",
    "myth_margin",
    "dismissals",
    "absolute_share",
)
"""The signals the calibration reads, in order. Each is a number from the rules' reading."""

TERMS = (*FEATURES, *(f"{name}^2" for name in FEATURES))
"""The regression's terms: each signal, then its square (of the signal standardised), so
the fit can say "too little or too much of this" as well as "more of this"."""


def terms(
    values: Mapping[str, float], means: Sequence[float], scales: Sequence[float]
) -> list[float]:
    """The :data:`TERMS` of one reading; ``means`` and ``scales`` standardise the signals
    before they are squared (the first len(FEATURES) of a calibration's own)."""
    raw = [values[name] for name in FEATURES]
    z = [(v - m) / s for v, m, s in zip(raw, means, scales, strict=False)]
    return [*raw, *(v * v for v in z)]


def features(
    question: Question,
    analysis: Analysis,
    dims: Sequence[DimensionScore],
    weights: Mapping[str, float],
    recommendation: str,
    caps: Sequence[str],
    meaning: Meaning,
    myths: Sequence[tuple[str, Sequence[str]]] = (),
) -> dict[str, float]:
    """The signals of one question's answers, as :data:`FEATURES` names them.

    ``myths`` are the known misconceptions as (claim, what is right instead): a sentence
    nearer a claim than to every statement of what is right leans towards the myth.
    Embeddings hear the topic better than the polarity, so this is a soft signal for the fit
    to weigh, never a cap by itself."""
    counted = analysis.counted
    n = max(1, len(counted))
    core = [d.score for d in dims if weights.get(d.id, 1.0) > 1] or [d.score for d in dims]
    total = sum(weights.get(d.id, 1.0) for d in dims) or 1.0
    refs = [question.text, *(p.text for p in question.strong_points)]
    rows = meaning.similarity([s.meant for s in counted] or [""], refs)
    to_question = [r[0] for r in rows]
    to_points = [max(r[1:]) if len(r) > 1 else 0.0 for r in rows]
    coverage = analysis.coverage
    lean, margin = _myth_lean([s.meant for s in counted], myths, meaning)
    return {
        "overall": sum(d.score * weights.get(d.id, 1.0) for d in dims) / total,
        "min_dim": float(min((d.score for d in dims), default=1)),
        "core": float(min(core, default=1)),
        "verdict": float(VERDICTS.index(recommendation)),
        "capped": float(bool(caps)),
        "wrong": float(len(analysis.wrong_claims)),
        "coverage": analysis.coverage_ratio,
        "explained": sum(c.status == EXPLAINED for c in coverage) / max(1, len(coverage)),
        "named_only": sum(c.status == NAMED for c in coverage) / max(1, len(coverage)),
        "mechanisms": len(analysis.mechanisms) / n,
        "tradeoffs": len(analysis.tradeoffs) / n,
        "relevance": analysis.relevance,
        "list_share": sum(s.list_like for s in counted) / n,
        "reason_share": sum(s.reasoning for s in counted) / n,
        "concrete_share": sum(s.concrete for s in counted) / n,
        "q_sim_max": max(to_question),
        "q_sim_mean": fmean(to_question),
        "sp_sim_max": max(to_points),
        "sp_sim_mean": fmean(to_points),
        "uncertain": sum(bool(d.uncertain) for d in dims) / max(1, len(dims)),
        "myth_lean": lean,
        "myth_margin": margin,
        "dismissals": float(min(2, len(analysis.dismissals))),
        "absolute_share": len(analysis.absolutes) / n,
    }


def centroid(analysis: Analysis, meaning: Meaning) -> tuple[float, ...]:
    """Where the answer sits in meaning: the mean embedding of the sentences that count, each
    read as meant (jargon put right, from its last self-correction on); injected text and
    fillers do not count, so they do not move it."""
    return tuple(meaning.centroid([s.meant for s in analysis.counted] or [""]))


def _myth_lean(
    sentences: Sequence[str], myths: Sequence[tuple[str, Sequence[str]]], meaning: Meaning
) -> tuple[float, float]:
    """The closest a sentence comes to a myth it is nearer than to every statement of what is
    right instead (the myth's correction, its topic's facts), and the largest lead of a myth
    over those (0 without sentences or myths)."""
    if not sentences or not myths:
        return 0.0, 0.0
    to_claims = meaning.similarity(sentences, [claim for claim, _ in myths])
    rights = [right for _, group in myths for right in group]
    to_rights = meaning.similarity(sentences, rights)
    lean = margin = 0.0
    for claims, row in zip(to_claims, to_rights, strict=True):
        at = 0
        for c, (_, group) in zip(claims, myths, strict=True):
            best = max(row[at : at + len(group)], default=-1.0)
            at += len(group)
            if c > best:
                lean = max(lean, c)
                margin = max(margin, c - best)
    return lean, margin


@dataclass(frozen=True)
class Probe:
    """A linear read-out of an answer's :func:`centroid`, standardised per component."""

    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]

    def score(self, point: Sequence[float]) -> float:
        if len(point) != len(self.weights):
            raise ValueError(
                f"the probe reads {len(self.weights)} components, the answer has {len(point)}: "
                "the calibration was fitted with another meaning model"
            )
        return sum(
            w * (v - m) / s
            for v, m, s, w in zip(point, self.means, self.scales, self.weights, strict=True)
        )

    def to_dict(self) -> dict[str, list[float]]:
        return {"mean": list(self.means), "scale": list(self.scales), "weight": list(self.weights)}


@dataclass(frozen=True)
class Calibration:
    """A logistic regression over standardised :data:`TERMS`, and a :class:`Probe`."""

    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    model: str
    """The meaning model the features were measured with; another reads them differently."""
    strong_hire: float = 0.85
    """Probability from which a pass is a strong hire (every dimension at three or more)."""
    strong_no_hire: float = 0.15
    """Probability below which a fail is a strong no hire."""
    trained_on: str = ""
    """What it was fitted on, and how it did there (cross-validated): provenance for people."""
    probe: Probe | None = None
    """The read-out of the answer's place in meaning; None in a calibration fitted without."""

    def probability(self, values: Mapping[str, float], point: Sequence[float] = ()) -> float:
        """How likely a committee passes an answer with these signals and this centroid (the
        probe is left out when ``point`` is empty)."""
        row = terms(values, self.means, self.scales)
        z = self.bias + sum(
            w * (v - m) / s
            for v, m, s, w in zip(row, self.means, self.scales, self.weights, strict=True)
        )
        if self.probe is not None and point:
            z += self.probe.score(point)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def verdict(self, probability: float, scores: Sequence[int]) -> str:
        if probability >= 0.5:
            strong = probability >= self.strong_hire and min(scores, default=0) >= 3
            return VERDICTS[3] if strong else VERDICTS[2]
        return VERDICTS[0] if probability < self.strong_no_hire else VERDICTS[1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "trained_on": self.trained_on,
            "strong_hire": self.strong_hire,
            "strong_no_hire": self.strong_no_hire,
            "bias": self.bias,
            "feature": [
                {"name": n, "mean": m, "scale": s, "weight": w}
                for n, m, s, w in zip(TERMS, self.means, self.scales, self.weights, strict=True)
            ],
            **({"probe": self.probe.to_dict()} if self.probe is not None else {}),
        }


def parse_calibration(data: Mapping[str, Any], where: str = "calibration") -> Calibration:
    """Validate a calibration file: every feature once, in order, and numbers."""
    rows = data.get("feature")
    if not isinstance(rows, list) or [r.get("name") for r in rows] != list(TERMS):
        raise BankError(
            f"{where}: needs one [[feature]] per term, in order (refit it with "
            f"scripts/train_judge.py): {', '.join(TERMS)}"
        )
    try:
        means = tuple(float(r["mean"]) for r in rows)
        scales = tuple(float(r["scale"]) for r in rows)
        weights = tuple(float(r["weight"]) for r in rows)
        bias = float(data["bias"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BankError(f"{where}: each feature needs a numeric mean, scale and weight") from exc
    _finite(where, scales, (*means, *weights, bias))
    return Calibration(
        means,
        scales,
        weights,
        bias,
        model=str(data.get("model", "")),
        strong_hire=float(data.get("strong_hire", 0.85)),
        strong_no_hire=float(data.get("strong_no_hire", 0.15)),
        trained_on=str(data.get("trained_on", "")),
        probe=_probe(data.get("probe"), where),
    )


def _probe(data: Any, where: str) -> Probe | None:
    if data is None:
        return None
    try:
        means, scales, weights = (
            tuple(float(v) for v in data[k]) for k in ("mean", "scale", "weight")
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BankError(f"{where}: [probe] needs numeric mean, scale and weight lists") from exc
    if not weights or not len(means) == len(scales) == len(weights):
        raise BankError(f"{where}: [probe] needs mean, scale and weight lists of one length")
    _finite(f"{where} [probe]", scales, (*means, *weights))
    return Probe(means, scales, weights)


def _finite(where: str, scales: Sequence[float], others: Sequence[float]) -> None:
    if any(s <= 0 or not math.isfinite(s) for s in scales) or not all(
        math.isfinite(v) for v in others
    ):
        raise BankError(f"{where}: scales must be positive and every number finite")
