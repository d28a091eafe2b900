"""Render the README's screenshots of drills, depth and stories (SVG, 80x24) from a store
filled with the test data: python scripts/make_screenshots.py"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class _Patch:
    """The one monkeypatch call the test data uses: fixed ids and times."""

    def setattr(self, target: str, value: object) -> None:
        import importlib

        module, _, name = target.rpartition(".")
        setattr(importlib.import_module(module), name, value)


async def _shoot(data: Path, ids: dict[str, str]) -> None:
    from voicemock.config import Settings
    from voicemock.tui.app import VoicemockApp
    from voicemock.tui.drill import ComparisonScreen
    from voicemock.tui.progress import StoriesScreen
    from voicemock.tui.scorecard import ScorecardScreen

    shots = {
        "drill.svg": lambda: ComparisonScreen(ids["first"], ids["again"]),
        "depth.svg": lambda: ScorecardScreen(ids["again"]),
        "stories.svg": StoriesScreen,
    }
    for name, make in shots.items():
        app = VoicemockApp(Settings(data_dir=data))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = make()
            await app.push_screen(screen)
            await pilot.pause()
            if name == "depth.svg":
                app.screen.query_one(".section").scroll_visible(top=True, animate=False)
                section = [w for w in app.screen.query(".section") if "depth" in str(w.content)]
                section[0].scroll_visible(top=True, animate=False)
                await pilot.pause()
            app.save_screenshot(name, str(ROOT / "docs"))
        print(f"docs/{name}")


def main() -> None:
    from tests.tui_data import fill_practice

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        ids = fill_practice(data, _Patch())
        asyncio.run(_shoot(data, ids))


if __name__ == "__main__":
    main()
