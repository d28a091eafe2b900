"""Live answers: end of answer -> final transcript, and turn-taking without a key.

    python bench/bench_live.py [--part latency|turn|all] [--repeat 2] [--end key|silence|both]

Part "turn" (turn-taking): answers synthesised with espeak-ng in several voices, and two
bundled fixtures with reference text, are spoken into the virtual microphone with no key
press. Complete answers: last word -> the interviewer's next line audible (p50, p95) with
turn detection against the old 4 s silence endpointing, in the same run. Answers that stop
mid-clause for 2, 4 and 6 s: how many were cut off at the pause. The stored transcript's
word error rate (the final whole-answer pass) against replaying the same file, and the
turn model's time per call. Goals: p50 <= 1.0 s, p95 <= 1.5 s, no cut-offs, WER gap <= 0.02.

Part "latency":

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


def errors(reference: str, hypothesis: str) -> int:
    """Word errors (substitutions, deletions, insertions): summed over answers, then divided
    by the reference words, they give the set's WER."""
    import jiwer

    out = jiwer.process_words(reference, hypothesis)
    return out.substitutions + out.deletions + out.insertions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--end", choices=["key", "silence", "both"], default="both")
    parser.add_argument("--end-silence", type=float, default=2.0)
    parser.add_argument("--part", choices=["latency", "turn", "all"], default="all")
    args = parser.parse_args()

    from tests.pulse import VirtualAudio

    if not VirtualAudio.available():
        print("PulseAudio is not installed", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="voicemock-bench-"))
    audio = VirtualAudio(tmp).start()
    os.environ["XDG_RUNTIME_DIR"] = audio.env["XDG_RUNTIME_DIR"]
    try:
        if args.part in ("turn", "all"):
            turn_taking(args, audio, tmp)
        return run(args, audio, tmp) if args.part in ("latency", "all") else 0
    finally:
        audio.stop()


def turn_taking(args: argparse.Namespace, audio, tmp: Path) -> None:  # noqa: ANN001

    from tests import speech
    from tests.conftest import normalize_words
    from voicemock.app import resources
    from voicemock.app.wiring import InterviewerVoice
    from voicemock.audio.files import decode_file
    from voicemock.audio.mic import MicSource
    from voicemock.audio.turn import TurnModel
    from voicemock.core.brain import OfflineBrain
    from voicemock.round.sources import LiveAnswers
    from voicemock.round.turntaking import CaptureOptions
    from voicemock.stt import WhisperTranscriber
    from voicemock.tts import Speaker

    stt = WhisperTranscriber()
    stt.load()
    model = TurnModel()
    question = resources.bank().get("tech-exactly-once-payments")
    prompt = stt.prompt_for(question.text, resources.vocabulary())
    brain = OfflineBrain(resources.scorer())
    speaker = Speaker(tmp / "tts")
    speaker.load()  # as a round does while it is set up
    voice = InterviewerVoice(speaker)  # the round's voice: the final pass waits for its line
    mic = MicSource()
    mic.start()
    modes = {
        "turn detection": LiveAnswers(
            mic,
            stt,
            options=CaptureOptions(end_silence_s=10.0),
            turn_model=model,
            line_started=voice.line_started,
        ),
        "4 s silence": LiveAnswers(mic, stt, options=CaptureOptions(end_silence_s=4.0)),
    }
    complete = [(speech.synthesize(text, voice), None) for text, voice in zip(
        speech.COMPLETE, speech.VOICES, strict=True
    )]  # fmt: skip
    complete += [(decode_file(ROOT / "audio_fixtures" / f"{n}.flac"), n)
                 for n in ("eo-first", "eo-followup-latency", "eo-followup-retries")]  # fmt: skip
    to_next_line: dict[str, list[float]] = {m: [] for m in modes}
    ends: dict[str, list[str]] = {m: [] for m in modes}
    wer_gap: list[tuple[int, int, int]] = []  # reference words, errors stored, errors replayed

    def next_line(answer: str) -> float:
        follow = brain.follow_up(question, [answer], [])
        # As the interviewer's voice says it: sentence by sentence, the first at once.
        return voice.say(follow.text if follow else "Thank you.")

    try:
        for rep in range(args.repeat):
            for i, (clip, name) in enumerate(complete):
                for mode, live in modes.items():
                    audio.hush()
                    # As a round does: the lines that may follow the question (the rubric's
                    # follow-ups, then the next question) render while the question is
                    # said; the bench leaves the question out and waits for them instead.
                    speaker.prefetch([*brain.prepare(question), "Thank you."])
                    speaker.ahead_done.wait(60)
                    audio.speak(clip)
                    captured = live.capture(prompt, tmp / f"c-{rep}-{i}-{mode[0]}.wav")
                    heard_at = next_line(captured.transcript.text)
                    lat = captured.latency
                    silence_after = captured.audio.size / 16_000 - lat["speech_end_s"]
                    to_next_line[mode].append(silence_after + heard_at - captured.ended_at)
                    ends[mode].append(lat["end_reason"])
                    if name and mode == "turn detection" and captured.final is not None:
                        reference = normalize_words(
                            (ROOT / "audio_fixtures" / f"{name}.txt").read_text()
                        )
                        stored = captured.final.result().text
                        replayed = stt.transcribe(
                            decode_file(ROOT / "audio_fixtures" / f"{name}.flac"), prompt=prompt
                        ).text
                        wer_gap.append((
                            len(reference.split()),
                            errors(reference, normalize_words(stored)),
                            errors(reference, normalize_words(replayed)),
                        ))  # fmt: skip
                    judged = lat.get("judged_after_s")
                    print(
                        f"rep {rep + 1} answer {i + 1} {mode:<14} ended by {lat['end_reason']:<8}"
                        f" last word -> next line {to_next_line[mode][-1]:.3f} s"
                        + (f" (judged {judged:.2f} s into the pause)" if judged else ""),
                        flush=True,
                    )
        cut_offs = 0
        thinking = 0
        live = modes["turn detection"]
        for (head, tail), voice in zip(speech.UNFINISHED, speech.VOICES, strict=False):
            for pause in (2.0, 4.0, 6.0):
                clip, resume = speech.with_pause(head, pause, tail, voice)
                audio.hush()
                audio.speak(clip)
                captured = live.capture(prompt, tmp / f"t-{pause}-{voice}.wav")
                thinking += 1
                cut = captured.latency["speech_end_s"] < resume
                cut_offs += cut
                print(
                    f"pause {pause:.0f} s {voice:<14} ended by "
                    f"{captured.latency['end_reason']:<8} {'CUT OFF' if cut else 'kept whole'}",
                    flush=True,
                )
    finally:
        for live in modes.values():
            live.close()
        mic.close()
        speaker.close()
    window = complete[-1][0]  # the model hears its last 8 s
    calls = []
    for _ in range(30):
        model.complete(window)
        calls.append(model.last_seconds)

    print()
    print("last word -> next line audible, complete answers, no key (seconds)")
    print(f"{'endpointing':<16} {'p50':>6} {'p95':>6}  ended by")
    for mode, values in to_next_line.items():
        reasons = {r: ends[mode].count(r) for r in dict.fromkeys(ends[mode])}
        print(f"{mode:<16} {statistics.median(values):>6.3f} {pct(values, 0.95):>6.3f}  {reasons}")
    base = statistics.median(to_next_line["4 s silence"])
    ours = statistics.median(to_next_line["turn detection"])
    print(f"ratio, turn detection / 4 s silence (p50): {ours / base:.2f}")
    print(f"thinking-pause answers cut off: {cut_offs} of {thinking} (2, 4 and 6 s pauses)")
    if wer_gap:
        words = sum(n for n, _, _ in wer_gap)
        stored = sum(e for _, e, _ in wer_gap) / words
        replayed = sum(e for _, _, e in wer_gap) / words
        print(f"WER over {len(wer_gap)} spoken answers ({words} words): stored (live, final "
              f"pass) {stored:.3f} vs replay of the same files {replayed:.3f}: "
              f"gap {stored - replayed:+.3f}")  # fmt: skip
    print(f"turn model per call: median {statistics.median(calls) * 1000:.0f} ms, "
          f"p95 {pct(calls, 0.95) * 1000:.0f} ms (8 s window)")  # fmt: skip
    print()


def run(args: argparse.Namespace, audio, tmp: Path) -> int:  # noqa: ANN001
    from voicemock.app import resources
    from voicemock.audio.files import decode_file
    from voicemock.audio.mic import MicSource
    from voicemock.audio.playback import play_line
    from voicemock.core.brain import OfflineBrain
    from voicemock.round.sources import LiveAnswers
    from voicemock.round.turntaking import CaptureOptions
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
    options = CaptureOptions(end_silence_s=args.end_silence, max_answer_s=600)
    live = LiveAnswers(mic, stt, options=options, finish=finish)
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
