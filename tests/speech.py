"""Answers synthesised on the spot with espeak-ng, in several voices, for turn-taking tests
and benchmarks: complete answers, and answers that stop mid-clause to think."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

RATE = 16_000
VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb-scotland", "en-gb-x-rp+f2")
"""espeak-ng voices (and variants) answers are spoken in."""

COMPLETE = (
    "I would key the topic by order ID, so every event for one order lands on the same "
    "partition and stays in order.",
    "My recommendation is to accept about one second of extra latency, because counting a "
    "payment twice costs far more than a short delay.",
    "First I would look at consumer lag per partition. If one partition is hot, I would fix "
    "the key; if all of them lag, I would add consumers.",
    "We kept the old field and added the new one as optional, so every consumer could upgrade "
    "on its own schedule.",
    "That is the trade-off I would make, and I would revisit it once we measure real traffic.",
)
"""Answers that end where the sentence ends."""

UNFINISHED = (
    ("The first thing I would check is consumer lag, and the second thing I would do is",
     "add partitions, so the consumer group can keep up with the producers."),
    ("The trade-off here is, um,",
     "latency against cost, and for payments I would pay for the lower latency."),
    ("We could make the producer idempotent because",
     "retries after a timeout would otherwise write the same payment twice."),
)  # fmt: skip
"""(The clause the candidate stops in to think, what they say after the pause.)"""


def available() -> bool:
    return shutil.which("espeak-ng") is not None


def synthesize(text: str, voice: str = "en-us", speed: int = 165) -> np.ndarray:
    """``text`` spoken by espeak-ng, as 16 kHz mono float32 without leading/trailing pads."""
    from voicemock.audio.files import decode_file

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "line.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text],
            check=True,
            capture_output=True,
        )
        return decode_file(wav)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(RATE * seconds), dtype=np.float32)


def with_pause(head: str, pause_s: float, tail: str, voice: str) -> tuple[np.ndarray, float]:
    """An answer that stops for ``pause_s`` after ``head``; returns it and the second at
    which ``tail`` starts."""
    first = synthesize(head, voice)
    audio = np.concatenate([first, silence(pause_s), synthesize(tail, voice)])
    return audio, (first.size / RATE) + pause_s
