"""Playing audio through the speakers: stored answers, and the interviewer's lines."""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path

import numpy as np

from voicemock.audio.devices import NO_DEVICE_HINT, AudioDeviceError, sounddevice
from voicemock.audio.files import decode_file
from voicemock.core.models import SAMPLE_RATE
from voicemock.errors import AudioInputError

SLACK_S = 1.0
"""A device still playing this long after the audio's length has hung: it is stopped."""


def _play(
    audio: np.ndarray, rate: int, device: int | None, stop: threading.Event | None = None
) -> tuple[float, float]:
    """Play ``audio`` until it ends, ``stop`` is set, or the device overruns the audio's
    length by :data:`SLACK_S` (never waits forever); returns (start time, seconds played)."""
    sd = sounddevice()
    stop = stop or threading.Event()
    total = audio.size / rate
    try:
        started = time.monotonic()
        sd.play(np.asarray(audio, dtype=np.float32), rate, device=device)
        deadline = started + total + SLACK_S
        while time.monotonic() < deadline and not stop.wait(0.01):
            if not sd.get_stream().active:
                break
        sd.stop()
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"cannot play audio ({exc}); {NO_DEVICE_HINT}") from None
    return started, min(time.monotonic() - started, total)


def play_file(
    path: str | Path,
    stop: threading.Event | None = None,
    device: int | None = None,
    start_s: float = 0.0,
) -> float:
    """Play ``path`` from ``start_s`` seconds to the end (or until ``stop`` is set);
    returns the seconds played."""
    path = Path(path)
    if not path.is_file():
        raise AudioInputError(path, "the recording is missing (moved or deleted?)")
    audio = decode_file(path)
    return _play(audio[int(max(0.0, start_s) * SAMPLE_RATE) :], SAMPLE_RATE, device, stop)[1]


def _read_line(path: Path) -> tuple[np.ndarray, int]:
    """A rendered line (16-bit PCM WAV) as mono float32 samples and its rate."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise AudioDeviceError(f"cannot play {path.name}: not 16-bit PCM")
            rate, channels = wav.getframerate(), wav.getnchannels()
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    except (OSError, EOFError, wave.Error) as exc:
        raise AudioDeviceError(f"cannot read the rendered line {path.name} ({exc})") from None
    return pcm.reshape(-1, channels).mean(axis=1).astype(np.float32) / 32768.0, rate


def play_line(path: Path, device: int | None = None) -> tuple[float, float]:
    """Play a rendered interviewer line (16-bit PCM WAV) to the end; returns the monotonic
    times its first and its last sample played."""
    audio, rate = _read_line(path)
    started, _ = _play(audio, rate, device)
    return started, started + audio.size / rate
