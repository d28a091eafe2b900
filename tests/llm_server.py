"""An OpenAI-compatible chat server on 127.0.0.1 that serves scripted replies and faults.

The real ``openai`` client talks to it over real HTTP: streaming (server-sent
events) and non-streaming chat completions, GET /v1/models, status codes with
headers, slow streams, stalls and dropped connections. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "scripted-model"


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


@dataclass
class Reply:
    """One scripted answer. ``status`` != 200 sends an error body instead of content."""

    content: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    refusal: str | None = None
    delay_s: float = 0.0
    """Wait this long before answering (a stall: longer than the client's timeout)."""
    chunk_delay_s: float = 0.0
    """Streaming: pause between chunks."""
    break_after: int | None = None
    """Streaming: drop the connection after this many chunks."""
    error_message: str = "scripted failure"
    keepalive_s: float = 0.0
    """Streaming: before any content, send an SSE keep-alive comment this often, for
    ``hold_s`` seconds (a server that is alive and never answers)."""
    trickle_s: float = 0.0
    """Not streaming: send the body one byte this often (the HTTP timeout never fires)."""
    hold_s: float = 60.0


def text(content: str, **kw: Any) -> Reply:
    return Reply(content=content, **kw)


def status(code: int, message: str = "scripted failure", **headers: str) -> Reply:
    return Reply(status=code, headers=headers, error_message=message)


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float

    @property
    def streamed(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def warm_up(self) -> bool:
        """A one-token request sent only so that the server reads its prompt ahead."""
        return not self.streamed and self.body.get("max_tokens") == 1

    @property
    def system(self) -> str:
        return next(m["content"] for m in self.body["messages"] if m["role"] == "system")

    @property
    def user(self) -> str:
        return "\n".join(m["content"] for m in self.body["messages"] if m["role"] == "user")


class ScriptedLLM:
    """``script("stream", ...)`` queues replies for streamed calls, ``script("warm", ...)`` for
    warm-up requests (one token, not streamed), ``script("json", ...)`` for the others; when a
    queue is empty the default reply for that kind is served."""

    def __init__(self, api_key: str | None = None) -> None:
        self.api_key = api_key
        self.requests: list[Request] = []
        self.chunks_sent: list[float] = []
        self.queues: dict[str, deque[Reply]] = {"stream": deque(), "json": deque(), "warm": deque()}
        self.defaults: dict[str, Reply] = {
            "stream": text("Good. What happens to ordering when you add partitions?"),
            "json": status(500, "no scripted scorecard"),
            "warm": text("OK"),
        }
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, kind: str, *replies: Reply) -> None:
        self.queues[kind].extend(replies)

    def __enter__(self) -> ScriptedLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def chat_requests(self) -> list[Request]:
        """The chat requests that asked for a reply (warm-ups aside)."""
        return [r for r in self.requests if r.path.endswith("/chat/completions") and not r.warm_up]

    def warm_ups(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/chat/completions") and r.warm_up]

    # -- HTTP -------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        llm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, code: int, payload: Any, headers: dict[str, str] | None = None):
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                if llm.api_key is None:
                    return True
                given = self.headers.get("authorization", "")
                if given == f"Bearer {llm.api_key}":
                    return True
                shown = given.removeprefix("Bearer ")
                # Like OpenAI's own 401: the key, partly masked, echoed in the message.
                self._json(
                    401,
                    {
                        "error": {
                            "message": f"Incorrect API key provided: {shown[:6]}***{shown[-4:]}."
                            f" Full key: {shown}",
                            "type": "invalid_request_error",
                            "code": "invalid_api_key",
                        }
                    },
                )
                return False

            def do_GET(self) -> None:
                llm.requests.append(Request(self.path, _lower(self.headers), {}, time.monotonic()))
                if not self._authorised():
                    return
                if self.path.rstrip("/").endswith("/models"):
                    self._json(
                        200,
                        {
                            "object": "list",
                            "data": [
                                {"id": MODEL, "object": "model", "created": 0, "owned_by": "t"}
                            ],
                        },
                    )
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                request = Request(self.path, _lower(self.headers), body, time.monotonic())
                llm.requests.append(request)
                if not self._authorised():
                    return
                kind = "stream" if request.streamed else "warm" if request.warm_up else "json"
                queue = llm.queues[kind]
                reply = queue.popleft() if queue else llm.defaults[kind]
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.status != 200:
                    self._json(
                        reply.status,
                        {"error": {"message": reply.error_message, "type": "scripted"}},
                        reply.headers,
                    )
                    return
                prompt_tokens = sum(len(m["content"].split()) for m in body["messages"])
                completion_tokens = len(reply.content.split())
                usage = {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                }
                if reply.trickle_s and not request.streamed:
                    self._trickle(reply)
                    return
                if not request.streamed:
                    self._json(
                        200,
                        {
                            "id": "chatcmpl-1",
                            "object": "chat.completion",
                            "created": int(time.time()),
                            "model": body.get("model", MODEL),
                            "choices": [
                                {
                                    "index": 0,
                                    "message": {
                                        "role": "assistant",
                                        "content": None if reply.refusal else reply.content,
                                        "refusal": reply.refusal,
                                    },
                                    "finish_reason": "stop",
                                }
                            ],
                            "usage": usage,
                        },
                    )
                    return
                self._stream(reply, body, usage)

            def _trickle(self, reply: Reply) -> None:
                data = json.dumps({"id": "chatcmpl-1", "choices": [], "pad": " " * 200}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                ends = time.monotonic() + reply.hold_s
                try:
                    for byte in data:
                        if time.monotonic() > ends:
                            break
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        llm.chunks_sent.append(time.monotonic())
                        time.sleep(reply.trickle_s)
                except OSError:
                    pass  # the client gave up: what the test wants

            def _stream(self, reply: Reply, body: dict[str, Any], usage: dict[str, int]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                if reply.keepalive_s:
                    ends = time.monotonic() + reply.hold_s
                    try:
                        while time.monotonic() < ends:
                            self.wfile.write(b": keep-alive\n\n")
                            self.wfile.flush()
                            llm.chunks_sent.append(time.monotonic())
                            time.sleep(reply.keepalive_s)
                    except OSError:
                        return  # the client gave up

                def event(choices: list[Any], extra: dict[str, Any] | None = None) -> None:
                    chunk = {
                        "id": "chatcmpl-1",
                        "object": "chat.completion.chunk",
                        "created": int(time.time()),
                        "model": body.get("model", MODEL),
                        "choices": choices,
                    } | (extra or {})
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    llm.chunks_sent.append(time.monotonic())

                words = reply.content.split(" ")
                pieces = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
                for i, piece in enumerate(pieces):
                    if reply.break_after is not None and i >= reply.break_after:
                        self.wfile.flush()
                        self.connection.close()
                        return
                    delta = {"content": piece} | ({"role": "assistant"} if i == 0 else {})
                    event([{"index": 0, "delta": delta, "finish_reason": None}])
                    if reply.chunk_delay_s:
                        time.sleep(reply.chunk_delay_s)
                event([{"index": 0, "delta": {}, "finish_reason": "stop"}])
                if (body.get("stream_options") or {}).get("include_usage"):
                    event([], {"usage": usage})
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler
