"""Plain-terminal rendering of session events and scorecards (headless mode)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import click

from voicemock.core.judge import Scorecard
from voicemock.core.report import OUTLINE_SIGN, bar, delivery_summary, depth_line
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

WIDTH = 88

NOT_PRINTED: frozenset[type] = frozenset(
    {
        ModelLoaded,  # the next line shows that it is ready
        MicrophoneOpened,
        RoundStarted,
        FollowUpStreamed,  # the checked follow-up is printed whole
        SpeechStarted,  # the line is printed as text anyway
        PromptRepeated,
        RoundScored,  # printed once stored, with the delivery figures (ScorecardSaved)
        SessionClosed,
    }
)
"""Events the plain terminal does not print."""


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


class HeadlessRenderer:
    """Prints what happens as it happens. With ``to_stderr`` stdout stays free for JSON."""

    def __init__(self, to_stderr: bool = False) -> None:
        self.err = to_stderr
        self._handlers = self.routes()

    def echo(self, text: str = "", **style: Any) -> None:
        click.secho(text, err=self.err, **style)

    def __call__(self, event: Event) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def routes(self) -> dict[type, Callable[[Any], None]]:
        """Which handler prints which event; :data:`NOT_PRINTED` lists the rest."""
        return {
            ModelLoadStarted: lambda e: self.echo(f"Loading speech model {e.label} …", dim=True),
            SessionOpened: lambda e: self.echo(
                f"Session {e.session_id} (stored in {e.data_dir})", dim=True
            ),
            QuestionAsked: self._question_asked,
            FollowUpAsked: self._follow_up_asked,
            AnswerStarted: lambda e: self.echo(
                f"  … transcribing {e.source} ({e.duration:.1f} s)", dim=True
            ),
            AnswerTranscribed: self._answer_transcribed,
            TurnSaved: self._turn_saved,
            AnswerStateChanged: self._answer_state,
            AnswerRevised: self._answer_revised,
            ListeningStarted: lambda e: self.echo(
                f"  Listening… (a finished answer ends by itself; Enter ends it at once; "
                f"{e.end_silence_s:g} s of silence always does)",
                fg="green",
            ),
            SegmentTranscribed: lambda e: self.echo(_wrap(f"… {e.text}", "    "), dim=True),
            NothingHeard: lambda e: self.echo(
                "Interviewer: I didn't catch that. Let me ask again.", fg="cyan"
            ),
            SpeechFailed: lambda e: self.echo(
                f"Note: {e.reason}; questions are shown as text only.", fg="yellow"
            ),
            FilesLeftOver: lambda e: self.echo(
                f"\nNote: the interviewer had no more questions; unused: {', '.join(e.names)}",
                fg="yellow",
            ),
            NoticeGiven: lambda e: self.echo(_wrap(f"Note: {e.message}", ""), fg="yellow"),
            RoundEndedEarly: lambda e: self.echo(f"\nNote: {e.reason}", fg="yellow"),
            ScorecardSaved: self._scorecard_saved,
        }

    def _question_asked(self, event: QuestionAsked) -> None:
        q = event.prompt.question
        self.echo()
        self.echo(f"Question {event.number}/{event.total}  [{q.id}]", bold=True)
        self.echo("Interviewer:", fg="cyan", bold=True)
        self.echo(_wrap(event.prompt.text))

    def _follow_up_asked(self, event: FollowUpAsked) -> None:
        self.echo(f"Interviewer (follow-up {event.number}):", fg="cyan", bold=True)
        self.echo(_wrap(event.prompt.text))

    def _answer_transcribed(self, event: AnswerTranscribed) -> None:
        self.echo("You:", fg="green", bold=True)
        self.echo(_wrap(event.transcript.text))

    def _turn_saved(self, event: TurnSaved) -> None:
        lat = event.latency
        if "end_to_transcript_s" in lat:
            timing = f"final transcript {lat['end_to_transcript_s']:.2f} s after the answer ended"
        else:
            timing = f"transcribed in {lat.get('transcribe_s', 0):.2f} s"
        self.echo(
            f"  saved turn {event.index} · {lat.get('audio_s', 0):.1f} s of audio · {timing}",
            dim=True,
        )
        if event.delivery:
            self.echo(f"  delivery: {delivery_summary(event.delivery)}", dim=True)

    def _answer_state(self, event: AnswerStateChanged) -> None:
        if event.state == "thinking":
            self.echo("  … thinking pause: still listening (Enter ends the answer)", dim=True)

    def _answer_revised(self, event: AnswerRevised) -> None:
        self.echo(f"  final transcript of turn {event.index}:", dim=True)
        self.echo(_wrap(event.transcript.text, "    "), dim=True)

    def _scorecard_saved(self, event: ScorecardSaved) -> None:
        self.echo()
        render_scorecard(event.card, self.echo)


def render_scorecard(card: Scorecard, echo: Any) -> None:
    colour = {"strong hire": "green", "hire": "green", "no hire": "red", "strong no hire": "red"}
    echo("Scorecard", bold=True)
    echo(
        f"  Verdict: {card.recommendation.upper()}   overall {card.overall:.2f} / 4"
        + ("" if card.committee is None else f"   committee pass {card.committee:.0%}"),
        fg=colour.get(card.recommendation),
        bold=True,
    )
    for reason in card.caps:
        echo(_wrap(f"capped at no hire: {reason}", "  "), fg="red")
    for claim in card.incorrect:
        echo(_wrap(claim.line, "  "), fg="red")
    for dim in card.dimensions:
        judged = (
            f"   (LLM {dim.llm_score}, offline {dim.offline_score}"
            + (": DISPUTED)" if dim.disputed else ")")
            if dim.llm_score is not None
            else ""
        )
        echo(f"  {bar(dim.score)} {dim.score}  {dim.title}{judged}")
        for quote in dim.evidence[:1]:
            echo(_wrap(f"“{quote}”", "        "), dim=True)
        for gap in dim.missing[:2]:
            echo(_wrap(f"missing: {gap}", "        "), fg="yellow")
        for why in dim.uncertain[:2]:
            echo(_wrap(f"uncertain: {why}", "        "), fg="yellow")
    coaching = card.coaching
    if coaching is not None and coaching.depth:
        held, asked = coaching.depth_held
        echo(f"  Follow-up depth: {depth_line(held, asked)}", bold=True)
        for d in coaching.depth:
            for n, level in enumerate(d.levels, 1):
                sign = "✓" if level.held else "✗"
                echo(_wrap(f"{sign} level {n}: {level.why}", "    "))
    if coaching is not None and coaching.outline:
        echo("  Model outline:", bold=True)
        for point in coaching.outline:
            at = f" ({point.mark.at})" if point.mark else ""
            echo(_wrap(f"{OUTLINE_SIGN[point.status]} {point.text}{at}", "    "))
    if card.hints:
        echo("  What a strong answer would add:", bold=True)
        for hint in card.hints[:5]:
            echo(_wrap(f"- {hint}", "    "))
    if card.delivery is not None:
        echo("  Delivery:", bold=True)
        echo(_wrap(delivery_summary(card.delivery.to_dict()), "    "))
        for note in card.delivery_notes:
            echo(_wrap(f"- {note}", "    "), fg="yellow")
    for note in card.notes:
        echo(f"  Note: {note}", fg="yellow")
