"""Coaching a scored round: pin the evidence to its moments, count the follow-up depth each
question held, and mark the question's model outline hit or missed.

Runs on what was stored (each answer's words and timings) with the offline reading of the
answers, whichever brain scored the round, so the same answers always teach the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from voicemock.core.bank import Question
from voicemock.core.coaching import (
    CLAIM,
    QUOTE,
    AnswerTurn,
    Coaching,
    Depth,
    Level,
    Mark,
    OutlinePoint,
    filler_marks,
    joined_words,
    locate,
    pause_marks,
)
from voicemock.core.delivery import DeliveryMeter
from voicemock.core.judge import EXPLAINED, MISSING, NAMED, Scorecard, Scorer, reading
from voicemock.core.text import normalize

CHALLENGE = "challenge:"
MIN_HELD_WORDS = 8
"""An answer to a follow-up shorter than this does not hold the level, whatever it says."""

Exchange = tuple[Question, Sequence[AnswerTurn]]


def coach(
    card: Scorecard, exchanges: Sequence[Exchange], scorer: Scorer, meter: DeliveryMeter
) -> Scorecard:
    """``card`` with its :class:`Coaching`, from each question's stored answer turns."""
    turns = [t for _, ts in exchanges for t in ts]
    return replace(
        card,
        coaching=Coaching(
            marks=tuple(marks(card, turns, meter)),
            depth=tuple(depth(q, ts, scorer) for q, ts in exchanges),
            outline=tuple(p for q, ts in exchanges for p in outline(q, ts, scorer)),
        ),
    )


def marks(card: Scorecard, turns: Sequence[AnswerTurn], meter: DeliveryMeter) -> list[Mark]:
    """Every quote and wrong claim of the card, and every filler and long pause, placed."""
    out: list[Mark] = []
    for dim in card.dimensions:
        for quote in dim.evidence:
            found = locate(quote, turns)
            if found is not None:
                out.append(replace(found, kind=QUOTE, ref=dim.id))
    for claim in card.incorrect:
        found = locate(claim.quote, turns)
        if found is not None:
            out.append(replace(found, kind=CLAIM, ref=claim.misconception.id))
    for turn in turns:
        text = joined_words(turn)
        out += filler_marks(turn, meter.filler_spans(text), text)
        out += pause_marks(turn, meter.pause_threshold_s)
    return out


def depth(question: Question, turns: Sequence[AnswerTurn], scorer: Scorer) -> Depth:
    """Each follow-up asked on ``question`` and whether its answer held the level.

    A level holds when its answer explains what the follow-up probed (the concept, with a
    reason; for a challenge, a correction with a reason; for a free-form follow-up, a reason
    on what it asked) and asserts no wrong claim of its own.
    """
    levels = []
    for turn in turns:
        if turn.kind != "follow_up":
            continue
        levels.append(_level(question, turn, scorer))
    return Depth(question.id, tuple(levels))


def _level(question: Question, turn: AnswerTurn, scorer: Scorer) -> Level:
    probe = turn.concept_id or ""
    analysis = scorer.analyse(question, [turn.transcript])

    def level(held: bool, why: str) -> Level:
        return Level(turn.prompt, probe, held, why)

    if analysis.wrong_claims:
        return level(False, f"a wrong claim: {analysis.wrong_claims[0].misconception.claim}")
    words = len(normalize(turn.transcript).split())
    if words < MIN_HELD_WORDS:
        return level(False, f"too short to hold the level ({words} words)")
    reasoned = any(s.reasoning for s in analysis.counted)
    concepts = {c.concept.id: c for c in analysis.coverage}
    if probe in concepts:
        covered = concepts[probe]
        name = covered.concept.name
        if covered.status == EXPLAINED:
            return level(True, f"explained {name}")
        if covered.status == NAMED:
            return level(False, f"named {name} without explaining it")
        return level(False, f"did not address {name}")
    if probe.startswith(CHALLENGE):
        if reasoned:
            return level(True, "corrected the claim with a reason")
        return level(False, "answered the challenge without a reason")
    # A free-form follow-up (an LLM's own line): a reason on what it asked.
    asked = Question(id="follow-up", round=question.round, text=turn.prompt, concepts=())
    touched = reading.relevance(asked, [s.norm for s in analysis.counted])
    if reasoned and touched >= 0.3:
        return level(True, "answered what it asked, with a reason")
    if not reasoned:
        return level(False, "no reason given")
    return level(False, "did not address what it asked")


def outline(question: Question, turns: Sequence[AnswerTurn], scorer: Scorer) -> list[OutlinePoint]:
    """The question's strong-answer points (its concepts, for a question without them),
    each hit, partly made or missed over all of the question's answers."""
    analysis = scorer.analyse(question, [t.transcript for t in turns])
    coverage = {c.concept.id: c for c in analysis.coverage}
    points = [(p.text, p.concepts) for p in question.strong_points] or [
        (c.name, (c.id,)) for c in question.concepts
    ]
    out = []
    for text, concept_ids in points:
        parts = [coverage[c] for c in concept_ids if c in coverage]
        statuses = {c.status for c in parts}
        if parts and statuses == {EXPLAINED}:
            status = "hit"
        elif statuses - {MISSING}:
            status = "partly"
        else:
            status = "missed"
        quote = next(
            (c.evidence for c in parts if c.status == EXPLAINED),
            next((c.evidence for c in parts if c.status == NAMED), ""),
        )
        found = locate(quote, turns) if quote else None
        out.append(OutlinePoint(question.id, text, status, quote, found))
    return out
