"""An LLM's judgement reconciled with the rules: nothing the model says is used unchecked.

Its quotes must occur in the transcript; a dimension it scores higher than the rules stands
only when its quotes verify and no text addressed to the grader was found (otherwise the
lower, safer score counts and the scorecard says why); a gap of more than 1.5 is shown as a
dispute. Incorrect claims it lists count only with a verified quote, merged with the rules'
own. The rules' caps hold, and the verdict follows the same weighted rule as the offline
judge. The model's reply reaches here already validated by the LLM adapter; any objects with
the attributes of the protocols below will do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

from voicemock.core.bank import Question
from voicemock.core.judge.claims import WrongClaim
from voicemock.core.judge.reading import STOPWORDS, stem
from voicemock.core.judge.schema import WRONG_CLAIM_CAP, DimensionScore, Scorecard
from voicemock.core.judge.scorer import Scorer
from voicemock.core.judge.verdict import weighed
from voicemock.core.knowledge import Knowledge, Misconception, PatternSet
from voicemock.core.text import normalize, quote_found

DISPUTE_GAP = 1.5
MIN_QUOTE_WORDS = 3
MAX_CLAIM_WORDS = 60
OTHER_CLAIM = "other"
"""The misconception id a model gives a wrong claim the knowledge base does not list."""


class JudgedDimension(Protocol):
    id: str
    score: int
    evidence: list[str]
    missing: list[str]


class JudgedClaim(Protocol):
    quote: str
    misconception: str
    claim: str
    correction: str


class ModelJudgement(Protocol):
    @property
    def dimensions(self) -> Sequence[JudgedDimension]: ...
    @property
    def incorrect_claims(self) -> Sequence[JudgedClaim]: ...
    @property
    def missing_concepts(self) -> Sequence[str]: ...
    @property
    def hints(self) -> Sequence[str]: ...


def merged_claims(
    judged: Sequence[JudgedClaim],
    offline: Sequence[WrongClaim],
    exchanges: Sequence[tuple[Question, Sequence[str]]],
    knowledge: Knowledge | None,
) -> tuple[list[WrongClaim], int]:
    """The model's incorrect claims whose quotes are in the transcript, merged with the
    rules' (a claim both heard is marked so); and how many were dropped."""
    claims = list(offline)
    dropped = 0
    for item in judged:
        quote = " ".join(item.quote.split()).strip('"“”')
        home = next(
            (q for q, answers in exchanges if quote_found(quote, normalize(" ".join(answers)))),
            None,
        )
        size = len(normalize(quote).split())
        if not MIN_QUOTE_WORDS <= size <= MAX_CLAIM_WORDS or home is None:
            dropped += 1  # not in the answers, or not one claim (a whole answer quoted)
            continue
        same = next(
            (
                i
                for i, w in enumerate(claims)
                if w.misconception.id == item.misconception or _overlap(w.quote, quote) >= 0.6
            ),
            None,
        )
        if same is not None:
            if claims[same].found_by == "rules":
                claims[same] = replace(claims[same], found_by="rules and model")
            continue
        reference = _known(knowledge, item.misconception)
        if reference is not None:
            central = reference.topic in knowledge.topics_of(home)  # type: ignore[union-attr]
            claims.append(WrongClaim(reference, quote, central, "model"))
        elif item.claim.strip() and item.correction.strip():
            made = Misconception(
                id=f"model:{normalize(item.claim)[:40].replace(' ', '-')}",
                topic="",
                claim=item.claim.strip()[:200],
                match=(),
                unless=PatternSet(()),
                correction=item.correction.strip()[:300],
                challenge="",
            )
            claims.append(WrongClaim(made, quote, False, "model"))
        else:
            dropped += 1
    return claims, dropped


def reconcile(
    judgement: ModelJudgement,
    offline: Scorecard,
    exchanges: Sequence[tuple[Question, Sequence[str]]],
    scorer: Scorer,
    *,
    injected: bool,
    brain: str,
) -> Scorecard:
    """The model's scorecard, checked against the rules' (``offline``): quotes verified,
    kinder scores without verified quotes or with injected text set to the rules' score,
    large gaps shown as disputes, claims merged, the rules' caps kept, the verdict by the
    same weighted rule as the offline judge."""
    transcript = normalize(" ".join(a for _, answers in exchanges for a in answers))
    by_id = {d.id: d for d in judgement.dimensions}
    dims: list[DimensionScore] = []
    notes = list(offline.notes)
    disputed: list[str] = []
    safer: list[str] = []
    dropped = 0
    for base in offline.dimensions:
        judged = by_id[base.id]
        kept, flags = [], []
        for quote in judged.evidence:
            quote = " ".join(quote.split()).strip('"“”')
            if len(normalize(quote).split()) >= MIN_QUOTE_WORDS and quote_found(quote, transcript):
                kept.append(quote)
            else:
                dropped += 1
                flags.append(f"quote not in the transcript, dropped: “{quote[:80]}”")
        verified = bool(kept) and len(kept) == len(judged.evidence)
        score = judged.score
        if judged.score > base.score and (injected or not verified):
            # The model is kinder than the rules and cannot show why: the safer score.
            score = base.score
            why = (
                "text addressed to the grader was found in the answers"
                if injected
                else "its quotes are not all in the transcript"
                if judged.evidence
                else "it quoted nothing from the transcript"
            )
            flags.append(f"counted at the safer score {base.score} (LLM {judged.score}): {why}")
            safer.append(base.title)
        is_disputed = abs(judged.score - base.score) > DISPUTE_GAP
        if is_disputed:
            disputed.append(base.title)
            flags.append(
                f"disputed: LLM {judged.score}, offline {base.score}; "
                + (
                    "the LLM's score stands (its quotes are in the transcript)"
                    if score == judged.score
                    else f"counted at {score}"
                )
            )
        missing = [m for m in judged.missing if m.strip()][:4] or list(base.missing)
        dims.append(
            DimensionScore(
                base.id,
                base.title,
                score,
                tuple(kept[:3]) or (base.evidence[:1] if score == base.score else ()),
                tuple(missing),
                flags=tuple(flags),
                llm_score=judged.score,
                offline_score=base.score,
                disputed=is_disputed,
            )
        )
    if disputed:
        notes.append(
            f"{len(disputed)} dimension(s) disputed between the LLM and the offline "
            f"scorer ({', '.join(disputed)}): shown side by side"
        )
    if safer:
        notes.append(
            f"counted at the offline scorer's lower score: {', '.join(safer)} (the LLM's "
            "evidence did not verify, or the answers addressed the grader)"
        )
    if dropped:
        notes.append(f"{dropped} LLM quote(s) were not found in the transcript and were dropped")
    claims, bad_claims = merged_claims(
        judgement.incorrect_claims, offline.incorrect, exchanges, scorer.knowledge
    )
    if bad_claims:
        notes.append(
            f"{bad_claims} incorrect claim(s) the LLM listed were dropped: the quote is not "
            "in the transcript"
        )
    caps = list(offline.caps)
    if any(w.central and w.found_by == "model" for w in claims):
        caps.append(WRONG_CLAIM_CAP)
    caps = list(dict.fromkeys(caps))
    weights = {d.id: d.weight for d in scorer.rubric.round(offline.round).dimensions}
    overall, recommendation = weighed(dims, weights, caps, scorer.options)
    concepts = [c for c in judgement.missing_concepts if 0 < len(c) <= 80][:6]
    hints = [h for h in judgement.hints if 0 < len(h) <= 240][:3]
    return Scorecard(
        round=offline.round,
        overall=overall,
        # The offline checks still cap: a central wrong claim, off topic, injected text.
        recommendation=recommendation,
        dimensions=tuple(dims),
        missing_concepts=tuple(dict.fromkeys([*offline.missing_concepts, *concepts])),
        hints=tuple(dict.fromkeys([*hints, *offline.hints])),
        rubric_version=offline.rubric_version,
        brain=brain,
        notes=tuple(dict.fromkeys(notes)),
        incorrect=tuple(claims),
        caps=tuple(caps),
        not_scored=offline.not_scored,
    )


def takes_up(text: str, claim: WrongClaim) -> bool:
    """Whether a follow-up confronts ``claim``: it shares at least two content words with
    what the candidate said or with the misconception."""
    said = _content(claim.quote) | _content(claim.misconception.claim)
    return len(_content(text) & said) >= 2


def _content(text: str) -> set[str]:
    return {stem(w) for w in normalize(text).split() if len(w) > 3 and w not in STOPWORDS}


def _overlap(a: str, b: str) -> float:
    wa, wb = set(normalize(a).split()), set(normalize(b).split())
    return len(wa & wb) / max(1, min(len(wa), len(wb)))


def _known(knowledge: Any, misconception_id: str) -> Misconception | None:
    if knowledge is None or misconception_id == OTHER_CLAIM:
        return None
    try:
        return knowledge.misconception(misconception_id)  # type: ignore[no-any-return]
    except KeyError:
        return None
