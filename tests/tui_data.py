"""Stored sessions with fixed ids and times, so the app's screens render the same every run."""

from __future__ import annotations

import itertools
from pathlib import Path

from voicemock.app import resources
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


def timed(text: str, start: float = 0.6, wps: float = 2.6, pause_before: int = -1) -> Transcript:
    """``text`` with evenly spaced word timings; a 2.5 s silence before word ``pause_before``."""
    words, t = [], start
    for n, token in enumerate(text.split()):
        if n == pause_before:
            t += 2.5
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


DRILL_FIRST = [
    (
        "Um, I would rely on Kafka transactions, so the ledger is always correct. Exactly-once "
        "costs nothing in latency or throughput, so there is no trade-off to weigh."
    ),
]
IDEMPOTENCE = (
    "I would turn on the idempotent producer, so a retried batch is dropped by the broker "
    "because every batch carries a sequence number."
)
DRILL_AGAIN = [ANSWERS[0], IDEMPOTENCE, ANSWERS[1]]
DRILL_PROBES = ("idempotence", "latency")
STORY_SAME = [
    (
        "At Northwind I owned the billing pipeline. Sales promised Globex a custom connector "
        "that was not on the roadmap. I met with Priya, our tech lead, and we looked at the "
        "usage data. I pushed back and offered the JDBC connector instead. Globex accepted, and "
        "we kept the Q3 launch on track and saved 6 weeks of engineering time."
    ),
    (
        "Let me tell you about Globex. When I was at Northwind, a sales rep had committed to "
        "building them a bespoke connector. I sat down with Priya, who led engineering, and we "
        "reviewed how they really used the product. I said no to the custom build and proposed "
        "the JDBC connector as a stopgap. The customer agreed and we protected the Q3 launch, "
        "saving about 6 weeks."
    ),
]
STORY_OTHER = (
    "In my previous role at Initech, our onboarding funnel was leaking. I interviewed twelve "
    "developers and found the quickstart failed on Windows. I rewrote it with Dana from docs, "
    "and activation went from 22% to 35% in two months."
)


def store_round(
    store: Store,
    round_id: str,
    question_id: str,
    answers: list[str],
    again_of: str | None = None,
    pause_before: int = -1,
    audio: str | None = None,
    probes: tuple[str, ...] = (),
) -> str:
    """One scored, coached round answering ``question_id``: the follow-ups probe ``probes``
    (concept ids), by default the question's concepts in order."""
    from voicemock.app.history import coached

    question = resources.bank().get(question_id)
    meter = resources.delivery_meter()
    pace = resources.rubric().round(round_id).answer_words
    sid = store.create_session(round_id, "offline", "replay", [question_id], {}, again_of)
    concepts = [question.concept(c) for c in probes] or list(question.concepts)
    deliveries = []
    for i, text in enumerate(answers):
        transcript = timed(text, pause_before=pause_before if i == 0 else -1)
        delivery = meter.measure(transcript, expected_words=pace)
        deliveries.append(delivery)
        store.add_turn(
            sid,
            TurnRecord(
                kind="question" if i == 0 else "follow_up",
                question_id=question_id,
                concept_id=None if i == 0 else concepts[i - 1].id,
                prompt=question.text if i == 0 else concepts[i - 1].follow_up,
                transcript=transcript.text,
                segments=transcript.segments,
                audio_path=f"{audio}-{i + 1}" if audio else None,
                duration_s=transcript.duration,
                delivery=delivery.to_dict(),
            ),
        )
    card = OfflineBrain(resources.scorer()).score(round_id, [(question, answers)])
    card = card.with_delivery(deliveries, meter.config.pace_wpm)
    store.save_scorecard(sid, coached(store.get_session(sid), card).to_dict())
    store.finish_session(sid, "complete")
    return sid


def fill_practice(data_dir: Path, monkeypatch) -> dict[str, str]:
    """A drill (a weak first attempt, then a better one linked to it) and three behavioural
    answers: two telling the same story in different words, one another story."""
    counter = itertools.count(1)
    monkeypatch.setattr(
        "voicemock.store.db.new_session_id", lambda: f"20261121-10000{next(counter)}-0b0{0}"
    )
    monkeypatch.setattr("voicemock.store.db._now", lambda: "2026-11-21T10:00:00+00:00")
    with Store(data_dir) as store:
        first = store_round(store, "technical", QUESTION, DRILL_FIRST, pause_before=6)
        again = store_round(
            store, "technical", QUESTION, DRILL_AGAIN, again_of=first, probes=DRILL_PROBES
        )
        same_a = store_round(store, "behavioral", "bh-conflict-with-sales", STORY_SAME[:1])
        same_b = store_round(store, "hiring-manager", "hm-biggest-impact", STORY_SAME[1:])
        other = store_round(store, "behavioral", "bh-customer-obsession", [STORY_OTHER])
    return {"first": first, "again": again, "same_a": same_a, "same_b": same_b, "other": other}
