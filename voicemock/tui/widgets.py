"""Small widgets shared by the screens."""

from __future__ import annotations

import os
import shlex
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from rich.text import Text
from textual import work
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Static

from voicemock.app import resources
from voicemock.core.stored import SessionRow

VERDICT_STYLE = {
    "strong hire": "bold $success",
    "hire": "bold $success",
    "no hire": "bold $error",
    "strong no hire": "bold $error",
}


def markup(template: str, **values: object) -> Content:
    """``template`` is markup; each ``$name`` in it is ``values[name]`` as plain text.

    All user and model text reaches the screen this way: a question, an answer or an LLM
    line holding ``[/]``, ``[/INST]`` or ``[$x]`` is shown as written, never parsed."""
    return Content.from_markup(template, **{k: str(v) for k, v in values.items()})


def answer_files(raw: str, when_empty: str) -> list[Path]:
    """The answer files typed in a field, in order (spaces or commas between, quotes for
    names with spaces); ValueError with ``when_empty``, or the first missing file."""
    if not raw.strip():
        raise ValueError(when_empty)
    paths = []
    for name in shlex.split(raw.replace(",", " ")):
        path = Path(os.path.expanduser(name))
        if not path.is_file():
            raise ValueError(f"{path}: no such file")
        paths.append(path)
    return paths


def score_bar(score: int, width: int = 4) -> str:
    filled = max(0, min(width, int(score)))
    return "█" * filled * 2 + "░" * (width - filled) * 2


def clock(seconds: float) -> str:
    seconds = max(0.0, float(seconds))
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


class LevelMeter(Static):
    """The microphone's input level as a bar (speech sits around 0.05-0.3 RMS)."""

    level: reactive[float] = reactive(0.0)

    def render(self) -> Text:
        width = 12
        filled = min(width, int(round(min(1.0, self.level * 5) * width)))
        text = Text("mic ")
        text.append("▮" * filled, style="green" if filled < width else "red")
        text.append("▯" * (width - filled), style="dim")
        return text


class ChatLine(Static):
    """One line of the conversation: interviewer, candidate or a notice."""

    def __init__(self, who: str, text: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.who = who
        self.body = text
        self.add_class(who)

    def render(self) -> Text:
        label = {"interviewer": "Interviewer", "candidate": "You", "notice": "·"}[self.who]
        text = Text()
        text.append(f"{label} ", style="bold")
        text.append(self.body)
        return text

    def set_body(self, text: str) -> None:
        self.body = text
        self.refresh(layout=True)

    def append(self, delta: str) -> None:
        self.set_body(self.body + delta)


def fill_sessions(
    table: DataTable[Any], rows: Sequence[SessionRow], third: Literal["mode", "brain"]
) -> None:
    """Sessions as table rows keyed by id: id, round, ``third`` (the mode or the brain),
    status, score and verdict. Adds the columns the first time."""
    if not table.columns:
        table.add_columns("Session", "Round", third.capitalize(), "Status", "Score", "Verdict")
    table.clear()
    for row in rows:
        table.add_row(
            row.id,
            row.round,
            row.mode if third == "mode" else row.brain,
            row.status,
            f"{row.overall:.2f}" if row.overall is not None else "-",
            row.recommendation or "-",
            key=row.id,
        )


ALL = "__all__"
"""The round filter's value for every round."""


def round_options() -> list[tuple[str, str]]:
    return [("All rounds", ALL)] + [(s.title, s.id) for s in resources.rubric().rounds]


class PlaybackScreen(Screen[None]):
    """A screen that plays stored answers: one at a time, stopped when it is left."""

    def __init__(self) -> None:
        super().__init__()
        self._stop_playing = threading.Event()

    def play(self, path: str, start_s: float = 0.0) -> None:
        """Play ``path`` from ``start_s``, stopping whatever this screen was playing."""
        self._stop_playing.set()
        self._stop_playing = threading.Event()
        self._play(path, start_s, self._stop_playing)

    @work(thread=True, exclusive=True, group="playback", exit_on_error=False)
    def _play(self, path: str, start_s: float, stop: threading.Event) -> None:
        from voicemock.audio.playback import play_file
        from voicemock.errors import VoicemockError

        try:
            play_file(path, stop, start_s=start_s)
        except VoicemockError as exc:
            self.app.call_from_thread(
                self.notify, str(exc), title="Cannot play", severity="error", timeout=8
            )

    def stop_playing(self) -> None:
        self._stop_playing.set()

    def on_unmount(self) -> None:
        self._stop_playing.set()
