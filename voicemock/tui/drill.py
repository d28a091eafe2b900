"""Re-answer drills: ask a scored session's questions again, then compare the attempts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    RadioButton,
    RadioSet,
    Static,
)

from voicemock.core.compare import Comparison
from voicemock.core.report import signed
from voicemock.core.stored import StoredSession
from voicemock.tui.navigation import services
from voicemock.tui.widgets import VERDICT_STYLE, answer_files, markup

if TYPE_CHECKING:
    from voicemock.app.wiring import PracticePlan


class DrillDialog(ModalScreen["PracticePlan | None"]):
    """Answer the same questions again, by microphone or from new recordings."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "start", "Start", priority=True),
    ]

    def __init__(self, session: StoredSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        from voicemock.app.history import drill_questions

        questions = drill_questions(self.session)
        with Vertical(id="drill"):
            yield Label("Answer again", classes="section")
            yield Static(Content("\n".join(f"• {q.text}" for q in questions)), id="drill-questions")
            with Horizontal(classes="choice"):
                yield Label("Answer", classes="choice-label")
                with RadioSet(id="drill-mode", compact=True):
                    yield RadioButton("Microphone", id="drill-mic")
                    yield RadioButton("Audio files", id="drill-files", value=True)
            yield Input(
                placeholder="the new answer files, in order: a1.m4a a2.wav …",
                id="drill-replay",
                compact=True,
            )
            with Horizontal(id="drill-buttons"):
                yield Button("Start  ctrl+s", id="drill-start", variant="primary", compact=True)
                yield Button("Cancel", id="drill-cancel", compact=True)

    @on(RadioSet.Changed, "#drill-mode")
    def _mode(self) -> None:
        self.query_one("#drill-replay").display = self._files

    @property
    def _files(self) -> bool:
        return self.query_one("#drill-files", RadioButton).value

    def build_plan(self) -> PracticePlan:
        """The drill as chosen; raises ValueError with what to fix."""
        from voicemock.app.wiring import plan_round

        replay: list[Path] = []
        if self._files:
            replay = answer_files(
                self.query_one("#drill-replay", Input).value,
                "give the new answer files, in order, or choose Microphone",
            )
        return plan_round(
            services(self).settings, again=self.session, replay=replay, mic=not self._files
        )

    @on(Button.Pressed, "#drill-start")
    @on(Input.Submitted, "#drill-replay")
    def action_start(self) -> None:
        try:
            plan = self.build_plan()
        except ValueError as exc:
            self.notify(str(exc), title="Cannot start", severity="error")
            return
        self.dismiss(plan)  # the app starts the round

    @on(Button.Pressed, "#drill-cancel")
    def action_cancel(self) -> None:
        self.dismiss()


class ComparisonScreen(Screen[None]):
    """Two attempts at the same questions: then and now, dimension by dimension."""

    BINDINGS = [
        Binding("c", "scorecard", "Scorecard"),
        Binding("a", "again", "Answer again"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, before: str, after: str) -> None:
        super().__init__()
        self.before = before
        self.after = after

    def compose(self) -> ComposeResult:
        from voicemock.app.history import compare_sessions
        from voicemock.errors import VoicemockError

        yield Header()
        try:
            with services(self).open_store() as store:
                result = compare_sessions(store, self.before, self.after)
        except VoicemockError as exc:  # an attempt without a scorecard, say
            yield Static(markup("[$error]Cannot compare:[/] $why", why=str(exc)))
            yield Footer()
            return
        self.before, self.after = result.before, result.after
        with VerticalScroll(id="comparison"):
            yield Static(self._verdicts(result), id="compare-verdict")
            table: DataTable[Any] = DataTable(
                id="compare-dimensions", cursor_type="none", zebra_stripes=True
            )
            table.add_columns("Dimension", "Then", "Now", "Change")
            for d in result.dimensions:
                table.add_row(
                    d.title,
                    "-" if d.then is None else str(d.then),
                    "-" if d.now is None else str(d.now),
                    self._change(d.delta),
                )
            if result.depth is not None:
                (h0, a0), (h1, a1) = result.depth
                table.add_row(
                    "Follow-up depth held", f"{h0}/{a0}", f"{h1}/{a1}", self._change(h1 - h0)
                )
            yield table
            yield Static(self._changes(result), id="compare-changes")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"drill · {self.before} → {self.after}"

    @staticmethod
    def _change(delta: int) -> Content:
        if delta > 0:
            return markup("[$success]$d[/]", d=signed(delta))
        if delta < 0:
            return markup("[$error]$d[/]", d=signed(delta))
        return Content("±0")

    @staticmethod
    def _verdicts(c: Comparison) -> Content:
        then = VERDICT_STYLE.get(c.verdict[0], "b")
        now = VERDICT_STYLE.get(c.verdict[1], "b")
        return markup(
            f"Then [{then}]$v0[/] $o0   →   now [{now}]$v1[/] $o1",
            v0=c.verdict[0].upper(),
            o0=f"{c.overall[0]:.2f}",
            v1=c.verdict[1].upper(),
            o1=f"{c.overall[1]:.2f}",
        )

    @staticmethod
    def _changes(c: Comparison) -> Content:
        lines: list[Content] = []
        for title, items, good in c.sections():
            style = "$success" if good else "$error"
            lines.append(markup(f"[b {style}]$t[/]", t=title))
            lines.extend(markup("  • $i", i=i) for i in items)
        lines.extend(Content(note) for note in c.unchanged())
        if c.delivery:
            lines.append(markup("[b]Delivery[/]"))
            for d in c.delivery:
                judged = {True: "[$success]better[/]", False: "[$error]worse[/]", None: ""}
                unit = f" {d.unit}" if d.unit else ""
                lines.append(
                    markup(
                        f"  $name $then → $now$unit  {judged[d.better]}",
                        name=f"{d.name:<17}",
                        then=f"{d.then:g}",
                        now=f"{d.now:g}",
                        unit=unit,
                    )
                )
        return Content("\n").join(lines)

    def action_scorecard(self) -> None:
        services(self).show_scorecard(self.after)

    def action_again(self) -> None:
        from voicemock.app.history import drill_questions
        from voicemock.errors import VoicemockError

        with services(self).open_store() as store:
            session = store.get_session(self.after)
        try:
            drill_questions(session)
        except VoicemockError as exc:  # its question is no longer in the bank
            self.notify(str(exc), title="Cannot drill", severity="error")
            return
        services(self).offer_drill(session)
