"""The session store: SQLite in WAL mode, one transaction per completed turn.

The data folder is private (0700, files 0600). A session records the process that
runs it; opening the store closes sessions whose process is gone as "interrupted",
so no round stays in progress forever.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import random
import secrets
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from voicemock.core.models import Segment
from voicemock.core.stored import (
    LlmCall,
    SessionRow,
    StoredSession,
    StoredTurn,
    words_from_dicts,
)
from voicemock.errors import VoicemockError
from voicemock.private import private_dir, tighten
from voicemock.store.migrations import NewerSchema, migrate

T = TypeVar("T")
DB_NAME = "voicemock.db"
BUSY_TIMEOUT_MS = 30_000
INTERRUPTED = "interrupted"


class SessionNotFound(VoicemockError):
    """No stored session matches the id the user gave."""


class StoreError(VoicemockError):
    """The session database cannot be read or written: damaged, full disk, locked."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_session_id() -> str:
    """Sortable and short enough to type: ``20261127-061530-a3f9c2``.

    24 random bits per second; an insert that still collides draws again."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def _start_ticks(pid: int) -> str:
    """When process ``pid`` started (Linux clock ticks since boot), "" where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode("ascii", "replace")
    except OSError:
        return ""
    # Field 22, counted after the command name, which may itself hold spaces or brackets.
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else ""


def this_process() -> str:
    """The owner tag of this process: host, pid and start time (pids are reused)."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


def owner_alive(owner: str | None) -> bool:
    """Whether the process that tagged a session may still run it."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text, _, ticks = rest.partition(":")
    if host != socket.gethostname():
        return True  # another machine's process: nothing here can tell
    try:
        pid = int(pid_text)
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    except (ValueError, OverflowError):
        return False
    return not ticks or _start_ticks(pid) in {ticks, ""}


def explain_database_error(exc: BaseException) -> str | None:
    """One line for an error raised by the database engine; None for any other error."""
    return explain_sqlite_error(exc, None) if isinstance(exc, sqlite3.Error) else None


def explain_sqlite_error(exc: BaseException, where: Path | None) -> str:
    """One line naming what went wrong with the database and the way out."""
    text = str(exc)
    low = text.lower()
    db = where / DB_NAME if where is not None else Path("<data dir>") / DB_NAME
    if "disk is full" in low or getattr(exc, "errno", None) == errno.ENOSPC:
        return (
            f"no space left on the disk holding {db.parent}: free some space and try again "
            "(completed turns are saved)"
        )
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return (
            f"{db} is damaged ({text}); move it aside (mv {db} {db}.damaged) and voicemock "
            "starts a new one, or pick another folder with --data-dir; "
            "'voicemock doctor' checks it"
        )
    if "locked" in low or "busy" in low:
        return f"{db} is locked by another voicemock for too long ({text}); try again"
    if "readonly" in low or "read-only" in low or isinstance(exc, PermissionError):
        return f"{db} cannot be written ({text}); check the folder's permissions"
    return f"{db}: {text}"


def _insert_segments(conn: sqlite3.Connection, turn_id: int, segments: Sequence[Segment]) -> None:
    conn.executemany(
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
            for i, s in enumerate(segments)
        ],
    )


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


def _reads(method: Callable[..., T]) -> Callable[..., T]:
    """A read whose SQLite failure (a damaged page, a lock held too long) is one StoreError."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise StoreError(explain_sqlite_error(exc, self.data_dir)) from None

    return wrapper


class Store:
    """All persistent state under one data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.owner = this_process()
        try:
            private_dir(self.data_dir)
            self.conn = sqlite3.connect(
                self.data_dir / DB_NAME, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"{self.data_dir}: cannot open the session store ({exc}); "
                "pick another folder with --data-dir"
            ) from None
        try:
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self._prepare()
            for suffix in ("", "-wal", "-shm"):
                tighten(self.data_dir / (DB_NAME + suffix))
            self.close_abandoned()
        except NewerSchema as exc:
            self.conn.close()
            raise StoreError(f"{self.data_dir / DB_NAME}: {exc}") from None
        except (OSError, sqlite3.Error) as exc:
            self.conn.close()
            raise StoreError(explain_sqlite_error(exc, self.data_dir)) from None

    def _prepare(self) -> None:
        """WAL mode and the schema. Switching a new file to WAL, and WAL recovery, can report
        "locked" at once instead of waiting, when other processes open the same new folder
        at the same moment: those attempts are repeated until the busy timeout."""
        give_up = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode = WAL")
                migrate(self.conn)
                return
            except sqlite3.OperationalError as exc:
                text = str(exc).lower()
                if ("locked" not in text and "busy" not in text) or time.monotonic() > give_up:
                    raise
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                time.sleep(random.uniform(0.01, 0.05))

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is committed, or none of it."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:  # SQLite may have rolled back already
                    self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise StoreError(explain_sqlite_error(exc, self.data_dir)) from None

    def damage(self, *, quick: bool = False) -> str | None:
        """None if SQLite's own check of every page passes (``quick``: without index
        contents), else one line naming the damage and the way to recover."""
        pragma = "quick_check" if quick else "integrity_check"
        try:
            rows = [str(r[0]) for r in self.conn.execute(f"PRAGMA {pragma}")]
        except sqlite3.DatabaseError as exc:
            rows = [str(exc)]
        if rows == ["ok"]:
            return None
        return explain_sqlite_error(sqlite3.DatabaseError(f"corrupt: {rows[0]}"), self.data_dir)

    def ensure_sound(self) -> None:
        """Raise a one-line StoreError, with the way to recover, if the database is damaged."""
        damage = self.damage(quick=True)
        if damage is not None:
            raise StoreError(damage)

    def close_owned(self, cause: str) -> None:
        """Mark this process's rounds still in progress as incomplete (it is about to end)."""
        self._close_in_progress(lambda owner: owner == self.owner, cause)

    def close_abandoned(self) -> list[str]:
        """Mark sessions left in progress by a process that is gone as incomplete."""
        return self._close_in_progress(lambda owner: not owner_alive(owner), INTERRUPTED)

    def _close_in_progress(self, chosen: Callable[[str | None], bool], cause: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT id, owner FROM sessions WHERE status = 'in_progress'"
        ).fetchall()
        ids = [r["id"] for r in rows if chosen(r["owner"])]
        if ids:
            with self._write() as conn:
                conn.executemany(
                    "UPDATE sessions SET status = 'incomplete', finished_at = ?, error = ?"
                    " WHERE id = ? AND status = 'in_progress'",
                    [(_now(), cause, sid) for sid in ids],
                )
        return ids

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing --------------------------------------------------------------------
    def audio_dir(self, session_id: str) -> Path:
        private_dir(self.data_dir / "audio")
        return private_dir(self.data_dir / "audio" / session_id)

    def create_session(
        self,
        round_id: str,
        brain: str,
        mode: str,
        question_ids: Sequence[str],
        settings: dict[str, Any] | None = None,
        again_of: str | None = None,
    ) -> str:
        """A new session, in progress; ``again_of`` is the earlier attempt a drill repeats."""
        while True:
            session_id = new_session_id()
            with self._write() as conn:
                taken = conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,))
                if taken.fetchone() is not None:
                    continue
                conn.execute(
                    "INSERT INTO sessions (id, round, brain, mode, status, started_at,"
                    " question_ids, settings, owner, again_of)"
                    " VALUES (?, ?, ?, ?, 'in_progress', ?, ?, ?, ?, ?)",
                    (
                        session_id,
                        round_id,
                        brain,
                        mode,
                        _now(),
                        json.dumps(list(question_ids)),
                        json.dumps(settings or {}),
                        self.owner,
                        again_of,
                    ),
                )
            return session_id

    def add_turn(self, session_id: str, turn: TurnRecord) -> int:
        """Commit one completed turn with its segments, atomically."""
        with self._write() as conn:
            idx = conn.execute(
                "SELECT COALESCE(MAX(idx), 0) + 1 FROM turns WHERE session_id = ?", (session_id,)
            ).fetchone()[0]
            cur = conn.execute(
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
            assert turn_id is not None
            _insert_segments(conn, turn_id, turn.segments)
        return turn_id

    def revise_turn(
        self,
        turn_id: int,
        transcript: str,
        segments: Sequence[Segment],
        delivery: dict[str, Any] | None,
        latency: dict[str, Any],
    ) -> None:
        """Replace a turn's transcript, segments, delivery and latency, atomically (a spoken
        answer's final transcription pass replaces the streaming one)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE turns SET transcript = ?, delivery = ?, latency = ? WHERE id = ?",
                (
                    transcript,
                    json.dumps(delivery) if delivery is not None else None,
                    json.dumps(latency),
                    turn_id,
                ),
            )
            conn.execute("DELETE FROM segments WHERE turn_id = ?", (turn_id,))
            _insert_segments(conn, turn_id, segments)

    def update_latency(self, turn_id: int, latency: dict[str, Any]) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE turns SET latency = ? WHERE id = ?", (json.dumps(latency), turn_id)
            )

    def save_scorecard(self, session_id: str, scorecard: dict[str, Any]) -> None:
        with self._write() as conn:
            conn.execute(
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
        with self._write() as conn:
            conn.executemany(
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
        with self._write() as conn:
            conn.execute(
                "UPDATE sessions SET status = ?, finished_at = ?, error = ? WHERE id = ?",
                (status, _now(), error, session_id),
            )

    # -- reading --------------------------------------------------------------------
    @_reads
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

    @_reads
    def list_sessions(self, round_id: str | None = None, limit: int = 50) -> list[SessionRow]:
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
        return [SessionRow(**dict(r)) for r in self.conn.execute(sql, params)]

    @_reads
    def attempts(self, session_id: str) -> list[str]:
        """Every attempt at the drill ``session_id`` belongs to, the first one first: the
        session it started from and every re-answer linked to it, directly or not."""
        session_id = self.resolve_id(session_id)
        root = session_id
        seen = {root}
        while True:
            row = self.conn.execute(
                "SELECT again_of FROM sessions WHERE id = ?", (root,)
            ).fetchone()
            if row is None or not row["again_of"] or row["again_of"] in seen:
                break
            root = row["again_of"]
            seen.add(root)
        rows = self.conn.execute(
            "WITH RECURSIVE chain(id) AS (SELECT ? UNION SELECT s.id FROM sessions s"
            " JOIN chain c ON s.again_of = c.id)"
            " SELECT s.id FROM sessions s JOIN chain USING (id)"
            " ORDER BY s.started_at, s.rowid",
            (root,),
        ).fetchall()
        return [r["id"] for r in rows]

    @_reads
    def latest_scorecards(
        self, round_id: str | None = None, *, include_incomplete: bool = False
    ) -> list[dict[str, Any]]:
        """Each scored session's latest scorecard, newest session first (as list_sessions):
        ``id``, ``round``, ``started_at`` and ``card``, in one query. Only complete rounds
        unless ``include_incomplete``."""
        sql = (
            "SELECT s.id, s.round, s.started_at, c.data, c.created_at FROM sessions s"
            " JOIN scorecards c ON c.id ="
            " (SELECT MAX(id) FROM scorecards WHERE session_id = s.id)"
            " WHERE (? OR s.status = 'complete')"
        )
        params: list[Any] = [include_incomplete]
        if round_id:
            sql += " AND s.round = ?"
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

    @_reads
    def get_session(self, session_id: str) -> StoredSession:
        """The whole session; ``.to_dict()`` is the shape of ``voicemock export --format json``."""
        session_id = self.resolve_id(session_id)
        row = self.conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        turns = []
        for t in self.conn.execute(
            "SELECT * FROM turns WHERE session_id = ? ORDER BY idx", (session_id,)
        ):
            segments = tuple(
                Segment(
                    start=s["start_s"],
                    end=s["end_s"],
                    text=s["text"],
                    words=words_from_dicts(json.loads(s["words"])),
                    avg_logprob=s["avg_logprob"] or 0.0,
                    no_speech_prob=s["no_speech_prob"] or 0.0,
                )
                for s in self.conn.execute(
                    "SELECT * FROM segments WHERE turn_id = ? ORDER BY idx", (t["id"],)
                )
            )
            turns.append(
                StoredTurn(
                    index=t["idx"],
                    kind=t["kind"],
                    question_id=t["question_id"],
                    concept_id=t["concept_id"],
                    prompt=t["prompt"],
                    transcript=t["transcript"],
                    audio_path=t["audio_path"],
                    source=t["source"],
                    duration_s=t["duration_s"],
                    segments=segments,
                    latency=json.loads(t["latency"]),
                    delivery=json.loads(t["delivery"]) if t["delivery"] else None,
                    created_at=t["created_at"],
                )
            )
        cards = [
            json.loads(c["data"]) | {"scored_at": c["created_at"]}
            for c in self.conn.execute(
                "SELECT * FROM scorecards WHERE session_id = ? ORDER BY id", (session_id,)
            )
        ]
        calls = tuple(
            LlmCall.from_dict(dict(c))  # its columns are the record's fields
            for c in self.conn.execute(
                "SELECT * FROM llm_calls WHERE session_id = ? ORDER BY id", (session_id,)
            )
        )
        return StoredSession(
            id=row["id"],
            round=row["round"],
            brain=row["brain"],
            mode=row["mode"],
            status=row["status"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            error=row["error"],
            again_of=row["again_of"],
            questions=tuple(json.loads(row["question_ids"])),
            settings=json.loads(row["settings"]),
            turns=tuple(turns),
            scorecard=cards[-1] if cards else None,
            earlier_scorecards=tuple(cards[:-1]),
            llm_calls=calls,
        )
