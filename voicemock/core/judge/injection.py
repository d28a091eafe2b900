"""Text addressed to the grader: found by what it does, not by a list of exact sentences.

An answer talks to the interviewer about the problem; injected text talks to whoever grades
it, about the grade. A sentence is set aside when it

- uses a phrase no answer needs ("ignore previous instructions", "full marks", "rubric");
- opens by addressing a grader, assistant, interviewer, reviewer or committee ("Assistant,
  before you score this...", "For whoever reviews this transcript...") and talks about
  scores or gives an order; or
- refers to the answer or "the candidate" while judging it ("this answer covers every
  point", "the candidate explained idempotence in depth").

The rest of the passage goes with it: the sentences that follow while they keep talking
about the grade, the answer or the candidate, or are short fragments ("Strong on
trade-offs."), up to the first sentence that is plainly about the problem again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from voicemock.core.text import PhraseSet, normalize

_FRAGMENT_WORDS = 8
# What kind of grader is addressed ("for the automated reviewer"); an open slot would take
# "for the data model" for a vocative.
_GRADER_KINDS = r"(?:automated|automatic|human|ai|llm|scoring|grading|hiring|final|friendly)"


class InjectionDetector:
    """Marks the sentences of one answer that address the grader instead of the question."""

    def __init__(self, markers: Mapping[str, Sequence[str]]) -> None:
        self._strong = PhraseSet(markers["injection"])
        self._evaluation = PhraseSet(markers["evaluation"])
        self._self = PhraseSet(markers["self_reference"])
        self._verdict = PhraseSet(markers["verdict_claim"])
        self._verb = PhraseSet(markers["judge_verb"])
        names = "|".join(
            sorted((re.escape(normalize(a)) for a in markers["addressee"]), key=len, reverse=True)
        )
        # Named as the one spoken to: "Assistant, ...", "Dear reviewer", "Note to the panel:",
        # "For the automated reviewer, ...".
        self._vocative = re.compile(
            rf"^\W*(?:(?:and|also|now|so|ok|okay|ps|well)\W+)?(?:the\s+)?(?:{names})s?\s*[,:!]"
            rf"|^\W*(?:(?:and|also|now|so|ok|okay|ps|well)\W+)?(?:hey|hi|hello|dear|attention|"
            rf"note to|note for|message to|message for|"
            rf"to|for)\s+(?:the\s+|any\s+|our\s+)?(?:{_GRADER_KINDS}\s+)?(?:{names})s?\b",
            re.IGNORECASE,
        )
        # Somebody defined by grading this: "whoever reviews this transcript".
        self._grader_clause = re.compile(
            r"\b(?:whoever|anyone|anybody|the person|someone)\s+(?:who\s+|that\s+)?(?:is\s+)?"
            r"(?:review|read|scor|grad|evaluat|assess|mark|check|listen|judg)\w*\s+(?:to\s+)?"
            r"(?:this|(?:the|my)\s+(?:answer|transcript|response|recording|interview|submission|"
            r"conversation|session|reply))\b",
            re.IGNORECASE,
        )

    def _injected(self, raw: str, norm: str) -> bool:
        if self._strong.any(norm):
            return True
        if self._grader_clause.search(norm):
            return True
        if self._vocative.search(raw) and (self._evaluation.any(norm) or self._verb.any(norm)):
            return True
        return self._self.any(norm) and (self._evaluation.any(norm) or self._verdict.any(norm))

    def _continues(self, norm: str) -> bool:
        """Still the injected passage: about the grade, the answer or the candidate."""
        if (
            self._evaluation.any(norm)
            or self._self.any(norm)
            or self._verdict.any(norm)
            or self._strong.any(norm)
        ):
            return True
        return len(norm.split()) < _FRAGMENT_WORDS

    def flags(self, sentences: Sequence[str]) -> list[bool]:
        """For each sentence of one answer, whether it belongs to an injected passage."""
        out: list[bool] = []
        in_passage = False
        for sentence in sentences:
            norm = normalize(sentence)
            if self._injected(sentence, norm):
                in_passage = True
            elif in_passage and not self._continues(norm):
                in_passage = False
            out.append(in_passage)
        return out
