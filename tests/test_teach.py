"""Practice that teaches: evidence pinned to its moment, depth held, the model outline,
re-answer drills compared, and the story bank. Real scorer, real SQLite, Pilot."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from textual.widgets import OptionList, Static

from voicemock.app import resources
from voicemock.app.history import compare_sessions, story_bank
from voicemock.config import Settings
from voicemock.core.coaching import CLAIM, FILLER, PAUSE, QUOTE, AnswerTurn, locate
from voicemock.core.models import Word
from voicemock.core.stories import OVERUSED_AT, StoryAnswer, build_bank
from voicemock.core.teach import depth, outline
from voicemock.store import Store
from voicemock.tui.app import VoicemockApp
from voicemock.tui.drill import ComparisonScreen, DrillDialog
from voicemock.tui.scorecard import ScorecardScreen

from .conftest import FIXTURES
from .tui_data import (
    ANSWERS,
    QUESTION,
    STORY_OTHER,
    STORY_SAME,
    fill_practice,
    store_round,
    timed,
)

DATA = Path(__file__).resolve().parent / "data"


def turn(index: int, text: str, kind: str = "question", concept: str | None = None, **kw):
    t = timed(text, **kw)
    words = tuple(w for s in t.segments for w in s.words)
    return AnswerTurn(index, kind, QUESTION, "prompt", t.text, words, concept)


# -- evidence with timestamps ------------------------------------------------------------
def test_a_quote_is_placed_at_its_first_word_in_the_turn_that_said_it():
    turns = [turn(1, ANSWERS[0]), turn(2, ANSWERS[1], start=3.0)]
    mark = locate("My recommendation is to accept that, because it costs far more.", turns)
    assert mark is not None and mark.turn == 2
    words = turns[1].words
    first = next(w for w in words if w.text == "My")
    assert mark.start == first.start and mark.end > mark.start
    assert mark.play_from == pytest.approx(max(0.0, first.start - 1.0))


def test_a_quote_with_small_recognition_differences_is_still_placed():
    said = turn(1, "The Flink job commits its consumer offsets and its output records together.")
    heard = "the flink job commit its consumer offset and its output record together"
    mark = locate(heard, [said])
    assert mark is not None and mark.start == said.words[0].start


def test_a_quote_that_was_never_said_is_not_placed():
    assert (
        locate("We should partition by customer region for locality.", [turn(1, ANSWERS[0])])
        is None
    )


def test_a_typed_answer_is_found_without_a_time():
    typed = AnswerTurn(1, "question", QUESTION, "p", ANSWERS[0])
    mark = locate("I would rely on Kafka transactions.", [typed])
    assert mark is not None and mark.turn == 1 and mark.start is None and mark.at == "turn 1"


def test_fillers_and_long_pauses_carry_their_times(tmp_path, monkeypatch):
    ids = fill_practice(tmp_path, monkeypatch)
    with Store(tmp_path) as store:
        card = store.get_session(ids["first"]).scorecard
    marks = card["coaching"]["marks"]
    fillers = [m for m in marks if m["kind"] == FILLER]
    pauses = [m for m in marks if m["kind"] == PAUSE]
    assert [f["text"] for f in fillers] == ["um"] and fillers[0]["start"] == pytest.approx(0.6)
    # The 2.5 s silence before the seventh word, from the word timings.
    assert len(pauses) == 1 and pauses[0]["end"] - pauses[0]["start"] == pytest.approx(2.5, 0.1)
    claim = next(m for m in marks if m["kind"] == CLAIM)
    assert claim["ref"] == "eos-free" and claim["start"] > pauses[0]["start"]
    quotes = [m for m in marks if m["kind"] == QUOTE]
    assert quotes and all("start" in q and q["turn"] == 1 for q in quotes)


# -- depth held ----------------------------------------------------------------------------
def test_depth_counts_levels_held_down_to_the_first_that_thinned_out():
    question = resources.bank().get(QUESTION)
    scorer = resources.scorer()
    turns = [
        turn(1, ANSWERS[0]),
        turn(
            2,
            "I would enable the idempotent producer, so the broker drops a retried duplicate "
            "because every batch carries a sequence number.",
            "follow_up",
            "idempotence",
        ),
        turn(
            3,
            "Exactly-once costs nothing in latency or throughput, so there is nothing to weigh "
            "against it at all.",
            "follow_up",
            "latency",
        ),
        turn(
            4,
            "On a crash the job restarts from its last checkpoint, so the uncommitted "
            "transaction is aborted and the records are replayed once.",
            "follow_up",
            "failure",
        ),
    ]
    result = depth(question, turns, scorer)
    assert result.asked == 3
    assert [lv.held for lv in result.levels] == [True, False, True]
    assert result.held == 1  # the second level thinned out: the third does not add depth
    assert "wrong claim" in result.levels[1].why


def test_a_follow_up_answered_with_words_but_no_explanation_does_not_hold():
    question = resources.bank().get(QUESTION)
    short = turn(2, "Idempotence, sequence numbers, deduplication.", "follow_up", "idempotence")
    level = depth(question, [turn(1, ANSWERS[0]), short], resources.scorer()).levels[0]
    assert not level.held


# -- model outline -------------------------------------------------------------------------
def test_the_model_outline_marks_each_point_hit_or_missed_with_the_quote():
    question = resources.bank().get(QUESTION)
    # Phrases only: the outline's marking, not the meaning model's reach, is under test.
    scorer = resources.scorer("off")
    points = outline(question, [turn(1, ANSWERS[0]), turn(2, ANSWERS[1])], scorer)
    assert len(points) == len(question.strong_points)
    by_status = {p.status for p in points}
    assert "hit" in by_status and "missed" in by_status
    hit = next(p for p in points if p.status == "hit")
    assert hit.quote and hit.mark is not None and hit.mark.start is not None
    missed = next(p for p in points if p.status == "missed")
    assert missed.mark is None


# -- drills --------------------------------------------------------------------------------
def test_a_drill_is_linked_and_compared(tmp_path, monkeypatch):
    ids = fill_practice(tmp_path, monkeypatch)
    with Store(tmp_path) as store:
        assert store.attempts(ids["again"]) == [ids["first"], ids["again"]]
        assert store.get_session(ids["again"]).again_of == ids["first"]
        result = compare_sessions(store, ids["again"])
    assert (result.before, result.after) == (ids["first"], ids["again"])
    dims = {d.id: (d.then, d.now) for d in result.dimensions}
    assert dims["technical_depth"] == (1, 4) and dims["structure"] == (2, 4)
    assert result.depth == ((0, 0), (2, 2))
    assert "Latency and throughput cost" in result.newly_explained
    assert result.claims_fixed == (
        "Exactly-once processing costs nothing in latency or throughput.",
    )
    assert not result.claims_repeated and not result.claims_new
    fillers = next(d for d in result.delivery if d.name == "Fillers")
    pauses = next(d for d in result.delivery if d.name == "Long pauses")
    assert fillers.better is True and fillers.now == 0
    assert (pauses.then, pauses.now, pauses.better) == (1, 0, True)
    assert result.verdict_moved == 1


def test_compare_with_one_attempt_says_how_to_drill(tmp_path, monkeypatch):
    from voicemock.errors import VoicemockError

    ids = fill_practice(tmp_path, monkeypatch)
    with Store(tmp_path) as store, pytest.raises(VoicemockError, match="--again"):
        compare_sessions(store, ids["other"])


@pytest.mark.slow
def test_practice_again_on_replayed_files_links_and_compares(voicemock, data_dir):
    weak = voicemock(
        "practice", "--round", "technical", "--question", QUESTION,
        "--replay", str(FIXTURES / "eo-weak.flac"), "--data-dir", str(data_dir), "--json",
    )  # fmt: skip
    first = json.loads(weak.stdout)["id"]
    again = voicemock(
        "practice", "--again", first[:15],
        "--replay", str(FIXTURES / "eo-first.flac"),
        "--replay", str(FIXTURES / "eo-followup-retries.flac"),
        "--replay", str(FIXTURES / "eo-followup-latency.flac"),
        "--data-dir", str(data_dir), "--headless",
    )  # fmt: skip
    assert "Then and now" in again.stdout
    out = voicemock("compare", first, "--json", "--data-dir", str(data_dir))
    result = json.loads(out.stdout)
    assert result["before"] == first and result["after"] != first
    assert all(d["now"] >= d["then"] for d in result["dimensions"])
    assert sum(d["now"] - d["then"] for d in result["dimensions"]) >= 4
    assert result["newly_explained"]
    with Store(data_dir) as store:
        drilled = store.get_session(result["after"])
    assert drilled.again_of == first
    # The round as scripted by the files: two follow-ups, each answered by what it probed.
    depth = drilled.scorecard["coaching"]["depth"]
    assert [(d["asked"], d["held"]) for d in depth] == [(2, 2)]
    assert [lv["probe"] for lv in depth[0]["levels"]] == ["idempotence", "latency"]


def test_practice_again_refuses_a_question_choice(voicemock, data_dir):
    out = voicemock("practice", "--again", "x", "--question", QUESTION, "--replay", "a.flac",
                    "--data-dir", str(data_dir))  # fmt: skip
    assert out.code != 0 and "--again asks that session's questions" in out.stderr


# -- story bank ----------------------------------------------------------------------------
def story(sid: str, qid: str, text: str, round_id: str = "behavioral") -> StoryAnswer:
    question = resources.bank().get(qid)
    return StoryAnswer(sid, sid, round_id, qid, question.text, question.tags, text)


def test_the_story_bank_groups_one_story_told_twice_and_separates_another():
    bank = build_bank(
        [
            story("s1", "bh-conflict-with-sales", STORY_SAME[0]),
            story("s2", "hm-biggest-impact", STORY_SAME[1], "hiring-manager"),
            story("s3", "bh-customer-obsession", STORY_OTHER),
        ],
        resources.competencies(),
        resources.vocabulary(),
    )
    assert sorted(sorted(a.session_id for a in s.answers) for s in bank.stories) == [
        ["s1", "s2"],
        ["s3"],
    ]
    told_twice = bank.stories[0]
    assert "Globex" in told_twice.title and {"conflict", "impact"} <= set(told_twice.competencies)
    assert "customer" in bank.stories[1].competencies
    assert "ambiguity" in {c.id for c in bank.uncovered}


def test_two_stories_at_the_same_employer_stay_apart():
    a = (
        "At Northwind our schema registry migration had no clear owner. I wrote a one-page "
        "plan, got Marcus from platform to review it, and we moved 120 topics to Avro in 3 "
        "weeks. Consumer errors fell by 40 percent after the rollout."
    )
    b = (
        "At Northwind a launch slipped because the connector tests were flaky. I paired with "
        "Lena on the test harness, we cut the suite from 50 minutes to 12, and we shipped the "
        "release two weeks later than planned but without a single rollback."
    )
    bank = build_bank(
        [story("s1", "bh-ambiguity", a), story("s2", "bh-underperforming-launch", b)],
        resources.competencies(),
        resources.vocabulary(),
    )
    assert len(bank.stories) == 2


def test_a_story_told_for_many_questions_is_overused_and_an_answer_without_a_story_is_not_one():
    qids = ["bh-conflict-with-sales", "bh-say-no", "bh-influence-without-authority"]
    answers = [story(f"s{i}", q, STORY_SAME[i % 2]) for i, q in enumerate(qids[:OVERUSED_AT])]
    answers.append(story("s9", "bh-ambiguity", "I think ambiguity is good. It helps teams grow."))
    bank = build_bank(answers, resources.competencies(), resources.vocabulary())
    assert len(bank.stories) == 1 and bank.stories[0].overused


def test_stories_command_reads_the_store(voicemock, tmp_path, monkeypatch):
    fill_practice(tmp_path, monkeypatch)
    out = voicemock("stories", "--json", "--data-dir", str(tmp_path))
    data = json.loads(out.stdout)
    assert len(data["stories"]) == 2 and len(data["stories"][0]["answers"]) == 2
    text = voicemock("stories", "--data-dir", str(tmp_path)).stdout
    assert "Globex" in text and "No story yet for:" in text


# -- the app -------------------------------------------------------------------------------
async def test_choosing_a_quote_plays_the_answer_from_that_moment(tmp_path, monkeypatch):
    played: list[tuple[str, float]] = []

    def play_file(path, stop=None, device=None, start_s=0.0):
        played.append((str(path), start_s))
        return 0.0

    monkeypatch.setattr("voicemock.audio.playback.play_file", play_file)
    with Store(tmp_path) as store:
        sid = store_round(store, "technical", QUESTION, ANSWERS, audio="answer.wav")
        card = store.get_session(sid).scorecard
    app = VoicemockApp(Settings(data_dir=tmp_path))
    async with app.run_test(size=(100, 40)) as pilot:
        await app.push_screen(ScorecardScreen(sid))
        await pilot.pause()
        evidence = app.screen.query_one("#evidence", OptionList)
        # The second option: the second quoted moment of the answers, in order.
        option = evidence.get_option_at_index(1)
        mark = app.screen.coaching.marks[int(option.id)]
        evidence.focus()
        evidence.highlighted = 1
        await pilot.press("enter")
        deadline = time.monotonic() + 5
        while not played and time.monotonic() < deadline:
            await pilot.pause(0.05)
    stored = {(m["turn"], m["text"]): m for m in card["coaching"]["marks"]}
    start = stored[(mark.turn, mark.text)]["start"]
    assert played == [(f"answer.wav-{mark.turn}", pytest.approx(max(0.0, start - 1.0)))]


async def test_the_review_marks_fillers_and_pauses_in_the_transcript(tmp_path, monkeypatch):
    from voicemock.tui.sessions import ReviewScreen

    ids = fill_practice(tmp_path, monkeypatch)
    app = VoicemockApp(Settings(data_dir=tmp_path))
    async with app.run_test(size=(100, 40)) as pilot:
        await app.push_screen(ReviewScreen(ids["first"]))
        await pilot.pause()
        option = app.screen.query_one("#turns", OptionList).get_option_at_index(0)
        text = str(option.prompt)
    assert re.search(r"⏸ 2\.[56] s pause", text) and "1 filler(s) · 1 long pause(s)" in text


async def test_the_scorecard_shows_depth_and_the_outline_and_opens_the_drill(tmp_path, monkeypatch):
    ids = fill_practice(tmp_path, monkeypatch)
    app = VoicemockApp(Settings(data_dir=tmp_path))
    async with app.run_test(size=(100, 40)) as pilot:
        await app.push_screen(ScorecardScreen(ids["again"]))
        await pilot.pause()
        labels = [str(w.content) for w in app.screen.query(".section")]
        assert any(lab.startswith("Follow-up depth: held 2 of 2") for lab in labels)
        assert "Model outline" in labels
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ComparisonScreen)
        changes = str(app.screen.query_one("#compare-changes", Static).content)
        assert "Wrong claims fixed" in changes and "costs nothing" in changes
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, DrillDialog)
        await pilot.press("ctrl+s")  # no files given: a message, not a round
        await pilot.pause()
        assert isinstance(app.screen, DrillDialog)


@pytest.mark.slow
async def test_a_drill_in_the_app_on_replayed_files_ends_in_the_comparison(
    tmp_path, monkeypatch, transcriber
):
    from textual.widgets import Input

    ids = fill_practice(tmp_path, monkeypatch)
    app = VoicemockApp(Settings(data_dir=tmp_path), transcriber=transcriber)
    async with app.run_test(size=(100, 40)) as pilot:
        await app.push_screen(ScorecardScreen(ids["first"]))
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        files = ("eo-first.flac", "eo-followup-retries.flac", "eo-followup-latency.flac")
        app.screen.query_one("#drill-replay", Input).value = " ".join(
            str(FIXTURES / f) for f in files
        )
        await pilot.press("ctrl+s")
        deadline = time.monotonic() + 180
        while not isinstance(app.screen, ComparisonScreen):
            assert time.monotonic() < deadline, f"no comparison; screen is {app.screen!r}"
            await pilot.pause(0.2)
        await pilot.pause(0.3)
        screen = app.screen
        assert screen.before == ids["first"] and screen.after != ids["first"]
        changes = str(screen.query_one("#compare-changes", Static).content)
    assert "Wrong claims fixed" in changes and "Newly explained" in changes
    with Store(tmp_path) as store:
        assert store.attempts(ids["first"])[-1] == screen.after
        assert store.get_session(screen.after).status == "complete"


def test_the_story_bank_reads_every_stored_story(tmp_path, monkeypatch):
    fill_practice(tmp_path, monkeypatch)
    with Store(tmp_path) as store:
        bank = story_bank(store)
    assert [len(s.answers) for s in bank.stories] == [2, 1]


def test_words_stored_with_a_turn_come_back_as_timed_words(tmp_path, monkeypatch):
    ids = fill_practice(tmp_path, monkeypatch)
    with Store(tmp_path) as store:
        stored = store.get_session(ids["first"]).turns[0]
    answer = AnswerTurn.from_stored(stored)
    assert answer.words and isinstance(answer.words[0], Word) and answer.kind == "question"


def test_show_and_the_exports_carry_the_timestamps_depth_and_outline(
    voicemock, tmp_path, monkeypatch
):
    ids = fill_practice(tmp_path, monkeypatch)
    text = voicemock("show", ids["first"], "--data-dir", str(tmp_path)).stdout
    assert "tech-exactly-once-payments: no follow-ups asked" in text  # one answer only
    assert "(turn 1 · 0:0" in text and "### Model outline" in text
    assert "### Fillers and long pauses" in text and "turn 1 · 0:00: um" in text
    again = voicemock("show", ids["again"], "--data-dir", str(tmp_path)).stdout
    assert "### Follow-up depth" in again and "held 2 of 2" in again
    assert f"- Drill: answers again the questions of {ids['first']}" in again
    data = json.loads(voicemock("export", ids["again"], "--format", "json",
                                "--data-dir", str(tmp_path)).stdout)  # fmt: skip
    coaching = data["scorecard"]["coaching"]
    assert coaching["depth"][0]["held"] == 2 and coaching["outline"]
    assert all("start" in m for m in coaching["marks"])


def test_a_story_retold_with_numbers_in_words_and_fewer_names_is_still_one_story():
    first = (
        "At Northwind a launch slipped because the connector tests were flaky. I paired with "
        "Lena on the test harness, we cut the suite from 50 minutes to 12, and we shipped the "
        "release two weeks later than planned but without a single rollback."
    )
    retold = (
        "When I was at Northwind, the team building our connectors kept missing dates since "
        "the tests failed at random. Together with Lena I rebuilt the harness; the suite went "
        "from fifty minutes to twelve, and the release went out two weeks late with no rollback."
    )
    unnamed = (
        "Our sales team promised a customer a connector that was not on the roadmap. I met "
        "with our tech lead and we looked at the usage data. I pushed back on the promise and "
        "offered a workaround with an existing connector instead, and the customer accepted."
    )
    bank = build_bank(
        [
            story("s1", "bh-underperforming-launch", first),
            story("s2", "bh-difficult-engineer", retold),
            story("s3", "bh-conflict-with-sales", STORY_SAME[0]),
            story("s4", "bh-say-no", unnamed),
        ],
        resources.competencies(),
        resources.vocabulary(),
    )
    groups = sorted(sorted(a.session_id for a in s.answers) for s in bank.stories)
    assert groups == [["s1", "s2"], ["s3", "s4"]]


async def test_comparing_with_an_unscored_attempt_says_so_on_screen(tmp_path, monkeypatch):
    from voicemock.store import TurnRecord

    ids = fill_practice(tmp_path, monkeypatch)
    with Store(tmp_path) as store:
        broken = store.create_session("technical", "offline", "replay", [QUESTION])
        store.add_turn(broken, TurnRecord("question", QUESTION, "q", ANSWERS[0]))
        store.finish_session(broken, "incomplete", "the LLM endpoint went away")
    app = VoicemockApp(Settings(data_dir=tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(ComparisonScreen(broken, ids["again"]))
        await pilot.pause()
        shown = " ".join(str(w.content) for w in app.screen.query(Static))
    assert "Cannot compare" in shown and f"voicemock rescore {broken}" in shown


def test_the_story_bank_on_the_labelled_set_merges_no_two_stories():
    import tomllib

    from voicemock.core.stories import pair_agreement

    rows = tomllib.loads((DATA / "story-set.toml").read_text())["answer"]
    answers = [story(f"a{i:02d}", r["question"], r["text"]) for i, r in enumerate(rows)]
    truth = {f"a{i:02d}": r["story"] for i, r in enumerate(rows)}
    bank = build_bank(answers, resources.competencies(), resources.vocabulary())
    right, wrong, missed = pair_agreement(
        [[a.session_id for a in s.answers] for s in bank.stories], truth
    )
    assert wrong == 0 and right / (right + missed) >= 0.8
    # The story told for four questions is overused; competencies come from its questions.
    overused = [s for s in bank.stories if s.overused]
    assert len(overused) == 1 and {"ambiguity", "influence"} <= set(overused[0].competencies)
