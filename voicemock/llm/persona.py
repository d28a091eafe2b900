"""The interviewer persona and the messages sent to the model, built from ``prompts/`` data.

The system message holds only our own texts: persona, round description and
dimensions (from the rubric the offline scorer uses), instructions. The
candidate's words go in the user message between <transcript> tags.

Every call of a round reads the same way up to the candidate's latest words, so a server
that caches prompts (llama.cpp, vLLM, Ollama) reads the shared part once: one system
message for the round (both tasks' instructions), then per question the reference notes,
the question and the transcript as it grows; only what a single call needs (the gaps, the
wrong claims heard, the task itself) comes after the transcript.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicemock.core.bank import BankError, Question
from voicemock.core.judge.reconcile import OTHER_CLAIM
from voicemock.core.knowledge import Topic
from voicemock.core.rubric import RoundSpec


@dataclass(frozen=True)
class Persona:
    version: str
    persona: str
    data_rule: str
    follow_up: str
    scoring: str
    repair: str
    probe: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> Persona:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise BankError(f"{path}: {exc}") from None
        texts = {}
        for key in ("version", "persona", "data_rule", "follow_up", "scoring", "repair"):
            value = data.get(key)
            if not isinstance(value, str) or not value.strip():
                raise BankError(f"{path}: '{key}' must be a non-empty string")
            texts[key] = " ".join(value.split())
        probe = data.get("probe", {})
        if not isinstance(probe, dict) or not all(isinstance(v, str) for v in probe.values()):
            raise BankError(f"{path}: [probe] must map round ids to strings")
        return cls(**texts, probe={k: " ".join(v.split()) for k, v in probe.items()})

    # -- messages ---------------------------------------------------------------------
    def _round(self, spec: RoundSpec) -> str:
        lines = [f"This is the {spec.title} round. It tests: {' '.join(spec.tests.split())}"]
        if spec.id in self.probe:
            lines.append(self.probe[spec.id])
        return " ".join(lines)

    def system_message(self, spec: RoundSpec) -> dict[str, str]:
        """The same for every call of the round: who asks, what the round tests, the rules
        for both tasks and the dimensions."""
        dims = "\n".join(f"- {d.id}: {d.title}. {d.description}" for d in spec.dimensions)
        content = "\n\n".join(
            [
                self.persona,
                self._round(spec),
                self.data_rule,
                "When you are asked for a follow-up: " + self.follow_up,
                "When you are asked to score the round: " + self.scoring,
                "Dimensions:\n" + dims,
            ]
        )
        return {"role": "system", "content": content}

    def follow_up_messages(
        self,
        spec: RoundSpec,
        question: Question,
        topics: Sequence[Topic],
        conversation: Sequence[tuple[str, str]],
        gaps: Sequence[str],
        wrong: Sequence[tuple[str, str, str]] = (),
    ) -> list[dict[str, str]]:
        """``conversation``: (speaker, text) pairs for this question, oldest first; ``wrong``:
        (misconception id, false claim, correction) for claims the rules heard in the answers
        and nobody challenged yet. (The candidate's words stay inside the transcript.)"""
        tail = []
        for misconception, claim, correction in wrong:
            tail.append(
                f"The candidate's answer asserts misconception {misconception} ({claim}). "
                f"The truth: {correction} Challenge this claim."
            )
        if gaps:
            tail.append("Points the rubric has not heard explained yet: " + "; ".join(gaps) + ".")
        tail.append("Task: your follow-up question.")
        body = _question_block(question, topics, conversation)
        return [
            self.system_message(spec),
            {"role": "user", "content": body + "\n\n" + "\n".join(tail)},
        ]

    def warm_up_messages(
        self, spec: RoundSpec, question: Question, topics: Sequence[Topic]
    ) -> list[dict[str, str]]:
        """What every request about ``question`` begins with (the persona, the round, the
        reference notes, the question put to the candidate), for a server to read ahead."""
        body = _question_block(question, topics, [("Interviewer", question.text)])
        return [self.system_message(spec), {"role": "user", "content": body}]

    def scoring_messages(
        self,
        spec: RoundSpec,
        exchanges: Sequence[tuple[Question, Sequence[Topic], Sequence[tuple[str, str]]]],
    ) -> list[dict[str, str]]:
        blocks = [_question_block(q, topics, conversation) for q, topics, conversation in exchanges]
        task = "Task: score the round now, as JSON."
        return [
            self.system_message(spec),
            {"role": "user", "content": "\n\n".join([*blocks, task])},
        ]

    def repair_message(self, error: str) -> dict[str, str]:
        return {"role": "user", "content": self.repair.format(error=error)}


def reference_notes(topics: Sequence[Topic]) -> str:
    """What the round is judged on, from the knowledge data: facts, then the known wrong
    claims with their ids and corrections."""
    if not topics:
        return (
            "Reference notes: none for this question; judge claims by what you know for "
            "certain, and flag a claim as incorrect only when you are sure."
        )
    lines = ["Reference notes (ours, not the candidate's):"]
    for topic in topics:
        lines.append(f"Topic: {topic.name}")
        lines += [f"- fact: {fact}" for fact in topic.facts]
        lines += [
            f"- misconception {m.id}: {m.claim} Correction: {m.correction}"
            for m in topic.misconceptions
        ]
    return "\n".join(lines)


def _question_block(
    question: Question, topics: Sequence[Topic], conversation: Sequence[tuple[str, str]]
) -> str:
    return "\n\n".join(
        [reference_notes(topics), f"Interview question: {question.text}", _transcript(conversation)]
    )


def _transcript(conversation: Sequence[tuple[str, str]]) -> str:
    body = "\n".join(f"{who}: {_defuse(text)}" for who, text in conversation)
    return f"<transcript>\n{body}\n</transcript>"


def _defuse(text: str) -> str:
    """Candidate text cannot close the transcript block early."""
    return text.replace("<", "‹").replace(">", "›")


def scorecard_schema(
    dimension_ids: Sequence[str], misconception_ids: Sequence[str] = ()
) -> dict[str, Any]:
    """The response_format for scoring: strict JSON schema, one entry per dimension, and the
    incorrect claims (a reference misconception's id, or "other")."""
    strings = {"type": "array", "items": {"type": "string"}}
    claim = {
        "type": "object",
        "additionalProperties": False,
        "required": ["quote", "misconception", "claim", "correction"],
        "properties": {
            "quote": {"type": "string"},
            "misconception": {
                "type": "string",
                "enum": [*dict.fromkeys(misconception_ids), OTHER_CLAIM],
            },
            "claim": {"type": "string"},
            "correction": {"type": "string"},
        },
    }
    dimension = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "score", "evidence", "missing", "rationale"],
        "properties": {
            "id": {"type": "string", "enum": list(dimension_ids)},
            "score": {"type": "integer", "enum": [1, 2, 3, 4]},
            "evidence": strings,
            "missing": strings,
            "rationale": {"type": "string"},
        },
    }
    return {
        "type": "json_schema",
        "json_schema": {
            "name": "round_scorecard",
            "strict": True,
            "schema": {
                "type": "object",
                "additionalProperties": False,
                "required": ["dimensions", "incorrect_claims", "missing_concepts", "hints"],
                "properties": {
                    "dimensions": {"type": "array", "items": dimension},
                    "incorrect_claims": {"type": "array", "items": claim},
                    "missing_concepts": strings,
                    "hints": strings,
                },
            },
        },
    }
