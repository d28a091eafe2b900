"""The dimensions: each rubric method turns an analysis into a 1-4 score with its evidence.

``concepts`` (technical depth: the bank's concepts explained, or the answer's own
explanations of a mechanism), ``lexicon`` (terms of a field explained, named ones capped),
``structure`` (substance per 100 words), ``decisiveness`` (commitments, hedging at most one
point) and ``star`` (a story's situation, own actions and measured result). Where the
signals behind a score disagree, the score says so (``uncertain``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from voicemock.core.judge import reading
from voicemock.core.judge.analysis import EXPLAINED, NAMED, Analysis, Sentence
from voicemock.core.judge.meaning import Meaning
from voicemock.core.judge.schema import DimensionScore
from voicemock.core.rubric import Dimension, RoundSpec, Rubric
from voicemock.core.text import PhraseSet


class DimensionScorer:
    """Scores the dimensions a question calls for."""

    def __init__(
        self,
        rubric: Rubric,
        meaning: Meaning | None = None,
        markers: Mapping[str, PhraseSet] | None = None,
        off_topic_caps: bool = True,
    ) -> None:
        self.options = rubric.judge
        self.meaning = meaning
        self.off_topic_caps = off_topic_caps
        """Whether an answer read as off topic has its scores held down (read by phrases
        alone); with the meaning model, whose calibration weighs relevance itself, it is a
        doubt instead."""
        # The reader compiles the same marker phrases: a scorer hands them over.
        self._markers = markers or {name: PhraseSet(p) for name, p in rubric.markers.items()}
        self._lexicons = {name: PhraseSet(p) for name, p in rubric.lexicons.items()}

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
        if a.off_topic and self.off_topic_caps:
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
        # What the dimension is about, said in the answer's own words: a sentence the meaning
        # model puts close to the dimension's description, that decides, acts or reasons,
        # and says something concrete, counts like a term explained.
        meant = self._meant(dim, a)
        evidence += [t for t in meant if t not in evidence]
        explained_points += min(len(meant), self.options.meaning_points_cap)
        points = explained_points + min(named_points, self.options.named_points_cap)
        score = 1 + sum(points >= level for level in dim.levels)
        missing = (dim.missing_hint,) if score < 4 and dim.missing_hint else ()
        return DimensionScore(dim.id, dim.title, score, tuple(evidence), missing)

    def _meant(self, dim: Dimension, a: Analysis) -> list[str]:
        """Sentences about what ``dim`` describes, by meaning, that carry substance."""
        if self.meaning is None or not dim.description:
            return []
        counted = [
            s
            for s in a.counted
            if s.concrete
            and not s.list_like
            and (s.reasoning or reading.imperative(s.norm) or reading.own_actions(s.norm))
        ]
        if not counted:
            return []
        rows = self.meaning.similarity([s.meant for s in counted], [dim.description])
        return [
            s.text
            for s, [sim] in zip(counted, rows, strict=True)
            if sim >= self.options.dimension_meaning
        ]

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
        # A proposal in an unsure voice is still a decision (a menu of options is not):
        # hedging takes its point off below, and no more.
        proposals = sum(
            reading.tentative(s.norm)
            for s in counted
            if not self._markers["commit"].any(s.norm)
            and not self._markers["strong_commit"].any(s.norm)
        )
        proposals = proposals if options < 2 else 0
        decided = commits + strong + min(proposals, 3)
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

    def score(self, spec: RoundSpec, analysis: Analysis) -> list[DimensionScore]:
        """The dimensions this question calls for (see ``applies_when``), scored."""
        out = []
        for dim in spec.dimensions:
            if not reading.applies(dim.applies_when, analysis.question.text):
                continue
            score = self._METHODS[dim.method](self, dim, analysis, spec)
            if analysis.off_topic and self.off_topic_caps and score.score > 2:
                score = replace(score, score=2)
            doubts = score.uncertain + self._doubts(dim, analysis)
            if doubts:
                score = replace(score, uncertain=doubts)
            out.append(score)
        return out

    def _doubts(self, dim: Dimension, a: Analysis) -> tuple[str, ...]:
        """Where the judge's signals disagree on a dimension, the reasons to doubt its score."""
        out: list[str] = []
        said = any(s.counts for s in a.sentences)
        if a.off_topic and not self.off_topic_caps and said:
            out.append("reads as off the question: its words and meaning touch little of it")
        elif abs(a.relevance - a.off_topic_below) < 0.1 and said:
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
