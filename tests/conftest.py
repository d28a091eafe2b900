"""Shared fixtures: the real bundled model, the bundled answer recordings, a CLI runner."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from voicemock.core.stored import StoredSession

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "audio_fixtures"
SHARED = Path(os.environ.get("VOICEMOCK_SHARED", ROOT.parent / "shared"))
REAL_SPEECH = SHARED / "data" / "real-speech"


def normalize_words(text: str) -> str:
    """For word error rates: lower case, no punctuation, hyphens as spaces."""
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split())


def fixture_manifest() -> list[dict]:
    return tomllib.loads((FIXTURES / "fixtures.toml").read_text())["fixture"]


@pytest.fixture(scope="session")
def transcriber():
    """The bundled tiny.en model, loaded once for the whole run (and shared with the commands
    the ``voicemock`` fixture runs in this process)."""
    from voicemock.app.wiring import load_transcriber
    from voicemock.config import Settings
    from voicemock.round.events import ignore

    return load_transcriber(Settings(), ignore)


@pytest.fixture(scope="session")
def real_speech() -> Path:
    if not (REAL_SPEECH / "REFERENCES.toml").is_file():
        pytest.skip(f"real speech recordings not found at {REAL_SPEECH}")
    return REAL_SPEECH


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def _voicemock_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "voicemock"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("voicemock")
    return [found] if found else [sys.executable, "-m", "voicemock"]


def isolated_env(tmp: Path, data_dir: Path | None = None, base: dict | None = None) -> dict:
    """Environment for a ``voicemock`` subprocess: no inherited VOICEMOCK_* settings, an
    empty config file and a data folder under ``tmp``."""
    config = tmp / "empty-config.toml"
    config.write_text("")
    env = {
        k: v for k, v in (base or os.environ).items() if not k.startswith(("VOICEMOCK_", "OPENAI_"))
    }
    return env | {
        "VOICEMOCK_DATA_DIR": str(data_dir or tmp / "data"),
        "VOICEMOCK_CONFIG": str(config),
        "NO_COLOR": "1",
    }


def only_session(data_dir: Path) -> tuple[StoredSession, Path]:
    """The one session stored in ``data_dir``, whole, and the folder of its audio."""
    from voicemock.store import Store

    with Store(data_dir) as store:
        (row,) = store.list_sessions()
        return store.get_session(row.id), store.audio_dir(row.id)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def voicemock(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """Run a ``voicemock`` command in this process, from a folder outside the repo, with the
    same isolated environment as :func:`voicemock_process` (the speech model is loaded once
    per test run, not once per command). Unexpected exceptions propagate to the test."""
    from click.testing import CliRunner

    from voicemock.cli.main import cli

    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    base_env = isolated_env(tmp_path, data_dir)
    inherited = {k: None for k in os.environ if k.startswith(("VOICEMOCK_", "OPENAI_"))}
    monkeypatch.chdir(workdir)

    def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
        full_env = base_env | (env or {})
        changes = inherited | {k: v for k, v in full_env.items() if os.environ.get(k) != v}
        result = CliRunner().invoke(
            cli, list(args), input=stdin, env=changes, prog_name="voicemock",
            catch_exceptions=False,
        )  # fmt: skip
        return Result(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def voicemock_process(tmp_path: Path, data_dir: Path):
    """Run the installed ``voicemock`` command in its own process, from a folder outside the
    repo: the smoke test of each command family, and whatever needs a real process."""
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    base_env = isolated_env(tmp_path, data_dir)

    def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
        full_env = base_env | (env or {})
        proc = subprocess.run(
            [*_voicemock_cmd(), *args],
            cwd=workdir,
            input=stdin,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=600,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture(autouse=True)
def _fast_tier_never_runs_the_speech_model(request: pytest.FixtureRequest, monkeypatch):
    """``slow`` means "runs the speech model, plays real-time audio, or measures the judge on
    a whole labelled set": a test without the mark that reaches the speech model fails here,
    so ``make test-fast`` stays fast."""
    if request.node.get_closest_marker("slow") is not None:
        return
    from voicemock.stt.whisper import WhisperTranscriber

    def refuse(*args, **kwargs):
        raise AssertionError("this test runs the speech model: mark it @pytest.mark.slow")

    monkeypatch.setattr(WhisperTranscriber, "load", refuse)
    monkeypatch.setattr(WhisperTranscriber, "transcribe", refuse)
