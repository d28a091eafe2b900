"""A session as the store gives it back: typed, immutable records.

The store returns these (as the recogniser returns :class:`Segment` and :class:`Word`);
core, history, the CLI and the app read their fields. ``to_dict`` gives the shape of
``voicemock export --format json`` and ``from_dict`` reads it back, so an export is a
faithful copy of what is stored. The scorecard stays the judge's own JSON (read it with
``Scorecard.from_dict``); latency and delivery stay the measurement maps they were saved as.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, cast

from voicemock.core.models import Segment, Word

TurnKind = Literal["question", "follow_up"]
SessionStatus = Literal["in_progress", "complete", "incomplete"]


def words_from_dicts(raw: Any) -> tuple[Word, ...]:
    """Words as a segment's ``words`` list keeps them (``Word.to_dict`` each)."""
    return tuple(
        Word(float(w["start"]), float(w["end"]), str(w["word"]), float(w.get("probability", 1)))
        for w in raw or ()
    )


def segment_from_dict(data: Mapping[str, Any]) -> Segment:
    """A segment as the export writes it (and the store keeps it)."""
    return Segment(
        start=float(data["start"]),
        end=float(data["end"]),
        text=str(data["text"]),
        words=words_from_dicts(data.get("words")),
        avg_logprob=float(data.get("avg_logprob") or 0.0),
        no_speech_prob=float(data.get("no_speech_prob") or 0.0),
    )


def _segment_dict(segment: Segment) -> dict[str, Any]:
    """As stored: times and confidences unrounded, words as they were saved."""
    return {
        "start": segment.start,
        "end": segment.end,
        "text": segment.text,
        "avg_logprob": segment.avg_logprob,
        "no_speech_prob": segment.no_speech_prob,
        "words": [w.to_dict() for w in segment.words],
    }


@dataclass(frozen=True)
class StoredTurn:
    """One answered prompt: what was asked, what was said, when, and how it sounded."""

    index: int
    kind: TurnKind
    question_id: str
    prompt: str
    transcript: str
    concept_id: str | None = None
    audio_path: str | None = None
    source: str | None = None
    duration_s: float | None = None
    segments: tuple[Segment, ...] = ()
    latency: Mapping[str, Any] = field(default_factory=dict)
    delivery: Mapping[str, Any] | None = None
    """The delivery measurements (``Delivery.to_dict``), or None where none were taken."""
    created_at: str = ""

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for s in self.segments for w in s.words)

    @property
    def is_follow_up(self) -> bool:
        return self.kind == "follow_up"

    @property
    def pause_spans(self) -> tuple[tuple[float, float], ...]:
        """Long silences measured in the audio (start, end), where they were."""
        spans = (self.delivery or {}).get("pause_spans", ())
        return tuple((float(a), float(b)) for a, b in spans)

    @property
    def pause_threshold_s(self) -> float | None:
        value = (self.delivery or {}).get("pause_threshold_s")
        return None if value is None else float(value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kind": self.kind,
            "question_id": self.question_id,
            "concept_id": self.concept_id,
            "prompt": self.prompt,
            "transcript": self.transcript,
            "audio_path": self.audio_path,
            "source": self.source,
            "duration_s": self.duration_s,
            "segments": [_segment_dict(s) for s in self.segments],
            "latency": dict(self.latency),
            "delivery": None if self.delivery is None else dict(self.delivery),
            "created_at": self.created_at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StoredTurn:
        kind = str(data["kind"])
        if kind not in ("question", "follow_up"):
            raise ValueError(f"turn kind '{kind}' is neither 'question' nor 'follow_up'")
        duration = data.get("duration_s")
        return cls(
            index=int(data["index"]),
            kind=cast(TurnKind, kind),
            question_id=str(data["question_id"]),
            prompt=str(data["prompt"]),
            transcript=str(data["transcript"]),
            concept_id=data.get("concept_id"),
            audio_path=data.get("audio_path"),
            source=data.get("source"),
            duration_s=None if duration is None else float(duration),
            segments=tuple(segment_from_dict(s) for s in data.get("segments") or ()),
            latency=dict(data.get("latency") or {}),
            delivery=None if data.get("delivery") is None else dict(data["delivery"]),
            created_at=str(data.get("created_at") or ""),
        )


@dataclass(frozen=True)
class LlmCall:
    """One request to the configured LLM during a session (never its key or its text)."""

    purpose: str
    model: str
    ok: bool
    attempts: int
    seconds: float
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # the fields, in the export's order

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LlmCall:
        return cls(
            purpose=str(data["purpose"]),
            model=str(data["model"]),
            ok=bool(data["ok"]),
            attempts=int(data["attempts"]),
            seconds=float(data["seconds"]),
            prompt_tokens=data.get("prompt_tokens"),
            completion_tokens=data.get("completion_tokens"),
            error=data.get("error"),
        )


@dataclass(frozen=True)
class StoredSession:
    """A whole round as stored: its plan, its turns in order, and its scorecards."""

    id: str
    round: str
    brain: str
    mode: str
    status: SessionStatus
    started_at: str
    finished_at: str | None = None
    error: str | None = None
    again_of: str | None = None
    """The session whose questions this drill answers again, if it is one."""
    questions: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    turns: tuple[StoredTurn, ...] = ()
    scorecard: Mapping[str, Any] | None = None
    """The latest scorecard (``Scorecard.to_dict`` plus ``scored_at``), if it was scored."""
    earlier_scorecards: tuple[Mapping[str, Any], ...] = ()
    llm_calls: tuple[LlmCall, ...] = ()

    @property
    def question_text(self) -> str | None:
        """The text of an own question (one not in the bank), as it was asked."""
        text = self.settings.get("question_text")
        return str(text) if text else None

    @property
    def answered(self) -> list[str]:
        """The question ids that have answers, in the order they were first answered."""
        return list(dict.fromkeys(t.question_id for t in self.turns))

    def turn(self, index: int) -> StoredTurn | None:
        return next((t for t in self.turns if t.index == index), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "round": self.round,
            "brain": self.brain,
            "mode": self.mode,
            "status": self.status,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "error": self.error,
            "again_of": self.again_of,
            "questions": list(self.questions),
            "settings": dict(self.settings),
            "turns": [t.to_dict() for t in self.turns],
            "scorecard": None if self.scorecard is None else dict(self.scorecard),
            "earlier_scorecards": [dict(c) for c in self.earlier_scorecards],
            "llm_calls": [c.to_dict() for c in self.llm_calls],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StoredSession:
        status = str(data["status"])
        if status not in ("in_progress", "complete", "incomplete"):
            raise ValueError(f"session status '{status}' is not one the store writes")
        card = data.get("scorecard")
        return cls(
            id=str(data["id"]),
            round=str(data["round"]),
            brain=str(data["brain"]),
            mode=str(data.get("mode", "")),
            status=cast(SessionStatus, status),
            started_at=str(data["started_at"]),
            finished_at=data.get("finished_at"),
            error=data.get("error"),
            again_of=data.get("again_of"),
            questions=tuple(str(q) for q in data.get("questions") or ()),
            settings=dict(data.get("settings") or {}),
            turns=tuple(StoredTurn.from_dict(t) for t in data.get("turns") or ()),
            scorecard=None if card is None else dict(card),
            earlier_scorecards=tuple(dict(c) for c in data.get("earlier_scorecards") or ()),
            llm_calls=tuple(LlmCall.from_dict(c) for c in data.get("llm_calls") or ()),
        )


@dataclass(frozen=True)
class SessionRow:
    """A line of the session list: enough to choose a session without loading it."""

    id: str
    round: str
    brain: str
    mode: str
    status: SessionStatus
    started_at: str
    finished_at: str | None
    turns: int
    overall: float | None
    recommendation: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # the fields, in the listing's order
