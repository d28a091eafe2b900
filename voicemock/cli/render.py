"""Plain-terminal rendering of session events and scorecards (headless mode)."""

from __future__ import annotations

import textwrap
from typing import Any

import click

from voicemock.core.report import bar, delivery_summary, incorrect_line
from voicemock.round.events import (
    AnswerTranscribed,
    FollowUpAsked,
    NoticeGiven,
    QuestionAsked,
    RoundEndedEarly,
)

WIDTH = 88


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


class HeadlessRenderer:
    """Prints what happens as it happens. With ``to_stderr`` stdout stays free for JSON."""

    def __init__(self, to_stderr: bool = False) -> None:
        self.err = to_stderr

    def echo(self, text: str = "", **style: Any) -> None:
        click.secho(text, err=self.err, **style)

    def __call__(self, event: object) -> None:
        from voicemock.round.events import (
            AnswerStarted,
            FilesLeftOver,
            ListeningStarted,
            ModelLoadStarted,
            NothingHeard,
            ScorecardSaved,
            SegmentTranscribed,
            SessionOpened,
            SpeechFailed,
            TurnSaved,
        )

        if isinstance(event, ModelLoadStarted):
            self.echo(f"Loading speech model {event.label} …", dim=True)
        elif isinstance(event, SessionOpened):
            self.echo(f"Session {event.session_id} (stored in {event.data_dir})", dim=True)
        elif isinstance(event, QuestionAsked):
            q = event.prompt.question
            self.echo()
            self.echo(f"Question {event.number}/{event.total}  [{q.id}]", bold=True)
            self.echo("Interviewer:", fg="cyan", bold=True)
            self.echo(_wrap(event.prompt.text))
        elif isinstance(event, FollowUpAsked):
            self.echo(f"Interviewer (follow-up {event.number}):", fg="cyan", bold=True)
            self.echo(_wrap(event.prompt.text))
        elif isinstance(event, AnswerStarted):
            self.echo(f"  … transcribing {event.source} ({event.duration:.1f} s)", dim=True)
        elif isinstance(event, AnswerTranscribed):
            self.echo("You:", fg="green", bold=True)
            self.echo(_wrap(event.transcript.text))
        elif isinstance(event, TurnSaved):
            lat = event.latency
            if "end_to_transcript_s" in lat:
                timing = (
                    f"final transcript {lat['end_to_transcript_s']:.2f} s after the answer ended"
                )
            else:
                timing = f"transcribed in {lat.get('transcribe_s', 0):.2f} s"
            self.echo(
                f"  saved turn {event.index} · {lat.get('audio_s', 0):.1f} s of audio · {timing}",
                dim=True,
            )
            if event.delivery:
                self.echo(f"  delivery: {delivery_summary(event.delivery)}", dim=True)
        elif isinstance(event, ListeningStarted):
            self.echo(
                f"  Listening… (Enter finishes the answer; {event.end_silence_s:g} s of silence "
                "ends it too)",
                fg="green",
            )
        elif isinstance(event, SegmentTranscribed):
            self.echo(_wrap(f"… {event.text}", "    "), dim=True)
        elif isinstance(event, NothingHeard):
            self.echo("Interviewer: I didn't catch that. Let me ask again.", fg="cyan")
        elif isinstance(event, SpeechFailed):
            self.echo(f"Note: {event.reason}; questions are shown as text only.", fg="yellow")
        elif isinstance(event, FilesLeftOver):
            self.echo(
                f"\nNote: the interviewer had no more questions; unused: {', '.join(event.names)}",
                fg="yellow",
            )
        elif isinstance(event, NoticeGiven):
            self.echo(_wrap(f"Note: {event.message}", ""), fg="yellow")
        elif isinstance(event, RoundEndedEarly):
            self.echo(f"\nNote: {event.reason}", fg="yellow")
        elif isinstance(event, ScorecardSaved):
            self.echo()
            render_scorecard(event.card, self.echo)


def render_scorecard(card: dict[str, Any], echo: Any) -> None:
    colour = {"strong hire": "green", "hire": "green", "no hire": "red", "strong no hire": "red"}
    echo("Scorecard", bold=True)
    echo(
        f"  Verdict: {card['recommendation'].upper()}   overall {card['overall']:.2f} / 4",
        fg=colour.get(card["recommendation"]),
        bold=True,
    )
    for reason in card.get("caps", []):
        echo(_wrap(f"capped at no hire: {reason}", "  "), fg="red")
    for claim in card.get("incorrect", []):
        echo(_wrap(incorrect_line(claim), "  "), fg="red")
    for dim_id, dim in card["dimensions"].items():
        judged = (
            f"   (LLM {dim['llm_score']}, offline {dim['offline_score']}"
            + (": DISPUTED)" if dim.get("disputed") else ")")
            if dim.get("llm_score") is not None
            else ""
        )
        echo(f"  {bar(dim['score'])} {dim['score']}  {dim.get('title', dim_id)}{judged}")
        for quote in dim.get("evidence", [])[:1]:
            echo(_wrap(f"“{quote}”", "        "), dim=True)
        for gap in dim.get("missing", [])[:2]:
            echo(_wrap(f"missing: {gap}", "        "), fg="yellow")
    if card.get("hints"):
        echo("  What a strong answer would add:", bold=True)
        for hint in card["hints"][:5]:
            echo(_wrap(f"- {hint}", "    "))
    if card.get("delivery"):
        echo("  Delivery:", bold=True)
        echo(_wrap(delivery_summary(card["delivery"]), "    "))
        for note in card.get("delivery_notes", []):
            echo(_wrap(f"- {note}", "    "), fg="yellow")
    for note in card.get("notes", []):
        echo(f"  Note: {note}", fg="yellow")
