"""Turn-taking as a state machine: scripted frames, readings and turn-model probabilities.

The machine's clock is the audio (32 ms frames), so these run in milliseconds and say
exactly when an answer ends. A :class:`Script` plays the capture's part: it carries out
``Transcribe`` with scripted text (at once, or held back like a busy worker) and ``Hear``
with scripted probabilities, and records every action.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from voicemock.audio.vad import FRAME_S
from voicemock.round.turntaking import (
    Action,
    CaptureOptions,
    End,
    EndOfTurn,
    Hear,
    Pause,
    StateChanged,
    Transcribe,
    TurnTaker,
)

SPEECH, QUIET = 0.9, 0.05


class Script:
    """Feeds a TurnTaker and answers its requests the way a capture would."""

    def __init__(
        self,
        *,
        text: Callable[[Transcribe], str],
        probability: Callable[[int], float] = lambda _: 0.9,
        options: CaptureOptions | None = None,
        turn_model: bool = True,
        hold_readings: bool = False,
    ) -> None:
        self.taker = TurnTaker(options or CaptureOptions(), turn_model=turn_model)
        self.text = text
        self.probability = probability
        self.hold = hold_readings
        self.held: list[Transcribe] = []
        self.actions: list[Action] = []
        self.hears = 0
        self.frames = 0

    def run(self, actions: list[Action]) -> None:
        for action in actions:
            self.actions.append(action)
            if isinstance(action, Transcribe):
                if self.hold:
                    self.held.append(action)
                else:
                    self.run(self.taker.transcribed(action.ticket, self.text(action)))
            elif isinstance(action, Hear):
                self.hears += 1
                self.run(self.taker.heard(self.probability(self.hears)))

    def release(self) -> None:
        """The worker catches up: every held reading arrives, in order."""
        held, self.held = self.held, []
        for action in held:
            self.run(self.taker.transcribed(action.ticket, self.text(action)))

    def speak(self, seconds: float) -> None:
        self._frames(seconds, SPEECH)

    def pause(self, seconds: float) -> None:
        self._frames(seconds, QUIET)

    def _frames(self, seconds: float, probability: float) -> None:
        for _ in range(round(seconds / FRAME_S)):
            if self.taker.ended is not None:
                return
            self.frames += 1
            self.run(self.taker.frame(probability))

    @property
    def ended(self) -> EndOfTurn | None:
        return self.taker.ended

    @property
    def states(self) -> list[Pause]:
        return [a.state for a in self.actions if isinstance(a, StateChanged)]

    def of(self, kind: type) -> list:
        return [a for a in self.actions if isinstance(a, kind)]

    @property
    def ended_after(self) -> float:
        """Seconds of silence when the answer ended."""
        return self.taker.silence


def finished(_: Transcribe) -> str:
    return "So I would accept that cost."


def dangling(_: Transcribe) -> str:
    return "and the second thing I would do is"


def test_a_finished_answer_ends_after_a_short_pause():
    s = Script(text=finished)
    s.speak(2.0)
    s.pause(3.0)
    assert s.ended is EndOfTurn.COMPLETE
    assert s.states == [Pause.COMPLETE]
    # Judged as soon as the closing stretch was read; ended at the complete silence.
    assert s.ended_after == pytest.approx(CaptureOptions().complete_silence_s, abs=FRAME_S)
    assert s.of(End) == [End(EndOfTurn.COMPLETE)]


def test_a_thinking_pause_keeps_the_microphone_open_and_speech_resumes():
    s = Script(text=dangling, probability=lambda _: 0.99)
    s.speak(2.0)
    s.pause(2.0)  # shorter than the careful re-read: thinking holds
    assert s.ended is None
    assert s.states == [Pause.THINKING]
    s.speak(1.5)  # the candidate goes on: the judgement no longer holds
    assert s.states == [Pause.THINKING, Pause.LISTENING]
    assert s.ended is None


def test_a_thinking_pause_is_read_again_carefully_once_then_trusted():
    texts = iter(["and the second thing is", "and the second thing is the cost."])

    def text(action: Transcribe) -> str:
        return next(texts)

    s = Script(text=text)
    s.speak(2.0)
    s.pause(1.0)
    assert s.states == [Pause.THINKING]
    s.pause(CaptureOptions().thinking_recheck_s)
    careful = [a for a in s.of(Transcribe) if a.careful]
    assert len(careful) == 1
    # The re-read covers the speech before the pause and shows no new words.
    assert careful[0].start == 0 and careful[0].shown_from == careful[0].end
    assert s.ended is EndOfTurn.COMPLETE  # the careful reading finished the clause


def test_an_unfinished_clause_waits_for_the_ceiling():
    options = CaptureOptions(end_silence_s=6.0)
    s = Script(text=dangling, probability=lambda _: 0.99, options=options)
    s.speak(2.0)
    s.pause(5.5)
    assert s.ended is None
    assert len([a for a in s.of(Transcribe) if a.careful]) == 1  # once per pause
    s.pause(1.0)
    assert s.ended is EndOfTurn.SILENCE
    assert s.ended_after == pytest.approx(6.0, abs=FRAME_S)


def test_an_unsure_pause_is_heard_again_until_the_longer_silence():
    s = Script(text=finished, probability=lambda _: 0.2)
    s.speak(2.0)
    s.pause(4.0)
    assert s.ended is EndOfTurn.UNSURE
    assert s.ended_after == pytest.approx(CaptureOptions().unsure_silence_s, abs=FRAME_S)
    # The growing pause was heard again about every recheck interval.
    assert s.hears >= int(1.5 / CaptureOptions().recheck_s)


def test_an_unsure_pause_that_comes_to_sound_finished_ends_early():
    s = Script(text=finished, probability=lambda n: 0.2 if n < 3 else 0.8)
    s.speak(2.0)
    s.pause(4.0)
    assert s.ended is EndOfTurn.COMPLETE
    assert s.states == [Pause.UNSURE, Pause.COMPLETE]
    assert s.ended_after < CaptureOptions().unsure_silence_s


def test_a_pause_is_judged_only_when_its_words_are_read():
    s = Script(text=finished, hold_readings=True)
    s.speak(2.0)
    s.pause(1.5)
    assert s.ended is None and s.states == []  # the worker is busy: no verdict yet
    s.release()
    assert s.ended is EndOfTurn.COMPLETE  # the silence needed had passed: ends at once


def test_speech_resuming_before_the_reading_arrives_cancels_the_judgement():
    s = Script(text=finished, hold_readings=True)
    s.speak(2.0)
    s.pause(0.4)
    s.speak(1.0)
    s.release()
    assert s.ended is None and s.states == []


def test_a_run_cut_at_the_length_limit_is_read_again_whole_at_the_pause():
    s = Script(text=finished)
    s.speak(7.5)  # cut into pieces of at most max_segment_s mid-speech
    s.pause(0.4)
    readings = s.of(Transcribe)
    assert len(readings) >= 2
    pieces, at_pause = readings[:-1], readings[-1]
    # The reading at the pause starts where the run's window begins, replacing the pieces.
    window_start = at_pause.end - CaptureOptions().judge_window_s / FRAME_S * 512
    assert at_pause.start == min(p.start for p in pieces if p.start >= window_start)
    assert at_pause.start < at_pause.shown_from  # only its new words are shown
    assert s.taker.said() == "So I would accept that cost."  # earlier readings replaced

    longer = Script(text=finished)
    longer.speak(10.0)  # longer than the window: the first piece stays, the rest is re-read
    longer.pause(0.4)
    assert longer.taker.said().count("cost") == 2


def test_without_a_turn_model_only_the_ceiling_or_the_key_ends_an_answer():
    s = Script(text=finished, turn_model=False, options=CaptureOptions(end_silence_s=4.0))
    s.speak(2.0)
    s.pause(3.0)
    assert s.ended is None and s.hears == 0
    s.pause(1.5)
    assert s.ended is EndOfTurn.SILENCE

    k = Script(text=finished)
    k.speak(1.0)
    k.run(k.taker.key())
    assert k.ended is EndOfTurn.KEY
    assert k.taker.frame(SPEECH) == [] and k.taker.key() == []  # ended stays ended


def test_the_time_limit_ends_a_long_answer():
    s = Script(text=finished, options=CaptureOptions(max_answer_s=3.0))
    s.speak(5.0)
    assert s.ended is EndOfTurn.MAX


def test_the_tail_is_read_after_the_end():
    s = Script(text=finished)
    s.speak(1.0)
    s.run(s.taker.key())
    tail = s.taker.flush()
    assert tail is not None and tail.start == 0 and tail.end >= 1.0 / FRAME_S * 512 * 0.9
    assert s.taker.spans and s.taker.spans[-1][1] == tail.end / 16000


@pytest.mark.parametrize(
    "bad",
    [{"end_silence_s": 0}, {"threshold": 1.5}, {"max_segment_s": -1.0}],
)
def test_capture_options_refuse_nonsense(bad):
    with pytest.raises(ValueError, match="must be"):
        CaptureOptions(**bad)
