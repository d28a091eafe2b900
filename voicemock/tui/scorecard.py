"""Scorecard: the verdict, each dimension with its quotes, what was missing, delivery, progress."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static

from voicemock.core.delivery import Delivery
from voicemock.core.scoring import DimensionScore, Scorecard
from voicemock.tui.progress import ProgressPanel
from voicemock.tui.widgets import VERDICT_STYLE, markup, score_bar


class DimensionView(Vertical):
    """One rubric dimension: the bar, the quotes that earned it, what was missing."""

    def __init__(self, dim: DimensionScore) -> None:
        super().__init__(classes="dimension")
        self.dim = dim

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
            yield Static(Content(f"“{quote}”"), classes="quote")
        for gap in dim.missing[:2]:
            yield Static(markup("[$warning]missing:[/] $gap", gap=gap), classes="gap")
        for flag in dim.flags[:2]:
            yield Static(markup("[$error]flag:[/] $flag", flag=flag), classes="gap")


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


class ScorecardScreen(Screen[None]):
    BINDINGS = [
        Binding("m", "export('md')", "Export Markdown"),
        Binding("j", "export('json')", "Export JSON"),
        Binding("v", "app.review", "Review"),
        Binding("n", "app.home", "New round"),
        Binding("escape", "app.home", "Home", show=False),
    ]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id

    def compose(self) -> ComposeResult:
        with self.app.open_store() as store:  # type: ignore[attr-defined]
            session = store.get_session(self.session_id)
        self.session_id = session["id"]
        stored = session.get("scorecard")
        card = Scorecard.from_dict(stored) if stored else None
        yield Header()
        with VerticalScroll(id="scorecard"):
            if card is None:
                yield Static("This session was not scored: it stopped before any answer.")
            else:
                style = VERDICT_STYLE.get(card.recommendation, "b")
                yield Static(
                    markup(
                        f"[{style}]$verdict[/]   overall [b]$overall[/b] / 4   "
                        "[dim]$round · $brain · rubric $rubric[/]",
                        verdict=card.recommendation.upper(),
                        overall=f"{card.overall:.2f}",
                        round=session["round"],
                        brain=card.brain,
                        rubric=card.rubric_version or "?",
                    ),
                    id="verdict",
                )
                for reason in card.caps:
                    yield Static(
                        markup("[$error]capped at no hire:[/] $reason", reason=reason),
                        classes="note",
                    )
                for claim in card.incorrect:
                    yield Static(markup("[$error]$line[/]", line=claim.line), classes="note")
                for dim in card.dimensions:
                    yield DimensionView(dim)
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
                if session.get("llm_calls"):
                    from voicemock.core.report import usage_summary

                    yield Static(
                        markup(
                            "[dim]LLM usage: $usage[/]", usage=usage_summary(session["llm_calls"])
                        )
                    )
            yield ProgressPanel(session["round"], id="progress")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"scorecard · {self.session_id}"

    def action_export(self, fmt: str) -> None:
        self.app.export_session(self.session_id, fmt)  # type: ignore[attr-defined]
