"""The bundled tiny.en model on real audio: accuracy, timings, and no harm to general speech."""

from __future__ import annotations

import tomllib

import jiwer
import pytest

from voicemock.app import resources
from voicemock.audio.files import decode_file
from voicemock.errors import ModelError
from voicemock.stt.whisper import build_prompt, resolve_model

from .conftest import FIXTURES, fixture_manifest, normalize_words

pytestmark = pytest.mark.slow


def test_fixtures_transcribe_with_low_word_error_rate(transcriber):
    bank = resources.bank()
    refs, hyps = [], []
    for fixture in fixture_manifest():
        question = bank.get(fixture["question"])
        audio = decode_file(FIXTURES / f"{fixture['id']}.flac")
        prompt = build_prompt(question.text, resources.vocabulary())
        hyps.append(normalize_words(transcriber.transcribe(audio, prompt=prompt).text))
        refs.append(normalize_words((FIXTURES / f"{fixture['id']}.txt").read_text()))
    wer = jiwer.wer(refs, hyps)
    print(f"fixture WER with domain prompt: {wer:.3f} over {len(refs)} recordings")
    assert wer <= 0.15


def test_domain_prompt_does_not_hurt_general_speech(transcriber, real_speech):
    """jfk.flac: prompted as voicemock does, within 0.02 WER of raw faster-whisper unprompted."""
    refs = tomllib.loads((real_speech / "REFERENCES.toml").read_text())
    reference = normalize_words(refs["jfk"]["text"])
    audio = decode_file(real_speech / "jfk.flac")
    question = resources.bank().get("tech-exactly-once-payments")
    prompted = transcriber.transcribe(
        audio, prompt=build_prompt(question.text, resources.vocabulary())
    )
    # Raw faster-whisper, same model object, no prompt.
    segments, _ = transcriber._model.transcribe(audio, language="en", beam_size=5)
    raw_text = " ".join(s.text for s in segments)
    raw_wer = jiwer.wer(reference, normalize_words(raw_text))
    our_wer = jiwer.wer(reference, normalize_words(prompted.text))
    print(f"jfk WER: raw {raw_wer:.3f}, voicemock prompted {our_wer:.3f}")
    assert our_wer <= raw_wer + 0.02


def test_live_stretches_read_in_a_short_window_are_as_accurate(transcriber, real_speech):
    """Live stretches are encoded in a window a few seconds longer than their audio: on real
    recordings cut into 6 s stretches, no more word errors than the full 30 s window."""
    from voicemock.stt.whisper import live_window

    refs = tomllib.loads((real_speech / "REFERENCES.toml").read_text())
    pairs = [(decode_file(real_speech / "jfk.flac"), normalize_words(refs["jfk"]["text"]))]
    pairs += [
        (
            decode_file(FIXTURES / f"{f['id']}.flac"),
            normalize_words((FIXTURES / f"{f['id']}.txt").read_text()),
        )
        for f in fixture_manifest()[:4]
    ]
    stretch = 6 * 16_000
    assert live_window(stretch) is not None and live_window(stretch) < 3000
    assert live_window(29 * 16_000) is None  # as long as the full window anyway
    model = transcriber._model
    errors = {"short": 0, "full": 0}
    words = 0
    for audio, reference in pairs:
        pieces = [audio[i : i + stretch] for i in range(0, audio.size, stretch)]
        pieces = [p for p in pieces if p.size >= 8_000]
        short = " ".join(transcriber.transcribe(p, fast=True).text for p in pieces)
        # The same stretches through the full window: the model asked directly.
        full = []
        for p in pieces:
            segments, _ = model.transcribe(
                p, language="en", beam_size=1, temperature=0.0, condition_on_previous_text=False
            )
            full.append(" ".join(s.text for s in segments))
        for name, text in (("short", short), ("full", " ".join(full))):
            out = jiwer.process_words(reference, normalize_words(text))
            errors[name] += out.substitutions + out.deletions + out.insertions
        words += len(reference.split())
    short_wer, full_wer = errors["short"] / words, errors["full"] / words
    print(f"6 s stretches: WER short window {short_wer:.3f}, full window {full_wer:.3f}")
    assert short_wer <= full_wer + 0.03


def test_word_timestamps_are_ordered_and_inside_the_audio(transcriber, real_speech):
    audio = decode_file(real_speech / "jfk.flac")
    transcript = transcriber.transcribe(audio)
    words = [w for s in transcript.segments for w in s.words]
    assert len(words) >= 20
    assert all(w.start <= w.end for w in words)
    assert all(a.start <= b.start for a, b in zip(words, words[1:], strict=False))
    assert words[-1].end <= transcript.duration + 0.1
    assert abs(transcript.duration - 11.0) < 0.2


def test_stereo_real_speech_is_transcribed_from_the_downmix(transcriber, real_speech):
    refs = tomllib.loads((real_speech / "REFERENCES.toml").read_text())["stereo_diarization"]
    text = normalize_words(
        transcriber.transcribe(decode_file(real_speech / "stereo_diarization.wav")).text
    )
    # Both speakers are in the mono mix: words from each side should be heard.
    left = set(normalize_words(refs["text_left"]).split())
    right = set(normalize_words(refs["text_right"]).split())
    heard = set(text.split())
    assert heard & left and heard & right


def test_prompt_carries_question_and_vocabulary_within_limits():
    question = resources.bank().get("tech-schema-evolution")
    prompt = build_prompt(question.text, resources.vocabulary())
    assert prompt.startswith("Um, uh, " + question.text[:40])
    plain = build_prompt(question.text, resources.vocabulary(), keep_fillers=False)
    assert plain.startswith(question.text[:40])
    assert "Schema Registry" in prompt and "ksqlDB" in prompt
    assert len(prompt) <= 700


def test_default_model_is_the_bundled_folder():
    choice = resolve_model(None)
    assert choice.downloads is False
    assert choice.label.startswith("tiny.en")


def test_model_folder_without_model_bin_is_refused(tmp_path):
    with pytest.raises(ModelError, match="no model.bin"):
        resolve_model(str(tmp_path))


def test_unknown_model_name_is_refused_without_network():
    with pytest.raises(ModelError, match="unknown model"):
        resolve_model("definitely-not-a-model")


def test_other_local_model_folder_is_used(tmp_path):
    import shutil

    from voicemock.stt import WhisperTranscriber

    copy = tmp_path / "my-model"
    shutil.copytree(resolve_model(None).location, copy)
    stt = WhisperTranscriber(str(copy))
    assert stt.choice.location == str(copy) and not stt.choice.downloads
    stt.load()
    assert stt.transcribe(decode_file(FIXTURES / "schema-weak.flac")).text
