"""Reading an answer: what a sentence does (reasons, lists, stories) and whether it is on topic.

Everything here works on one sentence or on the words of a question, with no rubric
thresholds: :mod:`voicemock.core.judge.dimensions` turns these readings into scores.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from voicemock.core.bank import Question
from voicemock.core.text import PhraseSet, find_phrases, normalize

_DIGIT = re.compile(r"\d")
_JOINS = re.compile(r"(?<![a-z0-9])(?:and|or|plus|also|as well as)(?![a-z0-9])")
_LIST_GLUE = frozenset(
    ["and", "or", "plus", "also", "as", "well", "the", "a", "an", "some", "its", "their", "then"]
)
# "so" links a cause to its consequence mid-sentence; at the start it is only a filler.
_CONSEQUENCE = re.compile(r"(?<=[a-z0-9]) so (?!much|many|far|on|forth)")

STOPWORDS = frozenset(
    """a an the and or but if then than so of to in on at by for with from into onto about as
    is are was were be been being am do does did done have has had having it its it s this that
    these those there their they them we our us you your i me my mine he she his her what which
    who whom whose when where why how would could should will shall can may might must just
    also very really quite too more most much many some any all each every other another such
    own same not no nor only both either neither one ones while because since though although
    until after before over under again further once here out up down off yes okay ok um uh
    like know mean think thing things way get got make made going go let lets s t d ll re ve
    m don doesn isn aren wasn weren won wouldn shouldn couldn""".split()  # noqa: SIM905
)
# Words that sound like a reason but explain nothing on their own ("because it matters").
VAGUE = frozenset(
    """important importance matters matter mattered critical crucial essential key necessary
    needed need needs good great better best nice reliable reliability robust robustness
    safe safety correct correctness quality scalable scalability scale performance performant
    efficient efficiency resilient resilience stable stability valuable value helpful helps
    help useful right proper properly stuff everything anything something everyone anyone
    industry standard practice practices modern world class obviously clearly basically
    generally simply sense makes good bad required requirement requirements works work
    working fine ideal optimal""".split()  # noqa: SIM905
)
# Question words that say nothing about what this question asks.
GENERIC = frozenset(
    """tell describe walk talk explain give present show think approach handle handled
    example time times would like want wants need needs team teams company product products
    feature features customer customers user users confluent kafka build built design
    designed work worked working new make decide decided plan first next year years quarter
    week weeks day days month months today people person someone something thing way ways
    part role good best most biggest right wrong help""".split()  # noqa: SIM905
)

NUMBER_WORDS = frozenset(
    """two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
    hundred hundreds thousand thousands million millions billion dozen dozens half double
    doubled twice triple tripled halved quarter""".split()  # noqa: SIM905
)
_UNITS = (
    r"(?:second|minute|hour|day|week|month|quarter|year|percent|%|point|customer|account|"
    r"user|ticket|engineer|team|deal|dollar|k|x|time|release|incident|page|call|region|"
    r"partition|service|consumer|topic|record|message)s?"
)
_MEASURE = re.compile(
    rf"(?<![a-z0-9])(?:\d[\d.,]*|{'|'.join(sorted(NUMBER_WORDS))})(?:\s(?:more|fewer|less|"
    rf"extra|new|of|the|our|per|a|an))*\s{_UNITS}(?![a-z0-9])|(?<![a-z0-9])(?:doubled|halved|"
    r"tripled|twice as|half the|went from|dropped from|fell from|rose from|down from|up from|"
    r"instead of \w+ (?:days|weeks|hours|months))(?![a-z0-9])"
)
# Irregular past tenses a candidate uses for their own actions ("I wrote", "I ran").
_IRREGULAR = (
    "built led wrote ran made took brought set sent spent met found chose gave sat got drew "
    "pulled cut put kept held began spoke told went rewrote sold bought shut caught dug "
    "fought flew drove won lost paid laid dealt meant taught thought sought stood understood "
    "did saw"
)
_NOT_ACTIONS = frozenset(
    [
        "was",
        "were",
        "had",
        "felt",
        "thought",
        "knew",
        "believed",
        "wanted",
        "liked",
        "hoped",
        "seemed",
        "needed",
        "loved",
        "hated",
        "guess",
        "assumed",
        "expected",
        "meant",
        "saw",
    ]
)
_FIRST_PERSON_PAST = re.compile(
    r"(?<![a-z0-9])i (?:\w+ly |then |also |first |finally |eventually |personally |quickly |"
    rf"immediately |just |even |actually )?((?:\w+ed)|(?:{'|'.join(_IRREGULAR.split())}))"
    r"(?![a-z0-9])"
)


def content_words(norm: str) -> list[str]:
    return [w for w in norm.split() if len(w) > 2 and w not in STOPWORDS]


def stem(word: str) -> str:
    """A crude stem, enough to match "payments" with "payment" and "ordering" with "order"."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "ed", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:7]


def substantive(norm: str) -> bool:
    """Whether a stretch of words says something: a number, or two words that are not vague."""
    if _DIGIT.search(norm):
        return True
    words = [w for w in content_words(norm) if w not in VAGUE]
    return len(words) >= 2


def reason_split(norm: str, reasoning: PhraseSet) -> tuple[str, str] | None:
    """(head, reason) at the first marker whose reason says something; None if there is none.

    "because it matters" or "so it is reliable" give no reason; "because forty consumers
    cannot upgrade at once" does.
    """
    spans = sorted(
        [*reasoning.spans(norm), *(m.span() for m in _CONSEQUENCE.finditer(norm))],
    )
    for start, end in spans:
        if start == 0 and norm.startswith("so "):
            continue  # "So we'd use..." opens the sentence: a filler, not a consequence
        after = " ".join(norm[end:].split()[:14])
        # A marker can carry the substance itself ("the cost is latency", "slower").
        marker = norm[start:end]
        if substantive(after) or (
            substantive(f"{marker} {after}") and marker not in {"because", "since", "so"}
        ):
            return norm[:start].strip(), norm[start:].strip()
    if _DIGIT.search(norm):
        return "", norm
    return None


def enumeration(raw: str) -> bool:
    """Items strung on commas, the last on "and": four or more, nearly all short noun phrases
    ("partition keys, ordering guarantees, max in flight and a consumer group")."""
    parts = raw.strip().rstrip(",.").split(",")
    if len(parts) < 3:
        return False
    items = [i for part in parts for i in re.split(r"\s(?:and|or)\s", part) if i.strip()]
    short = sum(len(i.split()) <= 4 for i in items[1:])
    return len(items) >= 4 and short >= 0.75 * (len(items) - 1)


def list_like(raw: str, norm: str, terms: PhraseSet) -> bool:
    """A buzzword list: mostly domain terms, or items strung on commas."""
    if not norm:
        return False
    covered = bytearray(len(norm))
    for start, end in terms.spans(norm):
        covered[start:end] = b"\x01" * (end - start)
    letters = sum(1 for ch in norm if ch != " ")
    term_letters = sum(1 for ch, c in zip(norm, covered, strict=True) if c and ch != " ")
    words = len(norm.split())
    # Commas that separate items: not the one after an opener ("Third, ...", "So, ...") nor
    # one the head ends on.
    body = raw.strip().rstrip(",")
    opener = body.split(",", 1)[0]
    if "," in body and len(opener.split()) <= 2:
        body = body.split(",", 1)[1]
    commas = body.count(",")
    if (letters > 0 and term_letters / letters >= 0.6) or (commas >= 2 and commas * 3 >= words):
        return True
    if enumeration(body):
        return True
    # Spoken lists are strung on "and" as often as on commas: three terms or more in a row,
    # nothing but "and", "or" or an article between them, is an enumeration.
    spans = sorted(terms.spans(norm))
    chained = longest = 0
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        gap = norm[end:start].split()
        if gap and all(w in _LIST_GLUE for w in gap) and _JOINS.search(" ".join(gap)):
            chained += 1
            longest = max(longest, chained)
        else:
            chained = 0
    return longest >= 2


def raw_head(raw: str, head_norm: str) -> str:
    """The raw text of a sentence up to where its normalised head ends (for counting commas)."""
    if not head_norm:
        return ""
    words = head_norm.split()
    out, seen = [], 0
    for token in raw.split():
        out.append(token)
        seen += len(normalize(token).split())
        if seen >= len(words):
            break
    return " ".join(out)


# -- stories --------------------------------------------------------------------------------
def own_actions(norm: str) -> list[str]:
    """First-person past-tense actions: "I pulled", "I wrote", "I then escalated"."""
    return [v for v in _FIRST_PERSON_PAST.findall(norm) if v not in _NOT_ACTIONS]


_PAST = re.compile(
    rf"(?<![a-z0-9])(?:was|were|had|did|\w{{3,}}ed|{'|'.join(_IRREGULAR.split())})(?![a-z0-9])"
)


# Verbs a candidate gives an instruction with ("Key by order id", "Turn checkpoints on").
_IMPERATIVE = re.compile(
    r"^(?:(?:so|then|and|first|second|third|next|finally|also|just|now|ok|okay|um|uh)\s)*"
    r"(?:use|turn|set|add|keep|key|stop|pause|move|make|ship|pick|start|drop|put|write|run|"
    r"enable|disable|switch|cap|raise|lower|split|build|plan|give|ask|tell|wait|size|route|"
    r"send|reject|block|retire|deprecate|migrate|measure|track|alert|launch|cut|freeze|fix|"
    r"do|don t|never|always|go|choose|prioriti[sz]e|invest|partner|price|charge|hire|delay|"
    r"limit|throttle|replay|upsert|dedupe|deduplicate|checkpoint|partition|register|"
    r"version|test|roll)(?![a-z0-9])"
)


# A proposal made tentatively ("we could add a check", "I'd probably key by order id",
# "maybe start with a cap"): a decision in an unsure voice, which hedging marks down by a point
# but does not turn into no decision.
_TENTATIVE = re.compile(
    r"(?<![a-z0-9])(?:(?:we|you|i) (?:could|might|may|can)|(?:we|i|you) (?:d|would|should)"
    r" (?:probably|maybe|perhaps|likely)|(?:maybe|perhaps|probably) (?:we|i|you) (?:d|would|"
    r"should|could|can|will|ll)|(?:maybe|perhaps|probably) (?:just )?(?:start|go|use|add|key|"
    r"build|ship|keep|set|cap|put|make|turn|run|move|pick|try))(?: (?:just|also|first|then|"
    r"still))? (?!(?:be|have|not|say|see|think|guess|want|need|know|lose|get|end|break|fail|"
    r"miss|hit|face|cause|lead|happen|notice|run out|suffer|hurt)(?![a-z0-9]))[a-z]{2,}"
)


def tentative(norm: str) -> int:
    """Proposals made in an unsure voice in a sentence (normalised)."""
    return len(_TENTATIVE.findall(norm))


def imperative(norm: str) -> bool:
    """An instruction: the sentence opens with a verb in the imperative ("Key by order id")."""
    return bool(_IMPERATIVE.match(norm))


def past_tense(norm: str) -> bool:
    """Told in the past: "was", "had", "promised", "asked", "ran"."""
    return bool(_PAST.search(norm))


def measured(norm: str) -> bool:
    """A result in numbers, in digits or in words ("forty minutes", "doubled", "3 days")."""
    return bool(_MEASURE.search(norm)) or bool(re.search(r"\d", norm))


# -- relevance ------------------------------------------------------------------------------
def question_terms(question: Question) -> set[str]:
    """The stems of what a question is about: its specific words, not "tell me" or "team"."""
    words = content_words(normalize(question.text))
    return {stem(w) for w in words if w not in GENERIC and w not in VAGUE}


def relevance(question: Question, norms: Sequence[str]) -> float:
    """How much of what the question asks the answer touches, 0 to 1.

    The larger of two readings: the share of the question's concepts (by weight) the answer
    mentions at all, and the share of the question's own specific words it uses.
    """
    text = " ".join(norms)
    if not text.strip():
        return 0.0
    total = sum(c.weight for c in question.concepts)
    touched = sum(c.weight for c in question.concepts if find_phrases(text, c.phrases))
    concept_share = touched / total if total else 0.0
    terms = question_terms(question)
    answer_stems = {stem(w) for w in content_words(text)}
    word_share = len(terms & answer_stems) / len(terms) if terms else concept_share
    return max(concept_share, word_share)


def applies(patterns: Iterable[str], question_text: str) -> bool:
    """A dimension with ``applies_when`` phrases is judged only on questions that use one."""
    patterns = tuple(patterns)
    return not patterns or bool(find_phrases(normalize(question_text), patterns))
