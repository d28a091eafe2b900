"""Private files: a candidate's voice and transcripts are readable by that user alone.

Folders are created 0700 and files 0600 whatever the umask, and no write follows a
symbolic link: a link planted where a recording or export will be written is refused
instead of being written through.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import IO, Any

from voicemock.errors import VoicemockError

DIR_MODE = 0o700
FILE_MODE = 0o600


class UnsafePathError(VoicemockError):
    """A path voicemock would write through is a symbolic link or not a plain file."""


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700; tighten it if it exists and is ours."""
    path = Path(path)
    if path.is_symlink():
        raise UnsafePathError(f"{path} is a symbolic link; voicemock does not write through links")
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != DIR_MODE:
        os.chmod(path, DIR_MODE)
    return path


def tighten(path: Path) -> None:
    """Make an existing file of ours 0600 (files SQLite or other libraries created)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    ours = stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()
    if ours and stat.S_IMODE(info.st_mode) != FILE_MODE:
        os.chmod(path, FILE_MODE)


def open_private(path: Path, mode: str = "wb", **kwargs: Any) -> IO[Any]:
    """``open(path, mode)`` for writing ("w", "wb", "a", "ab"), created 0600, never via a link."""
    if mode[0] not in "wa":
        raise ValueError(f"open_private writes; mode {mode!r} is not a write mode")
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    flags |= os.O_APPEND if mode[0] == "a" else os.O_TRUNC
    try:
        fd = os.open(path, flags, FILE_MODE)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePathError(
                f"{path} is a symbolic link; voicemock does not write through links "
                "(remove it and try again)"
            ) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePathError(f"{path} is not a regular file; remove it and try again")
        if stat.S_IMODE(info.st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def write_private_text(path: Path, text: str) -> None:
    with open_private(path, "w", encoding="utf-8") as fh:
        fh.write(text)
