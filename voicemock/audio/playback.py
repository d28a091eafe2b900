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


def play_file(
    path: str | Path, stop: threading.Event | None = None, device: int | None = None
) -> float:
    """Play ``path`` to the end (or until ``stop`` is set); returns the seconds played."""
    path = Path(path)
    if not path.is_file():
        raise AudioInputError(path, "the recording is missing (moved or deleted?)")
    audio = decode_file(path)
    sd = sounddevice()
    stop = stop or threading.Event()
    try:
        sd.play(np.asarray(audio, dtype=np.float32), SAMPLE_RATE, device=device)
        total = audio.size / SAMPLE_RATE
        waited = 0.0
        while waited < total + 0.5 and not stop.wait(0.05):
            waited += 0.05
            if not sd.get_stream().active:
                break
        sd.stop()
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"cannot play {path.name} ({exc}); {NO_DEVICE_HINT}") from None
    return min(waited, total)


def play_line(path: Path, device: int | None = None) -> tuple[float, float]:
    """Play a rendered interviewer line (16-bit PCM WAV) to the end; returns the monotonic
    times its first and its last sample played."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise AudioDeviceError(f"cannot play {path.name}: not 16-bit PCM")
            rate, channels = wav.getframerate(), wav.getnchannels()
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    except (OSError, EOFError, wave.Error) as exc:
        raise AudioDeviceError(f"cannot read the rendered line {path.name} ({exc})") from None
    audio = pcm.reshape(-1, channels).mean(axis=1).astype(np.float32) / 32768.0
    sd = sounddevice()
    try:
        started = time.monotonic()
        sd.play(audio, rate, device=device)
        sd.wait()
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"cannot play audio ({exc}); {NO_DEVICE_HINT}") from None
    return started, started + audio.size / rate
