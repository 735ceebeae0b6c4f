"""Latency saved by early tool execution in the agent loop.

A :class:`~toolschool.backends.scripted.ScriptedBackend` streams pre-written Hermes turns
(``<tool_call>{…}</tool_call>`` blocks, as Qwen2.5 writes them) at a fixed per-chunk delay
that stands for decode speed, and the tools sleep for fixed times (200-500 ms, like HTTP
lookups). Two decode-speed profiles (see :data:`PROFILES`):

* ``assumed``: 25 ms per 4-character chunk (the runtime issue's figure);
* ``smollm2_measured``: 57 ms per 3-character chunk — measured on this project's 2-core CPU
  (2026-12-06, beside other jobs): ``LocalBackend.stream`` with SmolLM2-135M (bf16 weights,
  batch 1) took a median 57 ms per token after a 1.1 s prefill, and its tokenizer writes
  Hermes call text at 2.6 characters per token.

Each scenario is run by the same :class:`~toolschool.runtime.Agent` in three modes:

* ``early``: each call starts the moment the stream parser reports ``call_finished``, while
  the model is still writing the next call;
* ``after_parallel``: the turn is generated in full, then its calls run concurrently;
* ``after_serial``: the turn is generated in full, then its calls run one after another.

Reported: end-to-end wall time per mode (median of ``--repeat`` runs) and the time early
execution saves against each. Every run's conversation must equal the others' (same calls,
ids, results, answer), so a wrong fast path posts no number.

What to expect: early execution hides a call's run time behind the generation of the calls
written after it in the same turn. A turn's *last* call still starts when generation ends,
so with concurrent execution the saving is about ``max(call times) - last call's time``
(capped by the generation time of the later calls); with one call per turn it is zero.

Usage::

    python benchmarks/bench_early_execution.py [--repeat 3]
        [--delay-ms D --chunk-chars C]   # one custom profile instead of the two built in
        [--out benchmarks/results/early_execution.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

#: name → (ms slept per streamed chunk, characters per chunk)
PROFILES = {"assumed": (25.0, 4), "smollm2_measured": (57.0, 3)}

#: tool → seconds it sleeps (stands for network or computation latency)
TOOL_SECONDS = {"web_search": 0.5, "weather": 0.3, "calculator": 0.2}


def make_tools():
    from toolschool.tools import tool

    @tool
    def web_search(query: str) -> str:
        """Search the web.

        Args:
            query: search query.
        """
        time.sleep(TOOL_SECONDS["web_search"])
        return f"Top result for {query!r}: the Oslo marathon is on 20 September."

    @tool
    def weather(location: str) -> dict:
        """Current weather.

        Args:
            location: city name.
        """
        time.sleep(TOOL_SECONDS["weather"])
        return {"location": location, "temp_c": {"Oslo": 4, "Paris": 12}.get(location, 18)}

    @tool
    def calculator(expression: str) -> str:
        """Evaluate arithmetic.

        Args:
            expression: e.g. 12-4.
        """
        time.sleep(TOOL_SECONDS["calculator"])
        a, b = expression.split("-")
        return str(int(a) - int(b))

    return [web_search, weather, calculator]


def scenarios() -> dict[str, dict]:
    """Each scenario: the user request, its scripted turns, and a description."""
    from toolschool.formats import get_format
    from toolschool.types import ToolCall

    fmt = get_format("hermes")

    def calls(*pairs):
        return fmt.render_calls([ToolCall(name=n, arguments=a) for n, a in pairs])

    return {
        "parallel_3": {
            "what": "one turn with 3 independent calls (web_search 500 ms, weather 300 ms, "
                    "calculator 200 ms), then the answer",
            "user": "When is the Oslo marathon, how cold is Oslo now, and what is 42-7?",
            "turns": [
                calls(("web_search", {"query": "Oslo marathon 2026 date"}), ("weather", {"location": "Oslo"}),
                      ("calculator", {"expression": "42-7"})),
                "The Oslo marathon is on 20 September; Oslo is at 4 °C right now, and 42 - 7 = 35.",
            ],
        },
        "chained": {
            "what": "turn 1: web_search 500 ms + weather 300 ms; turn 2: calculator 200 ms on their results; "
                    "turn 3: the answer",
            "user": "Is Oslo colder than Paris today, by how much, and when is the Oslo marathon?",
            "turns": [
                calls(("web_search", {"query": "Oslo marathon 2026 date"}), ("weather", {"location": "Oslo"}),
                      ("weather", {"location": "Paris"})),
                calls(("calculator", {"expression": "12-4"})),
                "Yes: Oslo (4 °C) is 8 degrees colder than Paris (12 °C). The marathon is on 20 September.",
            ],
        },
        "single": {
            "what": "one call (weather 300 ms) at the end of the turn, then the answer: nothing to overlap",
            "user": "How cold is Oslo?",
            "turns": [calls(("weather", {"location": "Oslo"})), "It is 4 °C in Oslo."],
        },
    }


MODES = {"early": {"early_execution": True}, "after_parallel": {"early_execution": False},
         "after_serial": {"early_execution": False, "parallel": False}}


def run_once(spec: dict, mode: str, delay_s: float, chunk_chars: int):
    from toolschool.backends.scripted import ScriptedBackend
    from toolschool.formats import get_format
    from toolschool.runtime import Agent, ToolExecutor

    executor = ToolExecutor(make_tools())
    backend = ScriptedBackend(spec["turns"], chunk_chars=chunk_chars, delay_s=delay_s)
    agent = Agent(backend, executor, executor.schemas, get_format("hermes"), **MODES[mode])
    return agent.run(spec["user"])


def bench_profile(delay_ms: float, chunk_chars: int, repeat: int) -> dict:
    """Median wall time of every scenario in every mode at one decode speed."""
    delay_s = delay_ms / 1000
    out = {"delay_ms_per_chunk": delay_ms, "chunk_chars": chunk_chars, "scenarios": {}}
    for name, spec in scenarios().items():
        walls: dict[str, list[float]] = {m: [] for m in MODES}
        reference = None
        for _ in range(repeat):
            for mode in MODES:
                result = run_once(spec, mode, delay_s, chunk_chars)
                dump = [m.model_dump() for m in result.conversation.messages]
                if reference is None:
                    reference = dump
                elif dump != reference:
                    raise SystemExit(f"{name}: mode {mode} produced a different conversation")
                walls[mode].append(result.wall_ms)
        median = {m: round(statistics.median(v), 1) for m, v in walls.items()}
        row = {
            "what": spec["what"], "steps": len(spec["turns"]),
            "generated_chars": sum(len(t) for t in spec["turns"]),
            "chunks": sum(-(-len(t) // chunk_chars) for t in spec["turns"]),
            "wall_ms": median,
            "saved_ms_vs_after_parallel": round(median["after_parallel"] - median["early"], 1),
            "saved_ms_vs_after_serial": round(median["after_serial"] - median["early"], 1),
        }
        saved = row["saved_ms_vs_after_parallel"]
        row["saved_pct_vs_after_parallel"] = pct = round(100 * saved / median["after_parallel"], 1)
        out["scenarios"][name] = row
        print(f"  {name:11s} early {median['early']:7.0f} ms"
              f"   after (parallel) {median['after_parallel']:7.0f} ms"
              f"   after (serial) {median['after_serial']:7.0f} ms"
              f"   saved {saved:5.0f} ms ({pct:.1f}%) / {row['saved_ms_vs_after_serial']:5.0f} ms vs serial",
              flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay-ms", type=float, default=None, help="sleep per streamed chunk (decode time)")
    parser.add_argument("--chunk-chars", type=int, default=4, help="characters per chunk (with --delay-ms)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default="benchmarks/results/early_execution.json")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    profiles = PROFILES if args.delay_ms is None else {"custom": (args.delay_ms, args.chunk_chars)}
    results = {
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "format": "hermes", "repeat": args.repeat, "tool_ms": {k: v * 1000 for k, v in TOOL_SECONDS.items()},
        "profiles": {},
    }
    for name, (delay_ms, chunk_chars) in profiles.items():
        print(f"{name}: {delay_ms:g} ms per {chunk_chars}-character chunk", flush=True)
        results["profiles"][name] = bench_profile(delay_ms, chunk_chars, args.repeat)
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
