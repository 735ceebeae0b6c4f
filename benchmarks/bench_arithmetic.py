"""How fast the calculator evaluator answers, and how fast it refuses what it must refuse.

The ``_numeric`` checking rule evaluates every calculator expression a model writes, so a
hostile or silly one (``9**9**9``) must be refused at once rather than computed. Measured,
best of ``--repeat`` runs each:

* ``huge_powers_ms`` — refusing all of the unit tests' ``HUGE_POWERS`` (exponents far past
  ``MAX_EXPONENT``), together; limit ``HUGE_LIMIT_MS``;
* ``longest_ms`` — the longest accepted text (``MAX_LENGTH`` characters of ``1+1+…``) and
  the deepest accepted nesting; limit ``LONG_LIMIT_MS``;
* ``typical_us`` — one everyday expression (``1250 - 15% of 1250`` …), mean per call.

Each timed expression is also checked for its result, so a fast wrong evaluator posts no
number. A limit exceeded is printed as ``TOO SLOW`` and makes the exit status 1. Usage::

    python benchmarks/bench_arithmetic.py [--repeat 5] [--out benchmarks/results/arithmetic.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

#: refusing every huge power, all together (the unit test's former wall-clock limit: 0.5 s)
HUGE_LIMIT_MS = 500.0
#: evaluating the longest accepted expression
LONG_LIMIT_MS = 100.0

TYPICAL = {
    "1250 - 15% of 1250": 1062.5,
    "5000*(1+0.045)^10": 5000 * 1.045**10,
    "389,000/103,000": 389000 / 103000,
    "sqrt(7225) + cbrt(27)": 88.0,
    "(10+5)% of 80": 12.0,
}


def best_of(repeat: int, function) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.tools.test_arithmetic import HUGE_POWERS
    from toolschool.tools.arithmetic import MAX_LENGTH, evaluate_expression

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default="benchmarks/results/arithmetic.json")
    args = parser.parse_args()

    def refuse_all() -> None:
        for text in HUGE_POWERS:
            try:
                evaluate_expression(text)
            except ValueError:
                continue
            raise SystemExit(f"{text!r} was not refused")

    longest = ("1+" * MAX_LENGTH)[: MAX_LENGTH - 1]
    deep_level = (MAX_LENGTH - 1) // 2
    deep = "(" * deep_level + "1" + ")" * deep_level
    checks = {longest: float(longest.count("1")), deep: None}  # None: value or a clean ValueError

    def evaluate_long() -> None:
        for text, expected in checks.items():
            try:
                value = evaluate_expression(text)
            except ValueError:
                if expected is not None:
                    raise
                continue
            if expected is not None and value != expected:
                raise SystemExit(f"wrong value for the longest expression: {value} != {expected}")

    def evaluate_typical() -> None:
        for text, expected in TYPICAL.items():
            value = evaluate_expression(text)
            if abs(value - expected) > 1e-9 * max(1.0, abs(expected)):
                raise SystemExit(f"{text!r} gave {value}, expected {expected}")

    rows = {
        "huge_powers_ms": (best_of(args.repeat, refuse_all) * 1000, HUGE_LIMIT_MS),
        "longest_ms": (best_of(args.repeat, evaluate_long) * 1000, LONG_LIMIT_MS),
        "typical_us": (best_of(args.repeat, evaluate_typical) / len(TYPICAL) * 1e6, None),
    }
    results = {"machine": {"platform": platform.platform(), "python": platform.python_version()}}
    failed = []
    for key, (value, limit) in rows.items():
        ok = limit is None or value < limit
        results[key] = {"value": round(value, 3), "limit": limit, "ok": ok}
        if not ok:
            failed.append(key)
        bound = f"(limit {limit:g})" if limit is not None else ""
        print(f"{key:16s} {value:10.3f} {bound}" + ("" if ok else "  TOO SLOW"), flush=True)
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    if failed:
        raise SystemExit(f"over the limit: {', '.join(failed)}")


if __name__ == "__main__":
    main()
