"""Reading by meaning: the port a sentence-embedding model fills, and what the judge asks it.

Phrase patterns recognise the wordings they were written against. A small sentence-embedding
model (an adapter, :mod:`voicemock.meaning`) carries paraphrase and transcription noise: the
judge asks it how close each sentence of an answer is to reference texts (a concept's
description, a misconception's claim and its correction, the question itself). Without a
model the judge reads by phrases alone, and says so on the scorecard.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Meaning(Protocol):
    """A sentence-meaning model: cosine similarities, a centroid, and jargon put right."""

    name: str
    """The model's short name, shown on the scorecard and in ``voicemock eval``."""

    def similarity(self, texts: Sequence[str], references: Sequence[str]) -> list[list[float]]:
        """For each text, its cosine similarity (-1 to 1) to each reference."""
        ...

    def centroid(self, texts: Sequence[str]) -> list[float]:
        """Where ``texts`` sit together in the model's space: the mean of their embeddings."""
        ...

    def canonical(self, text: str) -> str:
        """``text`` with mis-recognised domain terms written as the vocabulary spells them
        ("cafka" → "Kafka", "idem potent" → "idempotent")."""
        ...
