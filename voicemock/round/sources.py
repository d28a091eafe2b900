"""Where a round's answers come from: recorded files, or the microphone.

Replayed files are written to the turn's WAV and transcribed whole. Spoken answers
are endpointed while they are recorded: each 32 ms frame goes to the WAV on disk,
then to the streaming VAD; when a stretch of speech closes at a pause it is
transcribed at once on a background worker, so when the answer ends (Enter, a long
silence, or the time limit) only the tail is left to transcribe.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voicemock.audio.devices import NO_DEVICE_HINT, AudioDeviceError
from voicemock.audio.files import FileSource
from voicemock.audio.mic import MicSource
from voicemock.audio.turn import TurnModel
from voicemock.audio.vad import FRAME, StreamingVad
from voicemock.audio.wav import WavWriter
from voicemock.core.models import SAMPLE_RATE, Segment, Transcript
from voicemock.errors import AudioInputError
from voicemock.round.events import (
    AnswerStarted,
    AnswerStateChanged,
    Emit,
    ListeningStarted,
    Prompt,
    SegmentTranscribed,
    ignore,
)
from voicemock.round.ports import CapturedAnswer, Transcriber
from voicemock.round.turntaking import (
    Action,
    CaptureOptions,
    EndOfTurn,
    Hear,
    Readings,
    StateChanged,
    Transcribe,
    TurnTaker,
)


class ReplayAnswers:
    """Answers from files, in order; each file is transcribed whole."""

    def __init__(
        self,
        sources: Iterable[FileSource],
        transcriber: Transcriber,
        emit: Emit = ignore,
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


class _Growing:
    """An append-only sample buffer with amortised doubling (no quadratic re-copying)."""

    def __init__(self) -> None:
        self._data = np.zeros(SAMPLE_RATE * 30, dtype=np.float32)
        self.size = 0

    def append(self, chunk: np.ndarray) -> None:
        end = self.size + chunk.size
        if end > self._data.size:
            grown = np.zeros(max(end, self._data.size * 2), dtype=np.float32)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : end] = chunk
        self.size = end

    def view(self, start: int = 0, end: int | None = None) -> np.ndarray:
        return self._data[start : self.size if end is None else min(end, self.size)]


FINAL_WAIT_S = 1.0
"""The longest the final pass over an answer waits for the interviewer's next line to start
(two models on two cores at once slowed the line's first sentence by half a second)."""


class LiveAnswers:
    """Captures each answer from the microphone until the candidate is done.

    When the answer ends is decided by :class:`~voicemock.round.turntaking.TurnTaker`
    (with a turn model, a finished answer ends after half a second of silence and an
    unfinished clause keeps the microphone open up to the ceiling; without one, only the
    ceiling ends it); Enter ends it at once either way. This class does the audio and file
    work: the WAV on disk, the VAD, the transcription worker, the turn model. When an answer
    has ended, the whole of it is transcribed again with the replay settings in the
    background (``CapturedAnswer.final``): that is the transcript stored and scored.
    """

    def __init__(
        self,
        mic: MicSource,
        transcriber: Transcriber,
        *,
        options: CaptureOptions | None = None,
        finish: threading.Event | None = None,
        emit: Emit = ignore,
        turn_model: TurnModel | None = None,
        drain_at_start: bool = True,
        line_started: threading.Event | None = None,
    ) -> None:
        self.mic = mic
        self.transcriber = transcriber
        self.options = options or CaptureOptions()
        self.finish = finish or threading.Event()
        self.emit = emit
        self.turn_model = turn_model
        self.drain_at_start = drain_at_start
        """Drop what the microphone heard before the answer (no voice asked the question; with
        a voice, the microphone is drained when the question ends, and speech that starts
        right after it must be kept)."""
        self.line_started = line_started
        """Set by the interviewer's voice when its next line starts playing: the final pass
        waits for it (at most :data:`FINAL_WAIT_S`), so it does not slow that line down."""
        self.vad = StreamingVad()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stt")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def next_answer(self, prompt: Prompt, text_prompt: str, wav_path: Path) -> CapturedAnswer:
        """The answer to ``prompt`` (the microphone never runs out of answers)."""
        return self.capture(text_prompt, wav_path)

    def leftover(self) -> tuple[str, ...]:
        return ()

    def capture(self, text_prompt: str, wav_path: Path) -> CapturedAnswer:
        """Record one answer to ``wav_path`` and return it transcribed."""
        self.vad.reset()
        self.finish.clear()
        if self.line_started is not None:
            self.line_started.clear()
        if self.drain_at_start:
            self.mic.drain()
        answer = _Answer(self, text_prompt)
        limit, stall = self.options.max_answer_s + 5, self.options.stall_s
        self.emit(ListeningStarted(self.options.end_silence_s, self.options.max_answer_s))
        started = last_audio = time.monotonic()
        with WavWriter(wav_path) as wav:
            while answer.taker.ended is None:
                answer.take_readings()
                if self.finish.is_set():
                    answer.run(answer.taker.key())
                elif time.monotonic() - started > limit:
                    answer.run(answer.taker.stop(EndOfTurn.MAX))  # the device stalled
                if answer.taker.ended is not None:
                    break
                chunk = self.mic.read(timeout=0.05)
                if chunk is not None and chunk.size:
                    last_audio = time.monotonic()
                    wav.write(chunk)
                    answer.hear(chunk)
                elif time.monotonic() - last_audio > stall:
                    raise AudioDeviceError(
                        f"the microphone stopped delivering audio for {stall:.0f} s "
                        f"(unplugged, or taken by another program?); the answer so far is "
                        f"saved in {wav_path}; {NO_DEVICE_HINT}"
                    )
        return answer.finished(time.monotonic())

    def final_pass(
        self, audio: np.ndarray, spans: list[tuple[float, float]], text_prompt: str
    ) -> Transcript:
        """The whole answer, framed the way a recording would be (room tone around the
        speech), transcribed with the replay settings; times stay the answer's."""
        if self.line_started is not None:
            self.line_started.wait(FINAL_WAIT_S)
        pad = self.options.frame_pad_s
        start = max(0, int((spans[0][0] - pad) * SAMPLE_RATE)) if spans else 0
        end = int((spans[-1][1] + pad) * SAMPLE_RATE) if spans else audio.size
        transcript = self.transcriber.transcribe(audio[start:end], prompt=text_prompt)
        offset = start / SAMPLE_RATE
        return Transcript(
            segments=tuple(s.shifted(offset) for s in transcript.segments),
            duration=audio.size / SAMPLE_RATE,
        )

    def read_stretch(
        self,
        reading: Transcribe,
        audio: np.ndarray,
        text_prompt: str,
        context: Readings[list[Segment]],
        out: queue.SimpleQueue[_Reading],
    ) -> None:
        """On the worker: one stretch, primed with the text before it so the recogniser keeps
        the thread of the answer. ``context`` belongs to the worker (one thread touches it);
        the result goes to the capture through ``out``."""
        before = context.items(before=reading.start)[-2:]  # never the ones it replaces
        prompt = f"{text_prompt} {' '.join(s.text for segs in before for s in segs)}".strip()
        transcript = self.transcriber.transcribe(audio, prompt=prompt, fast=not reading.careful)
        segs = [s.shifted(reading.start / SAMPLE_RATE) for s in transcript.segments]
        context.put(reading.start, segs)
        out.put(_Reading(reading, segs))


@dataclass(frozen=True)
class _Reading:
    """A stretch read on the worker, on its way to the capture."""

    asked: Transcribe
    segments: list[Segment]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    def new_words(self) -> str:
        """What the app has not shown yet: a re-read of cut pieces shows only its new words."""
        shown = self.asked.shown_from / SAMPLE_RATE
        if self.asked.shown_from <= self.asked.start:
            return self.text.strip()
        words = [w.text for s in self.segments for w in s.words if w.start >= shown - 0.05]
        return " ".join(words).strip()


class _Answer:
    """One answer being captured: its audio, the turn-taker, the readings in flight."""

    def __init__(self, owner: LiveAnswers, text_prompt: str) -> None:
        self.owner = owner
        self.text_prompt = text_prompt
        self.taker = TurnTaker(owner.options, turn_model=owner.turn_model is not None)
        self.audio = _Growing()
        self._pending = np.zeros(0, dtype=np.float32)
        self._readings: Readings[list[Segment]] = Readings()
        self._context: Readings[list[Segment]] = Readings()  # the worker's own
        self._arrived: queue.SimpleQueue[_Reading] = queue.SimpleQueue()
        self._futures: list[Future[None]] = []
        self._turn_calls: list[float] = []

    def hear(self, chunk: np.ndarray) -> None:
        """New audio: appended, then fed frame by frame through the VAD to the turn-taker."""
        self.audio.append(chunk)
        self._pending = np.concatenate([self._pending, chunk])
        while self._pending.size >= FRAME and self.taker.ended is None:
            frame, self._pending = self._pending[:FRAME], self._pending[FRAME:]
            self.run(self.taker.frame(self.owner.vad(frame)))

    def run(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Transcribe):
                self._submit(action)
            elif isinstance(action, Hear):
                assert self.owner.turn_model is not None
                probability = self.owner.turn_model.complete(self.audio.view(0, action.end))
                self._turn_calls.append(self.owner.turn_model.last_seconds)
                self.run(self.taker.heard(probability))
            elif isinstance(action, StateChanged):
                self.owner.emit(AnswerStateChanged(action.state.value))

    def take_readings(self) -> None:
        """Readings the worker finished: kept, shown, and given to the turn-taker."""
        while not self._arrived.empty():
            reading = self._arrived.get()
            self._readings.put(reading.asked.start, reading.segments)
            text = reading.new_words()
            if text and not reading.asked.careful:
                end = reading.asked.end / SAMPLE_RATE
                self.owner.emit(
                    SegmentTranscribed(text, reading.asked.shown_from / SAMPLE_RATE, end)
                )
            self.run(self.taker.transcribed(reading.asked.ticket, reading.text))

    def _submit(self, reading: Transcribe) -> None:
        audio = self.audio.view(reading.start, reading.end).copy()
        args = (reading, audio, self.text_prompt, self._context, self._arrived)
        self._futures.append(self.owner._pool.submit(self.owner.read_stretch, *args))

    def finished(self, ended_at: float) -> CapturedAnswer:
        """The answer as captured: every stretch read, and its final pass started."""
        tail = self.taker.flush()
        if tail is not None:
            self._submit(tail)
        for future in self._futures:
            future.result()
        self.take_readings()
        final_at = time.monotonic()
        segments = tuple(s for segs in self._readings.items() for s in segs)
        endpoint, audio = self.taker.endpoint, self.audio.view().copy()
        transcript = Transcript(segments=segments, duration=audio.size / SAMPLE_RATE)
        heard = (
            endpoint.heard_speech
            and not transcript.is_empty
            and not all(s.no_speech_prob > 0.6 for s in segments)
        )
        reason = self.taker.ended or EndOfTurn.KEY
        latency: dict[str, Any] = {
            "speech_end_s": round(endpoint.last_speech_end / SAMPLE_RATE, 3),
            "end_reason": reason.value,
            "end_to_transcript_s": round(final_at - ended_at, 4),
            "tail_s": round(((tail.end - tail.start) / SAMPLE_RATE) if tail else 0.0, 3),
        }
        if self._turn_calls:
            latency["turn_model_s"] = round(max(self._turn_calls), 4)
        if reason in (EndOfTurn.COMPLETE, EndOfTurn.UNSURE):
            latency["judged_after_s"] = round(self.taker.judged_at, 3)
        spans = list(self.taker.spans)
        final = self.owner._pool.submit(self.owner.final_pass, audio, spans, self.text_prompt)
        return CapturedAnswer(
            audio=audio,
            transcript=transcript,
            source=self.owner.mic.name,
            speech_spans=spans,
            latency=latency,
            ended_at=ended_at,
            heard=heard,
            final=final if heard else None,
        )
