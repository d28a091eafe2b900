"""The question bank: rounds, questions and the concepts each question probes.

The bank is data (TOML files under ``prompts/``); this module turns parsed TOML
into frozen records and rejects anything malformed with a message that names the
file and the key, so a non-programmer can add a question safely.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicemock.core.text import phrase_pattern

ONSITE_ROUNDS: tuple[str, ...] = (
    "product-sense",
    "technical",
    "execution",
    "behavioral",
    "cross-functional",
)
"""The rounds of the onsite loop, in the order they are usually held (the debrief's set)."""
ROUND_IDS: tuple[str, ...] = (*ONSITE_ROUNDS, "presentation", "executive", "hiring-manager")
"""Every round voicemock practises: the data files (rubrics, questions) use these ids."""


class BankError(ValueError):
    """The question bank or rubric data is malformed."""


@dataclass(frozen=True)
class Concept:
    """Something a strong answer explains, with the follow-up to ask when it is missing."""

    id: str
    name: str
    phrases: tuple[str, ...]
    follow_up: str
    weight: int = 2
    hint: str = ""


@dataclass(frozen=True)
class StrongPoint:
    """A point a strong answer makes; it counts as made when all its concepts are explained."""

    text: str
    concepts: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    round: str
    text: str
    concepts: tuple[Concept, ...]
    strong_points: tuple[StrongPoint, ...] = ()
    tags: tuple[str, ...] = ()

    def concept(self, concept_id: str) -> Concept:
        for concept in self.concepts:
            if concept.id == concept_id:
                return concept
        raise KeyError(concept_id)


@dataclass(frozen=True)
class QuestionBank:
    questions: tuple[Question, ...]

    def for_round(self, round_id: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.round == round_id)

    def get(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    @property
    def rounds(self) -> tuple[str, ...]:
        return tuple(r for r in ROUND_IDS if self.for_round(r))


def _req(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise BankError(f"{where}: missing key '{key}'")
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise BankError(f"{where}: '{key}' must be a non-empty {kind.__name__}")
    return value


def check_keys(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise BankError(f"{where}: unknown key(s) {', '.join(unknown)}")


def required_text(data: Mapping[str, Any], key: str, where: str) -> str:
    """``data[key]`` as a non-empty string, stripped; a data error naming it otherwise."""
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BankError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _phrases(values: Any, where: str) -> tuple[str, ...]:
    if not isinstance(values, list) or not values:
        raise BankError(f"{where}: 'phrases' must be a non-empty list of strings")
    out = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise BankError(f"{where}: phrases must be non-empty strings")
        try:
            phrase_pattern(value)
        except ValueError as exc:
            raise BankError(f"{where}: {exc}") from None
        out.append(value)
    return tuple(out)


def parse_question(data: Mapping[str, Any], round_id: str, where: str) -> Question:
    check_keys(data, {"id", "text", "concept", "strong_points", "tags"}, where)
    qid = _req(data, "id", str, where)
    where = f"{where} [{qid}]"
    concepts = []
    raw_concepts = _req(data, "concept", list, where)
    for i, raw in enumerate(raw_concepts):
        cwhere = f"{where} concept {i + 1}"
        if not isinstance(raw, dict):
            raise BankError(f"{cwhere}: must be a table")
        check_keys(raw, {"id", "name", "phrases", "follow_up", "weight", "hint"}, cwhere)
        weight = raw.get("weight", 2)
        if not isinstance(weight, int) or not 1 <= weight <= 5:
            raise BankError(f"{cwhere}: 'weight' must be an integer from 1 to 5")
        follow_up = _req(raw, "follow_up", str, cwhere).strip()
        if not follow_up.endswith(("?", ".")) or re.search(r"[.?!]\s", follow_up):
            raise BankError(f"{cwhere}: 'follow_up' must be one sentence ending in '?' or '.'")
        concepts.append(
            Concept(
                id=_req(raw, "id", str, cwhere),
                name=_req(raw, "name", str, cwhere),
                phrases=_phrases(raw.get("phrases"), cwhere),
                follow_up=follow_up,
                weight=weight,
                hint=str(raw.get("hint", "")),
            )
        )
    ids = [c.id for c in concepts]
    if len(set(ids)) != len(ids):
        raise BankError(f"{where}: concept ids must be unique")
    points = []
    for i, raw in enumerate(data.get("strong_points", [])):
        pwhere = f"{where} strong point {i + 1}"
        if not isinstance(raw, dict):
            raise BankError(f"{pwhere}: must be a table with 'text' and 'concepts'")
        check_keys(raw, {"text", "concepts"}, pwhere)
        refs = tuple(raw.get("concepts", ()))
        for ref in refs:
            if ref not in ids:
                raise BankError(f"{pwhere}: unknown concept '{ref}'")
        points.append(StrongPoint(text=_req(raw, "text", str, pwhere), concepts=refs))
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise BankError(f"{where}: 'tags' must be a list of strings")
    return Question(
        id=qid,
        round=round_id,
        text=" ".join(_req(data, "text", str, where).split()),
        concepts=tuple(concepts),
        strong_points=tuple(points),
        tags=tuple(tags),
    )


def parse_bank_file(data: Mapping[str, Any], where: str) -> list[Question]:
    """Parse one bank file: a ``round`` key and a ``[[question]]`` array."""
    check_keys(data, {"round", "question"}, where)
    round_id = _req(data, "round", str, where)
    if round_id not in ROUND_IDS:
        raise BankError(f"{where}: unknown round '{round_id}' (one of {', '.join(ROUND_IDS)})")
    questions = _req(data, "question", list, where)
    return [
        parse_question(q, round_id, f"{where} question {i + 1}") for i, q in enumerate(questions)
    ]


def read_toml(path: Path) -> dict[str, Any]:
    """A prompts data file parsed; invalid TOML is a :class:`BankError` naming the file."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise BankError(f"{path}: invalid TOML: {exc}") from None


def load_bank(paths: Iterable[Path]) -> QuestionBank:
    """Load and validate bank files; question ids must be unique across all of them."""
    questions: list[Question] = []
    for path in sorted(paths):
        questions.extend(parse_bank_file(read_toml(path), str(path)))
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise BankError(f"duplicate question id '{question.id}'")
        seen.add(question.id)
    return QuestionBank(tuple(questions))
