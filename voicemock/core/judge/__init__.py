"""The judge: how answers are read and scored the way a hiring committee reads them.

One pipeline: the scorecard schema (:mod:`.schema`); the analysis, injection → claims →
reading → coverage (:mod:`.analysis`); the dimensions (:mod:`.dimensions`); the verdict
(:mod:`.verdict`); questions of the user's own (:mod:`.questions`); and the reconciliation
of an LLM's scores with the rules (:mod:`.reconcile`). Thresholds are named fields of
``[judge]`` in ``prompts/rubrics.toml`` (:class:`voicemock.core.rubric.JudgeOptions`).
"""

from voicemock.core.judge.analysis import (
    EXPLAINED,
    MISSING,
    NAMED,
    Analysis,
    AnswerReader,
    ConceptCoverage,
    Sentence,
)
from voicemock.core.judge.calibration import Calibration, parse_calibration
from voicemock.core.judge.claims import ClaimChecker, WrongClaim
from voicemock.core.judge.meaning import Meaning
from voicemock.core.judge.questions import infer_question
from voicemock.core.judge.schema import (
    CAP_VERDICT,
    INJECTION_CAP,
    PASS,
    VERDICTS,
    WRONG_CLAIM_CAP,
    DimensionScore,
    Scorecard,
)
from voicemock.core.judge.scorer import Scorer
from voicemock.core.judge.verdict import capped, close_calls, verdict, weighed

__all__ = [
    "CAP_VERDICT",
    "EXPLAINED",
    "INJECTION_CAP",
    "MISSING",
    "NAMED",
    "PASS",
    "VERDICTS",
    "WRONG_CLAIM_CAP",
    "Analysis",
    "AnswerReader",
    "Calibration",
    "ClaimChecker",
    "ConceptCoverage",
    "DimensionScore",
    "Meaning",
    "Scorecard",
    "Scorer",
    "Sentence",
    "WrongClaim",
    "capped",
    "close_calls",
    "infer_question",
    "parse_calibration",
    "verdict",
    "weighed",
]
