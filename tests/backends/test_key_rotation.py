"""Key loading, the quota rule, Retry-After and the back-off bounds (pure functions; the HTTP side is
tested against a real server in tests/datagen/test_teacher.py)."""

from __future__ import annotations

import email.utils
import random

import pytest

from toolschool.backends.key_rotation import backoff_delay, is_quota_error, load_keys, parse_retry_after
from toolschool.errors import ConfigError


def test_keys_from_variables_and_a_file_without_repeats(tmp_path, monkeypatch):
    monkeypatch.setenv("TS_K1", "sk-1")
    monkeypatch.setenv("TS_K2", "sk-2, sk-3")
    monkeypatch.delenv("TS_K3", raising=False)
    path = tmp_path / "keys.txt"
    path.write_text("# teacher keys\nsk-4\n\nsk-1\n")
    keys = load_keys(["TS_K1", "TS_K2", "TS_K3"], path)
    assert [k.name for k in keys] == ["TS_K1", "TS_K2[0]", "TS_K2[1]", "keys.txt:2"]
    assert [k.secret for k in keys] == ["sk-1", "sk-2", "sk-3", "sk-4"] and "sk-1" not in repr(keys)
    assert [k.name for k in load_keys(["TS_K3"])] == ["(no key)"]
    with pytest.raises(ConfigError, match="does not exist"):
        load_keys([], tmp_path / "missing.txt")


@pytest.mark.parametrize("status,code,kind,message,quota", [
    (429, "insufficient_quota", "insufficient_quota", "You exceeded your current quota", True),
    (429, "rate_limit_exceeded", "requests", "Rate limit reached for requests per minute", False),
    (429, "", "", "Quota exceeded for metric generate_requests, limit 15 per minute", False),
    (429, "", "", "Requests per day (RPD) limit reached", True),
    (403, "", "permission_error", "Daily request limit reached for this key", True),
    (403, "", "", "model not allowed", False),
    (402, "", "", "Payment required", True),
    (500, "insufficient_quota", "", "", False),
])
def test_the_quota_rule(status, code, kind, message, quota):
    assert is_quota_error(status, code, kind, message) is quota


def test_retry_after_in_seconds_milliseconds_or_a_date():
    assert parse_retry_after({"retry-after": "2.5"}) == 2.5
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=1_000_000) == pytest.approx(30)
    assert parse_retry_after({"retry-after": "soon"}) is None and parse_retry_after({}) is None


def test_backoff_doubles_with_equal_jitter_under_a_cap():
    rng = random.Random(0)
    for attempt in range(1, 8):
        ceiling = min(4.0, 0.5 * 2 ** (attempt - 1))
        delays = [backoff_delay(attempt, 0.5, 4.0, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays) and max(delays) - min(delays) > ceiling / 4
    assert backoff_delay(1, 0.5, 4.0, rng, retry_after=10.0) == 10.0
