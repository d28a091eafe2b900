"""The small interfaces the core needs from the outside world."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from voicemock.core.bank import Question
from voicemock.core.models import Transcript
from voicemock.core.scoring import Scorecard


@dataclass(frozen=True)
class FollowUp:
    text: str
    concept_id: str | None = None


class Brain(Protocol):
    """Decides the interviewer's next follow-up and scores the round."""

    name: str

    def follow_up(
        self, question: Question, answers: Sequence[str], asked: Sequence[str]
    ) -> FollowUp | None:
        """The next follow-up for ``question``, or None when the answers cover the essentials.

        ``asked`` holds the concept ids (or texts) already followed up on; never repeat one.
        """
        ...

    def score(
        self, round_id: str, exchanges: Sequence[tuple[Question, Sequence[str]]]
    ) -> Scorecard: ...


class AudioSource(Protocol):
    """Where answer audio comes from: a file now, a microphone later. 16 kHz mono float32."""

    name: str
    sample_rate: int

    def frames(self) -> Iterator[Any]:
        """Chunks of samples (numpy float32 arrays) until the answer ends."""
        ...


class Transcriber(Protocol):
    def transcribe(self, audio: Any, *, prompt: str = "", fast: bool = False) -> Transcript:
        """Text with word timings; ``fast`` trades a little accuracy for latency (live)."""
        ...
