"""Re-scoring keeps earlier scorecards; progress reads the right trend from real sessions."""

from __future__ import annotations

import json
import tomllib

import pytest

from voicemock.app import resources
from voicemock.app.history import load_progress, rescore
from voicemock.core.brain import OfflineBrain
from voicemock.core.judge import Scorer
from voicemock.core.models import Transcript
from voicemock.core.rubric import parse_rubric
from voicemock.store import Store, TurnRecord

from .conftest import FIXTURES

QUESTION = "tech-exactly-once-payments"
ANSWERS = [  # weak, then better, then strong: technical depth should trend up
    "Maybe we could use some kind of database. It depends.",
    "I would use Kafka transactions, so offsets and output commit together.",
    (FIXTURES / "eo-strong.txt").read_text(),
]


def _store_session(store: Store, text: str) -> str:
    brain = OfflineBrain(resources.scorer())
    sid = store.create_session("technical", "offline", "typed", [QUESTION])
    transcript = Transcript.from_text(text)
    delivery = resources.delivery_meter().measure(transcript, expected_words=(100, 400))
    store.add_turn(
        sid,
        TurnRecord(
            "question",
            QUESTION,
            "q",
            transcript.text,
            transcript.segments,
            delivery=delivery.to_dict(),
        ),
    )
    card = brain.score("technical", [(resources.bank().get(QUESTION), [text])]).to_dict()
    store.save_scorecard(sid, card)
    store.finish_session(sid, "complete")
    return sid


def test_the_rubric_version_carries_a_digest_of_the_rules_data():
    version = resources.scorer().version
    assert version.startswith(resources.rubric().version + "+")
    assert version.endswith(resources.rules_digest()) and len(resources.rules_digest()) == 8


def test_rescore_keeps_the_earlier_scorecard_and_its_rubric_version(tmp_path):
    store = Store(tmp_path)
    sid = _store_session(store, ANSWERS[1])
    data = tomllib.loads((resources.prompts_dir() / "rubrics.toml").read_text())
    data["version"] = "next"
    # A stricter rubric: the ecosystem dimension needs far more to score.
    for spec in data["round"]:
        for dim in spec["dimension"]:
            if dim["id"] == "ecosystem":
                dim["levels"] = [20, 30, 40]
    brain = OfflineBrain(Scorer(parse_rubric(data)))
    before, after = rescore(store, sid, brain)
    session = store.get_session(sid)
    assert before is not None and before.rubric_version == resources.scorer().version
    assert after.rubric_version == "next"
    assert session.scorecard["rubric_version"] == "next"
    assert [c["rubric_version"] for c in session.earlier_scorecards] == [resources.scorer().version]
    assert session.earlier_scorecards[0]["overall"] == before.overall
    assert after.dimension("ecosystem").score == 1
    assert after.delivery is not None


def test_progress_over_three_sessions_reports_the_trend(tmp_path):
    store = Store(tmp_path)
    for text in ANSWERS:
        _store_session(store, text)
    result = load_progress(store)
    assert result.sessions == 3
    trends = {t.dimension: t for t in result.trends}
    depth = trends["technical_depth"]
    assert depth.scores[0] < depth.scores[-1]
    assert depth.direction == "improving"
    assert result.overall[0] < result.overall[-1]
    assert result.weakest is not None and result.strongest is not None
    assert trends[result.weakest].mean <= trends[result.strongest].mean
    assert result.practise_next is not None


def test_progress_declining_and_round_filter(tmp_path):
    store = Store(tmp_path)
    for text in reversed(ANSWERS):
        _store_session(store, text)
    result = load_progress(store, "technical")
    assert {t.dimension: t for t in result.trends}["technical_depth"].direction == "declining"
    assert load_progress(store, "executive").sessions == 0


@pytest.mark.slow
def test_rescore_and_progress_commands(voicemock_process, data_dir):
    voicemock = voicemock_process  # the smoke test of rescore and progress
    for fixture in ("eo-weak", "eo-first", "eo-strong"):
        result = voicemock(
            "practice",
            "--round",
            "technical",
            "--question",
            QUESTION,
            "--replay",
            str(FIXTURES / f"{fixture}.flac"),
            "--max-follow-ups",
            "0",
        )
        assert result.code == 0, result.stderr
    rescored = voicemock("rescore", "--all", "--json")
    assert rescored.code == 0, rescored.stderr
    rows = json.loads(rescored.stdout)
    assert len(rows) == 3 and all(r["before"] for r in rows)
    shown = json.loads(voicemock("show", rows[0]["id"], "--json").stdout)
    assert len(shown["earlier_scorecards"]) == 1
    assert shown["turns"][0]["delivery"]["words"] > 0
    assert "delivery" in shown["scorecard"]
    text = voicemock("progress").stdout
    assert "Progress over 3 session(s)" in text and "improving" in text
    assert "Practise next" in text
    md = voicemock("export", rows[0]["id"], "--format", "md").stdout
    assert "### Delivery" in md and "wpm" in md
