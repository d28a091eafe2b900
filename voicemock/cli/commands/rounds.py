"""Commands that run or score rounds: the app, practice, score, stories, compare."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import click

from voicemock.cli.options import (
    ROUND_HELP,
    brain_option,
    check_round,
    data_dir_option,
    interactive,
    model_option,
    open_store,
    settings_from,
)
from voicemock.errors import UsageError, VoicemockError


@click.command()
@data_dir_option
@click.pass_context
def tui(ctx: click.Context, data_dir: Path | None = None) -> None:
    """Open the full-screen app (also what plain `voicemock` does in a terminal).

    Home: pick a round, a question, microphone or answer files, offline or LLM
    interviewer. Interview: the conversation as it happens. Scorecard, Review and
    Progress: verdicts, transcripts with timestamps, audio, exports and trends.
    """
    from voicemock.tui import run_app

    ctx.exit(run_app(settings_from(ctx, data_dir=data_dir)))


@click.command()
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
    metavar="SECONDS",
    help="With --mic: this much silence ends an answer whatever it sounds like (the ceiling "
    "for thinking pauses) [default: 10].",
)
@click.option(
    "--turn-detection/--no-turn-detection",
    default=None,
    help="With --mic: judge each pause (how it sounds, how the sentence ends); a finished "
    "answer ends after half a second, an unfinished one waits up to --end-silence. "
    "--no-turn-detection --end-silence 4 is the old behaviour. [default: on]",
)
@click.option(
    "--max-answer",
    type=click.FloatRange(5, 1800),
    metavar="SECONDS",
    help="With --mic: the longest an answer may run [default: 240].",
)
@click.option(
    "--voice",
    type=click.Choice(["piper", "system", "none"]),
    help="The interviewer's voice: piper (a neural voice, bundled; the default), "
    "system (pyttsx3: espeak-ng) or none (text only). See: voicemock voices.",
)
@click.option(
    "--system-voice", "tts_voice", metavar="ID", help="The system voice to use (pyttsx3 id)."
)
@click.option(
    "--rate",
    "tts_rate",
    type=click.IntRange(80, 400),
    help="Interviewer speaking rate in words a minute [default: the voice's own pace].",
)
@click.option(
    "--no-speech", is_flag=True, help="With --mic: show questions as text only, don't speak them."
)
@click.option(
    "--speak/--no-speak",
    "speak_replay",
    default=None,
    help="With --replay: say each question and follow-up aloud before its answer file is "
    "read, as in a spoken round [default: the speak_replay setting, off].",
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
@brain_option
@model_option
@data_dir_option
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
    end_silence: float | None,
    turn_detection: bool | None,
    max_answer: float | None,
    voice: str | None,
    tts_voice: str | None,
    tts_rate: int | None,
    no_speech: bool,
    speak_replay: bool | None,
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
        check_round(round_id)
    if question_id and question_text:
        raise UsageError("give either --question or --question-text, not both")
    if mic and replay:
        raise UsageError("give either --mic or --replay FILE, not both")
    if not mic and not replay:
        raise UsageError("answer with --mic (speak) or --replay FILE (recorded answers)")
    settings = settings_from(
        ctx,
        data_dir=data_dir,
        model=model,
        max_follow_ups=max_follow_ups,
        questions=count,
        pause_threshold=pause_threshold,
        brain=brain,
        llm_model=llm_model,
        end_silence=end_silence,
        turn_detection=turn_detection,
        max_answer=max_answer,
        voice=voice,
        speech_rate=tts_rate,
        speak_replay=speak_replay,
    )
    from voicemock.app.wiring import PlanError, plan_round, run_practice
    from voicemock.cli.render import HeadlessRenderer
    from voicemock.core.report import session_json
    from voicemock.round.runner import RoundControl

    earlier = None
    if again_id:
        with open_store(settings) as store:
            earlier = store.get_session(again_id)
    try:
        plan = plan_round(
            settings,
            round_id,
            again=earlier,
            question_id=question_id,
            question_text=question_text,
            seed=seed,
            replay=replay,
            mic=mic,
            input_device=input_device,
            output_device=output_device,
            tts_voice=tts_voice,
            tts_rate=tts_rate,
            no_speech=no_speech,
        )
    except PlanError as exc:
        raise UsageError(str(exc)) from None
    render = HeadlessRenderer(to_stderr=as_json)
    if not headless and not as_json and interactive():
        from voicemock.tui import run_app

        ctx.exit(run_app(settings, plan=plan))
    control = RoundControl()
    if mic:
        _watch_enter(control.finish)
    session_id = run_practice(plan, settings, render, control=control)
    with open_store(settings) as store:
        stored = store.get_session(session_id)
        if as_json:
            click.echo(session_json(stored), nl=False)
        else:
            if stored.llm_calls:
                from voicemock.core.report import usage_summary

                click.echo(f"\nLLM usage: {usage_summary(stored.llm_calls)}")
            click.echo(f"\nSaved as {session_id}: voicemock show {session_id}")
            if again_id and stored.scorecard:
                _print_comparison(store, again_id, session_id)


@click.command()
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
@model_option
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
    check_round(round_id)
    if bool(question_id) == bool(question_text):
        raise UsageError("give exactly one of --question ID or --question-text TEXT")
    if bool(transcript) == bool(audio):
        raise UsageError("give exactly one of --transcript FILE or --audio FILE")
    from voicemock.app.wiring import PlanError, pick_questions

    try:
        (question,) = pick_questions(round_id, question_id=question_id, question_text=question_text)
    except PlanError as exc:
        raise UsageError(str(exc)) from None

    from voicemock.app import resources
    from voicemock.core.brain import OfflineBrain

    if transcript is not None:
        text = _read_text(transcript)
    else:
        assert audio is not None
        from voicemock.app.wiring import load_transcriber
        from voicemock.audio.files import FileSource
        from voicemock.round.events import ignore

        settings = settings_from(ctx, model=model)
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


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@data_dir_option
@click.pass_context
def stories(ctx: click.Context, as_json: bool, data_dir: Path | None) -> None:
    """Your story bank: the stories told in behavioural and hiring-manager answers.

    Each story is recognised across sessions by your own names, places and numbers,
    titled from its words, and mapped to the competencies it served. Shows stories x
    competencies, stories told for too many questions, and competencies with no story.
    """
    from voicemock.app.history import story_bank

    with open_store(settings_from(ctx, data_dir=data_dir)) as store:
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
    from voicemock.app.history import compare_sessions
    from voicemock.core.report import comparison_lines

    result = compare_sessions(store, before, after)
    click.secho("\nThen and now", bold=True)
    for line in comparison_lines(result):
        click.echo(line)


@click.command()
@click.argument("first")
@click.argument("second", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@data_dir_option
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
    from voicemock.app.history import compare_sessions

    with open_store(settings_from(ctx, data_dir=data_dir)) as store:
        if as_json:
            click.echo(json.dumps(compare_sessions(store, first, second).to_dict(), indent=2))
            return
        _print_comparison(store, first, second)
