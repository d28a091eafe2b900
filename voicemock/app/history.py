"""Looking back: re-scoring stored sessions and reading progress from the store."""

from __future__ import annotations

from voicemock.app import resources
from voicemock.core.bank import Question
from voicemock.core.coaching import AnswerTurn
from voicemock.core.compare import Comparison, compare
from voicemock.core.delivery import Delivery
from voicemock.core.judge import Scorecard, infer_question
from voicemock.core.progress import Progress, ScoredSession, progress
from voicemock.core.stored import StoredSession
from voicemock.core.stories import STORY_ROUNDS, StoryAnswer, StoryBank, build_bank
from voicemock.core.teach import coach
from voicemock.errors import VoicemockError
from voicemock.round.ports import Brain
from voicemock.store import Store


def session_question(session: StoredSession, question_id: str) -> Question:
    """A stored session's question: from the bank, or rebuilt from the user's own text."""
    bank = resources.bank()
    try:
        return bank.get(question_id)
    except KeyError:
        text = session.question_text
        if not text:
            raise VoicemockError(
                f"session {session.id}: question '{question_id}' is no longer in the "
                "bank, so it cannot be re-scored"
            ) from None
        meaning = resources.scorer().meaning
        return infer_question(text, session.round, bank.questions, question_id, meaning)


def _exchanges(session: StoredSession) -> list[tuple[Question, list[str]]]:
    grouped: dict[str, list[str]] = {}
    for turn in session.turns:
        grouped.setdefault(turn.question_id, []).append(turn.transcript)
    return [(session_question(session, qid), answers) for qid, answers in grouped.items()]


def coached(session: StoredSession, card: Scorecard) -> Scorecard:
    """``card`` with its coaching (evidence moments, depth held, the model outline), read
    from the session's stored answers."""
    grouped: dict[str, list[AnswerTurn]] = {}
    for turn in session.turns:
        grouped.setdefault(turn.question_id, []).append(AnswerTurn.from_stored(turn))
    threshold = next((t.pause_threshold_s for t in session.turns if t.delivery), None)
    exchanges = [(session_question(session, qid), turns) for qid, turns in grouped.items()]
    return coach(card, exchanges, resources.scorer(), resources.delivery_meter(threshold))


def rescore(store: Store, session_id: str, brain: Brain) -> tuple[Scorecard | None, Scorecard]:
    """Score a stored session again with today's rubric; the earlier scorecards are kept.

    Returns (the previous scorecard, if there was one; the new scorecard).
    """
    session = store.get_session(session_id)
    if not session.turns:
        raise VoicemockError(f"session {session.id} has no answers to score")
    lines: dict[str, list[str]] = {}  # the follow-ups the candidate answered, by question
    for turn in session.turns:
        if turn.is_follow_up:
            lines.setdefault(turn.question_id, []).append(turn.prompt)
    try:
        card = brain.score(session.round, _exchanges(session), lines=lines)
    finally:
        store.add_llm_calls(session.id, [u.to_dict() for u in brain.drain_usage()])
    deliveries = [Delivery.from_dict(t.delivery) for t in session.turns if t.delivery]
    card = coached(session, card.with_delivery(deliveries, resources.delivery_config().pace_wpm))
    store.save_scorecard(session.id, card.to_dict())
    before = session.scorecard
    return (Scorecard.from_dict(before) if before else None), card


def load_progress(
    store: Store, round_id: str | None = None, *, include_incomplete: bool = False
) -> Progress:
    """The trend over scored rounds, oldest first; interrupted rounds only when asked."""
    rows = store.latest_scorecards(round_id, include_incomplete=include_incomplete)
    rows.reverse()  # oldest first
    return progress(
        [
            ScoredSession(r["id"], r["round"], r["started_at"], Scorecard.from_dict(r["card"]))
            for r in rows
        ]
    )


def drill_questions(session: StoredSession) -> list[Question]:
    """The questions a re-answer drill asks again: those the session answered, in order
    (all it planned, if it answered none)."""
    return [session_question(session, qid) for qid in session.answered or session.questions]


def scored_card(session: StoredSession) -> Scorecard:
    """The session's latest scorecard with its coaching (worked out now for older cards)."""
    if not session.scorecard:
        raise VoicemockError(
            f"session {session.id} has no scorecard ({session.status}); "
            f"score it with: voicemock rescore {session.id}"
        )
    card = Scorecard.from_dict(session.scorecard)
    if card.coaching is not None:
        return card
    try:
        return coached(session, card)
    except VoicemockError:  # a question no longer in the bank: the scores stand alone
        return card


def compare_sessions(store: Store, before_id: str, after_id: str | None = None) -> Comparison:
    """Two attempts side by side. With one id, that attempt and the one it repeated (or, for
    the first attempt of a drill, that attempt and the latest re-answer)."""
    before = store.get_session(before_id)
    if after_id is None:
        if before.again_of:
            before, after = store.get_session(before.again_of), before
        else:
            chain = store.attempts(before.id)
            if len(chain) < 2:
                raise VoicemockError(
                    f"session {before.id} has no other attempt to compare with; drill it "
                    f"with: voicemock practice --again {before.id} --mic"
                )
            after = store.get_session(chain[-1])
    else:
        after = store.get_session(after_id)
    if before.round != after.round:
        raise VoicemockError(
            f"sessions {before.id} ({before.round}) and {after.id} ({after.round}) "
            "are different rounds"
        )
    return compare(
        before.id,
        scored_card(before),
        after.id,
        scored_card(after),
        resources.delivery_config().pace_wpm,
    )


def story_bank(store: Store) -> StoryBank:
    """Every behavioural and hiring-manager answer stored, grouped into stories."""
    answers = []
    bank = resources.bank()
    for row in store.list_sessions(limit=100_000):
        if row.round not in STORY_ROUNDS or not row.turns:
            continue
        session = store.get_session(row.id)
        grouped: dict[str, list[str]] = {}
        for turn in session.turns:
            grouped.setdefault(turn.question_id, []).append(turn.transcript)
        for qid, texts in grouped.items():
            try:
                question = bank.get(qid)
                text, tags = question.text, question.tags
            except KeyError:
                text, tags = session.question_text or "", ()
            answers.append(
                StoryAnswer(
                    session.id,
                    session.started_at,
                    session.round,
                    qid,
                    text,
                    tags,
                    " ".join(texts),
                )
            )
    answers.sort(key=lambda a: a.started_at)
    return build_bank(answers, resources.competencies(), resources.vocabulary())
