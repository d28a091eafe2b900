"""Hearing wrong claims: a sentence that asserts a known misconception, negation-aware.

A misconception is heard in a clause when every one of its pattern groups matches there and
none of its ``unless`` patterns occurs in the sentence. The clause must *assert* it: a
negation or a distancing phrase ("people assume", "a common myth") outside the matched
words means the candidate denied or reported the claim, which is the correct statement
("Kafka does not order across partitions"). Negations that are part of the claim itself
("compaction doesn't need keys") are inside the matched words, so they do not count.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from voicemock.core.knowledge import Knowledge, Misconception, PatternSet
from voicemock.core.text import normalize

# Clauses end at contrast words and at hard punctuation: a claim and its denial often share
# one sentence ("ordering holds per partition, but not across the topic").
_RAW_BREAK = re.compile(r"[;:—–]|\s-\s|\(|\)")
_CLAUSE_BREAK = re.compile(
    r"\s(?:but|whereas|while|although|though|however|unlike|rather than|instead of|except|"
    r"as opposed to|not like|so|because|since|which means|that means)\s"
)
_NEGATION = re.compile(
    r"(?<![a-z0-9])(?:not|no|never|nor|neither|none|nothing|nobody|cannot|"
    r"(?:can|don|doesn|didn|isn|aren|wasn|weren|won|wouldn|shouldn|couldn|hasn|haven|hadn|"
    r"mustn|needn|ain) t|false|myth|misconception|mistake|mistaken|wrong|incorrect|untrue|"
    r"people (?:think|assume|believe)|(?:many|some|most) (?:people |teams |folks )?"
    r"(?:think|assume|believe)|commonly (?:assumed|believed)|(?:common|naive|wrong) "
    r"(?:assumption|belief|view)|you might (?:think|assume|expect)|it is tempting|"
    r"it s tempting|(?:we|they|i) (?:used to )?(?:assumed|thought|believed)|"
    r"used to (?:think|assume|believe)|assum(?:e|ed|ing) that|contrary to)(?![a-z0-9])"
)


@dataclass(frozen=True)
class WrongClaim:
    """A sentence of the answer that asserts a misconception."""

    misconception: Misconception
    quote: str
    central: bool = False
    found_by: str = "rules"
    """Who heard it: "rules" (the offline check), "model" (the LLM judge, quote verified),
    or "rules and model"."""

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.misconception.id,
            "topic": self.misconception.topic,
            "quote": self.quote,
            "claim": self.misconception.claim,
            "correction": self.misconception.correction,
            "challenge": self.misconception.challenge,
            "central": self.central,
            "found_by": self.found_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WrongClaim:
        """A claim as stored on a scorecard: the misconception's words, not its patterns."""
        misconception = Misconception(
            id=str(data["id"]),
            topic=str(data.get("topic", "")),
            claim=str(data.get("claim", "")),
            match=(),
            unless=PatternSet(()),
            correction=str(data.get("correction", "")),
            challenge=str(data.get("challenge", "")),
        )
        return cls(
            misconception,
            str(data["quote"]),
            bool(data.get("central", False)),
            str(data.get("found_by", "rules")),
        )

    @property
    def line(self) -> str:
        """The scorecard line: ``incorrect: <quote> — <correction>``."""
        by = {
            "model": " (found by the model)",
            "rules and model": " (found by the rules and the model)",
        }.get(self.found_by, "")
        return f"incorrect: “{self.quote}” — {self.misconception.correction}{by}"


def clauses(sentence: str) -> list[str]:
    """The normalised clauses of a sentence, split at contrast words and hard punctuation."""
    out: list[str] = []
    for part in _RAW_BREAK.split(sentence):
        norm = normalize(part)
        out += [c for c in _CLAUSE_BREAK.split(f" {norm} ") if c.strip()]
    return [c.strip() for c in out]


def _asserted(clause: str, spans: Sequence[tuple[int, int]]) -> bool:
    for match in _NEGATION.finditer(clause):
        start, end = match.span()
        if not any(s <= start and end <= e for s, e in spans):
            return False
    return True


class ClaimChecker:
    """Finds the misconceptions a sentence asserts."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self._items = knowledge.misconceptions

    def check(self, sentence: str) -> list[Misconception]:
        text = sentence.strip()
        if not text or text.endswith("?"):
            return []  # a question asks about a claim; it does not make one
        norm = normalize(text)
        candidates = [m for m in self._items if m.match[0].search(norm)]
        if not candidates:
            return []
        parts = clauses(text)
        found: list[Misconception] = []
        for item in candidates:
            if item.unless.search(norm):
                continue
            for clause in parts:
                spans: list[tuple[int, int]] = []
                for group in item.match:
                    hits = group.spans(clause)
                    if not hits:
                        break
                    spans += hits
                else:
                    if _asserted(clause, spans):
                        found.append(item)
                        break
        return found
