"""A round from the first question to the scorecard: the one code path every frontend uses.

The runner asks each line (spoken, when there is a voice), takes the answer from an
:class:`~voicemock.round.ports.AnswerSource`, stores the turn the moment it is
transcribed, lets the brain decide what comes next and scores the round, reporting
every step as an :data:`~voicemock.round.events.Event`. The session is stored whatever
happens: an error or an interruption marks it incomplete with every completed turn kept.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicemock.audio.files import FileSource
from voicemock.core.bank import Question
from voicemock.core.delivery import Delivery, DeliveryMeter
from voicemock.core.judge import Scorecard
from voicemock.core.models import SAMPLE_RATE, Transcript
from voicemock.core.stored import StoredSession
from voicemock.errors import Interrupted, VoicemockError
from voicemock.round.events import (
    AnswerRevised,
    Emit,
    Event,
    FilesLeftOver,
    NothingHeard,
    NoticeGiven,
    Prompt,
    PromptRepeated,
    RoundScored,
    ScorecardSaved,
    SessionClosed,
    SessionOpened,
    SpeechFailed,
    SpeechStarted,
    TurnSaved,
    ignore,
)
from voicemock.round.ports import AnswerSource, Brain, CapturedAnswer, Transcriber, Voice
from voicemock.round.session import InterviewSession, Phase, Then
from voicemock.round.sources import ReplayAnswers
from voicemock.store import Store, TurnRecord


class RoundControl:
    """What the candidate can do to a running round from another thread (keys in a frontend)."""

    def __init__(self) -> None:
        self.finish = threading.Event()
        """Finish the answer being recorded now."""
        self.skip = threading.Event()
        self.stop = threading.Event()
        self.repeat = threading.Event()
        self.interrupted: BaseException | None = None

    def finish_answer(self) -> None:
        self.finish.set()

    def skip_question(self) -> None:
        """Keep what was said so far, drop the remaining follow-ups, go to the next question."""
        self.skip.set()
        self.finish.set()

    def repeat_question(self) -> None:
        """Drop the answer being recorded (its audio is kept) and ask the line again."""
        self.repeat.set()
        self.finish.set()

    def quit(self) -> None:
        """End the round now and score what was answered."""
        self.stop.set()
        self.finish.set()

    def interrupt(self, error: BaseException) -> None:
        """End the round now without scoring: ``error`` is raised in the round's thread at its
        next step, and the session is marked incomplete (SIGTERM, SIGHUP in the app)."""
        self.interrupted = error
        self.quit()

    def check(self) -> None:
        """Raise the interruption, if there was one (called by the round between steps)."""
        if self.interrupted is not None:
            raise self.interrupted


class StreamedSpeech:
    """Speaks sentences of a streaming follow-up on a thread, as soon as each one is complete."""

    def __init__(self, voice: Voice, emit: Emit) -> None:
        self.voice = voice
        self.emit = emit
        self.first_started: float | None = None
        self.error: VoicemockError | None = None
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="voicemock-speech", daemon=True)
        self._thread.start()

    def put(self, sentence: str) -> None:
        self._queue.put(sentence)

    def _run(self) -> None:
        while (sentence := self._queue.get()) is not None:
            if self.error is not None:
                continue
            self.emit(SpeechStarted(sentence))
            try:
                started = self.voice.say(sentence)
            except VoicemockError as exc:
                self.error = exc
                continue
            if self.first_started is None:
                self.first_started = started

    def finish(self) -> float | None:
        """Wait until everything queued has been spoken; the time the first sentence started."""
        self._queue.put(None)
        self._thread.join()
        return self.first_started


STOPPED = "stopped by the candidate; scoring the answers given"
UNANSWERED = "stopped by the candidate before any answer; nothing to score"


@dataclass
class _Final:
    """A stored turn whose final transcription pass has not been applied yet."""

    turn_id: int
    index: int
    prompt: Prompt
    where: tuple[int, int]
    future: Future[Transcript]
    latency: dict[str, Any]
    speech_spans: list[tuple[float, float]] | None
    delivery_slot: int | None


@dataclass
class _Run:
    """One run of the round: the session and where the loop stands."""

    session_id: str
    session: InterviewSession
    source: AnswerSource
    turns: int = 0
    retries: int = 0
    dropped: int = 0
    unanswered: bool = False
    """Stopped before the first answer: nothing to score."""
    last_turn: tuple[int, dict[str, Any], float] | None = None
    """The previous turn's id, latency and end time, until its next line is audible."""
    deliveries: list[Delivery] = field(default_factory=list)
    finals: list[_Final] = field(default_factory=list)


class RoundRunner:
    """Runs one round: asks, captures answers, stores each turn, scores. Live or replayed."""

    def __init__(
        self,
        store: Store,
        transcriber: Transcriber,
        brain: Brain,
        vocabulary: Sequence[str],
        on_event: Emit = ignore,
        max_follow_ups: int = 2,
        meter: DeliveryMeter | None = None,
        voice: Voice | None = None,
        max_retries: int = 2,
        control: RoundControl | None = None,
        coach: Callable[[StoredSession, Scorecard], Scorecard] | None = None,
    ) -> None:
        self.store = store
        self.control = control or RoundControl()
        self.transcriber = transcriber
        self.brain = brain
        self.vocabulary = tuple(vocabulary)
        self.emit = on_event
        self.max_follow_ups = max_follow_ups
        self.meter = meter
        self.voice = voice
        self.max_retries = max_retries
        self.coach = coach
        """Adds the coaching to a scorecard, from the stored session (see history.coached)."""
        self._expected_words: tuple[int, int] = (0, 0)
        self._streamed: StreamedSpeech | None = None

    def run(
        self,
        round_id: str,
        questions: Sequence[Question],
        answers: AnswerSource | Sequence[FileSource],
        *,
        mode: str = "replay",
        settings: dict[str, Any] | None = None,
        expected_words: tuple[int, int] = (0, 0),
        again_of: str | None = None,
    ) -> str:
        """Run the round; returns the session id. The session is stored whatever happens.

        ``answers`` is an answer source, or the recorded files to replay in order;
        ``again_of`` links a re-answer drill to the attempt it repeats.
        """
        source: AnswerSource = (
            ReplayAnswers(answers, self.transcriber, self.emit)
            if isinstance(answers, Sequence)
            else answers
        )
        self._expected_words = expected_words
        session = InterviewSession(
            round_id,
            questions,
            self.brain,
            self.max_follow_ups,
            before_scoring=lambda: self._settle(run, wait=True),
        )
        session_id = self.store.create_session(
            round_id, self.brain.name, mode, [q.id for q in questions], settings, again_of
        )
        self.emit(SessionOpened(session_id, self.store.data_dir))
        run = _Run(session_id, session, source)
        try:
            self._emit_all(run, session.start())
            while session.phase is Phase.AWAITING_ANSWER and not run.unanswered:
                self._turn(run)
        except BaseException as raised:
            self._close_failed(run, raised)
        finally:
            if self._streamed is not None:  # a follow-up that streamed but was never asked
                self._streamed.finish()
                self._streamed = None
        if run.unanswered:
            self._close(run, "incomplete", UNANSWERED)
            return session_id
        left = source.leftover()
        if left:
            self.emit(FilesLeftOver(left))
        self._close(run, "complete")
        return session_id

    # -- one turn ---------------------------------------------------------------------
    def _turn(self, run: _Run) -> None:
        """Ask the current line, take its answer and do what the answer (and keys) call for."""
        prompt = run.session.current
        assert prompt is not None
        if prompt.kind == "question":
            # While it is said and answered: the brain gets ready, and the voice renders
            # the lines that may follow it (behind the question's own sentences).
            ahead = self.brain.prepare(prompt.question)
            if self.voice is not None:
                upcoming = run.session.upcoming
                self.voice.prefetch([*ahead, *([upcoming.text] if upcoming else [])])
        self._ask(run, prompt)
        self.control.check()
        if self.control.stop.is_set():
            self._stop(run)
            return
        wav_path = self.store.audio_dir(run.session_id) / f"turn-{run.turns + 1:02d}.wav"
        captured = run.source.next_answer(prompt, self._text_prompt(prompt), wav_path)
        self.control.check()
        then = self._then()
        if captured is None:
            self._end_early(
                run, f"no more answer files after {run.turns} answer(s); scoring the answers given"
            )
        elif self.control.repeat.is_set() and then is Then.CONTINUE:
            self._set_aside(run, prompt, wav_path)
        elif not captured.heard:
            self._not_heard(run, prompt, then)
        else:
            run.retries = 0
            run.turns += 1
            events = self._record(run, captured, wav_path, then)
            if then is Then.STAY:
                events += run.session.end_early(STOPPED)
            self._emit_all(run, events)

    def _ask(self, run: _Run, prompt: Prompt) -> None:
        """Say the line; the previous turn learns when its next line became audible."""
        started = self._speak_prompt(prompt)
        if run.last_turn is not None and started is not None:
            turn_id, latency, ended_at = run.last_turn
            latency["next_audio_start_s"] = round(started - ended_at, 4)
            self.store.update_latency(turn_id, latency)
        run.last_turn = None
        self._settle(run, wait=False)  # usually ready by now: it ran while the line was said

    def _text_prompt(self, prompt: Prompt) -> str:
        line = prompt.text if prompt.kind == "question" else f"{prompt.question.text} {prompt.text}"
        return self.transcriber.prompt_for(line, self.vocabulary)

    def _then(self) -> Then:
        """What the keys pressed during the answer ask for next (skip is used up here)."""
        then = (
            Then.STAY
            if self.control.stop.is_set()
            else Then.NEXT
            if self.control.skip.is_set()
            else Then.CONTINUE
        )
        self.control.skip.clear()
        return then

    def _stop(self, run: _Run) -> None:
        """The candidate quit: score what was answered, or nothing at all."""
        if run.turns == 0:
            run.unanswered = True
        else:
            self._end_early(run, STOPPED)

    def _end_early(self, run: _Run, reason: str) -> None:
        self._emit_all(run, run.session.end_early(reason))

    def _set_aside(self, run: _Run, prompt: Prompt, wav_path: Path) -> None:
        """The candidate asked for the line again: drop the answer, keep its audio."""
        self.control.repeat.clear()
        self.emit(PromptRepeated(prompt))
        if wav_path.exists():
            run.dropped += 1
            wav_path.rename(wav_path.with_name(f"{wav_path.stem}-dropped-{run.dropped}.wav"))

    def _not_heard(self, run: _Run, prompt: Prompt, then: Then) -> None:
        """No speech in the answer: skip or stop if asked, else ask again a few times."""
        if then is Then.STAY:
            self._stop(run)
        elif then is Then.NEXT:
            self._emit_all(run, run.session.skip())
        else:
            run.retries += 1
            self.emit(NothingHeard(prompt, run.retries))
            if run.retries > self.max_retries:
                self._end_early(run, "no answer was heard; scoring the answers given")
            else:
                self._say("I didn't catch that.")

    def _record(
        self, run: _Run, captured: CapturedAnswer, wav_path: Path, then: Then
    ) -> list[Event]:
        """Store the turn, show the answer, let the brain decide the next line."""
        self._settle(run, wait=True)  # the previous answer's final pass, before this turn
        prompt = run.session.current
        assert prompt is not None
        transcript = captured.transcript
        delivery = None
        if self.meter is not None:
            measured = self.meter.measure(
                transcript, expected_words=self._expected_words, speech_spans=captured.speech_spans
            )
            run.deliveries.append(measured)
            delivery = measured.to_dict()
        duration = round(captured.audio.size / SAMPLE_RATE, 3)
        latency: dict[str, Any] = dict(captured.latency) | {"audio_s": duration}
        turn_id = self.store.add_turn(
            run.session_id,
            TurnRecord(
                kind=prompt.kind,
                question_id=prompt.question.id,
                concept_id=prompt.concept_id,
                prompt=prompt.text,
                transcript=transcript.text,
                segments=transcript.segments,
                audio_path=str(wav_path),
                source=captured.source,
                duration_s=duration,
                latency=latency,
                delivery=delivery,
            ),
        )
        on_sentence = None
        if self.voice is not None and then is Then.CONTINUE:
            self._streamed = StreamedSpeech(self.voice, self.emit)
            on_sentence = self._streamed.put
        # The answer is shown before the brain decides what comes next (an LLM may take a
        # while, and its follow-up streams in after the answer it responds to).
        self._emit_all(run, run.session.record(transcript))
        if captured.final is not None and run.session.last_answer is not None:
            slot = len(run.deliveries) - 1 if delivery is not None else None
            run.finals.append(
                _Final(
                    turn_id,
                    run.turns,
                    prompt,
                    run.session.last_answer,
                    captured.final,
                    latency,
                    captured.speech_spans,
                    slot,
                )
            )
        events = run.session.advance(then, on_sentence=on_sentence)
        latency["next_line_ready_s"] = round(time.monotonic() - captured.ended_at, 4)
        self.store.update_latency(turn_id, latency)
        self.emit(TurnSaved(run.session_id, run.turns, wav_path, latency, delivery))
        run.last_turn = (turn_id, latency, captured.ended_at)
        return events

    def _settle(self, run: _Run, *, wait: bool) -> None:
        """Put final transcripts in place of streaming ones: in the store (transcript,
        segments, delivery), in the round to be scored, and on screen. ``wait`` blocks until
        every one is ready (before the next turn is stored, and before scoring)."""
        for final in list(run.finals):
            if not wait and not final.future.done():
                continue
            run.finals.remove(final)
            try:
                transcript = final.future.result()
            except Exception as exc:  # an extra pass: its failure must not end the round
                self.emit(NoticeGiven(f"the answer's final transcription failed ({exc}); "
                                      "its live transcript is kept"))  # fmt: skip
                continue
            if transcript.is_empty:
                continue
            delivery = None
            if self.meter is not None and final.delivery_slot is not None:
                measured = self.meter.measure(
                    transcript,
                    expected_words=self._expected_words,
                    speech_spans=final.speech_spans,
                )
                run.deliveries[final.delivery_slot] = measured
                delivery = measured.to_dict()
            self.store.revise_turn(
                final.turn_id, transcript.text, transcript.segments, delivery, final.latency
            )
            run.session.revise(final.where, transcript.text)
            self.emit(
                AnswerRevised(run.session_id, final.index, final.prompt, transcript, delivery)
            )

    # -- speaking ---------------------------------------------------------------------
    def _speak_prompt(self, prompt: Prompt) -> float | None:
        """Say the next line, unless a streaming follow-up already said all of it."""
        streamed, self._streamed = self._streamed, None
        if streamed is not None:
            first = streamed.finish()
            if streamed.error is not None:
                self.emit(SpeechFailed(str(streamed.error)))
                self.voice = None
                return None
            if first is not None and prompt.kind == "follow_up" and prompt.spoken:
                return first
        return self._say(prompt.text)

    def _say(self, text: str) -> float | None:
        if self.voice is None:
            return None
        self.emit(SpeechStarted(text))
        try:
            return self.voice.say(text)
        except VoicemockError as exc:
            self.emit(SpeechFailed(str(exc)))
            self.voice = None  # one notice, then text only for the rest of the round
            return None

    # -- storing ----------------------------------------------------------------------
    def _emit_all(self, run: _Run, events: Sequence[Event]) -> None:
        self._store_usage(run.session_id)
        for event in events:
            self.emit(event)
            if isinstance(event, RoundScored):
                pace = self.meter.config.pace_wpm if self.meter else (0, 0)
                card = self._coached(run, event.scorecard.with_delivery(run.deliveries, pace))
                self.store.save_scorecard(run.session_id, card.to_dict())
                self.emit(ScorecardSaved(run.session_id, card))

    def _coached(self, run: _Run, card: Scorecard) -> Scorecard:
        """The card with its coaching; without it (and a notice) if that fails, never lost."""
        if self.coach is None:
            return card
        try:
            return self.coach(self.store.get_session(run.session_id), card)
        except Exception as exc:
            self.emit(NoticeGiven(f"the scorecard's coaching could not be worked out ({exc})"))
            return card

    def _store_usage(self, session_id: str) -> None:
        self.store.add_llm_calls(session_id, [u.to_dict() for u in self.brain.drain_usage()])

    def _close(self, run: _Run, status: str, error: str | None = None) -> None:
        self.store.finish_session(run.session_id, status, error)
        self.emit(SessionClosed(run.session_id, status, error))

    def _close_failed(self, run: _Run, raised: BaseException) -> None:
        """Mark the session incomplete with the cause, then raise it."""
        # An interruption is the cause of whatever it woke up (a frontend closing under an
        # event, an LLM wait cut short): the session says so, and the interruption is raised.
        exc = self.control.interrupted or raised
        with contextlib.suppress(VoicemockError):  # a full disk must not hide the cause
            self._store_usage(run.session_id)
        message = (
            str(exc)
            if isinstance(exc, VoicemockError)
            else (
                exc.cause
                if isinstance(exc, Interrupted)
                else "interrupted"
                if isinstance(exc, KeyboardInterrupt)
                else f"{type(exc).__name__}: {exc}"
            )
        )
        with contextlib.suppress(VoicemockError):  # else the next start marks it
            self.store.finish_session(run.session_id, "incomplete", message)
        if exc is raised:
            self.emit(SessionClosed(run.session_id, "incomplete", message))
            raise raised
        with contextlib.suppress(Exception):  # the frontend may be gone already
            self.emit(SessionClosed(run.session_id, "incomplete", message))
        raise exc from raised
