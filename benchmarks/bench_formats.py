"""Parse throughput and streaming cost of every registered tool-call format.

For each format, a model output of about ``--mb`` megabytes is rendered by the format
itself: content paragraphs and tool calls (with strings full of the format's own
delimiters, unicode, nested objects and numbers) interleaved. Measured:

* ``parse_mb_per_s`` — ``fmt.parse(text)`` on the whole output (best of ``--repeat``),
* ``stream_us_per_chunk`` — feeding the same output in 4-character chunks (about one
  token each) through ``fmt.stream()``: wall time divided by the number of chunks,
* ``lenient_parse_mb_per_s`` — the same parse with ``lenient=True``.

Every run checks that the parse found every call it rendered, so a fast wrong parser
cannot post a number.

Scaling (``--scaling``, on by default): parse time must grow linearly with the output. For
each format and each long-output shape of the conformance suite (one long call, many calls,
long content, long JSON content; ``tests/formats/test_format_conformance.py``), the output
is parsed at 0.25 MB and at 1 MB in 512-character pieces; CPU time of this process, best of
``--repeat`` interleaved runs, garbage collection off. Linear is about 4x; quadratic 16x.
A ratio at or above ``SCALING_LIMIT`` (8x) is printed as ``TOO SLOW`` and makes the exit
status 1. (The unit test counts function calls instead, which is deterministic but does not
see a buffer copied whole in C on every piece; this does.)

Usage::

    python benchmarks/bench_formats.py [--mb 1] [--repeat 3] [--no-scaling]
        [--out benchmarks/results/formats.json]
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import platform
import sys
import time
from pathlib import Path

#: 4x the output may take at most this many times as long to parse (linear ~4x, quadratic ~16x)
SCALING_LIMIT = 8.0
SCALING_SIZES = (250_000, 1_000_000)


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


def bench_scaling(name: str, repeat: int) -> dict:
    """Parse-time growth from 0.25 MB to 1 MB for each long-output shape of the conformance suite."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.formats.test_format_conformance import LONG_SHAPES, long_output, parse_in_small_pieces
    from toolschool.formats import get_format

    fmt = get_format(name)
    rows = {}
    for shape in LONG_SHAPES:
        outputs = [long_output(name, shape, size) for size in SCALING_SIZES]
        for text, count, _ in outputs:  # a fast wrong parser posts no number
            if len(parse_in_small_pieces(fmt, text).calls) != count:
                raise SystemExit(f"{name} {shape}: the parse missed calls")
        best = [math.inf, math.inf]
        gc.disable()
        try:
            for _ in range(max(repeat, 3)):
                for k, (text, _, _) in enumerate(outputs):
                    started = time.process_time()
                    parse_in_small_pieces(fmt, text)
                    best[k] = min(best[k], time.process_time() - started)
        finally:
            gc.enable()
        ratio = best[1] / best[0] if best[0] else math.inf
        rows[shape] = {"ms_0.25mb": round(best[0] * 1000, 1), "ms_1mb": round(best[1] * 1000, 1),
                       "ratio": round(ratio, 2), "ok": ratio < SCALING_LIMIT}
    return rows


def main() -> None:
    from toolschool.formats import format_names

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0, help="size of each format's output")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default="benchmarks/results/formats.json")
    parser.add_argument("--formats", nargs="*", default=None, help="default: every registered format")
    parser.add_argument("--scaling", action=argparse.BooleanOptionalAction, default=True,
                        help=f"check that 4x the output takes < {SCALING_LIMIT:g}x the parse time")
    args = parser.parse_args()
    results = {"machine": {"platform": platform.platform(), "python": platform.python_version()}, "formats": {}}
    for name in args.formats or format_names():
        results["formats"][name] = row = bench_format(name, args.mb, args.repeat)
        ok = row["calls_parsed"] == row["calls_rendered"] and row["stream_equals_parse"]
        print(f"{name:14s} {row['parse_mb_per_s']:8.2f} MB/s  lenient {row['lenient_parse_mb_per_s']:8.2f} MB/s  "
              f"stream {row['stream_us_per_chunk']:7.2f} us/chunk  calls {row['calls_parsed']}/{row['calls_rendered']}"
              + ("" if ok else "  MISMATCH"), flush=True)
    failed = []
    if args.scaling:
        results["scaling"] = {"limit": SCALING_LIMIT, "sizes": list(SCALING_SIZES), "formats": {}}
        print(f"scaling: parse time 1 MB / 0.25 MB, limit {SCALING_LIMIT:g}x (linear ~4x)", flush=True)
        for name in args.formats or format_names():
            rows = results["scaling"]["formats"][name] = bench_scaling(name, args.repeat)
            failed += [f"{name}/{shape}" for shape, row in rows.items() if not row["ok"]]
            cells = [f"{shape} {row['ratio']:.2f}x" + ("" if row["ok"] else " TOO SLOW")
                     for shape, row in rows.items()]
            print(f"{name:14s} " + "  ".join(cells), flush=True)
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    if failed:
        raise SystemExit(f"parse time grows faster than linearly: {', '.join(failed)}")


if __name__ == "__main__":
    main()
