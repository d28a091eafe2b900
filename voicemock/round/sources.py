"""Where a round's answers come from: recorded files, or the microphone.

Replayed files are written to the turn's WAV and transcribed whole. Spoken answers
are endpointed while they are recorded: each 32 ms frame goes to the WAV on disk,
then to the streaming VAD; when a stretch of speech closes at a pause it is
transcribed at once on a background worker, so when the answer ends (Enter, a long
silence, or the time limit) only the tail is left to transcribe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from voicemock.audio.devices import NO_DEVICE_HINT, AudioDeviceError
from voicemock.audio.files import FileSource
from voicemock.audio.mic import MicSource
from voicemock.audio.vad import FRAME, AnswerEnded, Endpointer, SpeechClosed, StreamingVad
from voicemock.audio.wav import WavWriter
from voicemock.core.models import SAMPLE_RATE, Segment, Transcript
from voicemock.errors import AudioInputError
from voicemock.round.events import (
    AnswerStarted,
    Emit,
    ListeningStarted,
    Prompt,
    SegmentTranscribed,
    ignore,
)
from voicemock.round.ports import CapturedAnswer, Transcriber

STALL_S = 3.0  # no audio at all for this long means the device is gone


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
        emit: Emit = ignore,
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

    def next_answer(self, prompt: Prompt, text_prompt: str, wav_path: Path) -> CapturedAnswer:
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

        self.emit(ListeningStarted(self.end_silence_s, self.max_answer_s))
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
