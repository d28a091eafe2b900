"""The SQLite store on a real file: WAL, migrations, round trips, prefixes, incomplete sessions."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace

import pytest

from voicemock.core.models import Segment, Word
from voicemock.core.report import session_json
from voicemock.core.stored import LlmCall, SessionRow, StoredSession, StoredTurn
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
    assert session.status == "complete"
    assert [t.index for t in session.turns] == [1, 2]
    assert session.turns[0].segments[0].words[1].text == "transactions"
    assert session.turns[1].kind == "follow_up"
    assert session.scorecard["overall"] == 2.5
    assert session.turns[0].latency == {"transcribe_s": 0.5}


SESSION_KEYS = [
    "id", "round", "brain", "mode", "status", "started_at", "finished_at", "error",
    "again_of", "questions", "settings", "turns", "scorecard", "earlier_scorecards",
    "llm_calls",
]  # fmt: skip
TURN_KEYS = [
    "index", "kind", "question_id", "concept_id", "prompt", "transcript", "audio_path",
    "source", "duration_s", "segments", "latency", "delivery", "created_at",
]  # fmt: skip


def test_a_stored_session_is_typed_and_its_json_export_reads_back_the_same(tmp_path):
    with Store(tmp_path) as store:
        sid = store.create_session(
            "technical", "offline", "replay", ["own-1"], settings={"question_text": "Why?"}
        )
        store.add_turn(sid, _turn(1))
        delivery = {"words": 2, "pause_spans": [[0.1, 2.4]], "pause_threshold_s": 2.0}
        store.add_turn(sid, replace(_turn(2), delivery=delivery))
        for overall in (2.5, 3.0):
            card = {"overall": overall, "recommendation": "hire", "dimensions": {}}
            store.save_scorecard(sid, card)
        store.add_llm_calls(
            sid,
            [{"purpose": "score", "model": "m", "ok": False, "seconds": 1.5, "error": "timeout"}],
        )
        store.finish_session(sid, "complete")
        session = store.get_session(sid)
    assert isinstance(session, StoredSession) and isinstance(session.turns[1], StoredTurn)
    assert session.question_text == "Why?" and session.answered == ["tech-exactly-once-payments"]
    second = session.turn(2)
    assert second is not None and second.is_follow_up
    assert second.pause_spans == ((0.1, 2.4),) and second.pause_threshold_s == 2.0
    assert [w.text for w in second.words] == ["Kafka", "transactions"]
    assert session.llm_calls == (LlmCall("score", "m", False, 1, 1.5, error="timeout"),)
    assert [c["overall"] for c in (*session.earlier_scorecards, session.scorecard)] == [2.5, 3.0]

    exported = json.loads(session_json(session))
    assert list(exported) == SESSION_KEYS and list(exported["turns"][0]) == TURN_KEYS
    assert exported["turns"][0]["segments"][0] == {
        "start": 0.0, "end": 0.9, "text": "Kafka transactions", "avg_logprob": -0.2,
        "no_speech_prob": 0.01,
        "words": [
            {"start": 0.0, "end": 0.4, "word": "Kafka", "probability": 0.9},
            {"start": 0.5, "end": 0.9, "word": "transactions", "probability": 0.8},
        ],
    }  # fmt: skip
    assert exported["scorecard"]["scored_at"] and exported["llm_calls"][0]["attempts"] == 1
    assert StoredSession.from_dict(exported) == session


def test_a_session_row_lists_without_loading_the_session(tmp_path):
    with Store(tmp_path) as store:
        sid = store.create_session("technical", "offline", "replay", [])
        store.add_turn(sid, _turn(1))
        (row,) = store.list_sessions()
    assert isinstance(row, SessionRow) and (row.id, row.turns, row.overall) == (sid, 1, None)
    assert row.to_dict()["status"] == "in_progress"


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
    assert [r.id for r in rows] == [a]
    assert rows[0].overall == 3.0 and rows[0].recommendation == "hire"


def test_unwritable_data_dir_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(Exception, match="cannot open the session store"):
        Store(blocker / "sub")
