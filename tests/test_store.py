"""The SQLite store on a real file: WAL, migrations, round trips, prefixes, incomplete sessions."""

from __future__ import annotations

import sqlite3

import pytest

from voicemock.core.models import Segment, Word
from voicemock.store import SessionNotFound, Store, TurnRecord
from voicemock.store.migrations import SCHEMA_VERSION


def _turn(i: int) -> TurnRecord:
    words = (Word(0.0, 0.4, "Kafka", 0.9), Word(0.5, 0.9, "transactions", 0.8))
    return TurnRecord(
        kind="question" if i == 1 else "follow_up",
        question_id="tech-exactly-once-payments",
        prompt=f"prompt {i}",
        transcript="Kafka transactions",
        segments=(Segment(0.0, 0.9, "Kafka transactions", words, -0.2, 0.01),),
        audio_path=f"/tmp/turn-{i}.wav",
        duration_s=1.0,
        latency={"transcribe_s": 0.5},
    )


def test_round_trip(tmp_path):
    with Store(tmp_path) as store:
        sid = store.create_session("technical", "offline", "replay", ["tech-exactly-once-payments"])
        store.add_turn(sid, _turn(1))
        store.add_turn(sid, _turn(2))
        store.save_scorecard(
            sid,
            {
                "overall": 2.5,
                "recommendation": "no hire",
                "dimensions": {},
                "rubric_version": "v1",
                "brain": "offline",
            },
        )
        store.finish_session(sid, "complete")
    with Store(tmp_path) as store:  # reopened: everything was committed
        session = store.get_session(sid)
    assert session["status"] == "complete"
    assert [t["index"] for t in session["turns"]] == [1, 2]
    assert session["turns"][0]["segments"][0]["words"][1]["word"] == "transactions"
    assert session["turns"][1]["kind"] == "follow_up"
    assert session["scorecard"]["overall"] == 2.5
    assert session["turns"][0]["latency"] == {"transcribe_s": 0.5}


def test_wal_mode_and_schema_version(tmp_path):
    Store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "voicemock.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_turn_is_visible_to_another_connection_as_soon_as_it_is_added(tmp_path):
    store = Store(tmp_path)
    sid = store.create_session("technical", "offline", "replay", [])
    store.add_turn(sid, _turn(1))
    # As if the process died now: a separate reader sees the committed turn.
    other = sqlite3.connect(tmp_path / "voicemock.db")
    assert other.execute("SELECT COUNT(*) FROM turns").fetchone()[0] == 1
    assert other.execute("SELECT status FROM sessions").fetchone()[0] == "in_progress"
    store.close()


def test_newer_database_is_refused(tmp_path):
    Store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "voicemock.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(Exception, match="newer than this voicemock"):
        Store(tmp_path)


def test_ids_resolve_by_unique_prefix(tmp_path):
    with Store(tmp_path) as store:
        a = store.create_session("technical", "offline", "replay", [])
        assert store.resolve_id(a[:-2]) == a
        with pytest.raises(SessionNotFound, match="voicemock sessions"):
            store.resolve_id("19990101")


def test_list_filters_by_round_and_reports_scores(tmp_path):
    with Store(tmp_path) as store:
        a = store.create_session("technical", "offline", "replay", [])
        store.create_session("executive", "offline", "replay", [])
        store.save_scorecard(a, {"overall": 3.0, "recommendation": "hire", "dimensions": {}})
        rows = store.list_sessions("technical")
    assert [r["id"] for r in rows] == [a]
    assert rows[0]["overall"] == 3.0 and rows[0]["recommendation"] == "hire"


def test_unwritable_data_dir_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(Exception, match="cannot open the session store"):
        Store(blocker / "sub")
