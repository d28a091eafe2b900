"""Live answers: end of answer -> final transcript, streaming vs whole-answer at the end.

    python bench/bench_live.py [--repeat 2] [--end key|silence|both]

Needs PulseAudio (apt-get install pulseaudio pulseaudio-utils libasound2-plugins).
Answers of about 30, 60 and 120 s (bundled fixtures joined with short pauses) are
played in real time into a virtual microphone and captured by voicemock's live
pipeline: sounddevice -> streaming VAD -> segments transcribed while the answer goes
on. The answer ends either by a key press right after the last word (the worst
case: the tail is still untranscribed) or by --end-silence of silence. In the same
run, the naive baseline transcribes the whole answer once it has ended. Also timed:
end of answer -> the interviewer's next line starts playing (offline brain picks the
follow-up, text-to-speech renders it, playback starts).
Budgets: p50 <= 0.5 s and p95 <= 1.0 s, flat in answer length; next line p50 <= 0.8 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LENGTHS = {
    30: ["eo-first", "eo-followup-retries"],
    60: ["eo-strong", "schema-weak"],
    120: ["eo-strong", "schema-strong", "lag-answer", "eo-followup-latency"],
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--end", choices=["key", "silence", "both"], default="both")
    parser.add_argument("--end-silence", type=float, default=2.0)
    args = parser.parse_args()

    from tests.pulse import VirtualAudio

    if not VirtualAudio.available():
        print("PulseAudio is not installed", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="voicemock-bench-"))
    audio = VirtualAudio(tmp).start()
    os.environ["XDG_RUNTIME_DIR"] = audio.env["XDG_RUNTIME_DIR"]
    try:
        return run(args, audio, tmp)
    finally:
        audio.stop()


def run(args: argparse.Namespace, audio, tmp: Path) -> int:  # noqa: ANN001
    from voicemock import resources
    from voicemock.audio.files import decode_file
    from voicemock.audio.mic import MicSource
    from voicemock.audio.playback import play_line
    from voicemock.core.brain import OfflineBrain
    from voicemock.round.sources import LiveAnswers
    from voicemock.stt import WhisperTranscriber, build_prompt
    from voicemock.tts import Speaker

    stt = WhisperTranscriber()
    stt.load()
    question = resources.bank().get("tech-exactly-once-payments")
    prompt = build_prompt(question.text, resources.vocabulary())
    brain = OfflineBrain(resources.scorer())
    speaker = Speaker(tmp / "tts")
    pause = np.zeros(int(16_000 * 0.6), dtype=np.float32)
    answers = {}
    for seconds, names in LENGTHS.items():
        parts = []
        for name in names:
            parts += [decode_file(ROOT / "audio_fixtures" / f"{name}.flac"), pause]
        answers[seconds] = np.concatenate(parts[:-1])

    mic = MicSource()
    mic.start()
    finish = threading.Event()
    live = LiveAnswers(mic, stt, end_silence_s=args.end_silence, max_answer_s=600, finish=finish)
    modes = ["key", "silence"] if args.end == "both" else [args.end]
    results: dict[tuple[str, int], list[float]] = {}
    naive: dict[int, list[float]] = {}
    next_line: list[float] = []
    asked: list[str] = []
    try:
        for rep in range(args.repeat):
            for mode in modes:
                for seconds, answer in answers.items():
                    audio.hush()
                    done = audio.speak(answer)
                    if mode == "key":
                        # Press Enter as the last word ends: the fixture's 0.5 s of room tone.
                        def press(done=done) -> None:  # noqa: ANN001
                            done.wait()
                            finish.set()

                        threading.Thread(target=press, daemon=True).start()
                    captured = live.capture(prompt, tmp / f"answer-{rep}-{mode}-{seconds}.wav")
                    results.setdefault((mode, seconds), []).append(
                        captured.latency["end_to_transcript_s"]
                    )
                    # End of answer -> the next line is audible.
                    follow = brain.follow_up(question, [captured.transcript.text], asked)
                    text = follow.text if follow else "Thank you. Let's move on."
                    started, _ = play_line(speaker.render(text).result())
                    next_line.append(started - captured.ended_at)
                    # Naive baseline, same run: the whole answer transcribed after it ended.
                    start = time.perf_counter()
                    stt.transcribe(captured.audio, prompt=prompt)
                    naive.setdefault(seconds, []).append(time.perf_counter() - start)
                    print(
                        f"rep {rep + 1} {mode:<7} {seconds:>3} s answer: final transcript "
                        f"{captured.latency['end_to_transcript_s']:.3f} s after the end "
                        f"(tail {captured.latency['tail_s']:.1f} s), naive "
                        f"{naive[seconds][-1]:.3f} s, next line {next_line[-1]:.3f} s",
                        flush=True,
                    )
    finally:
        live.close()
        mic.close()

    print()
    print("end of answer -> final transcript (seconds)")
    print(
        f"{'answer':>8} {'end by':>8} {'streaming p50':>14} {'p95':>6} {'naive p50':>10} {'p95':>6}"
    )
    for (mode, seconds), values in sorted(results.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        print(
            f"{seconds:>6} s {mode:>8} {statistics.median(values):>14.3f} "
            f"{pct(values, 0.95):>6.3f} {statistics.median(naive[seconds]):>10.3f} "
            f"{pct(naive[seconds], 0.95):>6.3f}"
        )
    every = [v for values in results.values() for v in values]
    print(
        f"all streaming: p50 {statistics.median(every):.3f} s, p95 {pct(every, 0.95):.3f} s "
        "(budget 0.5 / 1.0)"
    )
    print(
        f"end of answer -> next line audio: p50 {statistics.median(next_line):.3f} s, "
        f"p95 {pct(next_line, 0.95):.3f} s (budget p50 0.8)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
