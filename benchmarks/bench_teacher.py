"""Teacher labelling throughput: how concurrency hides the teacher's latency, and what the
journal's fsync per request costs.

The teacher is the tests' rule-based server on 127.0.0.1 (tests/datagen/teacher_server.py) with
a fixed answer delay of ``--delay-ms``; :func:`toolschool.datagen.teacher.run` labels
``--requests`` requests at each concurrency, every answer verified and journaled (fsynced) as in
a real run. Reported: wall seconds and requests per second per concurrency, and with no delay
(the overhead of the client, the checks and the journal alone), the process CPU per request (client
and server threads together: the figure that does not depend on how busy the machine is), and
the cost of one journal append (write + fsync) on its own. A run whose outputs are not
exactly one conversation per request fails (exit 1), so a broken run posts no number.

Usage::

    python benchmarks/bench_teacher.py [--requests 200] [--delay-ms 50] [--concurrency 1 4 16]
        [--out benchmarks/results/teacher.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _label(server_url: str, data: Path, out: Path, concurrency: int) -> tuple[float, float, int]:
    from toolschool.datagen.teacher import run
    from toolschool.datagen.teacher_config import TeacherConfig

    config = TeacherConfig(data=str(data), out_dir=str(out), model="teacher", base_url=server_url,
                           api_key_envs=[], concurrency=concurrency)
    started, cpu = time.perf_counter(), time.process_time()
    result = run(config)
    return time.perf_counter() - started, time.process_time() - cpu, result.outputs


def _journal_append_ms(folder: Path, n: int = 200) -> float:
    from toolschool.datagen.journal import Journal

    record = {"outputs": [{"messages": [{"role": "user", "content": "Weather in Oslo?"}]}], "rejects": []}
    with Journal.open(folder / "journal.jsonl") as journal:
        started = time.perf_counter()
        for i in range(n):
            journal.append({"id": f"j{i}", **record})
        return (time.perf_counter() - started) / n * 1000


def main() -> None:
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    from tests.datagen.teacher_server import TeacherServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--out", default="benchmarks/results/teacher.json")
    args = parser.parse_args()

    results: dict[str, object] = {"requests": args.requests, "delay_ms": args.delay_ms, "runs": []}
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "requests.jsonl"
        data.write_text("".join(json.dumps({"id": f"r{i:05d}", "request": f"Weather in City{i}?"}) + "\n"
                                for i in range(args.requests)))
        plan = [(c, args.delay_ms) for c in args.concurrency] + [(1, 0.0)]
        for concurrency, delay in plan:
            out = Path(tmp) / f"out-{concurrency}-{delay}"
            with TeacherServer(delay_s=delay / 1000) as server:
                seconds, cpu, outputs = _label(server.url, data, out, concurrency)
            row = {"concurrency": concurrency, "delay_ms": delay, "seconds": round(seconds, 3),
                   "requests_per_s": round(args.requests / seconds, 1),
                   "cpu_ms_per_request": round(cpu / args.requests * 1000, 2), "outputs": outputs}
            failed |= outputs != args.requests
            results["runs"].append(row)  # type: ignore[union-attr]
            print(f"concurrency {concurrency:>3}, delay {delay:>5.1f} ms: {seconds:7.2f} s, "
                  f"{row['requests_per_s']:>7} requests/s, {row['cpu_ms_per_request']} ms CPU/request, "
                  f"{outputs} conversations")
        results["journal_append_ms"] = round(_journal_append_ms(Path(tmp)), 3)
        print(f"journal append (write + fsync): {results['journal_append_ms']} ms")
    results["machine"] = platform.platform()
    if failed:
        print("FAILED: a run did not write one conversation per request")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
