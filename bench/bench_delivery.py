"""Filler recovery: planted fillers found with and without the filler-keeping prompt.

    python bench/bench_delivery.py

For each delivery fixture (espeak-ng speech with planted fillers and silences) it
transcribes twice with the bundled model, once with the filler primer that
voicemock uses and once without, and prints the fillers counted each way, plus
the long pauses measured from the audio against the planted ones.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from voicemock.app import resources
    from voicemock.audio.files import FileSource
    from voicemock.stt import WhisperTranscriber, build_prompt

    manifest = tomllib.loads((ROOT / "audio_fixtures" / "fixtures.toml").read_text())["fixture"]
    stt = WhisperTranscriber()
    stt.load()
    meter = resources.delivery_meter()
    total = [0, 0, 0]
    print(f"{'fixture':<16} {'planted':>7} {'with':>5} {'without':>7}  pauses planted -> measured")
    for fixture in manifest:
        if "planted_fillers" not in fixture:
            continue
        source = FileSource(ROOT / "audio_fixtures" / f"{fixture['id']}.flac")
        question = resources.bank().get(fixture["question"])
        counts = []
        for keep in (True, False):
            prompt = build_prompt(question.text, resources.vocabulary(), keep_fillers=keep)
            text = stt.transcribe(source.audio, prompt=prompt).text
            counts.append(sum(meter.count_fillers(text).values()))
        spans = source.speech_spans or []
        gaps = [round(b[0] - a[1], 2) for a, b in zip(spans, spans[1:], strict=False)]
        measured = sorted((g for g in gaps if g >= 1.0), reverse=True)
        planted = fixture["planted_fillers"]
        total[0] += planted
        total[1] += counts[0]
        total[2] += counts[1]
        print(
            f"{fixture['id']:<16} {planted:>7} {counts[0]:>5} {counts[1]:>7}  "
            f"{sorted(fixture['planted_pauses'], reverse=True)} -> {measured}"
        )
    print(f"{'total':<16} {total[0]:>7} {total[1]:>5} {total[2]:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
