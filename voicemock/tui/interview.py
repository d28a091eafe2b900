"""Interview: the question, the conversation as it happens, and the state of every part.

The round runs in a thread worker owned by this screen, through the same
``run_practice`` the command line uses; its events are posted to this screen as
Textual messages (the round never waits for the screen) and routed to one handler
per event type here. Leaving the screen ends the round early and keeps it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Label, LoadingIndicator, Static
from textual.worker import Worker, WorkerState

from voicemock.core.report import delivery_summary
from voicemock.round.events import (
    AnswerRevised,
    AnswerStarted,
    AnswerStateChanged,
    AnswerTranscribed,
    Event,
    FilesLeftOver,
    FollowUpAsked,
    FollowUpStreamed,
    ListeningStarted,
    MicrophoneOpened,
    ModelLoaded,
    ModelLoadStarted,
    NothingHeard,
    NoticeGiven,
    PromptRepeated,
    QuestionAsked,
    RoundEndedEarly,
    RoundScored,
    RoundStarted,
    ScorecardSaved,
    SegmentTranscribed,
    SessionClosed,
    SessionOpened,
    SpeechFailed,
    SpeechStarted,
    TurnSaved,
)
from voicemock.round.runner import RoundControl
from voicemock.tui.navigation import services
from voicemock.tui.widgets import ChatLine, LevelMeter, clock, markup

ANSWER_STATES = {
    "listening": "listening",
    "thinking": "thinking pause…",
    "complete": "answer complete",
    "unsure": "answer complete?",
}
"""How the input part of the status bar names what the interviewer makes of a pause."""

NOT_SHOWN: frozenset[type] = frozenset({RoundStarted, RoundScored, SessionClosed})
"""Events the Interview screen does not render (the scorecard screen follows the round)."""


class _Coalesced:
    """Streamed text waiting for the UI thread; filled by the round's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: list[str] = []

    def add(self, delta: str) -> bool:
        """Queue ``delta``; True when nothing was waiting (so a message must be posted)."""
        with self._lock:
            self._parts.append(delta)
            return len(self._parts) == 1

    def take(self) -> str:
        with self._lock:
            text, self._parts = "".join(self._parts), []
        return text


class RoundUpdate(Message):
    """An event from the round, posted from its worker thread."""

    def __init__(self, event: Event | _Coalesced) -> None:
        super().__init__()
        self.event = event


class ErrorModal(ModalScreen[None]):
    """A failure that ended the round: the cause, the way out, and what was kept."""

    BINDINGS = [Binding("escape,enter", "dismiss", "Close")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="error-box"):
            yield Label(self.title_text, id="error-title", markup=False)
            yield Static(self.message, id="error-message", markup=False)
            yield Button("Close", id="error-close", variant="error")

    def on_button_pressed(self) -> None:
        self.dismiss()


class InterviewScreen(Screen[None]):
    BINDINGS = [
        Binding("space", "finish_answer", "Finish answer"),
        Binding("r", "repeat", "Repeat"),
        Binding("s", "skip", "Skip"),
        Binding("q,escape", "quit_round", "Quit & save"),
    ]

    def __init__(self, plan: Any, *, autostart: bool = True) -> None:
        super().__init__()
        self.plan = plan
        self.autostart = autostart
        self.control = RoundControl()
        self.session_id: str | None = None
        self.answer_started: float | None = None
        self.answer_length: float | None = None
        self._typing: ChatLine | None = None
        self._level: Any = None
        self._answer: ChatLine | None = None
        """The last answer shown: its turn's delivery note goes under it."""
        self._stream = _Coalesced()
        self._scored = False
        """The round was scored (a drill then shows its comparison)."""
        self._handlers = self.routes()
        self._turns: dict[int, tuple[ChatLine, ChatLine | None]] = {}
        """Each saved turn's answer line and delivery note, to revise them."""
        self._states = {
            "model": "waiting",
            "input": "idle",
            "stt": "idle",
            "brain": "offline",
        }

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="card"):
            yield Static("Getting ready…", id="asked")
            yield Static("", id="speaking")
        yield VerticalScroll(id="chat")
        yield Static("", id="partial", markup=False)
        with Horizontal(id="status-bar"):
            yield LevelMeter(id="level")
            yield Static("00:00", id="timer")
            yield Static("", id="states")
        yield LoadingIndicator(id="loading")
        yield Footer()

    def on_mount(self) -> None:
        settings = services(self).settings
        self._states["brain"] = settings.brain
        mode = "microphone" if self.plan.mic else f"{len(self.plan.replay)} answer file(s)"
        self.sub_title = f"{self.plan.round_id} · {mode}"
        self.query_one("#level", LevelMeter).display = self.plan.mic
        self._render_states()
        self.set_interval(0.2, self._tick)
        if self.autostart:
            self.run_worker(
                self._run_round,
                thread=True,
                exclusive=True,
                group="round",
                name="round",
                exit_on_error=False,
            )

    # -- the worker -------------------------------------------------------------------
    def _run_round(self) -> str:
        from voicemock.app.wiring import load_transcriber, run_practice

        app: Any = self.app
        if app.transcriber is None:
            app.transcriber = load_transcriber(app.settings, self._post)
        else:
            self._post(ModelLoaded(app.transcriber.label, 0.0))
        try:
            return run_practice(
                self.plan,
                app.settings,
                self._post,
                control=self.control,
                transcriber=app.transcriber,
            )
        except KeyboardInterrupt as exc:  # SIGTERM or SIGHUP: the session is marked already
            from voicemock.errors import VoicemockError

            raise VoicemockError(f"the round was interrupted ({exc})") from None

    def _post(self, event: Event) -> None:
        """Called on the worker thread: queue the event for the UI thread (never waits).

        Streamed follow-up text is coalesced: however fast the tokens come, at most one
        message with the text so far is waiting in the queue.
        """
        if self.control.interrupted is not None:  # the app is closing under the round
            return
        if isinstance(event, FollowUpStreamed):
            if self._stream.add(event.delta):
                self.post_message(RoundUpdate(self._stream))
            return
        self.post_message(RoundUpdate(event))

    def on_round_update(self, message: RoundUpdate) -> None:
        event = message.event
        self.show(FollowUpStreamed(event.take()) if isinstance(event, _Coalesced) else event)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "round":
            return
        if event.state is WorkerState.SUCCESS:
            session_id = str(event.worker.result)
            again_of = self.plan.again_of if self._scored else None
            services(self).round_finished(session_id, again_of)
        elif event.state is WorkerState.ERROR:
            self.query_one("#loading").display = False
            error = event.worker.error
            from voicemock.errors import VoicemockError

            cause = (
                str(error)
                if isinstance(error, VoicemockError)
                else (f"{type(error).__name__}: {error}")
            )
            kept = (
                f"\n\nEvery completed turn is saved in session {self.session_id} "
                "(marked incomplete): open it from Review."
                if self.session_id
                else "\n\nNothing was recorded."
            )
            self._set("input", "stopped")
            self._chat("notice", f"The round stopped: {cause}")
            self.app.push_screen(ErrorModal("The round stopped", cause + kept))

    # -- keys -------------------------------------------------------------------------
    def action_finish_answer(self) -> None:
        if self.plan.mic:
            self.control.finish_answer()
        else:
            self.notify("Replayed answers end with their file.", timeout=3)

    def action_repeat(self) -> None:
        prompt = self.query_one("#asked", Static)
        prompt.add_class("flash")
        self.set_timer(0.6, lambda: prompt.remove_class("flash"))
        if self.plan.mic:
            self.control.repeat_question()
            self.notify("The question again, then answer from the start.", timeout=3)

    def action_skip(self) -> None:
        self.control.skip_question()
        self.notify("Skipping to the next question…", timeout=3)

    def action_quit_round(self) -> None:
        worker = next((w for w in self.workers if w.name == "round" and w.is_running), None)
        if worker is None:
            self.app.pop_screen()
            return
        self.control.quit()
        self.notify("Ending the round: the answers given so far are saved and scored.")

    def on_unmount(self) -> None:
        self.control.quit()  # leaving the screen ends the round; what was said is kept

    # -- rendering events -------------------------------------------------------------
    def _chat(self, who: str, text: str, *, after: ChatLine | None = None) -> ChatLine:
        line = ChatLine(who, text)
        chat = self.query_one("#chat", VerticalScroll)
        if after is not None and after.parent is chat:
            chat.mount(line, after=after)
        else:
            chat.mount(line)
        chat.scroll_end(animate=False)
        return line

    def _drop_typing(self) -> None:
        """A streamed follow-up that was never asked (the rubric saw no gap left)."""
        if self._typing is not None:
            self._typing.remove()
            self._typing = None

    def _set(self, part: str, state: str) -> None:
        self._states[part] = state
        self._render_states()

    def _render_states(self) -> None:
        parts = [markup("$k [b]$v[/b]", k=k, v=v) for k, v in self._states.items()]
        self.query_one("#states", Static).update(Content(" · ").join(parts))

    def _tick(self) -> None:
        if self._level is not None:
            self.query_one("#level", LevelMeter).level = float(self._level())
        if self.answer_started is not None:
            elapsed = time.monotonic() - self.answer_started
            if self.answer_length is not None:
                elapsed = min(elapsed, self.answer_length)
            self.query_one("#timer", Static).update(clock(elapsed))

    # -- the round's events, routed --------------------------------------------------
    def show(self, event: Event) -> None:
        """Render one event from the round (each type has its handler, or is not shown)."""
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def routes(self) -> dict[type, Callable[[Any], object]]:
        """Which handler renders which event; :data:`NOT_SHOWN` lists the rest."""
        return {
            ModelLoadStarted: self._model_loading,
            ModelLoaded: self._model_loaded,
            SessionOpened: self._session_opened,
            MicrophoneOpened: self._microphone_opened,
            QuestionAsked: self._question_asked,
            FollowUpStreamed: self._follow_up_streamed,
            FollowUpAsked: self._follow_up_asked,
            SpeechStarted: self._speech_started,
            ListeningStarted: self._listening,
            SegmentTranscribed: self._segment_transcribed,
            AnswerStarted: self._answer_started,
            AnswerTranscribed: self._answer_transcribed,
            TurnSaved: self._turn_saved,
            AnswerStateChanged: lambda e: self._set("input", ANSWER_STATES.get(e.state, e.state)),
            AnswerRevised: self._answer_revised,
            NothingHeard: lambda e: self._chat("notice", "Nothing was heard; the question again."),
            PromptRepeated: self._prompt_repeated,
            NoticeGiven: self._notice,
            SpeechFailed: lambda e: self.notify(
                f"{e.reason}; questions are shown as text.", severity="warning"
            ),
            RoundEndedEarly: lambda e: self._chat("notice", e.reason),
            FilesLeftOver: lambda e: self._chat(
                "notice", f"Unused answer files: {', '.join(e.names)}"
            ),
            ScorecardSaved: self._scorecard_saved,
        }

    def _model_loading(self, event: ModelLoadStarted) -> None:
        self._set("model", "loading")
        self.notify(f"Loading speech model {event.label}…", timeout=4)

    def _model_loaded(self, event: ModelLoaded) -> None:
        self._set("model", "ready")
        self.query_one("#loading").display = False

    def _session_opened(self, event: SessionOpened) -> None:
        self.session_id = event.session_id
        self.sub_title = f"{self.plan.round_id} · session {event.session_id}"

    def _microphone_opened(self, event: MicrophoneOpened) -> None:
        self._level = event.level
        self.notify(f"Listening on {event.name}", title="Microphone", timeout=4)

    def _question_asked(self, event: QuestionAsked) -> None:
        self._drop_typing()
        q = event.prompt.question
        self.query_one("#asked", Static).update(
            markup(
                "[b]Question $n/$total[/b]  [dim]$id[/dim]\n$text",
                n=event.number,
                total=event.total,
                id=q.id,
                text=q.text,
            )
        )
        self._chat("interviewer", q.text)

    def _follow_up_streamed(self, event: FollowUpStreamed) -> None:
        self._set("brain", "writing")
        if self._typing is None:
            self._typing = self._chat("interviewer", "")
            self._typing.add_class("typing")
        self._typing.append(event.delta)

    def _follow_up_asked(self, event: FollowUpAsked) -> None:
        self.query_one("#asked", Static).update(
            markup("[b]Follow-up $n[/b]\n$text", n=event.number, text=event.prompt.text)
        )
        if self._typing is not None:
            self._typing.set_body(event.prompt.text)
            self._typing.remove_class("typing")
            self._typing = None
        else:
            self._chat("interviewer", event.prompt.text)
        self._set("brain", services(self).settings.brain)

    def _speech_started(self, event: SpeechStarted) -> None:
        self.query_one("#speaking", Static).update("🔊 speaking")
        self._set("input", "muted")

    def _listening(self, event: ListeningStarted) -> None:
        self.query_one("#speaking", Static).update("")
        self._set("input", "listening")
        self.query_one("#partial", Static).update("")
        self.answer_started, self.answer_length = time.monotonic(), None

    def _segment_transcribed(self, event: SegmentTranscribed) -> None:
        partial = self.query_one("#partial", Static)
        partial.update(f"{partial.content} {event.text}".strip())

    def _answer_started(self, event: AnswerStarted) -> None:
        self.query_one("#speaking", Static).update("")
        self._set("input", "file")
        self._set("stt", "working")
        self.answer_started, self.answer_length = time.monotonic(), event.duration

    def _answer_transcribed(self, event: AnswerTranscribed) -> None:
        self._typing = None
        self.query_one("#partial", Static).update("")
        self._answer = self._chat("candidate", event.transcript.text)
        self._set("input", "idle")
        self._set("stt", "idle")

    def _turn_saved(self, event: TurnSaved) -> None:
        """The turn is stored: its delivery note goes right under its own answer (a
        streamed follow-up may already be showing below it)."""
        self.answer_started = None
        if self._answer is not None:
            self._turns[event.index] = (self._answer, None)
        if event.delivery:
            note = f"turn {event.index} saved · {delivery_summary(event.delivery)}"
            line = self._chat("notice", note, after=self._answer)
            if self._answer is not None:
                self._turns[event.index] = (self._answer, line)

    def _answer_revised(self, event: AnswerRevised) -> None:
        """The final transcription pass of a spoken answer replaces what was shown."""
        # The last answer of a round is revised before its turn is reported saved.
        answer, note = self._turns.get(event.index, (self._answer, None))
        if answer is not None:
            answer.set_body(event.transcript.text)
        if note is not None and event.delivery:
            note.set_body(f"turn {event.index} saved · {delivery_summary(event.delivery)}")

    def _prompt_repeated(self, event: PromptRepeated) -> None:
        self.query_one("#partial", Static).update("")
        self._chat("notice", "Asked again; the answer so far is set aside (its audio is kept).")

    def _notice(self, event: NoticeGiven) -> None:
        if event.fell_back:
            self._set("brain", "offline (fallback)")
        self.notify(event.message, title="Interviewer", severity="warning", timeout=8)
        self._chat("notice", event.message)

    def _scorecard_saved(self, event: ScorecardSaved) -> None:
        self._scored = True
        self._drop_typing()
        self._set("brain", "scored")
