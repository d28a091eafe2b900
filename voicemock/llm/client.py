"""One chat call to an OpenAI-compatible endpoint: deadlines, retries, errors without secrets.

The openai SDK's own retries are switched off so that every retry is bounded and
visible here, a long Retry-After is not waited out in the middle of an interview,
and every error reaches the user as one line with the API key scrubbed out.

Every call has a wall-clock deadline. The HTTP timeout only bounds the gap between
two bytes, so a server that trickles keep-alive comments or one byte at a time would
hold a round forever; here the call runs on a worker thread and the caller stops
waiting at the deadline, whatever the connection does. A streamed reply may also be
given a shorter budget for its first words. An endpoint that failed is not called
again by the same client: the rest of the round (or of a re-scoring run) falls back
at once instead of waiting out the same failure again.
"""

from __future__ import annotations

import email.utils
import ipaddress
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from voicemock.errors import STOPPING, ConfigError, VoicemockError

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
OPENAI_URL = "https://api.openai.com/v1"
_KEYLIKE = re.compile(r"\b(sk|key|pk|rk)-[A-Za-z0-9_\-*.]{4,}")
_REFUSAL = re.compile(
    r"^\s*(i'?m sorry|i am sorry|sorry, (but )?i|i can'?not|i can'?t|i cannot|i'?m unable|"
    r"i am unable|i won'?t|as an ai)\b",
    re.IGNORECASE,
)
WARM_UP = "warm_up"
"""The purpose recorded for a warm-up request (see :meth:`ChatClient.warm`)."""
RETRYABLE = frozenset({"rate_limit", "server", "connection"})
"""Fast failures worth one more try. A timeout is not retried: the deadline was the budget."""
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI sequences (colours, cursor moves, erase)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC (titles, hyperlinks, clipboard)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b.?"  # any other escape
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


def clean_model_text(text: str) -> str:
    """Model text as it may be shown, spoken, stored or exported: no terminal escape or control
    sequences, no bidirectional overrides (newlines and tabs are kept)."""
    return _CONTROL.sub("", text)


def redact_url(url: str) -> str:
    """The endpoint as it may be shown: no user name, password or query string."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host in {"localhost", ""} or host.endswith(".local"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local


@dataclass(frozen=True)
class LLMConfig:
    """Where the LLM is and how long to wait for it. The key is never printed or stored."""

    model: str
    base_url: str = OPENAI_URL
    api_key: str | None = field(default=None, repr=False)
    timeout_s: float = 30.0
    """Wall-clock deadline for one attempt of a call, from request to last byte."""
    retries: int = 2
    max_wait_s: float = 20.0
    """The longest Retry-After honoured; a longer one is a failure (fall back now)."""
    first_words_s: float = 4.0
    """How long a streamed follow-up may take to start arriving before the offline
    interviewer's follow-up is asked instead."""

    @property
    def endpoint(self) -> str:
        return redact_url(self.base_url)

    @property
    def label(self) -> str:
        return f"{self.model} at {self.endpoint}"

    def public(self) -> dict[str, Any]:
        """What may be stored with a session."""
        return {"llm_model": self.model, "llm_endpoint": self.endpoint}

    def redact(self, text: str) -> str:
        """``text`` with the API key (and anything shaped like one) removed."""
        key = self.api_key
        if key:
            text = text.replace(key, "[key]")
            if len(key) >= 12:
                text = text.replace(key[:8], "[key]").replace(key[-6:], "[key]")
        if self.base_url != redact_url(self.base_url):
            text = text.replace(self.base_url, self.endpoint)
        return _KEYLIKE.sub("[key]", text)


def resolve_llm_config(
    model: str | None = None,
    base_url: str | None = None,
    timeout_s: float | None = None,
    retries: int | None = None,
    env: Mapping[str, str] | None = None,
    first_words_s: float | None = None,
) -> LLMConfig:
    """The openai SDK's conventions: OPENAI_API_KEY, OPENAI_BASE_URL; a local URL needs no key."""
    env = os.environ if env is None else env
    url = (env.get("OPENAI_BASE_URL") or base_url or "").strip() or OPENAI_URL
    if not url.startswith(("http://", "https://")):
        raise ConfigError(
            f"LLM base URL '{redact_url(url)}' must start with http:// or https:// "
            "(OPENAI_BASE_URL or llm_base_url)"
        )
    key = env.get("OPENAI_API_KEY") or None
    if key is None and not is_local(url):
        raise ConfigError(
            f"the LLM brain needs OPENAI_API_KEY for {redact_url(url)}; or point "
            "OPENAI_BASE_URL at a local OpenAI-compatible server (no key needed), "
            "or use --brain offline"
        )
    chosen = (model or "").strip()
    if not chosen and url == OPENAI_URL:
        chosen = DEFAULT_OPENAI_MODEL  # elsewhere: ask the server which models it serves
    return LLMConfig(
        model=chosen,
        base_url=url,
        api_key=key,
        timeout_s=30.0 if timeout_s is None else timeout_s,
        retries=2 if retries is None else retries,
        first_words_s=4.0 if first_words_s is None else first_words_s,
    )


class LLMError(VoicemockError):
    """A call that failed after its retries. ``kind`` says why; the message has no secrets."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Usage:
    """One call: what it was for, how long it took and the tokens the server reported."""

    purpose: str
    model: str
    seconds: float
    ok: bool
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None
    attempts: int = 1

    @property
    def total_tokens(self) -> int | None:
        if self.prompt_tokens is None and self.completion_tokens is None:
            return None
        return (self.prompt_tokens or 0) + (self.completion_tokens or 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "model": self.model,
            "seconds": round(self.seconds, 3),
            "ok": self.ok,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "attempts": self.attempts,
            "error": self.error,
        }


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = email.utils.parsedate_to_datetime(value) if value else None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def looks_like_refusal(text: str) -> bool:
    return bool(_REFUSAL.match(text))


class ChatClient:
    """Chat completions with bounded retries; every call's usage is recorded in ``calls``."""

    def __init__(
        self,
        config: LLMConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[str], None] = lambda message: None,
    ) -> None:
        from openai import OpenAI

        self.config = config
        self.sleep = sleep
        self.on_retry = on_retry
        self.calls: list[Usage] = []
        self.failed: LLMError | None = None
        """The failure that ended this client's use of the endpoint; later calls fail at once."""
        self._client = OpenAI(
            api_key=config.api_key or "no-key-needed",
            base_url=config.base_url,
            timeout=config.timeout_s,
            max_retries=0,
        )

    @property
    def model(self) -> str:
        return self.config.model

    def served_models(self) -> list[str]:
        """The model ids the endpoint lists (GET /models)."""

        def listing(cancelled: Callable[[], bool], started: Callable[[], None]) -> list[str]:
            try:
                page = self._client.models.list()
                return [clean_model_text(str(m.id)) for m in page.data]
            except Exception as exc:
                raise self._error(exc) from None

        return self._bounded(listing, self.config.timeout_s, None, "list its models")

    def choose_model(self) -> str:
        """Fill in the model from the server when none was configured (local servers)."""
        if self.config.model:
            return self.config.model
        served = self.served_models()
        if not served:
            raise LLMError(
                "config",
                f"{self.config.endpoint} lists no models; set llm_model in the config file "
                "or VOICEMOCK_LLM_MODEL",
            )
        from dataclasses import replace

        self.config = replace(self.config, model=served[0])
        return served[0]

    def complete(
        self,
        messages: Sequence[dict[str, str]],
        *,
        purpose: str,
        max_tokens: int = 400,
        response_format: dict[str, Any] | None = None,
        on_delta: Callable[[str], None] | None = None,
        temperature: float = 0.3,
        first_words_s: float | None = None,
        retries: int | None = None,
    ) -> str:
        """The reply text, cleaned of control sequences. Streams (calling ``on_delta``) when
        ``on_delta`` is given; then ``first_words_s`` bounds the wait for its first words."""
        if self.failed is not None:
            raise LLMError(self.failed.kind, f"not called again after: {self.failed}")
        started = time.perf_counter()
        attempt = 0
        retries = self.config.retries if retries is None else retries
        while True:
            attempt += 1
            try:
                text, usage = self._bounded(
                    lambda cancelled, first: self._once(
                        messages,
                        max_tokens,
                        response_format,
                        on_delta,
                        temperature,
                        cancelled,
                        first,
                    ),
                    self.config.timeout_s,
                    first_words_s if on_delta is not None else None,
                    "reply",
                )
            except Exception as exc:
                error = exc if isinstance(exc, LLMError) else self._error(exc)
                wait = self._wait_before_retry(error, exc, attempt, retries)
                if wait is None:
                    if error.kind not in {"invalid_output", "refusal", "bad_request"}:
                        self.failed = error
                    self.calls.append(
                        Usage(
                            purpose,
                            self.model,
                            time.perf_counter() - started,
                            ok=False,
                            error=f"{error.kind}: {error}",
                            attempts=attempt,
                        )
                    )
                    raise error from None
                self.on_retry(f"{error}; retrying in {wait:.1f} s")
                self.sleep(wait)
                continue
            prompt_tokens, completion_tokens = usage
            self.calls.append(
                Usage(
                    purpose,
                    self.model,
                    time.perf_counter() - started,
                    ok=True,
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    attempts=attempt,
                )
            )
            return text

    def warm(self, messages: Sequence[dict[str, str]]) -> bool:
        """Best effort: send ``messages`` for a one-token reply, so that a server with prompt
        caching has read them before the real request that starts with the same text.

        One attempt, never retried; a failure is recorded with the calls but does not mark
        the endpoint failed (the real request decides that). True if the server answered."""
        if self.failed is not None:
            return False
        started = time.perf_counter()
        try:
            _, (prompt_tokens, completion_tokens) = self._bounded(
                lambda cancelled, first: self._once(messages, 1, None, None, 0.0, cancelled),
                self.config.timeout_s,
                None,
                "warm-up",
            )
        except Exception as exc:
            error = exc if isinstance(exc, LLMError) else self._error(exc)
            self.calls.append(
                Usage(
                    WARM_UP,
                    self.model,
                    time.perf_counter() - started,
                    ok=False,
                    error=f"{error.kind}: {error}",
                )
            )
            return False
        self.calls.append(
            Usage(
                WARM_UP,
                self.model,
                time.perf_counter() - started,
                ok=True,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
            )
        )
        return True

    def _bounded(
        self,
        work: Callable[[Callable[[], bool], Callable[[], None]], Any],
        deadline_s: float,
        first_s: float | None,
        what: str,
    ) -> Any:
        """Run ``work(cancelled, started)`` on a worker thread; stop waiting at the deadline.

        ``work`` calls ``started()`` when the first words arrive; without them within
        ``first_s`` the wait ends too. A worker left behind stops at its next chunk
        (``cancelled()`` is true), or when the HTTP read timeout ends a silent connection."""
        done, first = threading.Event(), threading.Event()
        cancelled = threading.Event()
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["value"] = work(cancelled.is_set, first.set)
            except BaseException as exc:  # handed to the caller's thread
                outcome["error"] = exc
            finally:
                done.set()

        begun = time.perf_counter()
        threading.Thread(target=run, name="voicemock-llm", daemon=True).start()
        if first_s is not None and first_s < deadline_s:
            while not (done.is_set() or first.is_set() or STOPPING.is_set()):
                if not first.wait(min(0.05, first_s)) and time.perf_counter() - begun >= first_s:
                    break
            if not (done.is_set() or first.is_set()):
                cancelled.set()
                raise LLMError(
                    "timeout",
                    f"{self.config.endpoint} had not started its {what} after {first_s:g} s",
                )
        while not done.wait(min(0.1, max(0.0, deadline_s - (time.perf_counter() - begun)))):
            if STOPPING.is_set():
                cancelled.set()
                raise LLMError("interrupted", "voicemock is stopping")
            if time.perf_counter() - begun < deadline_s:
                continue
            cancelled.set()
            raise LLMError(
                "timeout",
                f"{self.config.endpoint} did not finish its {what} within {deadline_s:g} s "
                "(llm_timeout)",
            )
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def _wait_before_retry(
        self, error: LLMError, exc: Exception, attempt: int, retries: int
    ) -> float | None:
        if error.kind not in RETRYABLE or attempt > retries:
            return None
        headers = getattr(getattr(exc, "response", None), "headers", None)
        asked = _retry_after(headers) if error.kind in {"rate_limit", "server"} else None
        if asked is not None:
            if asked > self.config.max_wait_s:
                return None
            return asked
        return min(0.5 * 2 ** (attempt - 1), self.config.max_wait_s)

    def _once(
        self,
        messages: Sequence[dict[str, str]],
        max_tokens: int,
        response_format: dict[str, Any] | None,
        on_delta: Callable[[str], None] | None,
        temperature: float,
        cancelled: Callable[[], bool] = lambda: False,
        started: Callable[[], None] = lambda: None,
    ) -> tuple[str, tuple[int | None, int | None]]:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if response_format is not None:
            kwargs["response_format"] = response_format
        if on_delta is None:
            response = self._client.chat.completions.create(**kwargs)
            if not response.choices:
                raise LLMError("invalid_output", f"{self.config.endpoint} sent no choices")
            message = response.choices[0].message
            if getattr(message, "refusal", None):
                raise LLMError(
                    "refusal", f"the model declined: {self._clean(message.refusal[:120])}"
                )
            text = self._clean(message.content or "")
            usage = response.usage
            if usage is None:
                return text, (None, None)
            return text, (usage.prompt_tokens, usage.completion_tokens)
        stream = self._client.chat.completions.create(
            **kwargs, stream=True, stream_options={"include_usage": True}
        )
        parts: list[str] = []
        tokens: tuple[int | None, int | None] = (None, None)
        finished = False
        try:
            for chunk in stream:
                if cancelled():  # the caller stopped waiting: nothing more is shown
                    raise LLMError("timeout", "abandoned")
                if chunk.usage is not None:
                    tokens = (chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                for choice in chunk.choices:
                    finished = finished or choice.finish_reason is not None
                    delta = choice.delta
                    if getattr(delta, "refusal", None):
                        raise LLMError(
                            "refusal", f"the model declined: {self._clean(delta.refusal[:120])}"
                        )
                    content = self._clean(delta.content or "")
                    if content:
                        started()
                        parts.append(content)
                        on_delta(content)
        except LLMError:
            raise
        except Exception as exc:
            if not parts:
                raise
            # Part of the reply was already shown (or spoken): a retry would repeat it.
            error = self._error(exc)
            raise LLMError("stream_broken", f"{error} (the reply broke off)") from None
        finally:
            stream.close()
        if not finished:
            raise LLMError(
                "stream_broken" if parts else "connection",
                f"{self.config.endpoint} closed the stream before the reply was finished"
                + (" (the reply broke off)" if parts else ""),
            )
        return self._clean("".join(parts)), tokens

    def _clean(self, text: str) -> str:
        """What the endpoint sent, without control sequences or the API key it was sent."""
        return self.config.redact(clean_model_text(text)) if text else text

    def _error(self, exc: Exception) -> LLMError:
        """One line naming the cause and the way out, with secrets scrubbed."""
        import openai

        where = self.config.endpoint
        status = getattr(exc, "status_code", None)
        if isinstance(exc, openai.APITimeoutError):
            kind, msg = "timeout", f"{where} did not answer within {self.config.timeout_s:g} s"
        elif isinstance(exc, openai.APIConnectionError):
            kind, msg = (
                "connection",
                f"cannot reach {where} ({_cause(exc)}); is the server running?",
            )
        elif isinstance(exc, openai.RateLimitError):
            kind, msg = "rate_limit", f"{where} is rate-limiting requests (HTTP 429)"
        elif isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
            kind, msg = (
                "auth",
                f"{where} rejected the API key (HTTP {status}); check OPENAI_API_KEY",
            )
        elif isinstance(exc, openai.NotFoundError):
            kind, msg = (
                "not_found",
                f"{where} has no model '{self.model}' (HTTP 404); see: voicemock doctor",
            )
        elif isinstance(exc, openai.APIStatusError):
            kind = "server" if (status or 0) >= 500 else "bad_request"
            msg = f"{where} answered HTTP {status}: {_server_message(exc)}"
        elif isinstance(exc, openai.OpenAIError):
            kind, msg = "invalid_output", f"{where}: {exc}"
        else:
            kind, msg = "invalid_output", f"{where} sent a reply that could not be read ({exc})"
        return LLMError(kind, self.config.redact(clean_model_text(msg))[:300])


def _cause(exc: BaseException) -> str:
    inner: BaseException | None = exc
    while inner is not None and inner.__cause__ is not None:
        inner = inner.__cause__
    text = str(inner or exc) or type(inner or exc).__name__
    return text.splitlines()[0][:120]


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            return str(error.get("message") or error)[:160]
        return str(error)[:160]
    return str(getattr(exc, "message", exc))[:160]
