"""The session store: SQLite in WAL mode, one commit per completed turn."""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voicemock.core.models import Segment
from voicemock.errors import VoicemockError
from voicemock.store.migrations import migrate

DB_NAME = "voicemock.db"


class SessionNotFound(VoicemockError):
    """No stored session matches the id the user gave."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_session_id() -> str:
    """Sortable and short enough to type: ``20261127-061530-a3f9``."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


@dataclass(frozen=True)
class TurnRecord:
    """One answered prompt, as it is committed."""

    kind: str
    question_id: str
    prompt: str
    transcript: str
    segments: Sequence[Segment] = ()
    concept_id: str | None = None
    audio_path: str | None = None
    source: str | None = None
    duration_s: float | None = None
    latency: dict[str, Any] = field(default_factory=dict)
    delivery: dict[str, Any] | None = None


class Store:
    """All persistent state under one data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.data_dir / DB_NAME, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA busy_timeout = 5000")
            migrate(self.conn)
        except (OSError, sqlite3.Error, RuntimeError) as exc:
            raise VoicemockError(
                f"{self.data_dir}: cannot open the session store ({exc}); "
                "pick another folder with --data-dir"
            ) from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing --------------------------------------------------------------------
    def audio_dir(self, session_id: str) -> Path:
        path = self.data_dir / "audio" / session_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def create_session(
        self,
        round_id: str,
        brain: str,
        mode: str,
        question_ids: Sequence[str],
        settings: dict[str, Any] | None = None,
    ) -> str:
        session_id = new_session_id()
        with self.conn:
            self.conn.execute(
                "INSERT INTO sessions (id, round, brain, mode, status, started_at, question_ids,"
                " settings) VALUES (?, ?, ?, ?, 'in_progress', ?, ?, ?)",
                (
                    session_id,
                    round_id,
                    brain,
                    mode,
                    _now(),
                    json.dumps(list(question_ids)),
                    json.dumps(settings or {}),
                ),
            )
        return session_id

    def add_turn(self, session_id: str, turn: TurnRecord) -> int:
        """Commit one completed turn with its segments, atomically."""
        with self.conn:
            idx = self.conn.execute(
                "SELECT COALESCE(MAX(idx), 0) + 1 FROM turns WHERE session_id = ?", (session_id,)
            ).fetchone()[0]
            cur = self.conn.execute(
                "INSERT INTO turns (session_id, idx, kind, question_id, concept_id, prompt,"
                " transcript, audio_path, source, duration_s, latency, created_at, delivery)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    idx,
                    turn.kind,
                    turn.question_id,
                    turn.concept_id,
                    turn.prompt,
                    turn.transcript,
                    turn.audio_path,
                    turn.source,
                    turn.duration_s,
                    json.dumps(turn.latency),
                    _now(),
                    json.dumps(turn.delivery) if turn.delivery is not None else None,
                ),
            )
            turn_id = cur.lastrowid
            self.conn.executemany(
                "INSERT INTO segments (turn_id, idx, start_s, end_s, text, avg_logprob,"
                " no_speech_prob, words) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        turn_id,
                        i,
                        s.start,
                        s.end,
                        s.text,
                        s.avg_logprob,
                        s.no_speech_prob,
                        json.dumps([w.to_dict() for w in s.words]),
                    )
                    for i, s in enumerate(turn.segments)
                ],
            )
        assert turn_id is not None
        return turn_id

    def update_latency(self, turn_id: int, latency: dict[str, Any]) -> None:
        with self.conn:
            self.conn.execute(
                "UPDATE turns SET latency = ? WHERE id = ?", (json.dumps(latency), turn_id)
            )

    def save_scorecard(self, session_id: str, scorecard: dict[str, Any]) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO scorecards (session_id, created_at, brain, rubric_version, overall,"
                " recommendation, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    _now(),
                    scorecard.get("brain", "offline"),
                    scorecard.get("rubric_version", ""),
                    scorecard["overall"],
                    scorecard["recommendation"],
                    json.dumps(scorecard),
                ),
            )

    def add_llm_calls(self, session_id: str, calls: Sequence[dict[str, Any]]) -> None:
        """Record LLM calls (purpose, model, time, tokens, error kind); never prompts or keys."""
        if not calls:
            return
        with self.conn:
            self.conn.executemany(
                "INSERT INTO llm_calls (session_id, created_at, purpose, model, ok, attempts,"
                " seconds, prompt_tokens, completion_tokens, error)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        session_id,
                        _now(),
                        c["purpose"],
                        c["model"],
                        int(bool(c["ok"])),
                        c.get("attempts", 1),
                        c["seconds"],
                        c.get("prompt_tokens"),
                        c.get("completion_tokens"),
                        c.get("error"),
                    )
                    for c in calls
                ],
            )

    def finish_session(self, session_id: str, status: str, error: str | None = None) -> None:
        with self.conn:
            self.conn.execute(
                "UPDATE sessions SET status = ?, finished_at = ?, error = ? WHERE id = ?",
                (status, _now(), error, session_id),
            )

    # -- reading --------------------------------------------------------------------
    def resolve_id(self, session_id: str) -> str:
        """Accept a full id or an unambiguous prefix."""
        rows = self.conn.execute(
            "SELECT id FROM sessions WHERE id = ? OR id LIKE ? ORDER BY id",
            (session_id, session_id.replace("%", "").replace("_", "") + "%"),
        ).fetchall()
        exact = [r["id"] for r in rows if r["id"] == session_id]
        if exact:
            return exact[0]
        if len(rows) == 1:
            return str(rows[0]["id"])
        if not rows:
            raise SessionNotFound(
                f"no session '{session_id}' in {self.data_dir}; list them with: voicemock sessions"
            )
        raise SessionNotFound(f"'{session_id}' matches {len(rows)} sessions; give more of the id")

    def list_sessions(self, round_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        sql = (
            "SELECT s.id, s.round, s.brain, s.mode, s.status, s.started_at, s.finished_at,"
            " (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id) AS turns,"
            " (SELECT overall FROM scorecards c WHERE c.session_id = s.id ORDER BY c.id DESC"
            "  LIMIT 1) AS overall,"
            " (SELECT recommendation FROM scorecards c WHERE c.session_id = s.id"
            "  ORDER BY c.id DESC LIMIT 1) AS recommendation"
            " FROM sessions s"
        )
        params: list[Any] = []
        if round_id:
            sql += " WHERE s.round = ?"
            params.append(round_id)
        sql += " ORDER BY s.started_at DESC, s.rowid DESC LIMIT ?"
        params.append(limit)
        return [dict(r) for r in self.conn.execute(sql, params)]

    def latest_scorecards(self, round_id: str | None = None) -> list[dict[str, Any]]:
        """Each scored session's latest scorecard, newest session first (as list_sessions):
        ``id``, ``round``, ``started_at`` and ``card``, in one query."""
        sql = (
            "SELECT s.id, s.round, s.started_at, c.data, c.created_at FROM sessions s"
            " JOIN scorecards c ON c.id ="
            " (SELECT MAX(id) FROM scorecards WHERE session_id = s.id)"
        )
        params: list[Any] = []
        if round_id:
            sql += " WHERE s.round = ?"
            params.append(round_id)
        sql += " ORDER BY s.started_at DESC, s.rowid DESC"
        return [
            {
                "id": r["id"],
                "round": r["round"],
                "started_at": r["started_at"],
                "card": json.loads(r["data"]) | {"scored_at": r["created_at"]},
            }
            for r in self.conn.execute(sql, params)
        ]

    def get_session(self, session_id: str) -> dict[str, Any]:
        """The whole session as plain data: the shape of ``voicemock export --format json``."""
        session_id = self.resolve_id(session_id)
        row = self.conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        turns = []
        for t in self.conn.execute(
            "SELECT * FROM turns WHERE session_id = ? ORDER BY idx", (session_id,)
        ):
            segments = [
                {
                    "start": s["start_s"],
                    "end": s["end_s"],
                    "text": s["text"],
                    "avg_logprob": s["avg_logprob"],
                    "no_speech_prob": s["no_speech_prob"],
                    "words": json.loads(s["words"]),
                }
                for s in self.conn.execute(
                    "SELECT * FROM segments WHERE turn_id = ? ORDER BY idx", (t["id"],)
                )
            ]
            turns.append(
                {
                    "index": t["idx"],
                    "kind": t["kind"],
                    "question_id": t["question_id"],
                    "concept_id": t["concept_id"],
                    "prompt": t["prompt"],
                    "transcript": t["transcript"],
                    "audio_path": t["audio_path"],
                    "source": t["source"],
                    "duration_s": t["duration_s"],
                    "segments": segments,
                    "latency": json.loads(t["latency"]),
                    "delivery": json.loads(t["delivery"]) if t["delivery"] else None,
                    "created_at": t["created_at"],
                }
            )
        cards = [
            json.loads(c["data"]) | {"scored_at": c["created_at"]}
            for c in self.conn.execute(
                "SELECT * FROM scorecards WHERE session_id = ? ORDER BY id", (session_id,)
            )
        ]
        calls = [
            {
                "purpose": c["purpose"],
                "model": c["model"],
                "ok": bool(c["ok"]),
                "attempts": c["attempts"],
                "seconds": c["seconds"],
                "prompt_tokens": c["prompt_tokens"],
                "completion_tokens": c["completion_tokens"],
                "error": c["error"],
            }
            for c in self.conn.execute(
                "SELECT * FROM llm_calls WHERE session_id = ? ORDER BY id", (session_id,)
            )
        ]
        return {
            "id": row["id"],
            "round": row["round"],
            "brain": row["brain"],
            "mode": row["mode"],
            "status": row["status"],
            "started_at": row["started_at"],
            "finished_at": row["finished_at"],
            "error": row["error"],
            "questions": json.loads(row["question_ids"]),
            "settings": json.loads(row["settings"]),
            "turns": turns,
            "scorecard": cards[-1] if cards else None,
            "earlier_scorecards": cards[:-1],
            "llm_calls": calls,
        }
