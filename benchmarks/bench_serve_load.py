"""Load on ``toolschool serve``: bursts of thousands of concurrent connections.

The real command runs as a subprocess with a ``script:`` model (so the numbers are the server's,
not a model's), and each burst opens ``--connections`` raw HTTP/1.1 connections at once from one
asyncio client (tests/serve/load.py), mixing seven kinds in rotation: valid requests (plain,
streamed, streamed but abandoned after the status line), malformed JSON, bodies four times
``--max-body-bytes`` (with a Content-Length, and chunked), and ``tool_choice`` naming an unknown
tool; every other round asks for ``Connection: close``.

Reported per burst: wall time, connections per second, the count per (kind, status), dropped
connections (reset, closed early or timed out — must be 0), statuses outside 200/400/413/503
(must be none), latency percentiles per kind, and the server's resident memory (VmRSS before
and after, VmHWM peak). Afterwards ``/health`` must answer with no slot held. The run fails
(exit 1) when any of these checks fails, so a broken server posts no number.

Usage::

    python benchmarks/bench_serve_load.py [--connections 5000] [--bursts 3] [--max-queue 16]
        [--max-body-bytes 65536] [--out benchmarks/results/serve_load.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50_ms": round(1000 * statistics.median(ordered), 1), "p99_ms": round(1000 * pick(0.99), 1),
            "max_ms": round(1000 * ordered[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--max-queue", type=int, default=16)
    parser.add_argument("--max-body-bytes", type=int, default=65_536)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per connection")
    parser.add_argument("--out", default="benchmarks/results/serve_load.json")
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    from tests.serve.load import KINDS, ServeProcess, burst, health, raise_fd_limit, summarize

    raise_fd_limit(args.connections + 512)
    results: dict = {
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "connections": args.connections, "max_queue": args.max_queue, "max_body_bytes": args.max_body_bytes,
        "kinds": list(KINDS), "bursts": [],
    }
    failed = False
    with tempfile.TemporaryDirectory() as tmp, ServeProcess(
        Path(tmp), turns=args.connections * args.bursts, max_queue=args.max_queue,
        max_body_bytes=args.max_body_bytes,
    ) as server:
        asyncio.run(burst(server.port, 70, server.max_body_bytes))  # warm-up
        results["rss_mb_after_warmup"] = round(server.rss_kb() / 1024, 1)
        print(f"server pid {server.proc.pid}: RSS {results['rss_mb_after_warmup']} MB after warm-up",
              flush=True)
        for b in range(args.bursts):
            before = server.rss_kb()
            start = time.perf_counter()
            outcomes = asyncio.run(burst(server.port, args.connections, server.max_body_bytes, args.timeout))
            wall = time.perf_counter() - start
            summary = summarize(outcomes)
            row = {
                "wall_s": round(wall, 2), "connections_per_s": round(args.connections / wall),
                "statuses": summary["statuses"], "dropped": len(summary["dropped"]),
                "dropped_examples": summary["dropped"][:5], "unexpected": summary["unexpected"][:5],
                "incomplete_streams": summary["incomplete_streams"],
                "latency": {k: percentiles([o.seconds for o in outcomes if o.kind == k and o.status])
                            for k in KINDS},
                "rss_mb_before": round(before / 1024, 1), "rss_mb_after": round(server.rss_kb() / 1024, 1),
                "rss_mb_peak": round(server.peak_kb() / 1024, 1),
            }
            results["bursts"].append(row)
            failed |= bool(row["dropped"] or summary["unexpected"] or row["incomplete_streams"])
            ok = {k: c for k, c in summary["statuses"].items() if k.endswith(":200")}
            print(f"burst {b + 1}: {args.connections} connections in {wall:.2f} s "
                  f"({row['connections_per_s']}/s), dropped {row['dropped']}, unexpected "
                  f"{len(summary['unexpected'])}, 200s {ok}, RSS {row['rss_mb_before']} -> "
                  f"{row['rss_mb_after']} MB (peak {row['rss_mb_peak']})", flush=True)
            for kind, lat in row["latency"].items():
                print(f"    {kind:15s} {lat}", flush=True)
        for _ in range(100):
            state = asyncio.run(health(server.port))
            if state["admitted"] == 0:
                break
            time.sleep(0.05)
        results["health_after"] = state
        failed |= state.get("status") != "ok" or state.get("admitted") != 0
        print(f"health after: {state}", flush=True)
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    if failed:
        print("FAILED: dropped connections, unexpected statuses, incomplete streams or a held slot")
        raise SystemExit(1)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
