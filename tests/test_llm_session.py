"""A replayed round through `voicemock practice --brain llm` against a real local HTTP server."""

from __future__ import annotations

import json
import time

import pytest

from voicemock.app import resources
from voicemock.audio.files import FileSource
from voicemock.llm import ChatClient, resolve_llm_config
from voicemock.llm.brain import LLMBrain
from voicemock.round.events import SpeechStarted
from voicemock.round.runner import RoundRunner
from voicemock.store import Store

from .conftest import FIXTURES
from .llm_server import MODEL, ScriptedLLM, status, text
from .test_llm import KEY, QUESTION_ID, scorecard_json

pytestmark = pytest.mark.slow

ANSWERS = ("eo-first.flac", "eo-followup-latency.flac", "eo-followup-retries.flac")
FOLLOW_UPS = (
    "Understood. What does that transaction cost the payments team in latency?",
    "And when the producer retries after a timeout, what stops a duplicate payment?",
)


def replay_args(*names: str) -> list[str]:
    args = ["practice", "--round", "technical", "--question", QUESTION_ID, "--brain", "llm"]
    for name in names:
        args += ["--replay", str(FIXTURES / name)]
    return args


def test_a_full_round_with_llm_follow_ups_and_scoring(voicemock, data_dir):
    quote = "the ledger reader which uses read committed never sees half of a batch"
    with ScriptedLLM(api_key=KEY) as server:
        server.script("stream", *(text(f) for f in FOLLOW_UPS))
        server.script("json", text(scorecard_json(3, evidence=[quote])))
        env = {"OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": KEY}
        result = voicemock(*replay_args(*ANSWERS), "--json", env=env)
        requests, warm_ups = server.chat_requests(), server.warm_ups()
    assert result.code == 0, result.stderr
    session = json.loads(result.stdout)
    assert session["status"] == "complete" and session["brain"] == "llm"
    assert [t["prompt"] for t in session["turns"][1:]] == list(FOLLOW_UPS)
    card = session["scorecard"]
    assert card["brain"] == f"llm ({MODEL})"
    assert all(d["llm_score"] == 3 for d in card["dimensions"].values())
    # The recognised text differs a little from the script; the quote still counts.
    assert card["dimensions"]["technical_depth"]["evidence"] == [quote]
    assert session["settings"]["llm_model"] == MODEL
    # A local server: while the question is answered, it reads what the follow-up starts with.
    assert sorted(c["purpose"] for c in session["llm_calls"]) == [
        "follow_up", "follow_up", "score", "warm_up"
    ]  # fmt: skip
    assert all(c["ok"] and c["prompt_tokens"] > 0 for c in session["llm_calls"])
    assert len(warm_ups) == 1 and warm_ups[0].system == requests[0].system
    # Two streamed follow-ups, then one scoring request carrying the whole conversation.
    assert [r.streamed for r in requests] == [True, True, False]
    scoring = requests[-1].user
    for follow in FOLLOW_UPS:
        assert follow in scoring
    assert "read committed" in scoring and "read committed" not in requests[-1].system
    # The key went to the server and nowhere else.
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in server.requests)
    assert KEY not in result.stdout + result.stderr
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    shown = voicemock("show", session["id"])
    assert "LLM usage: 4 LLM call(s)" in shown.stdout
    assert f"Interviewer LLM: {MODEL} at {server.url}" in shown.stdout


def test_a_dead_endpoint_mid_round_leaves_a_complete_offline_session(voicemock, data_dir):
    with ScriptedLLM() as server:
        server.script("stream", text(FOLLOW_UPS[0]))
        server.defaults["stream"] = status(500, "model crashed")
        env = {"OPENAI_BASE_URL": server.url, "VOICEMOCK_LLM_MODEL": MODEL}
        result = voicemock(*replay_args(*ANSWERS), "--json", env=env)
    assert result.code == 0, result.stderr
    assert "offline interviewer takes over for the rest of the round" in result.stderr
    session = json.loads(result.stdout)
    assert session["status"] == "complete" and len(session["turns"]) == 3
    assert session["turns"][1]["prompt"] == FOLLOW_UPS[0]
    assert session["turns"][2]["concept_id"]  # the offline brain's follow-up
    assert session["scorecard"]["brain"] == "offline"
    assert any("LLM was unavailable" in n for n in session["scorecard"]["notes"])
    calls = [c for c in session["llm_calls"] if c["purpose"] != "warm_up"]
    assert [c["ok"] for c in calls] == [True, False]
    # The candidate is waiting for a follow-up: it is not retried, the offline one is asked.
    assert calls[1]["error"].startswith("server:") and calls[1]["attempts"] == 1


def test_no_endpoint_at_all_still_runs_the_round_offline(voicemock):
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    result = voicemock(*replay_args("eo-weak.flac"), "--json", env=env)
    assert result.code == 0, result.stderr
    assert "cannot reach http://127.0.0.1:9/v1" in result.stderr
    session = json.loads(result.stdout)
    assert session["status"] == "complete" and session["scorecard"]["brain"] == "offline"


class ClockVoice:
    """Records when each line was handed to it; speaking takes a little time."""

    def __init__(self) -> None:
        self.lines: list[tuple[float, str]] = []

    def prefetch(self, lines) -> None:
        self.ahead = list(lines)

    def say(self, text: str) -> float:
        started = time.monotonic()
        self.lines.append((started, text))
        time.sleep(0.05)
        return started


def test_the_follow_up_is_spoken_before_the_model_finishes(tmp_path, transcriber):
    follow = "Good answer. How would you keep the ledger writes idempotent across a crash?"
    with ScriptedLLM() as server:
        server.script("stream", text(follow, chunk_delay_s=0.12))
        config = resolve_llm_config(MODEL, server.url, 5.0, 0, env={})
        brain = LLMBrain(ChatClient(config), resources.persona(), resources.scorer())
        voice = ClockVoice()
        events: list[object] = []
        with Store(tmp_path) as store:
            runner = RoundRunner(
                store,
                transcriber,
                brain,
                resources.vocabulary(),
                on_event=events.append,
                max_follow_ups=1,
                voice=voice,
            )
            question = resources.bank().get(QUESTION_ID)
            sources = [FileSource(FIXTURES / n) for n in ANSWERS[:2]]
            session_id = runner.run("technical", [question], sources)
            turns = store.get_session(session_id).turns
        last_chunk = server.chunks_sent[-1]
    spoken = [line for _, line in voice.lines]
    assert spoken == [
        question.text,
        "Good answer.",
        "How would you keep the ledger writes idempotent across a crash?",
    ]
    first_sentence_at = voice.lines[1][0]
    assert first_sentence_at < last_chunk  # speaking began while the model was still streaming
    assert turns[1].prompt == follow
    # The end of answer 1 -> first audio of the follow-up is recorded as usual.
    assert turns[0].latency["next_audio_start_s"] > 0
    assert sum(isinstance(e, SpeechStarted) for e in events) == 3


def test_doctor_reports_the_endpoint_and_the_model_it_serves(voicemock_process):
    voicemock = voicemock_process  # the smoke test of doctor
    with ScriptedLLM(api_key=KEY) as server:
        server.script("json", text("ready"))
        env = {"OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": KEY}
        result = voicemock("doctor", env=env)
    assert result.code == 0, result.stdout + result.stderr
    assert f"LLM endpoint: {server.url} answers (API key set); serves: {MODEL}" in result.stdout
    assert f"LLM chat: {MODEL} replied" in result.stdout
    assert KEY not in result.stdout + result.stderr
    dead = voicemock("doctor", env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert dead.code == 1
    assert "FAIL  LLM endpoint: cannot reach http://127.0.0.1:9/v1" in dead.stdout
    offline = voicemock("doctor")
    assert offline.code == 0 and "LLM: not configured" in offline.stdout
    assert "  ok  end-of-turn model: Smart Turn v3" in offline.stdout, offline.stdout


def test_rescore_with_the_llm_keeps_the_offline_scores(voicemock, data_dir, monkeypatch):
    from .tui_data import fill

    ids = fill(data_dir, monkeypatch)
    with ScriptedLLM() as server:
        server.script("json", *(text(scorecard_json(3)) for _ in ids))
        env = {"OPENAI_BASE_URL": server.url}
        result = voicemock("rescore", "--all", "--brain", "llm", "--json", env=env)
        requests = server.chat_requests()
    assert result.code == 0, result.stderr
    rescored = json.loads(result.stdout)
    assert [r["after"]["brain"] for r in rescored] == [f"llm ({MODEL})"] * 3
    assert all(r["before"]["brain"] == "offline" for r in rescored)
    # The stored follow-up is part of the conversation the model scores.
    last = json.loads(voicemock("show", ids[2], "--json").stdout)
    follow_up = last["turns"][1]["prompt"]
    assert follow_up in requests[-1].user
    assert [c["purpose"] for c in last["llm_calls"]] == ["score"]
    assert last["earlier_scorecards"][0]["brain"] == "offline"


def test_eval_with_the_llm_judges_each_answer_as_its_own_round(voicemock):
    """`eval --brain llm --limit 1` against the scripted server: invalid output on the first
    answer leaves that answer (only) to the offline scorer; usage and who judged are shown."""
    from .conftest import ROOT

    with ScriptedLLM() as server:
        server.script("json", text("not json"), text("still not json"), text(scorecard_json(2)))
        env = {"OPENAI_BASE_URL": server.url}
        result = voicemock(
            "eval", str(ROOT / "tests" / "data" / "judge-set.toml"), "--brain", "llm",
            "--limit", "1", "--json", env=env,
        )  # fmt: skip
        requests = server.chat_requests()
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["cases"] == 1 and report["answers"] == 2
    assert report["judged_by"] == {"offline": 1, f"llm ({MODEL})": 1}
    assert "3 LLM call(s)" in report["usage"] and " s" in report["usage"]
    assert len(requests) == 3
    # The model was given the question's reference notes with each answer.
    assert "misconception ordering-global" in requests[-1].user
