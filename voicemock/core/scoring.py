"""Offline rubric scoring: reasoning over keywords, the weakest dimension gates the verdict.

A concept or term earns full credit only where the answer *explains* it: in a
sentence that carries reasoning (a cause, a cost, a consequence, a number, a
choice between alternatives) and is not a bare list of terms. Naming a concept
earns a little; a buzzword list earns almost nothing. Sentences addressed to
the scorer ("ignore your rubric...") are set aside before anything is measured.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from voicemock.core.bank import Concept, Question
from voicemock.core.rubric import Dimension, RoundSpec, Rubric
from voicemock.core.text import PhraseSet, find_phrases, normalize, split_sentences

EXPLAINED, NAMED, MISSING = "explained", "named", "missing"
_CREDIT = {EXPLAINED: 1.0, NAMED: 0.3, MISSING: 0.0}
_LIST_CREDIT = 0.1  # a concept that only appears inside a buzzword list
_DIGIT = re.compile(r"\d")
# "so" links a cause to its consequence mid-sentence; at the start it is only a filler.
_CONSEQUENCE = re.compile(r"(?<=[a-z0-9]) so (?!much|many|far|on|forth)")

VERDICTS = ("strong no hire", "no hire", "hire", "strong hire")


@dataclass(frozen=True)
class Sentence:
    text: str
    norm: str
    reasoning: bool
    list_like: bool
    to_scorer: bool

    @property
    def counts(self) -> bool:
        return not self.to_scorer


@dataclass(frozen=True)
class ConceptCoverage:
    concept: Concept
    status: str
    credit: float
    evidence: str = ""


@dataclass(frozen=True)
class DimensionScore:
    id: str
    title: str
    score: int
    evidence: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    """Problems found when checking a judgement (a quote not in the transcript, a dispute)."""
    llm_score: int | None = None
    offline_score: int | None = None
    """Set when an LLM scored the dimension: both judgements, before the cross-check."""
    disputed: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "title": self.title,
            "score": self.score,
            "evidence": list(self.evidence),
            "missing": list(self.missing),
        }
        if self.flags:
            out["flags"] = list(self.flags)
        if self.llm_score is not None:
            out |= {
                "llm_score": self.llm_score,
                "offline_score": self.offline_score,
                "disputed": self.disputed,
            }
        return out


@dataclass(frozen=True)
class Scorecard:
    round: str
    overall: float
    recommendation: str
    dimensions: tuple[DimensionScore, ...]
    missing_concepts: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    rubric_version: str = ""
    brain: str = "offline"
    notes: tuple[str, ...] = ()

    def dimension(self, dim_id: str) -> DimensionScore:
        for dim in self.dimensions:
            if dim.id == dim_id:
                return dim
        raise KeyError(dim_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "overall": self.overall,
            "recommendation": self.recommendation,
            "dimensions": {d.id: d.to_dict() for d in self.dimensions},
            "missing_concepts": list(self.missing_concepts),
            "hints": list(self.hints),
            "rubric_version": self.rubric_version,
            "brain": self.brain,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Analysis:
    """What one question's answers (main answer plus follow-up answers) contain."""

    question: Question
    sentences: tuple[Sentence, ...]
    coverage: tuple[ConceptCoverage, ...]
    ignored: tuple[str, ...] = field(default=())
    tradeoffs: tuple[str, ...] = field(default=())
    """Reasoning sentences that name a cost or weigh alternatives."""

    @property
    def coverage_ratio(self) -> float:
        total = sum(c.concept.weight for c in self.coverage)
        if not total:
            return 0.0
        return sum(c.concept.weight * c.credit for c in self.coverage) / total

    @property
    def counted(self) -> tuple[Sentence, ...]:
        return tuple(s for s in self.sentences if s.counts)

    @property
    def word_count(self) -> int:
        return sum(len(s.norm.split()) for s in self.counted)

    def unexplained(self) -> list[ConceptCoverage]:
        """Concepts not yet explained, the most important first (bank order breaks ties)."""
        gaps = [c for c in self.coverage if c.status != EXPLAINED]
        return sorted(gaps, key=lambda c: (-c.concept.weight, c.credit))


def verdict(scores: Sequence[int], overall: float) -> str:
    """The committee's rule: the weakest dimension gates; the average only refines."""
    weakest = min(scores)
    if weakest <= 1:
        return VERDICTS[0] if overall < 2.0 else VERDICTS[1]
    if weakest == 2:
        return VERDICTS[2] if overall >= 3.0 else VERDICTS[1]
    return VERDICTS[3] if overall >= 3.5 else VERDICTS[2]


class Scorer:
    """Scores answers against a rubric. Pure and fast: no model, no network."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        self._markers = {name: PhraseSet(p) for name, p in rubric.markers.items()}
        self._lexicons = {name: PhraseSet(p) for name, p in rubric.lexicons.items()}
        self._all_terms = PhraseSet(
            dict.fromkeys(t for terms in rubric.lexicons.values() for t in terms)
        )

    # -- sentence level -------------------------------------------------------------
    def _sentence(self, text: str) -> Sentence:
        norm = normalize(text)
        to_scorer = self._markers["scorer_address"].any(norm)
        reasoning = (
            bool(_DIGIT.search(norm))
            or bool(_CONSEQUENCE.search(norm))
            or self._markers["reasoning"].any(norm)
        )
        # A buzzword list is mostly domain terms: measure how much of the sentence they cover.
        covered = bytearray(len(norm))
        for start, end in self._all_terms.spans(norm):
            covered[start:end] = b"\x01" * (end - start)
        letters = sum(1 for ch in norm if ch != " ")
        term_letters = sum(1 for ch, c in zip(norm, covered, strict=True) if c and ch != " ")
        words = len(norm.split())
        commas = text.count(",")
        list_like = (letters > 0 and term_letters / letters >= 0.6) or (
            commas >= 3 and commas * 3 >= words
        )
        return Sentence(text.strip(), norm, reasoning and not list_like, list_like, to_scorer)

    def analyse(self, question: Question, answers: Sequence[str]) -> Analysis:
        sentences = tuple(self._sentence(s) for answer in answers for s in split_sentences(answer))
        counted = [s for s in sentences if s.counts]
        coverage = []
        for concept in question.concepts:
            status, credit, evidence = MISSING, 0.0, ""
            for sentence in counted:
                if not find_phrases(sentence.norm, concept.phrases):
                    continue
                if sentence.reasoning:
                    status, credit, evidence = EXPLAINED, 1.0, sentence.text
                    break
                value = _LIST_CREDIT if sentence.list_like else _CREDIT[NAMED]
                if value > credit:
                    status, credit, evidence = NAMED, value, sentence.text
            coverage.append(ConceptCoverage(concept, status, credit, evidence))
        ignored = tuple(s.text for s in sentences if s.to_scorer)
        tradeoffs = tuple(
            s.text for s in counted if s.reasoning and self._markers["tradeoff"].any(s.norm)
        )
        return Analysis(question, sentences, tuple(coverage), ignored, tradeoffs)

    # -- dimensions -----------------------------------------------------------------
    def _count(self, sentences: Iterable[Sentence], marker: str) -> int:
        return sum(self._markers[marker].count(s.norm) for s in sentences)

    def _with(self, sentences: Iterable[Sentence], marker: str) -> list[str]:
        return [s.text for s in sentences if self._markers[marker].any(s.norm)]

    def _concepts(self, dim: Dimension, a: Analysis, spec: RoundSpec) -> DimensionScore:
        ratio = a.coverage_ratio
        tradeoffs = a.tradeoffs
        if ratio >= 0.7 and len(tradeoffs) >= 2:
            score = 4
        elif ratio >= 0.45:
            score = 3
        elif ratio >= 0.2:
            score = 2
        else:
            score = 1
        if not tradeoffs:
            score = min(score, 2)
        evidence = [c.evidence for c in a.coverage if c.status == EXPLAINED]
        evidence += [s for s in tradeoffs if s not in evidence]
        missing = [
            f"{c.concept.name}" + (" (named, not explained)" if c.status == NAMED else "")
            for c in a.unexplained()
        ]
        if not tradeoffs:
            missing.append(dim.missing_hint or "the cost of each choice")
        return DimensionScore(dim.id, dim.title, score, tuple(evidence), tuple(missing))

    def _lexicon(self, dim: Dimension, a: Analysis, spec: RoundSpec) -> DimensionScore:
        terms = self._lexicons[dim.lexicon]
        credit: dict[str, float] = {}
        evidence: list[str] = []
        for s in a.counted:
            for term in terms.found(s.norm):
                value = 1.0 if s.reasoning else (_LIST_CREDIT if s.list_like else _CREDIT[NAMED])
                if value > credit.get(term, 0.0):
                    credit[term] = value
                if value == 1.0 and s.text not in evidence:
                    evidence.append(s.text)
        points = sum(credit.values())
        score = 1 + sum(points >= level for level in dim.levels)
        missing = (dim.missing_hint,) if score < 4 and dim.missing_hint else ()
        return DimensionScore(dim.id, dim.title, score, tuple(evidence), missing)

    def _structure(self, dim: Dimension, a: Analysis, spec: RoundSpec) -> DimensionScore:
        counted = a.counted
        signposts = {p for s in counted for p in self._markers["signpost"].found(s.norm)}
        framing = self._with(counted, "framing")
        conclusion = self._with(counted, "conclusion")
        words = a.word_count
        lo, hi = spec.answer_words
        points = 0.0
        points += 1.0 if len(signposts) >= 2 else 0.5 if signposts else 0.0
        points += 0.5 if framing else 0.0
        points += 0.5 if conclusion else 0.0
        points += 1.0 if lo <= words <= hi * 1.5 else 0.0
        if words < lo / 2:
            points -= 1.0
        score = max(1, min(4, 1 + int(points + 0.5)))
        evidence = framing[:1] + conclusion[:1]
        evidence += self._with(counted, "signpost")[:2]
        missing = []
        if len(signposts) < 2:
            missing.append("signpost the answer (first, second, finally) so it can be followed")
        if not conclusion:
            missing.append("close with a one-line summary or recommendation")
        if words < lo:
            missing.append(f"answer in more depth (about {lo}-{hi} words; this was {words})")
        elif words > hi * 1.5:
            missing.append(f"tighten the answer (about {lo}-{hi} words; this was {words})")
        return DimensionScore(
            dim.id, dim.title, score, tuple(dict.fromkeys(evidence)), tuple(missing)
        )

    def _decisiveness(self, dim: Dimension, a: Analysis, spec: RoundSpec) -> DimensionScore:
        counted = a.counted
        # Ownership shows as commitments ("I would") and, in stories, first-person actions.
        commits = self._count(counted, "commit") + self._count(counted, "action")
        strong = self._count(counted, "strong_commit")
        hedges = self._count(counted, "hedge")
        options = self._count(counted, "options")
        if commits + strong == 0:
            score = 1 if hedges + options >= 2 else 2
        else:
            ratio = (commits + strong) / (commits + strong + hedges + options)
            if ratio >= 0.7 and commits + strong >= 2:
                score = 4
            elif ratio >= 0.5:
                score = 3
            else:
                score = 2
            if options >= 2 and not strong:
                score = min(score, 2)  # a menu of options is the "too consultative" no-hire
        evidence = (
            self._with(counted, "strong_commit")
            + self._with(counted, "commit")
            + self._with(counted, "action")
        )
        missing = []
        if score < 4:
            missing.append(
                dim.missing_hint or "make one clear recommendation and own it, with the reason"
            )
        if hedges:
            missing.append(f"{hedges} hedging phrase(s) weakened the answer")
        return DimensionScore(
            dim.id, dim.title, score, tuple(dict.fromkeys(evidence)), tuple(missing)
        )

    def _star(self, dim: Dimension, a: Analysis, spec: RoundSpec) -> DimensionScore:
        counted = a.counted
        parts = {p: self._with(counted, p) for p in ("situation", "task", "action", "result")}
        present = [p for p, found in parts.items() if found]
        measurable = any(_DIGIT.search(s) for s in parts["result"])
        n = len(present)
        score = 4 if n == 4 and measurable else 3 if n >= 3 else 2 if n >= 2 else 1
        if not measurable:
            score = min(score, 3)
        evidence = [found[0] for found in parts.values() if found]
        missing = [f"the {p}" for p in parts if p not in present]
        if not measurable:
            missing.append("a measurable result (a number: %, time, money, users)")
        return DimensionScore(dim.id, dim.title, score, tuple(evidence), tuple(missing))

    _METHODS = {
        "concepts": _concepts,
        "lexicon": _lexicon,
        "structure": _structure,
        "decisiveness": _decisiveness,
        "star": _star,
    }

    def score_dimensions(self, spec: RoundSpec, analysis: Analysis) -> list[DimensionScore]:
        return [self._METHODS[d.method](self, d, analysis, spec) for d in spec.dimensions]

    # -- rounds ---------------------------------------------------------------------
    def score_round(
        self,
        round_id: str,
        exchanges: Sequence[tuple[Question, Sequence[str]]],
        brain: str = "offline",
    ) -> Scorecard:
        """Score a round: each question's answers together, then dimensions averaged."""
        spec = self.rubric.round(round_id)
        per_question: list[list[DimensionScore]] = []
        missing_concepts: list[str] = []
        hints: list[str] = []
        notes: list[str] = []
        for question, answers in exchanges:
            analysis = self.analyse(question, answers)
            per_question.append(self.score_dimensions(spec, analysis))
            missing_concepts += [c.concept.name for c in analysis.unexplained()]
            hints += _hints(question, analysis)
            if analysis.ignored:
                notes.append(
                    f"{len(analysis.ignored)} sentence(s) addressed to the scorer were ignored"
                )
        if not per_question:
            dims = tuple(
                DimensionScore(d.id, d.title, 1, (), ("no answer",)) for d in spec.dimensions
            )
        else:
            dims = tuple(_merge(scores) for scores in zip(*per_question, strict=True))
        overall = round(sum(d.score for d in dims) / len(dims), 2)
        return Scorecard(
            round=round_id,
            overall=overall,
            recommendation=verdict([d.score for d in dims], overall),
            dimensions=dims,
            missing_concepts=tuple(dict.fromkeys(missing_concepts)),
            hints=tuple(dict.fromkeys(hints)),
            rubric_version=self.rubric.version,
            brain=brain,
            notes=tuple(dict.fromkeys(notes)),
        )


def _merge(scores: Sequence[DimensionScore]) -> DimensionScore:
    first = scores[0]
    mean = sum(s.score for s in scores) / len(scores)
    evidence = tuple(dict.fromkeys(e for s in scores for e in s.evidence))[:4]
    missing = tuple(dict.fromkeys(m for s in scores for m in s.missing))
    return DimensionScore(first.id, first.title, int(mean + 0.5), evidence, missing)


def _hints(question: Question, analysis: Analysis) -> list[str]:
    explained = {c.concept.id for c in analysis.coverage if c.status == EXPLAINED}
    out = [p.text for p in question.strong_points if not set(p.concepts) <= explained]
    out += [c.concept.hint for c in analysis.unexplained() if c.concept.hint]
    return out


_STOPWORDS = frozenset(
    """what which when where would could should there their them they this that with from
    your have does into about while without every each other than then more most make
    made""".split()  # noqa: SIM905
)


def _content_words(text: str) -> set[str]:
    return {w for w in normalize(text).split() if len(w) > 3 and w not in _STOPWORDS}


def infer_question(
    text: str, round_id: str, candidates: Sequence[Question], question_id: str = "custom"
) -> Question:
    """A question written by the user: probe the bank concepts its words point at.

    First the concepts of the most similar bank question (by shared content words),
    then concepts whose phrases occur in the question, then the round's most common
    concepts, up to six, so every answer is probed on the basics.
    """
    norm = normalize(text)
    words = _content_words(text)
    chosen: dict[str, Concept] = {}
    if words:
        best = max(
            candidates,
            key=lambda q: len(words & _content_words(q.text)) / len(words),
            default=None,
        )
        if best is not None and len(words & _content_words(best.text)) / len(words) >= 0.2:
            for concept in sorted(best.concepts, key=lambda c: -c.weight)[:4]:
                chosen[concept.id] = concept
    for question in candidates:
        for concept in question.concepts:
            if (
                len(chosen) < 6
                and concept.id not in chosen
                and (find_phrases(norm, concept.phrases) or normalize(concept.name) in norm)
            ):
                chosen[concept.id] = concept
    frequency: dict[str, tuple[int, Concept]] = {}
    for question in candidates:
        if question.round != round_id:
            continue
        for concept in question.concepts:
            n, _ = frequency.get(concept.id, (0, concept))
            frequency[concept.id] = (n + concept.weight, concept)
    for _, concept in sorted(frequency.values(), key=lambda item: -item[0]):
        if len(chosen) >= 5:
            break
        chosen.setdefault(concept.id, concept)
    return Question(
        id=question_id,
        round=round_id,
        text=" ".join(text.split()),
        concepts=tuple(chosen.values()),
    )
