"""Playing a stored answer back through the speakers."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from voicemock.audio.devices import NO_DEVICE_HINT, AudioDeviceError, sounddevice
from voicemock.audio.files import decode_file
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
        sd.play(np.asarray(audio, dtype=np.float32), 16_000, device=device)
        total = audio.size / 16_000
        waited = 0.0
        while waited < total + 0.5 and not stop.wait(0.05):
            waited += 0.05
            if not sd.get_stream().active:
                break
        sd.stop()
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"cannot play {path.name} ({exc}); {NO_DEVICE_HINT}") from None
    return min(waited, total)
