"""Immutable records shared by every layer: transcripts, their timings and follow-ups."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

SAMPLE_RATE = 16_000
"""Samples per second of all audio inside voicemock (mono): files, microphone, models."""


@dataclass(frozen=True)
class Word:
    """One recognised word with its timing in seconds from the start of the answer."""

    start: float
    end: float
    text: str
    probability: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "word": self.text,
            "probability": round(self.probability, 4),
        }


@dataclass(frozen=True)
class Segment:
    """A stretch of speech as the recogniser returned it."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0

    def shifted(self, offset: float) -> Segment:
        """The same segment ``offset`` seconds later (a window's times in the whole answer)."""
        return replace(
            self,
            start=self.start + offset,
            end=self.end + offset,
            words=tuple(
                Word(w.start + offset, w.end + offset, w.text, w.probability) for w in self.words
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "text": self.text,
            "avg_logprob": round(self.avg_logprob, 4),
            "no_speech_prob": round(self.no_speech_prob, 4),
            "words": [w.to_dict() for w in self.words],
        }


@dataclass(frozen=True)
class Transcript:
    """The recognised text of one answer, with its segments and the audio duration."""

    segments: tuple[Segment, ...]
    duration: float
    text: str = field(default="")

    def __post_init__(self) -> None:
        if not self.text:
            joined = " ".join(s.text.strip() for s in self.segments if s.text.strip())
            object.__setattr__(self, "text", joined)

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()

    @classmethod
    def from_text(cls, text: str) -> Transcript:
        """A transcript with no timings, for typed answers and text files."""
        text = " ".join(text.split())
        return cls(segments=(Segment(0.0, 0.0, text),) if text else (), duration=0.0, text=text)


@dataclass(frozen=True)
class FollowUp:
    """The interviewer's next line on a question, and the concept (or challenge) it probes."""

    text: str
    concept_id: str | None = None
    spoken: bool = False
    """All of the text was handed to the round's voice while it was written."""
