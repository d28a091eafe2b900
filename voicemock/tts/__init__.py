"""Spoken interviewer lines: pyttsx3 renders each line to a cached WAV.

Rendering runs on one worker thread (the speech engine is not thread-safe), so the
next line can be rendered while the candidate is still answering. If rendering
fails the caller shows the line as text; the round goes on.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from voicemock.errors import VoicemockError

log = logging.getLogger(__name__)
RENDER_ATTEMPTS = 3
RENDER_TIMEOUT_S = 30.0


def _has_audio(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 44


class SpeechError(VoicemockError):
    """The line could not be rendered; show it as text instead."""


class Speaker:
    """Renders interviewer lines to WAV files, cached by text, voice and rate."""

    def __init__(
        self, cache_dir: Path, *, voice: str | None = None, rate: int | None = None
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.voice = voice
        self.rate = rate
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts")
        self._engine: Any = None
        self._lock = threading.Lock()

    def _key(self, text: str) -> str:
        raw = f"{self.voice}|{self.rate}|{text}".encode()
        return hashlib.sha256(raw).hexdigest()[:24]

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

    def _render_now(self, text: str) -> Path:
        path = self.cache_dir / f"{self._key(text)}.wav"
        if _has_audio(path):
            return path
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.wav")
        # The espeak driver now and then returns before writing the file (about one line in
        # a few hundred here): a fresh engine is tried again, then espeak-ng itself.
        for attempt in range(RENDER_ATTEMPTS):
            engine = self._init_engine()
            try:
                engine.save_to_file(text, str(tmp))
                engine.runAndWait()
            except Exception as exc:
                raise SpeechError(f"text-to-speech failed ({exc})") from None
            if _has_audio(tmp):
                tmp.replace(path)
                return path
            log.debug("text-to-speech wrote no audio (attempt %d)", attempt + 1)
            self._engine = None
            time.sleep(0.05 * (attempt + 1))
        if self._render_with_espeak(text, tmp):
            tmp.replace(path)
            return path
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
        return _has_audio(out)

    def render(self, text: str) -> Future[Path]:
        """Start rendering ``text`` in the background; the future resolves to the WAV path."""
        return self._pool.submit(self._render_now, text)

    def close(self) -> None:
        """Stop the rendering worker (a line being rendered is finished first)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
