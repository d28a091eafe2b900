"""The contracts a round is built from: the brain, the transcriber, answers and the voice.

Each is a :class:`typing.Protocol`: implement the methods and pass the object in; the
runner calls nothing that is not written here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from voicemock.core.bank import Question
from voicemock.core.judge import Scorecard
from voicemock.core.models import FollowUp, Transcript

if TYPE_CHECKING:
    import numpy as np

    from voicemock.round.events import Prompt


class Usage(Protocol):
    """One model call a brain made, as stored with the session (tokens, timings, outcome)."""

    def to_dict(self) -> dict[str, Any]: ...


class Brain(Protocol):
    """Decides the interviewer's next line and scores the round.

    A brain that has something to tell the candidate while it works (it fell back to the
    offline brain, its follow-up streams in) takes an ``on_event`` callback when it is
    built; the runner never sets attributes on a brain.
    """

    name: str

    def prepare(self, question: Question) -> Sequence[str]:
        """``question`` is being put to the candidate: get ready for its follow-ups in the
        background if that helps (never blocking, never failing the round). Returns the
        lines it may say next whose text is known now, for the voice to render ahead."""
        ...

    def follow_up(
        self,
        question: Question,
        answers: Sequence[str],
        asked: Sequence[str],
        *,
        lines: Sequence[str] = (),
        on_sentence: Callable[[str], None] | None = None,
    ) -> FollowUp | None:
        """The next follow-up for ``question``, or None when the answers cover the essentials.

        ``answers`` are the candidate's answers to the question and its follow-ups so far;
        ``lines`` are the follow-up lines already asked (``answers[i + 1]`` answers
        ``lines[i]``); ``asked`` holds their concept ids (or texts): never repeat one.
        With ``on_sentence``, a brain that writes its line gradually may hand over each
        complete sentence as soon as it is written (to be spoken at once); it then returns
        the follow-up with ``spoken=True`` when all of its text was handed over.
        """
        ...

    def score(
        self,
        round_id: str,
        exchanges: Sequence[tuple[Question, Sequence[str]]],
        *,
        lines: Mapping[str, Sequence[str]] | None = None,
    ) -> Scorecard:
        """The round's scorecard. ``exchanges`` pair each question with its answers;
        ``lines`` maps a question id to the follow-up lines that were asked for it."""
        ...

    def drain_usage(self) -> Sequence[Usage]:
        """The model calls made since the last drain (none for a brain without a model)."""
        ...


class Transcriber(Protocol):
    """Speech to text with word timings."""

    @property
    def label(self) -> str:
        """What is transcribing, for the session's settings ("tiny.en (bundled)")."""
        ...

    def prompt_for(self, line: str, terms: Sequence[str]) -> str:
        """The recogniser's prompt for an answer to ``line`` that may use ``terms``."""
        ...

    def transcribe(self, audio: Any, *, prompt: str = "", fast: bool = False) -> Transcript:
        """Text with word timings; ``fast`` trades a little accuracy for latency (live)."""
        ...


@dataclass
class CapturedAnswer:
    """One answer as captured: the audio, what was said, and when things happened."""

    audio: np.ndarray
    transcript: Transcript
    source: str
    speech_spans: list[tuple[float, float]] | None = None
    latency: dict[str, Any] = field(default_factory=dict)
    ended_at: float = 0.0  # monotonic time the answer ended
    heard: bool = True
    final: Future[Transcript] | None = None
    """A better transcript on its way (a spoken answer transcribed again, whole, with the
    replay settings): it replaces ``transcript`` in the store and the score when it arrives."""


class AnswerSource(Protocol):
    """Where answers come from: recorded files, or the microphone."""

    def next_answer(
        self, prompt: Prompt, text_prompt: str, wav_path: Path
    ) -> CapturedAnswer | None:
        """Capture the answer to ``prompt`` into ``wav_path`` and transcribe it with
        ``text_prompt``; None when there are no more answers."""
        ...

    def leftover(self) -> tuple[str, ...]:
        """Answers that were never used (replay files after the round ended)."""
        ...


class Voice(Protocol):
    """Speaks interviewer lines; returns the monotonic time the audio started."""

    def say(self, text: str) -> float: ...

    def prefetch(self, lines: Sequence[str]) -> None:
        """Lines that may come after the line about to be said: get ready to start them at
        once (in the background, while that line is said)."""
        ...
