"""Entry point: the command group, its error handling, and the commands put together.

The commands live in :mod:`voicemock.cli.commands`, one module per family. Heavy imports
(numpy, faster-whisper) happen inside commands, so --help is quick.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from voicemock import __version__
from voicemock.cli.commands import evaluate, rounds, sessions, setup
from voicemock.cli.options import interactive
from voicemock.errors import Interrupted, VoicemockError, raise_on_termination


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
        if interactive():
            ctx.invoke(rounds.tui)
        else:
            click.echo(ctx.get_help())


def main() -> None:
    raise_on_termination()
    cli(prog_name="voicemock")


for command in (
    rounds.tui,
    rounds.practice,
    rounds.score,
    rounds.stories,
    rounds.compare,
    sessions.sessions,
    sessions.show,
    sessions.export,
    sessions.debrief,
    sessions.rescore,
    sessions.progress,
    evaluate.evaluate_command,
    setup.devices,
    setup.doctor,
    setup.questions,
    setup.voices,
):
    cli.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
