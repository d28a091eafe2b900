"""The judge's frozen test split: never edited, never tuned on, measured beside the dev set."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from voicemock.app import resources
from voicemock.core.evaluation import load_set

DATA = Path(__file__).parent / "data"
TEST_SPLITS = ("judge-test", "judge-test-2")


@pytest.mark.parametrize("name", TEST_SPLITS)
def test_each_test_split_is_the_one_frozen_when_it_was_written(name):
    recorded = (DATA / f"{name}.sha256").read_text().split()[0]
    assert hashlib.sha256((DATA / f"{name}.toml").read_bytes()).hexdigest() == recorded, (
        f"tests/data/{name}.toml changed: a test split is frozen; write new cases into "
        "the dev set (tests/data/judge-set.toml) instead"
    )


@pytest.mark.parametrize("name", TEST_SPLITS)
def test_each_test_split_covers_every_round_and_trap(name):
    cases = load_set(DATA / f"{name}.toml", resources.bank())
    assert len(cases) >= 40
    assert sum(len(c.answers) for c in cases) >= 120
    assert {c.round for c in cases} == set(resources.rubric().round_ids)
    assert any(c.question.id.startswith("eval-") for c in cases)  # own questions too
    traps = {t for c in cases for a in c.answers for t in a.traps}
    assert {
        "confidently-wrong",
        "stuffed",
        "hedged",
        "noisy",
        "self-corrected",
        "reported-belief",
        "rambling",
        "precise",
        "injected",
        "off-topic",
    } <= traps
