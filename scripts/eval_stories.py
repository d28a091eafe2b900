"""Measure the story bank on labelled answers: python scripts/eval_stories.py [SET.toml]

Each answer of the set names the story it tells; the bank groups them without the labels,
and the grouping is scored over pairs of answers (precision: pairs put together that are one
story; recall: pairs of one story that were put together)."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def evaluate(path: Path) -> tuple[int, int, int, list[str]]:
    from voicemock.app import resources
    from voicemock.core.stories import StoryAnswer, build_bank, pair_agreement

    rows = tomllib.loads(path.read_text(encoding="utf-8"))["answer"]
    bank = resources.bank()
    answers, truth = [], {}
    for i, row in enumerate(rows):
        question = bank.get(row["question"])
        aid = f"a{i + 1:02d}"
        truth[aid] = row["story"]
        answers.append(
            StoryAnswer(aid, aid, question.round, question.id, question.text, question.tags,
                        row["text"])
        )  # fmt: skip
    stories = build_bank(answers, resources.competencies(), resources.vocabulary()).stories
    found = [[a.session_id for a in s.answers] for s in stories]
    lines = [
        f"{s.title}: {', '.join(truth[a] for a in ids)}"
        for s, ids in zip(stories, found, strict=True)
    ]
    return (*pair_agreement(found, truth), lines)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "data" / "story-set.toml"
    right, wrong, missed, lines = evaluate(path)
    for line in lines:
        print(line)
    precision = right / (right + wrong) if right + wrong else 1.0
    recall = right / (right + missed) if right + missed else 1.0
    print(f"pairs: {right} together rightly, {wrong} wrongly, {missed} kept apart wrongly")
    print(f"precision {precision:.2f}  recall {recall:.2f}")


if __name__ == "__main__":
    main()
