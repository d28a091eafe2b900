"""Sessions, turns, transcripts and scorecards in one SQLite file, audio beside it."""

from voicemock.store.db import SessionNotFound, Store, TurnRecord

__all__ = ["SessionNotFound", "Store", "TurnRecord"]
