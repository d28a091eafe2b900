"""The verdict: the committee's rule over a round's dimension scores.

Each round's core dimension weighs double; a hire needs the core solid and at most one weak
secondary dimension; a strong hire needs every dimension at three or more. Caps (a central
wrong claim, an off-topic answer, injected text) hold the verdict at no hire. Where one point
on a dimension would change a close verdict, that dimension is marked uncertain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from voicemock.core.judge.schema import CAP_VERDICT, VERDICTS, DimensionScore
from voicemock.core.rubric import JudgeOptions


def capped(recommendation: str, caps: Sequence[str]) -> str:
    """A verdict held at no hire or below when anything caps it."""
    if caps and VERDICTS.index(recommendation) > VERDICTS.index(CAP_VERDICT):
        return CAP_VERDICT
    return recommendation


def verdict(
    scores: Sequence[int],
    overall: float,
    core: Sequence[int] = (),
    options: JudgeOptions | None = None,
) -> str:
    """The committee's rule: what the round is about (its core dimensions) must be solid,
    the weighted overall decides the band, and a dimension at one blocks a hire unless the
    rest is strong; a strong hire needs every dimension at three or more."""
    opts = options or JudgeOptions()
    weakest = min(scores)
    ones = sum(s <= 1 for s in scores)
    if weakest >= 3 and overall >= opts.strong_hire_overall:
        return VERDICTS[3]
    if core:
        # A round with a core: the core must be solid; one secondary dimension at one does
        # not block a hire when the rest is strong.
        core_low = min(core)
        allowed = 1 if overall >= opts.hire_allows_one_weak_at and len(scores) > 2 else 0
        hire = core_low >= 3 and ones <= allowed
    else:
        # No core: every dimension gates, as the weakest link.
        core_low = weakest
        hire = weakest >= 2 and (weakest >= 3 or overall >= opts.hire_with_a_two_overall)
    if hire and overall >= opts.hire_overall:
        return VERDICTS[2]
    if overall >= opts.no_hire_floor or core_low >= 2:
        return VERDICTS[1]
    return VERDICTS[0]


def weighed(
    dims: Sequence[DimensionScore],
    weights: Mapping[str, float],
    caps: Sequence[str],
    options: JudgeOptions,
) -> tuple[float, str]:
    """The weighted overall and the verdict for these dimension scores."""
    total = sum(weights.get(d.id, 1.0) for d in dims)
    overall = round(sum(d.score * weights.get(d.id, 1.0) for d in dims) / total, 2)
    core = [d.score for d in dims if weights.get(d.id, 1.0) > 1]
    scores = [d.score for d in dims]
    return overall, capped(verdict(scores, overall, core, options), caps)


def close_calls(
    dims: Sequence[DimensionScore],
    weights: Mapping[str, float],
    overall: float,
    recommendation: str,
    options: JudgeOptions,
) -> list[DimensionScore]:
    """Dimensions where one point either way would change the verdict, in a round whose
    overall sits close to the line, marked uncertain: the judge is least sure exactly there."""
    lines = (options.hire_overall, options.strong_hire_overall)
    if min(abs(overall - line) for line in lines) > options.close_call:
        return list(dims)
    out = []
    for i, dim in enumerate(dims):
        flips = []
        for step in (-1, 1):
            if not 1 <= dim.score + step <= 4:
                continue
            moved = [*dims[:i], replace(dim, score=dim.score + step), *dims[i + 1 :]]
            _, other = weighed(moved, weights, (), options)
            if other != recommendation:
                flips.append(other)
        if flips:
            why = f"a close call: one point here makes it {' or '.join(flips)}"
            dim = replace(dim, uncertain=(*dim.uncertain, why))
        out.append(dim)
    return out
