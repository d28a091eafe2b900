"""The offline interviewer: follow-ups aimed at the biggest gap, scoring from the rubric."""

from __future__ import annotations

from collections.abc import Sequence

from voicemock.core.bank import Question
from voicemock.core.ports import FollowUp
from voicemock.core.scoring import Analysis, Scorecard, Scorer

ESSENTIALS_COVERED = 0.75


class OfflineBrain:
    """Rubric- and concept-driven interviewer; needs no model and no network."""

    name = "offline"

    def __init__(self, scorer: Scorer, essentials: float = ESSENTIALS_COVERED) -> None:
        self.scorer = scorer
        self.essentials = essentials

    def follow_up(
        self, question: Question, answers: Sequence[str], asked: Sequence[str]
    ) -> FollowUp | None:
        return self.follow_up_for(self.scorer.analyse(question, answers), asked)

    def follow_up_for(self, analysis: Analysis, asked: Sequence[str]) -> FollowUp | None:
        """``follow_up`` for answers already analysed (a caller that needs the analysis too)."""
        gaps = analysis.unexplained()
        # Essentials: most of the concepts, every heavyweight one, and at least one stated cost.
        if (
            analysis.coverage_ratio >= self.essentials
            and analysis.tradeoffs
            and not any(g.concept.weight >= 3 for g in gaps)
        ):
            return None
        for gap in gaps:
            if gap.concept.id not in asked and gap.concept.follow_up not in asked:
                return FollowUp(gap.concept.follow_up, gap.concept.id)
        return None

    def score(
        self, round_id: str, exchanges: Sequence[tuple[Question, Sequence[str]]]
    ) -> Scorecard:
        return self.scorer.score_round(round_id, exchanges, brain=self.name)
