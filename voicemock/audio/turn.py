"""Has the candidate finished? Smart Turn v3, a semantic end-of-turn model, on the answer's audio.

Smart Turn v3 (BSD-2) is a Whisper-tiny encoder with a classifier, 8 MB of int8 ONNX,
that hears intonation and phrasing: "…and the second thing I would do is" sounds
unfinished, "…so I would accept that cost." sounds finished. It ships inside the
``pipecat-ai`` wheel with its numpy feature extractor; both are loaded from the installed
package's files (not through ``import pipecat``, which would set up logging and print a
banner), and nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from voicemock.core.models import SAMPLE_RATE
from voicemock.errors import ModelError

WINDOW_S = 8.0
"""The model hears the last eight seconds of the answer (left-padded with silence)."""
MODEL_FILE = "smart-turn-v3.2-cpu.onnx"
_PACKAGE_DIR = ("audio", "turn", "smart_turn")


def _package_files() -> Path:
    spec = importlib.util.find_spec("pipecat")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the end-of-turn model is missing: reinstall voicemock (pip install pipecat-ai)"
        )
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*_PACKAGE_DIR)


def _features_module(folder: Path) -> ModuleType:
    """The package's Whisper log-mel extractor, loaded from its file under a private name."""
    path = folder / "_whisper_features.py"
    spec = importlib.util.spec_from_file_location("voicemock_smart_turn_features", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise ModelError(f"the end-of-turn model's feature extractor is missing ({path})")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TurnModel:
    """Probability that an answer is complete, from its last seconds of 16 kHz audio."""

    def __init__(self, threads: int = 1) -> None:
        folder = _package_files()
        model = folder / "data" / MODEL_FILE
        if not model.is_file():
            raise ModelError(f"the end-of-turn model file is missing ({model})")
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = max(1, threads)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session: Any = ort.InferenceSession(
                str(model), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"cannot load the end-of-turn model: {exc}".splitlines()[0]) from None
        self._features = _features_module(folder).compute_whisper_log_mel_features
        self.last_seconds = 0.0
        """How long the last call took (for the benchmark)."""

    def complete(self, audio: np.ndarray) -> float:
        """The probability (0-1) that the speech in ``audio`` (float32) is a finished turn."""
        started = time.perf_counter()
        window = int(WINDOW_S * SAMPLE_RATE)
        clip = np.asarray(audio[-window:], dtype=np.float32)
        if clip.size < window:
            clip = np.pad(clip, (window - clip.size, 0))
        features = self._features(clip, do_normalize=True)[np.newaxis]
        (out,) = self._session.run(None, {"input_features": features.astype(np.float32)})
        self.last_seconds = time.perf_counter() - started
        return float(np.asarray(out).reshape(-1)[0])
