"""What the commands share: common options, the settings they add up to, the store."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from voicemock.errors import UsageError

if TYPE_CHECKING:
    from voicemock.config import Settings
    from voicemock.store import Store

ROUND_HELP = (
    "Round of the loop: product-sense, technical, execution, behavioral, cross-functional, "
    "presentation, executive or hiring-manager."
)


def interactive() -> bool:
    """A person at a terminal (and not CI): the full-screen app can open."""
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")


def data_dir_option(f: Any) -> Any:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="VOICEMOCK_DATA_DIR",
        help="Folder for the session database and answer audio "
        "[env: VOICEMOCK_DATA_DIR; default: the user data folder].",
    )(f)


def model_option(f: Any) -> Any:
    return click.option(
        "--model",
        metavar="PATH|NAME",
        help="Speech model: a local CTranslate2 whisper folder, or a faster-whisper name such "
        "as base.en (downloaded on first use). Default: the bundled tiny.en, offline.",
    )(f)


def settings_from(ctx: click.Context, **overrides: Any) -> Settings:
    """The settings: defaults, the config file, the environment, then these flags."""
    from voicemock.config import load_settings

    return load_settings(ctx.obj.get("config"), **overrides)


def open_store(settings: Settings) -> Store:
    from voicemock.store import Store

    return Store(settings.resolved_data_dir)


def brain_option(f: Any) -> Any:
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


def incomplete_option(f: Any) -> Any:
    return click.option(
        "--include-incomplete",
        is_flag=True,
        help="Count rounds that were interrupted or stopped early too (skipped by default).",
    )(f)


def check_round(round_id: str) -> None:
    from voicemock.core.bank import ROUND_IDS

    if round_id not in ROUND_IDS:
        raise UsageError(f"unknown round '{round_id}'; choose one of: {', '.join(ROUND_IDS)}")
