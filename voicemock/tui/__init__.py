"""The full-screen app (Textual). Only this package imports textual."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voicemock.app.wiring import PracticePlan
    from voicemock.config import Settings


def run_app(settings: Settings, plan: PracticePlan | None = None) -> int:
    """Open the app on Home, or straight on the Interview screen for ``plan``.

    What native libraries print while it runs goes to ``<data dir>/logs/app.log``, not onto
    the screen; if the app crashes, its report is printed once the terminal is restored.
    Returns the exit status: 0, or 1 after a crash."""
    from voicemock.store import Store
    from voicemock.tui.app import VoicemockApp
    from voicemock.tui.terminal import driver_drawing_on, redact_log_since, stderr_to_log

    with Store(settings.resolved_data_dir) as store:
        store.ensure_sound()  # a data folder that cannot be used is one line here, not a crash
    log = Path(settings.resolved_data_dir) / "logs" / "app.log"
    start = log.stat().st_size if log.is_file() else 0
    with stderr_to_log(log) as terminal:
        driver = driver_drawing_on(terminal) if terminal is not None else None
        app = VoicemockApp(settings, plan=plan, driver_class=driver)
        app.run()
    if app.stopped_by is not None:  # SIGTERM or SIGHUP: the round's thread may not have ended
        with Store(settings.resolved_data_dir) as store:
            store.close_owned(app.stopped_by.cause)
        sys.stderr.write(f"voicemock: {app.stopped_by.notice}\n")
    written = redact_log_since(log, start)
    if app.return_code and written.strip():
        sys.stderr.write(written.rstrip() + f"\n(this report is also in {log})\n")
    return app.return_code or 0
