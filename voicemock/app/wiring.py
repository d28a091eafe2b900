"""Everything a practice round needs, wired together once for every frontend.

The command line and the full-screen app both plan a round with :func:`plan_round`
(the questions, and the live-answer settings from :class:`~voicemock.config.Settings`)
and call :func:`run_practice`; it checks the inputs before
anything is stored, loads the speech model, opens the microphone and the voice,
builds the interviewer brain and runs the round, reporting progress as events.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicemock.config import Settings
from voicemock.core.bank import Question
from voicemock.core.stored import StoredSession
from voicemock.round.events import (
    Emit,
    MicrophoneOpened,
    ModelLoaded,
    ModelLoadStarted,
    NoticeGiven,
)
from voicemock.round.ports import Brain, Transcriber
from voicemock.round.runner import RoundControl, RoundRunner
from voicemock.round.turntaking import CaptureOptions
from voicemock.store import Store

if TYPE_CHECKING:
    from voicemock.audio.turn import TurnModel
    from voicemock.core.judge import Scorecard


@dataclass(frozen=True)
class PracticePlan:
    """One round as the candidate chose it."""

    round_id: str
    questions: Sequence[Question]
    replay: Sequence[Path] = ()
    mic: bool = False
    input_device: str | None = None
    output_device: str | None = None
    end_silence: float = CaptureOptions.end_silence_s
    """With the microphone: the silence that ends an answer whatever it sounds like."""
    turn_detection: bool = True
    """Judge each pause (turn model + live transcript): a finished answer ends at once."""
    max_answer: float = CaptureOptions.max_answer_s
    voice: str = "piper"
    """The interviewer's voice: "piper", "system" or "none"."""
    tts_voice: str | None = None
    """The system voice's id (pyttsx3), when it speaks."""
    tts_rate: int | None = None
    no_speech: bool = False
    speak_replay: bool = False
    """Replaying answer files: say each line aloud before its answer is read (with the
    microphone the lines are always spoken, unless ``no_speech``)."""
    question_text: str | None = None
    again_of: str | None = None
    """A re-answer drill: the session whose questions are asked again."""

    @property
    def mode(self) -> str:
        return "live" if self.mic else "replay"

    @property
    def spoken(self) -> bool:
        """Whether the interviewer's lines are said aloud in this round."""
        return (self.mic or self.speak_replay) and not self.no_speech and self.voice != "none"


class PlanError(ValueError):
    """A round that cannot be planned as asked; the message says what to fix."""


def pick_questions(
    round_id: str,
    *,
    question_id: str | None = None,
    question_text: str | None = None,
    count: int = 1,
    seed: int | None = None,
) -> list[Question]:
    """The round's questions: the one named, your own (read by meaning into the bank's
    shape), or ``count`` drawn from the bank (repeatably with ``seed``)."""
    import random

    from voicemock.app import resources
    from voicemock.core.judge import infer_question

    bank = resources.bank()
    if question_text:
        meaning = resources.scorer().meaning
        return [infer_question(question_text, round_id, bank.questions, meaning=meaning)]
    if question_id:
        try:
            question = bank.get(question_id)
        except KeyError:
            raise PlanError(
                f"unknown question '{question_id}'; list them with: voicemock questions "
                f"--round {round_id}"
            ) from None
        if question.round != round_id:
            raise PlanError(
                f"question '{question_id}' belongs to round '{question.round}', not '{round_id}'"
            )
        return [question]
    pool = list(bank.for_round(round_id))
    if not pool:
        raise PlanError(
            f"the bank has no questions for round '{round_id}' yet; "
            "bring your own with --question-text"
        )
    return random.Random(seed).sample(pool, min(max(count, 1), len(pool)))


def plan_round(
    settings: Settings,
    round_id: str | None = None,
    *,
    again: StoredSession | None = None,
    question_id: str | None = None,
    question_text: str | None = None,
    seed: int | None = None,
    replay: Sequence[Path] = (),
    mic: bool = False,
    input_device: str | None = None,
    output_device: str | None = None,
    tts_voice: str | None = None,
    tts_rate: int | None = None,
    no_speech: bool = False,
) -> PracticePlan:
    """A round as the candidate asked for it, for the command line and the app alike.

    With ``again`` (a stored session), its questions are asked again as a re-answer drill;
    otherwise the questions are picked from the bank (see :func:`pick_questions`). The
    live-answer settings come from ``settings``."""
    if again is not None:
        from voicemock.app.history import drill_questions

        if round_id and round_id != again.round:
            raise PlanError(f"session {again.id} is a {again.round} round, not {round_id}")
        round_id = again.round
        questions = drill_questions(again)
        question_text = again.question_text
    elif round_id is None:
        raise PlanError("give a round, or a session to drill again")
    else:
        questions = pick_questions(
            round_id,
            question_id=question_id,
            question_text=question_text,
            count=settings.questions,
            seed=seed,
        )
    return PracticePlan(
        round_id,
        questions,
        replay=tuple(replay),
        mic=mic,
        input_device=input_device,
        output_device=output_device,
        end_silence=settings.end_silence,
        turn_detection=settings.turn_detection,
        max_answer=settings.max_answer,
        voice="none" if no_speech else settings.voice,
        tts_voice=tts_voice,
        tts_rate=tts_rate or settings.speech_rate,
        no_speech=no_speech or settings.voice == "none",
        speak_replay=settings.speak_replay,
        question_text=question_text,
        again_of=again.id if again is not None else None,
    )


def make_brain(settings: Settings, emit: Emit) -> tuple[Brain, dict[str, Any]]:
    """The interviewer brain the settings ask for, and what to store about it (never the key).

    An LLM endpoint that cannot even list its models at the start is a notice, not an
    error: the round runs with the offline brain.
    """
    from voicemock.app import resources
    from voicemock.core.brain import OfflineBrain

    scorer = resources.scorer()
    if settings.brain != "llm":
        return OfflineBrain(scorer), {}
    from voicemock.llm import ChatClient, LLMError, resolve_llm_config
    from voicemock.llm.brain import LLMBrain
    from voicemock.llm.client import is_local

    config = resolve_llm_config(
        settings.llm_model,
        settings.llm_base_url,
        settings.llm_timeout,
        settings.llm_retries,
        first_words_s=settings.llm_first_words,
    )
    client = ChatClient(config, on_retry=lambda m: emit(NoticeGiven(f"LLM: {m}")))
    try:
        client.choose_model()
    except LLMError as exc:
        emit(
            NoticeGiven(
                f"LLM unavailable ({exc}); the offline interviewer runs this round", fell_back=True
            )
        )
        return OfflineBrain(scorer), {"llm_endpoint": config.endpoint, "llm_error": str(exc)}
    warm_up = settings.llm_warm_up == "always" or (
        settings.llm_warm_up == "local" and is_local(config.base_url)
    )
    brain = LLMBrain(client, resources.persona(), scorer, on_event=emit, warm_up=warm_up)
    return brain, client.config.public()


_LOADED: dict[tuple[str | None, int], Transcriber] = {}
_LOADING = threading.Lock()


def load_transcriber(settings: Settings, emit: Emit) -> Transcriber:
    """The speech model the settings ask for, loaded once per process and then reused (an
    app's next round, a second command run in the same process)."""
    from voicemock.stt import WhisperTranscriber

    key = (settings.model or None, settings.cpu_threads or 0)
    with _LOADING:
        loaded = _LOADED.get(key)
        if loaded is not None:
            emit(ModelLoaded(loaded.label, 0.0))
            return loaded
        transcriber = WhisperTranscriber(
            settings.model,
            threads=settings.cpu_threads or None,
            on_notice=lambda m: emit(NoticeGiven(m)),
        )
        emit(ModelLoadStarted(transcriber.label))
        started = time.perf_counter()
        transcriber.load()
        emit(ModelLoaded(transcriber.label, time.perf_counter() - started))
        _LOADED[key] = transcriber
        return transcriber


def load_turn_model(emit: Emit) -> TurnModel | None:
    """The end-of-turn model, or None (with a notice) if it cannot be loaded: answers then
    end on Enter or at the silence ceiling."""
    from voicemock.audio.turn import TurnModel
    from voicemock.errors import ModelError

    try:
        return TurnModel()
    except ModelError as exc:
        emit(NoticeGiven(f"{exc}; answers end on Enter or after the silence ceiling"))
        return None


ECHO_GUARD_S = 0.03
"""After the line's last sample, this much more of the microphone is dropped (one block)."""


SENTENCE_PAUSE_S = 0.3
"""The pause between two sentences of a line, as a person takes a breath."""


class InterviewerVoice:
    """Says a line: renders it (cached), plays it, and drops what the microphone heard of it."""

    def __init__(self, speaker: Any, mic: Any = None, output_device: int | None = None) -> None:
        self.speaker = speaker
        self.mic = mic
        self.output_device = output_device
        self.line_started = threading.Event()
        """Set when a line's first sample plays."""
        self._ahead: list[str] = []

    def prefetch(self, lines: Sequence[str]) -> None:
        """Render the first sentence of each line ahead: handed to the voice as the next
        line is said (behind its own sentences), so the renders run while it plays, not
        while the candidate answers."""
        self._ahead = list(lines)

    def say(self, text: str) -> float:
        """Speak ``text`` sentence by sentence (the first plays while the rest render), with
        a short pause between sentences; returns when its first sample played."""
        from voicemock.audio.playback import play_line

        parts = self.speaker.render_sentences(text)
        if self._ahead:
            self.speaker.prefetch(self._ahead)
            self._ahead = []
        started: float | None = None
        last_sample = time.monotonic()
        try:
            for i, part in enumerate(parts):
                path = part.result()
                if i:
                    time.sleep(max(0.0, last_sample + SENTENCE_PAUSE_S - time.monotonic()))
                else:
                    self.line_started.set()  # about to play: background work may go on
                first, last_sample = play_line(path, self.output_device)
                started = first if started is None else started
        except BaseException:
            for part in parts:
                part.cancel()
            if self.mic is not None:
                self.mic.drain()
            raise
        assert started is not None
        if self.mic is not None:
            # Half duplex: what the microphone heard while the line played is dropped, up to
            # its last sample; an answer that starts the moment it ends is kept.
            self.mic.drain(before=last_sample + ECHO_GUARD_S)
        return started


def _coached(session: StoredSession, card: Scorecard) -> Scorecard:
    from voicemock.app.history import coached

    return coached(session, card)


def run_practice(
    plan: PracticePlan,
    settings: Settings,
    emit: Emit,
    *,
    control: RoundControl | None = None,
    transcriber: Transcriber | None = None,
) -> str:
    """Run the round and return its session id; the session is stored whatever happens.

    Every input is checked before anything is stored: a bad file or a missing
    microphone fails the call, not the round.
    """
    from voicemock.app import resources
    from voicemock.audio.files import FileSource

    control = control or RoundControl()
    sources = [FileSource(path, max_seconds=settings.max_file_answer) for path in plan.replay]
    with contextlib.ExitStack() as stack:
        microphone = None
        if plan.mic:
            from voicemock.audio.devices import resolve_device
            from voicemock.audio.mic import MicSource

            microphone = MicSource(resolve_device(plan.input_device, "input"))
            microphone.start()
            stack.callback(microphone.close)
        brain, brain_settings = make_brain(settings, emit)
        if transcriber is None:
            transcriber = load_transcriber(settings, emit)
        store = stack.enter_context(Store(settings.resolved_data_dir))
        voice = None
        if plan.spoken:
            from voicemock.audio.devices import resolve_device
            from voicemock.tts import Speaker

            output = resolve_device(plan.output_device, "output")
            speaker = Speaker(
                settings.resolved_data_dir / "tts-cache",
                voice=plan.voice,
                system_voice=plan.tts_voice,
                rate=plan.tts_rate,
                pronounce=resources.pronunciations(),
                on_notice=lambda message: emit(NoticeGiven(message)),
            )
            stack.callback(speaker.close)
            speaker.load()  # while the rest is set up
            voice = InterviewerVoice(speaker, microphone, output)
        answers: Any = sources
        if microphone is not None:
            from voicemock.round.sources import LiveAnswers
            from voicemock.round.turntaking import CaptureOptions

            emit(MicrophoneOpened(microphone.device_name, lambda: microphone.level))
            answers = LiveAnswers(
                microphone,
                transcriber,
                options=CaptureOptions(
                    end_silence_s=plan.end_silence, max_answer_s=plan.max_answer
                ),
                finish=control.finish,
                emit=emit,
                turn_model=load_turn_model(emit) if plan.turn_detection else None,
                drain_at_start=voice is None,
                line_started=voice.line_started if voice is not None else None,
            )
            stack.callback(answers.close)
        runner = RoundRunner(
            store,
            transcriber,
            brain,
            resources.vocabulary(),
            on_event=emit,
            max_follow_ups=settings.max_follow_ups,
            meter=resources.delivery_meter(settings.pause_threshold),
            voice=voice,
            control=control,
            coach=_coached,
        )
        run_settings: dict[str, Any] = {
            "model": transcriber.label,
            "max_follow_ups": settings.max_follow_ups,
        } | brain_settings
        if plan.mic:
            run_settings |= {
                "end_silence_s": plan.end_silence,
                "max_answer_s": plan.max_answer,
                "turn_detection": plan.turn_detection,
            }
        if plan.question_text:
            run_settings["question_text"] = plan.question_text
        return runner.run(
            plan.round_id,
            plan.questions,
            answers,
            mode=plan.mode,
            settings=run_settings,
            expected_words=resources.rubric().round(plan.round_id).answer_words,
            again_of=plan.again_of,
        )
