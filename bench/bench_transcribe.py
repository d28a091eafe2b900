"""File transcription: voicemock's path against raw faster-whisper, side by side in one run.

    python bench/bench_transcribe.py [--repeat 5] [--fixture eo-strong]

voicemock's path is what `voicemock practice --replay` does per answer: decode and
check the file (FileSource, speech detection included), then transcribe with the
domain prompt, word timestamps and the hallucination filter. The baseline is a raw
faster-whisper WhisperModel on the same bundled model with the same settings
(int8, same threads, beam 5, same prompt, word timestamps), given the file path.
Runs alternate between the two so that machine noise hits both alike.
Budget: ratio <= 1.05. Also prints fixture WER with and without the domain prompt.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fixture", default="eo-strong")
    args = parser.parse_args()

    import tomllib

    import jiwer
    from faster_whisper import WhisperModel

    from voicemock.app import resources
    from voicemock.audio.files import FileSource
    from voicemock.stt import WhisperTranscriber, build_prompt
    from voicemock.stt.whisper import bundled_model_path, cpu_threads

    path = ROOT / "audio_fixtures" / f"{args.fixture}.flac"
    manifest = tomllib.loads((ROOT / "audio_fixtures" / "fixtures.toml").read_text())["fixture"]
    entry = next(f for f in manifest if f["id"] == args.fixture)
    question = resources.bank().get(entry["question"])
    prompt = build_prompt(question.text, resources.vocabulary())

    ours = WhisperTranscriber()
    ours.load()
    raw = WhisperModel(
        str(bundled_model_path()), device="cpu", compute_type="int8", cpu_threads=cpu_threads()
    )

    def run_ours() -> str:
        source = FileSource(path)
        return ours.transcribe(source.audio, prompt=prompt).text

    def run_raw() -> str:
        segments, _ = raw.transcribe(
            str(path),
            language="en",
            beam_size=5,
            initial_prompt=prompt,
            word_timestamps=True,
            vad_filter=False,
        )
        return " ".join(s.text.strip() for s in segments)

    run_ours(), run_raw()  # warm both
    t_ours, t_raw = [], []
    for _ in range(args.repeat):
        for fn, bucket in ((run_raw, t_raw), (run_ours, t_ours)):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    duration = FileSource(path).duration
    m_ours, m_raw = statistics.median(t_ours), statistics.median(t_raw)
    print(f"file: {path.name} ({duration:.1f} s of speech), {args.repeat} runs each, median")
    print(f"  raw faster-whisper : {m_raw:6.3f} s  (RTF {m_raw / duration:.3f})")
    print(f"  voicemock          : {m_ours:6.3f} s  (RTF {m_ours / duration:.3f})")
    print(f"  ratio voicemock/raw: {m_ours / m_raw:.3f}   (budget <= 1.05)")

    refs, with_prompt, without = [], [], []
    for fixture in manifest:
        fpath = ROOT / "audio_fixtures" / f"{fixture['id']}.flac"
        q = resources.bank().get(fixture["question"])
        audio = FileSource(fpath).audio
        refs.append(_norm((ROOT / "audio_fixtures" / f"{fixture['id']}.txt").read_text()))
        with_prompt.append(
            _norm(ours.transcribe(audio, prompt=build_prompt(q.text, resources.vocabulary())).text)
        )
        without.append(_norm(ours.transcribe(audio).text))
    print(
        f"fixture WER ({len(refs)} recordings): with domain prompt "
        f"{jiwer.wer(refs, with_prompt):.3f}, without {jiwer.wer(refs, without):.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
