import pytest

from voicemock.core.text import find_phrases, normalize, phrase_pattern, split_sentences


def test_normalize_folds_case_punctuation_and_hyphens():
    assert normalize("Exactly-Once, KTable!") == "exactly once ktable"


def test_wildcard_matches_word_endings_only_at_word_start():
    pattern = phrase_pattern("idempoten*")
    assert pattern.search("an idempotent producer")
    assert pattern.search("idempotency keys")
    assert not pattern.search("nonidempotent")


def test_multiword_phrase_matches_across_hyphen_and_space():
    text = normalize("We need exactly-once delivery")
    assert find_phrases(text, ["exactly-once", "at least once"]) == ["exactly-once"]


def test_phrases_do_not_match_inside_other_words():
    assert not find_phrases(normalize("the vacation api"), ["cat"])


def test_long_unpunctuated_speech_is_split_at_conjunctions():
    words = " ".join(["word"] * 30 + ["and"] + ["more"] * 40)
    parts = split_sentences(words)
    assert len(parts) >= 2
    assert sum(len(p.split()) for p in parts) == 71


@pytest.mark.parametrize(
    ("text", "unfinished"),
    [
        ("and the second thing I would do is", True),
        ("The trade-off here is, um,", True),
        ("We could make the producer idempotent because", True),
        ("I would partition by the", True),
        ("First, lag; second,", True),
        ("Let me think...", True),
        ("So I would accept that cost.", False),
        ("That's all I have to say about it.", False),
        ("We key by order ID", False),
        ("I think the answer is Kafka.", False),
        ("", False),
    ],
)
def test_an_answer_that_stops_mid_clause_sounds_unfinished(text, unfinished):
    from voicemock.core.text import sounds_unfinished

    assert sounds_unfinished(text) is unfinished


def test_the_turn_judge_never_ends_an_unfinished_clause_early():
    from voicemock.round.turntaking import CaptureOptions, Pause

    judge = CaptureOptions(end_silence_s=10.0)
    # However sure the sound is, a dangling clause waits for the ceiling.
    assert judge.verdict(0.99, "and the second thing I would do is") is Pause.THINKING
    assert judge.silence_needed(Pause.THINKING) == 10.0
    assert judge.verdict(0.9, "So I would accept that cost.") is Pause.COMPLETE
    assert judge.verdict(0.1, "So I would accept that cost.") is Pause.UNSURE
    assert judge.silence_needed(Pause.COMPLETE) < judge.silence_needed(Pause.UNSURE) < 10.0
    short = CaptureOptions(end_silence_s=1.0)
    assert short.silence_needed(Pause.UNSURE) == 1.0  # never beyond the ceiling


def test_stretches_cut_at_the_length_limit_are_told_from_stretches_ended_by_a_pause():
    from voicemock.audio.vad import FRAME_S, Endpointer, SpeechClosed

    endpoint = Endpointer(end_silence_s=10.0, segment_pause_s=0.25, max_segment_s=4.0)
    frames = [0.9] * int(9.0 / FRAME_S) + [0.0] * int(0.5 / FRAME_S)  # 9 s unbroken, a pause
    closed = [e for p in frames for e in endpoint.update(p) if isinstance(e, SpeechClosed)]
    # Two cuts mid-speech (the words there may be split), then the stretch the pause ended:
    # only that one may be judged as the end of an answer, and its run began at 0.
    assert [c.at_pause for c in closed] == [False, False, True]
    assert closed[0].start == 0 and closed[1].start == closed[0].end
