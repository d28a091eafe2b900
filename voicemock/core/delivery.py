"""Delivery analytics: pace, fillers, pauses, hedging and length, per answer and per session.

Measured from word timestamps and, when the audio was analysed, from the speech
spans the voice-activity detector found: recognisers stretch word timings over
silences, so pauses are read from the audio whenever it is available.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicemock.core.models import Transcript
from voicemock.core.text import PhraseSet, normalize


@dataclass(frozen=True)
class DeliveryConfig:
    vocal_fillers: tuple[str, ...]
    discourse_fillers: tuple[str, ...]
    long_pause_s: float = 2.0
    pace_wpm: tuple[int, int] = (110, 170)

    @classmethod
    def load(cls, path: Path) -> DeliveryConfig:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        unknown = set(data) - {"vocal_fillers", "discourse_fillers", "long_pause_s", "pace_wpm"}
        if unknown:
            raise ValueError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
        lo, hi = data.get("pace_wpm", (110, 170))
        return cls(
            vocal_fillers=tuple(data["vocal_fillers"]),
            discourse_fillers=tuple(data["discourse_fillers"]),
            long_pause_s=float(data.get("long_pause_s", 2.0)),
            pace_wpm=(int(lo), int(hi)),
        )


@dataclass(frozen=True)
class Delivery:
    """How one answer (or a whole session) was delivered."""

    words: int
    duration_s: float
    talk_time_s: float
    words_per_minute: float
    time_to_first_word_s: float
    long_pauses: int
    longest_pause_s: float
    pause_threshold_s: float
    fillers: int
    filler_counts: Mapping[str, int] = field(default_factory=dict)
    hedges: int = 0
    commitments: int = 0
    expected_words: tuple[int, int] = (0, 0)
    answers: int = 1
    pause_spans: tuple[tuple[float, float], ...] = ()
    """Where the long pauses of one answer are (start, end in seconds); empty for a session."""

    @property
    def fillers_per_100_words(self) -> float:
        return round(100.0 * self.fillers / self.words, 1) if self.words else 0.0

    @property
    def length(self) -> str:
        lo, hi = self.expected_words
        per_answer = self.words / max(self.answers, 1)
        if not hi:
            return "unknown"
        return "short" if per_answer < lo else "long" if per_answer > hi * 1.5 else "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "words": self.words,
            "duration_s": round(self.duration_s, 2),
            "talk_time_s": round(self.talk_time_s, 2),
            "words_per_minute": round(self.words_per_minute, 1),
            "time_to_first_word_s": round(self.time_to_first_word_s, 2),
            "long_pauses": self.long_pauses,
            "longest_pause_s": round(self.longest_pause_s, 2),
            "pause_threshold_s": self.pause_threshold_s,
            "fillers": self.fillers,
            "fillers_per_100_words": self.fillers_per_100_words,
            "filler_counts": dict(self.filler_counts),
            "hedges": self.hedges,
            "commitments": self.commitments,
            "length": self.length,
            "expected_words": list(self.expected_words),
            "answers": self.answers,
        } | (
            {"pause_spans": [[round(a, 2), round(b, 2)] for a, b in self.pause_spans]}
            if self.pause_spans
            else {}
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Delivery:
        return cls(
            words=int(data["words"]),
            duration_s=float(data["duration_s"]),
            talk_time_s=float(data["talk_time_s"]),
            words_per_minute=float(data["words_per_minute"]),
            time_to_first_word_s=float(data["time_to_first_word_s"]),
            long_pauses=int(data["long_pauses"]),
            longest_pause_s=float(data["longest_pause_s"]),
            pause_threshold_s=float(data["pause_threshold_s"]),
            fillers=int(data["fillers"]),
            filler_counts=dict(data.get("filler_counts", {})),
            hedges=int(data.get("hedges", 0)),
            commitments=int(data.get("commitments", 0)),
            expected_words=tuple(data.get("expected_words", (0, 0))),  # type: ignore[arg-type]
            answers=int(data.get("answers", 1)),
            pause_spans=tuple((float(a), float(b)) for a, b in data.get("pause_spans", ())),
        )


class DeliveryMeter:
    """Measures answers against a delivery config and the rubric's hedge and commit phrases."""

    def __init__(
        self,
        config: DeliveryConfig,
        hedges: Sequence[str],
        commitments: Sequence[str],
        pause_threshold_s: float | None = None,
    ) -> None:
        self.config = config
        self.pause_threshold_s = pause_threshold_s or config.long_pause_s
        self._hedges = PhraseSet(hedges)
        self._commitments = PhraseSet(commitments)
        vocal = "|".join(re.escape(f) for f in config.vocal_fillers)
        discourse = "|".join(
            r"\s+".join(re.escape(w) for w in f.split()) for f in config.discourse_fillers
        )
        self._vocal = re.compile(rf"(?<![\w'])({vocal})(?![\w'])", re.IGNORECASE)
        # A discourse filler counts when a comma sets it off on either side.
        self._discourse = re.compile(
            rf"(?<=,)\s*({discourse})(?![\w'])|(?<![\w'])({discourse})\s*(?=,)", re.IGNORECASE
        )

    def count_fillers(self, text: str) -> Counter[str]:
        return Counter(filler for _, _, filler in self.filler_spans(text))

    def filler_spans(self, text: str) -> list[tuple[int, int, str]]:
        """Each filler in ``text``: (start, end) character offsets and the filler, in order."""
        found = []
        for match in self._vocal.finditer(text):
            found.append((*match.span(1), match.group(1).lower()))
        for match in self._discourse.finditer(text):
            group = 1 if match.group(1) else 2
            found.append((*match.span(group), " ".join(match.group(group).lower().split())))
        return sorted(found)

    def measure(
        self,
        transcript: Transcript,
        *,
        expected_words: tuple[int, int] = (0, 0),
        speech_spans: Sequence[tuple[float, float]] | None = None,
    ) -> Delivery:
        words = [w for s in transcript.segments for w in s.words]
        n_words = len(normalize(transcript.text).split())
        spans: list[tuple[float, float]]
        if speech_spans:
            first = speech_spans[0][0]
            last = speech_spans[-1][1]
            spans = [(a[1], b[0]) for a, b in zip(speech_spans, speech_spans[1:], strict=False)]
        elif words:
            first, last = words[0].start, words[-1].end
            spans = [(a.end, b.start) for a, b in zip(words, words[1:], strict=False)]
        else:
            first, last, spans = 0.0, 0.0, []
        gaps = [b - a for a, b in spans]
        talk = max(last - first, 0.0)
        long_spans = tuple((a, b) for a, b in spans if b - a >= self.pause_threshold_s)
        long_gaps = [b - a for a, b in long_spans]
        fillers = self.count_fillers(transcript.text)
        norm = normalize(transcript.text)
        return Delivery(
            words=n_words,
            duration_s=transcript.duration,
            talk_time_s=talk,
            words_per_minute=(60.0 * n_words / talk) if talk > 0 else 0.0,
            time_to_first_word_s=max(first, 0.0),
            long_pauses=len(long_gaps),
            longest_pause_s=max(gaps, default=0.0),
            pause_threshold_s=self.pause_threshold_s,
            fillers=sum(fillers.values()),
            filler_counts=dict(fillers),
            hedges=self._hedges.count(norm),
            commitments=self._commitments.count(norm),
            expected_words=expected_words,
            pause_spans=long_spans,
        )


def combine(parts: Sequence[Delivery]) -> Delivery | None:
    """Session figures: totals, pace over all talk time, the longest pause of all."""
    if not parts:
        return None
    words = sum(p.words for p in parts)
    talk = sum(p.talk_time_s for p in parts)
    counts: Counter[str] = Counter()
    for p in parts:
        counts.update(p.filler_counts)
    return Delivery(
        words=words,
        duration_s=sum(p.duration_s for p in parts),
        talk_time_s=talk,
        words_per_minute=(60.0 * words / talk) if talk > 0 else 0.0,
        time_to_first_word_s=sum(p.time_to_first_word_s for p in parts) / len(parts),
        long_pauses=sum(p.long_pauses for p in parts),
        longest_pause_s=max(p.longest_pause_s for p in parts),
        pause_threshold_s=parts[0].pause_threshold_s,
        fillers=sum(p.fillers for p in parts),
        filler_counts=dict(counts),
        hedges=sum(p.hedges for p in parts),
        commitments=sum(p.commitments for p in parts),
        expected_words=parts[0].expected_words,
        answers=sum(p.answers for p in parts),
    )


def advice(d: Delivery, pace: tuple[int, int]) -> list[str]:
    """Plain-language notes on the figures that are off."""
    notes = []
    if d.words_per_minute and d.words_per_minute < pace[0]:
        notes.append(f"slow pace ({d.words_per_minute:.0f} wpm; aim for {pace[0]}-{pace[1]})")
    elif d.words_per_minute > pace[1]:
        notes.append(f"fast pace ({d.words_per_minute:.0f} wpm; aim for {pace[0]}-{pace[1]})")
    if d.fillers_per_100_words >= 3:
        notes.append(f"{d.fillers} fillers ({d.fillers_per_100_words} per 100 words)")
    if d.long_pauses:
        notes.append(
            f"{d.long_pauses} long pause(s), longest {d.longest_pause_s:.1f} s: "
            "say 'let me think for a moment' instead of going silent"
        )
    if d.hedges > d.commitments:
        notes.append(f"more hedges ({d.hedges}) than commitments ({d.commitments})")
    if d.length == "short":
        notes.append("answers shorter than the round expects")
    elif d.length == "long":
        notes.append("answers longer than the round expects: lead with the point")
    return notes
