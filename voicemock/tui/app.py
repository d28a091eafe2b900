"""The voicemock app: Home → Interview → Scorecard, Review and Progress of past sessions."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from voicemock.store import Store

DARK, LIGHT = "textual-dark", "textual-light"


class VoicemockApp(App[None]):
    """Practise Confluent PM onsite rounds by voice."""

    CSS_PATH = "app.tcss"
    TITLE = "voicemock"
    SUB_TITLE = "Confluent PM onsite practice"
    BINDINGS = [
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Any,
        *,
        plan: Any = None,
        transcriber: Any = None,
        driver_class: Any = None,
    ) -> None:
        super().__init__(driver_class=driver_class)
        self.settings = settings
        self.plan = plan
        self.transcriber = transcriber
        """The speech model, loaded once on the first round and kept for the next ones."""
        self.theme = DARK

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.resolved_data_dir)

    def open_store(self) -> Store:
        return Store(self.data_dir)

    def on_mount(self) -> None:
        from voicemock.tui.home import HomeScreen

        self.push_screen(HomeScreen())
        if self.plan is not None:
            from voicemock.tui.interview import InterviewScreen

            self.push_screen(InterviewScreen(self.plan))

    # -- navigation -------------------------------------------------------------------
    def action_home(self) -> None:
        """Back to Home (the screen under everything else; it refreshes when resumed)."""
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_review(self, session_id: str | None = None) -> None:
        from voicemock.tui.review import ReviewScreen

        self.push_screen(ReviewScreen(session_id))

    def action_progress(self, round_id: str | None = None) -> None:
        from voicemock.tui.review import ProgressScreen

        self.push_screen(ProgressScreen(round_id))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("New round", "Back to Home to choose a round", self.action_home)
        yield SystemCommand(
            "Review sessions",
            "Transcripts, audio and scorecards of past sessions",
            self.action_review,
        )
        yield SystemCommand(
            "Progress",
            "Each rubric dimension's trend and what to practise next",
            self.action_progress,
        )
        yield SystemCommand(
            "Light or dark theme",
            "Switch between the light and the dark theme",
            self.action_toggle_theme,
        )

    def export_session(self, session_id: str, fmt: str) -> None:
        """Write a session as Markdown or JSON under <data dir>/exports and say where."""
        from voicemock.core.report import session_report

        with self.open_store() as store:
            session = store.get_session(session_id)
        path = self.data_dir / "exports" / f"{session['id']}.{fmt}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(session_report(session, fmt), encoding="utf-8")
        except OSError as exc:
            self.notify(f"{path}: cannot write ({exc.strerror})", title="Export", severity="error")
            return
        self.notify(f"Saved {path}", title="Exported")
