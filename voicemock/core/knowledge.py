"""Reference knowledge: per topic, the facts a strong answer gets right and the misconceptions
candidates voice, each with its correction and the question that challenges it.

Like the bank, this is data (``prompts/knowledge.toml``), validated on load. Patterns are
matched on normalised text (see :mod:`voicemock.core.text`) and extend the bank's phrase
syntax with alternatives and optional words: ``keep* (the )?order*`` matches "keeps order"
and "keep the ordering"; ``(goes|is delivered) to one consumer`` matches either verb;
``keeps?`` matches "keep" and "keeps".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from voicemock.core.bank import BankError, Question, check_keys, read_toml, required_text
from voicemock.core.text import normalize

_BEFORE, _AFTER = r"(?<![a-z0-9])", r"(?![a-z0-9])"
_TOKEN = re.compile(r"\(([^()]*)\)(\?)?|(\S+)")
_WORD = re.compile(r"[a-z0-9%]+[*?]?")


def _word(word: str, where: str) -> str:
    word = word.lower().strip()
    star, optional_s = word.endswith("*"), word.endswith("?")
    core = normalize(word.rstrip("*?"))
    if not core:
        raise BankError(f"{where}: empty word in pattern")
    pieces = core.split()
    if optional_s:
        # "keeps?" → keep, keeps: the last letter is optional.
        last = pieces[-1]
        pieces[-1] = re.escape(last[:-1]) + re.escape(last[-1]) + "?" if len(last) > 1 else last
        return r"\s".join([*(re.escape(p) for p in pieces[:-1]), pieces[-1]])
    body = r"\s".join(re.escape(p) for p in pieces)
    return body + (r"[a-z0-9]*" if star else "")


def _sequence(text: str, where: str) -> str:
    words = text.split()
    if not words:
        raise BankError(f"{where}: empty alternative in pattern")
    return r"\s".join(_word(w, where) for w in words)


@lru_cache(maxsize=8192)
def pattern_core(pattern: str, where: str = "pattern") -> str:
    """The regex for one knowledge pattern, without word boundaries."""
    parts: list[tuple[str, bool]] = []
    for match in _TOKEN.finditer(pattern.lower()):
        group, optional, word = match.groups()
        if word is not None:
            if "(" in word or ")" in word or "|" in word:
                raise BankError(f"{where}: unbalanced brackets in pattern {pattern!r}")
            parts.append((_word(word, where), False))
        else:
            after = pattern[match.end() : match.end() + 1]
            if after and not after.isspace() and not optional:
                raise BankError(f"{where}: put a space after ')' in pattern {pattern!r}")
            alts = "|".join(_sequence(alt, where) for alt in group.split("|"))
            parts.append((f"(?:{alts})", bool(optional)))
    if not parts or all(opt for _, opt in parts):
        raise BankError(f"{where}: pattern {pattern!r} matches nothing required")
    out, started = "", False
    for regex, optional in parts:
        if not optional:
            out += (r"\s" if started else "") + regex
            started = True
        elif started:
            out += rf"(?:\s{regex})?"
        else:
            out += rf"(?:{regex}\s)?"
    return out


class PatternSet:
    """Alternative patterns compiled into one regex: finds spans in normalised text."""

    def __init__(self, patterns: Iterable[str], where: str = "pattern") -> None:
        self.patterns = tuple(patterns)
        # Longest first; ties in a fixed order, so every run reads a text the same way.
        cores = sorted({pattern_core(p, where) for p in self.patterns}, key=lambda c: (-len(c), c))
        self._regex = (
            re.compile(_BEFORE + "(?:" + "|".join(cores) + ")" + _AFTER) if cores else None
        )

    def spans(self, text: str) -> list[tuple[int, int]]:
        if self._regex is None:
            return []
        return [m.span() for m in self._regex.finditer(text)]

    def search(self, text: str) -> bool:
        return bool(self._regex and self._regex.search(text))


@dataclass(frozen=True)
class Misconception:
    id: str
    topic: str
    claim: str
    match: tuple[PatternSet, ...]
    unless: PatternSet
    correction: str
    challenge: str


@dataclass(frozen=True)
class Topic:
    id: str
    name: str
    phrases: PatternSet
    facts: tuple[str, ...]
    misconceptions: tuple[Misconception, ...]


@dataclass(frozen=True)
class Knowledge:
    version: str
    topics: tuple[Topic, ...]

    @property
    def misconceptions(self) -> tuple[Misconception, ...]:
        return tuple(m for t in self.topics for m in t.misconceptions)

    def topic(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)

    def misconception(self, misconception_id: str) -> Misconception:
        for item in self.misconceptions:
            if item.id == misconception_id:
                return item
        raise KeyError(misconception_id)

    def topics_of(self, question: Question) -> tuple[str, ...]:
        """The topics a question is about: its text, tags and concept names name them."""
        text = normalize(
            " ".join([question.text, *question.tags, *(c.name for c in question.concepts)])
        )
        return tuple(t.id for t in self.topics if t.phrases.search(text))


def _strings(value: Any, where: str, *, required: bool = True) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise BankError(f"{where}: must be a list of non-empty strings")
    if required and not value:
        raise BankError(f"{where}: must not be empty")
    return tuple(value)


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    """A required string with its whitespace folded (prose written over several lines)."""
    return " ".join(required_text(data, key, where).split())


def parse_knowledge(data: Mapping[str, Any], where: str = "knowledge") -> Knowledge:
    check_keys(data, {"version", "topic"}, where)
    topics: list[Topic] = []
    seen: set[str] = set()
    raw_topics = data.get("topic")
    if not isinstance(raw_topics, list) or not raw_topics:
        raise BankError(f"{where}: needs at least one [[topic]]")
    for i, raw in enumerate(raw_topics):
        twhere = f"{where} topic {i + 1}"
        check_keys(raw, {"id", "name", "phrases", "facts", "misconception"}, twhere)
        tid = _text(raw, "id", twhere)
        twhere = f"{where} [{tid}]"
        items: list[Misconception] = []
        for j, m in enumerate(raw.get("misconception", [])):
            mwhere = f"{twhere} misconception {j + 1}"
            check_keys(m, {"id", "claim", "match", "unless", "correction", "challenge"}, mwhere)
            mid = _text(m, "id", mwhere)
            mwhere = f"{twhere} [{mid}]"
            if mid in seen:
                raise BankError(f"{mwhere}: duplicate id")
            seen.add(mid)
            groups = m.get("match")
            if not isinstance(groups, list) or not groups:
                raise BankError(f"{mwhere}: 'match' must be a list of pattern lists")
            challenge = _text(m, "challenge", mwhere)
            if not challenge.endswith("?"):
                raise BankError(f"{mwhere}: 'challenge' must be a question ending in '?'")
            items.append(
                Misconception(
                    id=mid,
                    topic=tid,
                    claim=_text(m, "claim", mwhere),
                    match=tuple(
                        PatternSet(_strings(g, f"{mwhere} match {k + 1}"), mwhere)
                        for k, g in enumerate(groups)
                    ),
                    unless=PatternSet(
                        _strings(m.get("unless"), f"{mwhere} unless", required=False), mwhere
                    ),
                    correction=_text(m, "correction", mwhere),
                    challenge=challenge,
                )
            )
        topics.append(
            Topic(
                id=tid,
                name=_text(raw, "name", twhere),
                phrases=PatternSet(_strings(raw.get("phrases"), f"{twhere} phrases"), twhere),
                facts=_strings(raw.get("facts"), f"{twhere} facts"),
                misconceptions=tuple(items),
            )
        )
    ids = [t.id for t in topics]
    if len(set(ids)) != len(ids):
        raise BankError(f"{where}: topic ids must be unique")
    return Knowledge(version=str(data.get("version", "0")), topics=tuple(topics))


def load_knowledge(path: Path) -> Knowledge:
    return parse_knowledge(read_toml(path), str(path))
