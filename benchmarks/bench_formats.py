"""Parse throughput and streaming cost of every registered tool-call format.

For each format, a model output of about ``--mb`` megabytes is rendered by the format
itself: content paragraphs and tool calls (with strings full of the format's own
delimiters, unicode, nested objects and numbers) interleaved. Measured:

* ``parse_mb_per_s`` — ``fmt.parse(text)`` on the whole output (best of ``--repeat``),
* ``stream_us_per_chunk`` — feeding the same output in 4-character chunks (about one
  token each) through ``fmt.stream()``: wall time divided by the number of chunks,
* ``lenient_parse_mb_per_s`` — the same parse with ``lenient=True``.

Every run checks that the parse found every call it rendered, so a fast wrong parser
cannot post a number. Usage::

    python benchmarks/bench_formats.py [--mb 1] [--repeat 3] [--out benchmarks/results/formats.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path


def sample_output(fmt, megabytes: float) -> tuple[str, int]:
    """A long, realistic model output for ``fmt`` and the number of calls in it."""
    from toolschool.types import ToolCall

    calls = [
        ToolCall(name="weather", arguments={"location": "São Paulo", "days": 3, "metric": True}),
        ToolCall(name="web_search", arguments={"query": 'tool calling "small" models ] } ) <end>', "limit": 2.5}),
        ToolCall(name="calculator", arguments={"expression": "(12.5 * 3) / 4 - 2**3"}),
        ToolCall(name="translate", arguments={"text": "Grüße, 世界 🌍", "to_lang": "ja",
                                              "options": {"formal": None, "alts": [1, 2, 3]}}),
    ]
    para = "Here is what I found so far; the next step needs another tool. "
    pieces, n, size = [], 0, 0
    target = int(megabytes * 1_000_000)
    while size < target:
        chunk = fmt.render_assistant(para * 3, [calls[n % len(calls)], calls[(n + 1) % len(calls)]])
        pieces.append(chunk)
        size += len(chunk.encode())
        n += 2
    # one assistant turn with many calls is what the parser sees; turns are joined by a blank line
    return "\n\n".join(pieces), n


def bench_format(name: str, megabytes: float, repeat: int) -> dict:
    from toolschool.formats import get_format

    fmt = get_format(name)
    text, n_calls = sample_output(fmt, megabytes)
    size = len(text.encode())
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = fmt.parse(text)
        best = min(best, time.perf_counter() - start)
    found = len(result.calls)
    lenient = get_format(name, lenient=True)
    best_lenient = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        lenient_result = lenient.parse(text)
        best_lenient = min(best_lenient, time.perf_counter() - start)
    chunks = [text[i : i + 4] for i in range(0, len(text), 4)]
    parser = fmt.stream()
    start = time.perf_counter()
    for chunk in chunks:
        parser.feed(chunk)
    parser.finish()
    stream_seconds = time.perf_counter() - start
    return {
        "bytes": size,
        "calls_rendered": n_calls,
        "calls_parsed": found,
        "errors": len(result.errors),
        "lenient_calls_parsed": len(lenient_result.calls),
        "parse_seconds": round(best, 4),
        "parse_mb_per_s": round(size / best / 1e6, 2),
        "lenient_parse_mb_per_s": round(size / best_lenient / 1e6, 2),
        "stream_chunks": len(chunks),
        "stream_us_per_chunk": round(stream_seconds / len(chunks) * 1e6, 2),
        "stream_equals_parse": len(parser.result().calls) == found,
    }


def main() -> None:
    from toolschool.formats import format_names

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0, help="size of each format's output")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default="benchmarks/results/formats.json")
    parser.add_argument("--formats", nargs="*", default=None, help="default: every registered format")
    args = parser.parse_args()
    results = {"machine": {"platform": platform.platform(), "python": platform.python_version()}, "formats": {}}
    for name in args.formats or format_names():
        results["formats"][name] = row = bench_format(name, args.mb, args.repeat)
        ok = row["calls_parsed"] == row["calls_rendered"] and row["stream_equals_parse"]
        print(f"{name:14s} {row['parse_mb_per_s']:8.2f} MB/s  lenient {row['lenient_parse_mb_per_s']:8.2f} MB/s  "
              f"stream {row['stream_us_per_chunk']:7.2f} us/chunk  calls {row['calls_parsed']}/{row['calls_rendered']}"
              + ("" if ok else "  MISMATCH"), flush=True)
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
