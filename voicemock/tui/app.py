"""The voicemock app: Home → Interview → Scorecard, Review and Progress of past sessions."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from voicemock.config import Settings
from voicemock.errors import Interrupted, VoicemockError
from voicemock.store import Store

if TYPE_CHECKING:
    from textual.driver import Driver

    from voicemock.app.wiring import PracticePlan
    from voicemock.core.stored import StoredSession
    from voicemock.round.ports import Transcriber

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
        settings: Settings,
        *,
        plan: PracticePlan | None = None,
        transcriber: Transcriber | None = None,
        driver_class: type[Driver] | None = None,
    ) -> None:
        super().__init__(driver_class=driver_class)
        self.settings = settings
        self.plan = plan
        self.transcriber = transcriber
        """The speech model, loaded once on the first round and kept for the next ones."""
        self.theme = DARK
        self.stopped_by: Interrupted | None = None
        """SIGTERM or SIGHUP, when one ended the app."""

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.resolved_data_dir)

    def open_store(self) -> Store:
        return Store(self.data_dir)

    def on_mount(self) -> None:
        from voicemock.tui.home import HomeScreen

        self._catch_termination()
        self.push_screen(HomeScreen())
        if self.plan is not None:
            self.start_round(self.plan)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications carry paths, device names and model text: never parsed as markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def _catch_termination(self) -> None:
        """SIGTERM and SIGHUP end a running round as interrupted, then the app."""
        import asyncio
        import signal

        try:
            loop = asyncio.get_running_loop()
            for name in ("SIGTERM", "SIGHUP"):
                signum = getattr(signal, name)
                loop.add_signal_handler(signum, self.terminate, name, 128 + signum)
        except (NotImplementedError, RuntimeError, ValueError, AttributeError):
            pass  # not the main thread (tests), or a platform without these signals

    def terminate(self, signal_name: str, exit_code: int) -> None:
        from voicemock.errors import STOPPING
        from voicemock.tui.interview import InterviewScreen

        self.stopped_by = Interrupted(signal_name, exit_code)
        for screen in self.screen_stack:
            if isinstance(screen, InterviewScreen):
                screen.control.interrupt(self.stopped_by)
        # Only then end the waits: a round woken from one must find itself interrupted.
        STOPPING.set()
        self.exit(return_code=exit_code)

    # -- navigation: the only place screens are made ----------------------------------
    def start_round(self, plan: PracticePlan) -> None:
        from voicemock.tui.interview import InterviewScreen

        self.push_screen(InterviewScreen(plan))

    def round_finished(self, session_id: str, again_of: str | None) -> None:
        from voicemock.tui.drill import ComparisonScreen
        from voicemock.tui.scorecard import ScorecardScreen

        if again_of:
            self.switch_screen(ComparisonScreen(again_of, session_id))
        else:
            self.switch_screen(ScorecardScreen(session_id))

    def show_scorecard(self, session_id: str) -> None:
        from voicemock.tui.scorecard import ScorecardScreen

        self.push_screen(ScorecardScreen(session_id))

    def show_comparison(self, before: str, after: str) -> None:
        from voicemock.tui.drill import ComparisonScreen

        self.push_screen(ComparisonScreen(before, after))

    def offer_drill(self, session: StoredSession) -> None:
        from voicemock.tui.drill import DrillDialog

        def chosen(plan: PracticePlan | None) -> None:
            if plan is not None:
                self.start_round(plan)

        self.push_screen(DrillDialog(session), chosen)

    def show_stories(self) -> None:
        from voicemock.tui.progress import StoriesScreen

        self.push_screen(StoriesScreen())

    def action_home(self) -> None:
        """Back to Home (the screen under everything else; it refreshes when resumed)."""
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_review(self, session_id: str | None = None) -> None:
        from voicemock.tui.sessions import ReviewScreen

        self.push_screen(ReviewScreen(session_id))

    def action_progress(self, round_id: str | None = None) -> None:
        from voicemock.tui.progress import ProgressScreen

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
        from voicemock.private import private_dir, write_private_text

        with self.open_store() as store:
            session = store.get_session(session_id)
        path = self.data_dir / "exports" / f"{session.id}.{fmt}"
        try:
            private_dir(path.parent)
            write_private_text(path, session_report(session, fmt))
        except OSError as exc:
            self.notify(f"{path}: cannot write ({exc.strerror})", title="Export", severity="error")
            return
        except VoicemockError as exc:
            self.notify(str(exc), title="Export", severity="error")
            return
        self.notify(f"Saved {path}", title="Exported")
