"""Errors that reach the user as one line: the cause and the way out."""

from __future__ import annotations


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


class ConfigError(UsageError):
    """The config file is unreadable or holds an unknown or invalid key."""
