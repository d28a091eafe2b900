"""A practice round from start to scorecard: audio in, transcripts stored, events out.

This is the one code path every frontend uses. It wires an audio source, the
transcriber and a brain into the core session machine, commits each turn the
moment it completes and marks the session incomplete if anything stops it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voicemock.audio.files import FileSource
from voicemock.audio.wav import WavWriter
from voicemock.core.bank import Question
from voicemock.core.delivery import Delivery, DeliveryMeter, advice, combine
from voicemock.core.events import Event, Prompt, RoundScored
from voicemock.core.ports import Brain, Transcriber
from voicemock.core.session import InterviewSession, Phase
from voicemock.errors import AudioInputError, VoicemockError
from voicemock.store import Store, TurnRecord
from voicemock.stt.whisper import build_prompt


@dataclass(frozen=True)
class SessionOpened:
    session_id: str
    data_dir: Path


@dataclass(frozen=True)
class AnswerStarted:
    prompt: Prompt
    source: str
    duration: float


@dataclass(frozen=True)
class TurnSaved:
    session_id: str
    index: int
    audio_path: Path
    latency: dict[str, float]
    delivery: dict[str, Any] | None = None


@dataclass(frozen=True)
class ScorecardSaved:
    """The round's scorecard as stored: rubric scores plus the session's delivery figures."""

    session_id: str
    card: dict[str, Any]


@dataclass(frozen=True)
class FilesLeftOver:
    """The round ended before every replay file was used."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class SessionClosed:
    session_id: str
    status: str
    error: str | None = None


AppEvent = (
    Event
    | SessionOpened
    | AnswerStarted
    | TurnSaved
    | ScorecardSaved
    | FilesLeftOver
    | SessionClosed
)


def scorecard_with_delivery(
    card: dict[str, Any], deliveries: Sequence[Delivery], pace: tuple[int, int]
) -> dict[str, Any]:
    """The stored scorecard: the brain's verdict plus how the answers were delivered."""
    total = combine(deliveries)
    if total is None:
        return card
    return card | {"delivery": total.to_dict(), "delivery_notes": advice(total, pace)}


class PracticeRunner:
    """Runs one round over a sequence of answer sources (files now, the microphone later)."""

    def __init__(
        self,
        store: Store,
        transcriber: Transcriber,
        brain: Brain,
        vocabulary: Sequence[str],
        on_event: Callable[[AppEvent], None] = lambda event: None,
        max_follow_ups: int = 2,
        meter: DeliveryMeter | None = None,
    ) -> None:
        self.store = store
        self.transcriber = transcriber
        self.brain = brain
        self.vocabulary = tuple(vocabulary)
        self.emit = on_event
        self.max_follow_ups = max_follow_ups
        self.meter = meter
        self._deliveries: list[Delivery] = []
        self._expected_words: tuple[int, int] = (0, 0)

    def run(
        self,
        round_id: str,
        questions: Sequence[Question],
        sources: Iterable[FileSource],
        *,
        mode: str = "replay",
        settings: dict[str, Any] | None = None,
        expected_words: tuple[int, int] = (0, 0),
    ) -> str:
        """Run the round; returns the session id. The session is stored whatever happens."""
        self._deliveries = []
        self._expected_words = expected_words
        session = InterviewSession(round_id, questions, self.brain, self.max_follow_ups)
        session_id = self.store.create_session(
            round_id, self.brain.name, mode, [q.id for q in questions], settings
        )
        self.emit(SessionOpened(session_id, self.store.data_dir))
        remaining = iter(sources)
        turn = 0
        try:
            self._emit_all(session_id, session.start())
            while session.phase is Phase.AWAITING_ANSWER:
                assert session.current is not None
                source = next(remaining, None)
                if source is None:
                    self._emit_all(
                        session_id,
                        session.end_early(
                            f"no more answer files after {turn} answer(s); "
                            "scoring the answers given"
                        ),
                    )
                    break
                turn += 1
                events = self._answer(session_id, session, source, turn)
                self._emit_all(session_id, events)
        except BaseException as exc:
            message = (
                str(exc)
                if isinstance(exc, VoicemockError)
                else (
                    "interrupted"
                    if isinstance(exc, KeyboardInterrupt)
                    else f"{type(exc).__name__}: {exc}"
                )
            )
            self.store.finish_session(session_id, "incomplete", message)
            self.emit(SessionClosed(session_id, "incomplete", message))
            raise
        left = tuple(source.name for source in remaining)
        if left:
            self.emit(FilesLeftOver(left))
        self.store.finish_session(session_id, "complete")
        self.emit(SessionClosed(session_id, "complete"))
        return session_id

    def _emit_all(self, session_id: str, events: Sequence[Event]) -> None:
        for event in events:
            self.emit(event)
            if isinstance(event, RoundScored):
                pace = self.meter.config.pace_wpm if self.meter else (0, 0)
                card = scorecard_with_delivery(event.scorecard.to_dict(), self._deliveries, pace)
                self.store.save_scorecard(session_id, card)
                self.emit(ScorecardSaved(session_id, card))

    def _answer(
        self, session_id: str, session: InterviewSession, source: FileSource, turn: int
    ) -> list[Event]:
        prompt = session.current
        assert prompt is not None
        self.emit(AnswerStarted(prompt, source.name, source.duration))
        audio_path = self.store.audio_dir(session_id) / f"turn-{turn:02d}.wav"
        t0 = time.perf_counter()
        # Written chunk by chunk so that whatever was captured survives a crash.
        chunks = []
        with WavWriter(audio_path) as wav:
            for chunk in source.frames():
                wav.write(chunk)
                chunks.append(chunk)
        audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
        t1 = time.perf_counter()
        text_prompt = (
            prompt.text if prompt.kind == "question" else (f"{prompt.question.text} {prompt.text}")
        )
        transcript = self.transcriber.transcribe(
            audio, prompt=build_prompt(text_prompt, self.vocabulary)
        )
        t2 = time.perf_counter()
        if transcript.is_empty:
            raise AudioInputError(
                getattr(source, "path", source.name), "no words were recognised in the answer"
            )
        delivery = None
        if self.meter is not None:
            measured = self.meter.measure(
                transcript,
                expected_words=self._expected_words,
                speech_spans=getattr(source, "speech_spans", None),
            )
            self._deliveries.append(measured)
            delivery = measured.to_dict()
        latency = {
            "capture_s": round(t1 - t0, 4),
            "transcribe_s": round(t2 - t1, 4),
            "audio_s": round(audio.size / 16_000, 3),
        }
        turn_id = self.store.add_turn(
            session_id,
            TurnRecord(
                kind=prompt.kind,
                question_id=prompt.question.id,
                concept_id=prompt.concept_id,
                prompt=prompt.text,
                transcript=transcript.text,
                segments=transcript.segments,
                audio_path=str(audio_path),
                source=str(getattr(source, "path", source.name)),
                duration_s=round(audio.size / 16_000, 3),
                latency=latency,
                delivery=delivery,
            ),
        )
        t3 = time.perf_counter()
        events = session.answer(transcript)
        latency["next_line_ready_s"] = round(time.perf_counter() - t3 + (t2 - t1), 4)
        self.store.update_latency(turn_id, latency)
        self.emit(TurnSaved(session_id, turn, audio_path, latency, delivery))
        return events
