"""Questions of the user's own: which concepts to probe, by their words or by meaning."""

from __future__ import annotations

from collections.abc import Sequence

from voicemock.core.bank import Concept, Question
from voicemock.core.judge import reading
from voicemock.core.judge.meaning import Meaning
from voicemock.core.text import find_phrases, normalize


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
