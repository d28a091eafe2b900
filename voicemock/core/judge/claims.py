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
# A belief reported as somebody else's ("a lot of teams assume...", "customers often think...",
# "the usual myth is..."): what follows is what they believe, not what the candidate claims.
_REPORTED = re.compile(
    r"(?<![a-z0-9])(?:(?:a lot of|lots of|plenty of|many|some|most|other|a few) (?:\w+ ){0,2}"
    r"|(?:people|teams|folks|customers|developers|engineers|others|everyone|everybody|"
    r"somebody|someone|they|he|she|the team|the customer|sales|leadership|management) "
    r"(?:\w+ ){0,2})(?:assume[sd]?|think|thinks|thought|believe[sd]?|expect(?:s|ed)?|"
    r"say|says|said|claim(?:s|ed)?|insist(?:s|ed)?|figure[sd]?|tell you|told me|argue[sd]?)"
    r"(?![a-z0-9])|(?<![a-z0-9])(?:you d|you would|one would|you might|you may|you could) "
    r"(?:\w+ )?(?:think|assume|expect|believe)(?![a-z0-9])|(?<![a-z0-9])(?:the|a|one|this|that)"
    r" (?:\w+ )?(?:myth|misconception|misunderstanding|trap|fallacy|assumption)(?![a-z0-9])"
    # What somebody asked for is their wish, not the speaker's claim ("a bank that wanted global
    # ordering"); how they treat a thing is their view ("people treat X as harmless"); and
    # "whether" asks, it does not claim.
    r"|(?<![a-z0-9])(?:wanted|wants|asked for|asks for|asking for|requested|requests|demanded|"
    r"demands|insisted on|whether)(?![a-z0-9])|(?<![a-z0-9])(?:people|teams|folks|customers|"
    r"developers|engineers|others|everyone|they|many|most) (?:\w+ )?treat(?:s|ed)?(?![a-z0-9])"
)
# A speaker correcting themselves: "ordering is global, no, actually, only per partition".
_OPENERS = r"(?:(?:um|uh|er|erm|hm|hmm|ah|oh|oops|okay|ok|right|so|well|and|but|or)\s)*"
_TAKE_BACK = (
    r"no|nope|wait|sorry|actually|correction|scratch that|i mean|let me correct|"
    r"let me rephrase|let me restate|let me say that again|let me start again|rather|"
    r"or rather|not quite|not exactly|that s (?:not right|wrong|not true|incorrect|"
    r"backwards|a myth|not how it works|the other way (?:around|round))|that is (?:not right|"
    r"wrong|not true|incorrect|a myth)|that isn t (?:right|true)|strike that|"
    r"i take (?:that|it) back|hold on|hang on|i misspoke|my mistake|my bad|"
    r"i had (?:that|it) (?:backwards|wrong)|i got (?:that|it) wrong|i was wrong|"
    r"what i meant (?:was|is)|what i mean is|i should say|to correct myself|"
    r"which is (?:wrong|false|not true|a myth)|it s the other way (?:around|round)"
)
_REPAIR = re.compile(rf"^{_OPENERS}(?:{_TAKE_BACK})(?![a-z0-9])")
_LATER_REPAIR = re.compile(
    r"(?<![a-z0-9])(?:no actually|no wait|wait no|sorry no|no sorry|actually no|no no|"
    r"scratch that|that s wrong|that is wrong|that s not right|that s not true|that s a myth|"
    r"that s incorrect|that s backwards|i take that back|i take it back|let me correct|"
    r"i misspoke|my mistake|strike that|i had that backwards|i got that wrong|"
    r"that s not how it works|it s the other way around|the other way round)(?![a-z0-9])"
)
# Where, in a raw sentence, the speaker takes back what came before ("…, hm, no, scratch
# that, it doesn't"): what follows is what they mean.
_TAKEN_BACK_AT = re.compile(
    r"(?i)(?:^|(?<=[\s,;:.\u2014\u2013-]))(?:no,?\s+(?:actually|wait|sorry)|(?:wait|sorry|actually)"
    r",?\s+no|no,?\s+no|scratch that|that'?s (?:not right|wrong|not true|incorrect|backwards)|"
    r"that is (?:not right|wrong|not true|incorrect)|i take (?:that|it) back|i misspoke|"
    r"my mistake|strike that|let me correct(?: myself| that)?|i had (?:that|it) backwards|"
    r"i got (?:that|it) wrong)(?![\w'])[\s,;:.!\u2014\u2013-]*"
)


def repairs(clause: str) -> bool:
    """Whether a clause (normalised) opens by taking back what was just said."""
    return bool(_REPAIR.match(clause.strip()))


def repaired_later(text: str) -> bool:
    """Whether normalised text, said after a claim, takes it back anywhere in it."""
    return bool(_LATER_REPAIR.search(text))


def last_word(text: str) -> str:
    """A raw sentence from the last point where the speaker takes back what they said, when
    something follows it ("keys stay put, hm, no, scratch that, they move" → "they move");
    else the sentence."""
    ends = [m.end() for m in _TAKEN_BACK_AT.finditer(text)]
    if ends and len(text[ends[-1] :].split()) >= 3:
        return text[ends[-1] :].strip()
    return text


def reported(text: str) -> bool:
    """Whether normalised text reports a belief as somebody else's, or names it a myth."""
    return bool(_REPORTED.search(text))


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
            for at, clause in enumerate(parts):
                # The last word stands: a claim taken back later in the sentence is not made,
                # and one reported as somebody's belief is not the candidate's.
                later = parts[at + 1 :]
                if any(repairs(c) for c in later) or repaired_later(" ".join(later)):
                    continue
                if reported(" ".join(parts[: at + 1])):
                    continue
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
