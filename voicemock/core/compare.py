"""Two attempts at the same questions, side by side: what a re-answer drill changed.

Per dimension the score then and now; the concepts newly explained (and any no longer
explained); wrong claims fixed, repeated or new; the follow-up depth held; and the
delivery figures that moved (pace, fillers, long pauses, length, hedges).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voicemock.core.delivery import Delivery
from voicemock.core.judge import VERDICTS, Scorecard


@dataclass(frozen=True)
class DimensionChange:
    id: str
    title: str
    then: int | None
    now: int | None

    @property
    def delta(self) -> int:
        return (self.now or 0) - (self.then or 0) if None not in (self.then, self.now) else 0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "then": self.then, "now": self.now}


@dataclass(frozen=True)
class DeliveryChange:
    name: str
    then: float
    now: float
    unit: str
    better: bool | None
    """Whether the change is for the better; None when it is neither (or nothing moved)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "then": self.then,
            "now": self.now,
            "unit": self.unit,
            "better": self.better,
        }


@dataclass(frozen=True)
class Comparison:
    before: str
    after: str
    overall: tuple[float, float]
    verdict: tuple[str, str]
    dimensions: tuple[DimensionChange, ...]
    newly_explained: tuple[str, ...]
    no_longer_explained: tuple[str, ...]
    claims_fixed: tuple[str, ...]
    claims_repeated: tuple[str, ...]
    claims_new: tuple[str, ...]
    depth: tuple[tuple[int, int], tuple[int, int]] | None
    """(held, asked) then and now, when both cards have it."""
    delivery: tuple[DeliveryChange, ...]

    def sections(self) -> list[tuple[str, tuple[str, ...], bool]]:
        """What changed in what was said, as (title, items, for the better), non-empty only."""
        return [
            (title, items, good)
            for title, items, good in (
                ("Newly explained", self.newly_explained, True),
                ("No longer explained", self.no_longer_explained, False),
                ("Wrong claims fixed", self.claims_fixed, True),
                ("Wrong claims repeated", self.claims_repeated, False),
                ("New wrong claims", self.claims_new, False),
            )
            if items
        ]

    def unchanged(self) -> list[str]:
        """What the sections leave out because nothing moved."""
        out = []
        if not (self.newly_explained or self.no_longer_explained):
            out.append("Concepts: the same explained as before")
        if not (self.claims_fixed or self.claims_repeated or self.claims_new):
            out.append("Wrong claims: none either time")
        return out

    @property
    def verdict_moved(self) -> int:
        """+1 up the scale, -1 down, 0 the same."""
        a, b = (VERDICTS.index(v) if v in VERDICTS else 0 for v in self.verdict)
        return (b > a) - (b < a)

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before,
            "after": self.after,
            "overall": list(self.overall),
            "verdict": list(self.verdict),
            "dimensions": [d.to_dict() for d in self.dimensions],
            "newly_explained": list(self.newly_explained),
            "no_longer_explained": list(self.no_longer_explained),
            "claims_fixed": list(self.claims_fixed),
            "claims_repeated": list(self.claims_repeated),
            "claims_new": list(self.claims_new),
            "depth": None if self.depth is None else [list(self.depth[0]), list(self.depth[1])],
            "delivery": [d.to_dict() for d in self.delivery],
        }


def compare(
    before_id: str,
    before: Scorecard,
    after_id: str,
    after: Scorecard,
    pace: tuple[int, int] = (110, 170),
) -> Comparison:
    then = {d.id: d for d in before.dimensions}
    now = {d.id: d for d in after.dimensions}
    order = list(then) + [d for d in now if d not in then]
    dims = tuple(
        DimensionChange(
            d,
            (then.get(d) or now[d]).title,
            then[d].score if d in then else None,
            now[d].score if d in now else None,
        )
        for d in order
    )
    missing_then, missing_now = set(before.missing_concepts), set(after.missing_concepts)
    claims_then = {c.misconception.id: c.misconception.claim for c in before.incorrect}
    claims_now = {c.misconception.id: c.misconception.claim for c in after.incorrect}
    depth = None
    if before.coaching is not None and after.coaching is not None:
        depth = (before.coaching.depth_held, after.coaching.depth_held)
    return Comparison(
        before=before_id,
        after=after_id,
        overall=(before.overall, after.overall),
        verdict=(before.recommendation, after.recommendation),
        dimensions=dims,
        newly_explained=tuple(c for c in before.missing_concepts if c not in missing_now),
        no_longer_explained=tuple(c for c in after.missing_concepts if c not in missing_then),
        claims_fixed=tuple(v for k, v in claims_then.items() if k not in claims_now),
        claims_repeated=tuple(v for k, v in claims_now.items() if k in claims_then),
        claims_new=tuple(v for k, v in claims_now.items() if k not in claims_then),
        depth=depth,
        delivery=delivery_changes(before.delivery, after.delivery, pace),
    )


def delivery_changes(
    then: Delivery | None, now: Delivery | None, pace_range: tuple[int, int] = (110, 170)
) -> tuple[DeliveryChange, ...]:
    """The delivery figures of both attempts, each judged better, worse or neither."""
    if then is None or now is None:
        return ()
    lo, hi = now.expected_words

    def lower(a: float, b: float) -> bool | None:
        return None if a == b else b < a

    def toward(a: float, b: float, low: float, high: float) -> bool | None:
        def off(x: float) -> float:
            return max(low - x, x - high, 0.0)

        return None if off(a) == off(b) else off(b) < off(a)

    per = max(then.answers, 1), max(now.answers, 1)
    words = then.words / per[0], now.words / per[1]
    pace = then.words_per_minute, now.words_per_minute
    pace_lo, pace_hi = pace_range
    rows = [
        ("Pace", pace, "wpm", toward(*pace, pace_lo, pace_hi) if all(pace) else None),
        (
            "Fillers",
            (then.fillers_per_100_words, now.fillers_per_100_words),
            "per 100 words",
            lower(then.fillers_per_100_words, now.fillers_per_100_words),
        ),
        (
            "Long pauses",
            (then.long_pauses, now.long_pauses),
            "",
            lower(then.long_pauses, now.long_pauses),
        ),
        ("Words per answer", words, "", toward(*words, lo, hi) if hi else None),
        ("Hedges", (then.hedges, now.hedges), "", lower(then.hedges, now.hedges)),
    ]
    return tuple(
        DeliveryChange(name, round(float(a), 1), round(float(b), 1), unit, better)
        for name, (a, b), unit, better in rows
    )
