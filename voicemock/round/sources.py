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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voicemock.audio.devices import NO_DEVICE_HINT, AudioDeviceError
from voicemock.audio.files import FileSource
from voicemock.audio.mic import MicSource
from voicemock.audio.turn import TurnModel
from voicemock.audio.vad import FRAME, AnswerEnded, Endpointer, SpeechClosed, StreamingVad
from voicemock.audio.wav import WavWriter
from voicemock.core.models import SAMPLE_RATE, Segment, Transcript
from voicemock.core.text import sounds_unfinished
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


COMPLETE_SILENCE_S = 0.5
"""Silence after the last word that ends an answer judged complete (words and sound agree)."""
UNSURE_SILENCE_S = 2.0
"""Silence that ends an answer whose words are finished but whose sound is not."""
FRAME_PAD_S = 0.5
"""Room tone kept around the speech for the final pass."""
JUDGE_WINDOW_S = 8.0
"""The most of an unbroken run of speech read again as one stretch when a pause ends it."""
RECHECK_S = 0.25
"""While unsure, the turn model hears the growing pause again this often."""
SHORT_STRETCH_S = 1.5
"""A stretch this short that a pause closes is read together with the speech before it:
alone, a word or two are easily misheard ("…consistent." as "This consists of")."""
THINKING_RECHECK_S = 2.5
"""A pause judged "thinking" this long is judged once more on a careful reading of the
speech before it, so a misheard dangling word cannot hold the microphone to the ceiling."""


@dataclass(frozen=True)
class TurnJudge:
    """Is a pause the end of the answer? The turn model hears the audio, the live transcript
    is read for an unfinished clause; a dangling clause always means "still thinking"."""

    threshold: float = 0.5
    complete_silence_s: float = COMPLETE_SILENCE_S
    unsure_silence_s: float = UNSURE_SILENCE_S

    def verdict(self, probability: float, text: str) -> str:
        """ "thinking" (keep listening up to the ceiling), "complete" or "unsure"."""
        if sounds_unfinished(text):
            return "thinking"
        return "complete" if probability >= self.threshold else "unsure"

    def silence_needed(self, verdict: str, ceiling_s: float) -> float:
        if verdict == "complete":
            return min(self.complete_silence_s, ceiling_s)
        if verdict == "unsure":
            return min(self.unsure_silence_s, ceiling_s)
        return ceiling_s


class LiveAnswers:
    """Captures each answer from the microphone until the candidate is done.

    With a turn model, each pause in the answer is judged: a finished answer ends after
    half a second of silence, an unfinished clause ("…and the second thing is") keeps the
    microphone open through a thinking pause up to ``end_silence_s`` (the ceiling). Without
    one, only the ceiling ends an answer. Enter ends it at once either way. When an answer
    has ended, the whole of it is transcribed again with the replay settings in the
    background (``CapturedAnswer.final``): that is the transcript stored and scored.
    """

    def __init__(
        self,
        mic: MicSource,
        transcriber: Transcriber,
        *,
        end_silence_s: float = 10.0,
        max_answer_s: float = 300.0,
        finish: threading.Event | None = None,
        emit: Emit = ignore,
        turn_model: TurnModel | None = None,
        judge: TurnJudge | None = None,
        drain_at_start: bool = True,
    ) -> None:
        self.mic = mic
        self.transcriber = transcriber
        self.end_silence_s = end_silence_s
        self.max_answer_s = max_answer_s
        self.finish = finish or threading.Event()
        self.emit = emit
        self.turn_model = turn_model
        self.judge = judge or TurnJudge()
        self.drain_at_start = drain_at_start
        """Drop what the microphone heard before the answer (no voice asked the question; with
        a voice, the microphone is drained when the question ends, and speech that starts
        right after it must be kept)."""
        self.vad = StreamingVad()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stt")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def next_answer(self, prompt: Prompt, text_prompt: str, wav_path: Path) -> CapturedAnswer:
        """The answer to ``prompt`` (the microphone never runs out of answers)."""
        return self.capture(text_prompt, wav_path)

    def leftover(self) -> tuple[str, ...]:
        return ()

    def _final_pass(
        self, audio: np.ndarray, spans: list[tuple[float, float]], text_prompt: str
    ) -> Transcript:
        """The whole answer, framed the way a recording would be (half a second of room tone
        around the speech), transcribed with the replay settings; times stay the answer's."""
        start = max(0, int((spans[0][0] - FRAME_PAD_S) * SAMPLE_RATE)) if spans else 0
        end = int((spans[-1][1] + FRAME_PAD_S) * SAMPLE_RATE) if spans else audio.size
        transcript = self.transcriber.transcribe(audio[start:end], prompt=text_prompt)
        offset = start / SAMPLE_RATE
        return Transcript(
            segments=tuple(s.shifted(offset) for s in transcript.segments),
            duration=audio.size / SAMPLE_RATE,
        )

    def capture(self, text_prompt: str, wav_path: Path) -> CapturedAnswer:
        """Record one answer to ``wav_path`` and return it transcribed."""
        self.vad.reset()
        self.finish.clear()
        if self.drain_at_start:
            self.mic.drain()
        # Short stretches: the last one, whose words decide whether a pause ends the answer,
        # is transcribed quickly. (The stored transcript comes from the final pass.)
        endpoint = Endpointer(
            end_silence_s=self.end_silence_s,
            max_answer_s=self.max_answer_s,
            segment_pause_s=0.25,
            max_segment_s=4.0,
        )
        pending = np.zeros(0, dtype=np.float32)
        results: list[tuple[int, list[Segment]]] = []
        futures: list[Future[None]] = []
        spans: list[tuple[float, float]] = []
        audio_len = 0
        # The pause being judged: the turn model's probability, and the transcription of the
        # stretch of speech that the pause closed (the text is read when it arrives).
        check: tuple[float, Future[None]] | None = None
        verdict: str | None = None
        turn_calls: list[float] = []

        def transcribe(start: int, audio: np.ndarray, shown_until: int, fast: bool = True) -> None:
            # One worker: stretches are transcribed in order, each primed with the text
            # before it so the recogniser keeps the thread of the answer. A stretch that
            # re-reads cut pieces replaces their text (only its new words are shown).
            while results and results[-1][0] >= start:
                results.pop()
            context = " ".join(s.text for _, segs in results[-2:] for s in segs)
            prompt = f"{text_prompt} {context}".strip()
            transcript = self.transcriber.transcribe(audio, prompt=prompt, fast=fast)
            segs = [s.shifted(start / SAMPLE_RATE) for s in transcript.segments]
            results.append((start, segs))
            shown = shown_until / SAMPLE_RATE
            words = [w.text for s in segs for w in s.words if w.start >= shown - 0.05]
            text = (
                " ".join(s.text for s in segs) if shown_until <= start else " ".join(words)
            ).strip()
            if text:
                self.emit(SegmentTranscribed(text, shown, (start + audio.size) / SAMPLE_RATE))

        full = _Growing()
        run_start: int | None = None  # where the pieces cut at the length limit began
        read_from: int | None = None  # where the last stretch handed out was read from
        starts: list[int] = []  # where each stretch handed out was read from, in order
        window = int(JUDGE_WINDOW_S * SAMPLE_RATE)

        def boundary(earliest: int, end: int, fallback: int) -> int:
            """The first read start from ``earliest`` within the window before ``end``:
            a reading from there replaces every reading after it, so none overlaps."""
            lo = max(earliest, end - window)
            return min((k for k in starts if k >= lo), default=fallback)

        def submit(closed: SpeechClosed) -> Future[None]:
            nonlocal run_start, read_from
            spans.append((closed.start / SAMPLE_RATE, closed.end / SAMPLE_RATE))
            start = closed.start
            if not closed.at_pause:
                # Cut mid-speech, maybe mid-word: shown now, read again whole at the pause.
                run_start = closed.start if run_start is None else run_start
            elif run_start is not None:
                # The words before a pause decide whether the answer is over: read the run
                # since the last real pause as one stretch (its last JUDGE_WINDOW_S at most),
                # not the pieces the length limit cut it into.
                start = boundary(run_start, closed.end, closed.start)
                run_start = None
            elif (
                read_from is not None and closed.end - closed.start < SHORT_STRETCH_S * SAMPLE_RATE
            ):
                # A word or two after a short dip: read with the stretch before it.
                start = boundary(read_from, closed.end, closed.start)
            read_from = start
            starts.append(start)
            segment_audio = full.view(start, closed.end).copy()
            future = self._pool.submit(transcribe, start, segment_audio, closed.start)
            futures.append(future)
            return future

        def reread() -> Future[None]:
            """The speech before the pause read again carefully (no new words are shown)."""
            end = min(full.size, endpoint.last_speech_end + FRAME)
            start = boundary(0, end, read_from or 0)
            starts.append(start)
            future = self._pool.submit(transcribe, start, full.view(start, end).copy(), end, False)
            futures.append(future)
            return future

        def hear() -> float:
            assert self.turn_model is not None
            probability = self.turn_model.complete(full.view())
            turn_calls.append(self.turn_model.last_seconds)
            return probability

        judged_at = 0.0  # the silence at which the pause was last judged
        second_look: Future[None] | None = None  # a "thinking" pause read again carefully
        looked_again = False  # once per pause

        def said_so_far() -> str:
            return " ".join(s.text for _, segs in sorted(results, key=lambda r: r[0]) for s in segs)

        def state(new: str | None) -> None:
            nonlocal verdict
            if new != verdict:
                verdict = new
                self.emit(AnswerStateChanged(new or "listening"))

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
                chunk = self.mic.read(timeout=0.05)
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
                            future = submit(event)
                            if self.turn_model is not None and event.at_pause:
                                # The model hears the pause too, as it was trained to.
                                check = (hear(), future)
                        elif isinstance(event, AnswerEnded):
                            reason = event.reason
                            ended = True
                if ended:
                    break
                if endpoint.in_speech:  # talking again: whatever was judged no longer holds
                    check = second_look = None
                    looked_again = False
                    state(None)
                    continue
                silence = endpoint.silent_frames * FRAME / SAMPLE_RATE
                if check is not None and check[1].done():
                    probability, _ = check
                    check = None
                    state(self.judge.verdict(probability, said_so_far()))
                    judged_at = silence
                elif (
                    verdict == "thinking"
                    and not looked_again
                    and self.turn_model is not None
                    and silence >= THINKING_RECHECK_S
                ):
                    looked_again = True
                    second_look = reread()
                elif second_look is not None and second_look.done():
                    second_look = None
                    state(self.judge.verdict(hear(), said_so_far()))
                    judged_at = silence
                elif verdict == "unsure" and silence >= judged_at + RECHECK_S:
                    # Words finished, sound not yet: listen to the longer pause again.
                    state(self.judge.verdict(hear(), said_so_far()))
                    judged_at = silence
                if verdict in ("complete", "unsure") and silence >= self.judge.silence_needed(
                    verdict, self.end_silence_s
                ):
                    reason = str(verdict)
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
        audio = full.view().copy()
        latency: dict[str, Any] = {
            "speech_end_s": round(speech_end, 3),
            "end_reason": reason,
            "end_to_transcript_s": round(final_at - ended_at, 4),
            "tail_s": round(((tail.end - tail.start) / SAMPLE_RATE) if tail else 0.0, 3),
        }
        if turn_calls:
            latency["turn_model_s"] = round(max(turn_calls), 4)
        if reason in ("complete", "unsure"):
            latency["judged_after_s"] = round(judged_at, 3)
        return CapturedAnswer(
            audio=audio,
            transcript=transcript,
            source=self.mic.name,
            speech_spans=spans,
            latency=latency,
            ended_at=ended_at,
            heard=heard,
            final=self._pool.submit(self._final_pass, audio, spans, text_prompt) if heard else None,
        )
