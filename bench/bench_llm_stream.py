"""How soon the interviewer's follow-up can start, streamed versus waited for.

    python bench/bench_llm_stream.py [--repeat 5] [--token-ms 40]

An OpenAI-compatible server on 127.0.0.1 streams a 23-word follow-up (a short
acknowledgement, then the question) one word per ``--token-ms`` milliseconds,
the pace of a small local model on a CPU. Through the real openai client and
the LLM brain it measures, in the same run: the time until the first complete
sentence is handed to the voice (streamed) and the time until the whole
follow-up has arrived and passed its checks (what a non-streaming interviewer
waits for). It prints both medians and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FOLLOW_UP = (
    "Good, that covers the transactions. When the producer retries after a broker timeout, "
    "what stops the same payment from reaching the ledger twice?"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--token-ms", type=float, default=40.0)
    args = parser.parse_args()

    from tests.llm_server import MODEL, ScriptedLLM, text
    from voicemock.app import resources
    from voicemock.llm import ChatClient, resolve_llm_config
    from voicemock.llm.brain import LLMBrain

    question = resources.bank().get("tech-exactly-once-payments")
    answer = (ROOT / "audio_fixtures" / "eo-first.txt").read_text()
    first_sentence, whole = [], []
    with ScriptedLLM() as server:
        config = resolve_llm_config(MODEL, server.url, 30.0, 0, env={})
        client, scorer = ChatClient(config), resources.scorer()
        for _ in range(args.repeat + 1):  # the first run warms the connection and caches
            brain = LLMBrain(client, resources.persona(), scorer)  # a fresh round each time
            server.script("stream", text(FOLLOW_UP, chunk_delay_s=args.token_ms / 1000))
            heard: list[float] = []
            t0 = time.perf_counter()
            follow = brain.follow_up(
                question,
                [answer],
                [],
                on_sentence=lambda _, heard=heard: heard.append(time.perf_counter()),
            )
            t1 = time.perf_counter()
            assert follow is not None and follow.text == FOLLOW_UP, follow
            first_sentence.append(heard[0] - t0)
            whole.append(t1 - t0)
    first = statistics.median(first_sentence[1:])
    full = statistics.median(whole[1:])
    words = len(FOLLOW_UP.split())
    print(f"follow-up: {words} words streamed at {args.token_ms:g} ms per word")
    print(f"first sentence to the voice (streamed): median {first:.3f} s")
    print(f"whole follow-up checked (not streamed):  median {full:.3f} s")
    print(f"ratio streamed / waited: {first / full:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
