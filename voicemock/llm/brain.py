"""The LLM interviewer brain: streamed follow-ups and checked rubric scoring.

Nothing the model says is used unchecked. A follow-up must be one short
question that does not repeat an earlier one, or the offline brain's follow-up
is asked instead; after a wrong claim it must take the claim up, or the rules'
challenge is asked. A scorecard must validate against the schema (one repair
retry), and its quotes must occur in the transcript. Incorrect claims the model
lists count only with a verified quote. Each dimension is cross-checked against
the offline scorer: the model's score stands when its quotes verify and no text
addressed to the grader was found (a gap of more than 1.5 is shown as a
dispute); otherwise the lower, safer score counts and the scorecard says why.
When the endpoint fails after its retries, the offline brain takes over for the
rest of the round and says so.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from difflib import SequenceMatcher
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from voicemock.core.bank import Question
from voicemock.core.brain import CHALLENGE_PREFIX, OfflineBrain
from voicemock.core.judge import (
    Scorecard,
    Scorer,
)
from voicemock.core.judge.reconcile import reconcile, takes_up
from voicemock.core.knowledge import Topic
from voicemock.core.models import FollowUp
from voicemock.core.text import normalize
from voicemock.llm.client import (
    ChatClient,
    LLMError,
    Usage,
    clean_model_text,
    looks_like_refusal,
)
from voicemock.llm.persona import OTHER_CLAIM, Persona, scorecard_schema
from voicemock.round.events import Emit, FollowUpStreamed, NoticeGiven, ignore

MAX_FOLLOW_UP_WORDS = 45
_SENTENCE = re.compile(r"(.+?[.!?])(?=\s|$)", re.DOTALL)


class DimensionJudgement(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    score: int = Field(ge=1, le=4)
    evidence: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    rationale: str = ""


class ClaimJudgement(BaseModel):
    model_config = ConfigDict(extra="ignore")

    quote: str
    misconception: str = OTHER_CLAIM
    claim: str = ""
    correction: str = ""


class RoundJudgement(BaseModel):
    model_config = ConfigDict(extra="ignore")

    dimensions: list[DimensionJudgement]
    incorrect_claims: list[ClaimJudgement] = Field(default_factory=list)
    missing_concepts: list[str] = Field(default_factory=list)
    hints: list[str] = Field(default_factory=list)


def parse_judgement(text: str, dimension_ids: Sequence[str]) -> RoundJudgement:
    """Validate the model's scorecard; raises ValueError with a short reason."""
    body = text.strip()
    if body.startswith("```"):  # a fenced block despite the instructions
        body = body.strip("`").removeprefix("json").strip()
    try:
        judgement = RoundJudgement.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where or 'reply'}: {first['msg']}") from None
    # JSON escapes (\u001b) survive the raw text's cleaning: clean every decoded string too.
    judgement = RoundJudgement.model_validate(_cleaned(judgement.model_dump()))
    ids = [d.id for d in judgement.dimensions]
    expected = list(dimension_ids)
    if sorted(set(ids)) != sorted(expected) or len(ids) != len(set(ids)):
        missing = [i for i in expected if i not in ids]
        extra = [i for i in ids if i not in expected]
        raise ValueError(
            "dimensions must be exactly "
            + ", ".join(expected)
            + (f" (missing {', '.join(missing)})" if missing else "")
            + (f" (unknown {', '.join(extra)})" if extra else "")
        )
    return judgement


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return clean_model_text(value)
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    if isinstance(value, dict):
        return {k: _cleaned(v) for k, v in value.items()}
    return value


def clean_follow_up(text: str) -> str:
    text = " ".join(text.replace("*", "").split())
    text = re.sub(r"^(interviewer|follow-?up( question)?)\s*:\s*", "", text, flags=re.IGNORECASE)
    return text.strip().strip('"“”').strip()


def follow_up_problem(text: str, earlier: Sequence[str]) -> str | None:
    """Why a follow-up cannot be asked as it is, or None when it can."""
    if not text:
        return "it was empty"
    if looks_like_refusal(text):
        return "the model declined"
    if "?" not in text:
        return "it was not a question"
    if text.count("?") > 2 or len(text.split()) > MAX_FOLLOW_UP_WORDS:
        return "it was not one short question"
    norm = normalize(text)
    for before in earlier:
        if SequenceMatcher(None, norm, normalize(before)).ratio() >= 0.75:
            return "it repeated an earlier question"
    return None


class LLMBrain:
    """Brain backed by an OpenAI-compatible model, with the offline brain as its safety net."""

    name = "llm"

    def __init__(
        self,
        client: ChatClient,
        persona: Persona,
        scorer: Scorer,
        *,
        offline: OfflineBrain | None = None,
        on_event: Emit = ignore,
        warm_up: bool = False,
    ) -> None:
        self.client = client
        self.persona = persona
        self.scorer = scorer
        self.offline = offline or OfflineBrain(scorer)
        self.on_event = on_event
        """Where notices (a fallback, an unused follow-up) and streamed text go."""
        self.warm_up = warm_up
        """Whether :meth:`prepare` sends the server a question's prefix ahead of time."""
        self.fallback_reason: str | None = None
        self._drained = 0
        self._prepared: dict[str, threading.Thread] = {}

    @property
    def model(self) -> str:
        return self.client.model

    def new_round(self) -> None:
        """Forget a fallback of an earlier round (an endpoint found dead stays dead: the
        client does not call it again)."""
        self.fallback_reason = None
        self._prepared.clear()

    # -- usage ------------------------------------------------------------------------
    def drain_usage(self) -> list[Usage]:
        """Calls made since the last drain (the runner stores them with the session)."""
        new = self.client.calls[self._drained :]
        self._drained = len(self.client.calls)
        return new

    def _fall_back(self, error: LLMError, during: str) -> None:
        self.fallback_reason = str(error)
        self.on_event(
            NoticeGiven(
                f"LLM unavailable during {during} ({error}); the offline interviewer takes "
                "over for the rest of the round",
                fell_back=True,
            )
        )

    # -- warm-up ----------------------------------------------------------------------
    def prepare(self, question: Question) -> list[str]:
        """While the candidate answers ``question``: have the server read what every request
        about it starts with, so the first follow-up reads only the answer. Best effort, in
        the background, once per question; nothing waits for it and its failure changes
        nothing (the follow-up itself decides whether the endpoint works). The model writes
        its lines when they are needed: none are known ahead (but the offline interviewer's,
        once it has taken over)."""
        if self.fallback_reason is not None:
            return self.offline.prepare(question)  # the offline interviewer asks from now on
        if not self.warm_up or question.id in self._prepared:
            return []
        spec = self.scorer.rubric.round(question.round)
        messages = self.persona.warm_up_messages(spec, question, self._topics(question))
        thread = threading.Thread(
            target=self.client.warm, args=(messages,), name="voicemock-llm-warm-up", daemon=True
        )
        self._prepared[question.id] = thread
        thread.start()
        return []  # its lines are written when they are needed

    def settle(self, timeout: float | None = None) -> None:
        """Wait for the warm-up requests still on their way (for benchmarks and tests)."""
        for thread in self._prepared.values():
            thread.join(timeout)

    # -- reference knowledge -------------------------------------------------------------
    def _topics(self, question: Question) -> tuple[Topic, ...]:
        knowledge = self.scorer.knowledge
        if knowledge is None:
            return ()
        return tuple(knowledge.topic(t) for t in knowledge.topics_of(question))

    # -- follow-ups -------------------------------------------------------------------
    def follow_up(
        self,
        question: Question,
        answers: Sequence[str],
        asked: Sequence[str],
        *,
        lines: Sequence[str] = (),
        on_sentence: Callable[[str], None] | None = None,
    ) -> FollowUp | None:
        analysis = self.scorer.analyse(question, answers)
        offline = self.offline.follow_up_for(analysis, asked)
        if self.fallback_reason is not None:
            return offline
        gaps = [g.concept.name for g in analysis.unexplained()][:4]
        # Wrong claims the rules heard and nobody has challenged yet (central ones first).
        unchallenged = [
            w
            for w in sorted(analysis.wrong_claims, key=lambda w: not w.central)
            if CHALLENGE_PREFIX + w.misconception.id not in asked
        ][:2]
        spec = self.scorer.rubric.round(question.round)
        messages = self.persona.follow_up_messages(
            spec,
            question,
            self._topics(question),
            _conversation(question, answers, lines),
            gaps,
            [
                (w.misconception.id, w.misconception.claim, w.misconception.correction)
                for w in unchallenged
            ],  # fmt: skip
        )
        speaker = _SentenceFeed(on_sentence, self.on_event)
        try:
            # The candidate is waiting: no retry, and the offline follow-up at once if the
            # model has not started answering within its first-words budget.
            text = self.client.complete(
                messages,
                purpose="follow_up",
                max_tokens=90,
                on_delta=speaker.feed,
                first_words_s=self.client.config.first_words_s,
                retries=0,
            )
        except LLMError as exc:
            self._fall_back(exc, "a follow-up")
            return offline
        text = clean_follow_up(text)
        problem = follow_up_problem(text, [question.text, *lines])
        if problem is None and unchallenged and not takes_up(text, unchallenged[0]):
            problem = "it did not take up the wrong claim"
        if problem is not None:
            if offline is None:
                self.on_event(NoticeGiven(f"the LLM's follow-up was not used: {problem}"))
                return None
            self.on_event(
                NoticeGiven(f"the LLM's follow-up was not used ({problem}); asking the rubric's")
            )
            return offline
        concept = CHALLENGE_PREFIX + unchallenged[0].misconception.id if unchallenged else None
        return FollowUp(text, concept, spoken=speaker.finish(text))

    # -- scoring ----------------------------------------------------------------------
    def score(
        self,
        round_id: str,
        exchanges: Sequence[tuple[Question, Sequence[str]]],
        *,
        lines: Mapping[str, Sequence[str]] | None = None,
    ) -> Scorecard:
        offline = self.scorer.score_round(round_id, exchanges, brain="offline")
        if self.fallback_reason is not None:
            return _with_note(
                offline, f"scored offline: the LLM was unavailable ({self.fallback_reason})"
            )
        if not exchanges:
            return offline
        spec = self.scorer.rubric.round(round_id)
        ids = [d.id for d in spec.dimensions]
        lines = lines or {}
        blocks = [
            (q, self._topics(q), _conversation(q, answers, lines.get(q.id, ())))
            for q, answers in exchanges
        ]
        messages = self.persona.scoring_messages(spec, blocks)
        known = [m.id for _, topics, _ in blocks for t in topics for m in t.misconceptions]
        fmt = scorecard_schema(ids, known)
        try:
            reply = self.client.complete(
                messages, purpose="score", max_tokens=1800, response_format=fmt, temperature=0
            )
            try:
                judgement = parse_judgement(reply, ids)
            except ValueError as first:
                repair = [
                    *messages,
                    {"role": "assistant", "content": reply[:4000]},
                    self.persona.repair_message(str(first)),
                ]
                reply = self.client.complete(
                    repair,
                    purpose="score_repair",
                    max_tokens=1800,
                    response_format=fmt,
                    temperature=0,
                )
                try:
                    judgement = parse_judgement(reply, ids)
                except ValueError as second:
                    raise LLMError(
                        "invalid_output", f"the LLM's scorecard was invalid twice ({second})"
                    ) from None
        except LLMError as exc:
            self._fall_back(exc, "scoring")
            return _with_note(offline, f"scored offline: {exc}")
        injected = any(self.scorer.analyse(q, answers).ignored for q, answers in exchanges)
        brain = f"llm ({self.model})"
        return reconcile(judgement, offline, exchanges, self.scorer, injected=injected, brain=brain)


def _conversation(
    question: Question, answers: Sequence[str], lines: Sequence[str]
) -> list[tuple[str, str]]:
    """The exchange as the model reads it: the question, then each line and its answer."""
    out = [("Interviewer", question.text)]
    for i, answer in enumerate(answers):
        if i > 0 and i - 1 < len(lines):
            out.append(("Interviewer", lines[i - 1]))
        out.append(("Candidate", answer))
    return out


def _with_note(card: Scorecard, note: str) -> Scorecard:
    return replace(card, notes=(*card.notes, note))


class _SentenceFeed:
    """Turns streamed text into events and complete sentences as soon as each one ends."""

    def __init__(self, on_sentence: Callable[[str], None] | None, on_event: Emit) -> None:
        self.on_sentence = on_sentence
        self.on_event = on_event
        self.buffer = ""
        self.spoken: list[str] = []

    def feed(self, delta: str) -> None:
        self.on_event(FollowUpStreamed(delta))
        if self.on_sentence is None:
            return
        self.buffer += delta
        # Speak a sentence only while the reply still looks like a short spoken line.
        while (match := _SENTENCE.match(self.buffer.lstrip())) is not None:
            sentence = clean_follow_up(match.group(1))
            self.buffer = self.buffer.lstrip()[match.end() :]
            if (
                not sentence
                or looks_like_refusal(sentence)
                or len(" ".join(self.spoken + [sentence]).split()) > MAX_FOLLOW_UP_WORDS
            ):
                self.on_sentence = None
                return
            self.spoken.append(sentence)
            self.on_sentence(sentence)

    def finish(self, text: str) -> bool:
        """The checked follow-up: speak what has not been spoken yet. True if all of it was."""
        if self.on_sentence is None or not self.spoken:
            return False
        sentences = [m.group(1).strip() for m in _SENTENCE.finditer(text)]
        tail = _SENTENCE.sub("", text).strip()
        if tail:
            sentences.append(tail)
        if normalize(" ".join(sentences[: len(self.spoken)])) != normalize(" ".join(self.spoken)):
            return False
        rest = " ".join(sentences[len(self.spoken) :])
        if rest:
            self.spoken.append(rest)
            self.on_sentence(rest)
        return True
