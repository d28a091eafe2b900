"""Mis-recognised jargon put right against the project's vocabulary, phonetically.

A small speech model writes "idempotent" as "idem potent", "KRaft" as "K raft", "ksqlDB" as
"case equal DB" and "Kafka" as "cafka". Phrase patterns and the meaning model both read such
words as something else. Before an answer is read, each run of one to three words is
compared with the vocabulary: words that run together into a term ("idem potent"), or sound
like one (Metaphone codes equal) and are spelled close enough (RapidFuzz ratio), are written
as the vocabulary spells them. A word that already is a vocabulary word, or an inflection of
one, is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import jellyfish
from rapidfuzz import fuzz

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9']*")
_COMPACT = re.compile(r"[^a-z0-9]+")
_CACHE_LIMIT = 50_000


def _compact(text: str) -> str:
    return _COMPACT.sub("", text.lower())


@dataclass(frozen=True)
class JargonOptions:
    """How close a run of words must be to a term to be rewritten as it."""

    longest_run: int = 3
    """Most words of a transcript read together as one term ("case equal DB")."""
    shortest_term: int = 5
    """Terms shorter than this (letters) are never matched by sound: too many words sound alike."""
    sound_alike_ratio: float = 50.0
    """Spelling similarity (0-100) a run that sounds like a term of several words needs."""
    sound_alike_word_ratio: float = 75.0
    """Spelling similarity a single word that sounds like a term needs ("cafka" → "Kafka")."""
    context_window: int = 3
    """Words either side of an ordinary word in which a term's usual neighbour must occur
    for the word to be read as that term ("blink SQL" → "Flink SQL")."""
    shortest_context_term: int = 4
    """Terms shorter than this (letters) are never read into ordinary words."""


class JargonNormaliser:
    """Rewrites mis-recognised domain terms in a transcript."""

    def __init__(
        self,
        terms: Iterable[str],
        common_words: Iterable[str] = (),
        options: JargonOptions | None = None,
        references: Iterable[str] = (),
    ) -> None:
        self.options = options or JargonOptions()
        self._spelling: dict[str, str] = {}
        for term in terms:
            term = " ".join(term.replace("*", "").split())
            key = _compact(term)
            if key and key not in self._spelling:
                self._spelling[key] = term
        self._words = {w.lower() for t in self._spelling.values() for w in _WORD.findall(t)}
        self._common = {w.lower() for w in common_words}
        self._known_cache: dict[str, bool] = {}
        self._term_cache: dict[tuple[str, ...], str | None] = {}
        self._by_sound: dict[str, list[str]] = {}
        for key in self._spelling:
            if len(key) >= self.options.shortest_term and key.isalpha():
                self._by_sound.setdefault(jellyfish.metaphone(key), []).append(key)
        self._neighbours, self._prose = _neighbours(references, self._spelling, self._common)
        self._by_length: dict[int, list[str]] = {}
        for key in self._neighbours:
            self._by_length.setdefault(len(key), []).append(key)
        self._off_cache: dict[str, tuple[str, ...]] = {}

    def _known(self, word: str) -> bool:
        """A vocabulary word, an inflection of one, or a common word: never rewritten alone."""
        w = word.lower().rstrip("'s")
        known = self._known_cache.get(w)
        if known is None:
            known = (
                w in self._common
                or w in self._words
                or any(w.startswith(v) or v.startswith(w) for v in self._words if len(v) >= 4)
            )
            self._known_cache[w] = known
        return known

    def _term_for(self, words: tuple[str, ...]) -> str | None:
        if words not in self._term_cache:
            if len(self._term_cache) > _CACHE_LIMIT:
                self._term_cache.clear()
            self._term_cache[words] = self._find_term(words)
        return self._term_cache[words]

    def _find_term(self, words: tuple[str, ...]) -> str | None:
        key = _compact("".join(words))
        if not key:
            return None
        spelled = " ".join(words).lower()
        if len(words) > 1 and key in self._spelling:
            term = self._spelling[key]
            # "idem potent" → "idempotent"; a term written with spaces stays as it is.
            return None if _compact(term) == key and term.lower() == spelled else term
        if len(key) < self.options.shortest_term or not key.isalpha():
            return None
        if len(words) == 1 and self._known(words[0]):
            return None
        if len(words) > 1 and all(self._known(w) for w in words):
            return None
        need = (
            self.options.sound_alike_word_ratio
            if len(words) == 1
            else self.options.sound_alike_ratio
        )
        best, best_ratio = None, need
        for candidate in self._by_sound.get(jellyfish.metaphone(key), ()):
            ratio = fuzz.ratio(key, candidate)
            if ratio >= best_ratio and candidate != key:
                best, best_ratio = candidate, ratio
        return self._spelling[best] if best else None

    def _in_context(
        self, words: tuple[str, ...], tokens: list[re.Match[str]], at: int, size: int
    ) -> str | None:
        """An ordinary word one letter off a term of the same length, read as the term where
        one of the term's usual neighbours in the reference texts stands close by: "blink
        SQL" is Flink SQL, "acts equals all" is acks=all; "in a blink" stays. Words the
        reference texts themselves use as ordinary prose are never rewritten."""
        if len(words) != 1:
            return None
        key = words[0].lower()
        if key in self._prose or len(key) < self.options.shortest_context_term:
            return None
        if not key.isalpha() or key in self._words:
            return None
        window = self.options.context_window
        near = {
            t.group().lower()
            for t in tokens[max(0, at - window) : at] + tokens[at + size : at + size + window]
        }
        for candidate in self._one_letter_off(key):
            if near & self._neighbours[candidate]:
                return self._spelling[candidate]
        return None

    def _one_letter_off(self, key: str) -> tuple[str, ...]:
        """Terms (with neighbours) of the same length as ``key`` and one letter different."""
        found = self._off_cache.get(key)
        if found is None:
            if len(self._off_cache) > _CACHE_LIMIT:
                self._off_cache.clear()
            found = tuple(
                c
                for c in self._by_length.get(len(key), ())
                if sum(a != b for a, b in zip(key, c, strict=True)) == 1
            )
            self._off_cache[key] = found
        return found

    def __call__(self, text: str) -> str:
        tokens = list(_WORD.finditer(text))
        if not tokens:
            return text
        out: list[str] = []
        last = 0
        i = 0
        while i < len(tokens):
            for size in range(min(self.options.longest_run, len(tokens) - i), 0, -1):
                run = tokens[i : i + size]
                # Only words separated by spaces are read as one ("K raft", not "K. Raft").
                gaps = [text[a.end() : b.start()] for a, b in zip(run, run[1:], strict=False)]
                if any(g.strip() for g in gaps):
                    continue
                words = tuple(t.group() for t in run)
                term = self._term_for(words)
                if term is None and self._neighbours:
                    term = self._in_context(words, tokens, i, size)
                if term is not None:
                    out.append(text[last : run[0].start()])
                    out.append(term)
                    last = run[-1].end()
                    i += size
                    break
            else:
                i += 1
        out.append(text[last:])
        return "".join(out)


def _neighbours(
    references: Iterable[str], spelling: dict[str, str], common: set[str]
) -> tuple[dict[str, set[str]], set[str]]:
    """Per term (by its compact key), the words that stand next to it in the reference texts
    (two either side, not common words); and every run of one to three words of those texts
    that is not a term: the domain's ordinary prose."""
    neighbours: dict[str, set[str]] = {}
    prose: set[str] = set()
    for text in references:
        words = [w.lower() for w in _WORD.findall(text)]
        for i in range(len(words)):
            for size in (1, 2, 3):
                run = words[i : i + size]
                if len(run) < size:
                    break
                key = _compact("".join(run))
                if key in spelling:
                    around = words[max(0, i - 2) : i] + words[i + size : i + size + 2]
                    neighbours.setdefault(key, set()).update(
                        w for w in around if w not in common and _compact(w) != key
                    )
                else:
                    prose.add(" ".join(run))
    return neighbours, prose
