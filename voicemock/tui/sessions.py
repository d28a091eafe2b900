"""Review past sessions: transcripts with timestamps, audio, scorecards, exports."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Label, OptionList, Select
from textual.widgets.option_list import Option

from voicemock.app import resources
from voicemock.core.coaching import AnswerTurn, filler_marks, joined_words, pause_marks
from voicemock.core.judge import Scorecard
from voicemock.core.stored import StoredSession, StoredTurn
from voicemock.tui.navigation import services
from voicemock.tui.widgets import (
    ALL,
    PlaybackScreen,
    clock,
    fill_sessions,
    markup,
    round_options,
)


def turn_markup(turn: StoredTurn) -> Content:
    """A turn's prompt and its answer with timestamps; fillers are highlighted and long
    pauses marked where they fell."""
    who = "Follow-up" if turn.is_follow_up else "Question"
    lines = [markup("[b]$n. $who[/b]  $prompt", n=turn.index, who=who, prompt=turn.prompt)]
    answer = AnswerTurn.from_stored(turn)
    meter = resources.delivery_meter(turn.pause_threshold_s)
    text = joined_words(answer)
    fillers = {m.start for m in filler_marks(answer, meter.filler_spans(text), text)}
    pauses = sorted(pause_marks(answer, meter.pause_threshold_s), key=lambda m: m.end or 0)
    long_pauses = len(pauses)  # counted before they are placed (and taken off the list)
    for seg in turn.segments:
        pieces = [markup("  [dim]$at[/dim] ", at=clock(seg.start))]
        if not seg.words:
            pieces.append(Content(seg.text.strip()))
        for word in seg.words:
            while pauses and (pauses[0].end or 0) <= word.start + 0.05:
                pieces.append(markup("[b $warning]⏸ $s[/] ", s=pauses.pop(0).text))
            style = "[reverse $warning]$w[/] " if word.start in fillers else "$w "
            pieces.append(markup(style, w=word.text.strip()))
        lines.append(Content("").join(pieces))
    if not turn.segments:
        lines.append(Content(f"  {turn.transcript}"))
    notes = []
    if fillers:
        notes.append(f"{len(fillers)} filler(s)")
    if long_pauses:
        notes.append(f"{long_pauses} long pause(s)")
    if turn.audio_path:
        notes.insert(0, f"♪ {turn.duration_s or 0:.1f} s · p to play")
    if notes:
        lines.append(markup("  [dim]$n[/dim]", n=" · ".join(notes)))
    return Content("\n").join(lines)


class ReviewScreen(PlaybackScreen):
    BINDINGS = [
        Binding("c", "scorecard", "Scorecard"),
        Binding("p", "play", "Play answer"),
        Binding("m", "export('md')", "Export Markdown"),
        Binding("j", "export('json')", "Export JSON"),
        Binding("escape", "leave", "Back"),
    ]

    def __init__(self, session_id: str | None = None) -> None:
        super().__init__()
        self.wanted = session_id
        self.session: StoredSession | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Select(round_options(), value=ALL, allow_blank=False, compact=True, id="round-filter")
        yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        yield Label("Select a session", id="session-title", classes="section")
        yield OptionList(id="turns")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "review"
        self.load_sessions()
        self.query_one("#sessions", DataTable).focus()

    def load_sessions(self) -> None:
        select = self.query_one("#round-filter", Select)
        round_id = None if select.is_blank() or select.value == ALL else str(select.value)
        table = self.query_one("#sessions", DataTable)
        with services(self).open_store() as store:
            rows = store.list_sessions(round_id, limit=500)
        fill_sessions(table, rows, "mode")
        if self.wanted and self.wanted in {r.id for r in rows}:
            self.show_session(self.wanted)
            # After the table's own first highlight (of row 0), which would show another.
            self.call_after_refresh(table.move_cursor, row=table.get_row_index(self.wanted))
        elif rows:
            self.show_session(rows[0].id)
        else:
            self.session = None
            self.query_one("#session-title", Label).update("No sessions yet")
            self.query_one("#turns", OptionList).clear_options()

    @on(Select.Changed, "#round-filter")
    def _filter(self) -> None:
        self.wanted = None
        self.load_sessions()

    @on(DataTable.RowHighlighted, "#sessions")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value and (self.session is None or self.session.id != event.row_key.value):
            self.show_session(event.row_key.value)

    @on(DataTable.RowSelected, "#sessions")
    def _selected(self) -> None:
        self.action_scorecard()

    def show_session(self, session_id: str) -> None:
        with services(self).open_store() as store:
            self.session = store.get_session(session_id)
        s = self.session
        card = Scorecard.from_dict(s.scorecard) if s.scorecard else None
        score = f" · {card.overall:.2f} {card.recommendation}" if card else ""
        self.query_one("#session-title", Label).update(
            Content(f"{s.id} · {s.round} · {s.brain} · {s.status}{score}")
        )
        turns = self.query_one("#turns", OptionList)
        turns.clear_options()
        turns.add_options(
            [Option(turn_markup(t), id=str(t.index)) for t in s.turns]
            or [Option("No answers were recorded.", disabled=True)]
        )
        turns.highlighted = 0 if s.turns else None

    def _turn(self) -> StoredTurn | None:
        if self.session is None or not self.session.turns:
            return None
        index = self.query_one("#turns", OptionList).highlighted or 0
        return self.session.turns[min(index, len(self.session.turns) - 1)]

    def action_scorecard(self) -> None:
        if self.session is not None:
            services(self).show_scorecard(self.session.id)

    def action_play(self) -> None:
        turn = self._turn()
        if turn is None or not turn.audio_path:
            self.notify("No recorded audio for this answer.", severity="warning")
            return
        self.notify(f"Playing answer {turn.index} ({turn.duration_s or 0:.1f} s)")
        self.play(turn.audio_path)

    def action_export(self, fmt: str) -> None:
        if self.session is None:
            return
        services(self).export_session(self.session.id, fmt)

    def action_leave(self) -> None:
        self.stop_playing()
        self.app.pop_screen()
