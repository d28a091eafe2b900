"""Each failure a reliability review found, reproduced the way it was found.

A slow LLM endpoint (keep-alives, a trickled body), markup in question and model
text, signals mid-round, a process killed with a round open, a failure between a
turn and its segments, concurrent first opens, file permissions under umask 022,
symbolic links, implausible audio headers, a full disk, a damaged database, a
closed pipe, out-of-range settings and escape sequences in model text.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import sqlite3
import stat
import struct
import subprocess
import time
from pathlib import Path

import pytest

from voicemock.app import resources
from voicemock.audio.files import decode_file
from voicemock.audio.wav import write_wav
from voicemock.config import load_settings
from voicemock.core.models import Segment
from voicemock.errors import AudioInputError, ConfigError
from voicemock.llm import ChatClient, resolve_llm_config
from voicemock.llm.brain import LLMBrain
from voicemock.llm.client import clean_model_text
from voicemock.private import UnsafePathError, open_private
from voicemock.round.events import FollowUpAsked, NoticeGiven, Prompt, QuestionAsked
from voicemock.store import Store, TurnRecord
from voicemock.store.db import StoreError

from . import terminal
from .conftest import FIXTURES, _voicemock_cmd, isolated_env
from .llm_server import MODEL, Reply, ScriptedLLM, text
from .test_llm import STRONG, question, scorecard_json
from .test_llm import llm as llm  # noqa: F401 - the fixture, shared

HOLD_S = 60.0  # how long a hostile server would hold a call: far beyond every budget


def llm_brain(server, *, timeout=2.0, first_words=1.0):
    env = {"OPENAI_BASE_URL": server.url}
    config = resolve_llm_config(MODEL, None, timeout, 1, env=env, first_words_s=first_words)
    events: list[object] = []
    brain = LLMBrain(
        ChatClient(config), resources.persona(), resources.scorer(), on_event=events.append
    )
    return brain, events


# -- 1. a slow LLM endpoint -------------------------------------------------------------
def test_keep_alives_without_words_get_the_offline_follow_up_at_once(llm):
    llm.script("stream", Reply(content="Late?", keepalive_s=0.2, hold_s=HOLD_S))
    brain, events = llm_brain(llm, timeout=5.0, first_words=1.0)
    started = time.monotonic()
    follow = brain.follow_up(question(), ["Kafka is fast."], [])
    waited = time.monotonic() - started
    assert follow is not None and follow.concept_id is not None  # the offline brain's
    assert waited < HOLD_S / 4  # the server would have held it for a minute
    assert len(llm.chunks_sent) >= 2  # keep-alives did arrive: bytes were flowing
    notice = next(e for e in events if isinstance(e, NoticeGiven) and e.fell_back)
    assert "had not started its reply after 1 s" in notice.message
    # The endpoint is not asked again this round: scoring is offline, no new request.
    before = len(llm.chat_requests())
    card = brain.score("technical", [(question(), [STRONG])])
    assert card.brain == "offline" and len(llm.chat_requests()) == before


def test_a_trickled_scorecard_is_cut_off_at_the_deadline(llm):
    llm.script("json", Reply(trickle_s=0.3, hold_s=HOLD_S))
    brain, events = llm_brain(llm, timeout=2.0)
    started = time.monotonic()
    card = brain.score("technical", [(question(), [STRONG])])
    assert time.monotonic() - started < HOLD_S / 4
    assert len(llm.chunks_sent) >= 3  # bytes kept coming, one at a time
    assert card.brain == "offline"
    assert any("did not finish its reply within 2 s" in n for n in card.notes)
    (call,) = brain.drain_usage()
    assert call.error.startswith("timeout") and call.attempts == 1


@pytest.mark.slow
def test_rescore_all_against_a_stalled_endpoint_falls_back_once_and_says_so(voicemock, data_dir):
    for name in ("eo-weak.flac", "eo-strong.flac", "eo-first.flac"):
        args = ["practice", "--round", "technical", "--question", "tech-exactly-once-payments"]
        assert voicemock(*args, "--replay", str(FIXTURES / name)).code == 0
    (data_dir.parent / "empty-config.toml").write_text("llm_timeout = 2\n")
    with ScriptedLLM() as server:
        server.defaults["json"] = Reply(trickle_s=0.3, hold_s=HOLD_S)
        env = {"OPENAI_BASE_URL": server.url, "VOICEMOCK_LLM_MODEL": MODEL}
        started = time.monotonic()
        result = voicemock("rescore", "--all", "--brain", "llm", env=env)
        waited = time.monotonic() - started
        asked = len(server.chat_requests())
    assert result.code == 0, result.stderr
    assert asked == 1  # one failure, then offline for every other session
    assert waited < HOLD_S
    assert "LLM unavailable during scoring" in result.stderr
    assert result.stdout.count("->") == 3


# -- 2. markup in user and model text -----------------------------------------------------
async def test_brackets_in_a_question_and_a_follow_up_render_as_written(tmp_path):
    from textual.widgets import Static

    from voicemock.app.wiring import PracticePlan
    from voicemock.config import Settings
    from voicemock.core.bank import Question
    from voicemock.tui.app import VoicemockApp
    from voicemock.tui.interview import ErrorModal, InterviewScreen

    settings = Settings(data_dir=tmp_path / "data")
    plan = PracticePlan("technical", [], replay=[FIXTURES / "eo-weak.flac"])
    app = VoicemockApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = InterviewScreen(plan, autostart=False)
        await app.push_screen(screen)
        base = question()
        odd = Question(base.id, base.round, "Explain [/] and [b]offsets[/b] and [$x]?", ())
        screen.show(QuestionAsked(Prompt("question", odd.text, odd), 1, 1))
        await pilot.pause()
        shown = str(screen.query_one("#asked", Static).render())
        assert "Explain [/] and [b]offsets[/b] and [$x]?" in shown
        follow = "[/INST] What about [red]ordering[/red]?"
        screen.show(FollowUpAsked(Prompt("follow_up", follow, odd, "c"), 1))
        await pilot.pause()
        assert follow in str(screen.query_one("#asked", Static).render())
        screen.show(NoticeGiven("LLM said [/INST] [/]"))
        await app.push_screen(ErrorModal("Stopped [/]", "cause [/INST] [/]"))
        await pilot.pause()
        assert "cause [/INST] [/]" in str(app.screen.query_one("#error-message", Static).render())


# -- 3. signals and a killed process --------------------------------------------------------
def _stalled_round(tmp_path: Path, server: ScriptedLLM) -> subprocess.Popen[str]:
    env = isolated_env(tmp_path) | {"OPENAI_BASE_URL": server.url, "VOICEMOCK_LLM_MODEL": MODEL}
    (tmp_path / "empty-config.toml").write_text("llm_timeout = 120\nllm_first_words = 60\n")
    args = ["practice", "--round", "technical", "--question", "tech-exactly-once-payments"]
    args += ["--replay", str(FIXTURES / "eo-first.flac"), "--brain", "llm", "--headless"]
    return subprocess.Popen(
        [*_voicemock_cmd(), *args],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _wait_for_follow_up_request(server: ScriptedLLM, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 300
    while not any(r.streamed for r in server.chat_requests()):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.1)


def _the_session(data_dir: Path) -> dict:
    with Store(data_dir) as store:
        (row,) = store.list_sessions()
        return store.get_session(row.id)


@pytest.mark.slow
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_a_signal_mid_round_ends_it_like_ctrl_c(tmp_path, signame):
    with ScriptedLLM() as server:
        server.defaults["stream"] = Reply(keepalive_s=0.5, hold_s=HOLD_S * 3)
        proc = _stalled_round(tmp_path, server)
        _wait_for_follow_up_request(server, proc)
        proc.send_signal(getattr(signal, signame))
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + getattr(signal, signame)
    assert f"stopped by {signame}; completed turns are saved" in err
    session = _the_session(tmp_path / "data")
    assert session.status == "incomplete" and session.error == f"interrupted ({signame})"
    assert len(session.turns) == 1 and Path(session.turns[0].audio_path).is_file()


@pytest.mark.slow
@pytest.mark.skipif(not terminal.AVAILABLE, reason="tmux is not installed")
def test_sigterm_in_the_app_ends_the_round_as_interrupted(tmp_path):
    with ScriptedLLM() as server:
        server.defaults["stream"] = Reply(keepalive_s=0.5, hold_s=HOLD_S * 3)
        env = terminal.app_env(tmp_path) | {
            "OPENAI_BASE_URL": server.url,
            "VOICEMOCK_LLM_MODEL": MODEL,
        }
        (tmp_path / "empty-config.toml").write_text("llm_timeout = 300\nllm_first_words = 60\n")
        args = ["practice", "--round", "technical", "--question", "tech-exactly-once-payments"]
        args += ["--replay", str(FIXTURES / "eo-first.flac"), "--brain", "llm"]
        with terminal.Terminal(args, env, size=(100, 30)) as term:
            deadline = time.monotonic() + 300
            while not any(r.streamed for r in server.chat_requests()):
                assert time.monotonic() < deadline, term.screen()
                time.sleep(0.2)
            pane = subprocess.run(
                ["tmux", "list-panes", "-t", term.name, "-F", "#{pane_pid}"],
                capture_output=True,
                text=True,
            ).stdout.split()[0]
            found = subprocess.run(["pgrep", "-P", pane], capture_output=True)  # voicemock
            for pid in found.stdout.split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGTERM)
            shown = term.wait_for("EXITED-143", 60)
    assert "stopped by SIGTERM; completed turns are saved" in shown
    session = _the_session(tmp_path / "data")
    assert session.status == "incomplete" and session.error == "interrupted (SIGTERM)"


@pytest.mark.slow
def test_a_round_whose_process_was_killed_is_marked_interrupted(tmp_path, voicemock):
    with ScriptedLLM() as server:
        server.defaults["stream"] = Reply(keepalive_s=0.5, hold_s=HOLD_S * 3)
        proc = _stalled_round(tmp_path, server)
        _wait_for_follow_up_request(server, proc)
        proc.kill()
        proc.communicate()
    listed = voicemock("sessions")
    assert "incomplete" in listed.stdout and "in_progress" not in listed.stdout
    session = _the_session(tmp_path / "data")
    assert session.status == "incomplete" and session.error == "interrupted"
    assert len(session.turns) == 1
    # Progress, debrief and rescore --all skip it unless asked.
    assert "No sessions with answers" in voicemock("rescore", "--all").stdout
    assert voicemock("rescore", "--all", "--include-incomplete").stdout.count("->") == 1


def test_a_live_owner_keeps_its_round_open(tmp_path):
    with Store(tmp_path) as store:
        sid = store.create_session("technical", "offline", "replay", [])
    with Store(tmp_path) as other:  # same process, still running the round
        assert other.get_session(sid).status == "in_progress"
        other.conn.execute("UPDATE sessions SET owner = 'elsewhere:1:1' WHERE id = ?", (sid,))
    with Store(tmp_path) as store:  # another host's process: nothing here can tell
        assert store.get_session(sid).status == "in_progress"
        store.conn.execute("UPDATE sessions SET owner = ? WHERE id = ?", (_dead_owner(), sid))
    with Store(tmp_path) as store:
        session = store.get_session(sid)
    assert (session.status, session.error) == ("incomplete", "interrupted")


def _dead_owner() -> str:
    import socket

    proc = subprocess.Popen(["true"])
    proc.wait()
    return f"{socket.gethostname()}:{proc.pid}:0"


# -- 4. a turn is saved whole ----------------------------------------------------------------
def test_a_failure_between_the_turn_and_its_segments_stores_neither(tmp_path):
    good = Segment(0.0, 1.0, "Ordering holds within a partition.")
    broken = Segment(1.0, 2.0, None)  # type: ignore[arg-type]  # NOT NULL fails mid-write
    with Store(tmp_path) as store:
        sid = store.create_session("technical", "offline", "replay", ["q"])
        store.add_turn(sid, TurnRecord("question", "q", "Q?", "first", (good,)))
        with pytest.raises(StoreError):
            store.add_turn(sid, TurnRecord("question", "q", "Q?", "second", (good, good, broken)))
        turns = store.get_session(sid).turns
    assert [t.transcript for t in turns] == ["first"]
    assert [len(t.segments) for t in turns] == [1]


# -- 6. concurrent first opens and session ids ------------------------------------------------
def _open_and_create(folder: str, count: int, barrier) -> list[str]:
    barrier.wait()
    with Store(Path(folder)) as store:
        return [store.create_session("technical", "offline", "replay", []) for _ in range(count)]


def test_four_processes_opening_a_new_data_folder_at_once_all_succeed(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(4) as pool:
        for attempt in range(10):
            barrier = manager.Barrier(4)
            folder = str(tmp_path / f"fresh-{attempt}")
            results = [pool.apply_async(_open_and_create, (folder, 25, barrier)) for _ in range(4)]
            ids = [sid for r in results for sid in r.get(timeout=120)]
            assert len(ids) == len(set(ids)) == 100
            with Store(Path(folder)) as store:
                assert len(store.list_sessions(limit=1000)) == 100


# -- 5. private files --------------------------------------------------------------------------
def test_recordings_and_the_database_are_private_under_umask_022(tmp_path):
    old = os.umask(0o022)
    try:
        data = tmp_path / "data"
        with Store(data) as store:
            sid = store.create_session("technical", "offline", "replay", [])
            wav = write_wav(
                store.audio_dir(sid) / "turn-01.wav", decode_file(FIXTURES / "eo-weak.flac")
            )
            with open_private(data / "logs.txt", "ab") as log:
                log.write(b"x")
        checked = [data, data / "audio", wav.parent, wav, data / "voicemock.db", data / "logs.txt"]
        checked += [p for p in data.glob("voicemock.db-*")]
    finally:
        os.umask(old)
    for path in checked:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_an_existing_open_data_folder_is_tightened(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    Store(data).close()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


def test_writes_refuse_symbolic_links(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    link = tmp_path / "turn-01.wav"
    link.symlink_to(target)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        write_wav(link, decode_file(FIXTURES / "eo-weak.flac"))
    assert target.read_text() == "keep me"


@pytest.mark.slow
def test_export_refuses_a_planted_link(voicemock, tmp_path, data_dir):
    args = ["practice", "--round", "technical", "--question", "tech-exactly-once-payments"]
    run = voicemock(*args, "--replay", str(FIXTURES / "eo-weak.flac"), "--json")
    sid = json.loads(run.stdout)["id"]
    target = tmp_path / "victim.txt"
    target.write_text("keep me")
    (tmp_path / "out.md").symlink_to(target)
    result = voicemock("export", sid, "--output", str(tmp_path / "out.md"))
    assert result.code == 1 and "symbolic link" in result.stderr
    assert target.read_text() == "keep me"


# -- 7. bounded audio -------------------------------------------------------------------------
def _wav_with_rate(path: Path, rate: int, seconds_of_bytes: int = 160_000) -> Path:
    data = os.urandom(seconds_of_bytes * 2)
    fields = (b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, 1, 1, rate, rate * 2, 2, 16)
    header = struct.pack("<4sI4s4sIHHIIHH4sI", *fields, b"data", len(data))
    path.write_bytes(header + data)
    return path


def test_a_32_hz_header_is_refused_before_decoding(tmp_path):
    bad = _wav_with_rate(tmp_path / "odd.wav", 32)
    with pytest.raises(AudioInputError, match="says 32 Hz"):
        decode_file(bad)


def test_an_answer_longer_than_the_limit_is_refused_with_the_setting_to_change(tmp_path):
    long = _wav_with_rate(tmp_path / "long.wav", 16_000, 16_000 * 12)
    with pytest.raises(AudioInputError, match="12 s|0.2 min.*max_file_answer"):
        decode_file(long, max_seconds=5)


def test_chunked_decoding_matches_the_whole_file_decoder():
    from faster_whisper.audio import decode_audio

    for name in ("eo-weak.flac", "eo-strong.flac"):
        ours = decode_file(FIXTURES / name)
        theirs = decode_audio(str(FIXTURES / name), sampling_rate=16_000)
        assert ours.dtype.name == "float32" and ours.shape == theirs.shape
        assert float(abs(ours - theirs).max()) < 1e-6


@pytest.mark.slow
def test_long_answers_are_transcribed_in_windows_cut_at_pauses(transcriber):
    import numpy as np

    from voicemock.stt.whisper import LONG_AUDIO_S, WINDOW_S, window_end

    one = decode_file(FIXTURES / "eo-strong.flac")
    gap = np.zeros(8_000, dtype=np.float32)
    audio = np.concatenate([np.concatenate([one, gap])] * int(LONG_AUDIO_S * 16_000 / one.size + 2))
    cut = window_end(audio, 0)
    assert WINDOW_S - 20 <= cut / 16_000 <= WINDOW_S
    assert float(np.abs(audio[cut - 400 : cut + 400]).max()) < 0.01  # a pause, not a word
    result = transcriber.transcribe(audio, prompt="")
    starts = [s.start for s in result.segments]
    assert starts == sorted(starts) and starts[-1] > WINDOW_S  # times run across windows
    assert result.text.lower().count("transaction") >= 3


# -- 8. real causes --------------------------------------------------------------------------
def test_a_page_corrupted_database_is_one_line_with_the_way_to_recover(voicemock, data_dir):
    with Store(data_dir) as store:
        for _ in range(300):
            sid = store.create_session("technical", "offline", "replay", ["q"])
            store.add_turn(sid, TurnRecord("question", "q", "Q?", "word " * 200))
    db = data_dir / "voicemock.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = bytearray(db.read_bytes())
    page = 4096
    for offset in range(page * 3, len(raw) - page, page * 5):
        raw[offset : offset + 64] = b"\xff" * 64
    db.write_bytes(bytes(raw))
    result = voicemock("show", sid)
    assert result.code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "is damaged" in result.stderr and f"mv {db} {db}.damaged" in result.stderr
    doctor = voicemock("doctor")
    assert doctor.code == 1 and "FAIL" in doctor.stdout and "is damaged" in doctor.stdout


def test_doctor_runs_the_integrity_check(voicemock, data_dir):
    Store(data_dir).close()
    out = voicemock("doctor").stdout
    assert "session database: voicemock.db: SQLite integrity check passed" in out
    assert "judge: meaning model minilm-l3, calibrated" in out


def test_a_closed_pipe_ends_quietly(tmp_path, data_dir):
    with Store(data_dir) as store:
        for _ in range(1500):
            store.create_session("technical", "offline", "replay", [])
    env = isolated_env(tmp_path, data_dir)
    cmd = " ".join(_voicemock_cmd()) + " sessions --limit 10000 | head -1"
    proc = subprocess.run(
        ["bash", "-o", "pipefail", "-c", cmd], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.stderr == "" and proc.stdout.count("\n") == 1
    assert proc.returncode == 141


@pytest.fixture
def full_disk(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()[:100]}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_is_named_as_the_cause(full_disk, tmp_path):
    data = full_disk / "data"
    with Store(data) as store:
        sid = store.create_session("technical", "offline", "replay", ["q"])
        filler = full_disk / "filler"
        with open(filler, "wb") as fh, pytest.raises(OSError):
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        with pytest.raises(StoreError, match="no space left on the disk holding"):
            for _ in range(200):
                store.add_turn(sid, TurnRecord("question", "q", "Q?", "word " * 5000))
    env = isolated_env(tmp_path, data)
    args = ["practice", "--round", "technical", "--question", "tech-exactly-once-payments"]
    args += ["--replay", str(FIXTURES / "eo-weak.flac"), "--headless"]
    proc = subprocess.run([*_voicemock_cmd(), *args], env=env, capture_output=True, text=True)
    assert proc.returncode == 1 and "no space left" in proc.stderr
    assert "internal error" not in proc.stderr


# -- 9. settings have ranges --------------------------------------------------------------------
@pytest.mark.parametrize(
    "line, message",
    [
        ("cpu_threads = 100000", "cpu_threads must be a whole number from 0 to 64"),
        ("pause_threshold = nan", "pause_threshold must be a number of seconds from 0.3 to 30"),
        ("llm_timeout = inf", "llm_timeout must be a number of seconds from 1 to 600"),
        ("llm_retries = 1000000", "llm_retries must be a whole number from 0 to 5"),
        ("questions = 0", "questions must be a whole number from 1 to 10"),
        ("max_file_answer = 1e12", "max_file_answer must be a number of seconds from 5 to 7200"),
        ("llm_first_words = -1", "llm_first_words must be a number of seconds from 0.5 to 60"),
    ],
)
def test_out_of_range_settings_are_one_line_errors(tmp_path, line, message):
    config = tmp_path / "config.toml"
    config.write_text(line + "\n")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_settings(config)


def test_an_out_of_range_setting_stops_the_command_cleanly(voicemock, tmp_path):
    (tmp_path / "empty-config.toml").write_text("cpu_threads = 100000\n")
    result = voicemock("doctor")
    assert result.code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "cpu_threads must be a whole number from 0 to 64" in result.stderr


# -- 10. model text is not trusted --------------------------------------------------------------
def test_escape_sequences_and_the_key_never_leave_the_model_reply(tmp_path):
    key = "sk-test-hardening-0123456789abcdef"
    hostile = "\x1b]0;owned\x07\x1b[2JWhat does \x1b[31mordering\x1b[0m cost " + key + "?"
    with ScriptedLLM(api_key=key) as server:
        server.script("stream", text(hostile))
        server.script("json", text(scorecard_json(3, hints=["Use \x1b[2J keys " + key])))
        env = {"OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": key}
        config = resolve_llm_config(MODEL, None, 5.0, 0, env=env)
        brain = LLMBrain(ChatClient(config), resources.persona(), resources.scorer())
        follow = brain.follow_up(question(), ["Kafka is fast."], [])
        card = brain.score("technical", [(question(), [STRONG])]).to_dict()
    assert follow is not None and "\x1b" not in follow.text and key not in follow.text
    assert follow.text.startswith("What does ordering cost")
    dumped = json.dumps(card)
    assert "\\u001b" not in dumped and key not in dumped


def test_clean_model_text_keeps_words_and_line_breaks():
    assert clean_model_text("a\x1b[1mb\x1b[0m\tc\nd\x07e\u202ef") == "ab\tc\nd" + "ef"
