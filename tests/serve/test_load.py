"""Bounded load: ``toolschool serve`` (a subprocess, scripted model) takes 1,000 concurrent
connections, twice, mixing valid (plain, streamed, abandoned streams), malformed, oversized
(Content-Length and chunked) and unknown-tool_choice requests. Every connection gets a whole
answer with an allowed status (200/400/413/503: no other 5xx, no dropped connection), the server
stays healthy with no slot held, and its resident memory stays bounded: the first burst may grow
it by at most 80 MB (measured: about 35 MB, mostly connection buffers), the second by at most
16 MB more (measured: about 4 MB; a per-request leak would show here).
The heavier version with numbers is benchmarks/bench_serve_load.py."""

from __future__ import annotations

import asyncio
import time

from tests.serve.load import ALLOWED, KINDS, ServeProcess, burst, health, raise_fd_limit, summarize

N = 1000
FIRST_BURST_MB = 80
SECOND_BURST_MB = 16


def test_a_thousand_concurrent_connections_get_proper_answers_and_bounded_memory(tmp_path):
    raise_fd_limit(N + 256)  # this process's sockets; the server inherits the limit
    with ServeProcess(tmp_path, turns=2 * N) as server:
        asyncio.run(burst(server.port, 7 * 10, server.max_body_bytes))  # warm-up: every kind, imports done
        base = server.rss_kb()
        start = time.perf_counter()
        first = asyncio.run(burst(server.port, N, server.max_body_bytes))
        after_first = server.rss_kb()
        second = asyncio.run(burst(server.port, N, server.max_body_bytes))
        after_second = server.rss_kb()
        seconds = time.perf_counter() - start
        for _ in range(100):  # abandoned streams are noticed within a moment
            state = asyncio.run(health(server.port))
            if state["admitted"] == 0:
                break
            time.sleep(0.05)
    log = server.log.read_text()
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log[-3000:]
    for outcomes in (first, second):
        summary = summarize(outcomes)
        assert summary["dropped"] == [], summary["dropped"][:5]
        assert summary["unexpected"] == [], summary["unexpected"][:5]
        assert summary["incomplete_streams"] == 0
        statuses = {(o.kind, o.status) for o in outcomes}
        assert {k for k, _ in statuses} == set(KINDS) and all(s in ALLOWED[k] for k, s in statuses)
        assert (("valid", 200) in statuses or ("valid_stream", 200) in statuses)
    assert state == {"status": "ok", "model": "load", "admitted": 0}
    grown_mb, regrown_mb = (after_first - base) / 1024, (after_second - after_first) / 1024
    assert grown_mb < FIRST_BURST_MB, f"RSS grew {grown_mb:.1f} MB in the first burst"
    assert regrown_mb < SECOND_BURST_MB, f"RSS grew {regrown_mb:.1f} MB more in the second burst"
    assert seconds < 30, seconds
