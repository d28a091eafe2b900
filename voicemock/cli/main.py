"""Entry point. Heavy imports (numpy, faster-whisper) happen inside commands, so --help is quick."""

from __future__ import annotations

import json
import os
import random
import sys
import threading
from pathlib import Path
from typing import Any

import click

from voicemock import __version__
from voicemock.errors import Interrupted, UsageError, VoicemockError, raise_on_termination

ROUND_HELP = (
    "Round of the loop: product-sense, technical, execution, behavioral, cross-functional, "
    "presentation, executive or hiring-manager."
)


class _Group(click.Group):
    """Turns expected failures into one line on stderr and a non-zero exit, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from voicemock.core.bank import BankError

        try:
            return super().invoke(ctx)
        except VoicemockError as exc:
            click.secho(f"voicemock: error: {exc}", fg="red", err=True)
            ctx.exit(exc.exit_code)
        except BankError as exc:
            click.secho(f"voicemock: error: prompts data: {exc}", fg="red", err=True)
            ctx.exit(2)
        except Interrupted as exc:
            click.secho(f"voicemock: {exc.notice}", fg="yellow", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.secho(
                "voicemock: interrupted; completed turns are saved (see: voicemock sessions)",
                fg="yellow",
                err=True,
            )
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (``voicemock sessions | head -1``): stop quietly, as
            # standard tools do, and keep Python from complaining when it flushes stdout.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(141)
        except Exception as exc:
            if os.environ.get("VOICEMOCK_DEBUG"):
                raise
            cause = _known_cause(exc)
            if cause is not None:
                click.secho(f"voicemock: error: {cause}", fg="red", err=True)
                ctx.exit(1)
            click.secho(
                f"voicemock: internal error: {type(exc).__name__}: {exc}; completed turns are "
                "saved. Run again with VOICEMOCK_DEBUG=1 for details and report it.",
                fg="red",
                err=True,
            )
            ctx.exit(70)


def _known_cause(exc: BaseException) -> str | None:
    """One line for failures of the machine rather than of voicemock: a full disk, a damaged
    database, a file that cannot be written."""
    import errno

    from voicemock.store.db import explain_database_error

    database = explain_database_error(exc)
    if database is not None:
        return database
    if isinstance(exc, OSError) and exc.errno is not None:
        where = f"{exc.filename}: " if exc.filename else ""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return (
                f"{where}no space left on the disk: free some space and try again "
                "(completed turns are saved)"
            )
        return f"{where}{exc.strerror or exc}"
    return None


def _data_dir_option(f: Any) -> Any:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="VOICEMOCK_DATA_DIR",
        help="Folder for the session database and answer audio "
        "[env: VOICEMOCK_DATA_DIR; default: the user data folder].",
    )(f)


def _model_option(f: Any) -> Any:
    return click.option(
        "--model",
        metavar="PATH|NAME",
        help="Speech model: a local CTranslate2 whisper folder, or a faster-whisper name such "
        "as base.en (downloaded on first use). Default: the bundled tiny.en, offline.",
    )(f)


def _settings(ctx: click.Context, **overrides: Any) -> Any:
    from voicemock.config import load_settings

    return load_settings(ctx.obj.get("config"), **overrides)


def _open_store(settings: Any) -> Any:
    from voicemock.store import Store

    return Store(settings.resolved_data_dir)


def _brain_option(f: Any) -> Any:
    f = click.option(
        "--llm-model",
        metavar="NAME",
        help="Model for --brain llm [env: VOICEMOCK_LLM_MODEL; default: gpt-4o-mini on OpenAI, "
        "or the first model a local server lists].",
    )(f)
    return click.option(
        "--brain",
        type=click.Choice(["offline", "llm"]),
        help="Interviewer: offline (rubric-driven, default) or llm (OpenAI-compatible model: "
        "OPENAI_API_KEY, or OPENAI_BASE_URL for a local server such as Ollama).",
    )(f)


def _incomplete_option(f: Any) -> Any:
    return click.option(
        "--include-incomplete",
        is_flag=True,
        help="Count rounds that were interrupted or stopped early too (skipped by default).",
    )(f)


def _check_round(round_id: str) -> None:
    from voicemock.core.bank import ROUND_IDS

    if round_id not in ROUND_IDS:
        raise UsageError(f"unknown round '{round_id}'; choose one of: {', '.join(ROUND_IDS)}")


def _pick_questions(
    round_id: str, question_id: str | None, question_text: str | None, count: int, seed: int | None
) -> list[Any]:
    from voicemock import resources
    from voicemock.core.judge import infer_question

    bank = resources.bank()
    if question_text:
        meaning = resources.scorer().meaning
        return [infer_question(question_text, round_id, bank.questions, meaning=meaning)]
    if question_id:
        try:
            question = bank.get(question_id)
        except KeyError:
            raise UsageError(
                f"unknown question '{question_id}'; list them with: voicemock questions "
                f"--round {round_id}"
            ) from None
        if question.round != round_id:
            raise UsageError(
                f"question '{question_id}' belongs to round '{question.round}', not '{round_id}'"
            )
        return [question]
    pool = list(bank.for_round(round_id))
    if not pool:
        raise UsageError(
            f"the bank has no questions for round '{round_id}' yet; "
            "bring your own with --question-text"
        )
    rng = random.Random(seed)
    return rng.sample(pool, min(max(count, 1), len(pool)))


@click.group(
    cls=_Group,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="voicemock")
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="VOICEMOCK_CONFIG",
    help="Config file (TOML) [env: VOICEMOCK_CONFIG; default: the user config folder].",
)
@click.pass_context
def cli(ctx: click.Context, config: Path | None) -> None:
    """voicemock: practise Confluent PM onsite rounds by voice.

    The interviewer asks a question, you answer out loud (or from recorded
    files), your answer is transcribed on this machine, follow-ups probe the
    trade-offs you skipped, and the round is scored the way the hiring
    committee would. Everything runs offline by default.

    \b
    Start here:
      voicemock questions --round technical
      voicemock practice --round technical --replay answer1.flac --replay answer2.flac
      voicemock sessions
    """
    ctx.ensure_object(dict)
    ctx.obj["config"] = config
    if ctx.invoked_subcommand is None:
        if _interactive():
            ctx.invoke(tui)
        else:
            click.echo(ctx.get_help())


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")


@cli.command()
@_data_dir_option
@click.pass_context
def tui(ctx: click.Context, data_dir: Path | None = None) -> None:
    """Open the full-screen app (also what plain `voicemock` does in a terminal).

    Home: pick a round, a question, microphone or answer files, offline or LLM
    interviewer. Interview: the conversation as it happens. Scorecard, Review and
    Progress: verdicts, transcripts with timestamps, audio, exports and trends.
    """
    from voicemock.tui import run_app

    ctx.exit(run_app(_settings(ctx, data_dir=data_dir)))


@cli.command()
@click.option(
    "--round", "round_id", metavar="ROUND", help=ROUND_HELP + " Required unless --again is given."
)
@click.option(
    "--again",
    "again_id",
    metavar="ID",
    help="Re-answer drill: ask the questions of session ID again, link the new attempt to it, "
    "and compare the two at the end.",
)
@click.option(
    "--question", "question_id", metavar="ID", help="A bank question id (see: voicemock questions)."
)
@click.option(
    "--question-text",
    metavar="TEXT",
    help="Practise your own question instead of one from the bank.",
)
@click.option(
    "--questions",
    "count",
    type=click.IntRange(1, 10),
    help="Main questions in the round when no --question is given [default: 1].",
)
@click.option(
    "--replay",
    "replay",
    multiple=True,
    metavar="FILE",
    type=click.Path(path_type=Path),
    help="Answer audio file (wav, flac, mp3, m4a, ogg, webm); repeat it: files answer the "
    "question, then each follow-up, in order.",
)
@click.option(
    "--mic",
    is_flag=True,
    help="Answer out loud into the microphone; the interviewer speaks each question.",
)
@click.option("--input-device", metavar="INDEX|NAME", help="Microphone (see: voicemock devices).")
@click.option("--output-device", metavar="INDEX|NAME", help="Speaker (see: voicemock devices).")
@click.option(
    "--end-silence",
    type=click.FloatRange(0.5, 60),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="With --mic: this much silence ends an answer whatever it sounds like (the ceiling "
    "for thinking pauses).",
)
@click.option(
    "--turn-detection/--no-turn-detection",
    default=True,
    show_default=True,
    help="With --mic: judge each pause (how it sounds, how the sentence ends); a finished "
    "answer ends after half a second, an unfinished one waits up to --end-silence. "
    "--no-turn-detection --end-silence 4 is the old behaviour.",
)
@click.option(
    "--max-answer",
    type=click.FloatRange(5, 1800),
    default=240.0,
    show_default=True,
    metavar="SECONDS",
    help="With --mic: the longest an answer may run.",
)
@click.option(
    "--voice", "tts_voice", metavar="ID", help="Text-to-speech voice for the interviewer."
)
@click.option(
    "--rate", "tts_rate", type=click.IntRange(80, 400), help="Interviewer speaking rate (wpm)."
)
@click.option(
    "--no-speech", is_flag=True, help="With --mic: show questions as text only, don't speak them."
)
@click.option(
    "--headless",
    is_flag=True,
    help="Plain terminal output instead of the full-screen app (the default when output "
    "is not a terminal).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the whole session as JSON at the end (progress goes to stderr).",
)
@click.option(
    "--max-follow-ups", type=click.IntRange(0, 5), help="Follow-ups per question [default: 2]."
)
@click.option("--seed", type=int, help="Seed for picking questions, for a repeatable round.")
@click.option(
    "--pause-threshold",
    type=click.FloatRange(0.3, 30),
    metavar="SECONDS",
    help="Silence that counts as a long pause in the delivery figures [default: 2.0].",
)
@_brain_option
@_model_option
@_data_dir_option
@click.pass_context
def practice(
    ctx: click.Context,
    round_id: str | None,
    again_id: str | None,
    question_id: str | None,
    question_text: str | None,
    count: int | None,
    replay: tuple[Path, ...],
    mic: bool,
    input_device: str | None,
    output_device: str | None,
    end_silence: float,
    turn_detection: bool,
    max_answer: float,
    tts_voice: str | None,
    tts_rate: int | None,
    no_speech: bool,
    headless: bool,
    as_json: bool,
    max_follow_ups: int | None,
    seed: int | None,
    pause_threshold: float | None,
    brain: str | None,
    llm_model: str | None,
    model: str | None,
    data_dir: Path | None,
) -> None:
    """Run a practice round and score it.

    With --replay, recorded files stand in for your spoken answers: the first
    file answers the question, the next ones answer the follow-ups and then the
    following questions. If the files run out first, the round is scored on the
    answers given. Each turn is saved the moment it is transcribed.

    With --again ID, the same questions are asked again (a re-answer drill): the new
    attempt is linked to session ID, and the two are compared dimension by dimension,
    concepts, wrong claims, follow-up depth and delivery (see: voicemock compare).
    """
    if again_id and (question_id or question_text or count):
        raise UsageError("--again asks that session's questions: leave out --question(s)")
    if not again_id and not round_id:
        raise UsageError("give --round ROUND, or --again ID to drill an earlier session")
    if round_id:
        _check_round(round_id)
    if question_id and question_text:
        raise UsageError("give either --question or --question-text, not both")
    if mic and replay:
        raise UsageError("give either --mic or --replay FILE, not both")
    if not mic and not replay:
        raise UsageError("answer with --mic (speak) or --replay FILE (recorded answers)")
    settings = _settings(
        ctx,
        data_dir=data_dir,
        model=model,
        max_follow_ups=max_follow_ups,
        questions=count,
        pause_threshold=pause_threshold,
        brain=brain,
        llm_model=llm_model,
    )
    if again_id:
        from voicemock.history import drill_questions

        with _open_store(settings) as store:
            earlier = store.get_session(again_id)
        if round_id and round_id != earlier["round"]:
            raise UsageError(
                f"session {earlier['id']} is a {earlier['round']} round, not {round_id}"
            )
        round_id, again_id = earlier["round"], earlier["id"]
        questions = drill_questions(earlier)
        question_text = earlier["settings"].get("question_text")
    else:
        assert round_id is not None
        questions = _pick_questions(round_id, question_id, question_text, settings.questions, seed)

    from voicemock.cli.render import HeadlessRenderer
    from voicemock.core.report import session_json
    from voicemock.round.runner import RoundControl
    from voicemock.round.wiring import PracticePlan, run_practice

    render = HeadlessRenderer(to_stderr=as_json)
    plan = PracticePlan(
        round_id,
        questions,
        replay=replay,
        mic=mic,
        input_device=input_device,
        output_device=output_device,
        end_silence=end_silence,
        turn_detection=turn_detection,
        max_answer=max_answer,
        tts_voice=tts_voice,
        tts_rate=tts_rate,
        no_speech=no_speech,
        question_text=question_text,
        again_of=again_id,
    )
    if not headless and not as_json and _interactive():
        from voicemock.tui import run_app

        ctx.exit(run_app(settings, plan=plan))
    control = RoundControl()
    if mic:
        _watch_enter(control.finish)
    session_id = run_practice(plan, settings, render, control=control)
    with _open_store(settings) as store:
        stored = store.get_session(session_id)
        if as_json:
            click.echo(session_json(stored), nl=False)
        else:
            if stored["llm_calls"]:
                from voicemock.core.report import usage_summary

                click.echo(f"\nLLM usage: {usage_summary(stored['llm_calls'])}")
            click.echo(f"\nSaved as {session_id}: voicemock show {session_id}")
            if again_id and stored["scorecard"]:
                _print_comparison(store, again_id, session_id)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_data_dir_option
@click.pass_context
def stories(ctx: click.Context, as_json: bool, data_dir: Path | None) -> None:
    """Your story bank: the stories told in behavioural and hiring-manager answers.

    Each story is recognised across sessions by your own names, places and numbers,
    titled from its words, and mapped to the competencies it served. Shows stories x
    competencies, stories told for too many questions, and competencies with no story.
    """
    from voicemock.history import story_bank

    with _open_store(_settings(ctx, data_dir=data_dir)) as store:
        bank = story_bank(store)
    if as_json:
        click.echo(json.dumps(bank.to_dict(), indent=2))
        return
    if not bank.stories:
        click.echo(
            "No stories yet: answer a behavioral or hiring-manager round "
            "(voicemock practice --round behavioral --mic)."
        )
        return
    comps = bank.competencies
    click.secho(f"{len(bank.stories)} stor{'y' if len(bank.stories) == 1 else 'ies'}", bold=True)
    head = " ".join(f"{c.short:>3}" for c in comps)
    click.echo(f"{'':<4}{'uses':>4}  {head}")
    for n, story in enumerate(bank.stories, 1):
        row = " ".join(f"{'●' if c.id in story.competencies else '·':>3}" for c in comps)
        flag = "  overused" if story.overused else ""
        click.echo(f"{n:>3}. {len(story.answers):>3}  {row}{flag}")
    click.echo()
    for n, story in enumerate(bank.stories, 1):
        click.echo(f"{n:>3}. {story.title}")
        click.echo(f"     told for: {', '.join(story.questions)}")
    click.echo()
    click.echo("Key: " + ", ".join(f"{c.short} {c.title}" for c in comps))
    overused = [s.title for s in bank.stories if s.overused]
    if overused:
        click.secho(f"Overused (told for 3+ questions): {'; '.join(overused)}", fg="yellow")
    if bank.uncovered:
        click.secho(f"No story yet for: {', '.join(c.title for c in bank.uncovered)}", fg="yellow")


def _print_comparison(store: Any, before: str, after: str | None) -> None:
    from voicemock.core.report import comparison_lines
    from voicemock.history import compare_sessions

    result = compare_sessions(store, before, after)
    click.secho("\nThen and now", bold=True)
    for line in comparison_lines(result):
        click.echo(line)


@cli.command()
@click.argument("first")
@click.argument("second", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_data_dir_option
@click.pass_context
def compare(
    ctx: click.Context, first: str, second: str | None, as_json: bool, data_dir: Path | None
) -> None:
    """Compare two attempts at the same questions (a re-answer drill).

    Per dimension the score then and now, concepts newly explained, wrong claims fixed or
    repeated, follow-up depth held, and delivery (pace, fillers, pauses, length). With one
    ID: that attempt against the one it repeated (for a drill's first attempt, against
    its latest re-answer).
    """
    from voicemock.history import compare_sessions

    with _open_store(_settings(ctx, data_dir=data_dir)) as store:
        if as_json:
            click.echo(json.dumps(compare_sessions(store, first, second).to_dict(), indent=2))
            return
        _print_comparison(store, first, second)


@cli.command()
@click.option("--round", "round_id", required=True, metavar="ROUND", help=ROUND_HELP)
@click.option("--question", "question_id", metavar="ID", help="A bank question id.")
@click.option("--question-text", metavar="TEXT", help="The question, in your own words.")
@click.option(
    "--transcript",
    type=click.Path(path_type=Path),
    help="The answer as a text file ('-' for stdin).",
)
@click.option("--audio", type=click.Path(path_type=Path), help="The answer as an audio file.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON: overall, dimensions, missing_concepts, follow_up.",
)
@_model_option
@click.pass_context
def score(
    ctx: click.Context,
    round_id: str,
    question_id: str | None,
    question_text: str | None,
    transcript: Path | None,
    audio: Path | None,
    as_json: bool,
    model: str | None,
) -> None:
    """Score one answer to one question, without storing anything."""
    _check_round(round_id)
    if bool(question_id) == bool(question_text):
        raise UsageError("give exactly one of --question ID or --question-text TEXT")
    if bool(transcript) == bool(audio):
        raise UsageError("give exactly one of --transcript FILE or --audio FILE")
    (question,) = _pick_questions(round_id, question_id, question_text, 1, None)

    from voicemock import resources
    from voicemock.core.brain import OfflineBrain

    if transcript is not None:
        text = _read_text(transcript)
    else:
        assert audio is not None
        from voicemock.audio.files import FileSource
        from voicemock.round.events import ignore
        from voicemock.round.wiring import load_transcriber

        settings = _settings(ctx, model=model)
        source = FileSource(audio, max_seconds=settings.max_file_answer)
        stt = load_transcriber(settings, ignore)
        prompt = stt.prompt_for(question.text, resources.vocabulary())
        text = stt.transcribe(source.pcm, prompt=prompt).text
        if not text.strip():
            raise VoicemockError(f"{audio}: no words were recognised in the answer")
    brain = OfflineBrain(resources.scorer())
    card = brain.score(round_id, [(question, [text])])
    follow = brain.follow_up(question, [text], [])
    result = card.to_dict() | {
        "follow_up": follow.text if follow else None,
        "question": question.text,
        "transcript": text,
    }
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    from voicemock.cli.render import render_scorecard

    render_scorecard(card, click.secho)
    if follow:
        click.secho(f"\nNext follow-up: {follow.text}", fg="cyan")


def _watch_enter(finish: threading.Event) -> None:
    """Enter on the terminal finishes the current answer (headless live mode)."""

    def watch() -> None:
        for _ in sys.stdin:
            finish.set()

    if sys.stdin is not None and not sys.stdin.closed:
        threading.Thread(target=watch, name="enter-key", daemon=True).start()


def _read_text(path: Path) -> str:
    if str(path) == "-":
        text = sys.stdin.read()
    else:
        if not path.exists():
            raise VoicemockError(f"{path}: no such file")
        if path.is_dir():
            raise VoicemockError(f"{path}: is a folder, not a text file")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise VoicemockError(f"{path}: not UTF-8 text (for audio use --audio)") from None
    if not text.strip():
        raise VoicemockError(f"{path}: the answer is empty")
    return text


@cli.command()
@click.option("--round", "round_id", metavar="ROUND", help="Only sessions of this round.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_data_dir_option
@click.pass_context
def sessions(
    ctx: click.Context, round_id: str | None, limit: int, as_json: bool, data_dir: Path | None
) -> None:
    """List stored sessions, newest first."""
    if round_id:
        _check_round(round_id)
    with _open_store(_settings(ctx, data_dir=data_dir)) as store:
        rows = store.list_sessions(round_id, limit)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
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
        score_txt = f"{r['overall']:.2f}" if r["overall"] is not None else "-"
        click.echo(
            f"{r['id']:<22} {r['round']:<17} {r['status']:<11} {r['turns']:>5} {score_txt:>5}  "
            f"{r['recommendation'] or '-'}"
        )


@cli.command()
@click.argument("session_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of Markdown.")
@_data_dir_option
@click.pass_context
def show(ctx: click.Context, session_id: str, as_json: bool, data_dir: Path | None) -> None:
    """Show one session: transcript with timestamps and the scorecard. IDs may be shortened."""
    from voicemock.core.report import session_json, session_markdown

    with _open_store(_settings(ctx, data_dir=data_dir)) as store:
        session = store.get_session(session_id)
    click.echo(session_json(session) if as_json else session_markdown(session), nl=False)


@cli.command()
@click.argument("session_id")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of stdout.",
)
@_data_dir_option
@click.pass_context
def export(
    ctx: click.Context, session_id: str, fmt: str, output: Path | None, data_dir: Path | None
) -> None:
    """Export a session as Markdown (for people) or JSON (for programs)."""
    from voicemock.core.report import session_report
    from voicemock.private import write_private_text

    with _open_store(_settings(ctx, data_dir=data_dir)) as store:
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


@cli.command()
@click.argument("session_ids", nargs=-1, metavar="[ID]...")
@_incomplete_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_data_dir_option
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
    with _open_store(_settings(ctx, data_dir=data_dir)) as store:
        if session_ids:
            for sid in session_ids:
                session = store.get_session(sid)
                if not session["scorecard"]:
                    raise VoicemockError(f"session {session['id']} has no scorecard to debrief")
                if session["round"] in chosen:
                    raise UsageError(
                        f"two sessions for round {session['round']}: give one per round"
                    )
                card = Scorecard.from_dict(session["scorecard"])
                chosen[session["round"]] = (session["id"], card)
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


@cli.command()
@click.argument("session_ids", nargs=-1, metavar="[ID]...")
@click.option("--all", "all_sessions", is_flag=True, help="Re-score every complete stored session.")
@_incomplete_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_brain_option
@_data_dir_option
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
    from voicemock.cli.render import HeadlessRenderer
    from voicemock.history import rescore as rescore_session
    from voicemock.round.wiring import make_brain

    settings = _settings(ctx, data_dir=data_dir, brain=brain, llm_model=llm_model)
    render = HeadlessRenderer(to_stderr=True)
    results = []
    with _open_store(settings) as store:
        ids = list(session_ids) or [
            r["id"]
            for r in reversed(store.list_sessions(limit=100_000))
            if r["turns"] and (include_incomplete or r["status"] == "complete")
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


@cli.command()
@click.option("--round", "round_id", metavar="ROUND", help="Only sessions of this round.")
@_incomplete_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_data_dir_option
@click.pass_context
def progress(
    ctx: click.Context,
    round_id: str | None,
    include_incomplete: bool,
    as_json: bool,
    data_dir: Path | None,
) -> None:
    """Your trend per rubric dimension across sessions, and which round to practise next."""
    from voicemock.core.report import bar
    from voicemock.history import load_progress

    if round_id:
        _check_round(round_id)
    with _open_store(_settings(ctx, data_dir=data_dir)) as store:
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


@cli.command()
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


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@_brain_option
@_data_dir_option
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
    from voicemock.doctor import run_checks

    settings = _settings(ctx, data_dir=data_dir, brain=brain, llm_model=llm_model)
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


@cli.command()
@click.option("--round", "round_id", metavar="ROUND", help="Only this round.")
def questions(round_id: str | None) -> None:
    """List the question bank and what each round tests."""
    from voicemock import resources

    if round_id:
        _check_round(round_id)
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


def main() -> None:
    raise_on_termination()
    cli(prog_name="voicemock")


def _register() -> None:
    from voicemock.cli.evaluate import evaluate_command

    cli.add_command(evaluate_command)


_register()


if __name__ == "__main__":  # pragma: no cover
    main()
