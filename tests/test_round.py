"""The runner with a final transcription pass: what is stored, shown and scored is the final
transcript, the follow-up is chosen without waiting for it, and a failed pass loses nothing.
A scripted answer source stands in for the microphone; the store and brain are real."""

from __future__ import annotations

from concurrent.futures import Future

import numpy as np

from voicemock.app import resources
from voicemock.core.brain import OfflineBrain
from voicemock.core.models import Transcript
from voicemock.round.events import AnswerRevised, AnswerTranscribed, FollowUpAsked, TurnSaved
from voicemock.round.ports import CapturedAnswer
from voicemock.round.runner import RoundRunner
from voicemock.store import Store

QUESTION = "tech-exactly-once-payments"
LIVE = "I would rely on cough transactions and commit offsets with the output."
FINAL = (
    "I would rely on Kafka transactions: the Flink job commits its consumer offsets and its "
    "output in one transaction, so a read committed consumer never sees half a batch."
)


class Scripted:
    """Answers as the microphone source gives them: a live transcript, and a final one
    that arrives later (or fails)."""

    def __init__(self, answers: list[tuple[str, Future[Transcript]]]) -> None:
        self.answers = list(answers)

    def next_answer(self, prompt, text_prompt, wav_path):
        if not self.answers:
            return None
        live, final = self.answers.pop(0)
        wav_path.parent.mkdir(parents=True, exist_ok=True)
        wav_path.write_bytes(b"")
        return CapturedAnswer(
            audio=np.zeros(16_000, dtype=np.float32),
            transcript=Transcript.from_text(live),
            source="microphone",
            final=final,
        )

    def leftover(self):
        return ()


class Words:
    label = "scripted"

    def prompt_for(self, line, terms):
        return line

    def transcribe(self, audio, *, prompt="", fast=False):
        raise AssertionError("the scripted source transcribes nothing")


def _done(text: str) -> Future[Transcript]:
    future: Future[Transcript] = Future()
    future.set_result(Transcript.from_text(text))
    return future


def _run(tmp_path, answers, max_follow_ups=1, on_event=None, *, questions=None, voice=None):
    events = []
    with Store(tmp_path) as store:
        runner = RoundRunner(
            store,
            Words(),
            OfflineBrain(resources.scorer()),
            resources.vocabulary(),
            on_event=on_event or events.append,
            max_follow_ups=max_follow_ups,
            meter=resources.delivery_meter(),
            voice=voice,
        )
        asked = questions or [resources.bank().get(QUESTION)]
        session_id = runner.run("technical", asked, Scripted(answers), mode="live")
        return store.get_session(session_id), events


def test_the_final_pass_is_what_is_stored_scored_and_shown(tmp_path):
    session, events = _run(tmp_path, [(LIVE, _done(FINAL))], max_follow_ups=0)
    (turn,) = session.turns
    assert turn.transcript == FINAL
    assert turn.delivery["words"] == len(FINAL.split())
    shown = [e for e in events if isinstance(e, AnswerTranscribed)]
    assert shown[0].transcript.text == LIVE  # shown at once, then replaced
    (revised,) = [e for e in events if isinstance(e, AnswerRevised)]
    assert revised.transcript.text == FINAL and revised.index == 1
    technical = session.scorecard["dimensions"]["technical_depth"]
    assert any("Kafka transactions" in quote for quote in technical["evidence"])


def test_the_follow_up_does_not_wait_for_the_final_pass(tmp_path):
    pending: Future[Transcript] = Future()
    follow_ups = []

    def record(event):
        if isinstance(event, FollowUpAsked):
            follow_ups.append(event)
            pending.set_result(Transcript.from_text(FINAL))  # arrives while the line is said

    answers = [(LIVE, pending), ("It adds about a second of latency.", _done("x"))]
    session, _ = _run(tmp_path, answers, max_follow_ups=1, on_event=record)
    assert follow_ups  # asked while the first answer's final pass was still pending
    assert session.turns[0].transcript == FINAL


def test_a_failed_final_pass_keeps_the_live_transcript(tmp_path):
    broken: Future[Transcript] = Future()
    broken.set_exception(RuntimeError("the model ran out of memory"))
    session, events = _run(tmp_path, [(LIVE, broken)], max_follow_ups=0)
    assert session.status == "complete"
    assert session.turns[0].transcript == LIVE
    assert any("final transcription failed" in getattr(e, "message", "") for e in events)
    assert sum(isinstance(e, TurnSaved) for e in events) == 1


class Lines:
    """A voice that says nothing aloud: what it was asked to say, and to get ready."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.ahead: list[list[str]] = []

    def say(self, text: str) -> float:
        self.said.append(text)
        return 0.0

    def prefetch(self, lines) -> None:
        self.ahead.append(list(lines))


def test_while_a_question_is_answered_its_likely_next_lines_are_readied(tmp_path):
    bank = resources.bank()
    first, second = bank.get(QUESTION), bank.for_round("technical")[1]
    assert second.id != first.id
    voice = Lines()
    answers = [(LIVE, _done(LIVE)), (FINAL, _done(FINAL)), (FINAL, _done(FINAL))]
    _run(tmp_path, answers, questions=[first, second], voice=voice)
    # Once per question, as it is asked: the follow-ups the rubric may ask, then the
    # question after it (the line that follows when no follow-up is needed).
    assert len(voice.ahead) == 2
    readied, _ = voice.ahead
    assert readied[-1] == second.text and voice.said[0] == first.text
    assert set(readied[:-1]) >= {c.follow_up for c in first.concepts}
    knowledge = resources.scorer().knowledge
    challenges = {
        m.challenge for t in knowledge.topics_of(first) for m in knowledge.topic(t).misconceptions
    }
    assert challenges and set(readied[:-1]) >= challenges
    follow_up = voice.said[1]
    assert follow_up in readied  # what was asked next had been readied
    assert voice.ahead[1] == OfflineBrain(resources.scorer()).prepare(second)
