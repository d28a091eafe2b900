"""Peak memory and time of a whole replayed round on a very long answer file.

    python bench/bench_long_answer.py [--minutes 30]

Builds an answer file of the given length from the bundled fixtures (speech with
pauses), then runs ``voicemock practice --replay FILE --headless`` in a child
process and reads its peak RSS from the kernel. In the same run it measures the
same round on a one-minute file (the baseline: what any round costs) and the naive
way of reading the long file (faster-whisper's whole-file decode and one VAD pass
over everything, no transcription), and prints both ratios.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAIVE = """
import sys
from faster_whisper.audio import decode_audio
from faster_whisper.vad import VadOptions, get_speech_timestamps
audio = decode_audio(sys.argv[1], sampling_rate=16000)
get_speech_timestamps(audio, VadOptions(min_speech_duration_ms=250, min_silence_duration_ms=300))
"""


def build_answer(path: Path, minutes: float) -> Path:
    import numpy as np

    from voicemock.audio.files import decode_file
    from voicemock.audio.wav import WavWriter

    parts = []
    for fixture in sorted((ROOT / "audio_fixtures").glob("eo-*.flac")):
        parts += [decode_file(fixture), np.zeros(12_000, dtype=np.float32)]
    one = np.concatenate(parts)
    total = int(minutes * 60 * 16_000)
    with WavWriter(path) as wav:
        for start in range(0, total, one.size):
            wav.write(one[: min(one.size, total - start)])
    return path


def peak_of(args: list[str]) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        err = child.stderr.read() if child.stderr else ""
        raise SystemExit(f"{' '.join(args[:4])}… failed: {err.strip()[-400:]}")
    return usage.ru_maxrss / 1024, seconds


def round_on(answer: Path, data: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "voicemock.cli.main",
        "practice",
        "--round",
        "technical",
        "--question",
        "tech-exactly-once-payments",
        "--replay",
        str(answer),
        "--max-follow-ups",
        "0",
        "--headless",
        "--data-dir",
        str(data),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        long_file = build_answer(folder / "long.wav", args.minutes)
        short_file = build_answer(folder / "short.wav", 1.0)
        (folder / "empty.toml").write_text("")
        os.environ["VOICEMOCK_CONFIG"] = str(folder / "empty.toml")
        short_rss, short_s = peak_of(round_on(short_file, folder / "a"))
        long_rss, long_s = peak_of(round_on(long_file, folder / "b"))
        naive_rss, naive_s = peak_of([sys.executable, "-c", NAIVE, str(long_file)])
    print(f"{'run':<44} {'peak RSS':>9} {'time':>8}")
    print(f"{'round on a 1-minute answer (baseline)':<44} {short_rss:7.0f} MB {short_s:7.1f} s")
    print(f"{f'round on a {args.minutes:g}-minute answer':<44} {long_rss:7.0f} MB {long_s:7.1f} s")
    print(f"{'naive decode + VAD only, same long file':<44} {naive_rss:7.0f} MB {naive_s:7.1f} s")
    print(
        f"long / baseline: {long_rss / short_rss:.2f}x memory; "
        f"naive read alone / whole bounded round: {naive_rss / long_rss:.2f}x; "
        f"budget 500 MB: {'within' if long_rss <= 500 else 'OVER'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
