"""Settings: defaults, then the user's config file, then environment, then flags.

The config file is TOML at ``<user config dir>/voicemock/config.toml`` (or the
path in ``VOICEMOCK_CONFIG``). Unknown keys are rejected so a typo never passes
silently. API keys are never read from or written to this file's neighbours:
they come from the environment at run time.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from voicemock.errors import ConfigError
from voicemock.round.turntaking import CaptureOptions

APP_NAME = "voicemock"


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


@dataclass(frozen=True)
class Settings:
    """voicemock settings. Each field can be set in config.toml under the same name."""

    data_dir: Path | None = None
    """Folder for the session database and answer audio (env: VOICEMOCK_DATA_DIR)."""

    model: str | None = None
    """Speech model: empty for the bundled tiny.en, a local CTranslate2 folder, or a
    faster-whisper model name such as base.en (downloaded on first use) (env: VOICEMOCK_MODEL)."""

    max_follow_ups: int = 2
    """Most follow-up questions the interviewer asks per main question."""

    questions: int = 1
    """Main questions per practice round when no --question is given."""

    cpu_threads: int = 0
    """Threads for transcription; 0 means every core this process may use."""

    pause_threshold: float | None = None
    """Silence (seconds) that counts as a long pause; empty for the default in
    prompts/delivery.toml (2.0)."""

    brain: str = "offline"
    """Interviewer brain: "offline" (rubric-driven, no network) or "llm" (an OpenAI-compatible
    model: OPENAI_API_KEY for OpenAI, or OPENAI_BASE_URL for a local server)."""

    llm_model: str | None = None
    """Model name for the LLM brain; empty: gpt-4o-mini on OpenAI, or the first model a local
    server lists (env: VOICEMOCK_LLM_MODEL)."""

    llm_base_url: str | None = None
    """OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (OPENAI_BASE_URL wins).
    The API key is only ever read from OPENAI_API_KEY."""

    llm_timeout: float = 30.0
    """Wall-clock seconds one LLM reply may take, first byte to last; then the offline
    interviewer takes over for the rest of the round."""

    llm_retries: int = 2
    """Retries after a 429, a 5xx or a refused connection before the offline brain takes
    over (a timeout is not retried)."""

    llm_first_words: float = 4.0
    """Seconds a streamed LLM follow-up may take to start; then the offline interviewer's
    follow-up is asked at once."""

    llm_warm_up: str = "local"
    """While a question is answered, send the LLM what its follow-up request will start
    with, so the follow-up comes sooner: "local" (local servers only: free), "always"
    (hosted endpoints too, which bill the tokens) or "never"."""

    max_file_answer: float = 1800.0
    """Longest answer file accepted, in seconds (30 minutes)."""

    end_silence: float = CaptureOptions.end_silence_s
    """With the microphone: this much silence ends an answer whatever it sounds like (the
    ceiling for thinking pauses)."""

    turn_detection: bool = True
    """With the microphone: judge each pause (how it sounds, how the sentence ends); a
    finished answer ends after half a second, an unfinished one waits up to end_silence."""

    max_answer: float = CaptureOptions.max_answer_s
    """With the microphone: the longest an answer may run, in seconds."""

    voice: str = "piper"
    """The interviewer's voice: "piper" (a neural voice, bundled; the system voice if it
    cannot load), "system" (pyttsx3: espeak-ng on Linux) or "none" (text only)."""

    speak_replay: bool = False
    """Replaying answer files: say each line aloud before its answer is read, as in a
    spoken round (the app and ``practice --replay``; ``--speak`` turns it on once)."""

    speech_rate: int | None = None
    """The interviewer's speaking rate in words a minute (80 to 400); empty for the
    voice's natural pace."""

    @property
    def resolved_data_dir(self) -> Path:
        return Path(self.data_dir).expanduser() if self.data_dir else default_data_dir()


RANGES: dict[str, tuple[float, float]] = {
    "max_follow_ups": (0, 5),
    "questions": (1, 10),
    "cpu_threads": (0, 64),
    "pause_threshold": (0.3, 30),
    "llm_timeout": (1, 600),
    "llm_retries": (0, 5),
    "llm_first_words": (0.5, 60),
    "max_file_answer": (5, 7200),
    "end_silence": (0.5, 60),
    "max_answer": (5, 1800),
    "speech_rate": (80, 400),
}
"""The accepted range of every numeric setting, inclusive (see the README's settings table)."""

_ENV = {
    "data_dir": "VOICEMOCK_DATA_DIR",
    "model": "VOICEMOCK_MODEL",
    "llm_model": "VOICEMOCK_LLM_MODEL",
}
WHOLE = {"speech_rate"}
"""Whole-number settings whose default is empty."""
BRAINS = ("offline", "llm")
VOICES = ("piper", "system", "none")
WARM_UPS = ("local", "always", "never")


def _coerce(name: str, value: Any, where: str) -> Any:
    if name == "data_dir":
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: data_dir must be a folder path")
        return Path(value).expanduser()
    if name in {"model", "llm_model", "llm_base_url"}:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {name} must be a string")
        return value or None
    if name in {"turn_detection", "speak_replay"}:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {name} must be true or false")
        return value
    if name == "voice":
        if value not in VOICES:
            raise ConfigError(f"{where}: voice must be one of {', '.join(VOICES)}, not {value!r}")
        return value
    if name == "llm_warm_up":
        if value not in WARM_UPS:
            raise ConfigError(
                f"{where}: llm_warm_up must be one of {', '.join(WARM_UPS)}, not {value!r}"
            )
        return value
    if name == "brain":
        if value not in BRAINS:
            raise ConfigError(f"{where}: brain must be one of {', '.join(BRAINS)}")
        return value
    return check_range(name, value, where)


def check_range(name: str, value: Any, where: str) -> Any:
    """A numeric setting within its range, or a one-line ConfigError saying the range."""
    low, high = RANGES[name]
    whole = isinstance(Settings.__dataclass_fields__[name].default, int) or name in WHOLE
    span = f"{low:g} to {high:g}"
    if whole:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ConfigError(f"{where}: {name} must be a whole number from {span}, not {value!r}")
        return value
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not low <= value <= high:
        raise ConfigError(f"{where}: {name} must be a number of seconds from {span}, not {value!r}")
    return float(value)


def load_settings(config_path: Path | None = None, **overrides: Any) -> Settings:
    """Build settings; ``overrides`` are command-line values (None means not given)."""
    settings = Settings()
    known = {f.name for f in fields(Settings)}
    path = config_path or Path(os.environ.get("VOICEMOCK_CONFIG") or default_config_path())
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: invalid TOML ({exc}); fix or remove the file") from None
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"{path}: unknown setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        settings = replace(settings, **{k: _coerce(k, v, str(path)) for k, v in data.items()})
    elif config_path is not None:
        raise ConfigError(f"{config_path}: config file not found")
    for name, env in _ENV.items():
        if os.environ.get(env):
            settings = replace(settings, **{name: _coerce(name, os.environ[env], env)})
    given = {k: v for k, v in overrides.items() if v is not None}
    if set(given) - known:  # pragma: no cover - programming error
        raise TypeError(f"unknown settings {set(given) - known}")
    for name in set(given) & set(RANGES):
        given[name] = check_range(name, given[name], f"--{name.replace('_', '-')}")
    return replace(settings, **given)
