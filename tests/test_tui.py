"""The app, driven by Textual's Pilot on the real engine, the bundled model and fixture audio."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, OptionList, Select, Static

from voicemock.config import Settings
from voicemock.store import Store
from voicemock.tui.app import VoicemockApp
from voicemock.tui.home import HomeScreen
from voicemock.tui.interview import ErrorModal, InterviewScreen
from voicemock.tui.progress import ProgressScreen
from voicemock.tui.scorecard import ScorecardScreen
from voicemock.tui.sessions import ReviewScreen
from voicemock.tui.widgets import ChatLine

from . import terminal
from .conftest import FIXTURES, only_session
from .tui_data import QUESTION, fill

ANSWERS = ("eo-first.flac", "eo-followup-latency.flac", "eo-followup-retries.flac")


@pytest.fixture(autouse=True)
def _no_llm_env(monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "VOICEMOCK_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)


def app_for(tmp_path: Path, transcriber=None, **settings) -> VoicemockApp:
    return VoicemockApp(Settings(data_dir=tmp_path / "data", **settings), transcriber=transcriber)


async def wait_for(pilot, condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; screen is {pilot.app.screen!r}")
        await pilot.pause(0.1)
    await pilot.pause(0.2)  # let the new screen finish mounting


async def start_round(pilot) -> InterviewScreen:
    """Start the round chosen on Home; returns the Interview screen once it is shown."""
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, InterviewScreen))
    return pilot.app.screen


async def chat_until_scorecard(pilot, interview: InterviewScreen) -> list[tuple[str, str]]:
    """The conversation as the Interview screen showed it, read until the scorecard opens.

    The chat is read right after each event the round renders: the last answer and the
    switch to the scorecard can come within one poll of each other."""
    lines: list[tuple[str, str]] = []
    show = interview.show

    def read() -> None:
        lines[:] = [(c.who, c.body) for c in interview.query(ChatLine)]

    def show_and_read(event: object) -> None:
        show(event)
        read()

    interview.show = show_and_read  # type: ignore[method-assign]
    read()
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ScorecardScreen))
    return lines


async def choose(pilot, round_id: str, question: str, files: list[Path]) -> None:
    home = pilot.app.screen
    assert isinstance(home, HomeScreen)
    rounds = home.query_one("#rounds", OptionList)
    rounds.highlighted = [o.id for o in rounds.options].index(round_id)
    await pilot.pause()
    home.query_one("#question", Select).value = question
    home.query_one("#replay-files", Input).value = " ".join(str(f) for f in files)
    await pilot.pause()


@pytest.mark.slow
async def test_a_replayed_round_from_home_to_scorecard_to_review(tmp_path, transcriber):
    app = app_for(tmp_path, transcriber)
    async with app.run_test(size=(120, 40)) as pilot:
        await choose(pilot, "technical", QUESTION, [FIXTURES / n for n in ANSWERS])
        lines = await chat_until_scorecard(pilot, await start_round(pilot))
        # The conversation was rendered as it happened: question, answers, follow-ups.
        assert [w for w, _ in lines if w != "notice"] == [
            "interviewer",
            "candidate",
            "interviewer",
            "candidate",
            "interviewer",
            "candidate",
        ]
        assert "read committed" in lines[1][1]
        # Each answer's delivery note is right under that answer, the last one included.
        answered = [i for i, (who, _) in enumerate(lines) if who == "candidate"]
        notes = [lines[i + 1][1] if i + 1 < len(lines) else "" for i in answered]
        assert [n.split(" · ")[0] for n in notes] == [
            "turn 1 saved",
            "turn 2 saved",
            "turn 3 saved",
        ]
        card = app.screen
        verdict = str(card.query_one("#verdict", Static).content)
        assert "overall" in verdict and "technical" in verdict
        # Every rubric dimension is shown: scored, or named as not called for.
        with Store(tmp_path / "data") as store:
            scorecard = store.get_session(card.session_id).scorecard
        shown = len(card.query("DimensionView")) + len(scorecard["not_scored"])
        assert shown == 5 and len(card.query("DimensionView")) >= 4
        assert card.query_one("#progress")
        await pilot.press("m")
        exported = tmp_path / "data" / "exports" / f"{card.session_id}.md"
        await wait_for(pilot, exported.is_file, 5)
        assert "## Scorecard" in exported.read_text()
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen))
        review = app.screen
        assert review.query_one("#sessions", DataTable).row_count == 1
        assert len(review.query_one("#turns", OptionList).options) == 3
        await pilot.press("j")
        await wait_for(
            pilot, (tmp_path / "data" / "exports" / f"{card.session_id}.json").is_file, 5
        )
    with Store(tmp_path / "data") as store:
        session = store.get_session(card.session_id)
    assert session.status == "complete" and len(session.turns) == 3
    assert all(Path(t.audio_path).is_file() for t in session.turns)
    assert session.scorecard["delivery"]["words"] > 100


@pytest.mark.slow
async def test_quit_mid_round_keeps_and_scores_what_was_answered(tmp_path, transcriber):
    app = app_for(tmp_path, transcriber)
    async with app.run_test(size=(80, 24)) as pilot:
        await choose(pilot, "technical", QUESTION, [FIXTURES / n for n in ANSWERS])
        await start_round(pilot)
        await wait_for(pilot, lambda: len(app.screen.query("ChatLine.candidate")) >= 1)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ScorecardScreen))
        session_id = app.screen.session_id
    with Store(tmp_path / "data") as store:
        session = store.get_session(session_id)
    assert session.status == "complete"
    assert 1 <= len(session.turns) < 3 and session.scorecard is not None


async def test_a_corrupt_answer_file_ends_in_a_clear_modal(tmp_path, transcriber):
    bad = tmp_path / "answer.wav"
    bad.write_text("this is not audio")
    app = app_for(tmp_path, transcriber)
    async with app.run_test(size=(80, 24)) as pilot:
        await choose(pilot, "technical", QUESTION, [bad])
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), 30)
        message = str(app.screen.query_one("#error-message", Static).content)
        assert "answer.wav" in message and "Nothing was recorded" in message
        await pilot.press("escape")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), 5)


async def test_home_refuses_to_start_without_answer_files(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert any("answer files" in str(n.message) for n in app._notifications)


async def test_home_lists_the_microphones_and_the_round_uses_the_chosen_one(tmp_path, monkeypatch):
    from voicemock.audio import devices

    found = [
        devices.Device(0, "USB headset", 1, 2, 48_000.0, False, False),
        devices.Device(1, "Speakers", 0, 2, 48_000.0, False, True),
        devices.Device(2, "Laptop microphone", 2, 0, 44_100.0, True, False),
    ]
    calls: list[int] = []
    monkeypatch.setattr(devices, "list_devices", lambda: calls.append(1) or found)
    app = app_for(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        home = app.screen
        picker = home.query_one("#input-device", Select)
        assert not picker.display and not calls  # nothing is asked of PortAudio for files
        await pilot.click("#mode-mic")
        await wait_for(pilot, lambda: len(picker._options) == 3, 10)  # blank + two inputs
        assert [str(label) for label, _ in picker._options[1:]] == [
            "USB headset",
            "Laptop microphone (the default)",
        ]
        assert picker.display and not home.query_one("#replay-files").display
        assert home.build_plan().input_device is None  # the system default until one is picked
        picker.value = "USB headset"
        plan = home.build_plan()
        assert plan.mic and plan.input_device == "USB headset" and not plan.replay
        await pilot.click("#mode-files")
        await pilot.click("#mode-mic")
        assert calls == [1]  # listed once, not on every switch to Microphone


async def test_home_without_a_microphone_says_so(tmp_path, monkeypatch):
    from voicemock.audio import devices

    def no_portaudio() -> list[devices.Device]:
        raise devices.AudioDeviceError("the PortAudio library is missing (test)")

    monkeypatch.setattr(devices, "list_devices", no_portaudio)
    app = app_for(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.click("#mode-mic")
        await wait_for(pilot, lambda: bool(app._notifications), 10)
        assert "PortAudio library is missing" in str(list(app._notifications)[0].message)
        picker = app.screen.query_one("#input-device", Select)
        assert picker.prompt == "No microphone found"


async def test_review_filters_by_round_and_opens_a_scorecard(tmp_path, monkeypatch):
    ids = fill(tmp_path / "data", monkeypatch)
    app = app_for(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), 5)
        review = app.screen
        table = review.query_one("#sessions", DataTable)
        assert table.row_count == 3
        review.query_one("#round-filter", Select).value = "behavioral"
        await pilot.pause()
        assert table.row_count == 0
        review.query_one("#round-filter", Select).value = "technical"
        await pilot.pause()
        assert table.row_count == 3
        table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ScorecardScreen), 5)
        assert app.screen.session_id in ids
        await pilot.press("escape")


async def test_theme_toggle_and_palette_commands(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"New round", "Review sessions", "Progress", "Light or dark theme"} <= set(titles)
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, ProgressScreen), 5)


# -- the real command in a real terminal ---------------------------------------------------
@pytest.mark.skipif(not terminal.AVAILABLE, reason="tmux is not installed")
def test_voicemock_opens_the_app_in_a_terminal(tmp_path, monkeypatch):
    fill(tmp_path / "data", monkeypatch)
    env = terminal.app_env(tmp_path)
    with terminal.Terminal([], env) as term:
        home = term.wait_for("20261120-090003-0a00")
        assert "Technical deep dive" in home and "20261120-090003-0a00" in home
        term.keys("C-r")
        review = term.wait_for("Kafka transactions")
        assert "1. Question" in review and "I would rely on Kafka transactions" in review
        term.keys("Escape")
        term.wait_for("Start round")
        term.keys("C-q")
        term.wait_for("EXITED-0", 10)


@pytest.mark.skipif(not terminal.AVAILABLE, reason="tmux is not installed")
def test_the_app_draws_on_the_terminal_when_standard_error_is_a_file(tmp_path):
    from .conftest import _voicemock_cmd

    env = terminal.app_env(tmp_path)
    errors = tmp_path / "errors.txt"
    program = ["sh", "-c", 'exec "$@" 2>"$0"', str(errors), *_voicemock_cmd()]
    with terminal.Terminal([], env, program=program) as term:
        term.wait_for("Start round")
        term.keys("C-q")
        term.wait_for("EXITED-0", 10)
    assert errors.read_text() == ""


def test_plain_voicemock_without_a_terminal_prints_help(voicemock):
    result = voicemock()
    assert result.code == 0 and "Start here:" in result.stdout


def test_a_corrupt_session_store_is_one_line_not_a_crash_in_the_app(voicemock, data_dir):
    data_dir.mkdir()
    (data_dir / "voicemock.db").write_bytes(b"this is not a database" * 200)
    result = voicemock("tui")
    assert result.code == 1
    db = data_dir / "voicemock.db"
    assert result.stderr.strip().splitlines() == [
        f"voicemock: error: {db} is damaged (file is not a database); move it aside "
        f"(mv {db} {db}.damaged) and voicemock starts a new one, or pick another folder with "
        "--data-dir; 'voicemock doctor' checks it"
    ]


CRASHING_APP = """
import os, sys
from voicemock.config import Settings
from voicemock.tui import run_app
from voicemock.tui.home import HomeScreen

def crash(self):
    key = os.environ["OPENAI_API_KEY"]  # shown among the crash report's local variables
    os.write(2, b"ALSA lib pcm.c:8570: what a native library prints\\n")
    raise RuntimeError("Home could not be drawn")

HomeScreen.on_mount = crash
sys.exit(run_app(Settings(data_dir=sys.argv[1])))
"""


@pytest.mark.skipif(not terminal.AVAILABLE, reason="tmux is not installed")
def test_a_crash_in_the_app_is_reported_after_the_terminal_is_restored(tmp_path):
    """What native libraries print goes to the log, not the screen; a crash report is printed
    once the app has closed, and the API key is taken out of both."""
    import sys

    key = "sk-test-" + "k3y" * 10
    script = tmp_path / "crash.py"
    script.write_text(CRASHING_APP)
    data = tmp_path / "data"
    env = {"OPENAI_API_KEY": key, "PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    with terminal.Terminal([str(script), str(data)], env, (120, 40), [sys.executable]) as term:
        shown = term.wait_for("EXITED-1", 30)
    assert "RuntimeError: Home could not be drawn" in shown
    assert f"(this report is also in {data / 'logs' / 'app.log'})" in shown
    log = (data / "logs" / "app.log").read_text()
    assert "ALSA lib pcm.c:8570" in log and "RuntimeError: Home could not be drawn" in log
    assert key not in shown and key not in log and key[:8] + "k3y" not in log


@pytest.mark.slow
async def test_the_llm_interviewer_in_the_app(tmp_path, transcriber, monkeypatch):
    from .llm_server import ScriptedLLM, status, text
    from .test_llm import scorecard_json

    follow = "Understood. What does that transaction cost the payments team in latency?"
    with ScriptedLLM() as server:
        server.script("stream", text(follow, chunk_delay_s=0.05))
        server.script("json", text(scorecard_json(4)))
        server.defaults["stream"] = status(503, "overloaded")
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        app = app_for(tmp_path, transcriber, llm_retries=0)
        async with app.run_test(size=(120, 40)) as pilot:
            home = app.screen
            endpoint = str(home.query_one("#endpoint", Static).content)
            assert endpoint == f"LLM: its first listed model at {server.url}"
            await choose(pilot, "technical", QUESTION, [FIXTURES / n for n in ANSWERS])
            await pilot.click("#brain-llm")
            lines = await chat_until_scorecard(pilot, await start_round(pilot))
            # The model's follow-up follows the answer it responds to; after the 503 the
            # offline interviewer asks the second one and says so.
            spoken = [(w, b) for w, b in lines if w != "notice"]
            assert [w for w, _ in spoken] == ["interviewer", "candidate"] * 3
            assert spoken[2][1] == follow
            assert any("offline interviewer takes over" in b for w, b in lines if w == "notice")
            verdict = str(app.screen.query_one("#verdict", Static).content)
            assert "offline" in verdict  # scored offline after the fallback
    session, _ = only_session(tmp_path / "data")
    assert session.brain == "llm" and session.status == "complete"
    assert [c.ok for c in session.llm_calls if c.purpose != "warm_up"] == [True, False]


async def test_an_export_that_cannot_be_written_is_a_toast_not_a_crash(tmp_path, monkeypatch):
    fill(tmp_path / "data", monkeypatch)
    (tmp_path / "data" / "exports").write_text("a file where the exports folder should be")
    app = app_for(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), 5)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert any("cannot write" in str(n.message) for n in app._notifications)
