"""Home: choose a round, a question, the mode and the brain; see recent sessions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    Static,
)
from textual.widgets.option_list import Option

from voicemock.app import resources
from voicemock.config import Settings
from voicemock.tui.navigation import services
from voicemock.tui.widgets import answer_files, fill_sessions

if TYPE_CHECKING:
    from voicemock.app.wiring import PracticePlan

SURPRISE = "__surprise__"


def endpoint_label(settings: Settings) -> str:
    """Where the LLM brain would go, without secrets; or why it cannot."""
    from voicemock.errors import VoicemockError
    from voicemock.llm import resolve_llm_config

    try:
        config = resolve_llm_config(settings.llm_model, settings.llm_base_url)
    except VoicemockError:
        return "not configured: set OPENAI_API_KEY or OPENAI_BASE_URL"
    return f"{config.model or 'its first listed model'} at {config.endpoint}"


def _input_label(device: Any) -> str:
    default = device.is_default_input and device.name.lower() != "default"
    return f"{device.name} (the default)" if default else device.name


class HomeScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+s", "start", "Start round", priority=True),
        Binding("ctrl+r", "app.review", "Review"),
        Binding("ctrl+g", "app.progress", "Progress"),
        Binding("ctrl+t", "app.toggle_theme", "Theme"),
        Binding("ctrl+q", "app.quit", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        rubric = resources.rubric()
        settings = services(self).settings
        yield Header()
        with Horizontal(id="home-top"):
            with Vertical(id="rounds-pane"):
                yield Label("Round", classes="section")
                yield OptionList(
                    *[Option(spec.title, id=spec.id) for spec in rubric.rounds], id="rounds"
                )
            with Vertical(id="setup-pane"):
                yield Static("", id="round-tests", markup=False)
                yield Select[str](
                    [("Surprise me", SURPRISE)],
                    prompt="Question",
                    allow_blank=False,
                    compact=True,
                    id="question",
                )
                with Horizontal(classes="choice"):
                    yield Label("Answer", classes="choice-label")
                    with RadioSet(id="mode", compact=True):
                        yield RadioButton("Microphone", id="mode-mic")
                        yield RadioButton("Audio files", id="mode-files", value=True)
                yield Input(
                    placeholder="answer files, in order: a1.m4a a2.wav …",
                    id="replay-files",
                    compact=True,
                )
                yield Select[str](
                    [], prompt="System default microphone", compact=True, id="input-device"
                )
                with Horizontal(classes="choice"):
                    yield Label("Brain", classes="choice-label")
                    with RadioSet(id="brain", compact=True):
                        yield RadioButton(
                            "Offline", id="brain-offline", value=settings.brain != "llm"
                        )
                        yield RadioButton("LLM", id="brain-llm", value=settings.brain == "llm")
                yield Static(f"LLM: {endpoint_label(settings)}", id="endpoint", markup=False)
                yield Button("Start round  ctrl+s", id="start", variant="primary", compact=True)
        yield Label("Recent sessions", classes="section")
        yield DataTable(id="recent", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#input-device").display = False
        rounds = self.query_one("#rounds", OptionList)
        rounds.highlighted = 0
        self._show_round(resources.rubric().rounds[0].id)
        rounds.focus()

    def on_screen_resume(self) -> None:
        # Shown first, or again after a round or a review: list what is stored now.
        self.refresh_sessions()

    def refresh_sessions(self) -> None:
        with services(self).open_store() as store:
            rows = store.list_sessions(limit=20)
        fill_sessions(self.query_one("#recent", DataTable), rows, "brain")

    # -- choices ----------------------------------------------------------------------
    @on(OptionList.OptionHighlighted, "#rounds")
    def _round_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self._show_round(event.option.id)

    @on(OptionList.OptionSelected, "#rounds")
    def _round_selected(self) -> None:
        self.query_one("#question", Select).focus()

    def _show_round(self, round_id: str) -> None:
        spec = resources.rubric().round(round_id)
        self.query_one("#round-tests", Static).update(" ".join(spec.tests.split()))
        options = [("Surprise me", SURPRISE)] + [
            (Content(f"{q.id}: {q.text}"), q.id) for q in resources.bank().for_round(round_id)
        ]
        select = self.query_one("#question", Select)
        select.set_options(options)
        select.value = SURPRISE

    @property
    def round_id(self) -> str:
        option = self.query_one("#rounds", OptionList)
        index = option.highlighted or 0
        return str(option.get_option_at_index(index).id)

    @on(RadioSet.Changed, "#mode")
    def _mode_changed(self) -> None:
        files = self._files_mode
        self.query_one("#replay-files").display = files
        self.query_one("#input-device").display = not files
        if not files and not self._inputs_listed:
            self._inputs_listed = True
            self.run_worker(
                self._list_inputs, thread=True, group="devices", name="devices", exit_on_error=False
            )

    _inputs_listed = False

    def _list_inputs(self) -> None:
        """On a worker: PortAudio can take a moment to list what the audio server offers."""
        from voicemock.audio.devices import list_devices
        from voicemock.errors import VoicemockError

        try:
            devices = [d for d in list_devices() if d.inputs > 0]
        except VoicemockError as exc:
            self.app.call_from_thread(self._no_inputs, str(exc))
            return
        self.app.call_from_thread(self._show_inputs, devices)

    def _show_inputs(self, devices: list[Any]) -> None:
        if not devices:
            self._no_inputs("no microphone found; plug one in, or answer from audio files")
            return
        select = self.query_one("#input-device", Select)
        select.set_options([(Content(_input_label(d)), d.name) for d in devices])
        select.prompt = f"System default microphone ({len(devices)} found)"

    def _no_inputs(self, reason: str) -> None:
        self.query_one("#input-device", Select).prompt = "No microphone found"
        self.notify(reason, title="Microphone", severity="warning", timeout=8)

    @property
    def _files_mode(self) -> bool:
        return self.query_one("#mode-files", RadioButton).value

    @on(Button.Pressed, "#start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Input.Submitted, "#replay-files")
    def _files_submitted(self) -> None:
        self.action_start()

    @on(DataTable.RowSelected, "#recent")
    def _open_session(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            services(self).action_review(event.row_key.value)

    # -- start ------------------------------------------------------------------------
    def build_plan(self) -> PracticePlan:
        """The round as chosen on screen; raises ValueError with what to fix."""
        from voicemock.app.wiring import plan_round

        select = self.query_one("#question", Select)
        surprise = select.is_blank() or select.value == SURPRISE
        replay: list[Path] = []
        if self._files_mode:
            replay = answer_files(
                self.query_one("#replay-files", Input).value,
                "give the answer files, in order, or choose Microphone",
            )
        device = self.query_one("#input-device", Select)
        return plan_round(
            services(self).settings,
            self.round_id,
            question_id=None if surprise else str(select.value),
            replay=replay,
            mic=not self._files_mode,
            input_device=None if device.is_blank() else str(device.value),
        )

    def action_start(self) -> None:
        from dataclasses import replace

        try:
            plan = self.build_plan()
        except ValueError as exc:
            self.notify(str(exc), title="Cannot start", severity="error")
            return
        brain = "llm" if self.query_one("#brain-llm", RadioButton).value else "offline"
        app = services(self)
        app.settings = replace(app.settings, brain=brain)
        app.start_round(plan)
