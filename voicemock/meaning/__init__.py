"""The judge's reader: a packaged sentence-embedding model and the jargon normaliser.

Implements :class:`voicemock.core.judge.meaning.Meaning`. See :mod:`.model` for the models
and :mod:`.jargon` for how mis-recognised terms are put right.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from voicemock.meaning.jargon import JargonNormaliser, JargonOptions
from voicemock.meaning.model import (
    DEFAULT,
    ENV,
    MODELS,
    ModelMissing,
    SentenceModel,
    chosen_model,
    model_files,
)

__all__ = [
    "DEFAULT",
    "ENV",
    "MODELS",
    "JargonNormaliser",
    "JargonOptions",
    "ModelMissing",
    "Reader",
    "SentenceModel",
    "chosen_model",
    "model_files",
]


class Reader:
    """Meaning and jargon for the judge: one model, one vocabulary."""

    def __init__(
        self,
        model: SentenceModel,
        terms: Iterable[str],
        common_words: Iterable[str] = (),
        references: Iterable[str] = (),
    ) -> None:
        self.model = model
        self.name = model.name
        self._jargon = JargonNormaliser(terms, common_words, references=references)

    def similarity(self, texts: Sequence[str], references: Sequence[str]) -> list[list[float]]:
        if not texts or not references:
            return [[] for _ in texts]
        matrix = self.model.embed(texts) @ self.model.references(references).T
        return matrix.tolist()  # type: ignore[no-any-return]

    def centroid(self, texts: Sequence[str]) -> list[float]:
        return self.model.embed(texts or [""]).mean(axis=0).tolist()  # type: ignore[no-any-return]

    def canonical(self, text: str) -> str:
        return self._jargon(text)
