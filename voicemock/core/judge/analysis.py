"""Reading answers: injection, then claims, then what each sentence does, then coverage.

A concept or term earns full credit only where the answer *explains* it: in a sentence that
gives a real reason (a cause, a cost, a consequence, a number, a choice between alternatives;
not "because it matters"), or one the meaning model is sure is about it and that says
something concrete, and not only inside a list of terms. Before anything is measured, text
addressed to the grader is set aside (:mod:`.injection`), mis-recognised jargon is put right
(the meaning port), and sentences asserting a known misconception, or taken back by the
speaker, are taken out of the evidence (:mod:`.claims`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from voicemock.core.bank import Concept, Question
from voicemock.core.judge import reading
from voicemock.core.judge.claims import ClaimChecker, WrongClaim, last_word, repairs
from voicemock.core.judge.injection import InjectionDetector
from voicemock.core.judge.meaning import Meaning
from voicemock.core.knowledge import Knowledge
from voicemock.core.rubric import Rubric
from voicemock.core.text import PhraseSet, find_phrases, normalize, split_sentences

EXPLAINED, NAMED, MISSING = "explained", "named", "missing"


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
    plain: str = ""
    """The sentence as the meaning model reads it: mis-recognised jargon put right ("cafka"
    → "Kafka"), and only what follows a correction the speaker makes in it (the last word
    stands); the text itself stays the quote."""

    @property
    def meant(self) -> str:
        return self.plain or self.text

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
    dismissals: tuple[str, ...] = field(default=())
    """Sentences that wave a cost, a risk or a limit away ("no downside", "basically free"):
    in distributed systems nearly every choice has one, so they are a mark of overclaiming."""
    absolutes: tuple[str, ...] = field(default=())
    """Sentences in absolute terms ("always", "automatically", "guaranteed", "simple")."""

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


_FILLERS = frozenset(
    [
        "hm",
        "hmm",
        "mm",
        "ah",
        "oh",
        "oops",
        "er",
        "erm",
        "uh",
        "um",
        "well",
        "right",
        "yeah",
        "okay",
        "ok",
    ]
)


def _taken_back(following: Sequence[Sentence]) -> bool:
    """Whether the next sentence that says anything opens by taking back the one before."""
    for sentence in following:
        if repairs(sentence.norm):
            return True
        if any(w not in _FILLERS for w in reading.content_words(sentence.norm)):
            return False
    return False


class AnswerReader:
    """What a question's answers say: sentences, wrong claims, concepts, relevance."""

    def __init__(
        self,
        rubric: Rubric,
        knowledge: Knowledge | None = None,
        meaning: Meaning | None = None,
        terms: Iterable[str] = (),
    ) -> None:
        self.knowledge = knowledge
        self.meaning = meaning
        self.options = rubric.judge
        self.markers = {name: PhraseSet(p) for name, p in rubric.markers.items()}
        # Every term of the domain the judge knows: what a list is made of, and what makes
        # a sentence concrete.
        self._all_terms = PhraseSet(
            dict.fromkeys(
                [*(t for words in rubric.lexicons.values() for t in words), *map(str, terms)]
            )
        )
        self._injection = InjectionDetector(rubric.markers)
        self._claims = ClaimChecker(knowledge) if knowledge is not None else None

    def _sentence(self, text: str, to_scorer: bool) -> Sentence:
        # Mis-recognised jargon is read as the term it stands for; the quote stays as said.
        heard = self.meaning.canonical(text) if self.meaning is not None else text
        norm = normalize(heard)
        wrong: tuple[str, ...] = ()
        if self._claims is not None and not to_scorer:
            wrong = tuple(m.id for m in self._claims.check(heard))
        split = reading.reason_split(norm, self.markers["reasoning"])
        concrete = reading.measured(norm) or self._all_terms.any(norm)
        plain = last_word(heard).strip()
        lists = reading.list_like(text, norm, self._all_terms)
        if split is None or (lists and reading.enumeration(text)):
            # An enumeration explains nothing, even where a reason word sits inside it
            # ("ordering guarantees, idempotence, max in flight").
            return Sentence(
                text.strip(),
                norm,
                False,
                lists,
                to_scorer,
                wrong,
                concrete=concrete,
                plain=plain,
            )
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
            plain=plain,
        )

    def sentences(self, answers: Sequence[str]) -> tuple[Sentence, ...]:
        out: list[Sentence] = []
        for answer in answers:
            parts = split_sentences(answer)
            read = [
                self._sentence(text, injected)
                for text, injected in zip(parts, self._injection.flags(parts), strict=True)
            ]
            # The last word stands: a claim the next sentence takes back was not made (a
            # sentence of fillers alone, "Hmm.", between them changes nothing).
            for i, sentence in enumerate(read[:-1]):
                if sentence.wrong and _taken_back(read[i + 1 :]):
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
        concept_sims, question_sims = self._by_meaning(question, [s.meant for s in counted])
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
        dismissals = tuple(s.text for s in counted if self.markers["dismissal"].any(s.norm))
        # "The cost is basically zero" names no cost: a dismissal is not a trade-off.
        tradeoffs = tuple(
            s.text
            for s in counted
            if s.reasoning
            and self.markers["tradeoff"].any(s.reason or s.norm)
            and s.text not in dismissals
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
            dismissals,
            tuple(s.text for s in counted if self.markers["absolute"].any(s.norm)),
        )
