"""Progress over time: each dimension's trend across sessions, and what to practise next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from voicemock.core.bank import ONSITE_ROUNDS
from voicemock.core.judge import Scorecard

_FLAT = 0.1  # score points per session below which a trend is flat


@dataclass(frozen=True)
class ScoredSession:
    session_id: str
    round: str
    started_at: str
    card: Scorecard


@dataclass(frozen=True)
class DimensionTrend:
    dimension: str
    title: str
    scores: tuple[int, ...]
    mean: float
    slope: float

    @property
    def direction(self) -> str:
        if len(self.scores) < 2 or abs(self.slope) < _FLAT:
            return "flat"
        return "improving" if self.slope > 0 else "declining"

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "title": self.title,
            "scores": list(self.scores),
            "mean": round(self.mean, 2),
            "slope": round(self.slope, 3),
            "trend": self.direction,
        }


@dataclass(frozen=True)
class Progress:
    sessions: int
    trends: tuple[DimensionTrend, ...]
    overall: tuple[float, ...]
    strongest: str | None
    weakest: str | None
    practise_next: str | None
    reason: str
    depth: tuple[tuple[int, int], ...] = ()
    """Follow-up levels (held, asked) per session that was asked any, oldest first."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "overall": list(self.overall),
            "dimensions": [t.to_dict() for t in self.trends],
            "strongest": self.strongest,
            "weakest": self.weakest,
            "practise_next": self.practise_next,
            "reason": self.reason,
            "depth": [{"held": h, "asked": a} for h, a in self.depth],
        }


def slope(values: Sequence[float]) -> float:
    """Least-squares slope per step: robust to one odd session, unlike last minus first."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den


def progress(sessions: Sequence[ScoredSession]) -> Progress:
    """Trends over sessions in the order given (oldest first)."""
    by_dim: dict[str, list[int]] = {}
    titles: dict[str, str] = {}
    for s in sessions:
        for dim in s.card.dimensions:
            by_dim.setdefault(dim.id, []).append(dim.score)
            titles[dim.id] = dim.title
    trends = tuple(
        DimensionTrend(d, titles[d], tuple(v), sum(v) / len(v), slope(v)) for d, v in by_dim.items()
    )
    ranked = sorted(trends, key=lambda t: (t.mean, t.slope))
    latest: dict[str, ScoredSession] = {}
    for s in sessions:
        latest[s.round] = s
    failing = sorted(
        (s for s in latest.values() if s.card.recommendation not in {"hire", "strong hire"}),
        key=lambda s: s.card.overall,
    )
    unpractised = [r for r in ONSITE_ROUNDS if r not in latest]
    if failing:
        nxt, reason = failing[0].round, "its latest session is below the hiring bar"
    elif unpractised:
        nxt, reason = unpractised[0], "not practised yet, and every round of the loop is a gate"
    elif latest:
        low = min(latest.values(), key=lambda s: s.card.overall)
        nxt, reason = low.round, "your lowest-scoring round"
    else:
        nxt, reason = None, "no scored sessions yet"
    return Progress(
        sessions=len(sessions),
        trends=trends,
        overall=tuple(s.card.overall for s in sessions),
        strongest=ranked[-1].dimension if ranked else None,
        weakest=ranked[0].dimension if ranked else None,
        practise_next=nxt,
        reason=reason,
        depth=tuple(
            s.card.coaching.depth_held
            for s in sessions
            if s.card.coaching is not None and s.card.coaching.depth_held[1]
        ),
    )
