"""Start-up cost of the bubblewrap sandbox against a plain subprocess.

Times ``N`` runs each (after two warm-up runs) of ``true`` and of ``python -c pass``
through :meth:`toolschool.tools.sandbox.Sandbox.run` (a fresh ``bwrap`` jail, seccomp,
rlimits, output capture), through the same :class:`Sandbox` API in its unsandboxed mode,
and through a bare ``subprocess.run``. Reports p50/p95/mean in milliseconds of wall time
and writes them to ``--out``. Usage::

    python benchmarks/bench_sandbox.py [--n 50] [--out benchmarks/results/sandbox.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _stats(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {
        "p50_ms": round(statistics.median(s), 2),
        "p95_ms": round(s[min(len(s) - 1, int(0.95 * len(s)))], 2),
        "mean_ms": round(statistics.fmean(s), 2),
        "n": len(s),
    }


def _time(fn, n: int) -> dict[str, float]:
    for _ in range(2):
        fn()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return _stats(samples)


def main() -> None:
    from toolschool.tools.sandbox import Sandbox

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--out", default="benchmarks/results/sandbox.json")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the unsandboxed mode warns on every run

    results: dict[str, object] = {
        "machine": {"platform": platform.platform(), "python": platform.python_version()}
    }
    with Sandbox() as box, Sandbox(allow_unsandboxed=True, bwrap="/nonexistent/bwrap") as plain:
        assert box.sandboxed and box.run(["true"]).ok
        cases = {
            "bwrap_true": lambda: box.run(["true"]),
            "bwrap_python": lambda: box.run(["python", "-c", "pass"]),
            "unsandboxed_api_true": lambda: plain.run(["true"]),
            "unsandboxed_api_python": lambda: plain.run(["python", "-c", "pass"]),
            "subprocess_true": lambda: subprocess.run(["true"], capture_output=True),
            "subprocess_python": lambda: subprocess.run([sys.executable, "-c", "pass"], capture_output=True),
        }
        for name, fn in cases.items():
            results[name] = _time(fn, args.n)
    for name, value in results.items():
        print(f"{name:>24}: {value}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
