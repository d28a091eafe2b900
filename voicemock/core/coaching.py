"""What a scorecard teaches: evidence pinned to the moment it was said, the follow-up depth
each question held, and the question's model outline marked hit or missed.

Pure data and the timing logic: a quote is found in the answers' recognised words (small
recognition differences allowed), so every quote, wrong claim, filler and long pause
carries its turn and its second in that turn's recording.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from voicemock.core.models import Word
from voicemock.core.stored import StoredTurn
from voicemock.core.text import normalize, quote_found

QUOTE, CLAIM, FILLER, PAUSE = "quote", "claim", "filler", "pause"
LEAD_IN_S = 1.0
"""Playback from a mark starts this much earlier, so the sentence is heard from its start."""
_MIN_MATCH = 0.6
"""Share of a quote's words that must line up with the recognised words to place it."""


@dataclass(frozen=True)
class AnswerTurn:
    """One stored answer as the coaching needs it: its words with their timings."""

    index: int
    kind: str
    question_id: str
    prompt: str
    transcript: str
    words: tuple[Word, ...] = ()
    concept_id: str | None = None
    audio: bool = False
    pauses: tuple[tuple[float, float], ...] = ()
    """Long silences measured in the audio (start, end), when they were."""

    @classmethod
    def from_stored(cls, turn: StoredTurn) -> AnswerTurn:
        """A turn as :meth:`Store.get_session` returns it."""
        return cls(
            index=turn.index,
            kind=turn.kind,
            question_id=turn.question_id,
            prompt=turn.prompt,
            transcript=turn.transcript,
            words=turn.words,
            concept_id=turn.concept_id,
            audio=bool(turn.audio_path),
            pauses=turn.pause_spans,
        )

    def tokens(self) -> tuple[list[str], list[int]]:
        """The words normalised to tokens, and for each token the index of its word."""
        tokens: list[str] = []
        owners: list[int] = []
        for i, word in enumerate(self.words):
            for token in normalize(word.text).split():
                tokens.append(token)
                owners.append(i)
        return tokens, owners


@dataclass(frozen=True)
class Mark:
    """A moment of an answer: a quote that earned a score, a wrong claim, a filler, a pause."""

    kind: str
    turn: int
    """The turn's index in the session (1 = the first answer)."""
    text: str
    start: float | None = None
    """Seconds into the turn's recording; None for an answer without word timings."""
    end: float | None = None
    ref: str = ""
    """What it stands for: a dimension id (quote), a misconception id (claim), the filler."""

    @property
    def play_from(self) -> float:
        """Where playback starts: a second of lead-in before the moment."""
        return max(0.0, (self.start or 0.0) - LEAD_IN_S)

    @property
    def at(self) -> str:
        """ "turn 2 · 0:14", or "turn 2" without timings."""
        if self.start is None:
            return f"turn {self.turn}"
        return f"turn {self.turn} · {clock(self.start)}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "turn": self.turn, "text": self.text}
        if self.start is not None:
            out |= {"start": round(self.start, 2), "end": round(self.end or self.start, 2)}
        if self.ref:
            out["ref"] = self.ref
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Mark:
        start = data.get("start")
        return cls(
            kind=str(data["kind"]),
            turn=int(data["turn"]),
            text=str(data.get("text", "")),
            start=None if start is None else float(start),
            end=None if start is None else float(data.get("end", start)),
            ref=str(data.get("ref", "")),
        )


def clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def locate(quote: str, turns: Sequence[AnswerTurn]) -> Mark | None:
    """Where ``quote`` was said: the turn, and the times of its first and last words.

    The quote's words are aligned with each turn's recognised words around their longest
    common run; the best-aligned turn wins if at least 60% of the quote's words line up. A
    turn without word timings (a typed answer) is searched in its text and gives no time.
    """
    wanted = normalize(quote).split()
    if not wanted:
        return None
    best: tuple[float, Mark] | None = None
    for turn in turns:
        tokens, owners = turn.tokens()
        if not tokens:
            if quote_found(quote, normalize(turn.transcript)):
                score = 1.0
                if best is None or score > best[0]:
                    best = (score, Mark(QUOTE, turn.index, quote))
            continue
        matcher = SequenceMatcher(None, tokens, wanted, autojunk=False)
        run = matcher.find_longest_match(0, len(tokens), 0, len(wanted))
        if run.size < min(3, len(wanted)):
            continue
        first = max(0, run.a - run.b)
        last = min(len(tokens), first + len(wanted) + 1)
        window = SequenceMatcher(None, tokens[first:last], wanted, autojunk=False)
        matched = sum(b.size for b in window.get_matching_blocks())
        score = matched / len(wanted)
        if score < _MIN_MATCH or (best is not None and score <= best[0]):
            continue
        blocks = [b for b in window.get_matching_blocks() if b.size]
        start_word = turn.words[owners[first + blocks[0].a]]
        end_word = turn.words[owners[first + blocks[-1].a + blocks[-1].size - 1]]
        best = (score, Mark(QUOTE, turn.index, quote, start_word.start, end_word.end))
    return None if best is None else best[1]


def pause_marks(turn: AnswerTurn, threshold_s: float) -> list[Mark]:
    """Long silences in an answer: measured in the audio when it was, else between words."""
    spans = list(turn.pauses)
    if not spans:
        spans = [
            (a.end, b.start)
            for a, b in zip(turn.words, turn.words[1:], strict=False)
            if b.start - a.end >= threshold_s
        ]
    return [
        Mark(PAUSE, turn.index, f"{end - start:.1f} s pause", start, end)
        for start, end in spans
        if end - start >= threshold_s
    ]


def filler_marks(turn: AnswerTurn, spans: Sequence[tuple[int, int, str]], text: str) -> list[Mark]:
    """Fillers found at character ``spans`` of ``text`` (the turn's words joined by spaces),
    each at the time of the word it starts in."""
    starts: list[int] = []
    offset = 0
    for word in turn.words:
        starts.append(offset)
        offset += len(word.text.strip()) + 1
    marks = []
    for begin, _end, filler in spans:
        i = max((k for k, s in enumerate(starts) if s <= begin), default=None)
        if i is None:
            continue
        word = turn.words[i]
        marks.append(Mark(FILLER, turn.index, filler, word.start, word.end, filler))
    return marks


def joined_words(turn: AnswerTurn) -> str:
    """The turn's words as one text, the offsets :func:`filler_marks` expects."""
    return " ".join(w.text.strip() for w in turn.words)


@dataclass(frozen=True)
class Level:
    """One follow-up asked on a question, and whether the answer to it held."""

    prompt: str
    probe: str
    """What it probed: a concept id, "challenge:<misconception>", or "" (free-form)."""
    held: bool
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"prompt": self.prompt, "probe": self.probe, "held": self.held, "why": self.why}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Level:
        return cls(
            str(data["prompt"]), str(data.get("probe", "")), bool(data["held"]), str(data["why"])
        )


@dataclass(frozen=True)
class Depth:
    """How deep the follow-ups on one question went, and how many levels the answers held.

    ``held`` counts from the first follow-up down to the first level that thinned out, the
    way an interviewer digs: a level held after a failed one does not add depth.
    """

    question_id: str
    levels: tuple[Level, ...]

    @property
    def asked(self) -> int:
        return len(self.levels)

    @property
    def held(self) -> int:
        n = 0
        for level in self.levels:
            if not level.held:
                break
            n += 1
        return n

    def to_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "asked": self.asked,
            "held": self.held,
            "levels": [lv.to_dict() for lv in self.levels],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Depth:
        return cls(
            str(data["question_id"]), tuple(Level.from_dict(x) for x in data.get("levels", ()))
        )


@dataclass(frozen=True)
class OutlinePoint:
    """A point of the question's model answer: hit (with where it was made) or missed."""

    question_id: str
    text: str
    status: str
    """"hit", "partly" (some of what it needs was explained) or "missed"."""
    quote: str = ""
    mark: Mark | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "question_id": self.question_id,
            "text": self.text,
            "status": self.status,
        }
        if self.quote:
            out["quote"] = self.quote
        if self.mark is not None:
            out["at"] = self.mark.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutlinePoint:
        at = data.get("at")
        return cls(
            str(data["question_id"]),
            str(data["text"]),
            str(data["status"]),
            str(data.get("quote", "")),
            Mark.from_dict(at) if at else None,
        )


@dataclass(frozen=True)
class Coaching:
    """Everything a scorecard teaches beyond its scores."""

    marks: tuple[Mark, ...] = ()
    depth: tuple[Depth, ...] = ()
    outline: tuple[OutlinePoint, ...] = ()

    def mark_for(self, text: str, kind: str = QUOTE) -> Mark | None:
        for mark in self.marks:
            if mark.kind == kind and mark.text == text:
                return mark
        return None

    @property
    def depth_held(self) -> tuple[int, int]:
        """Levels held and asked over all questions."""
        return sum(d.held for d in self.depth), sum(d.asked for d in self.depth)

    def to_dict(self) -> dict[str, Any]:
        return {
            "marks": [m.to_dict() for m in self.marks],
            "depth": [d.to_dict() for d in self.depth],
            "outline": [p.to_dict() for p in self.outline],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Coaching:
        return cls(
            tuple(Mark.from_dict(m) for m in data.get("marks", ())),
            tuple(Depth.from_dict(d) for d in data.get("depth", ())),
            tuple(OutlinePoint.from_dict(p) for p in data.get("outline", ())),
        )
