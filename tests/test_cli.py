"""The installed ``voicemock`` command end to end: practice → sessions → show → export,
scoring, and every kind of bad input."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from voicemock.audio.wav import write_wav
from voicemock.core.bank import ROUND_IDS

from .conftest import FIXTURES

DEMO = [
    "--replay",
    str(FIXTURES / "eo-first.flac"),
    "--replay",
    str(FIXTURES / "eo-followup-retries.flac"),
    "--replay",
    str(FIXTURES / "eo-followup-latency.flac"),
]
ROUND = ["--round", "technical", "--question", "tech-exactly-once-payments"]


def _one_clean_line(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.startswith("voicemock: error")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def _session_rows(data_dir: Path) -> list[tuple]:
    db = data_dir / "voicemock.db"
    if not db.exists():
        return []
    return sqlite3.connect(db).execute("SELECT id, status FROM sessions").fetchall()


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    """One replayed round, run once through the real CLI, shared by the tests below."""
    import subprocess

    from .conftest import _voicemock_cmd, isolated_env

    tmp = tmp_path_factory.mktemp("replay")
    env = isolated_env(tmp)
    proc = subprocess.run(
        [*_voicemock_cmd(), "practice", *ROUND, *DEMO, "--headless", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return tmp / "data", json.loads(proc.stdout), proc.stderr


@pytest.mark.slow
def test_practice_json_has_the_documented_shape(replayed):
    _, session, _ = replayed
    for key in ("id", "round", "brain", "started_at", "turns", "scorecard"):
        assert key in session
    assert session["round"] == "technical" and session["brain"] == "offline"
    assert session["status"] == "complete"
    turns = session["turns"]
    assert [t["kind"] for t in turns] == ["question", "follow_up", "follow_up"]
    for turn in turns:
        for key in ("kind", "prompt", "transcript", "audio_path", "segments", "latency"):
            assert key in turn
        assert Path(turn["audio_path"]).is_file()
        assert turn["segments"] and turn["segments"][0]["words"]
        assert turn["latency"]["transcribe_s"] > 0
    card = session["scorecard"]
    for key in ("overall", "dimensions", "missing_concepts", "recommendation"):
        assert key in card
    assert 1.0 <= card["overall"] <= 4.0


@pytest.mark.slow
def test_replayed_transcripts_are_what_was_said(replayed):
    _, session, _ = replayed
    first = session["turns"][0]["transcript"].lower()
    assert "kafka transactions" in first and "read committed" in first
    assert "idempotent producer" in session["turns"][1]["transcript"].lower()


@pytest.mark.slow
def test_follow_ups_target_what_the_first_answer_left_out(replayed):
    _, session, _ = replayed
    follow_ups = [t for t in session["turns"] if t["kind"] == "follow_up"]
    assert follow_ups[0]["concept_id"] == "idempotence"
    assert follow_ups[1]["concept_id"] == "latency"


@pytest.mark.slow
def test_progress_went_to_stderr_with_json(replayed):
    _, _, stderr = replayed
    assert "Interviewer" in stderr and "Scorecard" in stderr


@pytest.mark.slow
def test_saved_audio_is_16k_mono_wav(replayed):
    import wave

    _, session, _ = replayed
    with wave.open(session["turns"][0]["audio_path"]) as wav:
        assert wav.getframerate() == 16_000 and wav.getnchannels() == 1
        assert wav.getnframes() > 16_000 * 10


@pytest.mark.slow
def test_sessions_show_export(replayed, voicemock_process, tmp_path):
    voicemock = voicemock_process  # the smoke test of sessions, show and export
    data_dir, session, _ = replayed
    env = {"VOICEMOCK_DATA_DIR": str(data_dir)}
    listing = voicemock("sessions", env=env)
    assert listing.code == 0 and session["id"] in listing.stdout and "complete" in listing.stdout
    shown = voicemock("show", session["id"][:-2], env=env)
    assert shown.code == 0 and "## Scorecard" in shown.stdout
    md = tmp_path / "s.md"
    assert voicemock("export", session["id"], "--format", "md", "-o", str(md), env=env).code == 0
    text = md.read_text()
    assert "Verdict" in text and session["turns"][0]["prompt"] in text
    exported = voicemock("export", session["id"], "--format", "json", env=env)
    assert json.loads(exported.stdout)["id"] == session["id"]


@pytest.mark.slow
def test_human_output_shows_interviewer_answers_and_scorecard(voicemock, data_dir):
    result = voicemock(
        "practice", *ROUND, "--replay", str(FIXTURES / "eo-strong.flac"), "--headless"
    )
    assert result.code == 0, result.stderr
    out = result.stdout
    assert "Interviewer:" in out and "You:" in out and "Scorecard" in out and "Verdict" in out
    assert "Saved as" in out


@pytest.mark.slow
def test_files_left_over_are_reported(voicemock):
    result = voicemock(
        "practice",
        *ROUND,
        "--replay",
        str(FIXTURES / "eo-strong.flac"),
        "--replay",
        str(FIXTURES / "schema-weak.flac"),
        "--headless",
    )
    assert result.code == 0, result.stderr
    assert "unused: schema-weak.flac" in result.stdout


@pytest.mark.slow
def test_files_running_out_scores_the_answers_given(voicemock, data_dir):
    result = voicemock("practice", *ROUND, "--replay", str(FIXTURES / "eo-weak.flac"), "--json")
    assert result.code == 0, result.stderr
    session = json.loads(result.stdout)
    assert len(session["turns"]) == 1
    assert session["scorecard"]["recommendation"] in {"no hire", "strong no hire"}
    assert "no more answer files" in result.stderr


def test_score_json_from_transcript(voicemock, tmp_path):
    answer = tmp_path / "a.txt"
    answer.write_text((FIXTURES / "eo-strong.txt").read_text())
    result = voicemock(
        "score",
        "--round",
        "technical",
        "--question",
        "tech-exactly-once-payments",
        "--transcript",
        str(answer),
        "--json",
    )
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"overall", "dimensions", "missing_concepts", "follow_up"}
    for dim in data["dimensions"].values():
        assert set(dim) >= {"score", "evidence"}
    assert data["overall"] >= 3.0


@pytest.mark.slow
def test_score_json_from_audio_with_own_question(voicemock):
    result = voicemock(
        "score",
        "--round",
        "technical",
        "--question-text",
        "How would you change a schema that forty services consume?",
        "--audio",
        str(FIXTURES / "schema-strong.flac"),
        "--json",
    )
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert "schema registry" in data["transcript"].lower()
    assert data["overall"] > 2.0


def test_score_from_stdin(voicemock_process):
    voicemock = voicemock_process  # the smoke test of score
    result = voicemock(
        "score",
        "--round",
        "technical",
        "--question",
        "tech-consumer-lag",
        "--transcript",
        "-",
        "--json",
        stdin="Maybe add more consumers.",
    )
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["follow_up"].endswith("?")


# -- bad input: one line, non-zero exit, no traceback, nothing half-stored -------------------


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all\n" * 50)
    full = tmp_path / "full.wav"
    write_wav(full, np.sin(np.linspace(0, 4000, 16_000 * 4)).astype(np.float32) * 0.3)
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(full.read_bytes()[:30_000])
    silent = tmp_path / "silent.wav"
    write_wav(silent, np.zeros(16_000 * 3, dtype=np.float32))
    return {
        "no such file": tmp_path / "missing.flac",
        "is a folder": tmp_path,
        "the file is empty": empty,
        "not a readable audio file": text,
        "truncated": truncated,
        "silent": silent,
    }


@pytest.mark.parametrize(
    "reason",
    [
        "no such file",
        "is a folder",
        "the file is empty",
        "not a readable audio file",
        "truncated",
        "silent",
    ],
)
def test_bad_replay_file(voicemock, data_dir, tmp_path, reason):
    bad = _bad_files(tmp_path)[reason]
    result = voicemock(
        "practice",
        *ROUND,
        "--replay",
        str(FIXTURES / "eo-first.flac"),
        "--replay",
        str(bad),
        "--headless",
    )
    assert result.code != 0
    line = _one_clean_line(result.stderr)
    assert str(bad) in line and reason in line
    assert _session_rows(data_dir) == []  # checked before anything was stored


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--round", "nonsense"], "unknown round 'nonsense'"),
        (["--round", "technical", "--question", "no-such-question"], "unknown question"),
        (["--round", "executive", "--question", "tech-consumer-lag"], "belongs to round"),
    ],
)
def test_unknown_round_or_question(voicemock, data_dir, args, needle):
    result = voicemock("practice", *args, "--replay", str(FIXTURES / "eo-first.flac"))
    assert result.code == 2
    assert needle in _one_clean_line(result.stderr)
    assert _session_rows(data_dir) == []


def test_unknown_session_id(voicemock):
    result = voicemock("show", "20000101-000000-dead")
    assert result.code != 0
    assert "voicemock sessions" in _one_clean_line(result.stderr)


def test_bad_config_key_is_named(voicemock, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('modle = "base.en"\n')
    result = voicemock("sessions", env={"VOICEMOCK_CONFIG": str(config)})
    assert result.code == 2
    assert "unknown setting(s) modle" in _one_clean_line(result.stderr)


def test_help_explains_every_command(voicemock_process):
    voicemock = voicemock_process  # the installed entry point
    result = voicemock("--help")
    assert result.code == 0
    for command in ("practice", "score", "sessions", "show", "export", "questions"):
        assert command in result.stdout
    practice = voicemock("practice", "--help").stdout
    assert "--replay" in practice and "--data-dir" in practice and "--json" in practice


@pytest.mark.slow
@pytest.mark.parametrize("round_id", ROUND_IDS)
def test_practice_and_score_work_for_every_round(voicemock, round_id, tmp_path):
    from voicemock.app import resources

    result = voicemock(
        "practice",
        "--round",
        round_id,
        "--seed",
        "3",
        "--replay",
        str(FIXTURES / "schema-weak.flac"),
        "--json",
    )
    assert result.code == 0, result.stderr
    session = json.loads(result.stdout)
    spec = resources.rubric().round(round_id)
    card = session["scorecard"]
    # Every dimension is scored, or listed as one the question did not call for.
    skipped = {d.id for d in spec.dimensions if d.title in card["not_scored"]}
    assert set(card["dimensions"]) | skipped == {d.id for d in spec.dimensions}
    assert not set(card["dimensions"]) & skipped
    assert session["turns"][0]["question_id"] in {
        q.id for q in resources.bank().for_round(round_id)
    }

    answer = tmp_path / "answer.txt"
    answer.write_text("I would start with the customer problem because it decides the rest.")
    question = resources.bank().for_round(round_id)[0].id
    scored = voicemock(
        "score", "--round", round_id, "--question", question, "--transcript", str(answer), "--json"
    )
    assert scored.code == 0, scored.stderr
    card = json.loads(scored.stdout)
    skipped = {d.id for d in spec.dimensions if d.title in card["not_scored"]}
    assert set(card["dimensions"]) | skipped == {d.id for d in spec.dimensions}


@pytest.mark.slow
def test_debrief_gates_the_loop_on_the_weakest_round(voicemock, tmp_path):
    strong = voicemock("practice", *ROUND, "--replay", str(FIXTURES / "eo-strong.flac"), "--json")
    weak = voicemock(
        "practice",
        "--round",
        "technical",
        "--question",
        "tech-schema-evolution",
        "--replay",
        str(FIXTURES / "schema-weak.flac"),
        "--json",
    )
    assert strong.code == 0 and weak.code == 0
    weak_id = json.loads(weak.stdout)["id"]
    result = voicemock("debrief", "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    # Only the latest session per round counts: the weak technical one.
    assert [r["session_id"] for r in data["rounds"]] == [weak_id]
    assert data["verdict"] in {"no hire", "strong no hire"}
    assert data["practise_next"] == "technical"
    human = voicemock("debrief")
    assert "Loop verdict" in human.stdout and "Gated by: technical" in human.stdout
