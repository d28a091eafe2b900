"""Text handling for scoring: sentence splitting and phrase matching on spoken text.

Transcripts are spoken language written down by a recogniser: punctuation is
unreliable, hyphens come and go ("exactly-once" / "exactly once") and numbers
may be digits or words. Everything here matches on a normalised form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
_NON_WORD = re.compile(r"[^a-z0-9%]+")


def normalize(text: str) -> str:
    """Lower-case, turn punctuation and hyphens into spaces, collapse white space."""
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


def shorten(text: str, limit: int = 70) -> str:
    """``text`` cut at a word to at most ``limit`` characters, with "…" where it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def split_sentences(text: str) -> list[str]:
    """Split on sentence punctuation; very long unpunctuated runs are split on clause words."""
    out: list[str] = []
    for part in _SENTENCE_END.split(text.strip()):
        part = part.strip()
        if not part:
            continue
        words = part.split()
        # Recognisers sometimes drop full stops for a whole minute of speech; cut such runs
        # at conjunctions so one sentence does not swallow the whole answer.
        if len(words) > 60:
            chunk: list[str] = []
            for word in words:
                if len(chunk) >= 25 and word.lower().strip(",") in {"and", "so", "but", "then"}:
                    out.append(" ".join(chunk))
                    chunk = []
                chunk.append(word)
            if chunk:
                out.append(" ".join(chunk))
        else:
            out.append(part)
    return out


_BEFORE, _AFTER = r"(?<![a-z0-9])", r"(?![a-z0-9])"


@lru_cache(maxsize=4096)
def phrase_core(phrase: str) -> str:
    """The regex for a phrase without its word boundaries."""
    parts = []
    for word in phrase.split():
        star = word.endswith("*")
        norm = normalize(word.rstrip("*"))
        if not norm:
            continue
        piece = r"\s".join(re.escape(w) for w in norm.split())
        parts.append(piece + (r"[a-z0-9]*" if star else ""))
    if not parts:
        raise ValueError(f"empty phrase: {phrase!r}")
    return r"\s".join(parts)


@lru_cache(maxsize=4096)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Compile a bank phrase: words match whole words, a trailing ``*`` matches any ending.

    ``"idempoten*"`` matches "idempotent", "idempotence" and "idempotency";
    ``"exactly-once"`` matches "exactly once" and "exactly-once".
    """
    return re.compile(_BEFORE + phrase_core(phrase) + _AFTER)


def find_phrases(normalized_text: str, phrases: Iterable[str]) -> list[str]:
    """The phrases (as written in the bank) that occur in already-normalised text."""
    return [p for p in phrases if phrase_pattern(p).search(normalized_text)]


def count_phrases(normalized_text: str, phrases: Iterable[str]) -> int:
    return sum(len(phrase_pattern(p).findall(normalized_text)) for p in phrases)


class PhraseSet:
    """A list of bank phrases compiled once: one combined scan answers "any of these?"."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases = tuple(phrases)
        # Longest first, so "kafka streams" wins over "kafka" when spans are measured; ties
        # in a fixed order (a set's order changes from run to run, and with it which of two
        # alternatives matches, so the same answer could be read two ways).
        cores = sorted({phrase_core(p) for p in self.phrases}, key=lambda c: (-len(c), c))
        alternation = _BEFORE + "(?:" + "|".join(cores) + ")" + _AFTER
        self._any = re.compile(alternation) if self.phrases else None

    def any(self, normalized_text: str) -> bool:
        return bool(self._any and self._any.search(normalized_text))

    def found(self, normalized_text: str) -> list[str]:
        """The phrases that occur (the combined scan first, so a miss costs one search)."""
        if not self.any(normalized_text):
            return []
        return find_phrases(normalized_text, self.phrases)

    def count(self, normalized_text: str) -> int:
        if not self.any(normalized_text):
            return 0
        return count_phrases(normalized_text, self.phrases)

    def spans(self, normalized_text: str) -> Iterable[tuple[int, int]]:
        if self._any is None:
            return ()
        return (m.span() for m in self._any.finditer(normalized_text))


def quote_found(quote: str, normalized_text: str, min_ratio: float = 0.85) -> bool:
    """Whether ``quote`` occurs in the text, allowing small transcription differences.

    Exact (normalised) containment first; otherwise the best window of the text
    with about as many words must be ``min_ratio`` similar character by character.
    """
    from difflib import SequenceMatcher

    q = normalize(quote)
    if not q:
        return False
    if f" {q} " in f" {normalized_text} ":
        return True
    q_words = q.split()
    words = normalized_text.split()
    n = len(q_words)
    vocab = set(words)
    if sum(w in vocab for w in q_words) < max(1, n // 2):
        return False
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(q)
    for size in {max(1, n - 1), n, n + 1}:
        for start in range(0, max(1, len(words) - size + 1)):
            matcher.set_seq1(" ".join(words[start : start + size]))
            if matcher.real_quick_ratio() >= min_ratio and matcher.ratio() >= min_ratio:
                return True
    return False


# Words a finished sentence does not end on: conjunctions, prepositions, articles,
# auxiliaries and fillers ("…and the second thing I would do is", "the trade-off is, um").
_DANGLING = frozenset(
    """
    and but or nor so because since although though while whereas unless until if then
    than that which who whom whose where when whether as like
    a an the this these those my our your their its his her some any every each
    to of in on at by for from with without into onto about over under between through
    via per against toward towards
    is are was were be will would can could should shall must
    um uh er erm ah hmm mm plus
    """.split()  # noqa: SIM905
)


def sounds_unfinished(text: str) -> bool:
    """True when ``text`` (a live transcript so far) stops mid-thought: it ends on a word no
    finished sentence ends on, or on a comma, colon, dash or ellipsis."""
    stripped = text.rstrip()
    if not stripped:
        return False
    if stripped.endswith((",", ":", ";", "-", "—", "–", "...", "…")):
        return True
    words = re.findall(r"[a-z']+", stripped.lower())
    return bool(words) and words[-1] in _DANGLING
