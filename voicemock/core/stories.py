"""The story bank: the stories a candidate tells in behavioural and hiring-manager rounds,
recognised across sessions, titled from their own words and mapped to competencies.

Two answers tell the same story when they share the candidate's own particulars: names of
people, teams, products and places (capitalised words that are not the domain's terms),
and numbers with their units. An anchor that turns up in many stories (the candidate's
employer) counts for less. Plain words shared add evidence but rarely decide alone, since
two different stories about the same job share a lot of them.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicemock.core.bank import BankError, check_keys, required_text
from voicemock.core.judge import reading
from voicemock.core.text import PhraseSet, normalize, split_sentences

STORY_ROUNDS = ("behavioral", "hiring-manager")
OVERUSED_AT = 3
"""A story told for this many different questions is overused: interviewers compare notes."""
SAME_ANCHORS = 1.5
"""Shared anchor weight that makes two answers one story on its own."""
SOME_ANCHORS = 0.75
SAME_WORDS = 0.2
"""With some shared anchors, this share of shared plain words makes them one story."""
ONLY_WORDS = 0.45
"""Without anchors on either side, this share of shared plain words."""

_CAPITALISED = re.compile(r"(?<![\w'])([A-Z][a-zA-Z0-9&'-]*[a-zA-Z0-9]|[A-Z])(?![\w'])")
_POSSESSIVE = re.compile(r"['’]s$")
_NAME_RUN = re.compile(r"(?<![\w'])[A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)+")
_NUMBER = re.compile(r"(?<![\w.])\$?(\d[\d,.]*\d|\d)\s*(%|[a-zA-Z]+)?")


_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_UNITS_WORDS = {w: i for i, w in enumerate(_SMALL.split())}  # noqa: SIM905
_TENS_WORDS = {
    w: 10 * i
    for i, w in enumerate("- - twenty thirty forty fifty sixty seventy eighty ninety".split())  # noqa: SIM905
    if w != "-"
}
_NUM = "(?:" + "|".join([*_TENS_WORDS, *_UNITS_WORDS, "hundred", "thousand"]) + ")"
_NUMBER_WORD = re.compile(
    rf"(?<![\w-])({_NUM}(?:(?:[\s-]+|[\s-]+and[\s-]+){_NUM})*)(?![\w-])", re.IGNORECASE
)


def _spelled(words: str) -> int | None:
    """ "fifty" -> 50, "twenty-five" -> 25, "two hundred" -> 200; None for "and" alone."""
    total = current = 0
    seen = False
    for word in re.split(r"[\s-]+", words.lower().strip()):
        if word in _UNITS_WORDS:
            current += _UNITS_WORDS[word]
        elif word in _TENS_WORDS:
            current += _TENS_WORDS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
        else:
            continue
        seen = True
    return total + current if seen else None


def digits_for_number_words(text: str) -> str:
    """Numbers written as words in digits ("fifty minutes" -> "50 minutes"), so a story
    told once with digits and once with words has the same particulars."""

    def swap(match: re.Match[str]) -> str:
        value = _spelled(match.group(1))
        return match.group(1) if value is None else str(value)

    return _NUMBER_WORD.sub(swap, text)


@dataclass(frozen=True)
class Competency:
    id: str
    title: str
    short: str
    tags: tuple[str, ...]
    phrases: PhraseSet


def load_competencies(path: Path) -> tuple[Competency, ...]:
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise BankError(f"{where}: invalid TOML: {exc}") from None
    check_keys(data, {"competency"}, where)
    out = []
    for i, raw in enumerate(data.get("competency", ())):
        here = f"{where} competency {i + 1}"
        check_keys(raw, {"id", "title", "short", "tags", "phrases"}, here)
        out.append(
            Competency(
                id=required_text(raw, "id", here),
                title=required_text(raw, "title", here),
                short=required_text(raw, "short", here),
                tags=tuple(raw.get("tags", ())),
                phrases=PhraseSet(raw.get("phrases", ())),
            )
        )
    if not out:
        raise BankError(f"{where}: no [[competency]] entries")
    return tuple(out)


@dataclass(frozen=True)
class StoryAnswer:
    """One question's answers in one session (the main answer and its follow-ups)."""

    session_id: str
    started_at: str
    round: str
    question_id: str
    question_text: str
    tags: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Fingerprint:
    anchors: frozenset[str]
    words: frozenset[str]
    surface: Mapping[str, str] = field(default_factory=dict)
    """How each anchor was written, for titles."""


@dataclass(frozen=True)
class Story:
    title: str
    answers: tuple[StoryAnswer, ...]
    competencies: tuple[str, ...]

    @property
    def questions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.question_id for a in self.answers))

    @property
    def overused(self) -> bool:
        return len(self.questions) >= OVERUSED_AT

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "competencies": list(self.competencies),
            "overused": self.overused,
            "answers": [
                {
                    "session_id": a.session_id,
                    "started_at": a.started_at,
                    "round": a.round,
                    "question_id": a.question_id,
                }
                for a in self.answers
            ],
        }


@dataclass(frozen=True)
class StoryBank:
    stories: tuple[Story, ...]
    competencies: tuple[Competency, ...]

    @property
    def uncovered(self) -> tuple[Competency, ...]:
        """Competencies no story serves yet."""
        served = {c for s in self.stories for c in s.competencies}
        return tuple(c for c in self.competencies if c.id not in served)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stories": [s.to_dict() for s in self.stories],
            "competencies": [{"id": c.id, "title": c.title} for c in self.competencies],
            "uncovered": [c.id for c in self.uncovered],
            "overused": [s.title for s in self.stories if s.overused],
        }


def is_story(text: str) -> bool:
    """An answer that tells what happened: at least two sentences in the past tense."""
    return sum(reading.past_tense(normalize(s)) for s in split_sentences(text)) >= 2


def fingerprint(text: str, common: Iterable[str] = ()) -> Fingerprint:
    """The candidate's particulars in ``text`` (anchors) and its plain content stems.

    ``common``: words that are not particulars (the domain's terms, the question's words).
    """
    skip = {w.lower() for term in common for w in term.split()}
    anchors: dict[str, str] = {}
    sentences = split_sentences(text)
    initial: list[str] = []
    inside: set[str] = set()
    for sentence in sentences:
        body = sentence.lstrip("\"'“ ")
        for match in _CAPITALISED.finditer(body):
            if match.start() == 0:
                initial.append(match.group(1))
            else:
                inside.add(match.group(1))
    # A sentence's first word is capitalised anyway: a name there is one seen mid-sentence too.
    for word in [w for w in initial if w in inside] + sorted(inside):
        word = _POSSESSIVE.sub("", word)
        key = normalize(word)
        if key in reading.STOPWORDS or key in skip or word == "I" or len(key) < 2:
            continue
        anchors.setdefault(f"n:{key}", word)
    # For titles, a name of several words is written whole: "Acme Data", "Blue Harbor".
    for sentence in sentences:
        for run in _NAME_RUN.finditer(sentence):
            parts = [_POSSESSIVE.sub("", w) for w in run.group(0).split()]
            keys = [f"n:{normalize(w)}" for w in parts]
            whole = " ".join(w for w, k in zip(parts, keys, strict=True) if k in anchors)
            for k in keys:
                if k in anchors and len(whole) > len(anchors[k]):
                    anchors[k] = whole
    for sentence in sentences:
        for match in _NUMBER.finditer(digits_for_number_words(sentence)):
            digits = match.group(1).replace(",", "")
            unit = (match.group(2) or "").lower()
            unit = "percent" if unit in {"%", "percent"} else unit
            unit = "" if unit in reading.STOPWORDS else reading.stem(unit)
            if len(digits) == 1 and not unit:
                continue  # "2" alone: a count, not a particular
            anchors.setdefault(f"d:{digits}:{unit}", " ".join(match.group(0).split()))
    norm = normalize(text)
    words = {
        reading.stem(w)
        for w in reading.content_words(norm)
        if len(w) > 3
        and w not in reading.GENERIC
        and w not in reading.VAGUE
        and w not in skip
        and not w.isdigit()
    }
    return Fingerprint(frozenset(anchors), frozenset(words), anchors)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def same_story(a: Fingerprint, b: Fingerprint, weight: Mapping[str, float]) -> bool:
    """Shared particulars decide; shared plain words decide alone only when the two answers
    do not each name people or places of their own (then they are two stories)."""
    shared = sum(weight.get(x, 1.0) for x in a.anchors & b.anchors)
    words = _overlap(a.words, b.words)
    if shared >= SAME_ANCHORS:
        return True
    if shared >= SOME_ANCHORS and words >= SAME_WORDS:
        return True

    def own_names(x: Fingerprint, y: Fingerprint) -> set[str]:
        return {n for n in x.anchors - y.anchors if n.startswith("n:") and weight.get(n, 1) >= 1}

    return words >= ONLY_WORDS and not (own_names(a, b) and own_names(b, a))


def build_bank(
    answers: Sequence[StoryAnswer],
    competencies: Sequence[Competency],
    common: Iterable[str] = (),
) -> StoryBank:
    """Group the story answers into stories, title them and map their competencies."""
    common = tuple(common)
    told = [a for a in answers if a.round in STORY_ROUNDS and is_story(a.text)]
    prints = [fingerprint(a.text, (*common, *a.question_text.split())) for a in told]
    # An anchor in many stories (the employer) says little: weight 2/df past two answers.
    df = Counter(x for p in prints for x in p.anchors)
    weight = {x: 1.0 if n <= 2 else 2.0 / n for x, n in df.items()}
    parent = list(range(len(told)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(told)):
        for j in range(i + 1, len(told)):
            if root(i) != root(j) and same_story(prints[i], prints[j], weight):
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(told)):
        groups.setdefault(root(i), []).append(i)
    stories = []
    for members in groups.values():
        group = tuple(told[i] for i in members)
        stories.append(
            Story(
                title=_title([prints[i] for i in members], [told[i].text for i in members], df),
                answers=group,
                competencies=_competencies(group, competencies),
            )
        )
    stories.sort(key=lambda s: (-len(s.answers), s.answers[0].started_at))
    return StoryBank(tuple(stories), tuple(competencies))


def _competencies(
    answers: Sequence[StoryAnswer], competencies: Sequence[Competency]
) -> tuple[str, ...]:
    tags = {t for a in answers for t in a.tags}
    norm = normalize(" ".join(a.text for a in answers))
    return tuple(
        c.id for c in competencies if tags & set(c.tags) or len(c.phrases.found(norm)) >= 2
    )


def _title(prints: Sequence[Fingerprint], texts: Sequence[str], df: Mapping[str, int]) -> str:
    """Up to two names, the story's most telling pair of words, and a number."""
    counts: Counter[str] = Counter(x for p in prints for x in p.anchors)
    surface = {k: v for p in prints for k, v in p.surface.items()}
    # The story's own particulars first: a name in many stories (the employer) last.
    rank = sorted(counts, key=lambda x: (-counts[x] / max(df.get(x, 1), 1), -counts[x], x))
    names = list(dict.fromkeys(surface[x] for x in rank if x.startswith("n:")))[:2]
    numbers = [surface[x] for x in rank if x.startswith("d:")][:1]
    stems = Counter(w for p in prints for w in p.words)
    best, best_score = "", 0
    named = {x[2:] for x in counts if x.startswith("n:")}
    for text in texts:
        for sentence in split_sentences(text):
            tokens = normalize(sentence).split()
            for a, b in zip(tokens, tokens[1:], strict=False):
                if {a, b} & named or min(len(a), len(b)) < 4:
                    continue
                if a in reading.STOPWORDS or b in reading.STOPWORDS:
                    continue
                score = stems.get(reading.stem(a), 0) + stems.get(reading.stem(b), 0)
                if score > best_score:
                    best, best_score = f"{a} {b}", score
    parts = [*names, best, *numbers]
    title = " · ".join(p for p in parts if p)
    return title or " ".join(normalize(texts[0]).split()[:6])


def pair_agreement(
    found: Sequence[Sequence[str]], truth: Mapping[str, str]
) -> tuple[int, int, int]:
    """How a grouping of answer ids agrees with the true story of each answer, counted over
    pairs of answers: (pairs put together rightly, put together wrongly, kept apart wrongly)."""
    group = {a: n for n, members in enumerate(found) for a in members}
    ids = sorted(truth)
    right = wrong = missed = 0
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            same = truth[a] == truth[b]
            together = a in group and group.get(a) == group.get(b)
            right += same and together
            wrong += together and not same
            missed += same and not together
    return right, wrong, missed
