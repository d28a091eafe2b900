"""Every screen rendered at 80x24 and 120x40, compared with the stored SVG snapshots.

Update them after an intended change with: pytest tests/test_tui_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest

from voicemock import resources
from voicemock.config import Settings
from voicemock.round.events import (
    AnswerTranscribed,
    FollowUpAsked,
    FollowUpStreamed,
    ModelLoaded,
    Prompt,
    QuestionAsked,
    SessionOpened,
    SpeechStarted,
    TurnSaved,
)
from voicemock.round.wiring import PracticePlan
from voicemock.tui.app import VoicemockApp
from voicemock.tui.interview import InterviewScreen
from voicemock.tui.review import ProgressScreen, ReviewScreen
from voicemock.tui.scorecard import ScorecardScreen

from .tui_data import ANSWERS, QUESTION, fill, timed

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def app(tmp_path, monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "VOICEMOCK_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    ids = fill(tmp_path / "data", monkeypatch)
    app = VoicemockApp(Settings(data_dir=tmp_path / "data"))
    app.session_ids = ids  # type: ignore[attr-defined]
    return app


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_interview(snap_compare, app, size):
    question = resources.bank().get(QUESTION)
    first = Prompt("question", question.text, question)
    follow = Prompt("follow_up", question.concepts[0].follow_up, question, question.concepts[0].id)
    plan = PracticePlan("technical", [question], replay=[Path("a1.flac"), Path("a2.flac")])

    async def run_before(pilot) -> None:
        screen = InterviewScreen(plan, autostart=False)
        await pilot.app.push_screen(screen)
        delivery = resources.delivery_meter().measure(timed(ANSWERS[0]))
        for event in (
            ModelLoaded("tiny.en (bundled)", 0.8),
            SessionOpened("20261120-090001-0a00", Path("/data")),
            QuestionAsked(first, 1, 1),
            SpeechStarted(question.text),
            TurnSaved("20261120-090001-0a00", 1, Path("/data/turn-01.wav"), {}, delivery.to_dict()),
            AnswerTranscribed(first, timed(ANSWERS[0])),
            FollowUpAsked(follow, 1),
            AnswerTranscribed(follow, timed(ANSWERS[1])),
            FollowUpStreamed("Understood. And when the producer retries after a "),
        ):
            screen.show(event)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def pushing(make_screen):
    """run_before for snap_compare: push the screen ``make_screen(app)`` and let it draw."""

    async def run_before(pilot) -> None:
        await pilot.app.push_screen(make_screen(pilot.app))
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_scorecard(snap_compare, app, size):
    run_before = pushing(lambda app: ScorecardScreen(app.session_ids[2]))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_review(snap_compare, app, size):
    run_before = pushing(lambda app: ReviewScreen(app.session_ids[2]))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_progress(snap_compare, app, size):
    run_before = pushing(lambda app: ProgressScreen("technical"))
    assert snap_compare(app, terminal_size=size, run_before=run_before)
