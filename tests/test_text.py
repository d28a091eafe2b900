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
