"""The session state machine, driven with typed transcripts and the real offline brain."""

from __future__ import annotations

import pytest

from voicemock.app import resources
from voicemock.core.brain import OfflineBrain
from voicemock.core.models import Transcript
from voicemock.round.events import (
    AnswerTranscribed,
    FollowUpAsked,
    QuestionAsked,
    RoundEndedEarly,
    RoundScored,
    RoundStarted,
)
from voicemock.round.session import InterviewSession, Phase, SessionStateError

VAGUE = Transcript.from_text("I am not sure, maybe we could look at it later.")


def _session(*ids: str, max_follow_ups: int = 2) -> InterviewSession:
    bank = resources.bank()
    brain = OfflineBrain(resources.scorer())
    return InterviewSession("technical", [bank.get(i) for i in ids], brain, max_follow_ups)


def test_ask_answer_follow_up_then_next_question_then_score():
    session = _session("tech-exactly-once-payments", "tech-schema-evolution")
    events = session.start()
    assert isinstance(events[0], RoundStarted)
    assert isinstance(events[1], QuestionAsked) and events[1].number == 1
    kinds = []
    for _ in range(6):
        if session.phase is Phase.FINISHED:
            break
        kinds.append([type(e).__name__ for e in session.answer(VAGUE)])
    assert kinds == [
        ["AnswerTranscribed", "FollowUpAsked"],
        ["AnswerTranscribed", "FollowUpAsked"],
        ["AnswerTranscribed", "QuestionAsked"],
        ["AnswerTranscribed", "FollowUpAsked"],
        ["AnswerTranscribed", "FollowUpAsked"],
        ["AnswerTranscribed", "RoundScored"],
    ]
    assert session.scorecard is not None
    assert [len(answers) for _, answers in session.exchanges] == [3, 3]


def test_follow_ups_never_repeat_and_respect_the_limit():
    session = _session("tech-consumer-lag", max_follow_ups=4)
    session.start()
    asked = []
    while session.phase is Phase.AWAITING_ANSWER:
        for event in session.answer(VAGUE):
            if isinstance(event, FollowUpAsked):
                asked.append(event.prompt.text)
    assert len(asked) == 4
    assert len(set(asked)) == 4


def test_no_follow_up_when_the_answer_covers_the_essentials():
    session = _session("tech-exactly-once-payments")
    session.start()
    strong = Transcript.from_text(
        "I would turn on the idempotent producer, so retries cannot duplicate a payment. "
        "Offsets and output commit in one Kafka transaction, so readers using read committed "
        "never see half a batch. The ledger sink upserts by payment id, so a replay is "
        "harmless. The cost is latency, about one second instead of fifty milliseconds, "
        "because results wait for the checkpoint. If the job crashes it restores from the "
        "checkpoint and the old producer is fenced, so zombies cannot commit."
    )
    events = session.answer(strong)
    assert [type(e) for e in events] == [AnswerTranscribed, RoundScored]


def test_end_early_scores_what_was_answered():
    session = _session("tech-exactly-once-payments", "tech-schema-evolution")
    session.start()
    session.answer(VAGUE)
    events = session.end_early("replay files ran out")
    assert isinstance(events[0], RoundEndedEarly)
    assert isinstance(events[1], RoundScored)
    assert len(session.exchanges) == 1
    assert session.end_early("again") == []


def test_answer_outside_a_question_is_refused():
    session = _session("tech-exactly-once-payments", max_follow_ups=0)
    with pytest.raises(SessionStateError):
        session.answer(VAGUE)
    session.start()
    session.answer(VAGUE)
    with pytest.raises(SessionStateError):
        session.answer(VAGUE)


def test_skip_ahead_and_stop_early():
    session = _session("tech-exactly-once-payments", "tech-schema-evolution", "tech-consumer-lag")
    session.start()
    # Answered, then the candidate skips the follow-ups: straight to question 2.
    events = session.answer(VAGUE, then="next")
    assert [type(e).__name__ for e in events] == ["AnswerTranscribed", "QuestionAsked"]
    # Question 2 skipped without an answer: it is not scored.
    events = session.skip()
    assert isinstance(events[0], QuestionAsked) and events[0].number == 3
    # Question 3 answered, then the candidate quits: the answer is kept, nothing else asked.
    assert [type(e).__name__ for e in session.answer(VAGUE, then="stay")] == ["AnswerTranscribed"]
    events = session.end_early("stopped")
    assert isinstance(events[0], RoundEndedEarly) and isinstance(events[1], RoundScored)
    assert [q.id for q, _ in session.exchanges] == [
        "tech-exactly-once-payments",
        "tech-consumer-lag",
    ]
