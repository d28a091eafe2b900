"""Scorecard: the verdict, each dimension with its quotes, what was missing, delivery, progress."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from voicemock.core.coaching import CLAIM, FILLER, PAUSE, QUOTE, Coaching, Mark, clock
from voicemock.core.delivery import Delivery
from voicemock.core.judge import DimensionScore
from voicemock.core.report import depth_line
from voicemock.core.stored import StoredSession
from voicemock.core.text import shorten
from voicemock.tui.navigation import services
from voicemock.tui.progress import ProgressPanel
from voicemock.tui.widgets import VERDICT_STYLE, PlaybackScreen, markup, score_bar


class DimensionView(Vertical):
    """One rubric dimension: the bar, the quotes that earned it (and where), what was missing."""

    def __init__(self, dim: DimensionScore, coaching: Coaching | None = None) -> None:
        super().__init__(classes="dimension")
        self.dim = dim
        self.coaching = coaching or Coaching()

    def compose(self) -> ComposeResult:
        dim = self.dim
        line = markup(
            "[b]$bar $score/4[/b]  $title",
            bar=score_bar(dim.score),
            score=dim.score,
            title=dim.title,
        )
        if dim.llm_score is not None:
            judged = f"LLM {dim.llm_score} · offline {dim.offline_score}"
            line += (
                markup("  [$error]$judged · disputed[/]", judged=judged)
                if dim.disputed
                else markup("  [dim]$judged[/]", judged=judged)
            )
        yield Static(line)
        for quote in dim.evidence[:2]:
            mark = self.coaching.mark_for(quote)
            at = markup("  [dim]$at[/]", at=mark.at) if mark else Content("")
            yield Static(Content(f"“{quote}”") + at, classes="quote")
        for gap in dim.missing[:2]:
            yield Static(markup("[$warning]missing:[/] $gap", gap=gap), classes="gap")
        for flag in dim.flags[:2]:
            yield Static(markup("[$error]flag:[/] $flag", flag=flag), classes="gap")
        for why in dim.uncertain[:2]:
            yield Static(markup("[$warning]uncertain:[/] $why", why=why), classes="gap")


def delivery_markup(d: Delivery, notes: Sequence[str]) -> Content:
    rows = [
        ("Pace", f"{d.words_per_minute:.0f} wpm · {d.words} words · talk {d.talk_time_s:.0f} s"),
        ("First word", f"after {d.time_to_first_word_s:.1f} s"),
        ("Long pauses", f"{d.long_pauses} (longest {d.longest_pause_s:.1f} s)"),
        ("Fillers", f"{d.fillers} ({d.fillers_per_100_words} per 100 words)"),
        ("Hedges / commitments", f"{d.hedges} / {d.commitments}"),
        ("Length", d.length),
    ]
    out = [markup("  [b]$name[/b]$value", name=f"{name:<22}", value=v) for name, v in rows]
    out += [markup("  [$warning]•[/] $note", note=n) for n in notes]
    return Content("\n").join(out)


def depth_markup(coaching: Coaching) -> Content:
    lines = []
    for d in coaching.depth:
        lines.append(
            markup("  [b]$q[/b]: $line", q=d.question_id, line=depth_line(d.held, d.asked))
        )
        for n, level in enumerate(d.levels, 1):
            sign = "[$success]✓[/]" if level.held else "[$error]✗[/]"
            lines.append(markup(f"    {sign} $n. $why", n=n, why=level.why))
    return Content("\n").join(lines)


def outline_markup(coaching: Coaching) -> Content:
    style = {"hit": "[$success]✓[/]", "partly": "[$warning]~[/]", "missed": "[$error]✗[/]"}
    lines = []
    for point in coaching.outline:
        lines.append(markup(f"  {style.get(point.status, '?')} $text", text=point.text))
        if point.quote and point.status != "missed":
            at = f"  ({point.mark.at})" if point.mark else ""
            lines.append(markup("      [dim]“$quote”$at[/]", quote=point.quote, at=at))
    return Content("\n").join(lines)


KIND_LABEL = {QUOTE: "quote", CLAIM: "wrong claim", FILLER: "filler", PAUSE: "long pause"}


def evidence_options(coaching: Coaching) -> list[Option]:
    """One option per timed moment (each quote once), the moments in the answers' order;
    an option's id is its mark's index in ``coaching.marks``."""
    timed = sorted(
        ((i, m) for i, m in enumerate(coaching.marks) if m.start is not None),
        key=lambda item: (item[1].turn, item[1].start or 0),
    )
    seen: set[tuple[str, str]] = set()
    options = []
    for i, mark in timed:
        if (mark.kind, mark.text) in seen:
            continue
        seen.add((mark.kind, mark.text))
        label = markup(
            "▶ [b]$at[/b]  [dim]$kind[/]  $text",
            at=mark.at,
            kind=KIND_LABEL.get(mark.kind, mark.kind),
            text=shorten(mark.text, 48),
        )
        options.append(Option(label, id=str(i)))
    return options


class ScorecardScreen(PlaybackScreen):
    BINDINGS = [
        Binding("a", "again", "Answer again"),
        Binding("c", "compare", "Compare", show=False),
        Binding("m", "export('md')", "Export Markdown"),
        Binding("j", "export('json')", "Export JSON"),
        Binding("v", "app.review", "Review"),
        Binding("n", "app.home", "New round"),
        Binding("escape", "app.home", "Home", show=False),
    ]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.session: StoredSession | None = None
        self.coaching = Coaching()

    def compose(self) -> ComposeResult:
        from voicemock.app.history import scored_card

        with services(self).open_store() as store:
            session = store.get_session(self.session_id)
        self.session = session
        self.session_id = session.id
        card = scored_card(session) if session.scorecard else None
        yield Header()
        with VerticalScroll(id="scorecard"):
            if card is None:
                yield Static("This session was not scored: it stopped before any answer.")
            else:
                self.coaching = card.coaching or Coaching()
                style = VERDICT_STYLE.get(card.recommendation, "b")
                yield Static(
                    markup(
                        f"[{style}]$verdict[/]   overall [b]$overall[/b] / 4$committee   "
                        "[dim]$round · $brain · rubric $rubric[/]",
                        verdict=card.recommendation.upper(),
                        overall=f"{card.overall:.2f}",
                        committee=""
                        if card.committee is None
                        else f"   committee pass {card.committee:.0%}",
                        round=session.round,
                        brain=card.brain,
                        rubric=card.rubric_version or "?",
                    ),
                    id="verdict",
                )
                if session.again_of:
                    yield Static(
                        markup(
                            "[dim]A re-answer drill of $id: press c to compare[/]",
                            id=session.again_of,
                        )
                    )
                for reason in card.caps:
                    yield Static(
                        markup("[$error]capped at no hire:[/] $reason", reason=reason),
                        classes="note",
                    )
                for claim in card.incorrect:
                    mark = self.coaching.mark_for(claim.quote, CLAIM)
                    at = f"  ({mark.at})" if mark else ""
                    yield Static(
                        markup("[$error]$line[/][dim]$at[/]", line=claim.line, at=at),
                        classes="note",
                    )
                for dim in card.dimensions:
                    yield DimensionView(dim, self.coaching)
                if self.coaching.depth:
                    held, asked = self.coaching.depth_held
                    yield Label(f"Follow-up depth: {depth_line(held, asked)}", classes="section")
                    yield Static(depth_markup(self.coaching))
                if self.coaching.outline:
                    yield Label("Model outline", classes="section")
                    yield Static(outline_markup(self.coaching))
                options = evidence_options(self.coaching)
                if options:
                    yield Label(
                        "Hear the evidence (enter plays from that moment)", classes="section"
                    )
                    yield OptionList(*options, id="evidence")
                if card.missing_concepts:
                    yield Label("Concepts not explained", classes="section")
                    yield Static(Content("\n".join(f"  • {c}" for c in card.missing_concepts)))
                if card.hints:
                    yield Label("What a strong answer would add", classes="section")
                    yield Static(Content("\n".join(f"  • {h}" for h in card.hints[:5])))
                if card.delivery is not None:
                    yield Label("Delivery", classes="section")
                    yield Static(delivery_markup(card.delivery, card.delivery_notes))
                for note in card.notes:
                    yield Static(markup("[$warning]Note:[/] $note", note=note), classes="note")
                if session.llm_calls:
                    from voicemock.core.report import usage_summary

                    yield Static(
                        markup("[dim]LLM usage: $usage[/]", usage=usage_summary(session.llm_calls))
                    )
            yield ProgressPanel(session.round, id="progress")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"scorecard · {self.session_id}"

    @on(OptionList.OptionSelected, "#evidence")
    def _evidence_chosen(self, event: OptionList.OptionSelected) -> None:
        self.play_mark(self.coaching.marks[int(event.option.id or 0)])

    def play_mark(self, mark: Mark) -> None:
        """Play the mark's answer from a second before the moment."""
        turn = self.session.turn(mark.turn) if self.session else None
        if turn is None or not turn.audio_path:
            self.notify("No recorded audio for this answer.", severity="warning")
            return
        self.notify(f"Playing {mark.at} (from {clock(mark.play_from)})")
        self.play(turn.audio_path, mark.play_from)

    def action_again(self) -> None:
        from voicemock.app.history import drill_questions
        from voicemock.errors import VoicemockError

        if self.session is None or not self.session.turns:
            self.notify("Nothing was answered to drill.", severity="warning")
            return
        try:
            drill_questions(self.session)
        except VoicemockError as exc:  # its question is no longer in the bank
            self.notify(str(exc), title="Cannot drill", severity="error")
            return
        services(self).offer_drill(self.session)

    def action_compare(self) -> None:
        if self.session is not None and self.session.again_of:
            services(self).show_comparison(self.session.again_of, self.session_id)

    def action_export(self, fmt: str) -> None:
        services(self).export_session(self.session_id, fmt)
