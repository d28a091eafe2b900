"""Rubrics: which dimensions each round is judged on, and the marker phrases they look for.

Like the question bank, rubrics are data (``prompts/rubrics.toml``). A dimension
names a *method* (how it is measured, implemented in :mod:`voicemock.core.judge.dimensions`)
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
    "dismissal",
    "absolute",
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
    weight: float = 1.0
    """How much the dimension counts in the overall score; 2 marks what the round is about
    (its core: a hire needs a three there)."""

    @property
    def core(self) -> bool:
        return self.weight > 1


@dataclass(frozen=True)
class RoundSpec:
    id: str
    title: str
    tests: str
    answer_words: tuple[int, int]
    dimensions: tuple[Dimension, ...]


@dataclass(frozen=True)
class JudgeOptions:
    """The judge's thresholds, each a named field of ``[judge]`` in ``prompts/rubrics.toml``.

    Similarities are cosine similarities of the meaning model (0 to 1 in practice)."""

    named_credit: float = 0.3
    """Credit for a concept or term named in a sentence that does not explain it."""
    list_credit: float = 0.1
    """Credit for a concept or term that only appears inside a list of terms."""
    named_points_cap: float = 1.0
    """Most points a lexicon dimension gives for terms named but never explained."""
    dimension_meaning: float = 0.35
    """Similarity to a lexicon dimension's description from which a sentence with substance
    (a reason, a decision or an action, and something concrete) counts for it."""
    meaning_points_cap: float = 2.0
    """Most points such sentences add to a lexicon dimension."""
    off_topic: float = 0.3
    """Below this relevance (0 to 1) an answer did not answer the question."""
    concept_meaning: float = 0.55
    """Similarity from which a sentence is about a concept its phrases did not name."""
    concept_meaning_sure: float = 0.65
    """Similarity from which that reading is sure; between the two it is marked uncertain."""
    topic_meaning: float = 0.35
    """Similarity to the question from which a sentence counts as on its topic."""
    hedge_cost: int = 1
    """Most points hedging takes off decisiveness when the answer decides."""
    concepts_for_full_depth: float = 0.7
    """Share of the question's concept weight, explained, for full technical depth."""
    concepts_for_three: float = 0.45
    """Share explained for a three on technical depth."""
    concepts_for_two: float = 0.2
    """Share explained for a two."""
    mechanisms_for_full_depth: float = 4
    """Sentences explaining a mechanism (on topic, reasoned, concrete) for full depth."""
    mechanisms_for_three: float = 2
    """Such sentences for a three on technical depth."""
    depth_without_tradeoff: float = 3
    """Most technical depth an answer that names no cost or trade-off can get."""
    strong_hire_overall: float = 3.5
    """Weighted overall from which a round with every dimension at three or more is a strong
    hire."""
    hire_overall: float = 2.75
    """Weighted overall from which a round whose core dimensions are at three is a hire."""
    hire_with_a_two_overall: float = 3.0
    """In a round without a core dimension, the weighted overall from which a dimension at
    two does not block a hire."""
    hire_allows_one_weak_at: float = 2.8
    """Weighted overall from which one secondary dimension at one does not block a hire."""
    close_call: float = 0.2
    """How near the hire or strong-hire line the weighted overall must be for the dimensions
    that would move the verdict by one point to be marked uncertain."""
    committee_close_call: float = 0.15
    """How near an even chance (0.5) the calibrated committee probability must be for the
    round's core dimensions to be marked uncertain."""
    no_hire_floor: float = 2.0
    """Below this weighted overall, with a core dimension at one, the verdict is strong no
    hire."""


JUDGE_KEYS = frozenset(JudgeOptions.__dataclass_fields__)


@dataclass(frozen=True)
class Rubric:
    version: str
    rounds: tuple[RoundSpec, ...]
    lexicons: Mapping[str, tuple[str, ...]]
    markers: Mapping[str, tuple[str, ...]]
    judge: JudgeOptions = JudgeOptions()

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
    unknown = set(data) - {"version", "lexicons", "markers", "round", "judge"}
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
                "weight",
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
                    weight=_weight(d.get("weight", 1.0), dwhere),
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
        judge=parse_judge(data.get("judge", {}), f"{where} judge"),
    )


def _weight(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 5:
        raise BankError(f"{where}: weight must be a number above 0 and at most 5")
    return float(value)


def parse_judge(data: Mapping[str, Any], where: str) -> JudgeOptions:
    """``[judge]``: known keys only, each a number (``hedge_cost`` a whole one)."""
    unknown = set(data) - JUDGE_KEYS
    if unknown:
        raise BankError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BankError(f"{where}.{key}: must be a number")
        if not 0 <= value <= 10:
            raise BankError(f"{where}.{key}: must be between 0 and 10")
        values[key] = int(value) if key == "hedge_cost" else float(value)
    return JudgeOptions(**values)


def load_rubric(path: Path) -> Rubric:
    return parse_rubric(read_toml(path), str(path))
