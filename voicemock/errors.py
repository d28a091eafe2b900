"""Errors that reach the user as one line: the cause and the way out."""

from __future__ import annotations

import threading

STOPPING = threading.Event()
"""Set when a signal ends the process: long waits on other threads (an LLM reply) end now."""


class VoicemockError(Exception):
    """An error meant for the user: its message is printed as one line, without a traceback."""

    exit_code = 1


class UsageError(VoicemockError):
    """The command line or config names something that does not exist."""

    exit_code = 2


class AudioInputError(VoicemockError):
    """An answer recording cannot be used: missing, empty, corrupt, truncated or silent."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ModelError(VoicemockError):
    """The speech model cannot be found or loaded."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP: the round ends as on Ctrl-C, marked incomplete, turns kept."""

    def __init__(self, signal_name: str, exit_code: int) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.exit_code = exit_code

    @property
    def cause(self) -> str:
        """What the stored session says ended it."""
        return f"interrupted ({self.signal_name})"

    @property
    def notice(self) -> str:
        """The line the user sees."""
        return f"stopped by {self.signal_name}; completed turns are saved (see: voicemock sessions)"


def raise_on_termination() -> None:
    """Make SIGTERM and SIGHUP end this process the way Ctrl-C does (main thread only)."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum: int, frame: object) -> None:
        STOPPING.set()
        raise Interrupted(signal.Signals(signum).name, 128 + signum)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), handler)


class ConfigError(UsageError):
    """The config file is unreadable or holds an unknown or invalid key."""
