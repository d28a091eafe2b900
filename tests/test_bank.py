"""The bank and rubric data: schema-valid, loadable, and every follow-up reachable."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from voicemock.app import resources
from voicemock.core.bank import ROUND_IDS, BankError, load_bank, parse_bank_file
from voicemock.core.brain import OfflineBrain

PROMPTS = resources.prompts_dir()
SCHEMA = json.loads((PROMPTS / "schema" / "question-bank.schema.json").read_text())
BANK_FILES = sorted((PROMPTS / "questions").glob("*.toml"))


@pytest.mark.parametrize("path", BANK_FILES, ids=lambda p: p.name)
def test_bank_file_matches_schema(path: Path):
    jsonschema.validate(tomllib.loads(path.read_text()), SCHEMA)


def test_bank_loads_with_unique_ids_and_known_rounds():
    bank = resources.bank()
    ids = [q.id for q in bank.questions]
    assert len(ids) == len(set(ids))
    assert {q.round for q in bank.questions} <= set(ROUND_IDS)


def test_at_least_five_technical_questions():
    assert len(resources.bank().for_round("technical")) >= 5


def test_every_round_has_a_rubric():
    assert set(resources.rubric().round_ids) == set(ROUND_IDS)


def test_strong_points_reference_their_questions_concepts():
    for question in resources.bank().questions:
        ids = {c.id for c in question.concepts}
        for point in question.strong_points:
            assert set(point.concepts) <= ids, question.id


@pytest.mark.parametrize("question", resources.bank().questions, ids=lambda q: q.id)
def test_every_follow_up_is_reachable(question):
    """Each concept's follow-up is what the brain asks once the others are covered or asked."""
    brain = OfflineBrain(resources.scorer())
    for concept in question.concepts:
        others = [c.id for c in question.concepts if c.id != concept.id]
        follow = brain.follow_up(question, ["I am not sure."], others)
        assert follow is not None and follow.concept_id == concept.id
        assert follow.text == concept.follow_up


def test_first_follow_up_targets_the_heaviest_gap():
    question = resources.bank().get("tech-exactly-once-payments")
    brain = OfflineBrain(resources.scorer())
    follow = brain.follow_up(question, ["We should use Kafka."], [])
    heaviest = max(c.weight for c in question.concepts)
    assert question.concept(follow.concept_id).weight == heaviest


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"round": "nope", "question": []}, "unknown round"),
        ({"round": "technical", "question": [{"id": "x"}], "extra": 1}, "unknown key"),
        ({"round": "technical", "question": [{"id": "x", "text": "t"}]}, "missing key 'concept'"),
        (
            {
                "round": "technical",
                "question": [
                    {
                        "id": "x",
                        "text": "t",
                        "concept": [
                            {
                                "id": "a",
                                "name": "A",
                                "phrases": ["a"],
                                "follow_up": "Two. Sentences?",
                            }
                        ],
                    }
                ],
            },
            "one sentence",
        ),
        (
            {
                "round": "technical",
                "question": [
                    {
                        "id": "x",
                        "text": "t",
                        "concept": [{"id": "a", "name": "A", "phrases": [], "follow_up": "Why?"}],
                    }
                ],
            },
            "phrases",
        ),
    ],
)
def test_malformed_bank_data_is_rejected_with_its_location(data, message):
    with pytest.raises(BankError, match=message):
        parse_bank_file(data, "bad.toml")


def test_duplicate_question_ids_across_files_are_rejected(tmp_path: Path):
    body = (PROMPTS / "questions" / "technical.toml").read_text()
    (tmp_path / "a.toml").write_text(body)
    (tmp_path / "b.toml").write_text(body)
    with pytest.raises(BankError, match="duplicate question id"):
        load_bank(tmp_path.glob("*.toml"))
