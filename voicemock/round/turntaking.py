"""Turn-taking: has the candidate finished answering? A pure state machine.

The live capture feeds it what it hears: one voice-activity probability per 32 ms frame,
each requested stretch's transcription when it arrives, the turn model's probability when
asked. It answers with actions for the capture to carry out: :class:`Transcribe` a stretch
of the answer, :class:`Hear` the answer so far with the turn model, tell the app the
:class:`StateChanged`, :class:`End` the answer. Its clock is the audio itself (frames), so
it runs the same at any speed: tests drive it with scripted frames and probabilities.

How a pause is judged: when a stretch of speech closes at a pause, the stretch is
transcribed and the turn model hears the answer so far. A dangling clause ("…and the
second thing is") means *thinking*: the microphone stays open up to the ceiling, and after
a while the speech before the pause is read once more, carefully, so that a misheard last
word cannot hold it open. Otherwise the model decides: *complete* ends the answer after a
short silence, *unsure* after a longer one, hearing the growing pause again meanwhile.
Speech resuming clears the judgement.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from voicemock.audio.vad import FRAME, FRAME_S, AnswerEnded, Endpointer, SpeechClosed
from voicemock.core.models import SAMPLE_RATE
from voicemock.core.text import sounds_unfinished


class EndOfTurn(StrEnum):
    """Why an answer ended."""

    KEY = "key"
    """The candidate pressed Enter."""
    COMPLETE = "complete"
    """A short pause after words and sound that agree the answer is finished."""
    UNSURE = "unsure"
    """A longer pause after finished words whose sound was not."""
    SILENCE = "silence"
    """The ceiling: this much silence ends any answer."""
    MAX = "max"
    """The answer's time limit."""


class Pause(StrEnum):
    """What the interviewer makes of the current moment of an answer."""

    LISTENING = "listening"
    """Speech goes on (or nothing was judged yet)."""
    THINKING = "thinking"
    """An unfinished clause: keep listening, up to the ceiling."""
    COMPLETE = "complete"
    UNSURE = "unsure"


@dataclass(frozen=True)
class CaptureOptions:
    """Every tuning value of a live answer, with its one default."""

    end_silence_s: float = 10.0
    """The ceiling: silence that ends any answer (the only end without a turn model)."""
    max_answer_s: float = 240.0
    """The longest answer."""
    threshold: float = 0.5
    """The turn model's probability from which a pause sounds complete."""
    complete_silence_s: float = 0.5
    """Silence after the last word that ends an answer judged complete."""
    unsure_silence_s: float = 2.0
    """Silence that ends an answer whose words are finished but whose sound is not."""
    recheck_s: float = 0.25
    """While unsure, the turn model hears the growing pause again this often."""
    thinking_recheck_s: float = 2.5
    """A pause judged thinking this long is judged once more on a careful reading of the
    speech before it, so a misheard dangling word cannot hold the microphone open."""
    judge_window_s: float = 8.0
    """The most of an unbroken run of speech read again as one stretch when a pause ends it."""
    short_stretch_s: float = 1.5
    """A stretch this short that a pause closes is read together with the speech before it:
    alone, a word or two are easily misheard ("…consistent." as "This consists of")."""
    segment_pause_s: float = 0.25
    """The pause that closes a stretch of speech (and is judged)."""
    max_segment_s: float = 4.0
    """A stretch is cut at this length mid-speech, so the words before a pause are ready."""
    frame_pad_s: float = 0.5
    """Room tone kept around the speech for the final whole-answer pass."""
    stall_s: float = 3.0
    """No audio at all for this long means the device is gone."""

    def __post_init__(self) -> None:
        for name in (
            "end_silence_s",
            "max_answer_s",
            "complete_silence_s",
            "unsure_silence_s",
            "recheck_s",
            "judge_window_s",
            "segment_pause_s",
            "max_segment_s",
            "stall_s",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be more than 0 s, not {getattr(self, name)}")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be between 0 and 1, not {self.threshold}")

    def verdict(self, probability: float, text: str) -> Pause:
        """A pause judged: a dangling clause is always thinking; else the model decides."""
        if sounds_unfinished(text):
            return Pause.THINKING
        return Pause.COMPLETE if probability >= self.threshold else Pause.UNSURE

    def silence_needed(self, pause: Pause) -> float:
        """The silence that ends an answer in this state (never beyond the ceiling)."""
        if pause is Pause.COMPLETE:
            return min(self.complete_silence_s, self.end_silence_s)
        if pause is Pause.UNSURE:
            return min(self.unsure_silence_s, self.end_silence_s)
        return self.end_silence_s


# -- actions -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Transcribe:
    """Transcribe samples ``start:end`` of the answer and report it with ``ticket``.

    A reading replaces every earlier reading that starts at or after ``start``; words
    before ``shown_from`` were shown already (a careful re-read shows none)."""

    ticket: int
    start: int
    end: int
    shown_from: int
    careful: bool = False


@dataclass(frozen=True)
class Hear:
    """Ask the turn model whether the answer's first ``end`` samples sound finished."""

    end: int


@dataclass(frozen=True)
class StateChanged:
    state: Pause


@dataclass(frozen=True)
class End:
    reason: EndOfTurn


Action = Transcribe | Hear | StateChanged | End


T = TypeVar("T")


class Readings(Generic[T]):
    """Stretches read so far, by where they start; a reading replaces the ones it covers."""

    def __init__(self) -> None:
        self._items: list[tuple[int, T]] = []

    def put(self, start: int, item: T) -> None:
        self._items = [(s, i) for s, i in self._items if s < start]
        self._items.append((start, item))

    def items(self, before: int | None = None) -> list[T]:
        """The readings in order; with ``before``, only those that start before it (what a
        reading from there keeps)."""
        ordered = sorted(self._items, key=lambda pair: pair[0])
        return [item for s, item in ordered if before is None or s < before]


class TurnTaker:
    """Decides when a spoken answer ends. Feed it, and carry out the actions it returns."""

    def __init__(self, options: CaptureOptions, *, turn_model: bool) -> None:
        self.options = options
        self.turn_model = turn_model
        self.endpoint = Endpointer(
            end_silence_s=options.end_silence_s,
            max_answer_s=options.max_answer_s,
            segment_pause_s=options.segment_pause_s,
            max_segment_s=options.max_segment_s,
        )
        self.state = Pause.LISTENING
        self.ended: EndOfTurn | None = None
        self.judged_at = 0.0
        """The silence (s) at which the pause was last judged."""
        self.spans: list[tuple[float, float]] = []
        """Every stretch of speech handed out, in seconds."""
        self._said: Readings[str] = Readings()
        self._window = int(options.judge_window_s * SAMPLE_RATE)
        self._tickets: dict[int, int] = {}  # ticket -> where its reading starts
        self._read = -1  # the last ticket whose reading arrived (readings arrive in order)
        self._starts: list[int] = []  # where each reading handed out starts, in order
        self._run_start: int | None = None  # where the pieces cut mid-speech began
        self._read_from: int | None = None  # where the last stretch handed out was read from
        # The pause being judged: the turn model's probability once heard, and the reading
        # of the stretch the pause closed; both are needed.
        self._pause: tuple[float | None, int] | None = None
        self._second_look: int | None = None  # a thinking pause's careful re-read (ticket)
        self._looked_again = False  # once per pause
        self._hearing = False  # a Hear is out for a recheck or the second look

    # -- inputs --------------------------------------------------------------------------
    def frame(self, probability: float) -> list[Action]:
        """One 32 ms frame's speech probability (from the VAD)."""
        if self.ended is not None:
            return []
        actions: list[Action] = []
        for event in self.endpoint.update(probability):
            if isinstance(event, SpeechClosed):
                reading = self._submit(event)
                actions.append(reading)
                if self.turn_model and event.at_pause:
                    # The model hears the pause too, as it was trained to.
                    self._pause = (None, reading.ticket)
                    actions.append(Hear(self.endpoint.frames * FRAME))
            elif isinstance(event, AnswerEnded):
                return [*actions, *self._end(EndOfTurn(event.reason))]
        if self.endpoint.in_speech:  # talking again: whatever was judged no longer holds
            self._pause = self._second_look = None
            self._looked_again = self._hearing = False
            return [*actions, *self._set(Pause.LISTENING)]
        silence = self.silence
        if (
            self.state is Pause.THINKING
            and self.turn_model
            and not self._looked_again
            and silence >= self.options.thinking_recheck_s
        ):
            self._looked_again = True
            actions.append(self._reread())
        elif (
            self.state is Pause.UNSURE
            and not self._hearing
            and silence >= self.judged_at + self.options.recheck_s
        ):
            # Words finished, sound not yet: listen to the longer pause again.
            self._hearing = True
            actions.append(Hear(self.endpoint.frames * FRAME))
        return actions + self._maybe_end()

    def transcribed(self, ticket: int, text: str) -> list[Action]:
        """The reading asked for with ``ticket`` arrived."""
        start = self._tickets.pop(ticket, None)
        if start is None or self.ended is not None:
            return []
        self._said.put(start, text)
        self._read = max(self._read, ticket)
        if self._second_look == ticket:
            self._second_look = None
            self._hearing = True
            return [Hear(self.endpoint.frames * FRAME)]
        return self._judge_pause()

    def heard(self, probability: float) -> list[Action]:
        """The turn model's answer to the last :class:`Hear`."""
        if self.ended is not None:
            return []
        if self._hearing:
            self._hearing = False
            return self._judged(probability)
        if self._pause is not None and self._pause[0] is None:
            self._pause = (probability, self._pause[1])
            return self._judge_pause()
        return []

    def key(self) -> list[Action]:
        """The candidate pressed Enter."""
        return self._end(EndOfTurn.KEY) if self.ended is None else []

    def stop(self, reason: EndOfTurn) -> list[Action]:
        """The capture ends the answer itself (its wall clock ran past the time limit)."""
        return self._end(reason) if self.ended is None else []

    def flush(self) -> Transcribe | None:
        """After the end: the open stretch still to read, if any speech is in it."""
        tail = self.endpoint.flush()
        return self._submit(tail) if tail is not None else None

    # -- what it knows -------------------------------------------------------------------
    @property
    def silence(self) -> float:
        """Seconds of silence since the last speech."""
        return self.endpoint.silent_frames * FRAME_S

    def said(self) -> str:
        """The answer's words as read so far."""
        return " ".join(text for text in self._said.items() if text)

    # -- inside --------------------------------------------------------------------------
    def _judge_pause(self) -> list[Action]:
        if self._pause is None or self.endpoint.in_speech:
            return []
        probability, ticket = self._pause
        if probability is None or self._read < ticket:
            return []
        self._pause = None
        return self._judged(probability)

    def _judged(self, probability: float) -> list[Action]:
        self.judged_at = self.silence
        return self._set(self.options.verdict(probability, self.said())) + self._maybe_end()

    def _maybe_end(self) -> list[Action]:
        if self.state in (Pause.COMPLETE, Pause.UNSURE) and self.silence >= (
            self.options.silence_needed(self.state)
        ):
            return self._end(EndOfTurn(self.state.value))
        return []

    def _set(self, state: Pause) -> list[Action]:
        if state is self.state:
            return []
        self.state = state
        return [StateChanged(state)]

    def _end(self, reason: EndOfTurn) -> list[Action]:
        self.ended = reason
        return [End(reason)]

    def _ticket(self, start: int) -> int:
        ticket = len(self._starts)
        self._starts.append(start)
        self._tickets[ticket] = start
        return ticket

    def _boundary(self, earliest: int, end: int, fallback: int) -> int:
        """The first reading's start from ``earliest`` within the window before ``end``: a
        reading from there replaces every reading after it, so none overlaps."""
        low = max(earliest, end - self._window)
        return min((k for k in self._starts if k >= low), default=fallback)

    def _submit(self, closed: SpeechClosed) -> Transcribe:
        self.spans.append((closed.start / SAMPLE_RATE, closed.end / SAMPLE_RATE))
        start = closed.start
        if not closed.at_pause:
            # Cut mid-speech, maybe mid-word: shown now, read again whole at the pause.
            self._run_start = closed.start if self._run_start is None else self._run_start
        elif self._run_start is not None:
            # The words before a pause decide whether the answer is over: read the run since
            # the last real pause as one stretch (its last judge_window_s at most), not the
            # pieces the length limit cut it into.
            start = self._boundary(self._run_start, closed.end, closed.start)
            self._run_start = None
        elif (
            self._read_from is not None
            and closed.end - closed.start < self.options.short_stretch_s * SAMPLE_RATE
        ):
            start = self._boundary(self._read_from, closed.end, closed.start)
        self._read_from = start
        return Transcribe(self._ticket(start), start, closed.end, closed.start)

    def _reread(self) -> Transcribe:
        """The speech before the pause, read again carefully (no new words are shown)."""
        end = min(self.endpoint.frames * FRAME, self.endpoint.last_speech_end + FRAME)
        start = self._boundary(0, end, self._read_from or 0)
        self._second_look = ticket = self._ticket(start)
        return Transcribe(ticket, start, end, end, careful=True)
