"""Checks of a teacher's output before it becomes training data (rule-based, no model).

A *labelled* answer passes when it is not cut off, says something, and every call parses, names
an offered tool, validates against that tool's JSON Schema
(:func:`toolschool.tools.schema.validate_arguments`, the check generated data passes too) and is
not a repeat of another call of the same answer. A *paraphrase* passes when it is new (not the
request again, nor another paraphrase, compared case- and space-insensitively) and still
contains every value the request's calls copy from it (:func:`copied_values`), so the calls stay
right for the new wording.

Every failure is a :class:`Reject` with one reason of :data:`REJECT_REASONS`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from toolschool.tools.schema import validate_arguments
from toolschool.types import ToolCall, ToolSchema

#: reason → what it means
REJECT_REASONS = {
    "truncated": "the answer was cut off (finish_reason length)",
    "empty_answer": "neither text nor a call",
    "arguments_not_json": "a call's arguments are not JSON",
    "arguments_not_object": "a call's arguments are JSON but not an object",
    "unknown_tool": "a call names a tool that was not offered",
    "invalid_arguments": "a call's arguments fail the tool's JSON Schema",
    "duplicate_call": "the same call twice in one answer",
    "unparsable_reply": "no paraphrases could be read from the reply",
    "unchanged": "the paraphrase is the request itself",
    "duplicate": "the paraphrase repeats an earlier one",
    "lost_value": "the paraphrase lost a value the calls copy from the request",
    "endpoint_refused": "the endpoint refused the request (HTTP 4xx other than key or quota errors)",
}


@dataclass
class Reject:
    """A rejected output: ``reason`` (a key of :data:`REJECT_REASONS`) and a ``detail`` for people."""

    reason: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _arguments(raw: str | dict[str, Any] | None) -> tuple[dict[str, Any] | None, Reject | None]:
    if isinstance(raw, dict):
        return raw, None
    if raw is None or not raw.strip():
        return {}, None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, Reject("arguments_not_json", f"{exc.msg} at column {exc.colno}: {raw[:80]!r}")
    if not isinstance(value, dict):
        return None, Reject("arguments_not_object", f"arguments are a {type(value).__name__}: {raw[:80]!r}")
    return value, None


def check_calls(raw_calls: Iterable[tuple[str, str | dict[str, Any] | None]],
                tools: list[ToolSchema]) -> tuple[list[ToolCall], Reject | None]:
    """Parse and check the ``(name, arguments JSON text)`` pairs of one answer.

    Returns:
        ``(calls, None)`` when all pass (ids ``call_0``, ``call_1``… in order), else
        ``([], reject)`` for the first failing call (the detail names it and its position).
    """
    offered = {t.name: t for t in tools}
    calls: list[ToolCall] = []
    seen: set[str] = set()
    for i, (name, raw) in enumerate(raw_calls):
        where = f"call {i} ({name!r})"
        arguments, reject = _arguments(raw)
        if reject is not None:
            return [], Reject(reject.reason, f"{where}: {reject.detail}")
        if name not in offered:
            return [], Reject("unknown_tool", f"{where}: not among the offered tools {sorted(offered)}")
        problems = validate_arguments(offered[name], arguments or {})
        if problems:
            return [], Reject("invalid_arguments", f"{where}: " + "; ".join(problems))
        signature = json.dumps([name, arguments], sort_keys=True)
        if signature in seen:
            return [], Reject("duplicate_call", f"{where}: same name and arguments as an earlier call")
        seen.add(signature)
        calls.append(ToolCall(id=f"call_{i}", name=name, arguments=arguments or {}))
    return calls, None


def _scalars(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    elif not isinstance(value, bool) and isinstance(value, (str, int, float)):
        yield value


def _spellings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, float) and value.is_integer():
        return [str(int(value)), str(value)]
    return [str(value)]


def _pattern(text: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in text.split())
    head = r"(?<!\w)" if text[:1].isalnum() else ""
    tail = r"(?!\w)" if text[-1:].isalnum() else ""
    return re.compile(head + words + tail, re.IGNORECASE)


def contains_value(text: str, value: str) -> bool:
    """Whether ``value`` occurs in ``text`` case-insensitively, any run of spaces matching any
    other, and not inside a longer word or number (``3`` is not in ``13``)."""
    return bool(value.strip()) and bool(_pattern(value.strip()).search(text))


_WORD = re.compile(r"\d+(?:[.,]\d+)*|\w+")


def copied_values(request: str, calls: Iterable[ToolCall], keep: Iterable[str] = ()) -> list[str]:
    """The values a paraphrase of ``request`` must keep, plus ``keep`` as given.

    For each string or number argument of ``calls`` (nested ones too): the whole value as it
    is spelled in ``request`` when it occurs there; otherwise, for a string, each of its
    numbers and words of four letters or more that occurs in ``request`` (a search query
    ``"Norwegian Wood author"`` built from "who wrote Norwegian Wood?" keeps ``Norwegian`` and
    ``Wood``; an expression ``"50% of 5541000"`` keeps ``50``). Values the calls do not take from
    the request (a normalised date, a looked-up number) are not required."""
    values: list[str] = []
    for call in calls:
        for scalar in _scalars(call.arguments):
            whole = next((s for s in _spellings(scalar) if contains_value(request, s)), None)
            if whole is not None:
                values.append(whole)
            elif isinstance(scalar, str):
                values += [w for w in _WORD.findall(scalar)
                           if (w[0].isdigit() or len(w) >= 4) and contains_value(request, w)]
    values += [k for k in keep if k.strip()]
    return list(dict.fromkeys(values))


_FENCE = re.compile(r"^```[\w-]*\s*\n?(.*?)\n?```\s*$", re.DOTALL)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def parse_paraphrases(text: str) -> list[str] | None:
    """The paraphrases in a teacher's reply: a JSON object ``{"paraphrases": [...]}`` or a JSON
    list of strings (inside a Markdown fence or not), else the reply's numbered or bulleted
    lines. None when nothing can be read."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1).strip()
    try:
        value = json.loads(body)
    except json.JSONDecodeError:
        value = None
    if isinstance(value, dict):
        value = next((v for v in value.values() if isinstance(v, list)), None)
    if isinstance(value, list):
        items = [v.strip() for v in value if isinstance(v, str) and v.strip()]
        return items or None
    lines = [_BULLET.sub("", line).strip() for line in body.splitlines() if _BULLET.match(line)]
    return [line for line in lines if line] or None


def _norm(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(" .?!")


def check_paraphrases(request: str, paraphrases: list[str], values: list[str]) -> list[Reject | None]:
    """One verdict per paraphrase, in order: None (kept) or the :class:`Reject`."""
    seen = {_norm(request)}
    verdicts: list[Reject | None] = []
    for text in paraphrases:
        key = _norm(text)
        lost = [v for v in values if not contains_value(text, v)]
        if key == _norm(request):
            verdicts.append(Reject("unchanged", "the paraphrase is the request itself"))
        elif key in seen:
            verdicts.append(Reject("duplicate", "repeats an earlier paraphrase"))
        elif lost:
            verdicts.append(Reject("lost_value", "missing " + ", ".join(repr(v) for v in lost)))
        else:
            verdicts.append(None)
        seen.add(key)
    return verdicts
