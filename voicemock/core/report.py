"""Session reports: Markdown for people, JSON-ready dicts for programs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from voicemock.core.coaching import CLAIM, FILLER, PAUSE, Coaching
from voicemock.core.compare import Comparison
from voicemock.core.judge import Scorecard
from voicemock.core.stored import LlmCall, StoredSession


def _clock(seconds: float | None) -> str:
    seconds = float(seconds or 0.0)
    return f"{int(seconds // 60):02d}:{seconds % 60:04.1f}"


def bar(score: float, width: int = 4) -> str:
    filled = max(0, min(width, int(round(score))))
    return "█" * filled + "░" * (width - filled)


def delivery_summary(d: Mapping[str, Any]) -> str:
    return (
        f"{d['words']} words, {d['words_per_minute']:.0f} wpm, "
        f"{d['fillers']} filler(s) ({d['fillers_per_100_words']} per 100 words), "
        f"{d['long_pauses']} long pause(s) (longest {d['longest_pause_s']:.1f} s), "
        f"first word after {d['time_to_first_word_s']:.1f} s, "
        f"{d['hedges']} hedge(s) / {d['commitments']} commitment(s), length {d['length']}"
    )


def usage_summary(calls: Sequence[LlmCall]) -> str:
    """'3 LLM call(s), 1,234 tokens (1,000 prompt + 234 completion), 1 failed'."""
    if not calls:
        return ""
    prompt = sum(c.prompt_tokens or 0 for c in calls)
    completion = sum(c.completion_tokens or 0 for c in calls)
    failed = sum(1 for c in calls if not c.ok)
    text = (
        f"{len(calls)} LLM call(s), {prompt + completion:,} tokens "
        f"({prompt:,} prompt + {completion:,} completion)"
    )
    return text + (f", {failed} failed" if failed else "")


def scorecard_markdown(card: Scorecard) -> list[str]:
    lines = [
        f"**Verdict: {card.recommendation}** — overall {card.overall:.2f} / 4 "
        f"(brain: {card.brain}, rubric {card.rubric_version or '?'})",
        *(
            [f"A hiring committee passes answers read like these {card.committee:.0%} of the time."]
            if card.committee is not None
            else []
        ),
        "",
        "| Dimension | Score | |",
        "|---|---|---|",
    ]
    for dim in card.dimensions:
        lines.append(f"| {dim.title} | {dim.score} / 4 | `{bar(dim.score)}` |")
    lines.append("")
    for reason in card.caps:
        lines.append(f"- **Capped at no hire:** {reason}")
    coaching = card.coaching or Coaching()
    for claim in card.incorrect:
        mark = coaching.mark_for(claim.quote, CLAIM)
        lines.append(f"- **{claim.line}**" + (f" ({mark.at})" if mark else ""))
    if card.caps or card.incorrect:
        lines.append("")
    for dim in card.dimensions:
        lines.append(f"### {dim.title}: {dim.score} / 4")
        if dim.llm_score is not None:
            lines.append(
                f"LLM {dim.llm_score}, offline {dim.offline_score}"
                + (" — **disputed**" if dim.disputed else "")
            )
            lines.append("")
        for flag in dim.flags:
            lines.append(f"- Flag: {flag}")
        for why in dim.uncertain:
            lines.append(f"- Uncertain: {why}")
        for quote in dim.evidence[:3]:
            mark = coaching.mark_for(quote)
            lines.append(f"> {quote}" + (f" ({mark.at})" if mark else ""))
            lines.append("")
        for gap in dim.missing:
            lines.append(f"- Missing: {gap}")
        lines.append("")
    lines += coaching_markdown(coaching)
    if card.missing_concepts:
        lines.append("### Concepts not explained")
        lines += [f"- {c}" for c in card.missing_concepts]
        lines.append("")
    if card.hints:
        lines.append("### What a strong answer would add")
        lines += [f"- {h}" for h in card.hints]
        lines.append("")
    if card.delivery is not None:
        lines.append("### Delivery")
        lines.append(delivery_summary(card.delivery.to_dict()))
        lines.append("")
        lines += [f"- {n}" for n in card.delivery_notes]
        lines.append("")
    for note in card.notes:
        lines.append(f"_Note: {note}_")
    return lines


OUTLINE_SIGN = {"hit": "✓", "partly": "~", "missed": "✗"}


def depth_line(held: int, asked: int) -> str:
    if not asked:
        return "no follow-ups asked"
    return f"held {held} of {asked} follow-up level(s)"


def coaching_markdown(coaching: Coaching) -> list[str]:
    """Depth held per question, the model outline, and where the fillers and pauses were."""
    lines: list[str] = []
    if coaching.depth:
        lines.append("### Follow-up depth")
        for d in coaching.depth:
            lines.append(f"- {d.question_id}: {depth_line(d.held, d.asked)}")
            for n, level in enumerate(d.levels, 1):
                sign = "✓" if level.held else "✗"
                lines.append(f"  - {sign} level {n}: {level.prompt} — {level.why}")
        lines.append("")
    if coaching.outline:
        lines.append("### Model outline")
        for p in coaching.outline:
            where = f" ({p.mark.at})" if p.mark else ""
            quote = f" — “{p.quote}”{where}" if p.quote and p.status != "missed" else ""
            lines.append(f"- {OUTLINE_SIGN.get(p.status, '?')} {p.status}: {p.text}{quote}")
        lines.append("")
    moments = [m for m in coaching.marks if m.kind in (FILLER, PAUSE)]
    if moments:
        lines.append("### Fillers and long pauses")
        lines += [f"- {m.at}: {m.text}" for m in moments]
        lines.append("")
    return lines


def signed(value: float) -> str:
    """+2, -1, or ±0."""
    return f"{value:+g}" if value else "±0"


def comparison_lines(c: Comparison) -> list[str]:
    """A drill's comparison as plain lines (Markdown-friendly)."""
    arrow = {1: "↑", -1: "↓", 0: "="}[c.verdict_moved]
    lines = [
        f"Then {c.before}: {c.verdict[0]} ({c.overall[0]:.2f})   "
        f"Now {c.after}: {c.verdict[1]} ({c.overall[1]:.2f})  {arrow}",
        "",
        f"{'Dimension':<38} then  now  change",
    ]
    for d in c.dimensions:
        then = "-" if d.then is None else str(d.then)
        now = "-" if d.now is None else str(d.now)
        lines.append(f"  {d.title[:36]:<36} {then:>4} {now:>4}  {signed(d.delta)}")
    if c.depth is not None:
        (h0, a0), (h1, a1) = c.depth
        lines.append(
            f"  {'Follow-up depth held':<36} {h0:>2}/{a0:<1} {h1:>2}/{a1:<1}  {signed(h1 - h0)}"
        )
    lines.append("")
    for title, items, _ in c.sections():
        lines.append(f"{title}:")
        lines += [f"  - {item}" for item in items]
    lines += c.unchanged()
    if c.delivery:
        lines.append("Delivery:")
        for change in c.delivery:
            sign = {True: "better", False: "worse", None: ""}[change.better]
            unit = f" {change.unit}" if change.unit else ""
            lines.append(
                f"  {change.name:<17} {change.then:g} → {change.now:g}{unit}  {sign}".rstrip()
            )
    return lines


def session_markdown(session: StoredSession) -> str:
    """A readable record of one session: every exchange, then the scorecard."""
    lines = [
        f"# voicemock session {session.id}",
        "",
        f"- Round: {session.round}",
        f"- Brain: {session.brain}",
        f"- Mode: {session.mode}",
        f"- Started: {session.started_at}",
        f"- Status: {session.status}" + (f" ({session.error})" if session.error else ""),
    ]
    if session.again_of:
        lines.append(f"- Drill: answers again the questions of {session.again_of}")
    settings = session.settings
    if settings.get("llm_model"):
        lines.append(f"- Interviewer LLM: {settings['llm_model']} at {settings['llm_endpoint']}")
    if session.llm_calls:
        lines.append(f"- LLM usage: {usage_summary(session.llm_calls)}")
    lines += ["", "## Transcript", ""]
    for turn in session.turns:
        who = "Follow-up" if turn.is_follow_up else "Question"
        lines.append(f"**{who} {turn.index}:** {turn.prompt}")
        lines.append("")
        for seg in turn.segments:
            lines.append(f"- `{_clock(seg.start)}` {seg.text}")
        if not turn.segments:
            lines.append(f"- {turn.transcript}")
        if turn.audio_path:
            lines.append(f"- Audio: `{turn.audio_path}` ({turn.duration_s or 0:.1f} s)")
        if turn.delivery:
            lines.append(f"- Delivery: {delivery_summary(turn.delivery)}")
        lines.append("")
    lines.append("## Scorecard")
    lines.append("")
    if session.scorecard:
        lines += scorecard_markdown(Scorecard.from_dict(session.scorecard))
    else:
        lines.append("_Not scored: the session did not finish._")
    return "\n".join(lines).rstrip() + "\n"


def session_json(session: StoredSession) -> str:
    return json.dumps(session.to_dict(), indent=2, ensure_ascii=False) + "\n"


def session_report(session: StoredSession, fmt: str) -> str:
    """The session as an export: ``fmt`` "md" (Markdown) or "json"."""
    return session_json(session) if fmt == "json" else session_markdown(session)
