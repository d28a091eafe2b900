"""Stored sessions with fixed ids and times, so the app's screens render the same every run."""

from __future__ import annotations

import itertools
from pathlib import Path

from voicemock import resources
from voicemock.core.brain import OfflineBrain
from voicemock.core.models import Segment, Transcript, Word
from voicemock.store import Store, TurnRecord

QUESTION = "tech-exactly-once-payments"
ANSWERS = [
    (
        "I would rely on Kafka transactions. The Flink job commits its consumer offsets and "
        "its output records in one transaction, so the ledger reader, which uses read "
        "committed, never sees half of a batch."
    ),
    (
        "The cost is latency: results only become visible when the checkpoint commits, about "
        "one second instead of 50 milliseconds. My recommendation is to accept that, because "
        "counting a payment twice costs far more."
    ),
]
WEAK = "Maybe we could build a dashboard for the payments team. It depends on what they want."


def timed(text: str, start: float = 0.6, wps: float = 2.6) -> Transcript:
    words, t = [], start
    for token in text.split():
        words.append(Word(round(t, 2), round(t + 0.3, 2), token))
        t += 1 / wps
    sentences = text.split(". ")
    segments, i = [], 0
    for n, sentence in enumerate(sentences):
        count = len(sentence.split())
        chunk = tuple(words[i : i + count])
        body = sentence if n == len(sentences) - 1 else sentence + "."
        segments.append(Segment(chunk[0].start, chunk[-1].end, body, chunk))
        i += count
    return Transcript(segments=tuple(segments), duration=round(t + 0.8, 2))


def fill(data_dir: Path, monkeypatch) -> list[str]:
    """Three technical sessions (two strong, one weak), fixed ids and timestamps."""
    counter = itertools.count(1)
    monkeypatch.setattr(
        "voicemock.store.db.new_session_id", lambda: f"20261120-09000{next(counter)}-0a0{0}"
    )
    monkeypatch.setattr("voicemock.store.db._now", lambda: "2026-11-20T09:00:00+00:00")
    bank, scorer = resources.bank(), resources.scorer()
    brain, meter = OfflineBrain(scorer), resources.delivery_meter()
    question = bank.get(QUESTION)
    pace = resources.rubric().round("technical").answer_words
    ids = []
    with Store(data_dir) as store:
        for answers in (ANSWERS[:1], [WEAK], ANSWERS):
            sid = store.create_session("technical", "offline", "replay", [QUESTION], {})
            deliveries = []
            for i, text in enumerate(answers):
                transcript = timed(text)
                delivery = meter.measure(transcript, expected_words=pace)
                deliveries.append(delivery)
                store.add_turn(
                    sid,
                    TurnRecord(
                        kind="question" if i == 0 else "follow_up",
                        question_id=QUESTION,
                        prompt=question.text if i == 0 else question.concepts[0].follow_up,
                        transcript=transcript.text,
                        segments=transcript.segments,
                        audio_path=None,
                        duration_s=transcript.duration,
                        delivery=delivery.to_dict(),
                    ),
                )
            card = brain.score("technical", [(question, answers)])
            store.save_scorecard(
                sid, card.with_delivery(deliveries, meter.config.pace_wpm).to_dict()
            )
            store.finish_session(sid, "complete")
            ids.append(sid)
    return ids
