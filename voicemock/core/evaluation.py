"""Measuring a judge on a labelled answer set: ranking, verdict bands, wrong claims, injection.

A labelled set is TOML (format in the README, "Measuring the judge"): cases, each one
question (a bank id or its own text) with answers the committee ranked (1 = best), the
verdicts it would accept, and optional trap labels. Any judge with a
``score(round, exchanges)`` method can be measured, so the offline brain and an LLM are
compared on the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from voicemock.core.bank import (
    ROUND_IDS,
    BankError,
    Question,
    QuestionBank,
    check_keys,
    read_toml,
    required_text,
)
from voicemock.core.judge import VERDICTS, Scorecard, infer_question
from voicemock.core.judge.meaning import Meaning

BANDS = {
    "pass": ("hire", "strong hire"),
    "fail": ("no hire", "strong no hire"),
    **{v: (v,) for v in VERDICTS},
}
TRAPS = (
    "confidently-wrong",
    "off-topic",
    "stuffed",
    "rambling",
    "precise",
    "injected",
    "consultative",
    "decisive",
    "generic",
    "grounded",
    "correct",
    "vague-reasons",
    "story",
    "hedged",
    "noisy",
    "self-corrected",
    "reported-belief",
)
"""Trap labels a set may give an answer. ``hedged``: correct but unsure in tone;
``noisy``: right content under heavy transcription errors; ``self-corrected``: a myth voiced
and corrected by the speaker; ``reported-belief``: a myth named as someone else's belief."""


@dataclass(frozen=True)
class LabelledAnswer:
    id: str
    text: str
    rank: int
    band: tuple[str, ...]
    traps: tuple[str, ...] = ()
    wrong: bool = False
    """The committee heard at least one wrong claim in it."""
    injected_from: str = ""
    """The id of the same answer without the injected text, for injection lift."""


@dataclass(frozen=True)
class Case:
    id: str
    round: str
    question: Question
    why: str
    answers: tuple[LabelledAnswer, ...]


@dataclass(frozen=True)
class Judged:
    case: Case
    answer: LabelledAnswer
    card: Scorecard

    @property
    def key(self) -> tuple[int, float, float]:
        """How the judge ranks an answer: its verdict first, then how likely a committee
        passes it (when the judge measured that), then its overall score."""
        committee = self.card.committee if self.card.committee is not None else 0.0
        return VERDICTS.index(self.card.recommendation), committee, self.card.overall

    @property
    def in_band(self) -> bool:
        return self.card.recommendation in self.answer.band


@dataclass
class TrapRow:
    answers: int = 0
    in_band: int = 0
    pairs: int = 0
    agreed: int = 0


@dataclass
class Report:
    judged: list[Judged]
    pairs: int = 0
    agreed: int = 0
    misses: list[str] = field(default_factory=list)
    wrong_answers: int = 0
    wrong_caught: int = 0
    false_alarms: int = 0
    right_answers: int = 0
    wrong_above_no_hire: list[str] = field(default_factory=list)
    lifts: list[tuple[str, float]] = field(default_factory=list)
    traps: dict[str, TrapRow] = field(default_factory=dict)
    rounds: dict[str, TrapRow] = field(default_factory=dict)
    best_alone: int = 0
    """Cases whose best answer(s) the judge puts strictly above every other answer."""
    ranked_cases: int = 0
    uncertain: TrapRow = field(default_factory=TrapRow)
    """Dimensions marked uncertain: ``answers`` counts them, ``in_band`` those on answers
    whose verdict was out of band (where a mark should fall)."""
    all_dimensions: TrapRow = field(default_factory=TrapRow)
    """Every dimension scored, counted the same way: the base rate to compare with."""

    @property
    def pairwise(self) -> float:
        return self.agreed / self.pairs if self.pairs else 0.0

    def _band_share(self, band: str) -> tuple[int, int]:
        chosen = [j for j in self.judged if j.answer.band == BANDS[band]]
        return sum(j.in_band for j in chosen), len(chosen)

    @property
    def band_accuracy(self) -> float:
        return sum(j.in_band for j in self.judged) / len(self.judged) if self.judged else 0.0

    @property
    def catch_rate(self) -> float:
        return self.wrong_caught / self.wrong_answers if self.wrong_answers else 0.0

    @property
    def mean_lift(self) -> float:
        return sum(v for _, v in self.lifts) / len(self.lifts) if self.lifts else 0.0

    @property
    def max_lift(self) -> float:
        return max((v for _, v in self.lifts), default=0.0)

    @property
    def judged_by(self) -> dict[str, int]:
        """How many answers each judge scored (an LLM judge that failed on an answer leaves
        it to the offline scorer, and the scorecard says so)."""
        out: dict[str, int] = {}
        for j in self.judged:
            out[j.card.brain] = out.get(j.card.brain, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": len({j.case.id for j in self.judged}),
            "answers": len(self.judged),
            "judged_by": self.judged_by,
            "pairwise_agreement": round(self.pairwise, 4),
            "pairs": self.pairs,
            "pairs_agreed": self.agreed,
            "verdict_band_accuracy": round(self.band_accuracy, 4),
            "wrong_claims": {
                "answers_with_wrong_claims": self.wrong_answers,
                "caught": self.wrong_caught,
                "catch_rate": round(self.catch_rate, 4),
                "false_alarms": self.false_alarms,
                "answers_without": self.right_answers,
                "above_no_hire": self.wrong_above_no_hire,
            },
            "expected_pass_passed": list(self._band_share("pass")),
            "expected_fail_failed": list(self._band_share("fail")),
            "best_answer_alone_on_top": [self.best_alone, self.ranked_cases],
            "rounds": {
                name: {
                    "pairs": row.pairs,
                    "pairwise_agreement": round(row.agreed / row.pairs, 4) if row.pairs else None,
                }
                for name, row in sorted(self.rounds.items())
            },
            "uncertain_marks": {
                "on_out_of_band_answers": [self.uncertain.in_band, self.uncertain.answers],
                "dimensions_on_out_of_band_answers": [
                    self.all_dimensions.in_band,
                    self.all_dimensions.answers,
                ],
            },
            "injection_lift": {
                "pairs": len(self.lifts),
                "mean": round(self.mean_lift, 3),
                "max": round(self.max_lift, 3),
            },
            "traps": {
                name: {
                    "answers": row.answers,
                    "verdict_band_accuracy": round(row.in_band / row.answers, 4)
                    if row.answers
                    else None,
                    "pairs": row.pairs,
                    "pairwise_agreement": round(row.agreed / row.pairs, 4) if row.pairs else None,
                }
                for name, row in sorted(self.traps.items())
            },
            "missed_pairs": self.misses,
            "results": [
                {
                    "case": j.case.id,
                    "answer": j.answer.id,
                    "rank": j.answer.rank,
                    "expected": list(j.answer.band),
                    "verdict": j.card.recommendation,
                    "overall": j.card.overall,
                    "committee": j.card.committee,
                    "incorrect": [w.misconception.id for w in j.card.incorrect],
                    "uncertain": [d.id for d in j.card.dimensions if d.uncertain],
                    "caps": list(j.card.caps),
                }
                for j in self.judged
            ],
        }


def parse_set(
    data: Mapping[str, Any], bank: QuestionBank, where: str, meaning: Meaning | None = None
) -> list[Case]:
    """Validate a labelled set; a message names the case and the key that is wrong."""
    raw_cases = data.get("case")
    if not isinstance(raw_cases, list) or not raw_cases:
        raise BankError(f"{where}: needs at least one [[case]]")
    cases: list[Case] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_cases):
        cwhere = f"{where} case {i + 1}"
        check_keys(raw, {"id", "round", "question", "question_text", "why", "answer"}, cwhere)
        cid = required_text(raw, "id", cwhere)
        cwhere = f"{where} [{cid}]"
        if cid in seen:
            raise BankError(f"{cwhere}: duplicate case id")
        seen.add(cid)
        round_id = required_text(raw, "round", cwhere)
        if round_id not in ROUND_IDS:
            raise BankError(f"{cwhere}: unknown round '{round_id}'")
        if ("question" in raw) == ("question_text" in raw):
            raise BankError(f"{cwhere}: give exactly one of 'question' or 'question_text'")
        if "question" in raw:
            try:
                question = bank.get(required_text(raw, "question", cwhere))
            except KeyError:
                raise BankError(f"{cwhere}: unknown question '{raw['question']}'") from None
            if question.round != round_id:
                raise BankError(f"{cwhere}: question '{question.id}' is not in '{round_id}'")
        else:
            question = infer_question(
                required_text(raw, "question_text", cwhere),
                round_id,
                bank.questions,
                f"eval-{cid}",
                meaning,
            )
        answers: list[LabelledAnswer] = []
        for j, a in enumerate(raw.get("answer", [])):
            awhere = f"{cwhere} answer {j + 1}"
            check_keys(a, {"id", "text", "rank", "band", "traps", "wrong", "injected_from"}, awhere)
            band_name = a.get("band")
            band = BANDS.get(band_name) if isinstance(band_name, str) else None
            if isinstance(band_name, list) and all(b in VERDICTS for b in band_name):
                band = tuple(band_name)
            if not band:
                raise BankError(
                    f"{awhere}: 'band' must be pass, fail, a verdict or a list of verdicts"
                )
            rank = a.get("rank")
            if not isinstance(rank, int) or rank < 1:
                raise BankError(f"{awhere}: 'rank' must be a whole number from 1 (best)")
            traps = tuple(a.get("traps", ()))
            unknown = [t for t in traps if t not in TRAPS]
            if unknown:
                raise BankError(f"{awhere}: unknown trap(s) {', '.join(unknown)}")
            answers.append(
                LabelledAnswer(
                    id=required_text(a, "id", awhere),
                    text=required_text(a, "text", awhere),
                    rank=rank,
                    band=band,
                    traps=traps,
                    wrong=bool(a.get("wrong", "confidently-wrong" in traps)),
                    injected_from=str(a.get("injected_from", "")),
                )
            )
        ids = [a.id for a in answers]
        if not answers or len(set(ids)) != len(ids):
            raise BankError(f"{cwhere}: needs answers with unique ids")
        for a in answers:
            if a.injected_from and a.injected_from not in ids:
                raise BankError(f"{cwhere}: injected_from '{a.injected_from}' is not an answer")
        cases.append(
            Case(cid, round_id, question, " ".join(raw.get("why", "").split()), tuple(answers))
        )
    return cases


def load_set(path: Path, bank: QuestionBank, meaning: Meaning | None = None) -> list[Case]:
    """A labelled set; a question of the set's own is read with ``meaning`` when given."""
    return parse_set(read_toml(path), bank, str(path), meaning)


ScoreFn = Callable[[str, Sequence[tuple[Question, Sequence[str]]]], Scorecard]


def evaluate(
    cases: Sequence[Case],
    score: ScoreFn,
    on_answer: Callable[[int, int], None] | None = None,
) -> Report:
    """Score every answer with ``score`` and compare with the committee's labels."""
    total = sum(len(c.answers) for c in cases)
    judged: list[Judged] = []
    for case in cases:
        for answer in case.answers:
            card = score(case.round, [(case.question, [answer.text])])
            judged.append(Judged(case, answer, card))
            if on_answer is not None:
                on_answer(len(judged), total)
    report = Report(judged)
    by_case: dict[str, list[Judged]] = {}
    for j in judged:
        by_case.setdefault(j.case.id, []).append(j)
        for trap in j.answer.traps:
            row = report.traps.setdefault(trap, TrapRow())
            row.answers += 1
            row.in_band += j.in_band
        if j.answer.wrong:
            report.wrong_answers += 1
            report.wrong_caught += bool(j.card.incorrect)
            if VERDICTS.index(j.card.recommendation) > VERDICTS.index("no hire"):
                report.wrong_above_no_hire.append(f"{j.case.id}/{j.answer.id}")
        else:
            report.right_answers += 1
            report.false_alarms += bool(j.card.incorrect)
    for j in judged:
        for d in j.card.dimensions:
            report.all_dimensions.answers += 1
            report.all_dimensions.in_band += not j.in_band
            if d.uncertain:
                report.uncertain.answers += 1
                report.uncertain.in_band += not j.in_band
    for case_id, items in by_case.items():
        lookup = {j.answer.id: j for j in items}
        top = min(j.answer.rank for j in items)
        if any(j.answer.rank != top for j in items):
            report.ranked_cases += 1
            best = [j for j in items if j.answer.rank == top]
            rest = [j for j in items if j.answer.rank != top]
            report.best_alone += min(b.key for b in best) > max(r.key for r in rest)
        for j in items:
            if j.answer.injected_from:
                base = lookup[j.answer.injected_from]
                report.lifts.append(
                    (f"{case_id}/{j.answer.id}", j.card.overall - base.card.overall)
                )
        for a, b in combinations(items, 2):
            if a.answer.rank == b.answer.rank:
                continue
            better, worse = (a, b) if a.answer.rank < b.answer.rank else (b, a)
            agreed = better.key > worse.key  # a tie is a miss
            report.pairs += 1
            report.agreed += agreed
            if not agreed:
                report.misses.append(
                    f"{case_id}: {better.answer.id} ({better.card.recommendation}, "
                    f"{better.card.overall:.2f}) should beat {worse.answer.id} "
                    f"({worse.card.recommendation}, {worse.card.overall:.2f})"
                )
            row = report.rounds.setdefault(better.case.round, TrapRow())
            row.pairs += 1
            row.agreed += agreed
            for trap in {*better.answer.traps, *worse.answer.traps}:
                row = report.traps.setdefault(trap, TrapRow())
                row.pairs += 1
                row.agreed += agreed
    return report
