"""Rubrics: which dimensions each round is judged on, and the marker phrases they look for.

Like the question bank, rubrics are data (``prompts/rubrics.toml``). A dimension
names a *method* (how it is measured, implemented in :mod:`voicemock.core.scoring`)
and the data it needs; the wording, thresholds and term lists stay editable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicemock.core.bank import ROUND_IDS, BankError, read_toml

METHODS = ("concepts", "lexicon", "structure", "decisiveness", "star")
MARKER_SETS = (
    "reasoning",
    "tradeoff",
    "commit",
    "strong_commit",
    "hedge",
    "options",
    "signpost",
    "framing",
    "conclusion",
    "injection",
    "addressee",
    "evaluation",
    "self_reference",
    "verdict_claim",
    "judge_verb",
    "situation",
    "task",
    "action",
    "result",
)


@dataclass(frozen=True)
class Dimension:
    id: str
    title: str
    description: str
    method: str
    lexicon: str = ""
    levels: tuple[float, float, float] = (1.0, 2.5, 4.0)
    missing_hint: str = ""
    applies_when: tuple[str, ...] = ()
    """Phrases of a question that call for this dimension; empty means every question."""


@dataclass(frozen=True)
class RoundSpec:
    id: str
    title: str
    tests: str
    answer_words: tuple[int, int]
    dimensions: tuple[Dimension, ...]


@dataclass(frozen=True)
class Rubric:
    version: str
    rounds: tuple[RoundSpec, ...]
    lexicons: Mapping[str, tuple[str, ...]]
    markers: Mapping[str, tuple[str, ...]]

    def round(self, round_id: str) -> RoundSpec:
        for spec in self.rounds:
            if spec.id == round_id:
                return spec
        raise KeyError(round_id)

    @property
    def round_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rounds)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise BankError(f"{where}: must be a list of non-empty strings")
    return tuple(value)


def parse_rubric(data: Mapping[str, Any], where: str = "rubrics") -> Rubric:
    unknown = set(data) - {"version", "lexicons", "markers", "round"}
    if unknown:
        raise BankError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    lexicons = {
        k: _strings(v, f"{where} lexicons.{k}") for k, v in data.get("lexicons", {}).items()
    }
    markers = {k: _strings(v, f"{where} markers.{k}") for k, v in data.get("markers", {}).items()}
    missing = [m for m in MARKER_SETS if m not in markers]
    if missing:
        raise BankError(f"{where}: markers missing: {', '.join(missing)}")
    rounds = []
    for i, raw in enumerate(data.get("round", [])):
        rwhere = f"{where} round {i + 1}"
        extra = set(raw) - {"id", "title", "tests", "answer_words", "dimension"}
        if extra:
            raise BankError(f"{rwhere}: unknown key(s) {', '.join(sorted(extra))}")
        if raw.get("id") not in ROUND_IDS:
            raise BankError(f"{rwhere}: unknown round id {raw.get('id')!r}")
        dims = []
        for j, d in enumerate(raw.get("dimension", [])):
            dwhere = f"{rwhere} dimension {j + 1}"
            extra = set(d) - {
                "id",
                "title",
                "description",
                "method",
                "lexicon",
                "levels",
                "missing_hint",
                "applies_when",
            }
            if extra:
                raise BankError(f"{dwhere}: unknown key(s) {', '.join(sorted(extra))}")
            if d.get("method") not in METHODS:
                raise BankError(f"{dwhere}: method must be one of {', '.join(METHODS)}")
            if d["method"] == "lexicon" and d.get("lexicon") not in lexicons:
                raise BankError(f"{dwhere}: lexicon {d.get('lexicon')!r} is not defined")
            levels = tuple(float(x) for x in d.get("levels", (1.0, 2.5, 4.0)))
            if len(levels) != 3 or list(levels) != sorted(levels):
                raise BankError(f"{dwhere}: levels must be three ascending numbers")
            dims.append(
                Dimension(
                    id=d["id"],
                    title=d["title"],
                    description=" ".join(d.get("description", "").split()),
                    method=d["method"],
                    lexicon=d.get("lexicon", ""),
                    levels=levels,  # type: ignore[arg-type]
                    missing_hint=" ".join(d.get("missing_hint", "").split()),
                    applies_when=_strings(d["applies_when"], f"{dwhere} applies_when")
                    if "applies_when" in d
                    else (),
                )
            )
        if not dims:
            raise BankError(f"{rwhere}: a round needs at least one dimension")
        lo, hi = raw.get("answer_words", [80, 400])
        rounds.append(
            RoundSpec(
                id=raw["id"],
                title=raw["title"],
                tests=" ".join(raw.get("tests", "").split()),
                answer_words=(int(lo), int(hi)),
                dimensions=tuple(dims),
            )
        )
    return Rubric(
        version=str(data.get("version", "0")),
        rounds=tuple(rounds),
        lexicons=lexicons,
        markers=markers,
    )


def load_rubric(path: Path) -> Rubric:
    return parse_rubric(read_toml(path), str(path))
