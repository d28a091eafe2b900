"""The terminal the app draws on, kept apart from what native libraries print.

PortAudio, ALSA, espeak-ng and CTranslate2 write straight to file descriptor 2, and Textual
draws on that same descriptor: the lines PortAudio prints when a microphone goes away would
land in the middle of the screen. While the app runs, descriptor 2 goes to a log in the data
folder and the app draws on its own copy of the terminal."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from voicemock.errors import VoicemockError


def driver_drawing_on(terminal: io.TextIOWrapper) -> type[Any]:
    """Textual's terminal driver, drawing on ``terminal`` instead of descriptor 2."""
    from textual.drivers.linux_driver import LinuxDriver

    class TerminalDriver(LinuxDriver):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._file = terminal

    return TerminalDriver


def _copy_of(fd: int) -> io.TextIOWrapper:
    encoding = getattr(sys.__stderr__, "encoding", None) or "utf-8"
    return os.fdopen(os.dup(fd), "w", encoding=encoding, errors="replace")


@contextmanager
def stderr_to_log(log: Path) -> Iterator[io.TextIOWrapper | None]:
    """Point descriptor 2 at ``log`` for the duration; yields a copy of the terminal to draw
    on, or None to let Textual draw as it does by default (Windows, or no terminal at all).

    With standard error already sent elsewhere (``2>file``) and the output a terminal, the app
    draws on the output and descriptor 2 is left where the user sent it."""
    if sys.platform == "win32" or not (os.isatty(2) or os.isatty(1)):
        yield None
        return
    if not os.isatty(2):
        with _copy_of(1) as terminal:
            yield terminal
        return
    try:
        from voicemock.private import open_private, private_dir

        private_dir(log.parent)
        sink = open_private(log, "ab")
    except (OSError, VoicemockError):
        yield None
        return
    sys.stderr.flush()
    terminal = _copy_of(2)
    os.dup2(sink.fileno(), 2)
    try:
        yield terminal
    finally:
        sys.stderr.flush()
        os.dup2(terminal.fileno(), 2)
        terminal.close()
        sink.close()


def redact_log_since(log: Path, offset: int) -> str:
    """What was written to ``log`` after ``offset``, with any API key taken out (in the file
    too): a crash report shows local variables."""
    from voicemock.llm.client import LLMConfig

    try:
        with open(log, "r+b") as f:
            f.seek(offset)
            raw = f.read()
            if not raw:
                return ""
            text = raw.decode("utf-8", errors="replace")
            clean = LLMConfig(model="", api_key=os.environ.get("OPENAI_API_KEY")).redact(text)
            if clean != text:
                f.seek(offset)
                f.truncate()
                f.write(clean.encode("utf-8"))
    except OSError:
        return ""
    return clean
