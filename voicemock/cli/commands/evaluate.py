"""`voicemock eval`: measure a judge (offline or an LLM) on a labelled answer set."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from voicemock.errors import UsageError, VoicemockError


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:5.1f} %"


def render_report(report: Any, brain_label: str, usage: str, echo: Any) -> None:
    data = report.to_dict()
    echo(f"Judge: {brain_label} · {data['cases']} case(s), {data['answers']} answer(s)", bold=True)
    echo(
        f"  pairwise ranking agreement  {_pct(data['pairwise_agreement'])}  "
        f"({data['pairs_agreed']}/{data['pairs']} pairs; ties count as misses)"
    )
    echo(f"  verdict band accuracy       {_pct(data['verdict_band_accuracy'])}")
    passed, of_pass = data["expected_pass_passed"]
    failed, of_fail = data["expected_fail_failed"]
    echo(
        f"  expected pass → hire        {passed}/{of_pass} "
        f"({_pct(passed / of_pass if of_pass else None).strip()}); expected fail → no hire "
        f"{failed}/{of_fail} ({_pct(failed / of_fail if of_fail else None).strip()})"
    )
    alone, ranked = data["best_answer_alone_on_top"]
    echo(f"  best answer alone on top    {alone}/{ranked} cases")
    marks, all_marks = data["uncertain_marks"]["on_out_of_band_answers"]
    out_dims, dims = data["uncertain_marks"]["dimensions_on_out_of_band_answers"]
    echo(
        f"  uncertain marks             {all_marks}, {marks} on out-of-band answers "
        f"({_pct(marks / all_marks if all_marks else None).strip()}; all dimensions: "
        f"{_pct(out_dims / dims if dims else None).strip()})"
    )
    wrong = data["wrong_claims"]
    echo(
        f"  wrong-claim catches         {wrong['caught']}/{wrong['answers_with_wrong_claims']} "
        f"answers ({_pct(wrong['catch_rate']).strip()}); false alarms "
        f"{wrong['false_alarms']}/{wrong['answers_without']}; wrong answers above no hire: "
        f"{len(wrong['above_no_hire'])}"
    )
    lift = data["injection_lift"]
    echo(
        f"  injection lift              mean {lift['mean']:+.2f}, max {lift['max']:+.2f} "
        f"over {lift['pairs']} pair(s)"
    )
    if len(data["judged_by"]) > 1 or usage:
        by = ", ".join(f"{brain} {n}" for brain, n in data["judged_by"].items())
        echo(f"  answers judged by           {by}")
    if usage:
        echo(f"  usage                       {usage}")
    if data["rounds"]:
        rounds = ", ".join(
            f"{name} {_pct(row['pairwise_agreement']).strip()}"
            for name, row in data["rounds"].items()
        )
        echo(f"  pairwise by round           {rounds}")
    if data["traps"]:
        echo("")
        echo(f"  {'trap':<18}{'answers':>8}{'in band':>10}{'pairs':>7}{'agreed':>10}", bold=True)
        for name, row in data["traps"].items():
            echo(
                f"  {name:<18}{row['answers']:>8}{_pct(row['verdict_band_accuracy']):>10}"
                f"{row['pairs']:>7}{_pct(row['pairwise_agreement']):>10}"
            )
    misses = [r for r in data["results"] if r["verdict"] not in r["expected"]]
    if data["missed_pairs"] or misses:
        echo("")
        echo("  Disagreements:", bold=True)
        for line in data["missed_pairs"]:
            echo(f"  - pair {line}", fg="yellow")
        for r in misses:
            echo(
                f"  - band {r['case']}/{r['answer']}: {r['verdict']} ({r['overall']:.2f}), "
                f"expected {' or '.join(r['expected'])}",
                fg="yellow",
            )


DEFAULT_SETS = (
    ("dev", Path("tests/data/judge-set.toml")),
    ("test", Path("tests/data/judge-test.toml")),
    ("test-2", Path("tests/data/judge-test-2.toml")),
)
"""The labelled sets of a source checkout: the one the judge is tuned on, and the frozen
test splits it never is (each written blind, in one pass, at a different time)."""


@click.command(name="eval")
@click.argument("labelled_sets", nargs=-1, type=click.Path(path_type=Path), metavar="[FILE]...")
@click.option(
    "--brain",
    type=click.Choice(["offline", "llm"]),
    default="offline",
    show_default=True,
    help="The judge to measure: the offline scorer, or an LLM (OPENAI_API_KEY, or "
    "OPENAI_BASE_URL for a local server).",
)
@click.option("--llm-model", metavar="NAME", help="Model for --brain llm.")
@click.option(
    "--limit",
    type=click.IntRange(1, 100_000),
    help="Only the first N cases (to try a model cheaply).",
)
@click.option(
    "--meaning",
    type=click.Choice(["minilm-l3", "minilm-l6", "off"]),
    help="The offline judge's meaning model (default: VOICEMOCK_JUDGE_MODEL, else minilm-l3); "
    "off reads by phrases only.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def evaluate_command(
    ctx: click.Context,
    labelled_sets: tuple[Path, ...],
    brain: str,
    llm_model: str | None,
    limit: int | None,
    meaning: str | None,
    as_json: bool,
) -> None:
    """Measure a judge on labelled answer sets (TOML files).

    With no FILE, in a source checkout: the dev set the judge is tuned on
    (tests/data/judge-set.toml) and the frozen test splits it never is
    (tests/data/judge-test.toml, judge-test-2.toml), each reported on its own.

    Each case is a question (a bank id or its own text) with answers the hiring
    committee ranked, the verdicts it would accept and trap labels (confidently
    wrong, off-topic, stuffed, rambling, injected, ...). Prints how often the judge
    orders answer pairs as the committee did (ties count as misses), how many
    verdicts land in their band, how many wrong answers it caught, how much
    injected text lifted a score, and a table per trap. The format is in the
    README ("Measuring the judge").
    """
    from voicemock.app import resources
    from voicemock.core.evaluation import evaluate, load_set
    from voicemock.core.stored import LlmCall

    if labelled_sets:
        named = [(path.stem, path) for path in labelled_sets]
    else:
        named = [(name, path) for name, path in DEFAULT_SETS if path.is_file()]
        if not named:
            raise UsageError(
                "no labelled set given and none found in tests/data/: name one, e.g. "
                "voicemock eval my-set.toml"
            )
    for _, path in named:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    # Questions of a set's own are read the same way whichever judge is measured.
    reader = resources.scorer(meaning).meaning
    sets = [(name, path, load_set(path, resources.bank(), reader)) for name, path in named]
    if limit:
        sets = [(name, path, cases[:limit]) for name, path, cases in sets]
    from voicemock.app.wiring import make_brain
    from voicemock.cli.options import settings_from
    from voicemock.llm.brain import LLMBrain

    notices: list[str] = []
    settings = settings_from(ctx, brain=brain, llm_model=llm_model)
    from voicemock.round.events import NoticeGiven

    def note(event: object) -> None:
        if isinstance(event, NoticeGiven):
            notices.append(event.message)

    judge, info = make_brain(settings, note)
    if brain == "offline" and meaning:
        from voicemock.core.brain import OfflineBrain

        judge = OfflineBrain(resources.scorer(meaning))
    label = judge.name if brain == "offline" else f"llm ({info.get('llm_model', '?')})"
    if brain == "offline":
        reader = getattr(getattr(judge, "scorer", None), "meaning", None)
        label += f", meaning: {reader.name if reader is not None else 'off (phrases only)'}"
    if brain == "llm" and judge.name == "offline":
        raise VoicemockError(
            f"the LLM endpoint is unavailable ({info.get('llm_error', 'unknown error')}); "
            "check it with: voicemock doctor"
        )

    total = sum(len(c.answers) for _, _, cases in sets for c in cases)
    show = not as_json and total > 20 and sys.stderr.isatty()

    def progress(done: int, of: int) -> None:
        if show:
            click.echo(f"\r  scoring {done}/{of} answers", nl=done == of, err=True)

    def score(round_id: str, exchanges: Any) -> Any:
        # Each answer is a round of its own: a model failure on one (invalid output, say)
        # leaves that answer to the offline scorer, not the rest of the set.
        if isinstance(judge, LLMBrain):
            judge.new_round()
        return judge.score(round_id, exchanges)

    reports = [(name, path, evaluate(cases, score, progress)) for name, path, cases in sets]
    usage = ""
    calls = [LlmCall.from_dict(u.to_dict()) for u in judge.drain_usage()]
    if calls:
        from voicemock.core.report import usage_summary

        seconds = sum(c.seconds for c in calls)
        usage = usage_summary(calls) + f", {seconds:.1f} s"
    if as_json:
        sections = {name: report.to_dict() | {"file": str(path)} for name, path, report in reports}
        data = (next(iter(sections.values())) if len(sections) == 1 else {"sets": sections}) | {
            "brain": label,
            "usage": usage,
            "notices": notices,
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for notice in notices:
        click.secho(f"Note: {notice}", fg="yellow", err=True)
    for i, (name, path, report) in enumerate(reports):
        if len(reports) > 1:
            click.secho(("\n" if i else "") + f"== {name}: {path}", bold=True)
        render_report(report, label, usage, click.secho)
    if len(reports) > 1:
        first = reports[0][2]
        click.echo()
        for name, _, report in reports[1:]:
            click.secho(
                f"{reports[0][0]}–{name} pairwise gap: "
                f"{(first.pairwise - report.pairwise) * 100:+.1f} points",
                bold=True,
            )
