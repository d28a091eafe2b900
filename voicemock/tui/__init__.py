"""The full-screen app (Textual). Only this package imports textual."""

from __future__ import annotations

from typing import Any


def run_app(settings: Any, plan: Any = None) -> None:
    """Open the app on Home, or straight on the Interview screen for ``plan``."""
    from voicemock.tui.app import VoicemockApp

    VoicemockApp(settings, plan=plan).run()
