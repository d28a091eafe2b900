"""What a screen may ask of the app: its settings, the store, exports, and where to go next.

The app owns navigation: a screen never constructs another screen, it asks the app
(``services(self).show_scorecard(...)``), so screens do not import each other and the
app is the one module that knows them all. This module imports no screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from voicemock.app.wiring import PracticePlan
    from voicemock.config import Settings
    from voicemock.core.stored import StoredSession
    from voicemock.round.ports import Transcriber
    from voicemock.store import Store


class Services(Protocol):
    """The app as its screens see it."""

    settings: Settings
    transcriber: Transcriber | None

    def open_store(self) -> Store: ...

    def export_session(self, session_id: str, fmt: str) -> None: ...

    # -- where to go --------------------------------------------------------------------
    def start_round(self, plan: PracticePlan) -> None:
        """The interview screen for ``plan``, on top of the current screen."""

    def round_finished(self, session_id: str, again_of: str | None) -> None:
        """Replace the interview with its scorecard (or the comparison, for a drill)."""

    def show_scorecard(self, session_id: str) -> None: ...

    def show_comparison(self, before: str, after: str) -> None: ...

    def offer_drill(self, session: StoredSession) -> None:
        """Ask how to answer a session's questions again; start the round if chosen."""

    def show_stories(self) -> None: ...

    def action_review(self, session_id: str | None = None) -> None: ...


def services(node: DOMNode) -> Services:
    """The app of a screen or widget, typed as what screens may use."""
    return cast("Services", node.app)
