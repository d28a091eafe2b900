"""Streaming voice-activity detection and endpointing on 32 ms frames.

The Silero VAD model bundled with faster-whisper is run one 512-sample frame at a
time: each call gets the previous frame's last 64 samples as context and carries
the LSTM state (h, c) to the next call, which gives the same probabilities as the
batch call over the whole recording.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voicemock.core.models import SAMPLE_RATE

FRAME = 512  # samples at 16 kHz: 32 ms
CONTEXT = 64
FRAME_S = FRAME / SAMPLE_RATE


class StreamingVad:
    """Speech probability per 32 ms frame, state carried across calls."""

    def __init__(self) -> None:
        from faster_whisper.vad import get_vad_model

        self._session = get_vad_model().session
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)

    def __call__(self, frame: np.ndarray) -> float:
        if frame.size != FRAME:
            raise ValueError(f"VAD frames are {FRAME} samples, got {frame.size}")
        x = np.concatenate([self._context, frame.astype(np.float32, copy=False)])[None, :]
        out, self._h, self._c = self._session.run(None, {"input": x, "h": self._h, "c": self._c})
        self._context = x[0, -CONTEXT:]
        return float(out.reshape(-1)[0])


@dataclass(frozen=True)
class SpeechClosed:
    """A stretch of speech ended: transcribe it now, while recording goes on."""

    start: int  # sample offsets into the answer
    end: int
    at_pause: bool = True
    """False when the stretch was cut at its length limit in the middle of speech (the cut
    can fall inside a word); True when it closed in silence (the pause may be the end)."""


@dataclass(frozen=True)
class AnswerEnded:
    reason: str  # "silence", "max", or "key"
    speech_end: int  # sample offset where the last speech ended (0 if none)


class Endpointer:
    """Turns per-frame speech probabilities into closed speech segments and an answer end.

    Hysteresis (speech above ``on``, silence below ``off``) keeps one word's dip from
    splitting a segment. A segment closes after ``segment_pause_s`` of silence, or at
    ``max_segment_s`` so that the tail left at the end of an answer stays short. The
    answer ends after ``end_silence_s`` of silence once speech was heard, or at
    ``max_answer_s``.
    """

    def __init__(
        self,
        *,
        end_silence_s: float = 4.0,
        max_answer_s: float = 300.0,
        segment_pause_s: float = 0.4,
        max_segment_s: float = 12.0,
        on: float = 0.5,
        off: float = 0.35,
        pad_s: float = 0.1,
    ) -> None:
        self.end_silence = int(end_silence_s / FRAME_S)
        self.max_frames = int(max_answer_s / FRAME_S)
        self.segment_pause = max(1, int(segment_pause_s / FRAME_S))
        self.max_segment = int(max_segment_s / FRAME_S)
        self.on, self.off = on, off
        self.pad = int(pad_s * SAMPLE_RATE)
        self.frames = 0
        self.in_speech = False
        self.heard_speech = False
        self.silent_frames = 0
        self._seg_start: int | None = None
        self._last_speech_end = 0
        self.closed_until = 0  # sample offset up to which segments were handed out

    def update(self, probability: float) -> list[SpeechClosed | AnswerEnded]:
        events: list[SpeechClosed | AnswerEnded] = []
        pos = self.frames * FRAME
        self.frames += 1
        if probability >= self.on or (self.in_speech and probability >= self.off):
            if self._seg_start is None:
                self._seg_start = max(self.closed_until, pos - self.pad)
            self.in_speech = True
            self.heard_speech = True
            self.silent_frames = 0
            self._last_speech_end = pos + FRAME
        else:
            self.in_speech = False
            self.silent_frames += 1
        if self._seg_start is not None:
            long_pause = not self.in_speech and self.silent_frames >= self.segment_pause
            too_long = (pos + FRAME - self._seg_start) >= self.max_segment * FRAME
            if long_pause or too_long:
                events.append(self._close(pos + FRAME, at_pause=not self.in_speech))
        if self.heard_speech and self.silent_frames >= self.end_silence:
            events.append(AnswerEnded("silence", self._last_speech_end))
        elif self.frames >= self.max_frames:
            events.append(AnswerEnded("max", self._last_speech_end))
        return events

    def _close(self, now: int, *, at_pause: bool = True) -> SpeechClosed:
        assert self._seg_start is not None
        end = min(now, self._last_speech_end + self.pad) if not self.in_speech else now
        closed = SpeechClosed(self._seg_start, max(end, self._seg_start + 1), at_pause)
        self.closed_until = closed.end
        self._seg_start = None
        return closed

    def flush(self) -> SpeechClosed | None:
        """At the end of the answer: the open tail, if any speech is in it."""
        if self._seg_start is None:
            return None
        return self._close(self.frames * FRAME)

    @property
    def last_speech_end(self) -> int:
        return self._last_speech_end
