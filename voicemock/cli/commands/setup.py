"""Commands about the set-up: audio devices, the doctor, the question bank."""

from __future__ import annotations

import json
from pathlib import Path

import click

from voicemock.cli.options import (
    brain_option,
    check_round,
    data_dir_option,
    settings_from,
)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def devices(as_json: bool) -> None:
    """List audio input and output devices (for --input-device and --output-device)."""
    from voicemock.audio.devices import list_devices

    found = list_devices()
    if as_json:
        click.echo(json.dumps([d.__dict__ for d in found], indent=2))
        return
    if not found:
        click.echo("No audio devices found. Answer from files with --replay FILE.")
        return
    click.secho(f"{'INDEX':>5}  {'IN':>3} {'OUT':>3}  {'RATE':>6}  NAME", bold=True)
    for d in found:
        marks = ("  default input" if d.is_default_input else "") + (
            "  default output" if d.is_default_output else ""
        )
        click.echo(
            f"{d.index:>5}  {d.inputs:>3} {d.outputs:>3}  {d.default_samplerate:>6.0f}  "
            f"{d.name}{marks}"
        )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@brain_option
@data_dir_option
@click.pass_context
def doctor(
    ctx: click.Context,
    as_json: bool,
    brain: str | None,
    llm_model: str | None,
    data_dir: Path | None,
) -> None:
    """Check what voicemock needs: data folder, speech model, voice, microphone and LLM.

    The LLM check runs when an endpoint is configured (OPENAI_BASE_URL, llm_base_url or
    OPENAI_API_KEY) or --brain llm is given: it asks the endpoint which models it serves
    and sends one tiny chat request. The API key itself is never shown.
    """
    from voicemock.app.doctor import run_checks

    settings = settings_from(ctx, data_dir=data_dir, brain=brain, llm_model=llm_model)
    checks = run_checks(settings)
    if as_json:
        click.echo(json.dumps([c.__dict__ for c in checks], indent=2))
    else:
        marks = {"ok": ("ok", "green"), "warn": ("warn", "yellow"), "fail": ("FAIL", "red")}
        for check in checks:
            mark, colour = marks[check.status]
            click.secho(f"{mark:>4}  ", fg=colour, nl=False)
            click.echo(f"{check.name}: {check.detail}")
    if any(c.status == "fail" for c in checks):
        ctx.exit(1)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the voices as JSON.")
def voices(as_json: bool) -> None:
    """List the interviewer's voices and whether each can speak here.

    piper is a neural voice bundled with voicemock (nothing is downloaded); system is
    pyttsx3 (espeak-ng on Linux); none shows questions as text only. Choose one with
    --voice or the voice setting; voicemock doctor times each.
    """
    from voicemock.tts import voices_available

    found = voices_available()
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    for name, state in found.items():
        ok = state.startswith("ok")
        click.secho(f"{name:<8}", fg="green" if ok else "yellow", nl=False)
        click.echo(state.removeprefix("ok: "))


@click.command()
@click.option("--round", "round_id", metavar="ROUND", help="Only this round.")
def questions(round_id: str | None) -> None:
    """List the question bank and what each round tests."""
    from voicemock.app import resources

    if round_id:
        check_round(round_id)
    bank, rubric = resources.bank(), resources.rubric()
    for spec in rubric.rounds:
        if round_id and spec.id != round_id:
            continue
        click.secho(f"{spec.id} — {spec.title}", bold=True)
        click.echo(f"  {spec.tests}")
        for q in bank.for_round(spec.id):
            click.secho(f"  {q.id}", fg="cyan")
            click.echo(f"      {q.text}")
        if not bank.for_round(spec.id):
            click.echo("      (no bank questions yet; use --question-text)")
        click.echo()
