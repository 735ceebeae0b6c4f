"""How long the data stage takes (the unit tests' former wall-clock limit lives here).

Times :func:`toolschool.datagen.generate` for the run's default config and for a larger
one (1,500 / 100 / 200), best of ``--repeat`` runs each, including the first load of the
family and pool files (measured separately as ``load_catalog_s``); then one generation of
10,000 samples for the ``assistant`` toolkit (9,000 / 500 / 500, the mix 30/20/20/20/10 of
single/parallel/chained/no_tool/ask_missing) in wall and CPU seconds, with the mix made,
the verification's rejections by reason and the duplicate rate from its data card. A limit
exceeded is printed as ``TOO SLOW`` and makes the exit status 1. Usage::

    python benchmarks/bench_datagen.py [--repeat 3] [--out benchmarks/results/datagen.json]

On a shared machine the CPU seconds are the number to compare: wall time includes the
time other processes hold the cores.
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
#: seconds for 10,000 assistant samples (toolschool issue 4)
TEN_K_LIMIT_S = 60.0
GEMMA_MIX = {"single": 0.3, "parallel": 0.2, "chained": 0.2, "no_tool": 0.2, "ask_missing": 0.1}


def ten_thousand(generate, config_cls) -> dict[str, object]:
    """One 10,000-sample assistant generation: seconds, and what its data card reports."""
    config = config_cls(n_train=9000, n_val=500, n_test=500, mix=GEMMA_MIX, train_mix=GEMMA_MIX)
    with tempfile.TemporaryDirectory() as out:
        wall, cpu = time.perf_counter(), time.process_time()
        result = generate(config, out)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        card = json.loads(result.card_path.read_text())
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "samples": sum(result.counts.values()),
            "mix_made_train": card["mix"]["train"]["made"], "shortfall": card["dedup"]["shortfall"],
            "rejected": card["verification"]["rejected"]["by_reason"],
            "rejected_by_tool": card["verification"]["rejected"]["by_reason_tool"],
            "duplicates": {k: v for k, v in card["duplicates"].items() if k != "rule"},
            "executed_calls": card["verification"]["executed_calls"]}


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
    results["assistant_10k"] = ten_thousand(generate, DataConfig)
    results["machine"] = platform.platform()
    slow = results["large_s"] > LARGE_LIMIT_S
    ten_k_slow = results["assistant_10k"]["wall_s"] > TEN_K_LIMIT_S
    for key, value in results.items():
        print(f"{key:>16}: {value}")
    if slow:
        print(f"TOO SLOW: large_s above {LARGE_LIMIT_S} s")
    if ten_k_slow:
        print(f"TOO SLOW: 10,000 assistant samples above {TEN_K_LIMIT_S} s of wall time "
              f"({results['assistant_10k']['cpu_s']} s of CPU)")
    slow = slow or ten_k_slow
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    sys.exit(1 if slow else 0)


if __name__ == "__main__":
    main()
