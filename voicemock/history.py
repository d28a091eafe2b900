"""Looking back: re-scoring stored sessions and reading progress from the store."""

from __future__ import annotations

from typing import Any

from voicemock import resources
from voicemock.core.bank import Question
from voicemock.core.delivery import Delivery
from voicemock.core.progress import Progress, ScoredSession, progress
from voicemock.core.scoring import Scorecard, infer_question
from voicemock.errors import VoicemockError
from voicemock.round.ports import Brain
from voicemock.store import Store


def _exchanges(session: dict[str, Any]) -> list[tuple[Question, list[str]]]:
    bank = resources.bank()
    grouped: dict[str, list[str]] = {}
    for turn in session["turns"]:
        grouped.setdefault(turn["question_id"], []).append(turn["transcript"])
    exchanges = []
    for question_id, answers in grouped.items():
        try:
            question = bank.get(question_id)
        except KeyError:
            text = session["settings"].get("question_text")
            if not text:
                raise VoicemockError(
                    f"session {session['id']}: question '{question_id}' is no longer in the "
                    "bank, so it cannot be re-scored"
                ) from None
            question = infer_question(text, session["round"], bank.questions, question_id)
        exchanges.append((question, answers))
    return exchanges


def rescore(store: Store, session_id: str, brain: Brain) -> tuple[Scorecard | None, Scorecard]:
    """Score a stored session again with today's rubric; the earlier scorecards are kept.

    Returns (the previous scorecard, if there was one; the new scorecard).
    """
    session = store.get_session(session_id)
    if not session["turns"]:
        raise VoicemockError(f"session {session['id']} has no answers to score")
    lines: dict[str, list[str]] = {}  # the follow-ups the candidate answered, by question
    for turn in session["turns"]:
        if turn["kind"] == "follow_up":
            lines.setdefault(turn["question_id"], []).append(turn["prompt"])
    try:
        card = brain.score(session["round"], _exchanges(session), lines=lines)
    finally:
        store.add_llm_calls(session["id"], [u.to_dict() for u in brain.drain_usage()])
    deliveries = [Delivery.from_dict(t["delivery"]) for t in session["turns"] if t["delivery"]]
    card = card.with_delivery(deliveries, resources.delivery_config().pace_wpm)
    store.save_scorecard(session["id"], card.to_dict())
    before = session["scorecard"]
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
