"""The offline judge: reads a round's answers, scores each dimension, gives the verdict.

Pure and fast: no network; with a meaning model (the :class:`Meaning` port) it also reads by
meaning. See :mod:`.analysis` (reading), :mod:`.dimensions` (scores), :mod:`.verdict` (the
committee's rule) and :mod:`.reconcile` (an LLM's judgement checked against these rules).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from statistics import fmean

from voicemock.core.bank import Question
from voicemock.core.judge.analysis import EXPLAINED, Analysis, AnswerReader, Sentence
from voicemock.core.judge.calibration import Calibration, centroid
from voicemock.core.judge.calibration import features as calibration_features
from voicemock.core.judge.claims import WrongClaim
from voicemock.core.judge.dimensions import DimensionScorer, _merge
from voicemock.core.judge.meaning import Meaning
from voicemock.core.judge.schema import (
    INJECTION_CAP,
    PASS,
    WRONG_CLAIM_CAP,
    DimensionScore,
    Scorecard,
)
from voicemock.core.judge.verdict import capped, close_calls, weighed
from voicemock.core.knowledge import Knowledge
from voicemock.core.rubric import Rubric
from voicemock.core.text import shorten


class Scorer:
    """Scores answers against a rubric, the reference knowledge and (optionally) meaning."""

    def __init__(
        self,
        rubric: Rubric,
        knowledge: Knowledge | None = None,
        meaning: Meaning | None = None,
        *,
        terms: Iterable[str] = (),
        version: str = "",
        notice: str = "",
        calibration: Calibration | None = None,
    ) -> None:
        self.rubric = rubric
        self.knowledge = knowledge
        self.meaning = meaning
        self.options = rubric.judge
        self.version = version or rubric.version
        self.notice = notice
        """Said on every scorecard when the judge reads less than it should (no model)."""
        self.reader = AnswerReader(rubric, knowledge, meaning, terms)
        # The calibration reads features measured with one meaning model: with another, or
        # none, the rules' verdict stands alone.
        same = calibration is not None and meaning is not None and calibration.model == meaning.name
        self.calibration = calibration if same else None
        # How little of the question an answer touches is measured too weakly to fail it on
        # its own (on the dev set the cap caught 6 of 21 off-topic answers and held down 21
        # on-topic ones): with a meaning model, the calibration fitted for it weighs
        # relevance with everything else; read by phrases alone, the cap stays.
        self.off_topic_caps = meaning is None
        self.dimensions = DimensionScorer(
            rubric, meaning, self.reader.markers, off_topic_caps=self.off_topic_caps
        )

    def myths(
        self, question: Question, analysis: Analysis
    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The known misconceptions an answer could be voicing, for the calibration's signals:
        each claim with what is right instead (its correction and its topic's facts). Only
        those of the topics the question is about or the answer talks about: a myth about
        another topic, near a sentence by chance, is noise."""
        if self.knowledge is None:
            return ()
        text = " ".join(s.norm for s in analysis.counted)
        topics = set(self.knowledge.topics_of(question))
        return tuple(
            (m.claim, (m.correction, *t.facts))
            for t in self.knowledge.topics
            if t.id in topics or t.phrases.search(text)
            for m in t.misconceptions
        )

    def sentences(self, answers: Sequence[str]) -> tuple[Sentence, ...]:
        return self.reader.sentences(answers)

    def analyse(self, question: Question, answers: Sequence[str]) -> Analysis:
        return self.reader.analyse(question, answers)

    def score_round(
        self,
        round_id: str,
        exchanges: Sequence[tuple[Question, Sequence[str]]],
        brain: str = "offline",
    ) -> Scorecard:
        """Score a round: each question's answers together, then dimensions averaged."""
        spec = self.rubric.round(round_id)
        per_question: list[dict[str, DimensionScore]] = []
        missing_concepts: list[str] = []
        hints: list[str] = []
        notes: list[str] = [self.notice] if self.notice else []
        caps: list[str] = []
        incorrect: list[WrongClaim] = []
        analyses: list[tuple[Question, Analysis]] = []
        for question, answers in exchanges:
            analysis = self.analyse(question, answers)
            analyses.append((question, analysis))
            per_question.append({d.id: d for d in self.dimensions.score(spec, analysis)})
            missing_concepts += [c.concept.name for c in analysis.unexplained()]
            hints += _hints(question, analysis)
            incorrect += analysis.wrong_claims
            if analysis.ignored:
                notes.append(
                    f"{len(analysis.ignored)} sentence(s) addressed to the grader were removed "
                    "from scoring"
                )
                caps.append(INJECTION_CAP)
            if analysis.off_topic and any(a.strip() for a in answers):
                if self.off_topic_caps:
                    caps.append(f"did not answer the question: “{shorten(question.text)}”")
                else:
                    notes.append(
                        f"may not answer the question “{shorten(question.text)}”: its words "
                        "and meaning touch little of it"
                    )
            central = [w for w in analysis.wrong_claims if w.central]
            if central or len({w.misconception.id for w in analysis.wrong_claims}) >= 2:
                caps.append(WRONG_CLAIM_CAP)
        dims: list[DimensionScore] = []
        not_scored: list[str] = []
        for d in spec.dimensions:
            scored = [q[d.id] for q in per_question if d.id in q]
            if scored:
                dims.append(_merge(scored))
            elif per_question:
                not_scored.append(d.title)
            else:
                dims.append(DimensionScore(d.id, d.title, 1, (), ("no answer",)))
        if not dims:  # no question called for any dimension: judge them all
            dims = [DimensionScore(d.id, d.title, 1, (), ()) for d in spec.dimensions]
            not_scored = []
        if not_scored:
            notes.append(f"not scored, the question did not call for it: {', '.join(not_scored)}")
        weights = {d.id: d.weight for d in spec.dimensions}
        overall, recommendation = weighed(dims, weights, caps, self.options)
        if not caps:
            dims = close_calls(dims, weights, overall, recommendation, self.options)
        caps = list(dict.fromkeys(caps))
        committee = self._committee(analyses, dims, weights, recommendation, caps)
        if committee is not None and self.calibration is not None:
            rules = recommendation
            recommendation = capped(
                self.calibration.verdict(committee, [d.score for d in dims]), caps
            )
            if abs(committee - 0.5) < self.options.committee_close_call:
                why = f"a close call for a committee: about {committee:.0%} would pass this"
                core = {d.id for d in dims if weights.get(d.id, 1.0) > 1} or {d.id for d in dims}
                dims = [
                    replace(d, uncertain=(*d.uncertain, why)) if d.id in core else d for d in dims
                ]
            if (rules in PASS) != (recommendation in PASS):
                notes.append(
                    f"the rubric's scores alone say {rules}; answers read like these pass a "
                    f"hiring committee {committee:.0%} of the time, so the verdict is "
                    f"{recommendation}"
                )
        return Scorecard(
            round=round_id,
            overall=overall,
            recommendation=recommendation,
            committee=None if committee is None else round(committee, 3),
            dimensions=tuple(dims),
            missing_concepts=tuple(dict.fromkeys(missing_concepts)),
            hints=tuple(dict.fromkeys(hints)),
            rubric_version=self.version,
            brain=brain,
            notes=tuple(dict.fromkeys(notes)),
            incorrect=_unique_claims(incorrect),
            caps=tuple(caps),
            not_scored=tuple(not_scored),
        )

    def _committee(
        self,
        analyses: Sequence[tuple[Question, Analysis]],
        dims: Sequence[DimensionScore],
        weights: Mapping[str, float],
        recommendation: str,
        caps: Sequence[str],
    ) -> float | None:
        """How likely a committee passes these answers: the calibration's probability for
        each question, averaged; None without a calibration for this meaning model."""
        if self.calibration is None or self.meaning is None or not analyses:
            return None
        return fmean(
            self.calibration.probability(
                calibration_features(
                    question,
                    analysis,
                    dims,
                    weights,
                    recommendation,
                    caps,
                    self.meaning,
                    self.myths(question, analysis),
                ),
                centroid(analysis, self.meaning),
            )
            for question, analysis in analyses
        )


def _unique_claims(claims: Sequence[WrongClaim]) -> tuple[WrongClaim, ...]:
    seen: dict[tuple[str, str], WrongClaim] = {}
    for claim in claims:
        seen.setdefault((claim.misconception.id, claim.quote), claim)
    return tuple(seen.values())


def _hints(question: Question, analysis: Analysis) -> list[str]:
    explained = {c.concept.id for c in analysis.coverage if c.status == EXPLAINED}
    out = [p.text for p in question.strong_points if not set(p.concepts) <= explained]
    out += [c.concept.hint for c in analysis.unexplained() if c.concept.hint]
    return out
