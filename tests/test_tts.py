"""The interviewer's voice: lines rendered to WAV by each voice, sentence by sentence, cached
and private; the fallback when the neural voice cannot load; the pronunciation list."""

from __future__ import annotations

import shutil
import stat
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from voicemock.core.bank import BankError
from voicemock.tts import Speaker, SpeechError, respell

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="no espeak-ng")


class _Silent:
    """A speech engine that returns without writing the file (what the espeak driver of
    pyttsx3 now and then does)."""

    calls = 0

    def save_to_file(self, text: str, path: str) -> None:
        _Silent.calls += 1

    def runAndWait(self) -> None:  # noqa: N802 (pyttsx3's name)
        pass


def _read(path):
    with wave.open(str(path)) as wav:
        rate, frames = wav.getframerate(), wav.getnframes()
        pcm = np.frombuffer(wav.readframes(frames), dtype="<i2").astype(np.float32) / 32768
        assert wav.getsampwidth() == 2 and wav.getnchannels() == 1
    return rate, pcm


@pytest.mark.parametrize("voice", ["piper", pytest.param("system", marks=needs_espeak)])
def test_each_voice_renders_a_real_line(tmp_path, voice):
    notices: list[str] = []
    speaker = Speaker(tmp_path / "tts", voice=voice, on_notice=notices.append)
    path = speaker.render("How would you keep per-customer ordering during a rebalance?").result()
    speaker.close()
    assert notices == [] and speaker.voice == voice
    rate, pcm = _read(path)
    assert rate in (16_000, 22_050, 24_000)
    assert 2.0 < pcm.size / rate < 8.0  # about ten words
    assert float(np.sqrt(np.mean(pcm**2))) > 0.02  # not silence
    # Cached per line and voice, private to the user.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_line_is_rendered_sentence_by_sentence_and_cached(tmp_path):
    speaker = Speaker(tmp_path / "tts", voice="piper")
    parts = speaker.render_sentences("Good. Now walk me through the trade-offs. What breaks first?")
    paths = [p.result() for p in parts]
    again = speaker.render("What breaks first?").result()
    speaker.close()
    assert len(paths) == 3 and len(set(paths)) == 3
    assert again == paths[2]  # the same sentence in the same voice is rendered once
    system = Speaker(tmp_path / "tts", voice="system")
    assert system._key("What breaks first?") != speaker._key("What breaks first?")
    system.close()


@needs_espeak
def test_the_system_voice_speaks_when_the_neural_voice_cannot_load(tmp_path):
    notices: list[str] = []
    speaker = Speaker(
        tmp_path / "tts",
        voice="piper",
        piper_model=tmp_path / "missing.onnx",
        on_notice=notices.append,
    )
    path = speaker.render("Anything else?").result()
    speaker.close()
    assert speaker.voice == "system"
    assert len(notices) == 1 and "missing" in notices[0] and "system voice" in notices[0]
    assert _read(path)[1].size > 0


@needs_espeak
def test_a_line_the_engine_never_writes_is_rendered_by_espeak_itself(tmp_path, monkeypatch):
    speaker = Speaker(tmp_path / "tts", voice="system")
    monkeypatch.setattr(speaker._system, "_init_engine", lambda: _Silent())
    _Silent.calls = 0
    path = speaker.render("How would you make that guarantee?").result()
    speaker.close()
    assert _Silent.calls == 3  # the engine was given its tries first
    rate, pcm = _read(path)
    assert pcm.size / rate > 1.0


def test_without_any_engine_the_line_is_text_only(tmp_path, monkeypatch):
    speaker = Speaker(tmp_path / "tts", voice="system")
    monkeypatch.setattr(speaker._system, "_init_engine", lambda: _Silent())
    monkeypatch.setattr("voicemock.tts.engines.shutil.which", lambda name: None)
    monkeypatch.setattr("voicemock.tts.engines.time.sleep", lambda s: None)
    with pytest.raises(SpeechError, match="produced no audio"):
        speaker.render("Anything?").result()
    speaker.close()


def test_the_pronunciation_list_is_applied_and_validated():
    from voicemock.app import resources
    from voicemock.core.pronunciation import parse_pronunciations

    table = resources.pronunciations()
    said = respell("Set acks=all; ksqlDB on KRaft, an idempotent producer, p99 of 5 ms.", table)
    assert "acks" in said and "K sequel D B" in said and "craft" in said
    assert "eye-dem-potent" in said and "P ninety-nine" in said
    assert respell("backs and tracks", table) == "backs and tracks"  # whole words only
    with pytest.raises(BankError, match="listed twice"):
        parse_pronunciations({"word": [{"text": "ISR", "say": "a"}] * 2}, "p.toml")
    with pytest.raises(BankError, match="'say' must be"):
        parse_pronunciations({"word": [{"text": "ISR", "say": " "}]}, "p.toml")
    with pytest.raises(BankError, match="exactly 'text' and 'say'"):
        parse_pronunciations({"word": [{"text": "ISR"}]}, "p.toml")


def test_a_bad_voice_setting_is_one_line(tmp_path, monkeypatch):
    from voicemock.config import load_settings
    from voicemock.errors import ConfigError

    config = tmp_path / "config.toml"
    config.write_text('voice = "robot"\n')
    with pytest.raises(ConfigError, match="voice must be one of piper, system, none"):
        load_settings(config)
    config.write_text('voice = "system"\nspeech_rate = 900\n')
    with pytest.raises(ConfigError, match="speech_rate must be a whole number from 80 to 400"):
        load_settings(config)
    config.write_text('voice = "none"\nspeech_rate = 150\n')
    settings = load_settings(config)
    assert settings.voice == "none" and settings.speech_rate == 150


def test_voices_lists_what_can_speak_and_a_bad_voice_flag_is_refused(voicemock):
    import json

    listed = voicemock("voices", "--json")
    assert listed.code == 0
    found = json.loads(listed.stdout)
    assert set(found) == {"piper", "system", "none"}
    assert found["piper"].startswith("ok: en_US-joe-medium")
    bad = voicemock("practice", "--round", "technical", "--mic", "--voice", "robot")
    assert bad.code == 2 and "'robot' is not one of 'piper', 'system', 'none'" in bad.stderr


def test_lines_rendered_ahead_are_ready_when_said(tmp_path):
    speaker = Speaker(tmp_path / "cache", voice="piper")
    try:
        speaker.prefetch(["Why a queue? Say more.", "What does it cost?", "Why a queue? Again."])
        # The first sentence of each line, once: "Why a queue?" is rendered a single time.
        wanted = ["Why a queue?", "What does it cost?"]

        def rendered() -> list[Path]:  # not a file being written
            return sorted(p for p in (tmp_path / "cache").glob("*.wav") if ".tmp" not in p.name)

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(rendered()) < 2:
            time.sleep(0.05)
        cached = rendered()
        assert len(cached) == 2
        # Saying a readied line finds its first sentence rendered: the same file, untouched.
        before = {p: p.stat().st_mtime_ns for p in cached}
        first = speaker.render_sentences("Why a queue? Say more.")[0].result(timeout=60)
        assert first in before and first.stat().st_mtime_ns == before[first]
        assert {speaker.render(s).result(timeout=60) for s in wanted} == set(cached)
    finally:
        speaker.close()


@needs_espeak
def test_closing_the_voice_drops_what_was_still_to_render_ahead(tmp_path):
    speaker = Speaker(tmp_path / "cache", voice="system")
    speaker.prefetch([f"Line number {n}." for n in range(50)])
    speaker.close()  # returns: at most the sentence under way is finished
    assert len([p for p in (tmp_path / "cache").glob("*.wav") if ".tmp" not in p.name]) < 50


def test_lines_ahead_render_behind_the_line_being_said(monkeypatch, tmp_path):
    """The voice holds the lines to render ahead until the next line's own sentences are
    queued: they render while it plays, never before it."""
    from concurrent.futures import Future

    from voicemock.app.wiring import InterviewerVoice
    from voicemock.audio import playback

    calls: list[tuple[str, object]] = []

    class Recorded:
        def render_sentences(self, text):
            calls.append(("line", text))
            done: Future[Path] = Future()
            done.set_result(tmp_path / "line.wav")
            return [done]

        def prefetch(self, lines):
            calls.append(("ahead", list(lines)))

    monkeypatch.setattr(playback, "play_line", lambda path, device=None: (1.0, 2.0))
    voice = InterviewerVoice(Recorded())
    voice.prefetch(["What does it cost?", "Next question."])
    assert calls == []  # nothing is rendered before the question itself
    voice.say("Why a queue?")
    voice.say("What does it cost?")
    assert calls == [
        ("line", "Why a queue?"),
        ("ahead", ["What does it cost?", "Next question."]),
        ("line", "What does it cost?"),
    ]
