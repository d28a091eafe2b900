"""The interview as a state machine: ask → answer → (follow-up → answer)* → next or score.

Pure: it takes transcripts and returns events. Audio, models and storage are
the caller's business, so live and replay sessions run the same machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum, StrEnum

from voicemock.core.bank import Question
from voicemock.core.judge import Scorecard
from voicemock.core.models import Transcript
from voicemock.round.events import (
    AnswerTranscribed,
    Event,
    FollowUpAsked,
    Prompt,
    QuestionAsked,
    RoundEndedEarly,
    RoundScored,
    RoundStarted,
)
from voicemock.round.ports import Brain


class Phase(Enum):
    READY = "ready"
    AWAITING_ANSWER = "awaiting_answer"
    FINISHED = "finished"


class Then(StrEnum):
    """What follows an answer."""

    CONTINUE = "continue"
    """A follow-up, or the next question."""
    NEXT = "next"
    """The next question without follow-ups: the candidate skipped ahead."""
    STAY = "stay"
    """Nothing: the caller is about to end the round."""


class SessionStateError(RuntimeError):
    """A call that the session's current phase does not allow."""


class InterviewSession:
    """One practice round over a fixed list of questions."""

    def __init__(
        self,
        round_id: str,
        questions: Sequence[Question],
        brain: Brain,
        max_follow_ups: int = 2,
        *,
        before_scoring: Callable[[], None] = lambda: None,
    ) -> None:
        if not questions:
            raise ValueError("a round needs at least one question")
        if max_follow_ups < 0:
            raise ValueError("max_follow_ups must be >= 0")
        self.round_id = round_id
        self.questions = tuple(questions)
        self.brain = brain
        self.max_follow_ups = max_follow_ups
        self.phase = Phase.READY
        self.current: Prompt | None = None
        self.scorecard: Scorecard | None = None
        self._index = -1
        self._answers: list[list[str]] = []
        self._asked: list[list[str]] = []
        self._lines: list[list[str]] = []
        self._recorded = False
        self.before_scoring = before_scoring
        """Called just before the round is scored (to put final transcripts in place)."""
        self.last_answer: tuple[int, int] | None = None
        """Where the last recorded answer is kept, for :meth:`revise`."""

    @property
    def exchanges(self) -> list[tuple[Question, list[str]]]:
        """Each question asked so far with the answers it got (follow-up answers included)."""
        return [(q, a) for q, a in zip(self.questions, self._answers, strict=False) if a]

    def start(self) -> list[Event]:
        if self.phase is not Phase.READY:
            raise SessionStateError("the session has already started")
        return [RoundStarted(self.round_id, tuple(q.id for q in self.questions)), *self._next()]

    @property
    def upcoming(self) -> Question | None:
        """The question after the current one, if the plan has one."""
        following = self._index + 1
        return self.questions[following] if 0 <= following < len(self.questions) else None

    @property
    def lines(self) -> dict[str, list[str]]:
        """The follow-up lines asked so far, by question id."""
        return {q.id: lines for q, lines in zip(self.questions, self._lines, strict=False)}

    def answer(self, transcript: Transcript, *, then: str = Then.CONTINUE) -> list[Event]:
        """Record the answer to the current prompt and move on (``record`` + ``advance``)."""
        return [*self.record(transcript), *self.advance(then)]

    def record(self, transcript: Transcript) -> list[Event]:
        """Record the answer to the current prompt; ``advance`` decides what comes next.

        Two steps so a frontend can show the answer before the brain, which may take
        a while (an LLM writing its follow-up), has decided on the next line.
        """
        if self.phase is not Phase.AWAITING_ANSWER or self.current is None:
            raise SessionStateError("no question is waiting for an answer")
        if self._recorded:
            raise SessionStateError("this answer is recorded already; advance first")
        self._answers[self._index].append(transcript.text)
        self.last_answer = (self._index, len(self._answers[self._index]) - 1)
        self._recorded = True
        return [AnswerTranscribed(self.current, transcript)]

    def revise(self, where: tuple[int, int], text: str) -> None:
        """Replace a recorded answer's text (``where`` is :attr:`last_answer` at the time):
        a better transcript of it arrived. Follow-ups already asked stay as they were."""
        question, answer = where
        self._answers[question][answer] = text

    def advance(
        self, then: str = Then.CONTINUE, *, on_sentence: Callable[[str], None] | None = None
    ) -> list[Event]:
        """After an answer, do what ``then`` (a :class:`Then`) says. ``on_sentence`` goes to
        the brain: it receives a follow-up sentence by sentence while it is written."""
        if then not in set(Then):
            raise ValueError(f"unknown then={then!r}")
        if not self._recorded or self.current is None:
            raise SessionStateError("record an answer before moving on")
        self._recorded = False
        if then == Then.STAY:
            return []
        prompt = self.current
        asked = self._asked[self._index]
        if then == Then.CONTINUE and len(asked) < self.max_follow_ups:
            lines = self._lines[self._index]
            follow = self.brain.follow_up(
                prompt.question,
                self._answers[self._index],
                asked,
                lines=tuple(lines),
                on_sentence=on_sentence,
            )
            if follow is not None:
                asked.append(follow.concept_id or follow.text)
                lines.append(follow.text)
                self.current = Prompt(
                    "follow_up", follow.text, prompt.question, follow.concept_id, follow.spoken
                )
                return [FollowUpAsked(self.current, len(asked))]
        return self._next()

    def skip(self) -> list[Event]:
        """Leave the current question (and its follow-ups) and ask the next one."""
        if self.phase is not Phase.AWAITING_ANSWER:
            raise SessionStateError("no question is waiting for an answer")
        return self._next()

    def end_early(self, reason: str) -> list[Event]:
        """Stop asking and score what was answered (for example, replay files ran out)."""
        if self.phase is Phase.FINISHED:
            return []
        return [RoundEndedEarly(reason), *self._score()]

    def _next(self) -> list[Event]:
        self._recorded = False
        self._index += 1
        if self._index >= len(self.questions):
            return self._score()
        question = self.questions[self._index]
        self._answers.append([])
        self._asked.append([])
        self._lines.append([])
        self.current = Prompt("question", question.text, question)
        self.phase = Phase.AWAITING_ANSWER
        return [QuestionAsked(self.current, self._index + 1, len(self.questions))]

    def _score(self) -> list[Event]:
        self._recorded = False
        self.phase = Phase.FINISHED
        self.current = None
        self.before_scoring()
        self.scorecard = self.brain.score(self.round_id, self.exchanges, lines=self.lines)
        return [RoundScored(self.scorecard)]
