"""The interviewer persona and the messages sent to the model, built from ``prompts/`` data.

The system message holds only our own texts: persona, round description and
dimensions (from the rubric the offline scorer uses), instructions. The
candidate's words go in the user message between <transcript> tags.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicemock.core.bank import BankError, Question
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

    def follow_up_messages(
        self,
        spec: RoundSpec,
        question: Question,
        conversation: Sequence[tuple[str, str]],
        gaps: Sequence[str],
    ) -> list[dict[str, str]]:
        """``conversation``: (speaker, text) pairs for this question, oldest first."""
        system = "\n\n".join([self.persona, self._round(spec), self.data_rule, self.follow_up])
        user = [f"Interview question: {question.text}"]
        if gaps:
            user.append("Points the rubric has not heard explained yet: " + "; ".join(gaps) + ".")
        user.append(_transcript(conversation))
        user.append("Your follow-up question:")
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": "\n\n".join(user)},
        ]

    def scoring_messages(
        self, spec: RoundSpec, exchanges: Sequence[tuple[Question, Sequence[tuple[str, str]]]]
    ) -> list[dict[str, str]]:
        dims = "\n".join(f"- {d.id}: {d.title}. {d.description}" for d in spec.dimensions)
        system = "\n\n".join(
            [self.persona, self._round(spec), self.data_rule, self.scoring, "Dimensions:\n" + dims]
        )
        user = []
        for question, conversation in exchanges:
            user.append(f"Interview question: {question.text}")
            user.append(_transcript(conversation))
        user.append("Score the round now, as JSON.")
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": "\n\n".join(user)},
        ]

    def repair_message(self, error: str) -> dict[str, str]:
        return {"role": "user", "content": self.repair.format(error=error)}


def _transcript(conversation: Sequence[tuple[str, str]]) -> str:
    body = "\n".join(f"{who}: {_defuse(text)}" for who, text in conversation)
    return f"<transcript>\n{body}\n</transcript>"


def _defuse(text: str) -> str:
    """Candidate text cannot close the transcript block early."""
    return text.replace("<", "‹").replace(">", "›")


def scorecard_schema(dimension_ids: Sequence[str]) -> dict[str, Any]:
    """The response_format for scoring: strict JSON schema, one entry per dimension."""
    strings = {"type": "array", "items": {"type": "string"}}
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
                "required": ["dimensions", "missing_concepts", "hints"],
                "properties": {
                    "dimensions": {"type": "array", "items": dimension},
                    "missing_concepts": strings,
                    "hints": strings,
                },
            },
        },
    }
