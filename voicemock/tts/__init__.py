"""Spoken interviewer lines: each sentence rendered to a cached WAV by the chosen voice.

The voice is Piper's neural voice where its packages are installed (``voice = "piper"``,
the default), pyttsx3 (``"system"``, espeak-ng on Linux), or none. If Piper cannot load,
the system voice takes over and the caller is told once. A line is rendered sentence by
sentence on one worker thread (the engines are not thread-safe): the first sentence can
play while the next ones render, and the next line can render while the candidate is
still answering. Words the voices say wrong ("acks", "KRaft") are respelled first, from
the pronunciation list. If rendering fails the caller shows the line as text; the round
goes on.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from voicemock.core.text import split_sentences
from voicemock.private import private_dir, tighten
from voicemock.tts.engines import (
    Engine,
    PiperEngine,
    SpeechError,
    SystemEngine,
    has_audio,
    piper_model,
)

__all__ = ["Speaker", "SpeechError", "respell", "voices_available"]

log = logging.getLogger(__name__)


def respell(text: str, pronounce: Mapping[str, str]) -> str:
    """``text`` with each listed word (whole words, case as listed) spelled as said."""
    if not pronounce:
        return text
    pattern = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(w) for w in sorted(pronounce, key=len, reverse=True))
        + r")(?![\w-])"
    )
    return pattern.sub(lambda m: pronounce[m.group(1)], text)


def voices_available() -> dict[str, str]:
    """Each voice and whether it can speak here: "ok: …" or the reason it cannot."""
    out: dict[str, str] = {}
    try:
        model, _ = piper_model()
        import piper  # noqa: F401

        out["piper"] = f"ok: en_US-joe-medium, neural ({model.stat().st_size // 2**20} MB)"
    except (SpeechError, ImportError) as exc:
        out["piper"] = f"unavailable: {exc}"
    try:
        count = len(SystemEngine().voices())
        out["system"] = f"ok: pyttsx3 / espeak-ng, {count} voices (pick one with --system-voice)"
    except SpeechError as exc:
        out["system"] = f"unavailable: {exc}"
    out["none"] = "ok: questions shown as text only"
    return out


class Speaker:
    """Renders interviewer lines to WAV files, cached by text, voice and rate."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        voice: str = "piper",
        system_voice: str | None = None,
        rate: int | None = None,
        pronounce: Mapping[str, str] | None = None,
        on_notice: Callable[[str], None] | None = None,
        piper_model: Path | None = None,
    ) -> None:
        if voice not in ("piper", "system"):
            raise ValueError(f"voice must be piper or system, not {voice!r}")
        self.cache_dir = Path(cache_dir)
        self.rate = rate
        self.pronounce = dict(pronounce or {})
        self._notice = on_notice or (lambda message: log.info("%s", message))
        self._system = SystemEngine(system_voice, rate)
        self.engine: Engine = PiperEngine(rate, piper_model) if voice == "piper" else self._system
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts")
        self._ahead: deque[str] = deque()  # sentences to render when nothing else waits
        self._ahead_lock = threading.Lock()
        self._pumping = False
        self._closed = False
        self.ahead_done = threading.Event()
        """Set while nothing is waiting to be rendered ahead."""
        self.ahead_done.set()

    @property
    def voice(self) -> str:
        """The voice speaking: "piper", or "system" (chosen, or after Piper failed)."""
        return self.engine.name

    def load(self) -> Future[None]:
        """Load the voice in the background (the first line then starts sooner)."""
        return self._pool.submit(self._load)

    def _load(self) -> None:
        try:
            self.engine.load()
        except SpeechError as exc:
            if self.engine is self._system:
                raise
            self._notice(f"{exc}; the system voice speaks instead")
            self.engine = self._system
            self.engine.load()

    def _key(self, text: str) -> str:
        voice = self._system.voice if self.engine is self._system else None
        raw = f"{self.engine.name}|{voice}|{self.rate}|{text}".encode()
        return hashlib.sha256(raw).hexdigest()[:24]

    def _render_now(self, text: str) -> Path:
        self._load()
        spoken = respell(text, self.pronounce)
        path = self.cache_dir / f"{self._key(spoken)}.wav"
        if has_audio(path):
            return path
        private_dir(self.cache_dir)  # what the interviewer says is the candidate's business
        tmp = path.with_suffix(".tmp.wav")
        self.engine.render(spoken, tmp)
        if not has_audio(tmp):
            raise SpeechError(f"the {self.engine.name} voice produced no audio")
        tighten(tmp)
        tmp.replace(path)
        return path

    def render(self, text: str) -> Future[Path]:
        """Start rendering ``text`` in the background; the future resolves to the WAV path."""
        return self._pool.submit(self._render_now, text)

    def render_sentences(self, text: str) -> list[Future[Path]]:
        """Start rendering ``text`` one sentence at a time, in order: the first can be
        played as soon as it is ready, while the others render."""
        sentences = split_sentences(text) or [text]
        return [self._pool.submit(self._render_now, s) for s in sentences]

    def prefetch(self, lines: Iterable[str]) -> None:
        """Render the first sentence of each line ahead, in order, into the cache, so that
        whichever of them is said next starts at once. One sentence at a time: a line asked
        for meanwhile waits at most for the sentence under way. Failures are left for the
        line itself to meet (and report) if it is said."""
        firsts = [(split_sentences(line) or [line])[0] for line in lines if line.strip()]
        with self._ahead_lock:
            waiting = set(self._ahead)
            self._ahead.extend(s for s in dict.fromkeys(firsts) if s not in waiting)
            if self._pumping or self._closed:
                return
            self._pumping = True
            self.ahead_done.clear()
        self._pump()

    def _pump(self, done: Future[Path | None] | None = None) -> None:
        with self._ahead_lock:
            if not self._ahead or self._closed:
                self._pumping = False
                self.ahead_done.set()
                return
            sentence = self._ahead.popleft()
        try:
            future = self._pool.submit(self._render_ahead, sentence)
        except RuntimeError:  # closed meanwhile
            with self._ahead_lock:
                self._pumping = False
                self.ahead_done.set()
            return
        future.add_done_callback(self._pump)

    def _render_ahead(self, sentence: str) -> Path | None:
        try:
            return self._render_now(sentence)
        except Exception as exc:  # the line meets it again if it is ever said
            log.info("rendering ahead failed: %s", exc)
            return None

    def close(self) -> None:
        """Stop the rendering worker (a line being rendered is finished first)."""
        with self._ahead_lock:
            self._closed = True
            self._ahead.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.ahead_done.set()
