"""A practice round from start to scorecard: audio in, transcripts stored, events out.

This is the one code path every frontend uses. It wires an audio source, the
transcriber and a brain into the core session machine, commits each turn the
moment it completes and marks the session incomplete if anything stops it.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from voicemock.audio.files import FileSource
from voicemock.audio.wav import WavWriter
from voicemock.core.bank import Question
from voicemock.core.delivery import Delivery, DeliveryMeter, advice, combine
from voicemock.core.events import Event, Prompt, RoundScored
from voicemock.core.ports import Brain, Transcriber
from voicemock.core.session import InterviewSession, Phase
from voicemock.errors import AudioInputError, Interrupted, VoicemockError
from voicemock.live import CapturedAnswer
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
    latency: dict[str, Any]
    delivery: dict[str, Any] | None = None


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
class Speaking:
    """The interviewer's line is being played."""

    text: str


@dataclass(frozen=True)
class SpeechUnavailable:
    """Text-to-speech or playback failed; lines are shown as text from now on."""

    reason: str


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
    | NothingHeard
    | PromptRepeated
    | Speaking
    | SpeechUnavailable
)


class RoundControl:
    """What the candidate can do to a running round from another thread (keys in a frontend)."""

    def __init__(self) -> None:
        self.finish = threading.Event()
        """Finish the answer being recorded now."""
        self.skip = threading.Event()
        self.stop = threading.Event()
        self.repeat = threading.Event()
        self.interrupted: BaseException | None = None

    def finish_answer(self) -> None:
        self.finish.set()

    def skip_question(self) -> None:
        """Keep what was said so far, drop the remaining follow-ups, go to the next question."""
        self.skip.set()
        self.finish.set()

    def repeat_question(self) -> None:
        """Drop the answer being recorded (its audio is kept) and ask the line again."""
        self.repeat.set()
        self.finish.set()

    def quit(self) -> None:
        """End the round now and score what was answered."""
        self.stop.set()
        self.finish.set()

    def interrupt(self, error: BaseException) -> None:
        """End the round now without scoring: ``error`` is raised in the round's thread at its
        next step, and the session is marked incomplete (SIGTERM, SIGHUP in the app)."""
        self.interrupted = error
        self.quit()

    def check(self) -> None:
        """Raise the interruption, if there was one (called by the round between steps)."""
        if self.interrupted is not None:
            raise self.interrupted


class AnswerSource(Protocol):
    """Where answers come from: recorded files, or the microphone."""

    def next_answer(
        self, prompt: Prompt, text_prompt: str, wav_path: Path
    ) -> CapturedAnswer | None:
        """Capture (and transcribe) the answer to ``prompt``; None when there are no more."""
        ...

    def leftover(self) -> tuple[str, ...]:
        """Answers that were never used (replay files after the round ended)."""
        ...


class Voice(Protocol):
    """Speaks interviewer lines; returns the monotonic time the audio started."""

    def say(self, text: str) -> float: ...


class StreamedSpeech:
    """Speaks sentences of a streaming follow-up on a thread, as soon as each one is complete."""

    def __init__(self, voice: Voice, emit: Callable[[Any], None]) -> None:
        self.voice = voice
        self.emit = emit
        self.first_started: float | None = None
        self.error: VoicemockError | None = None
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="voicemock-speech", daemon=True)
        self._thread.start()

    def put(self, sentence: str) -> None:
        self._queue.put(sentence)

    def _run(self) -> None:
        while (sentence := self._queue.get()) is not None:
            if self.error is not None:
                continue
            self.emit(Speaking(sentence))
            try:
                started = self.voice.say(sentence)
            except VoicemockError as exc:
                self.error = exc
                continue
            if self.first_started is None:
                self.first_started = started

    def finish(self) -> float | None:
        """Wait until everything queued has been spoken; the time the first sentence started."""
        self._queue.put(None)
        self._thread.join()
        return self.first_started


class ReplayAnswers:
    """Answers from files, in order; each file is transcribed whole."""

    def __init__(
        self,
        sources: Iterable[FileSource],
        transcriber: Transcriber,
        emit: Callable[[Any], None] = lambda event: None,
    ) -> None:
        self._sources: Iterator[FileSource] = iter(sources)
        self.transcriber = transcriber
        self.emit = emit

    def next_answer(
        self, prompt: Prompt, text_prompt: str, wav_path: Path
    ) -> CapturedAnswer | None:
        source = next(self._sources, None)
        if source is None:
            return None
        self.emit(AnswerStarted(prompt, source.name, source.duration))
        t0 = time.perf_counter()
        # Written chunk by chunk so that whatever was read survives a crash.
        with WavWriter(wav_path) as wav:
            for chunk in source.frames():
                wav.write(chunk)
        audio = source.pcm  # long answers are read window by window, as float32
        t1 = time.perf_counter()
        transcript = self.transcriber.transcribe(audio, prompt=text_prompt)
        t2 = time.perf_counter()
        if transcript.is_empty:
            raise AudioInputError(source.path, "no words were recognised in the answer")
        return CapturedAnswer(
            audio=audio,
            transcript=transcript,
            source=str(source.path),
            speech_spans=source.speech_spans,
            latency={"capture_s": round(t1 - t0, 4), "transcribe_s": round(t2 - t1, 4)},
            ended_at=time.monotonic(),
        )

    def leftover(self) -> tuple[str, ...]:
        return tuple(source.name for source in self._sources)


STOPPED = "stopped by the candidate; scoring the answers given"


def scorecard_with_delivery(
    card: dict[str, Any], deliveries: Sequence[Delivery], pace: tuple[int, int]
) -> dict[str, Any]:
    """The stored scorecard: the brain's verdict plus how the answers were delivered."""
    total = combine(deliveries)
    if total is None:
        return card
    return card | {"delivery": total.to_dict(), "delivery_notes": advice(total, pace)}


class PracticeRunner:
    """Runs one round: asks, captures answers, stores each turn, scores. Live or replayed."""

    def __init__(
        self,
        store: Store,
        transcriber: Transcriber,
        brain: Brain,
        vocabulary: Sequence[str],
        on_event: Callable[[AppEvent], None] = lambda event: None,
        max_follow_ups: int = 2,
        meter: DeliveryMeter | None = None,
        voice: Voice | None = None,
        max_retries: int = 2,
        control: RoundControl | None = None,
    ) -> None:
        self.store = store
        self.control = control or RoundControl()
        self.transcriber = transcriber
        self.brain = brain
        self.vocabulary = tuple(vocabulary)
        self.emit = on_event
        self.max_follow_ups = max_follow_ups
        self.meter = meter
        self.voice = voice
        self.max_retries = max_retries
        self._deliveries: list[Delivery] = []
        self._expected_words: tuple[int, int] = (0, 0)
        self._streamed: StreamedSpeech | None = None
        if hasattr(brain, "on_event"):
            brain.on_event = self.emit  # notices and streamed text reach the frontend

    def run(
        self,
        round_id: str,
        questions: Sequence[Question],
        answers: AnswerSource | Iterable[FileSource],
        *,
        mode: str = "replay",
        settings: dict[str, Any] | None = None,
        expected_words: tuple[int, int] = (0, 0),
    ) -> str:
        """Run the round; returns the session id. The session is stored whatever happens."""
        source: AnswerSource = (
            answers  # type: ignore[assignment]
            if hasattr(answers, "next_answer")
            else ReplayAnswers(answers, self.transcriber, self.emit)  # type: ignore[arg-type]
        )
        self._deliveries = []
        self._expected_words = expected_words
        session = InterviewSession(round_id, questions, self.brain, self.max_follow_ups)
        session_id = self.store.create_session(
            round_id, self.brain.name, mode, [q.id for q in questions], settings
        )
        self.emit(SessionOpened(session_id, self.store.data_dir))
        turn = 0
        last_turn: tuple[int, dict[str, Any], float] | None = None
        retries = dropped = 0
        unanswered = False  # stopped before the first answer: nothing to score
        try:
            self._emit_all(session_id, session.start())
            while session.phase is Phase.AWAITING_ANSWER:
                prompt = session.current
                assert prompt is not None
                started = self._speak_prompt(prompt)
                if last_turn is not None and started is not None:
                    # End of the previous answer -> the interviewer's next line is audible.
                    turn_id, latency, ended_at = last_turn
                    latency["next_audio_start_s"] = round(started - ended_at, 4)
                    self.store.update_latency(turn_id, latency)
                last_turn = None
                text_prompt = build_prompt(
                    prompt.text
                    if prompt.kind == "question"
                    else f"{prompt.question.text} {prompt.text}",
                    self.vocabulary,
                )
                self.control.check()
                if self.control.stop.is_set():
                    if turn == 0:
                        unanswered = True
                        break
                    self._emit_all(session_id, session.end_early(STOPPED))
                    break
                wav_path = self.store.audio_dir(session_id) / f"turn-{turn + 1:02d}.wav"
                captured = source.next_answer(prompt, text_prompt, wav_path)
                self.control.check()
                then = (
                    "stay"
                    if self.control.stop.is_set()
                    else "next"
                    if self.control.skip.is_set()
                    else "continue"
                )
                self.control.skip.clear()
                if self.control.repeat.is_set() and captured is not None and then == "continue":
                    self.control.repeat.clear()
                    self.emit(PromptRepeated(prompt))
                    if wav_path.exists():  # keep the dropped answer's audio beside the turns
                        dropped += 1
                        wav_path.rename(
                            wav_path.with_name(f"{wav_path.stem}-dropped-{dropped}.wav")
                        )
                    continue
                if captured is None:
                    self._emit_all(
                        session_id,
                        session.end_early(
                            f"no more answer files after {turn} answer(s); "
                            "scoring the answers given"
                        ),
                    )
                    break
                if not captured.heard and then != "continue":
                    if then == "stay" and turn == 0:
                        unanswered = True
                        break
                    events = session.skip() if then == "next" else session.end_early(STOPPED)
                    self._emit_all(session_id, events)
                    continue
                if not captured.heard:
                    retries += 1
                    self.emit(NothingHeard(prompt, retries))
                    if retries > self.max_retries:
                        self._emit_all(
                            session_id,
                            session.end_early("no answer was heard; scoring the answers given"),
                        )
                        break
                    self._say("I didn't catch that.")
                    continue
                retries = 0
                turn += 1
                events, last_turn = self._record(
                    session_id, session, captured, wav_path, turn, then
                )
                if then == "stay":
                    events += session.end_early(STOPPED)
                self._emit_all(session_id, events)
        except BaseException as raised:
            # An interruption is the cause of whatever it woke up (a frontend closing under an
            # event, an LLM wait cut short): the session says so, and the interruption is raised.
            exc = self.control.interrupted or raised
            with contextlib.suppress(VoicemockError):  # a full disk must not hide the cause
                self._store_usage(session_id)
            message = (
                str(exc)
                if isinstance(exc, VoicemockError)
                else (
                    exc.cause
                    if isinstance(exc, Interrupted)
                    else "interrupted"
                    if isinstance(exc, KeyboardInterrupt)
                    else f"{type(exc).__name__}: {exc}"
                )
            )
            with contextlib.suppress(VoicemockError):  # else the next start marks it
                self.store.finish_session(session_id, "incomplete", message)
            if exc is raised:
                self.emit(SessionClosed(session_id, "incomplete", message))
                raise
            with contextlib.suppress(Exception):  # the frontend may be gone already
                self.emit(SessionClosed(session_id, "incomplete", message))
            raise exc from raised
        finally:
            if self._streamed is not None:  # a follow-up that streamed but was never asked
                self._streamed.finish()
                self._streamed = None
        if unanswered:
            message = "stopped by the candidate before any answer; nothing to score"
            self.store.finish_session(session_id, "incomplete", message)
            self.emit(SessionClosed(session_id, "incomplete", message))
            return session_id
        left = source.leftover()
        if left:
            self.emit(FilesLeftOver(left))
        self.store.finish_session(session_id, "complete")
        self.emit(SessionClosed(session_id, "complete"))
        return session_id

    def _speak_prompt(self, prompt: Prompt) -> float | None:
        """Say the next line, unless a streaming follow-up already said all of it."""
        streamed, self._streamed = self._streamed, None
        if streamed is not None:
            first = streamed.finish()
            if streamed.error is not None:
                self.emit(SpeechUnavailable(str(streamed.error)))
                self.voice = None
                return None
            spoken = getattr(self.brain, "spoken_follow_up", None)
            if first is not None and prompt.kind == "follow_up" and spoken == prompt.text:
                return first
        return self._say(prompt.text)

    def _store_usage(self, session_id: str) -> None:
        drain = getattr(self.brain, "drain_usage", None)
        if drain is not None:
            self.store.add_llm_calls(session_id, [u.to_dict() for u in drain()])

    def _say(self, text: str) -> float | None:
        if self.voice is None:
            return None
        self.emit(Speaking(text))
        try:
            return self.voice.say(text)
        except VoicemockError as exc:
            self.emit(SpeechUnavailable(str(exc)))
            self.voice = None  # one notice, then text only for the rest of the round
            return None

    def _emit_all(self, session_id: str, events: Sequence[Event]) -> None:
        self._store_usage(session_id)
        for event in events:
            self.emit(event)
            if isinstance(event, RoundScored):
                pace = self.meter.config.pace_wpm if self.meter else (0, 0)
                card = scorecard_with_delivery(event.scorecard.to_dict(), self._deliveries, pace)
                self.store.save_scorecard(session_id, card)
                self.emit(ScorecardSaved(session_id, card))

    def _record(
        self,
        session_id: str,
        session: InterviewSession,
        captured: CapturedAnswer,
        wav_path: Path,
        turn: int,
        then: str = "continue",
    ) -> tuple[list[Event], tuple[int, dict[str, Any], float]]:
        prompt = session.current
        assert prompt is not None
        transcript = captured.transcript
        delivery = None
        if self.meter is not None:
            measured = self.meter.measure(
                transcript, expected_words=self._expected_words, speech_spans=captured.speech_spans
            )
            self._deliveries.append(measured)
            delivery = measured.to_dict()
        duration = round(captured.audio.size / 16_000, 3)
        latency: dict[str, Any] = dict(captured.latency) | {"audio_s": duration}
        turn_id = self.store.add_turn(
            session_id,
            TurnRecord(
                kind=prompt.kind,
                question_id=prompt.question.id,
                concept_id=prompt.concept_id,
                prompt=prompt.text,
                transcript=transcript.text,
                segments=transcript.segments,
                audio_path=str(wav_path),
                source=captured.source,
                duration_s=duration,
                latency=latency,
                delivery=delivery,
            ),
        )
        if self.voice is not None and hasattr(self.brain, "on_sentence") and then == "continue":
            self._streamed = StreamedSpeech(self.voice, self.emit)
            self.brain.on_sentence = self._streamed.put
        # The answer is shown before the brain decides what comes next (an LLM may take a
        # while, and its follow-up streams in after the answer it responds to).
        self._emit_all(session_id, session.record(transcript))
        try:
            events = session.advance(then)
        finally:
            if hasattr(self.brain, "on_sentence"):
                self.brain.on_sentence = None
        latency["next_line_ready_s"] = round(time.monotonic() - captured.ended_at, 4)
        self.store.update_latency(turn_id, latency)
        self.emit(TurnSaved(session_id, turn, wav_path, latency, delivery))
        return events, (turn_id, latency, captured.ended_at)
