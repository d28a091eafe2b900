"""The interviewer's voices: intelligibility, time to first audio, speed and memory.

    python bench/bench_voice.py [--questions N]

Each voice (piper, the neural default; system, pyttsx3 / espeak-ng, the baseline measured
in the same run) runs in its own process, so that its memory is its own:

- model load time;
- every bank question rendered (sentence by sentence, a fresh cache) and played on a
  PulseAudio virtual speaker: time to first audio, line known -> first sample handed to
  the device, p50 and p95;
- real-time factor: rendering seconds per second of speech;
- peak RSS of the process;
- intelligibility: every rendered question transcribed by the bundled whisper model with
  the replay settings, word error rate against the question's text (round trip).

Goals: piper's round-trip WER no worse than the system voice's; time to first audio
p50 <= 0.5 s for piper on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def child(voice: str, count: int, tmp: Path) -> dict:
    """One voice, measured in this process."""
    import wave

    import numpy as np

    from voicemock.app import resources
    from voicemock.audio.playback import play_line
    from voicemock.tts import Speaker

    questions = [q.text for q in resources.bank().questions][:count]
    speaker = Speaker(tmp / f"cache-{voice}", voice=voice, pronounce=resources.pronunciations())
    started = time.perf_counter()
    speaker.load().result()
    load_s = time.perf_counter() - started
    first_audio, paths = [], []
    for text in questions:
        known = time.monotonic()
        parts = speaker.render_sentences(text)
        played_at, _ = play_line(parts[0].result())
        first_audio.append(played_at - known)
        paths.append([p.result() for p in parts])
    # Speed: each line rendered whole again, into a fresh cache, nothing playing.
    speaker.cache_dir = tmp / f"cache-{voice}-rtf"
    render_s = speech_s = 0.0
    for text in questions:
        t0 = time.perf_counter()
        path = speaker.render(text).result()
        render_s += time.perf_counter() - t0
        with wave.open(str(path)) as wav:
            speech_s += wav.getnframes() / wav.getframerate()
    speaker.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Round trip: what the recogniser hears of each rendered question.
    from tests.conftest import normalize_words
    from voicemock.audio.files import decode_file
    from voicemock.stt import WhisperTranscriber

    stt = WhisperTranscriber()
    stt.load()
    errors = words = 0
    import jiwer

    for text, sentence_paths in zip(questions, paths, strict=True):
        audio = np.concatenate([decode_file(p) for p in sentence_paths])
        heard = stt.transcribe(audio).text
        reference = normalize_words(text)
        out = jiwer.process_words(reference, normalize_words(heard))
        errors += out.substitutions + out.deletions + out.insertions
        words += len(reference.split())
    return {
        "voice": speaker.voice,
        "load_s": load_s,
        "first_audio": first_audio,
        "rtf": render_s / speech_s,
        "rss_mb": rss_mb,
        "wer": errors / words,
        "lines": len(questions),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000, help="at most this many")
    parser.add_argument("--child", choices=["piper", "system"], help=argparse.SUPPRESS)
    parser.add_argument("--tmp", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.questions, args.tmp)))
        return 0

    from tests.pulse import VirtualAudio

    if not VirtualAudio.available():
        print("PulseAudio is not installed", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="voicemock-bench-voice-"))
    audio = VirtualAudio(tmp).start()
    env = os.environ | {"XDG_RUNTIME_DIR": audio.env["XDG_RUNTIME_DIR"]}
    results = {}
    try:
        for voice in ("system", "piper"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", voice, "--tmp", str(tmp),
                 "--questions", str(args.questions)],
                capture_output=True, text=True, env=env, check=True,
            )  # fmt: skip
            results[voice] = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{voice}: done", flush=True)
    finally:
        audio.stop()
    print()
    lines = results["piper"]["lines"]
    print(f"{lines} bank questions, rendered sentence by sentence and played on a virtual speaker")
    print(f"{'voice':<8} {'load':>6} {'first audio p50':>16} {'p95':>6} {'RTF':>6} "
          f"{'peak RSS':>9} {'round-trip WER':>15}")  # fmt: skip
    for r in results.values():
        print(
            f"{r['voice']:<8} {r['load_s']:>5.2f}s {statistics.median(r['first_audio']):>15.3f}s "
            f"{pct(r['first_audio'], 0.95):>5.3f}s {r['rtf']:>6.3f} {r['rss_mb']:>7.0f}MB "
            f"{r['wer']:>15.3f}"
        )
    piper, system = results["piper"], results["system"]
    first = statistics.median(piper["first_audio"]) / statistics.median(system["first_audio"])
    wer = piper["wer"] / max(system["wer"], 1e-9)
    print(f"ratio piper / system: first audio p50 {first:.2f}, round-trip WER {wer:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
