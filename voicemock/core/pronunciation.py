"""The pronunciation list: how the interviewer's voice should say words it gets wrong.

Data in ``prompts/pronunciation.toml``: one ``[[word]]`` per entry, ``text`` as written in
a line, ``say`` as the voices should read it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from voicemock.core.bank import BankError

_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-']*$")


def parse_pronunciations(data: Mapping[str, Any], where: str) -> dict[str, str]:
    """Validate the list: every entry a single word with what to say, no word twice."""
    rows = data.get("word", [])
    if not isinstance(rows, list):
        raise BankError(f"{where}: needs [[word]] entries")
    out: dict[str, str] = {}
    for i, row in enumerate(rows, 1):
        at = f"{where} word {i}"
        if not isinstance(row, dict) or set(row) != {"text", "say"}:
            raise BankError(f"{at}: needs exactly 'text' and 'say'")
        text, say = row["text"], row["say"]
        if not isinstance(text, str) or not _WORD.match(text):
            raise BankError(f"{at}: 'text' must be one word as written, not {text!r}")
        if not isinstance(say, str) or not say.strip():
            raise BankError(f"{at} ({text}): 'say' must be what to say")
        if text in out:
            raise BankError(f"{at}: '{text}' is listed twice")
        out[text] = say.strip()
    return out
