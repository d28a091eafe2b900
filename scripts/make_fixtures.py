"""Regenerate audio_fixtures/ from audio_fixtures/fixtures.toml with espeak-ng.

Usage: python scripts/make_fixtures.py [--only ID ...]

Each fixture is spoken by espeak-ng with its voice and speed, resampled to
16 kHz mono and saved as FLAC beside a .txt file holding the reference text.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "audio_fixtures"


def to_flac(wav: Path, out: Path) -> float:
    """Resample an espeak WAV to 16 kHz mono 16-bit FLAC; returns the duration."""
    from faster_whisper.audio import decode_audio

    audio = decode_audio(str(wav), sampling_rate=16_000)
    # Half a second of room tone on both sides, like a real recording.
    pad = np.zeros(8_000, dtype=np.float32)
    pcm = (np.clip(np.concatenate([pad, audio, pad]), -1, 1) * 32767).astype(np.int16)
    with av.open(str(out), "w", format="flac") as container:
        stream = container.add_stream("flac", rate=16_000, layout="mono")
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = 16_000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return pcm.size / 16_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="fixture ids to regenerate")
    args = parser.parse_args()
    if not shutil.which("espeak-ng"):
        print("espeak-ng is not installed (apt-get install espeak-ng)", file=sys.stderr)
        return 1
    manifest = tomllib.loads((FIXTURES / "fixtures.toml").read_text())
    for fixture in manifest["fixture"]:
        if args.only and fixture["id"] not in args.only:
            continue
        text = " ".join(fixture["text"].split())
        ssml = fixture.get("ssml", False)
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "speech.wav"
            subprocess.run(
                [
                    "espeak-ng",
                    *(["-m"] if ssml else []),
                    "-v",
                    fixture["voice"],
                    "-s",
                    str(fixture["speed"]),
                    "-w",
                    str(wav),
                    text,
                ],
                check=True,
            )
            duration = to_flac(wav, FIXTURES / f"{fixture['id']}.flac")
        # The reference is what was said: SSML pauses are silence, not words.
        spoken = " ".join(re.sub(r"<[^>]+>", " ", text).split())
        (FIXTURES / f"{fixture['id']}.txt").write_text(spoken + "\n")
        print(f"{fixture['id']}.flac  {duration:5.1f} s  {fixture['voice']} @ {fixture['speed']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
