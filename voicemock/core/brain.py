"""The offline interviewer: follow-ups aimed at the biggest gap, scoring from the rubric."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from voicemock.core.bank import Question
from voicemock.core.judge import Analysis, Scorecard, Scorer
from voicemock.core.models import FollowUp

ESSENTIALS_COVERED = 0.75


class OfflineBrain:
    """Rubric- and concept-driven interviewer; needs no model and no network."""

    name = "offline"

    def __init__(self, scorer: Scorer, essentials: float = ESSENTIALS_COVERED) -> None:
        self.scorer = scorer
        self.essentials = essentials

    def follow_up(
        self,
        question: Question,
        answers: Sequence[str],
        asked: Sequence[str],
        *,
        lines: Sequence[str] = (),
        on_sentence: Callable[[str], None] | None = None,
    ) -> FollowUp | None:
        """The rubric's follow-up (its lines are fixed: nothing is streamed)."""
        return self.follow_up_for(self.scorer.analyse(question, answers), asked)

    def follow_up_for(self, analysis: Analysis, asked: Sequence[str]) -> FollowUp | None:
        """``follow_up`` for answers already analysed (a caller that needs the analysis too).

        A wrong claim is challenged first, the way an interviewer digs where an answer is
        wrong; then the heaviest concept not yet explained is probed.
        """
        challenge = challenge_for(analysis, asked)
        if challenge is not None:
            return challenge
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
        self,
        round_id: str,
        exchanges: Sequence[tuple[Question, Sequence[str]]],
        *,
        lines: Mapping[str, Sequence[str]] | None = None,
    ) -> Scorecard:
        """The rubric's scorecard (it judges the answers; the lines asked do not matter)."""
        return self.scorer.score_round(round_id, exchanges, brain=self.name)

    def prepare(self, question: Question) -> list[str]:
        """The lines this brain may ask next about ``question``: its concepts' follow-ups,
        heaviest first (the first asked is the heaviest one missing), then the challenges of
        the misconceptions its topics know."""
        concepts = sorted(question.concepts, key=lambda c: -c.weight)
        lines = [c.follow_up for c in concepts]
        knowledge = self.scorer.knowledge
        if knowledge is not None:
            for topic in knowledge.topics_of(question):
                lines += [m.challenge for m in knowledge.topic(topic).misconceptions]
        return list(dict.fromkeys(lines))

    def drain_usage(self) -> list[Any]:
        """No model, no calls."""
        return []


CHALLENGE_PREFIX = "challenge:"


def challenge_for(analysis: Analysis, asked: Sequence[str]) -> FollowUp | None:
    """The challenge question for the first wrong claim not yet challenged (central first)."""
    for claim in sorted(analysis.wrong_claims, key=lambda w: not w.central):
        key = CHALLENGE_PREFIX + claim.misconception.id
        if key not in asked and claim.misconception.challenge not in asked:
            return FollowUp(claim.misconception.challenge, key)
    return None
