"""Asking an OpenAI-compatible endpoint with several API keys, retries and back-off.

The ``openai`` client runs with ``max_retries=0``; this module decides what a failure means:

============================================  ===========  =========================================
failure                                        kind         what happens
============================================  ===========  =========================================
HTTP 429/403 whose code, type or message       ``retire``   the key is retired for the run (it
says quota (``insufficient_quota``, "quota",               is out of its daily/monthly quota);
"per day", "daily", "billing", "credit") and               another key is tried at once
not "per minute"/"per second"; HTTP 402;
HTTP 401 and other 403 (the key is refused);
a 429 whose ``Retry-After`` exceeds
``retry_after_max_s``
HTTP 429 (rate limit), 408, 409, 425, 5xx;     ``transient``  the request waits (exponential
connection dropped or refused; timeout;                    back-off with jitter, at least the
a reply that is not a chat completion                      ``Retry-After``) and is tried again
                                                           with the next key, at most
                                                           ``max_attempts`` times
HTTP 404                                       ``fatal``    the base URL or model name is wrong:
                                                           the run stops (:class:`EndpointError`)
other HTTP 4xx (400, 413, 422…)                ``refused``  this request is refused as it is; not
                                                           retried (the caller records it)
============================================  ===========  =========================================

The quota rule follows OpenAI's error codes (``insufficient_quota`` is a 429 that retrying
cannot fix; the same reading in openai-python PR #3042 and langchainjs issue #1929) and the
per-minute wording of rate limits that other providers put in 429 messages. The back-off is
"equal jitter" (AWS Architecture Blog, *Exponential Backoff And Jitter*, 2015): the capped
exponential delay ``min(cap, base·2^(n-1))`` times a uniform factor in ``[0.5, 1]``, and never
less than the server's ``Retry-After`` (seconds or an HTTP date; OpenAI's ``retry-after-ms``
too).

Keys come from environment variables and/or a file (:func:`load_keys`) and are only ever shown
by their *name* (the variable or ``file:line``), never their value. :class:`KeyPool` hands out
the live keys round-robin to any number of threads; when every key is retired
:class:`KeysExhaustedError` says what happened to each one.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from toolschool.backends.openai_http import EndpointError
from toolschool.errors import ConfigError

FailureKind = Literal["transient", "retire", "fatal", "refused"]

#: error codes/types that mean a key's quota is spent (OpenAI and compatible servers)
QUOTA_CODES = frozenset({"insufficient_quota", "quota_exceeded", "billing_hard_limit_reached",
                         "daily_limit_exceeded", "billing_not_active"})
_QUOTA_WORDS = re.compile(r"quota|per[ -]day|daily|billing|credit", re.IGNORECASE)
_SHORT_WINDOW = re.compile(r"per[ -](minute|second|min\b|sec\b)|\b[RT]PM\b", re.IGNORECASE)
#: HTTP statuses worth trying again
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})


class BadReply(Exception):
    """An HTTP 200 whose body is not a chat completion with a message (see :func:`check_chat_reply`)."""


def check_chat_reply(reply: Any) -> Any:
    """``reply`` when it is a chat completion whose first choice has a message.

    Raises:
        BadReply: anything else (an HTML page, ``{}``, no choices) — a transient failure.
    """
    choices = getattr(reply, "choices", None)
    if not isinstance(choices, list) or not choices or getattr(choices[0], "message", None) is None:
        raise BadReply(f"not a chat completion: {str(reply)[:120]!r}")
    return reply


class KeysExhaustedError(EndpointError):
    """Every API key was retired during a run; the message lists each key's fate.

    Attributes:
        fates: ``{key name: what happened}``.
    """

    def __init__(self, message: str, fates: dict[str, str]):
        super().__init__(message)
        self.fates = dict(fates)


@dataclass
class Failure:
    """What one failed request means (see the module table).

    Attributes:
        kind: ``transient``, ``retire``, ``fatal`` or ``refused``.
        label: a short name to count by (``http_500``, ``rate_limit``, ``quota``, ``connection``…).
        detail: one line for people: status, code and the server's message.
        status: the HTTP status, None without a reply.
        retry_after: seconds the server asked to wait, None when it did not say.
    """

    kind: FailureKind
    label: str
    detail: str
    status: int | None = None
    retry_after: float | None = None


def parse_retry_after(headers: Any, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date,
    RFC 9110 §10.2.3); None when absent or unreadable. Negative waits become 0."""
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _error_fields(exc: Any) -> tuple[str, str, str]:
    """(code, type, message) of an ``openai.APIStatusError``, empty strings when absent."""
    body = exc.body if isinstance(getattr(exc, "body", None), dict) else {}
    code = str(body.get("code") or getattr(exc, "code", None) or "")
    kind = str(body.get("type") or getattr(exc, "type", None) or "")
    message = str(body.get("message") or getattr(exc, "message", "") or "")
    return code, kind, message


def is_quota_error(status: int, code: str, kind: str, message: str) -> bool:
    """Whether an error reply says the key's quota is spent (rule in the module docstring)."""
    if status == 402:
        return True
    if status not in (403, 429):
        return False
    if code in QUOTA_CODES or kind in QUOTA_CODES:
        return True
    text = " ".join((code, kind, message))
    return bool(_QUOTA_WORDS.search(text)) and not _SHORT_WINDOW.search(text)


def classify_failure(exc: BaseException, retry_after_max_s: float = 300.0) -> Failure:
    """The :class:`Failure` an exception of the ``openai`` client stands for.

    Raises:
        BaseException: ``exc`` itself when it is not an ``openai`` error (a bug, not the endpoint).
    """
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return Failure("transient", "timeout", "the request timed out")
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        why = f"{type(cause).__name__}: {cause}" if cause else str(exc)
        return Failure("transient", "connection", f"connection failed ({why})")
    if isinstance(exc, (openai.APIResponseValidationError, BadReply, json.JSONDecodeError)):
        return Failure("transient", "bad_reply", f"unreadable reply: {exc}")
    if not isinstance(exc, openai.APIStatusError):
        raise exc
    status = exc.status_code
    code, kind, message = _error_fields(exc)
    wait = parse_retry_after(exc.response.headers if exc.response is not None else None)
    what = f"HTTP {status}" + (f" {code or kind}" if code or kind else "")
    what += f": {message}" if message else ""
    if is_quota_error(status, code, kind, message):
        return Failure("retire", "quota", f"quota exhausted ({what})", status, wait)
    if status in (401, 403):
        return Failure("retire", "unauthorised" if status == 401 else "forbidden", f"key refused ({what})",
                       status, wait)
    if status == 429 and wait is not None and wait > retry_after_max_s:
        return Failure("retire", "long_wait", f"asked to wait {wait:.0f} s, more than "
                       f"retry_after_max_s={retry_after_max_s:g} ({what})", status, wait)
    if status in TRANSIENT_STATUSES or status >= 500:
        return Failure("transient", "rate_limit" if status == 429 else f"http_{status}", what, status, wait)
    if status == 404:
        return Failure("fatal", "not_found", f"{what} (is the base URL or model name wrong?)", status)
    return Failure("refused", f"http_{status}", what, status)


def backoff_delay(attempt: int, base_s: float, cap_s: float, rng: random.Random,
                  retry_after: float | None = None) -> float:
    """Seconds to wait before try ``attempt + 1`` after ``attempt`` (≥ 1) failed tries: equal
    jitter over ``min(cap_s, base_s·2^(attempt-1))``, and at least ``retry_after``."""
    ceiling = min(cap_s, base_s * 2 ** (attempt - 1))
    delay = ceiling * (0.5 + rng.random() / 2)
    return max(delay, retry_after or 0.0)


@dataclass
class ApiKey:
    """One key: its ``name`` (shown) and ``secret`` (sent, never shown or written)."""

    name: str
    secret: str = field(repr=False)


def load_keys(env_names: list[str], keys_file: str | os.PathLike[str] | None = None) -> list[ApiKey]:
    """The API keys named by ``env_names`` (a variable may hold several, comma-separated) and
    those in ``keys_file`` (one per line; blank lines and ``#`` comments skipped), without
    repeats. Unset variables are skipped; with no key at all, one named ``(no key)`` sending
    ``none`` (local servers ignore it).

    Raises:
        ConfigError: ``keys_file`` does not exist.
    """
    keys: list[ApiKey] = []
    for env in env_names:
        parts = [p.strip() for p in os.environ.get(env, "").split(",") if p.strip()]
        for i, secret in enumerate(parts):
            keys.append(ApiKey(env if len(parts) == 1 else f"{env}[{i}]", secret))
    if keys_file is not None:
        path = Path(keys_file)
        if not path.is_file():
            raise ConfigError(f"api_keys_file {path} does not exist")
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            secret = line.strip()
            if secret and not secret.startswith("#"):
                keys.append(ApiKey(f"{path.name}:{lineno}", secret))
    unique: dict[str, ApiKey] = {}
    for key in keys:
        unique.setdefault(key.secret, key)
    return list(unique.values()) or [ApiKey("(no key)", "none")]


@dataclass
class KeyState:
    """A key's life in a run: requests sent, answers, failures by label, and why it was retired."""

    key: ApiKey
    client: Any = None
    requests: int = 0
    ok: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    retired: str | None = None

    def fate(self) -> str:
        """One line: live or retired (why), with its counts."""
        counts = f"{self.requests} requests, {self.ok} answered"
        if self.failures:
            counts += ", failures " + ", ".join(f"{k}={v}" for k, v in sorted(self.failures.items()))
        state = f"retired: {self.retired}" if self.retired else "live"
        return f"{state} ({counts})"

    def summary(self) -> dict[str, Any]:
        """The key's record for a card (its name, never its secret)."""
        return {"name": self.key.name, "state": "retired" if self.retired else "live", "reason": self.retired,
                "requests": self.requests, "ok": self.ok, "failures": dict(sorted(self.failures.items()))}


class KeyPool:
    """Live keys handed out round-robin, thread-safe; each key gets its own ``openai`` client.

    Args:
        keys: the keys (at least one).
        make_client: ``secret -> client``, called once per key when it is first used.
    """

    def __init__(self, keys: list[ApiKey], make_client: Callable[[str], Any]):
        if not keys:
            raise ValueError("KeyPool needs at least one key")
        self.states = [KeyState(k) for k in keys]
        self._make_client = make_client
        self._lock = threading.Lock()
        self._next = 0

    def live(self) -> int:
        """How many keys are not retired."""
        return sum(s.retired is None for s in self.states)

    def acquire(self) -> KeyState:
        """The next live key (its request counted).

        Raises:
            KeysExhaustedError: every key is retired.
        """
        with self._lock:
            n = len(self.states)
            for step in range(n):
                state = self.states[(self._next + step) % n]
                if state.retired is None:
                    self._next = (self._next + step + 1) % n
                    if state.client is None:
                        state.client = self._make_client(state.key.secret)
                    state.requests += 1
                    return state
        raise self.exhausted()

    def answered(self, state: KeyState) -> None:
        """Count an answer of ``state``'s key."""
        with self._lock:
            state.ok += 1

    def failed(self, state: KeyState, failure: Failure) -> None:
        """Count ``failure`` against the key; a ``retire`` failure retires it (the first reason stays)."""
        with self._lock:
            state.failures[failure.label] += 1
            if failure.kind == "retire" and state.retired is None:
                state.retired = failure.detail

    def exhausted(self) -> KeysExhaustedError:
        """The error saying every key is retired, with each key's fate."""
        fates = {s.key.name: s.fate() for s in self.states}
        lines = "\n".join(f"  {name}: {fate}" for name, fate in fates.items())
        return KeysExhaustedError(f"every API key is retired ({len(fates)} key(s)):\n{lines}", fates)

    def close(self) -> None:
        """Close every client opened."""
        for state in self.states:
            if state.client is not None and hasattr(state.client, "close"):
                state.client.close()


@dataclass
class RetryPolicy:
    """How often and how long to wait (see :func:`backoff_delay`).

    Attributes:
        max_attempts: tries of one request over transient failures (key retirements do not count).
        base_s / cap_s: the back-off's first delay and its cap, in seconds.
        retry_after_max_s: a longer ``Retry-After`` retires the key instead of waiting.
    """

    max_attempts: int = 6
    base_s: float = 1.0
    cap_s: float = 60.0
    retry_after_max_s: float = 300.0


@dataclass
class Outcome:
    """The end of :func:`call_with_retries`: the reply, or why there is none.

    Attributes:
        reply: the client's return value, None on failure.
        failure: the last failure when there is no reply (``refused``, or ``transient`` after
            the last attempt).
        attempts: requests sent for this call.
        key: name of the key that answered (or last tried).
    """

    reply: Any = None
    failure: Failure | None = None
    attempts: int = 0
    key: str | None = None


class Stopped(Exception):
    """The run asked every worker to stop (see ``stop`` of :func:`call_with_retries`)."""


def call_with_retries(
    pool: KeyPool,
    send: Callable[[Any], Any],
    policy: RetryPolicy,
    rng: random.Random,
    sleep: Callable[[float], None] | None = None,
    stop: threading.Event | None = None,
    on_failure: Callable[[Failure, float | None], None] | None = None,
) -> Outcome:
    """Call ``send(client)`` with the pool's keys until it answers (rules in the module docstring).

    Args:
        send: makes the request with one key's ``openai`` client and returns the reply.
        sleep: waits the back-off (default: waits on ``stop``, so a stop ends the wait early).
        stop: when set, no new request is sent (:class:`Stopped` is raised).
        on_failure: told each failure and the wait before the next try (None: no retry).

    Raises:
        KeysExhaustedError: every key is retired.
        EndpointError: a ``fatal`` failure (HTTP 404).
        Stopped: ``stop`` was set.
    """
    stop = stop or threading.Event()
    transient = 0
    attempts = 0
    state: KeyState | None = None
    while True:
        if stop.is_set():
            raise Stopped()
        state = pool.acquire()
        attempts += 1
        try:
            reply = send(state.client)
        except Exception as exc:  # noqa: BLE001 - classify_failure re-raises what is not the endpoint's
            failure = classify_failure(exc, policy.retry_after_max_s)
            pool.failed(state, failure)
            if failure.kind == "fatal":
                raise EndpointError(f"{failure.detail} [key {state.key.name}]") from None
            if failure.kind == "refused":
                _tell(on_failure, failure, None)
                return Outcome(None, failure, attempts, state.key.name)
            if failure.kind == "retire":
                _tell(on_failure, failure, None)
                continue
            transient += 1
            if transient >= policy.max_attempts:
                _tell(on_failure, failure, None)
                return Outcome(None, failure, attempts, state.key.name)
            delay = backoff_delay(transient, policy.base_s, policy.cap_s, rng, failure.retry_after)
            _tell(on_failure, failure, delay)
            if sleep is not None:
                sleep(delay)
            elif stop.wait(delay):
                raise Stopped() from None
            continue
        pool.answered(state)
        return Outcome(reply, None, attempts, state.key.name)


def _tell(callback: Callable[[Failure, float | None], None] | None, failure: Failure,
          delay: float | None) -> None:
    if callback is not None:
        callback(failure, delay)
