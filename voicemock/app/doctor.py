"""`voicemock doctor`: each part voicemock depends on, checked the way a session uses it."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from voicemock.config import Settings
from voicemock.errors import VoicemockError


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok, warn or fail
    detail: str


def _data_folder(settings: Settings) -> list[Check]:
    from voicemock.store import Store
    from voicemock.store.db import DB_NAME

    folder = settings.resolved_data_dir
    try:
        with Store(folder) as store:
            damage = store.damage()
            count = len(store.list_sessions(limit=100_000)) if damage is None else 0
    except VoicemockError as exc:
        return [Check("data folder", "fail", str(exc))]
    if damage is not None:
        return [
            Check("data folder", "ok", str(folder)),
            Check("session database", "fail", f"integrity check failed: {damage}"),
        ]
    return [
        Check("data folder", "ok", f"{folder} ({count} session(s))"),
        Check("session database", "ok", f"{DB_NAME}: SQLite integrity check passed"),
    ]


def _speech_model(settings: Settings) -> Check:
    from voicemock.stt.whisper import resolve_model

    try:
        choice = resolve_model(settings.model)
    except VoicemockError as exc:
        return Check("speech model", "fail", str(exc))
    note = " (downloaded on first use)" if choice.downloads else ""
    return Check("speech model", "ok", f"{choice.label}: {choice.location}{note}")


def _turn_model() -> Check:
    import numpy as np

    from voicemock.audio.turn import MODEL_FILE, TurnModel

    try:
        model = TurnModel()
        model.complete(np.zeros(16_000, dtype=np.float32))
    except VoicemockError as exc:
        return Check(
            "end-of-turn model", "warn", f"{exc}; spoken answers end on Enter or the ceiling"
        )
    return Check(
        "end-of-turn model",
        "ok",
        f"Smart Turn v3 ({MODEL_FILE}), {model.last_seconds * 1000:.0f} ms",
    )


def _judge() -> Check:
    """The judge's meaning model: loaded and timed on one sentence; and its calibration."""
    import time

    from voicemock.app import resources

    try:
        scorer = resources.scorer()
    except VoicemockError as exc:
        return Check("judge", "fail", str(exc))
    if scorer.meaning is None:
        return Check("judge", "warn", scorer.notice or "reading by phrases only")
    start = time.perf_counter()
    scorer.meaning.similarity(["the broker drops a resent batch"], ["idempotent producer"])
    seconds = time.perf_counter() - start
    calibrated = "calibrated" if scorer.calibration is not None else "not calibrated"
    return Check(
        "judge", "ok", f"meaning model {scorer.meaning.name}, {calibrated}, {seconds:.2f} s to load"
    )


def _voices(settings: Settings) -> list[Check]:
    """Each voice renders one short line, timed (into a throwaway folder)."""
    import tempfile

    from voicemock.tts import Speaker, SpeechError

    checks = []
    chosen = settings.voice
    for voice in ("piper", "system"):
        name = f"voice: {voice}" + (" (chosen)" if voice == chosen else "")
        with tempfile.TemporaryDirectory() as tmp:
            notices: list[str] = []
            speaker = Speaker(Path(tmp), voice=voice, on_notice=notices.append)
            try:
                started = time.perf_counter()
                speaker.load().result()
                loaded = time.perf_counter()
                speaker.render("How would you keep ordering per customer?").result()
                done = time.perf_counter()
            except SpeechError as exc:
                status = "warn" if voice != chosen else "fail"
                checks.append(Check(name, status, f"{exc}; questions are shown as text"))
                continue
            finally:
                speaker.close()
        if notices:  # Piper fell back to the system voice
            status = "warn" if voice == chosen else "ok"
            checks.append(Check(name, status, notices[0]))
            continue
        detail = f"{speaker.engine.detail}: loaded in {loaded - started:.2f} s, one line in "
        checks.append(Check(name, "ok", detail + f"{done - loaded:.2f} s"))
    if chosen == "none":
        checks.append(Check("voice: none (chosen)", "ok", "questions are shown as text only"))
    return checks


def _microphone() -> Check:
    from voicemock.audio.devices import list_devices

    try:
        found = [d for d in list_devices() if d.inputs > 0]
    except VoicemockError as exc:
        return Check("microphone", "warn", f"{exc}")
    if not found:
        return Check("microphone", "warn", "no input device; practise with --replay FILE")
    default = next((d for d in found if d.is_default_input), found[0])
    return Check("microphone", "ok", f"{len(found)} input device(s); default: {default.name}")


def _llm(settings: Settings) -> list[Check]:
    from voicemock.llm import ChatClient, LLMError, resolve_llm_config

    configured = (
        settings.brain == "llm"
        or settings.llm_base_url
        or os.environ.get("OPENAI_BASE_URL")
        or os.environ.get("OPENAI_API_KEY")
    )
    if not configured:
        return [
            Check(
                "LLM",
                "ok",
                "not configured; the offline interviewer is used (set OPENAI_API_KEY, or "
                "OPENAI_BASE_URL for a local server, and pass --brain llm)",
            )
        ]
    try:
        config = resolve_llm_config(
            settings.llm_model, settings.llm_base_url, settings.llm_timeout, retries=0
        )
    except VoicemockError as exc:
        return [Check("LLM", "fail", str(exc))]
    key = "API key set" if config.api_key else "no API key (local endpoint)"
    client = ChatClient(config)
    try:
        served = client.served_models()
    except LLMError as exc:
        return [Check("LLM endpoint", "fail", f"{exc} ({key})")]
    checks = [
        Check(
            "LLM endpoint",
            "ok",
            f"{config.endpoint} answers ({key}); serves: {', '.join(served[:5]) or 'no models'}"
            + (f" and {len(served) - 5} more" if len(served) > 5 else ""),
        )
    ]
    try:
        model = client.choose_model()
    except LLMError as exc:
        return [*checks, Check("LLM model", "fail", str(exc))]
    if served and model not in served:
        checks.append(Check("LLM model", "warn", f"'{model}' is not in the endpoint's model list"))
    started = time.perf_counter()
    try:
        reply = client.complete(
            [{"role": "user", "content": "Reply with the single word: ready"}],
            purpose="doctor",
            max_tokens=5,
            temperature=0,
        )
    except LLMError as exc:
        return [*checks, Check("LLM chat", "fail", f"{model}: {exc}")]
    seconds = time.perf_counter() - started
    checks.append(
        Check("LLM chat", "ok", f"{model} replied in {seconds:.2f} s: {reply.strip()[:40]!r}")
    )
    return checks


def run_checks(settings: Settings) -> list[Check]:
    return [
        *_data_folder(settings),
        _speech_model(settings),
        _turn_model(),
        _judge(),
        *_voices(settings),
        _microphone(),
        *_llm(settings),
    ]
