"""Progress: each rubric dimension's trend over scored rounds and what to practise next."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Select, Sparkline, Static

from voicemock.tui.navigation import services
from voicemock.tui.widgets import ALL, markup, round_options

ARROWS = {"improving": "↑", "declining": "↓", "flat": "→"}


class ProgressPanel(Vertical):
    """Each dimension's scores across this round's sessions, as sparklines."""

    def __init__(self, round_id: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.round_id = round_id

    def compose(self) -> ComposeResult:
        from voicemock.app.history import load_progress

        with services(self).open_store() as store:
            result = load_progress(store, self.round_id)
        if not result.sessions:
            yield Static("No scored sessions yet.")
            return
        where = f"in {self.round_id}" if self.round_id else "across rounds"
        yield Label(f"Progress {where}: {result.sessions} scored session(s)", classes="section")
        with Horizontal(classes="trend"):
            yield Static("Overall", classes="trend-name")
            yield Sparkline(list(result.overall[-20:]), classes="trend-line")
            yield Static(f"{result.overall[-1]:.2f}", classes="trend-value")
        for trend in sorted(result.trends, key=lambda t: t.mean):
            with Horizontal(classes="trend"):
                yield Static(trend.title, classes="trend-name")
                yield Sparkline([float(s) for s in trend.scores[-20:]], classes="trend-line")
                yield Static(
                    f"{trend.scores[-1]} {ARROWS[trend.direction]} {trend.direction}",
                    classes="trend-value",
                )
        if result.depth:
            held, asked = result.depth[-1]
            with Horizontal(classes="trend"):
                yield Static("Follow-up depth held", classes="trend-name")
                yield Sparkline([h / a for h, a in result.depth[-20:]], classes="trend-line")
                yield Static(f"{held} of {asked}", classes="trend-value")
        titles = {t.dimension: t.title for t in result.trends}
        yield Static(
            f"Strongest: {titles.get(result.strongest or '', '-')}   "
            f"Weakest: {titles.get(result.weakest or '', '-')}"
        )
        if result.practise_next:
            yield Static(
                markup(
                    "[b]Practise next:[/b] $round ($reason)",
                    round=result.practise_next,
                    reason=result.reason,
                )
            )


class StoriesPanel(Vertical):
    """The story bank: stories x competencies, overused stories, competencies with none."""

    def compose(self) -> ComposeResult:
        from voicemock.app.history import story_bank

        with services(self).open_store() as store:
            bank = story_bank(store)
        n = len(bank.stories)
        yield Label(f"Story bank: {n} stor{'y' if n == 1 else 'ies'}", classes="section")
        if not bank.stories:
            yield Static("No stories yet: answer a behavioral or hiring-manager round.")
            return
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True, id="stories")
        table.add_column("Story", key="story")
        table.add_column("Uses", key="uses")
        for c in bank.competencies:
            table.add_column(c.short, key=c.id)
        for story in bank.stories:
            title = story.title if len(story.title) <= 24 else story.title[:23] + "…"
            uses = f"{len(story.answers)}" + (" !" if story.overused else "")
            marks = ["●" if c.id in story.competencies else "·" for c in bank.competencies]
            table.add_row(title, uses, *marks)
        yield table
        overused = [s.title for s in bank.stories if s.overused]
        if overused:
            yield Static(
                markup("[$warning]Overused (told for 3+ questions):[/] $t", t="; ".join(overused))
            )
        if bank.uncovered:
            yield Static(
                markup(
                    "[$warning]No story yet for:[/] $c",
                    c=", ".join(c.title for c in bank.uncovered),
                )
            )
        yield Static(
            markup("[dim]$key[/]", key="  ".join(f"{c.short} {c.title}" for c in bank.competencies))
        )


class StoriesScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(StoriesPanel(), id="stories-body")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "story bank"


class ProgressScreen(Screen[None]):
    BINDINGS = [
        Binding("s", "stories", "Story bank"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, round_id: str | None = None) -> None:
        super().__init__()
        self.round_id = round_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Select(
            round_options(),
            value=self.round_id or ALL,
            allow_blank=False,
            compact=True,
            id="progress-round",
        )
        yield VerticalScroll(
            ProgressPanel(self.round_id), StoriesPanel(id="stories-panel"), id="progress-body"
        )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "progress"

    @on(Select.Changed, "#progress-round")
    async def _round(self, event: Select.Changed) -> None:
        self.round_id = None if event.value == ALL else str(event.value)
        body = self.query_one("#progress-body", VerticalScroll)
        await body.remove_children()
        await body.mount(ProgressPanel(self.round_id), StoriesPanel(id="stories-panel"))

    def action_stories(self) -> None:
        services(self).show_stories()
