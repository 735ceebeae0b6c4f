"""How long the data stage takes (the unit tests' former wall-clock limit lives here).

Times :func:`toolschool.datagen.generate` for the run's default config and for a larger
one (1,500 / 100 / 200), best of ``--repeat`` runs each, including the first load of the
family and pool files (measured separately as ``load_catalog_s``). A limit exceeded is
printed as ``TOO SLOW`` and makes the exit status 1. Usage::

    python benchmarks/bench_datagen.py [--repeat 3] [--out benchmarks/results/datagen.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

#: seconds for the larger config (the unit test's former limit)
LARGE_LIMIT_S = 10.0


def main() -> None:
    from toolschool.datagen import DataConfig, generate
    from toolschool.datagen.catalog import families_for
    from toolschool.tools import get_toolkit

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default="benchmarks/results/datagen.json")
    args = parser.parse_args()

    started = time.perf_counter()
    families = families_for("assistant", [t.name for t in get_toolkit("assistant")])
    results: dict[str, object] = {"load_catalog_s": round(time.perf_counter() - started, 3),
                                  "families": len(families)}
    configs = {"default_s": DataConfig(), "large_s": DataConfig(n_train=1500, n_val=100, n_test=200)}
    for key, config in configs.items():
        best = float("inf")
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as out:
                started = time.perf_counter()
                generate(config, out)
                best = min(best, time.perf_counter() - started)
        results[key] = round(best, 3)
    results["machine"] = platform.platform()
    slow = results["large_s"] > LARGE_LIMIT_S
    for key, value in results.items():
        print(f"{key:>16}: {value}")
    if slow:
        print(f"TOO SLOW: large_s above {LARGE_LIMIT_S} s")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    sys.exit(1 if slow else 0)


if __name__ == "__main__":
    main()
