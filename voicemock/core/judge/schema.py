"""The scorecard: what the judge hands back for a round, and how it is stored.

A scorecard is stored as JSON (``to_dict``) and read back (``from_dict``): cards stored by
older versions lack later keys, which read as empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from voicemock.core.coaching import Coaching
from voicemock.core.delivery import Delivery, advice, combine
from voicemock.core.judge.claims import WrongClaim

VERDICTS = ("strong no hire", "no hire", "hire", "strong hire")
PASS = frozenset(VERDICTS[2:])
CAP_VERDICT = "no hire"
WRONG_CLAIM_CAP = "an incorrect claim about what the question is about"
INJECTION_CAP = "text addressed to the grader instead of the interviewer"


@dataclass(frozen=True)
class DimensionScore:
    id: str
    title: str
    score: int
    evidence: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    """Problems found when checking a judgement (a quote not in the transcript, a dispute)."""
    llm_score: int | None = None
    offline_score: int | None = None
    """Set when an LLM scored the dimension: both judgements, before the cross-check."""
    disputed: bool = False
    uncertain: tuple[str, ...] = ()
    """Why the judge is unsure of this score: its signals disagree (many concepts named,
    none explained; a meaning match near its threshold)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "title": self.title,
            "score": self.score,
            "evidence": list(self.evidence),
            "missing": list(self.missing),
        }
        if self.flags:
            out["flags"] = list(self.flags)
        if self.uncertain:
            out["uncertain"] = list(self.uncertain)
        if self.llm_score is not None:
            out |= {
                "llm_score": self.llm_score,
                "offline_score": self.offline_score,
                "disputed": self.disputed,
            }
        return out

    @classmethod
    def from_dict(cls, dim_id: str, data: Mapping[str, Any]) -> DimensionScore:
        """A dimension as stored (``to_dict``; older cards may lack the later keys)."""
        llm = data.get("llm_score")
        return cls(
            id=dim_id,
            title=str(data.get("title", dim_id)),
            score=int(data["score"]),
            evidence=tuple(data.get("evidence", ())),
            missing=tuple(data.get("missing", ())),
            flags=tuple(data.get("flags", ())),
            llm_score=None if llm is None else int(llm),
            offline_score=None if llm is None else int(data["offline_score"]),
            disputed=bool(data.get("disputed", False)),
            uncertain=tuple(data.get("uncertain", ())),
        )


@dataclass(frozen=True)
class Scorecard:
    round: str
    overall: float
    recommendation: str
    dimensions: tuple[DimensionScore, ...]
    missing_concepts: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    rubric_version: str = ""
    brain: str = "offline"
    notes: tuple[str, ...] = ()
    incorrect: tuple[WrongClaim, ...] = ()
    """Wrong claims heard in the answers, each with its correction."""
    caps: tuple[str, ...] = ()
    """Why the verdict is capped at no hire (a central wrong claim, off topic, injection)."""
    not_scored: tuple[str, ...] = ()
    """Dimensions the questions did not call for, so they were not scored."""
    delivery: Delivery | None = None
    """How the round's answers were delivered (spoken or replayed), when measured."""
    delivery_notes: tuple[str, ...] = ()
    coaching: Coaching | None = None
    """Where each quote, claim, filler and pause was said; depth held; the model outline."""
    committee: float | None = None
    """How likely a hiring committee is to pass these answers (0 to 1), from the
    calibration, when the judge measured it."""

    def dimension(self, dim_id: str) -> DimensionScore:
        for dim in self.dimensions:
            if dim.id == dim_id:
                return dim
        raise KeyError(dim_id)

    def to_dict(self) -> dict[str, Any]:
        return (
            {
                "round": self.round,
                "overall": self.overall,
                "recommendation": self.recommendation,
                "dimensions": {d.id: d.to_dict() for d in self.dimensions},
                "missing_concepts": list(self.missing_concepts),
                "hints": list(self.hints),
                "rubric_version": self.rubric_version,
                "brain": self.brain,
                "notes": list(self.notes),
                "incorrect": [w.to_dict() for w in self.incorrect],
                "caps": list(self.caps),
                "not_scored": list(self.not_scored),
            }
            | ({"committee": self.committee} if self.committee is not None else {})
            | (
                {"delivery": self.delivery.to_dict(), "delivery_notes": list(self.delivery_notes)}
                if self.delivery is not None
                else {}
            )
            | ({"coaching": self.coaching.to_dict()} if self.coaching is not None else {})
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scorecard:
        """A scorecard as stored (``to_dict``); cards stored by older versions lack some
        keys, which read as empty."""
        delivery = data.get("delivery")
        return cls(
            round=str(data.get("round", "")),
            overall=float(data["overall"]),
            recommendation=str(data["recommendation"]),
            dimensions=tuple(
                DimensionScore.from_dict(k, v) for k, v in data.get("dimensions", {}).items()
            ),
            missing_concepts=tuple(data.get("missing_concepts", ())),
            hints=tuple(data.get("hints", ())),
            rubric_version=str(data.get("rubric_version", "")),
            brain=str(data.get("brain", "offline")),
            notes=tuple(data.get("notes", ())),
            incorrect=tuple(WrongClaim.from_dict(w) for w in data.get("incorrect", ())),
            caps=tuple(data.get("caps", ())),
            not_scored=tuple(data.get("not_scored", ())),
            delivery=Delivery.from_dict(delivery) if delivery else None,
            delivery_notes=tuple(data.get("delivery_notes", ())),
            coaching=Coaching.from_dict(data["coaching"]) if data.get("coaching") else None,
            committee=None if data.get("committee") is None else float(data["committee"]),
        )

    def with_delivery(self, deliveries: Sequence[Delivery], pace: tuple[int, int]) -> Scorecard:
        """The card with how its answers were delivered (unchanged when none was measured)."""
        total = combine(deliveries)
        if total is None:
            return self
        return replace(self, delivery=total, delivery_notes=tuple(advice(total, pace)))
