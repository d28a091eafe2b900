"""Answer recordings from files: any common format, decoded to 16 kHz mono float32.

Decoding goes through PyAV (FFmpeg), which faster-whisper already depends on:
wav, flac, mp3, m4a, ogg and webm all work, stereo is downmixed and any sample
rate is resampled. Every way a file can be unusable becomes an
:class:`~voicemock.errors.AudioInputError` naming the file and the reason.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from voicemock.errors import AudioInputError

SAMPLE_RATE = 16_000
FRAME_SAMPLES = 512  # 32 ms, the frame the streaming VAD works on

# Below this RMS (about -70 dBFS) a recording is digital silence.
_SILENCE_RMS = 3e-4


def _wav_declared_bytes(path: Path) -> tuple[int, int] | None:
    """(declared data bytes, bytes actually present) for a RIFF/WAVE file, else None."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        size = path.stat().st_size
        pos = 12
        while pos + 8 <= size:
            fh.seek(pos)
            chunk_id, chunk_size = struct.unpack("<4sI", fh.read(8))
            if chunk_id == b"data":
                return chunk_size, size - pos - 8
            pos += 8 + chunk_size + (chunk_size & 1)
    return None


def _declared_duration(path: Path) -> float | None:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
    return None


def decode_file(path: str | Path) -> np.ndarray:
    """Decode an answer file to 16 kHz mono float32, or raise AudioInputError."""
    path = Path(path)
    if not path.exists():
        raise AudioInputError(path, "no such file")
    if path.is_dir():
        raise AudioInputError(path, "is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise AudioInputError(path, "the file is empty")
    try:
        import av
        from faster_whisper.audio import decode_audio

        wav = _wav_declared_bytes(path)
        # Streaming writers leave 0 or 0xFFFFFFFF as the size; only a real size can be short.
        if wav and 0 < wav[0] < 0xFFFFFFFF and wav[1] < wav[0]:
            raise AudioInputError(
                path,
                f"the file is truncated ({wav[1]} of {wav[0]} audio bytes present); "
                "re-export or re-record it",
            )
        audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
        declared = None if wav else _declared_duration(path)
    except AudioInputError:
        raise
    except (av.error.FFmpegError, IndexError, struct.error) as exc:
        detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise AudioInputError(path, f"not a readable audio file ({detail})") from None
    except OSError as exc:
        raise AudioInputError(path, exc.strerror or str(exc)) from None
    if audio.size == 0:
        raise AudioInputError(path, "holds no audio samples")
    got = audio.size / SAMPLE_RATE
    if declared and got < declared * 0.9 - 0.1:
        raise AudioInputError(
            path,
            f"the file is truncated ({got:.1f} s decoded of {declared:.1f} s declared); "
            "re-export or re-record it",
        )
    return audio.astype(np.float32, copy=False)


def speech_spans(audio: np.ndarray) -> list[tuple[float, float]]:
    """Where the speech is, in seconds, by the Silero VAD bundled with faster-whisper.

    Little padding, so the gaps between spans are the real pauses; digital silence
    is no speech without asking the model.
    """
    if audio.size == 0 or float(np.sqrt(np.mean(np.square(audio)))) < _SILENCE_RMS:
        return []
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_speech_duration_ms=250, min_silence_duration_ms=300, speech_pad_ms=30)
    return [
        (span["start"] / SAMPLE_RATE, span["end"] / SAMPLE_RATE)
        for span in get_speech_timestamps(audio, options)
    ]


class FileSource:
    """An :class:`~voicemock.core.ports.AudioSource` that plays an answer from a file.

    The file is decoded and checked when the source is created, so a bad file
    fails before a session starts rather than halfway through it.
    """

    sample_rate = SAMPLE_RATE

    def __init__(self, path: str | Path, *, realtime: bool = False, check_speech: bool = True):
        self.path = Path(path)
        self.name = self.path.name
        self.realtime = realtime
        self.audio = decode_file(self.path)
        self.speech_spans: list[tuple[float, float]] | None = None
        if check_speech:
            self.speech_spans = speech_spans(self.audio)
            if not self.speech_spans:
                raise AudioInputError(self.path, "no speech found: the recording is silent")

    @property
    def duration(self) -> float:
        return self.audio.size / SAMPLE_RATE

    def frames(self) -> Iterator[np.ndarray]:
        """32 ms chunks; with ``realtime`` they arrive at the pace of speech, like a microphone."""
        start = time.monotonic()
        for i in range(0, self.audio.size, FRAME_SAMPLES):
            if self.realtime:
                delay = start + i / SAMPLE_RATE - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            yield self.audio[i : i + FRAME_SAMPLES]
