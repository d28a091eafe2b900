"""The full-loop debrief: every round is a gate, as in the hiring committee.

A strong round never makes up for a failed one: one no-hire round makes the loop
a no hire, and the loop is a hire only when every round practised clears the bar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from voicemock.core.bank import ONSITE_ROUNDS
from voicemock.core.judge import Scorecard

_PASSING = {"hire", "strong hire"}


@dataclass(frozen=True)
class RoundResult:
    round: str
    session_id: str
    overall: float
    recommendation: str
    weakest: str


@dataclass(frozen=True)
class LoopDebrief:
    verdict: str
    rounds: tuple[RoundResult, ...]
    failed: tuple[str, ...]
    not_practised: tuple[str, ...]
    focus: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "verdict": self.verdict,
            "rounds": [r.__dict__ for r in self.rounds],
            "failed_rounds": list(self.failed),
            "not_practised": list(self.not_practised),
            "practise_next": self.focus,
        }


def loop_verdict(recommendations: Sequence[str]) -> str:
    """Each round gates the loop; the loop is only as strong as its weakest round."""
    if not recommendations:
        return "no data"
    if any(r == "strong no hire" for r in recommendations):
        return "strong no hire"
    misses = sum(r not in _PASSING for r in recommendations)
    if misses >= 2:
        return "strong no hire"
    if misses == 1:
        return "no hire"
    strong = sum(r == "strong hire" for r in recommendations)
    return "strong hire" if strong * 2 > len(recommendations) else "hire"


def debrief(scorecards: Mapping[str, tuple[str, Scorecard]]) -> LoopDebrief:
    """Build the loop debrief from one scorecard per round: round → (session id, card)."""
    results = []
    for round_id, (session_id, card) in scorecards.items():
        weakest = min(card.dimensions, key=lambda d: d.score).id if card.dimensions else ""
        results.append(
            RoundResult(
                round=round_id,
                session_id=session_id,
                overall=card.overall,
                recommendation=card.recommendation,
                weakest=weakest,
            )
        )
    results.sort(key=lambda r: r.overall)
    failed = tuple(r.round for r in results if r.recommendation not in _PASSING)
    missing = tuple(r for r in ONSITE_ROUNDS if r not in scorecards)
    focus = failed[0] if failed else (missing[0] if missing else None)
    return LoopDebrief(
        verdict=loop_verdict([r.recommendation for r in results]),
        rounds=tuple(results),
        failed=failed,
        not_practised=missing,
        focus=focus,
    )
