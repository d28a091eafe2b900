"""The interviewer's voice: lines rendered to WAV, and what happens when the engine fails."""

from __future__ import annotations

import shutil
import wave

import pytest

from voicemock.tts import Speaker, SpeechError


class _Silent:
    """A speech engine that returns without writing the file (what the espeak driver of
    pyttsx3 now and then does)."""

    calls = 0

    def save_to_file(self, text: str, path: str) -> None:
        _Silent.calls += 1

    def runAndWait(self) -> None:  # noqa: N802 (pyttsx3's name)
        pass


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_a_line_the_engine_never_writes_is_rendered_by_espeak_itself(tmp_path, monkeypatch):
    speaker = Speaker(tmp_path / "tts")
    monkeypatch.setattr(speaker, "_init_engine", lambda: _Silent())
    _Silent.calls = 0
    path = speaker.render("How would you make that guarantee?").result()
    speaker.close()
    assert _Silent.calls == 3  # the engine was given its tries first
    with wave.open(str(path)) as wav:
        assert wav.getnframes() / wav.getframerate() > 1.0


def test_without_any_engine_the_line_is_text_only(tmp_path, monkeypatch):
    speaker = Speaker(tmp_path / "tts")
    monkeypatch.setattr(speaker, "_init_engine", lambda: _Silent())
    monkeypatch.setattr("voicemock.tts.shutil.which", lambda name: None)
    monkeypatch.setattr("voicemock.tts.time.sleep", lambda s: None)
    with pytest.raises(SpeechError, match="produced no audio"):
        speaker.render("Anything?").result()
    speaker.close()
