"""Everything a round reports, in one place: what happened, in the order it happened.

The runner, the answer sources, the wiring and the brains report through one callback
that takes an :data:`Event`; frontends (the command line, the app) render them. Every
name is in the past tense: an event is a fact, never a request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicemock.core.bank import Question
from voicemock.core.judge import Scorecard
from voicemock.core.models import Transcript


@dataclass(frozen=True)
class Prompt:
    """One interviewer line that expects an answer."""

    kind: str  # "question" or "follow_up"
    text: str
    question: Question
    concept_id: str | None = None
    spoken: bool = False
    """All of the line was spoken while it was written (a streamed follow-up)."""


# -- before the round ------------------------------------------------------------------
@dataclass(frozen=True)
class ModelLoadStarted:
    label: str


@dataclass(frozen=True)
class ModelLoaded:
    label: str
    seconds: float


@dataclass(frozen=True)
class MicrophoneOpened:
    """The microphone is running; ``level()`` is its latest input level (RMS, 0-1)."""

    name: str
    level: Callable[[], float]


@dataclass(frozen=True)
class NoticeGiven:
    """Something the candidate should know about the interviewer or the speech model.

    ``fell_back`` is True when the offline brain has taken over for the rest of the round.
    """

    message: str
    fell_back: bool = False


# -- the session -----------------------------------------------------------------------
@dataclass(frozen=True)
class SessionOpened:
    session_id: str
    data_dir: Path


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
class FollowUpStreamed:
    """Part of a follow-up as it streams in from the model (before it is checked)."""

    delta: str


@dataclass(frozen=True)
class FollowUpAsked:
    prompt: Prompt
    number: int


@dataclass(frozen=True)
class SpeechStarted:
    """The interviewer's line started playing."""

    text: str


@dataclass(frozen=True)
class SpeechFailed:
    """Text-to-speech or playback failed; lines are shown as text from now on."""

    reason: str


# -- an answer -------------------------------------------------------------------------
@dataclass(frozen=True)
class ListeningStarted:
    """The microphone is open for an answer."""

    end_silence_s: float
    max_answer_s: float


@dataclass(frozen=True)
class AnswerStateChanged:
    """What the interviewer makes of a pause in a spoken answer: "listening" (speech goes
    on), "thinking" (an unfinished clause: it keeps listening), "complete" or "unsure" (the
    answer ends after a short, or a longer, silence)."""

    state: str


@dataclass(frozen=True)
class AnswerRevised:
    """A spoken answer's final transcription pass replaced its streaming transcript."""

    session_id: str
    index: int
    prompt: Prompt
    transcript: Transcript
    delivery: dict[str, Any] | None = None


@dataclass(frozen=True)
class AnswerStarted:
    """A recorded answer is being read."""

    prompt: Prompt
    source: str
    duration: float


@dataclass(frozen=True)
class SegmentTranscribed:
    """A stretch of a spoken answer was transcribed while the candidate kept talking."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class NothingHeard:
    """The answer held no speech: the interviewer says so and asks again."""

    prompt: Prompt
    attempt: int


@dataclass(frozen=True)
class PromptRepeated:
    """The candidate asked for the line again; the answer being recorded was set aside."""

    prompt: Prompt


@dataclass(frozen=True)
class AnswerTranscribed:
    """The answer as stored; its turn is saved next (``TurnSaved``), once the brain has
    decided on the next line."""

    prompt: Prompt
    transcript: Transcript


@dataclass(frozen=True)
class TurnSaved:
    """The turn just transcribed is on disk, with its timings and delivery figures."""

    session_id: str
    index: int
    audio_path: Path
    latency: dict[str, Any]
    delivery: dict[str, Any] | None = None


# -- the end ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RoundEndedEarly:
    reason: str


@dataclass(frozen=True)
class RoundScored:
    scorecard: Scorecard


@dataclass(frozen=True)
class ScorecardSaved:
    """The round's scorecard as stored: rubric scores plus the session's delivery figures."""

    session_id: str
    card: Scorecard


@dataclass(frozen=True)
class FilesLeftOver:
    """The round ended before every replay file was used."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class SessionClosed:
    session_id: str
    status: str
    error: str | None = None


Event = (
    ModelLoadStarted
    | ModelLoaded
    | MicrophoneOpened
    | NoticeGiven
    | SessionOpened
    | RoundStarted
    | QuestionAsked
    | FollowUpStreamed
    | FollowUpAsked
    | SpeechStarted
    | SpeechFailed
    | ListeningStarted
    | AnswerStateChanged
    | AnswerStarted
    | SegmentTranscribed
    | NothingHeard
    | PromptRepeated
    | AnswerTranscribed
    | TurnSaved
    | AnswerRevised
    | RoundEndedEarly
    | RoundScored
    | ScorecardSaved
    | FilesLeftOver
    | SessionClosed
)
"""Every event of a round. A frontend that handles each of these handles everything."""

EVENT_TYPES: tuple[type, ...] = Event.__args__  # type: ignore[attr-defined]

Emit = Callable[[Event], None]
"""Where events go: a frontend's handler (called on the round's thread)."""


def ignore(event: Event) -> None:
    """The default handler: nobody is listening."""
