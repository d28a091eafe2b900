"""Answer recordings from files: any common format, decoded to 16 kHz mono float32.

Decoding goes through PyAV (FFmpeg), which faster-whisper already depends on:
wav, flac, mp3, m4a, ogg and webm all work, stereo is downmixed and any sample
rate is resampled. Every way a file can be unusable becomes an
:class:`~voicemock.errors.AudioInputError` naming the file and the reason.

Memory stays bounded by the answer's own length: frames are decoded and resampled
in groups straight into one 16-bit buffer (about 1.9 MB per minute), a header
that cannot describe speech (a sample rate below 4 kHz) or a declared length over
the longest answer accepted is refused before decoding, and decoding stops as soon
as the output passes that length, whatever the header said.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from voicemock.core.models import SAMPLE_RATE
from voicemock.errors import AudioInputError

FRAME_SAMPLES = 512  # 32 ms, the frame the streaming VAD works on

# Below this RMS (about -70 dBFS) a recording is digital silence.
_SILENCE_RMS = 3e-4
MIN_SAMPLE_RATE = 4_000
"""Below this, a header describes no speech recording: telephone audio is 8 kHz."""
MAX_ANSWER_S = 1800.0
"""The longest answer file accepted by default (the ``max_file_answer`` setting)."""
_VAD_BLOCK_S = 60
"""The VAD reads long audio in blocks of this many seconds, so its memory is bounded."""


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


def _declared_duration(container: Any) -> float | None:
    stream = container.streams.audio[0]
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000  # av.time_base
    return None


def _frames(container: Any) -> Iterator[Any]:
    """Decoded frames, skipping packets FFmpeg calls invalid, in groups of about 0.5 M samples
    (resampling frame by frame is slow; resampling everything at once is large)."""
    import av

    fifo = av.audio.fifo.AudioFifo()
    decoded = iter(container.decode(audio=0))
    while True:
        try:
            frame = next(decoded)
        except StopIteration:
            break
        except av.error.InvalidDataError:
            continue
        frame.pts = None  # no timestamp checks across groups
        fifo.write(frame)
        if fifo.samples >= 500_000:
            yield fifo.read()
    if fifo.samples:
        yield fifo.read()


def _resampled(frames: Iterable[Any]) -> Iterator[np.ndarray]:
    import av

    resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    for frame in _with_flush(frames):
        for out in resampler.resample(frame):
            yield out.to_ndarray().reshape(-1)


def _with_flush(frames: Iterable[Any]) -> Iterator[Any]:
    yield from frames
    yield None  # flushes the resampler


def _decode(path: Path, max_seconds: float) -> tuple[np.ndarray, float | None]:
    """(16 kHz mono int16 samples, the length the file declares or None)."""
    import av

    with av.open(str(path), mode="r", metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise AudioInputError(path, "holds no audio stream")
        rate = container.streams.audio[0].codec_context.sample_rate
        if rate and rate < MIN_SAMPLE_RATE:
            raise AudioInputError(
                path,
                f"its header says {rate} Hz, below the {MIN_SAMPLE_RATE} Hz any speech "
                "recording has: the file is damaged or not an answer recording",
            )
        declared = _declared_duration(container)
        if declared is not None and declared > max_seconds + 1:
            raise AudioInputError(path, _too_long(declared, max_seconds))
        limit = int((max_seconds + 1) * SAMPLE_RATE)
        size = int(min(limit, (declared or 60.0) * SAMPLE_RATE + SAMPLE_RATE))
        audio = np.empty(max(size, SAMPLE_RATE), dtype=np.int16)
        used = 0
        for pcm in _resampled(_frames(container)):
            end = used + pcm.size
            if end > limit:
                raise AudioInputError(path, _too_long(end / SAMPLE_RATE, max_seconds))
            if end > audio.size:
                grown = np.empty(min(limit, max(end, audio.size * 2)), dtype=np.int16)
                grown[:used] = audio[:used]
                audio = grown
            audio[used:end] = pcm
            used = end
    return audio[:used].copy() if used < audio.size // 2 else audio[:used], declared


def _too_long(seconds: float, max_seconds: float) -> str:
    return (
        f"the answer is {seconds / 60:.1f} min long; the longest accepted is "
        f"{max_seconds / 60:g} min (max_file_answer in the config file)"
    )


def decode_file(path: str | Path, *, max_seconds: float = MAX_ANSWER_S) -> np.ndarray:
    """Decode an answer file to 16 kHz mono float32, or raise AudioInputError."""
    return as_float(decode_pcm(path, max_seconds=max_seconds))


def as_float(pcm: np.ndarray) -> np.ndarray:
    """16-bit samples as float32 in [-1, 1) (float32 input is returned as it is)."""
    if pcm.dtype == np.float32:
        return pcm
    return np.multiply(pcm, np.float32(1 / 32768.0), dtype=np.float32)


def decode_pcm(path: str | Path, *, max_seconds: float = MAX_ANSWER_S) -> np.ndarray:
    """Decode an answer file to 16 kHz mono int16 (half the memory of float32), or raise
    AudioInputError."""
    path = Path(path)
    if not path.exists():
        raise AudioInputError(path, "no such file")
    if path.is_dir():
        raise AudioInputError(path, "is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise AudioInputError(path, "the file is empty")
    try:
        import av

        wav = _wav_declared_bytes(path)
        # Streaming writers leave 0 or 0xFFFFFFFF as the size; only a real size can be short.
        if wav and 0 < wav[0] < 0xFFFFFFFF and wav[1] < wav[0]:
            raise AudioInputError(
                path,
                f"the file is truncated ({wav[1]} of {wav[0]} audio bytes present); "
                "re-export or re-record it",
            )
        audio, declared = _decode(path, max_seconds)
        if wav:
            declared = None  # a WAV's length is its data size, checked above
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
    return audio


def _mean_square(audio: np.ndarray) -> float:
    """The mean square on the float scale, without a temporary the size of the audio."""
    if audio.dtype == np.int16:
        return float(np.einsum("i,i->", audio, audio, dtype=np.int64)) / 32768.0**2 / audio.size
    return float(np.dot(audio, audio)) / audio.size


def speech_spans(audio: np.ndarray) -> list[tuple[float, float]]:
    """Where the speech is, in seconds, by the Silero VAD bundled with faster-whisper.

    Little padding, so the gaps between spans are the real pauses; digital silence
    is no speech without asking the model. Long audio is read in blocks; a span cut
    by a block's edge is joined again.
    """
    if audio.size == 0 or _mean_square(audio) < _SILENCE_RMS**2:
        return []
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_speech_duration_ms=250, min_silence_duration_ms=300, speech_pad_ms=30)
    block = _VAD_BLOCK_S * SAMPLE_RATE
    spans: list[tuple[float, float]] = []
    for offset in range(0, audio.size, block):
        for span in get_speech_timestamps(as_float(audio[offset : offset + block]), options):
            start, end = (
                (offset + span["start"]) / SAMPLE_RATE,
                (offset + span["end"]) / SAMPLE_RATE,
            )
            if spans and offset and start - spans[-1][1] < 0.1:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return spans


class FileSource:
    """A recorded answer, decoded to 16 kHz mono.

    The file is decoded and checked when the source is created, so a bad file
    fails before a session starts rather than halfway through it.
    """

    sample_rate = SAMPLE_RATE

    def __init__(
        self,
        path: str | Path,
        *,
        check_speech: bool = True,
        max_seconds: float = MAX_ANSWER_S,
    ):
        self.path = Path(path)
        self.name = self.path.name
        self.pcm = decode_pcm(self.path, max_seconds=max_seconds)
        """The answer as 16-bit samples; ``audio`` gives float32 (a copy, made on use)."""
        self.speech_spans: list[tuple[float, float]] | None = None
        if check_speech:
            self.speech_spans = speech_spans(self.pcm)
            if not self.speech_spans:
                raise AudioInputError(self.path, "no speech found: the recording is silent")

    @property
    def audio(self) -> np.ndarray:
        return as_float(self.pcm)

    @property
    def duration(self) -> float:
        return self.pcm.size / SAMPLE_RATE

    def frames(self) -> Iterator[np.ndarray]:
        """The answer in 32 ms chunks of float32 samples."""
        for i in range(0, self.pcm.size, FRAME_SAMPLES):
            yield as_float(self.pcm[i : i + FRAME_SAMPLES])
