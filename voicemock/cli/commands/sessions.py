"""Commands on stored sessions: list, show, export, debrief, rescore, progress."""

from __future__ import annotations

import json
from pathlib import Path

import click

from voicemock.cli.options import (
    brain_option,
    check_round,
    data_dir_option,
    incomplete_option,
    open_store,
    settings_from,
)
from voicemock.errors import UsageError, VoicemockError


@click.command()
@click.option("--round", "round_id", metavar="ROUND", help="Only sessions of this round.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@data_dir_option
@click.pass_context
def sessions(
    ctx: click.Context, round_id: str | None, limit: int, as_json: bool, data_dir: Path | None
) -> None:
    """List stored sessions, newest first."""
    if round_id:
        check_round(round_id)
    with open_store(settings_from(ctx, data_dir=data_dir)) as store:
        rows = store.list_sessions(round_id, limit)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows], indent=2))
        return
    if not rows:
        click.echo(
            "No sessions yet. Start one with: voicemock practice --round technical --replay FILE"
        )
        return
    click.secho(
        f"{'ID':<22} {'ROUND':<17} {'STATUS':<11} {'TURNS':>5} {'SCORE':>5}  VERDICT", bold=True
    )
    for r in rows:
        score_txt = f"{r.overall:.2f}" if r.overall is not None else "-"
        click.echo(
            f"{r.id:<22} {r.round:<17} {r.status:<11} {r.turns:>5} {score_txt:>5}  "
            f"{r.recommendation or '-'}"
        )


@click.command()
@click.argument("session_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of Markdown.")
@data_dir_option
@click.pass_context
def show(ctx: click.Context, session_id: str, as_json: bool, data_dir: Path | None) -> None:
    """Show one session: transcript with timestamps and the scorecard. IDs may be shortened."""
    from voicemock.core.report import session_json, session_markdown

    with open_store(settings_from(ctx, data_dir=data_dir)) as store:
        session = store.get_session(session_id)
    click.echo(session_json(session) if as_json else session_markdown(session), nl=False)


@click.command()
@click.argument("session_id")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of stdout.",
)
@data_dir_option
@click.pass_context
def export(
    ctx: click.Context, session_id: str, fmt: str, output: Path | None, data_dir: Path | None
) -> None:
    """Export a session as Markdown (for people) or JSON (for programs)."""
    from voicemock.core.report import session_report
    from voicemock.private import write_private_text

    with open_store(settings_from(ctx, data_dir=data_dir)) as store:
        session = store.get_session(session_id)
    text = session_report(session, fmt)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_private_text(output, text)
    except OSError as exc:
        raise VoicemockError(f"{output}: cannot write ({exc.strerror})") from None
    click.echo(f"Wrote {output}", err=True)


@click.command()
@click.argument("session_ids", nargs=-1, metavar="[ID]...")
@incomplete_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@data_dir_option
@click.pass_context
def debrief(
    ctx: click.Context,
    session_ids: tuple[str, ...],
    include_incomplete: bool,
    as_json: bool,
    data_dir: Path | None,
) -> None:
    """Debrief a full loop across rounds, each round a gate.

    Give one session per round, or none to use the latest scored complete session of each
    round.
    One failed round makes the loop a no hire, however strong the others were.
    """
    from voicemock.core.debrief import debrief as build_debrief
    from voicemock.core.judge import Scorecard

    chosen: dict[str, tuple[str, Scorecard]] = {}
    with open_store(settings_from(ctx, data_dir=data_dir)) as store:
        if session_ids:
            for sid in session_ids:
                session = store.get_session(sid)
                if not session.scorecard:
                    raise VoicemockError(f"session {session.id} has no scorecard to debrief")
                if session.round in chosen:
                    raise UsageError(f"two sessions for round {session.round}: give one per round")
                card = Scorecard.from_dict(session.scorecard)
                chosen[session.round] = (session.id, card)
        else:
            for row in store.latest_scorecards(include_incomplete=include_incomplete):
                if row["round"] not in chosen:
                    chosen[row["round"]] = (row["id"], Scorecard.from_dict(row["card"]))
    if not chosen:
        raise VoicemockError("no scored sessions yet; practise a round first (voicemock practice)")
    result = build_debrief(chosen)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    click.secho(f"Loop verdict: {result.verdict.upper()}", bold=True)
    for r in result.rounds:
        click.echo(
            f"  {r.round:<17} {r.overall:.2f}  {r.recommendation:<15} weakest: {r.weakest}"
            f"  ({r.session_id})"
        )
    if result.failed:
        click.echo(
            f"  Gated by: {', '.join(result.failed)} (a strong round cannot make up for these)"
        )
    if result.not_practised:
        click.echo(f"  Not practised yet: {', '.join(result.not_practised)}")
    if result.focus:
        click.echo(f"  Practise next: {result.focus}")


@click.command()
@click.argument("session_ids", nargs=-1, metavar="[ID]...")
@click.option("--all", "all_sessions", is_flag=True, help="Re-score every complete stored session.")
@incomplete_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@brain_option
@data_dir_option
@click.pass_context
def rescore(
    ctx: click.Context,
    session_ids: tuple[str, ...],
    all_sessions: bool,
    include_incomplete: bool,
    as_json: bool,
    brain: str | None,
    llm_model: str | None,
    data_dir: Path | None,
) -> None:
    """Score stored sessions again with the current rubric and brain.

    Earlier scorecards are kept with the rubric version they were scored with
    (see them under earlier_scorecards in: voicemock show ID --json).
    """
    if bool(session_ids) == all_sessions:
        raise UsageError("give session IDs or --all")
    from voicemock.app.history import rescore as rescore_session
    from voicemock.app.wiring import make_brain
    from voicemock.cli.render import HeadlessRenderer

    settings = settings_from(ctx, data_dir=data_dir, brain=brain, llm_model=llm_model)
    render = HeadlessRenderer(to_stderr=True)
    results = []
    with open_store(settings) as store:
        ids = list(session_ids) or [
            r.id
            for r in reversed(store.list_sessions(limit=100_000))
            if r.turns and (include_incomplete or r.status == "complete")
        ]
        # One brain for the run: an endpoint that fails is not tried again for every session.
        scorer = make_brain(settings, render)[0] if ids else None
        for sid in ids:
            assert scorer is not None
            before, after = rescore_session(store, sid, scorer)
            full_id = store.resolve_id(sid)
            results.append(
                {
                    "id": full_id,
                    "before": before.to_dict() if before else None,
                    "after": after.to_dict(),
                }
            )
            if not as_json:
                was = (
                    f"{before.overall:.2f} {before.recommendation} "
                    f"(rubric {before.rubric_version or '?'})"
                    if before
                    else "unscored"
                )
                click.echo(
                    f"{full_id}: {was} -> {after.overall:.2f} {after.recommendation} "
                    f"(rubric {after.rubric_version})"
                )
    if as_json:
        click.echo(json.dumps(results, indent=2))
    elif not results:
        click.echo("No sessions with answers to re-score.")


@click.command()
@click.option("--round", "round_id", metavar="ROUND", help="Only sessions of this round.")
@incomplete_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@data_dir_option
@click.pass_context
def progress(
    ctx: click.Context,
    round_id: str | None,
    include_incomplete: bool,
    as_json: bool,
    data_dir: Path | None,
) -> None:
    """Your trend per rubric dimension across sessions, and which round to practise next."""
    from voicemock.app.history import load_progress
    from voicemock.core.report import bar

    if round_id:
        check_round(round_id)
    with open_store(settings_from(ctx, data_dir=data_dir)) as store:
        result = load_progress(store, round_id, include_incomplete=include_incomplete)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    if not result.sessions:
        click.echo("No scored sessions yet. Practise a round first: voicemock practice --help")
        return
    arrows = {"improving": "↑", "declining": "↓", "flat": "→"}
    click.secho(f"Progress over {result.sessions} session(s)", bold=True)
    click.echo("  overall: " + "  ".join(f"{v:.2f}" for v in result.overall[-10:]))
    click.secho(f"  {'DIMENSION':<40} {'LATEST':>6} {'MEAN':>5}  TREND   HISTORY", bold=True)
    for t in sorted(result.trends, key=lambda t: t.mean):
        history = " ".join(str(s) for s in t.scores[-10:])
        click.echo(
            f"  {t.title[:40]:<40} {bar(t.scores[-1])} {t.mean:5.2f}  "
            f"{arrows[t.direction]} {t.direction:<9} {history}"
        )
    titles = {t.dimension: t.title for t in result.trends}
    click.echo(f"  Strongest: {titles.get(result.strongest or '', '-')}")
    click.echo(f"  Weakest:   {titles.get(result.weakest or '', '-')}")
    if result.depth:
        held = "  ".join(f"{h}/{a}" for h, a in result.depth[-10:])
        click.echo(f"  Follow-up depth held (levels held/asked, oldest first): {held}")
    if result.practise_next:
        click.secho(f"  Practise next: {result.practise_next} ({result.reason})", fg="cyan")
