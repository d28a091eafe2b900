"""Delivery analytics: fillers, pauses and pace, on typed text and on real recordings with
planted fillers and silences."""

from __future__ import annotations

import pytest

from voicemock.app import resources
from voicemock.audio.files import FileSource
from voicemock.core.delivery import Delivery, combine
from voicemock.core.models import Segment, Transcript, Word
from voicemock.stt import build_prompt

from .conftest import FIXTURES, fixture_manifest

DELIVERY_FIXTURES = [f for f in fixture_manifest() if "planted_fillers" in f]


@pytest.fixture(scope="module")
def meter():
    return resources.delivery_meter()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("So, um, the lag. Uh, yes, er, hmm.", {"um": 1, "uh": 1, "er": 1, "hmm": 1}),
        ("It is, like, slow, you know, at peak.", {"like": 1, "you know": 1}),
        ("A tool like Kafka is what I mean by a log.", {}),
        ("I mean, the cost is latency, basically.", {"i mean": 1, "basically": 1}),
        ("Umbrella and uhuru are words.", {}),
    ],
)
def test_fillers_counted_only_where_they_are_fillers(meter, text, expected):
    assert dict(meter.count_fillers(text)) == expected


def _words(spec):
    return tuple(Word(s, e, t) for s, e, t in spec)


def test_pace_pauses_and_first_word_from_word_timings(meter):
    words = _words(
        [(1.0, 1.4, "First"), (1.5, 2.0, "maybe"), (5.0, 5.5, "we"), (5.6, 6.0, "ship.")]
    )
    transcript = Transcript((Segment(1.0, 6.0, "First maybe we ship.", words),), duration=7.0)
    d = meter.measure(transcript, expected_words=(100, 400))
    assert d.words == 4
    assert d.time_to_first_word_s == pytest.approx(1.0)
    assert d.talk_time_s == pytest.approx(5.0)
    assert d.words_per_minute == pytest.approx(48.0)
    assert d.long_pauses == 1 and d.longest_pause_s == pytest.approx(3.0)
    assert d.hedges == 1  # "maybe"
    assert d.length == "short"


def test_audio_speech_spans_win_over_stretched_word_timings(meter):
    words = _words([(0.5, 2.4, "Hello"), (2.5, 4.0, "there")])
    transcript = Transcript((Segment(0.5, 4.0, "Hello there", words),), duration=4.5)
    d = meter.measure(transcript, speech_spans=[(0.5, 1.0), (3.6, 4.0)])
    assert d.long_pauses == 1 and d.longest_pause_s == pytest.approx(2.6)


def test_pause_threshold_is_configurable():
    meter = resources.delivery_meter(pause_threshold_s=0.5)
    transcript = Transcript.from_text("one two")
    d = meter.measure(transcript, speech_spans=[(0.0, 1.0), (1.7, 2.0), (2.4, 3.0)])
    assert d.long_pauses == 1 and d.pause_threshold_s == 0.5


def test_session_figures_combine_answers(meter):
    a = Delivery(100, 60, 50, 120, 1.0, 1, 2.5, 2.0, 4, {"um": 4}, 1, 3, (100, 400))
    b = Delivery(50, 30, 25, 120, 3.0, 0, 1.0, 2.0, 1, {"uh": 1}, 0, 1, (100, 400))
    total = combine([a, b])
    assert total.words == 150 and total.fillers == 5
    assert total.words_per_minute == pytest.approx(120.0)
    assert total.time_to_first_word_s == pytest.approx(2.0)
    assert total.longest_pause_s == 2.5 and total.answers == 2
    assert total.filler_counts == {"um": 4, "uh": 1}
    assert Delivery.from_dict(total.to_dict()) == total


@pytest.mark.slow
@pytest.mark.parametrize("fixture", DELIVERY_FIXTURES, ids=lambda f: f["id"])
def test_planted_fillers_and_pauses_are_recovered(transcriber, meter, fixture):
    source = FileSource(FIXTURES / f"{fixture['id']}.flac")
    question = resources.bank().get(fixture["question"])
    vocab = resources.vocabulary()
    kept = transcriber.transcribe(source.audio, prompt=build_prompt(question.text, vocab))
    plain = transcriber.transcribe(
        source.audio, prompt=build_prompt(question.text, vocab, keep_fillers=False)
    )
    d = meter.measure(kept, speech_spans=source.speech_spans)
    without = sum(meter.count_fillers(plain.text).values())
    planted = fixture["planted_fillers"]
    print(
        f"{fixture['id']}: planted {planted}, recovered {d.fillers} with the filler prompt, "
        f"{without} without"
    )
    assert planted - 1 <= d.fillers <= planted + 1
    assert without < d.fillers
    long_planted = [p for p in fixture["planted_pauses"] if p >= meter.pause_threshold_s]
    assert d.long_pauses == len(long_planted)
    assert d.longest_pause_s == pytest.approx(max(fixture["planted_pauses"]), abs=0.5)
    # Each fixture starts with half a second of room tone.
    assert d.time_to_first_word_s == pytest.approx(0.5, abs=0.25)
    assert 80 <= d.words_per_minute <= 200
