"""16-bit PCM WAV writing that keeps the file playable at every moment.

The header's size fields are rewritten after each chunk, so a process killed
mid-answer leaves a valid WAV holding everything captured up to the last write.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from types import TracebackType
from typing import IO

import numpy as np

from voicemock.core.models import SAMPLE_RATE
from voicemock.private import open_private, private_dir

_HEADER = struct.Struct("<4sI4s4sIHHIIHH4sI")


class WavWriter:
    """Append float32 samples in [-1, 1] to a mono 16-bit WAV file."""

    def __init__(self, path: Path, sample_rate: int = SAMPLE_RATE) -> None:
        self.path = Path(path)
        self.sample_rate = sample_rate
        private_dir(self.path.parent)
        self._fh: IO[bytes] | None = open_private(self.path, "wb")
        self._data_bytes = 0
        self._write_header()

    @property
    def duration(self) -> float:
        return self._data_bytes / 2 / self.sample_rate

    def _write_header(self) -> None:
        assert self._fh is not None
        self._fh.seek(0)
        self._fh.write(
            _HEADER.pack(
                b"RIFF",
                36 + self._data_bytes,
                b"WAVE",
                b"fmt ",
                16,
                1,
                1,
                self.sample_rate,
                self.sample_rate * 2,
                2,
                16,
                b"data",
                self._data_bytes,
            )
        )
        self._fh.seek(0, os.SEEK_END)

    def write(self, samples: np.ndarray) -> None:
        if self._fh is None:
            raise ValueError("write to a closed WavWriter")
        pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        self._fh.write(pcm)
        self._data_bytes += len(pcm)
        self._write_header()
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def write_wav(path: Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Path:
    with WavWriter(path, sample_rate) as writer:
        writer.write(samples)
    return Path(path)
