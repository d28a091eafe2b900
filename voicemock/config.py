"""Settings: defaults, then the user's config file, then environment, then flags.

The config file is TOML at ``<user config dir>/voicemock/config.toml`` (or the
path in ``VOICEMOCK_CONFIG``). Unknown keys are rejected so a typo never passes
silently. API keys are never read from or written to this file's neighbours:
they come from the environment at run time.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from voicemock.errors import ConfigError

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
    """Seconds to wait for one LLM reply before retrying."""

    llm_retries: int = 2
    """Retries after a timeout, 429 or 5xx before the offline brain takes over."""

    @property
    def resolved_data_dir(self) -> Path:
        return Path(self.data_dir).expanduser() if self.data_dir else default_data_dir()


_ENV = {
    "data_dir": "VOICEMOCK_DATA_DIR",
    "model": "VOICEMOCK_MODEL",
    "llm_model": "VOICEMOCK_LLM_MODEL",
}
BRAINS = ("offline", "llm")


def _coerce(name: str, value: Any, where: str) -> Any:
    if name == "data_dir":
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: data_dir must be a folder path")
        return Path(value).expanduser()
    if name in {"model", "llm_model", "llm_base_url"}:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {name} must be a string")
        return value or None
    if name == "brain":
        if value not in BRAINS:
            raise ConfigError(f"{where}: brain must be one of {', '.join(BRAINS)}")
        return value
    if name == "llm_timeout":
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"{where}: llm_timeout must be a number of seconds > 0")
        return float(value)
    if name == "pause_threshold":
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"{where}: pause_threshold must be a number of seconds > 0")
        return float(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"{where}: {name} must be a whole number >= 0")
    return value


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
    return replace(settings, **given)
