"""The practice runner keeps every completed turn when a round is cut short."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from voicemock.app import resources
from voicemock.audio.files import FileSource
from voicemock.core.brain import OfflineBrain
from voicemock.errors import VoicemockError
from voicemock.round.events import TurnSaved
from voicemock.round.runner import RoundRunner
from voicemock.store import Store

from .conftest import FIXTURES, _voicemock_cmd, isolated_env

pytestmark = pytest.mark.slow


class FailingSecondTime:
    """Wraps the real transcriber; the second answer fails like a broken model would."""

    def __init__(self, real):
        self.real = real
        self.calls = 0
        self.label = real.label
        self.prompt_for = real.prompt_for

    def transcribe(self, audio, *, prompt="", fast=False):
        self.calls += 1
        if self.calls == 2:
            raise VoicemockError("speech model crashed")
        return self.real.transcribe(audio, prompt=prompt)


def test_failure_mid_round_marks_session_incomplete_with_turns_intact(tmp_path, transcriber):
    store = Store(tmp_path)
    events = []
    runner = RoundRunner(
        store,
        FailingSecondTime(transcriber),
        OfflineBrain(resources.scorer()),
        resources.vocabulary(),
        on_event=events.append,
    )
    sources = [
        FileSource(FIXTURES / "eo-first.flac"),
        FileSource(FIXTURES / "eo-followup-retries.flac"),
    ]
    question = resources.bank().get("tech-exactly-once-payments")
    with pytest.raises(VoicemockError, match="speech model crashed"):
        runner.run("technical", [question], sources)
    (row,) = store.list_sessions()
    session = store.get_session(row.id)
    assert session.status == "incomplete"
    assert "speech model crashed" in session.error
    assert len(session.turns) == 1
    assert "transactions" in session.turns[0].transcript.lower()
    # The second answer's audio was captured before transcription failed: it is kept.
    audio_files = sorted((tmp_path / "audio" / row.id).glob("*.wav"))
    assert [p.name for p in audio_files] == ["turn-01.wav", "turn-02.wav"]
    assert sum(isinstance(e, TurnSaved) for e in events) == 1


def test_interrupt_during_a_round_keeps_completed_turns(tmp_path):
    data = tmp_path / "data"
    env = isolated_env(tmp_path, data)
    proc = subprocess.Popen(
        [
            *_voicemock_cmd(),
            "practice",
            "--round",
            "technical",
            "--question",
            "tech-exactly-once-payments",
            "--replay",
            str(FIXTURES / "eo-first.flac"),
            "--replay",
            str(FIXTURES / "eo-followup-retries.flac"),
            "--replay",
            str(FIXTURES / "eo-followup-latency.flac"),
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
        # As from a terminal: a test run started in the background inherits an ignored SIGINT.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "saved turn 1" in line:
            proc.send_signal(signal.SIGINT)
            break
    _, rest = proc.communicate(timeout=120)
    stderr = "".join(seen) + rest
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    conn = sqlite3.connect(data / "voicemock.db")
    status, error = conn.execute("SELECT status, error FROM sessions").fetchone()
    assert status == "incomplete" and error == "interrupted"
    assert conn.execute("SELECT COUNT(*) FROM turns").fetchone()[0] >= 1


def test_quit_before_the_first_answer_stores_an_unscored_incomplete_session(tmp_path):
    from voicemock.round.runner import RoundControl

    control = RoundControl()
    control.quit()
    with Store(tmp_path) as store:
        runner = RoundRunner(
            store,
            transcriber=None,  # never reached: the round stops before any answer
            brain=OfflineBrain(resources.scorer()),
            vocabulary=resources.vocabulary(),
            control=control,
        )
        question = resources.bank().get("tech-exactly-once-payments")
        session_id = runner.run("technical", [question], [FileSource(FIXTURES / "eo-weak.flac")])
        session = store.get_session(session_id)
    assert session.status == "incomplete" and "before any answer" in session.error
    assert session.scorecard is None and session.turns == ()


def test_an_interruption_is_the_cause_of_whatever_it_woke(tmp_path, transcriber):
    """A frontend torn down under the round (SIGTERM in the app) fails its next event: the
    session records the interruption, not the frontend's error, and the interruption is raised."""
    from voicemock.errors import Interrupted
    from voicemock.round.runner import RoundControl

    control = RoundControl()

    def closing_frontend(event):
        if isinstance(event, TurnSaved):
            control.interrupt(Interrupted("SIGTERM", 143))
            raise LookupError("No nodes match '#question'")

    with Store(tmp_path) as store:
        runner = RoundRunner(
            store,
            transcriber,
            OfflineBrain(resources.scorer()),
            resources.vocabulary(),
            on_event=closing_frontend,
            control=control,
        )
        question = resources.bank().get("tech-exactly-once-payments")
        with pytest.raises(Interrupted):
            runner.run("technical", [question], [FileSource(FIXTURES / "eo-first.flac")])
        (row,) = store.list_sessions()
        session = store.get_session(row.id)
    assert session.status == "incomplete" and session.error == "interrupted (SIGTERM)"
    assert len(session.turns) == 1


def test_repeat_sets_the_answer_aside_and_asks_again(tmp_path, transcriber):
    from voicemock.round.events import PromptRepeated
    from voicemock.round.runner import RoundControl

    control = RoundControl()
    control.repeat_question()
    events = []
    with Store(tmp_path) as store:
        runner = RoundRunner(
            store,
            transcriber,
            OfflineBrain(resources.scorer()),
            resources.vocabulary(),
            on_event=events.append,
            max_follow_ups=0,
            control=control,
        )
        question = resources.bank().get("tech-exactly-once-payments")
        sources = [FileSource(FIXTURES / n) for n in ("eo-weak.flac", "eo-first.flac")]
        session_id = runner.run("technical", [question], sources)
        session = store.get_session(session_id)
    assert sum(isinstance(e, PromptRepeated) for e in events) == 1
    (turn,) = session.turns
    assert "transaction" in turn.transcript.lower()  # the second answer, not the first
    audio = Path(turn.audio_path)
    assert audio.is_file() and (audio.parent / "turn-01-dropped-1.wav").is_file()
