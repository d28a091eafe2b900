"""Where the shipped data lives: ``prompts/`` inside the wheel, or beside the source tree."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from voicemock.core.bank import QuestionBank, load_bank, read_toml
from voicemock.core.delivery import DeliveryConfig, DeliveryMeter
from voicemock.core.judge import Calibration, Meaning, Scorer
from voicemock.core.knowledge import Knowledge, load_knowledge
from voicemock.core.rubric import Rubric, load_rubric
from voicemock.core.stories import Competency, load_competencies

_PACKAGE = Path(__file__).resolve().parent.parent  # the voicemock package


def prompts_dir() -> Path:
    for candidate in (_PACKAGE / "prompts", _PACKAGE.parent / "prompts"):
        if (candidate / "rubrics.toml").is_file():
            return candidate
    raise FileNotFoundError("voicemock's prompts folder is missing: reinstall voicemock")


@lru_cache(maxsize=1)
def bank() -> QuestionBank:
    return load_bank((prompts_dir() / "questions").glob("*.toml"))


@lru_cache(maxsize=1)
def competencies() -> tuple[Competency, ...]:
    return load_competencies(prompts_dir() / "competencies.toml")


@lru_cache(maxsize=1)
def rubric() -> Rubric:
    return load_rubric(prompts_dir() / "rubrics.toml")


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    return load_knowledge(prompts_dir() / "knowledge.toml")


@lru_cache(maxsize=1)
def _vocabulary_file() -> dict[str, Any]:
    return read_toml(prompts_dir() / "vocabulary.toml")


@lru_cache(maxsize=1)
def judge_terms() -> tuple[str, ...]:
    """The domain's own terms, as they are spelled: the recogniser's vocabulary, the judge's
    list and the ecosystem lexicon (without wildcards). Ordinary words are not among them, so
    the jargon normaliser never turns one English word into another."""
    data = _vocabulary_file()
    terms = [*data["terms"], *data.get("judge_terms", ()), *rubric().lexicons["ecosystem"]]
    return tuple(dict.fromkeys(t for t in terms if "*" not in t))


def rules_digest() -> str:
    """A digest of the judge's data (rubric, knowledge, bank, vocabulary): a scorecard made
    under other rules carries another rubric version, so ``rescore`` knows."""
    import hashlib

    root = prompts_dir()
    digest = hashlib.sha256()
    files = [root / "rubrics.toml", root / "knowledge.toml", root / "vocabulary.toml"]
    files += sorted(root.glob("judge-calibration-*.toml"))
    for path in [*files, *sorted((root / "questions").glob("*.toml"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:8]


def calibration_path(model: str) -> Path:
    """Where the committee calibration for a meaning model lives (one per model: each reads
    the signals a little differently)."""
    return prompts_dir() / f"judge-calibration-{model}.toml"


def calibration(model: str) -> Calibration | None:
    """The committee calibration for ``model``, if it was trained."""
    from voicemock.core.judge import parse_calibration

    path = calibration_path(model)
    if not path.is_file():
        return None
    return parse_calibration(read_toml(path), str(path))


def scorer(model: str | None = None, calibrated: bool = True) -> Scorer:
    """The offline judge: the rubric, the reference knowledge (wrong claims), the meaning
    model (``model``, else ``VOICEMOCK_JUDGE_MODEL``, else the default; ``off`` for none)
    and, unless ``calibrated`` is false, the committee calibration."""
    from voicemock import meaning

    return _scorer(model or meaning.chosen_model(), calibrated)


@lru_cache(maxsize=8)
def _scorer(name: str, calibrated: bool) -> Scorer:
    reader, notice = _reader(name)
    return Scorer(
        rubric(),
        knowledge(),
        reader,
        terms=judge_terms(),
        version=f"{rubric().version}+{rules_digest()}",
        notice=notice,
        calibration=calibration(name) if calibrated and name != "off" else None,
    )


@lru_cache(maxsize=4)
def _reader(name: str) -> tuple[Meaning | None, str]:
    """One reader per meaning model in a process (a model is loaded once, whichever scorer
    asks for it); with none, the notice the scorecard carries."""
    from voicemock import meaning
    from voicemock.core.judge.reading import STOPWORDS

    if name == "off":
        return None, ""
    spec = meaning.MODELS[name]
    try:
        meaning.model_files(spec)
    except meaning.ModelMissing as exc:
        return None, f"read by phrases only: {exc}"
    model = meaning.SentenceModel(spec)
    return meaning.Reader(model, judge_terms(), STOPWORDS, reference_texts()), ""


def reference_texts() -> tuple[str, ...]:
    """What the project says about its domain in its own words: the questions, their concepts'
    hints and follow-ups, their strong points, and the reference facts, corrections and
    challenges. The jargon normaliser learns from them which words stand next to a term."""
    texts: list[str] = []
    for question in bank().questions:
        texts.append(question.text)
        texts += [p.text for p in question.strong_points]
        for concept in question.concepts:
            texts += [concept.name, concept.follow_up, concept.hint]
    for topic in knowledge().topics:
        texts += topic.facts
        for item in topic.misconceptions:
            texts += [item.correction, item.challenge]
    return tuple(t for t in texts if t)


@lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    return tuple(_vocabulary_file()["terms"])


@lru_cache(maxsize=1)
def pronunciations() -> dict[str, str]:
    """How the interviewer's voice says the words it would say wrong (prompts/)."""
    from voicemock.core.pronunciation import parse_pronunciations

    path = prompts_dir() / "pronunciation.toml"
    return parse_pronunciations(read_toml(path), str(path))


@lru_cache(maxsize=1)
def delivery_config() -> DeliveryConfig:
    return DeliveryConfig.load(prompts_dir() / "delivery.toml")


@lru_cache(maxsize=1)
def persona() -> Any:
    from voicemock.llm.persona import Persona

    return Persona.load(prompts_dir() / "persona.toml")


def delivery_meter(pause_threshold_s: float | None = None) -> DeliveryMeter:
    """A meter using the rubric's own hedge and commitment phrases."""
    markers = rubric().markers
    return DeliveryMeter(
        delivery_config(),
        hedges=(*markers["hedge"], *markers["options"]),
        commitments=(*markers["commit"], *markers["strong_commit"]),
        pause_threshold_s=pause_threshold_s,
    )
