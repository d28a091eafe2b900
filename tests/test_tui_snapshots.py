"""Every screen rendered at 80x24 and 120x40, compared with the stored SVG snapshots.

Update them after an intended change with: pytest tests/test_tui_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest

from voicemock.app import resources
from voicemock.app.wiring import PracticePlan
from voicemock.config import Settings
from voicemock.round.events import (
    AnswerTranscribed,
    FollowUpAsked,
    FollowUpStreamed,
    ModelLoaded,
    Prompt,
    QuestionAsked,
    RoundStarted,
    SessionOpened,
    SpeechStarted,
    TurnSaved,
)
from voicemock.tui.app import VoicemockApp
from voicemock.tui.drill import ComparisonScreen
from voicemock.tui.interview import InterviewScreen
from voicemock.tui.progress import ProgressScreen, StoriesScreen
from voicemock.tui.scorecard import ScorecardScreen
from voicemock.tui.sessions import ReviewScreen

from .tui_data import ANSWERS, QUESTION, fill, fill_practice, timed

SIZES = [(80, 24), (120, 40)]


def filled_app(tmp_path, monkeypatch, filler) -> VoicemockApp:
    """The app on a data folder ``filler`` stored sessions in; their ids in ``app.ids``."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "VOICEMOCK_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    ids = filler(tmp_path / "data", monkeypatch)
    app = VoicemockApp(Settings(data_dir=tmp_path / "data"))
    app.ids = ids  # type: ignore[attr-defined]
    return app


@pytest.fixture
def app(tmp_path, monkeypatch):
    return filled_app(tmp_path, monkeypatch, fill)


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
        meter = resources.delivery_meter()
        session = "20261120-090001-0a00"
        # The order a round reports in: each answer, then (once the brain has decided on the
        # next line, which may already be streaming) its saved turn with the delivery note.
        for event in (
            ModelLoaded("tiny.en (bundled)", 0.8),
            SessionOpened(session, Path("/data")),
            RoundStarted("technical", (question.id,)),
            QuestionAsked(first, 1, 1),
            SpeechStarted(question.text),
            AnswerTranscribed(first, timed(ANSWERS[0])),
            TurnSaved(session, 1, Path("/t1.wav"), {}, meter.measure(timed(ANSWERS[0])).to_dict()),
            FollowUpAsked(follow, 1),
            AnswerTranscribed(follow, timed(ANSWERS[1])),
            FollowUpStreamed("Understood. And when the producer "),
            FollowUpStreamed("retries after a "),
            TurnSaved(session, 2, Path("/t2.wav"), {}, meter.measure(timed(ANSWERS[1])).to_dict()),
        ):
            screen._post(event)  # as the round's thread delivers them: Textual messages
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
    run_before = pushing(lambda app: ScorecardScreen(app.ids[2]))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_review(snap_compare, app, size):
    run_before = pushing(lambda app: ReviewScreen(app.ids[2]))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_progress(snap_compare, app, size):
    run_before = pushing(lambda app: ProgressScreen("technical"))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.fixture
def practice_app(tmp_path, monkeypatch):
    return filled_app(tmp_path, monkeypatch, fill_practice)


def test_comparison(snap_compare, practice_app):
    run_before = pushing(lambda app: ComparisonScreen(app.ids["first"], app.ids["again"]))
    assert snap_compare(practice_app, terminal_size=(80, 24), run_before=run_before)


def test_stories(snap_compare, practice_app):
    assert snap_compare(
        practice_app, terminal_size=(80, 24), run_before=pushing(lambda app: StoriesScreen())
    )
