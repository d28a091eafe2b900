"""Offline rubric scoring: reasoning over keywords, the weakest dimension gates the verdict.

A concept or term earns full credit only where the answer *explains* it: in a
sentence that gives a real reason (a cause, a cost, a consequence, a number, a
choice between alternatives; not "because it matters") and not only inside a
list of terms. Naming a concept earns a little; a buzzword list earns almost
nothing. Before anything is measured, text addressed to the grader is set aside
(:mod:`voicemock.core.injection`) and sentences asserting a known misconception
are taken out of the evidence (:mod:`voicemock.core.claims`). Three things cap
the verdict at no hire however fluent the rest is: a wrong claim central to the
question, an answer that does not address the question, and injected text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from voicemock.core import reading
from voicemock.core.bank import Concept, Question
from voicemock.core.claims import ClaimChecker, WrongClaim, repairs
from voicemock.core.coaching import Coaching
from voicemock.core.delivery import Delivery, advice, combine
from voicemock.core.injection import InjectionDetector
from voicemock.core.judge.meaning import Meaning
from voicemock.core.knowledge import Knowledge
from voicemock.core.rubric import Dimension, JudgeOptions, RoundSpec, Rubric
from voicemock.core.text import PhraseSet, find_phrases, normalize, shorten, split_sentences

EXPLAINED, NAMED, MISSING = "explained", "named", "missing"

VERDICTS = ("strong no hire", "no hire", "hire", "strong hire")
CAP_VERDICT = "no hire"


@dataclass(frozen=True)
class Sentence:
    text: str
    norm: str
    reasoning: bool
    list_like: bool
    to_scorer: bool
    wrong: tuple[str, ...] = ()
    """Ids of the misconceptions the sentence asserts."""
    reason: str = ""
    """The normalised part that gives the reason, from its marker on."""
    retracted: bool = False
    """Taken back by the speaker in the next sentence ("No, actually, ...")."""
    concrete: bool = False
    """Says something specific: a number or a domain term."""

    @property
    def counts(self) -> bool:
        """Evidence for the answer: neither addressed to the grader, a wrong claim, nor
        something the speaker took back."""
        return not self.to_scorer and not self.wrong and not self.retracted


@dataclass(frozen=True)
class ConceptCoverage:
    concept: Concept
    status: str
    credit: float
    evidence: str = ""
    by_meaning: float | None = None
    """Set when the meaning model, not a phrase, found it: the similarity."""


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
    uncertain: tuple[str, ...] = ()
    """Why the judge is unsure of this score: its signals disagree (many concepts named,
    none explained; a meaning match near its threshold)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "title": self.title,
            "score": self.score,
            "evidence": list(self.evidence),
            "missing": list(self.missing),
        }
        if self.flags:
            out["flags"] = list(self.flags)
        if self.uncertain:
            out["uncertain"] = list(self.uncertain)
        if self.llm_score is not None:
            out |= {
                "llm_score": self.llm_score,
                "offline_score": self.offline_score,
                "disputed": self.disputed,
            }
        return out

    @classmethod
    def from_dict(cls, dim_id: str, data: Mapping[str, Any]) -> DimensionScore:
        """A dimension as stored (``to_dict``; older cards may lack the later keys)."""
        llm = data.get("llm_score")
        return cls(
            id=dim_id,
            title=str(data.get("title", dim_id)),
            score=int(data["score"]),
            evidence=tuple(data.get("evidence", ())),
            missing=tuple(data.get("missing", ())),
            flags=tuple(data.get("flags", ())),
            llm_score=None if llm is None else int(llm),
            offline_score=None if llm is None else int(data["offline_score"]),
            disputed=bool(data.get("disputed", False)),
            uncertain=tuple(data.get("uncertain", ())),
        )


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
    incorrect: tuple[WrongClaim, ...] = ()
    """Wrong claims heard in the answers, each with its correction."""
    caps: tuple[str, ...] = ()
    """Why the verdict is capped at no hire (a central wrong claim, off topic, injection)."""
    not_scored: tuple[str, ...] = ()
    """Dimensions the questions did not call for, so they were not scored."""
    delivery: Delivery | None = None
    """How the round's answers were delivered (spoken or replayed), when measured."""
    delivery_notes: tuple[str, ...] = ()
    coaching: Coaching | None = None
    """Where each quote, claim, filler and pause was said; depth held; the model outline."""

    def dimension(self, dim_id: str) -> DimensionScore:
        for dim in self.dimensions:
            if dim.id == dim_id:
                return dim
        raise KeyError(dim_id)

    def to_dict(self) -> dict[str, Any]:
        return (
            {
                "round": self.round,
                "overall": self.overall,
                "recommendation": self.recommendation,
                "dimensions": {d.id: d.to_dict() for d in self.dimensions},
                "missing_concepts": list(self.missing_concepts),
                "hints": list(self.hints),
                "rubric_version": self.rubric_version,
                "brain": self.brain,
                "notes": list(self.notes),
                "incorrect": [w.to_dict() for w in self.incorrect],
                "caps": list(self.caps),
                "not_scored": list(self.not_scored),
            }
            | (
                {"delivery": self.delivery.to_dict(), "delivery_notes": list(self.delivery_notes)}
                if self.delivery is not None
                else {}
            )
            | ({"coaching": self.coaching.to_dict()} if self.coaching is not None else {})
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scorecard:
        """A scorecard as stored (``to_dict``); cards stored by older versions lack some
        keys, which read as empty."""
        delivery = data.get("delivery")
        return cls(
            round=str(data.get("round", "")),
            overall=float(data["overall"]),
            recommendation=str(data["recommendation"]),
            dimensions=tuple(
                DimensionScore.from_dict(k, v) for k, v in data.get("dimensions", {}).items()
            ),
            missing_concepts=tuple(data.get("missing_concepts", ())),
            hints=tuple(data.get("hints", ())),
            rubric_version=str(data.get("rubric_version", "")),
            brain=str(data.get("brain", "offline")),
            notes=tuple(data.get("notes", ())),
            incorrect=tuple(WrongClaim.from_dict(w) for w in data.get("incorrect", ())),
            caps=tuple(data.get("caps", ())),
            not_scored=tuple(data.get("not_scored", ())),
            delivery=Delivery.from_dict(delivery) if delivery else None,
            delivery_notes=tuple(data.get("delivery_notes", ())),
            coaching=Coaching.from_dict(data["coaching"]) if data.get("coaching") else None,
        )

    def with_delivery(self, deliveries: Sequence[Delivery], pace: tuple[int, int]) -> Scorecard:
        """The card with how its answers were delivered (unchanged when none was measured)."""
        total = combine(deliveries)
        if total is None:
            return self
        return replace(self, delivery=total, delivery_notes=tuple(advice(total, pace)))


@dataclass(frozen=True)
class Analysis:
    """What one question's answers (main answer plus follow-up answers) contain."""

    question: Question
    sentences: tuple[Sentence, ...]
    coverage: tuple[ConceptCoverage, ...]
    ignored: tuple[str, ...] = field(default=())
    tradeoffs: tuple[str, ...] = field(default=())
    """Reasoning sentences that name a cost or weigh alternatives."""
    wrong_claims: tuple[WrongClaim, ...] = field(default=())
    relevance: float = 1.0
    """How much of what the question asks the answers touch (0 to 1)."""
    off_topic_below: float = 0.3
    uncertain: tuple[str, ...] = field(default=())
    """Why the reading of this answer is unsure (signals that disagree)."""
    mechanisms: tuple[str, ...] = field(default=())
    """Sentences that explain how something works here: on topic, with a real reason, not a
    list, and concrete (a number or a domain term)."""

    @property
    def off_topic(self) -> bool:
        return self.relevance < self.off_topic_below

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


WRONG_CLAIM_CAP = "an incorrect claim about what the question is about"
INJECTION_CAP = "text addressed to the grader instead of the interviewer"


def capped(recommendation: str, caps: Sequence[str]) -> str:
    """A verdict held at no hire or below when anything caps it."""
    if caps and VERDICTS.index(recommendation) > VERDICTS.index(CAP_VERDICT):
        return CAP_VERDICT
    return recommendation


def verdict(
    scores: Sequence[int],
    overall: float,
    core: Sequence[int] = (),
    options: JudgeOptions | None = None,
) -> str:
    """The committee's rule: what the round is about (its core dimensions) must be solid,
    the weighted overall decides the band, and a dimension at one blocks a hire unless the
    rest is strong; a strong hire needs every dimension at three or more."""
    opts = options or JudgeOptions()
    weakest = min(scores)
    ones = sum(s <= 1 for s in scores)
    if weakest >= 3 and overall >= opts.strong_hire_overall:
        return VERDICTS[3]
    if core:
        # A round with a core: the core must be solid; one secondary dimension at one does
        # not block a hire when the rest is strong.
        core_low = min(core)
        allowed = 1 if overall >= opts.hire_allows_one_weak_at and len(scores) > 2 else 0
        hire = core_low >= 3 and ones <= allowed
    else:
        # No core: every dimension gates, as the weakest link.
        core_low = weakest
        hire = weakest >= 2 and (weakest >= 3 or overall >= 3.0)
    if hire and overall >= opts.hire_overall:
        return VERDICTS[2]
    if overall >= opts.no_hire_floor or core_low >= 2:
        return VERDICTS[1]
    return VERDICTS[0]


class Scorer:
    """Scores answers against a rubric. Pure and fast: no model, no network."""

    def __init__(
        self,
        rubric: Rubric,
        knowledge: Knowledge | None = None,
        meaning: Meaning | None = None,
        *,
        terms: Iterable[str] = (),
        version: str = "",
        notice: str = "",
    ) -> None:
        self.rubric = rubric
        self.version = version or rubric.version
        self.notice = notice
        """Said on every scorecard when the judge reads less than it should (no model)."""
        self.knowledge = knowledge
        self.meaning = meaning
        self.options = rubric.judge
        self._markers = {name: PhraseSet(p) for name, p in rubric.markers.items()}
        self._lexicons = {name: PhraseSet(p) for name, p in rubric.lexicons.items()}
        # Every term of the domain the judge knows: what a list is made of, and what makes
        # a sentence concrete.
        self._all_terms = PhraseSet(
            dict.fromkeys(
                [*(t for words in rubric.lexicons.values() for t in words), *map(str, terms)]
            )
        )
        self._injection = InjectionDetector(rubric.markers)
        self._claims = ClaimChecker(knowledge) if knowledge is not None else None

    # -- sentence level -------------------------------------------------------------
    def _sentence(self, text: str, to_scorer: bool) -> Sentence:
        # Mis-recognised jargon is read as the term it stands for; the quote stays as said.
        heard = self.meaning.canonical(text) if self.meaning is not None else text
        norm = normalize(heard)
        wrong: tuple[str, ...] = ()
        if self._claims is not None and not to_scorer:
            wrong = tuple(m.id for m in self._claims.check(heard))
        split = reading.reason_split(norm, self._markers["reasoning"])
        concrete = reading.measured(norm) or self._all_terms.any(norm)
        if split is None:
            lists = reading.list_like(text, norm, self._all_terms)
            return Sentence(text.strip(), norm, False, lists, to_scorer, wrong, concrete=concrete)
        head, reason = split
        # A list of terms with a reason tacked on is still a list: only what the reason
        # itself talks about is explained.
        head_is_list = bool(head) and reading.list_like(
            reading.raw_head(text, head), head, self._all_terms
        )
        return Sentence(
            text.strip(),
            norm,
            True,
            head_is_list,
            to_scorer,
            wrong,
            reason if head_is_list else norm,
            concrete=concrete,
        )

    def sentences(self, answers: Sequence[str]) -> tuple[Sentence, ...]:
        out: list[Sentence] = []
        for answer in answers:
            parts = split_sentences(answer)
            read = [
                self._sentence(text, injected)
                for text, injected in zip(parts, self._injection.flags(parts), strict=True)
            ]
            # The last word stands: a claim the next sentence takes back was not made.
            for i, sentence in enumerate(read[:-1]):
                if sentence.wrong and repairs(read[i + 1].norm):
                    read[i] = replace(sentence, wrong=(), retracted=True)
            out += read
        return tuple(out)

    def _references(self, question: Question) -> dict[str, list[str]]:
        """What each concept is about, in words: its name, hint and the strong points it is in."""
        refs: dict[str, list[str]] = {}
        for concept in question.concepts:
            texts = [concept.name, concept.follow_up]
            if concept.hint:
                texts.append(concept.hint)
            texts += [p.text for p in question.strong_points if concept.id in p.concepts]
            refs[concept.id] = texts
        return refs

    def _by_meaning(
        self, question: Question, texts: Sequence[str]
    ) -> tuple[dict[str, list[float]], list[float]]:
        """Per concept, each text's best similarity to it; and each text's to the question."""
        if self.meaning is None or not texts:
            return {}, []
        refs = self._references(question)
        flat = [t for group in refs.values() for t in group] + [question.text]
        rows = self.meaning.similarity(texts, flat)
        out: dict[str, list[float]] = {}
        at = 0
        for cid, group in refs.items():
            out[cid] = [max(row[at : at + len(group)]) for row in rows]
            at += len(group)
        return out, [row[-1] for row in rows]

    def analyse(self, question: Question, answers: Sequence[str]) -> Analysis:
        opts = self.options
        sentences = self.sentences(answers)
        counted = [s for s in sentences if s.counts]
        concept_sims, question_sims = self._by_meaning(question, [s.text for s in counted])
        coverage = []
        uncertain: list[str] = []
        for concept in question.concepts:
            status, credit, evidence, meant = MISSING, 0.0, "", None
            sims = concept_sims.get(concept.id, [0.0] * len(counted))
            for sentence, sim in zip(counted, sims, strict=False):
                named = bool(find_phrases(sentence.norm, concept.phrases))
                if not named and sim < opts.concept_meaning:
                    continue
                sure = sim >= opts.concept_meaning_sure
                explains = (sentence.reasoning or (sure and sentence.concrete)) and (
                    not sentence.list_like
                    or (named and bool(find_phrases(sentence.reason, concept.phrases)))
                )
                if explains and (named or sure):
                    status, credit, evidence = EXPLAINED, 1.0, sentence.text
                    meant = None if named else sim
                    break
                value = opts.list_credit if sentence.list_like else opts.named_credit
                if value > credit:
                    status, credit, evidence = NAMED, value, sentence.text
                    meant = None if named else sim
            if meant is not None and meant < opts.concept_meaning_sure:
                uncertain.append(f"{concept.name}: found by meaning only, near the threshold")
            coverage.append(ConceptCoverage(concept, status, credit, evidence, meant))
        ignored = tuple(s.text for s in sentences if s.to_scorer)
        tradeoffs = tuple(
            s.text
            for s in counted
            if s.reasoning and self._markers["tradeoff"].any(s.reason or s.norm)
        )
        central = set(self.knowledge.topics_of(question)) if self.knowledge else set()
        wrong = []
        if self.knowledge is not None:
            for s in sentences:
                for mid in s.wrong:
                    item = self.knowledge.misconception(mid)
                    wrong.append(WrongClaim(item, s.text, item.topic in central))
        relevance = reading.relevance(question, [s.norm for s in counted])
        if question_sims:
            # On topic by meaning: the share of sentences about what the question asks.
            on_topic = sum(
                max(q, max((c[i] for c in concept_sims.values()), default=0.0))
                >= opts.topic_meaning
                for i, q in enumerate(question_sims)
            )
            relevance = max(relevance, on_topic / len(question_sims))
        concept_phrases = PhraseSet(p for c in question.concepts for p in c.phrases)
        mechanisms = tuple(
            s.text
            for i, s in enumerate(counted)
            if s.reasoning
            and not s.list_like
            and (
                reading.measured(s.reason)
                or self._all_terms.any(s.norm)
                or concept_phrases.any(s.norm)
            )
            and (
                not question_sims
                or question_sims[i] >= opts.topic_meaning
                or any(c[i] >= opts.concept_meaning for c in concept_sims.values())
            )
        )
        return Analysis(
            question,
            sentences,
            tuple(coverage),
            ignored,
            tradeoffs,
            tuple(wrong),
            relevance,
            opts.off_topic,
            tuple(uncertain),
            mechanisms,
        )

    # -- dimensions -----------------------------------------------------------------
    def _count(self, sentences: Iterable[Sentence], marker: str) -> int:
        return sum(self._markers[marker].count(s.norm) for s in sentences)

    def _with(self, sentences: Iterable[Sentence], marker: str) -> list[str]:
        return [s.text for s in sentences if self._markers[marker].any(s.norm)]

    def _concepts(self, dim: Dimension, a: Analysis, spec: RoundSpec) -> DimensionScore:
        opts = self.options
        ratio = a.coverage_ratio
        tradeoffs = a.tradeoffs
        if ratio >= opts.concepts_for_full_depth and len(tradeoffs) >= 2:
            score = 4
        elif ratio >= opts.concepts_for_three:
            score = 3
        elif ratio >= opts.concepts_for_two:
            score = 2
        else:
            score = 1
        # The bank's concepts are one way to be deep; a plain answer that explains how the
        # thing works in this situation, with its own words, numbers and terms, is another.
        by_concepts = score
        mechanisms = len(a.mechanisms)
        if mechanisms >= opts.mechanisms_for_full_depth and len(tradeoffs) >= 2:
            score = max(score, 4)
        elif mechanisms >= opts.mechanisms_for_three:
            score = max(score, 3)
        doubt = (
            (f"the bank's concepts say {by_concepts}, the answer's own explanations {score}",)
            if score - by_concepts >= 2
            else ()
        )
        if not tradeoffs:
            score = min(score, int(opts.depth_without_tradeoff))
        evidence = [c.evidence for c in a.coverage if c.status == EXPLAINED]
        evidence += [s for s in tradeoffs if s not in evidence]
        missing = [
            f"{c.concept.name}" + (" (named, not explained)" if c.status == NAMED else "")
            for c in a.unexplained()
        ]
        if not tradeoffs:
            missing.append(dim.missing_hint or "the cost of each choice")
        if a.wrong_claims:
            # A wrong mechanism outweighs the right words around it.
            score = min(score, 1 if any(w.central for w in a.wrong_claims) else 2)
            missing.insert(0, "get the mechanism right: see the incorrect claims")
        if a.off_topic:
            score = 1
        return DimensionScore(
            dim.id, dim.title, score, tuple(evidence), tuple(missing), uncertain=doubt
        )

    def _lexicon(self, dim: Dimension, a: Analysis, spec: RoundSpec) -> DimensionScore:
        terms = self._lexicons[dim.lexicon]
        credit: dict[str, float] = {}
        evidence: list[str] = []
        for s in a.counted:
            explained = set(terms.found(s.reason)) if s.reasoning else set()
            for term in terms.found(s.norm):
                if term in explained:
                    value = 1.0
                else:
                    value = self.options.list_credit if s.list_like else self.options.named_credit
                if value > credit.get(term, 0.0):
                    credit[term] = value
                if value == 1.0 and s.text not in evidence:
                    evidence.append(s.text)
        # Naming terms without saying what they do earns little, however many are named.
        explained_points = sum(v for v in credit.values() if v >= 1.0)
        named_points = sum(v for v in credit.values() if v < 1.0)
        points = explained_points + min(named_points, self.options.named_points_cap)
        score = 1 + sum(points >= level for level in dim.levels)
        missing = (dim.missing_hint,) if score < 4 and dim.missing_hint else ()
        return DimensionScore(dim.id, dim.title, score, tuple(evidence), missing)

    def _structure(self, dim: Dimension, a: Analysis, spec: RoundSpec) -> DimensionScore:
        """Easy to follow and dense with substance: judged per 100 words, not by length."""
        counted = a.counted
        signposts = {p for s in counted for p in self._markers["signpost"].found(s.norm)}
        framing = self._with(counted, "framing")
        conclusion = self._with(counted, "conclusion")
        # Ending on the decision closes an answer as well as "in summary" does.
        conclusion += [s.text for s in counted[-2:] if self._markers["strong_commit"].any(s.norm)]
        words = a.word_count
        lo, hi = spec.answer_words
        # Substance: sentences that give a real reason, a number, or a decision.
        units = sum(
            1
            for s in counted
            if s.reasoning
            or self._markers["commit"].any(s.norm)
            or self._markers["strong_commit"].any(s.norm)
        )
        density = 100 * units / words if words else 0.0
        repeated = _repetition([s.norm for s in counted])
        points = 0.0
        # A short answer can be followed without "first, second"; a long one cannot.
        points += 1.0 if len(signposts) >= 2 else 0.5 if signposts or words <= 120 else 0.0
        points += 0.5 if framing else 0.0
        points += 0.5 if conclusion else 0.0
        points += (
            1.5 if density >= 4.0 else 1.0 if density >= 2.5 else 0.5 if density >= 1.5 else 0.0
        )
        if repeated >= 0.25:
            points -= 1.0
        if words > hi and density < 2.0:
            points -= 0.5  # long and thin: a ramble
        if words < min(40, lo / 2):
            points -= 1.0  # too little to follow anything
        score = max(1, min(4, 1 + int(points + 0.5)))
        evidence = framing[:1] + conclusion[:1]
        evidence += self._with(counted, "signpost")[:2]
        missing = []
        if len(signposts) < 2:
            missing.append("signpost the answer (first, second, finally) so it can be followed")
        if not conclusion:
            missing.append("close with a one-line summary or recommendation")
        if density < 2.0:
            missing.append(f"more substance per minute: {units} reasoned point(s) in {words} words")
        if repeated >= 0.25:
            missing.append("say each point once: parts of the answer repeat themselves")
        if words < min(40, lo / 2):
            missing.append(f"answer in more depth (about {lo}-{hi} words; this was {words})")
        return DimensionScore(
            dim.id, dim.title, score, tuple(dict.fromkeys(evidence)), tuple(missing)
        )

    def _decisiveness(self, dim: Dimension, a: Analysis, spec: RoundSpec) -> DimensionScore:
        counted = a.counted
        # Ownership shows as commitments ("I would") and, in stories, first-person actions.
        actions = sum(len(reading.own_actions(s.norm)) for s in counted)
        # "Key by order id." "Turn checkpoints on." An instruction is a decision too.
        orders = sum(reading.imperative(s.norm) for s in counted)
        commits = self._count(counted, "commit") + min(actions, 3) + min(orders, 3)
        strong = self._count(counted, "strong_commit")
        hedges = self._count(counted, "hedge")
        options = self._count(counted, "options")
        decided = commits + strong
        if decided == 0:
            score = 1 if options >= 2 else 2
        else:
            ratio = decided / (decided + options)
            if ratio >= 0.7 and decided >= 2:
                score = 4
            elif ratio >= 0.5:
                score = 3
            else:
                score = 2
            if options >= 2 and not strong:
                score = min(score, 2)  # a menu of options is the "too consultative" no-hire
        # Hedging is delivery: an unsure tone costs at most hedge_cost, never the decision.
        if hedges >= max(2, decided):
            score = max(1, score - self.options.hedge_cost)
        evidence = (
            self._with(counted, "strong_commit")
            + self._with(counted, "commit")
            + [s.text for s in counted if reading.own_actions(s.norm)]
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
        """A story: the situation, the candidate's own task and actions, a result in numbers."""
        counted = a.counted
        parts = {p: self._with(counted, p) for p in ("situation", "task", "action", "result")}
        # "I pulled the incident log", "I rewrote the plan": the candidate's own actions,
        # not "we decided" or "the team felt".
        parts["action"] += [s.text for s in counted if reading.own_actions(s.norm)]
        first_action = next(
            (i for i, s in enumerate(counted) if s.text in parts["action"]), len(counted)
        )
        # What comes before the candidate acts, told in the past, sets the scene.
        parts["situation"] += [s.text for s in counted[:first_action] if reading.past_tense(s.norm)]
        results = [s for s in counted if s.text in parts["result"] or reading.measured(s.norm)]
        actions_at = [i for i, s in enumerate(counted) if s.text in parts["action"]]
        if actions_at:
            # What happened after the candidate acted, in numbers, is the result.
            after = counted[actions_at[0] + 1 :]
            results += [s for s in after if reading.measured(s.norm) and s not in results]
        parts["result"] = [s.text for s in results]
        present = [p for p, found in parts.items() if found]
        measurable = any(reading.measured(s.norm) for s in results)
        n = len(present)
        score = 4 if n == 4 and measurable else 3 if n >= 3 else 2 if n >= 2 else 1
        if not measurable:
            score = min(score, 3)
        if not parts["action"]:
            score = min(score, 2)  # a story without the candidate's own actions
        evidence = [found[0] for found in parts.values() if found]
        missing = [f"the {p}" for p in parts if p not in present]
        if not measurable:
            missing.append("a measurable result (a number: %, time, money, users)")
        return DimensionScore(
            dim.id, dim.title, score, tuple(dict.fromkeys(evidence)), tuple(missing)
        )

    _METHODS = {
        "concepts": _concepts,
        "lexicon": _lexicon,
        "structure": _structure,
        "decisiveness": _decisiveness,
        "star": _star,
    }

    def score_dimensions(self, spec: RoundSpec, analysis: Analysis) -> list[DimensionScore]:
        """The dimensions this question calls for (see ``applies_when``), scored."""
        out = []
        for dim in spec.dimensions:
            if not reading.applies(dim.applies_when, analysis.question.text):
                continue
            score = self._METHODS[dim.method](self, dim, analysis, spec)
            if analysis.off_topic and score.score > 2:
                score = replace(score, score=2)
            doubts = score.uncertain + self._doubts(dim, analysis)
            if doubts:
                score = replace(score, uncertain=doubts)
            out.append(score)
        return out

    def _verdict(
        self, dims: Sequence[DimensionScore], weights: Mapping[str, float], caps: Sequence[str]
    ) -> tuple[float, str]:
        """The weighted overall and the verdict for these dimension scores."""
        total = sum(weights.get(d.id, 1.0) for d in dims)
        overall = round(sum(d.score * weights.get(d.id, 1.0) for d in dims) / total, 2)
        core = [d.score for d in dims if weights.get(d.id, 1.0) > 1]
        scores = [d.score for d in dims]
        return overall, capped(verdict(scores, overall, core, self.options), caps)

    def _close_calls(
        self,
        dims: list[DimensionScore],
        weights: Mapping[str, float],
        overall: float,
        recommendation: str,
    ) -> list[DimensionScore]:
        """Dimensions where one point either way would change the verdict, in a round whose
        overall sits close to the line: the judge is least sure exactly there."""
        lines = (self.options.hire_overall, self.options.strong_hire_overall)
        if min(abs(overall - line) for line in lines) > self.options.close_call:
            return dims
        out = []
        for i, dim in enumerate(dims):
            flips = []
            for step in (-1, 1):
                if not 1 <= dim.score + step <= 4:
                    continue
                moved = [*dims[:i], replace(dim, score=dim.score + step), *dims[i + 1 :]]
                _, other = self._verdict(moved, weights, ())
                if other != recommendation:
                    flips.append(other)
            if flips:
                why = f"a close call: one point here makes it {' or '.join(flips)}"
                dim = replace(dim, uncertain=(*dim.uncertain, why))
            out.append(dim)
        return out

    def _doubts(self, dim: Dimension, a: Analysis) -> tuple[str, ...]:
        """Where the judge's signals disagree on a dimension, the reasons to doubt its score."""
        out: list[str] = []
        if abs(a.relevance - a.off_topic_below) < 0.1 and any(s.counts for s in a.sentences):
            out.append("on topic or not is a close call")
        if dim.method == "concepts":
            named = [c for c in a.coverage if c.status == NAMED]
            explained = [c for c in a.coverage if c.status == EXPLAINED]
            if len(named) >= 3 and not explained:
                out.append(f"{len(named)} concepts named, none explained")
            out += a.uncertain
        elif dim.method == "lexicon":
            terms = self._lexicons[dim.lexicon]
            found = {t for s in a.counted for t in terms.found(s.norm)}
            reasoned = {t for s in a.counted if s.reasoning for t in terms.found(s.reason)}
            if len(found) >= 4 and not reasoned:
                out.append(f"{len(found)} terms named, none explained")
        return tuple(out)

    # -- rounds ---------------------------------------------------------------------
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
        for question, answers in exchanges:
            analysis = self.analyse(question, answers)
            per_question.append({d.id: d for d in self.score_dimensions(spec, analysis)})
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
                caps.append(f"did not answer the question: “{shorten(question.text)}”")
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
        overall, recommendation = self._verdict(dims, weights, caps)
        if not caps:
            dims = self._close_calls(dims, weights, overall, recommendation)
        caps = list(dict.fromkeys(caps))
        return Scorecard(
            round=round_id,
            overall=overall,
            recommendation=recommendation,
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


def _unique_claims(claims: Sequence[WrongClaim]) -> tuple[WrongClaim, ...]:
    seen: dict[tuple[str, str], WrongClaim] = {}
    for claim in claims:
        seen.setdefault((claim.misconception.id, claim.quote), claim)
    return tuple(seen.values())


def _repetition(norms: Sequence[str]) -> float:
    """Share of the answer's word trigrams that were already said earlier in it."""
    seen: set[tuple[str, ...]] = set()
    total = repeated = 0
    for norm in norms:
        words = reading.content_words(norm)
        for i in range(len(words) - 2):
            gram = tuple(words[i : i + 3])
            total += 1
            if gram in seen:
                repeated += 1
            seen.add(gram)
    return repeated / total if total >= 10 else 0.0


def _merge(scores: Sequence[DimensionScore]) -> DimensionScore:
    first = scores[0]
    mean = sum(s.score for s in scores) / len(scores)
    evidence = tuple(dict.fromkeys(e for s in scores for e in s.evidence))[:4]
    missing = tuple(dict.fromkeys(m for s in scores for m in s.missing))
    uncertain = tuple(dict.fromkeys(u for s in scores for u in s.uncertain))
    return DimensionScore(
        first.id, first.title, int(mean + 0.5), evidence, missing, uncertain=uncertain
    )


def _hints(question: Question, analysis: Analysis) -> list[str]:
    explained = {c.concept.id for c in analysis.coverage if c.status == EXPLAINED}
    out = [p.text for p in question.strong_points if not set(p.concepts) <= explained]
    out += [c.concept.hint for c in analysis.unexplained() if c.concept.hint]
    return out


def _terms(text: str) -> set[str]:
    return {
        reading.stem(w)
        for w in reading.content_words(normalize(text))
        if w not in reading.GENERIC and w not in reading.VAGUE and len(w) > 3
    }


def _specific(phrase: str) -> bool:
    """A phrase that says what a question is about: not a lone generic word."""
    words = normalize(phrase.rstrip("*")).split()
    return any(
        len(w) > 3 and w not in reading.STOPWORDS and w not in reading.GENERIC for w in words
    )


def infer_question(
    text: str,
    round_id: str,
    candidates: Sequence[Question],
    question_id: str = "custom",
    meaning: Meaning | None = None,
) -> Question:
    """A question written by the user: probe the concepts of *its round* its words point at.

    Only the chosen round's questions are considered, and only the words that say what
    the question is about count ("customer" or "team" alone say nothing): first the
    concepts of the most similar question of the round (shared words weighted by how
    rare they are in the round), then concepts whose specific phrases occur in the
    question, then the round's most common concepts, up to five, so every answer is
    probed on the basics.
    """
    pool = [q for q in candidates if q.round == round_id]
    if meaning is not None and pool:
        return _infer_by_meaning(text, round_id, candidates, question_id, meaning)
    norm = normalize(text)
    words = _terms(text)
    chosen: dict[str, Concept] = {}
    if words and pool:
        frequency: dict[str, int] = {}
        for q in pool:
            for w in _terms(q.text):
                frequency[w] = frequency.get(w, 0) + 1

        def similarity(q: Question) -> float:
            shared = words & _terms(q.text)
            return sum(1.0 / frequency[w] for w in shared) / len(words)

        best = max(pool, key=similarity)
        if similarity(best) >= 0.15:
            for concept in sorted(best.concepts, key=lambda c: -c.weight)[:4]:
                chosen[concept.id] = concept
    for question in pool:
        for concept in question.concepts:
            if len(chosen) >= 6 or concept.id in chosen:
                continue
            phrases = [p for p in concept.phrases if _specific(p)]
            if find_phrases(norm, phrases):
                chosen[concept.id] = concept
    weights: dict[str, tuple[int, Concept]] = {}
    for question in pool:
        for concept in question.concepts:
            n, _ = weights.get(concept.id, (0, concept))
            weights[concept.id] = (n + concept.weight, concept)
    for _, concept in sorted(weights.values(), key=lambda item: -item[0]):
        if len(chosen) >= 5:
            break
        chosen.setdefault(concept.id, concept)
    return Question(
        id=question_id,
        round=round_id,
        text=" ".join(text.split()),
        concepts=tuple(chosen.values()),
    )


SAME_QUESTION = 0.75
"""Similarity from which a question of the user's is the bank's question in other words."""
CONCEPT_FOR_QUESTION = 0.3
"""Similarity from which a concept of the round is one the user's question asks about."""
OTHER_ROUND = 0.08
"""How much closer a concept of another round must be to be chosen over the round's own."""


def _infer_by_meaning(
    text: str,
    round_id: str,
    candidates: Sequence[Question],
    question_id: str,
    meaning: Meaning,
) -> Question:
    """:func:`infer_question` by meaning: the round's question when it is the same one in other
    words; else the concepts closest to what the question asks (three to five), the round's
    own first: a technical question about durability finds the concept wherever it is."""
    own = [q for q in candidates if q.round == round_id]
    [to_questions] = meaning.similarity([text], [q.text for q in own])
    best = max(range(len(own)), key=lambda i: to_questions[i])
    pool = sorted(candidates, key=lambda q: q.round != round_id)
    if to_questions[best] >= SAME_QUESTION:
        concepts = own[best].concepts
    else:
        unique: dict[str, tuple[Concept, bool]] = {}
        for question in pool:
            for concept in question.concepts:
                unique.setdefault(concept.id, (concept, question.round == round_id))
        items = [c for c, _ in unique.values()]
        refs = [f"{c.name}. {c.hint}".strip() for c in items] + [c.follow_up for c in items]
        [both] = meaning.similarity([text], refs)
        raw = [max(a, b) for a, b in zip(both[: len(items)], both[len(items) :], strict=True)]
        sims = [
            sim - (0.0 if mine else OTHER_ROUND)
            for sim, (_, mine) in zip(raw, unique.values(), strict=True)
        ]
        ranked = sorted(zip(sims, range(len(items)), strict=True), reverse=True)
        picked = [items[i] for sim, i in ranked[:5] if sim >= CONCEPT_FOR_QUESTION]
        concepts = tuple(picked if len(picked) >= 3 else [items[i] for _, i in ranked[:3]])
    return Question(
        id=question_id, round=round_id, text=" ".join(text.split()), concepts=tuple(concepts)
    )
