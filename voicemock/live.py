"""Spoken answers from a microphone: endpointing while recording, transcription while speaking.

Each 32 ms frame goes to the WAV on disk, then to the streaming VAD. When a stretch
of speech closes at a pause it is transcribed at once on a background worker, so
when the answer ends (Enter, a long silence, or the time limit) only the tail is
left to transcribe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voicemock.audio.devices import NO_DEVICE_HINT, AudioDeviceError
from voicemock.audio.mic import MicSource
from voicemock.audio.vad import FRAME, AnswerEnded, Endpointer, SpeechClosed, StreamingVad
from voicemock.audio.wav import WavWriter
from voicemock.core.models import Segment, Transcript
from voicemock.core.ports import Transcriber

SAMPLE_RATE = 16_000
STALL_S = 3.0  # no audio at all for this long means the device is gone


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


@dataclass(frozen=True)
class Listening:
    """The microphone is open for an answer."""

    end_silence_s: float
    max_answer_s: float


@dataclass(frozen=True)
class SegmentTranscribed:
    """A stretch of the answer was transcribed while the candidate kept talking."""

    text: str
    start: float
    end: float


class _Growing:
    """An append-only sample buffer with amortised doubling (no quadratic re-copying)."""

    def __init__(self) -> None:
        self._data = np.zeros(16_000 * 30, dtype=np.float32)
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


class LiveAnswers:
    """Captures each answer from the microphone until the candidate is done."""

    def __init__(
        self,
        mic: MicSource,
        transcriber: Transcriber,
        *,
        end_silence_s: float = 4.0,
        max_answer_s: float = 300.0,
        finish: threading.Event | None = None,
        emit: Callable[[Any], None] = lambda event: None,
    ) -> None:
        self.mic = mic
        self.transcriber = transcriber
        self.end_silence_s = end_silence_s
        self.max_answer_s = max_answer_s
        self.finish = finish or threading.Event()
        self.emit = emit
        self.vad = StreamingVad()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stt")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def next_answer(self, prompt: Any, text_prompt: str, wav_path: Path) -> CapturedAnswer:
        """The answer to ``prompt`` (the microphone never runs out of answers)."""
        return self.capture(text_prompt, wav_path)

    def leftover(self) -> tuple[str, ...]:
        return ()

    def capture(self, text_prompt: str, wav_path: Path) -> CapturedAnswer:
        """Record one answer to ``wav_path`` and return it transcribed."""
        self.vad.reset()
        self.finish.clear()
        self.mic.drain()
        endpoint = Endpointer(
            end_silence_s=self.end_silence_s,
            max_answer_s=self.max_answer_s,
            segment_pause_s=0.35,
            max_segment_s=8.0,
        )
        pending = np.zeros(0, dtype=np.float32)
        results: list[tuple[int, list[Segment]]] = []
        futures: list[Future[None]] = []
        spans: list[tuple[float, float]] = []
        audio_len = 0

        def transcribe(start: int, audio: np.ndarray) -> None:
            # One worker: segments are transcribed in order, each primed with the text
            # before it so the recogniser keeps the thread of the answer.
            context = " ".join(s.text for _, segs in results[-2:] for s in segs)
            prompt = f"{text_prompt} {context}".strip()
            transcript = self.transcriber.transcribe(audio, prompt=prompt, fast=True)
            segs = [s.shifted(start / SAMPLE_RATE) for s in transcript.segments]
            results.append((start, segs))
            text = " ".join(s.text for s in segs).strip()
            if text:
                self.emit(
                    SegmentTranscribed(
                        text, start / SAMPLE_RATE, (start + audio.size) / SAMPLE_RATE
                    )
                )

        full = _Growing()

        def submit(closed: SpeechClosed) -> None:
            spans.append((closed.start / SAMPLE_RATE, closed.end / SAMPLE_RATE))
            segment_audio = full.view(closed.start, closed.end).copy()
            futures.append(self._pool.submit(transcribe, closed.start, segment_audio))

        self.emit(Listening(self.end_silence_s, self.max_answer_s))
        reason = "key"
        started = last_audio = time.monotonic()
        with WavWriter(wav_path) as wav:
            ended = False
            while not ended:
                if self.finish.is_set():
                    reason = "key"
                    break
                if time.monotonic() - started > self.max_answer_s + 5:
                    reason = "max"  # the device stalled: stop on wall-clock time too
                    break
                chunk = self.mic.read(timeout=0.1)
                if chunk is None or chunk.size == 0:
                    if time.monotonic() - last_audio > STALL_S:
                        raise AudioDeviceError(
                            f"the microphone stopped delivering audio for {STALL_S:.0f} s "
                            f"(unplugged, or taken by another program?); the answer so far is "
                            f"saved in {wav_path}; {NO_DEVICE_HINT}"
                        )
                    continue
                last_audio = time.monotonic()
                wav.write(chunk)
                audio_len += chunk.size
                full.append(chunk)
                pending = np.concatenate([pending, chunk])
                while pending.size >= FRAME and not ended:
                    frame, pending = pending[:FRAME], pending[FRAME:]
                    for event in endpoint.update(self.vad(frame)):
                        if isinstance(event, SpeechClosed):
                            submit(event)
                        elif isinstance(event, AnswerEnded):
                            reason = event.reason
                            ended = True
        ended_at = time.monotonic()
        tail = endpoint.flush()
        if tail is not None:
            submit(tail)
        for future in futures:
            future.result()
        final_at = time.monotonic()
        results.sort(key=lambda item: item[0])
        segments = tuple(s for _, segs in results for s in segs)
        transcript = Transcript(segments=segments, duration=audio_len / SAMPLE_RATE)
        speech_end = endpoint.last_speech_end / SAMPLE_RATE
        heard = (
            endpoint.heard_speech
            and not transcript.is_empty
            and not all(s.no_speech_prob > 0.6 for s in segments)
        )
        return CapturedAnswer(
            audio=full.view().copy(),
            transcript=transcript,
            source=self.mic.name,
            speech_spans=spans,
            latency={
                "speech_end_s": round(speech_end, 3),
                "end_reason": reason,
                "end_to_transcript_s": round(final_at - ended_at, 4),
                "tail_s": round(((tail.end - tail.start) / SAMPLE_RATE) if tail else 0.0, 3),
            },
            ended_at=ended_at,
            heard=heard,
        )
