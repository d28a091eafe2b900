"""What happened in a session, in the order it happened. Frontends render these."""

from __future__ import annotations

from dataclasses import dataclass

from voicemock.core.bank import Question
from voicemock.core.models import Transcript
from voicemock.core.scoring import Scorecard


@dataclass(frozen=True)
class Prompt:
    """One interviewer line that expects an answer."""

    kind: str  # "question" or "follow_up"
    text: str
    question: Question
    concept_id: str | None = None


@dataclass(frozen=True)
class RoundStarted:
    round_id: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class QuestionAsked:
    prompt: Prompt
    number: int
    total: int


@dataclass(frozen=True)
class FollowUpAsked:
    prompt: Prompt
    number: int


@dataclass(frozen=True)
class AnswerTranscribed:
    prompt: Prompt
    transcript: Transcript


@dataclass(frozen=True)
class RoundEndedEarly:
    reason: str


@dataclass(frozen=True)
class RoundScored:
    scorecard: Scorecard


@dataclass(frozen=True)
class InterviewerTyping:
    """Part of a follow-up as it streams in from the model (before it is checked)."""

    delta: str


@dataclass(frozen=True)
class BrainNotice:
    """Something the candidate should know about the interviewer brain.

    ``fell_back`` is True when the offline brain has taken over for the rest of the round.
    """

    message: str
    fell_back: bool = False


Event = (
    QuestionAsked | FollowUpAsked | AnswerTranscribed | RoundStarted | RoundEndedEarly | RoundScored
)
