"""The real ``voicemock`` in a real terminal: tmux runs it, capture-pane reads the screen."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

from .conftest import _voicemock_cmd, isolated_env

AVAILABLE = shutil.which("tmux") is not None


def app_env(tmp: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """What ``voicemock`` gets in the terminal: its own config file and data folder under
    ``tmp``, the search path, home and locale; with ``base`` (an audio stack's environment),
    where PulseAudio listens too."""
    full = isolated_env(tmp, base=base)
    names = ["VOICEMOCK_DATA_DIR", "VOICEMOCK_CONFIG", "PATH", "HOME", "LANG"]
    if base is not None:
        names.append("XDG_RUNTIME_DIR")
    return {k: full[k] for k in names if k in full}


class Terminal:
    """``voicemock ARGS`` (or another program) in a detached tmux session of the given size."""

    def __init__(
        self, args: list[str], env: dict[str, str], size=(80, 24), program: list[str] | None = None
    ) -> None:
        """``program`` (default: the installed voicemock) runs with ``args``."""
        self.name = f"vm-{uuid.uuid4().hex[:8]}"
        passed = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k != "TMUX")
        program = _voicemock_cmd() if program is None else program
        command = " ".join(shlex.quote(a) for a in [*program, *args])
        subprocess.run(
            [
                "tmux", "new-session", "-d", "-s", self.name,
                "-x", str(size[0]), "-y", str(size[1]),
                # The app only opens on an interactive terminal outside CI.
                f"env -u CI {passed} {command}; echo EXITED-$?; sleep 120",
            ],
            check=True,
        )  # fmt: skip

    def screen(self) -> str:
        shown = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        )
        return shown.stdout if shown.returncode == 0 else f"[tmux: {shown.stderr.strip()}]"

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; screen:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
