"""Schema migrations, applied in order; ``PRAGMA user_version`` records the last one run."""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema
    """
    CREATE TABLE sessions (
        id            TEXT PRIMARY KEY,
        round         TEXT NOT NULL,
        brain         TEXT NOT NULL,
        mode          TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('in_progress', 'complete', 'incomplete')),
        started_at    TEXT NOT NULL,
        finished_at   TEXT,
        question_ids  TEXT NOT NULL,
        settings      TEXT NOT NULL DEFAULT '{}',
        error         TEXT
    );
    CREATE INDEX sessions_started ON sessions (started_at);
    CREATE TABLE turns (
        id            INTEGER PRIMARY KEY,
        session_id    TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        idx           INTEGER NOT NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('question', 'follow_up')),
        question_id   TEXT NOT NULL,
        concept_id    TEXT,
        prompt        TEXT NOT NULL,
        transcript    TEXT NOT NULL,
        audio_path    TEXT,
        source        TEXT,
        duration_s    REAL,
        latency       TEXT NOT NULL DEFAULT '{}',
        created_at    TEXT NOT NULL,
        UNIQUE (session_id, idx)
    );
    CREATE TABLE segments (
        id            INTEGER PRIMARY KEY,
        turn_id       INTEGER NOT NULL REFERENCES turns (id) ON DELETE CASCADE,
        idx           INTEGER NOT NULL,
        start_s       REAL NOT NULL,
        end_s         REAL NOT NULL,
        text          TEXT NOT NULL,
        avg_logprob   REAL,
        no_speech_prob REAL,
        words         TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE scorecards (
        id             INTEGER PRIMARY KEY,
        session_id     TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        created_at     TEXT NOT NULL,
        brain          TEXT NOT NULL,
        rubric_version TEXT NOT NULL,
        overall        REAL NOT NULL,
        recommendation TEXT NOT NULL,
        data           TEXT NOT NULL
    );
    """,
    # 2: delivery analytics per turn
    """
    ALTER TABLE turns ADD COLUMN delivery TEXT;
    """,
    # 3: every LLM call a session made (never the key or the prompts, only what it cost)
    """
    CREATE TABLE llm_calls (
        id                INTEGER PRIMARY KEY,
        session_id        TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        created_at        TEXT NOT NULL,
        purpose           TEXT NOT NULL,
        model             TEXT NOT NULL,
        ok                INTEGER NOT NULL,
        attempts          INTEGER NOT NULL DEFAULT 1,
        seconds           REAL NOT NULL,
        prompt_tokens     INTEGER,
        completion_tokens INTEGER,
        error             TEXT
    );
    CREATE INDEX llm_calls_session ON llm_calls (session_id);
    """,
    # 4: which process runs an in-progress session, so one whose process is gone can be closed
    """
    ALTER TABLE sessions ADD COLUMN owner TEXT;
    """,
    # 5: a re-answer drill names the attempt it repeats
    """
    ALTER TABLE sessions ADD COLUMN again_of TEXT REFERENCES sessions (id) ON DELETE SET NULL;
    CREATE INDEX sessions_again_of ON sessions (again_of);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


class NewerSchema(RuntimeError):
    """The database was written by a newer voicemock."""


def _version(conn: sqlite3.Connection) -> int:
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if current > SCHEMA_VERSION:
        raise NewerSchema(
            f"the database has schema version {current}, newer than this voicemock "
            f"({SCHEMA_VERSION}): upgrade voicemock"
        )
    return current


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database up to SCHEMA_VERSION; refuse one written by a newer voicemock.

    ``conn`` is in autocommit mode with a busy timeout. The migrations run under a write
    lock taken before the version is read again, so processes opening a new data folder
    at the same moment wait for each other and the schema is created exactly once.
    """
    if _version(conn) == SCHEMA_VERSION:
        return SCHEMA_VERSION
    conn.execute("BEGIN IMMEDIATE")
    try:
        for version in range(_version(conn), SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return SCHEMA_VERSION


def _statements(script: str) -> list[str]:
    """A migration's statements, one by one (``executescript`` would commit on its own)."""
    out, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        out.append(buffer.strip())
    return out
