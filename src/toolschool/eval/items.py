"""Evaluation items, expected calls and model predictions, with their JSONL loaders.

An eval item file is JSONL, one :class:`EvalItem` per line, in the format of the hand-written
dev set (``shared/eval/README.md``, ``natural_dev.jsonl``)::

    {"id": "nat-0010", "category": "single", "tool": "unit_converter",
     "messages": [{"role": "user", "content": "23 kg in lbs?"}],
     "expected": [{"name": "unit_converter",
                   "arguments": {"value": [23], "from": ["kg", "kilograms"], "to": ["lb"]}}]}

* ``expected`` holds the calls of the next assistant turn; ``[]`` means no call is right.
* Each expected call maps every checked argument to a *list of acceptable values* (a
  disjunction, as in BFCL's ``possible_answer`` files); arguments not listed are not checked.
  As in BFCL, ``""`` in the list means the argument may be omitted.
* Optional per-call keys: ``_loose: [arg]`` with ``_keywords: {arg: [words]}`` (free-text
  argument: any non-empty string containing every keyword passes) and
  ``_numeric: {arg: x}`` (a calculator expression passes if it evaluates to ``x``).
* ``category`` is optional; when missing it is inferred (:func:`infer_category`).
* Other item keys (``tool``, anything starting with ``_``) are ignored.

A prediction file is JSONL of :class:`Prediction`, written by the eval runner::

    {"id": "nat-0010", "raw": "<tool_call>…</tool_call>",
     "calls": [{"name": "unit_converter", "arguments": {"value": 23, "from": "kg", "to": "lb"}}],
     "error": null, "attempted": true, "latency_ms": 812.5}
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from toolschool.errors import DataError
from toolschool.types import Message, ToolCall, ToolSchema, parse_json_line

#: Categories in report order: the dev set's (``shared/eval/README.md``), then the data stage's
#: ``ask_missing`` (the right move is a follow-up question: no call); other strings are allowed too.
KNOWN_CATEGORIES = ("single", "parallel", "chained", "no_tool", "ask_missing")


class ExpectedCall(BaseModel):
    """One expected call.

    Shape: ``{"name", "arguments": {arg: [acceptable…]}, "_loose"?, "_keywords"?, "_numeric"?}``.

    Attributes:
        name: the tool name; compared exactly (case-sensitive, as BFCL's AST checker does).
        arguments: argument → list of acceptable values (any one passes).
        loose: from ``_loose``; arguments checked by keywords instead of by value.
        keywords: from ``_keywords``; loose argument → words it must contain (case-insensitive).
        numeric: from ``_numeric``; argument → the number its expression must evaluate to.

    Unknown keys are rejected (a misspelt ``_keyword`` would otherwise silently disable a rule).
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1)
    arguments: dict[str, list[Any]] = Field(default_factory=dict)
    loose: list[str] = Field(default_factory=list, alias="_loose")
    keywords: dict[str, list[str]] = Field(default_factory=dict, alias="_keywords")
    numeric: dict[str, float] = Field(default_factory=dict, alias="_numeric")

    @field_validator("arguments", mode="before")
    @classmethod
    def _lists_of_values(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for arg, acceptable in value.items():
                if not isinstance(acceptable, list):
                    raise ValueError(
                        f"argument {arg!r} must map to a list of acceptable values, "
                        f"got {type(acceptable).__name__}"
                    )
        return value

    @field_validator("numeric", mode="before")
    @classmethod
    def _numbers_only(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for arg, target in value.items():
                number = isinstance(target, (int, float)) and not isinstance(target, bool)
                if not number or not math.isfinite(target):
                    raise ValueError(f"_numeric[{arg!r}] must be a finite number, got {target!r}")
        return value

    @model_validator(mode="after")
    def _rules_name_listed_arguments(self) -> ExpectedCall:
        for arg in self.loose:
            if arg not in self.arguments:
                raise ValueError(f"_loose names {arg!r}, which is not in arguments")
        for arg in self.keywords:
            if arg not in self.loose:
                raise ValueError(f"_keywords names {arg!r}, which is not in _loose")
        for arg in self.numeric:
            if arg not in self.arguments:
                raise ValueError(f"_numeric names {arg!r}, which is not in arguments")
        return self


def infer_category(messages: list[Message], expected: list[ExpectedCall]) -> str:
    """The category of an item without one (rules of ``shared/eval/README.md``).

    ``no_tool`` if ``expected`` is empty, else ``chained`` if the conversation already holds a
    ``tool`` message, else ``parallel`` if more than one call is expected, else ``single``.
    """
    if not expected:
        return "no_tool"
    if any(m.role == "tool" for m in messages):
        return "chained"
    if len(expected) > 1:
        return "parallel"
    return "single"


class EvalItem(BaseModel):
    """One evaluation item: the conversation so far and the calls of the next assistant turn.

    Attributes:
        id: unique within a file.
        messages: the conversation so far (at least one message); assistant ``tool_calls``
            may use OpenAI's nested shape or the flat one (see :class:`toolschool.types.ToolCall`).
        tools: the tools offered, when the item carries them; ``None`` means the harness
            supplies them (the dev set uses the ``assistant`` toolkit).
        expected: calls of the next assistant turn; ``[]`` means no call is right.
        category: as given, or inferred by :func:`infer_category`.
    """

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    messages: list[Message] = Field(min_length=1)
    tools: list[ToolSchema] | None = None
    expected: list[ExpectedCall]
    category: str | None = None

    @field_validator("tools", mode="before")
    @classmethod
    def _decode_tools(cls, value: Any) -> Any:
        if isinstance(value, str):  # datasets-friendly storage keeps tools as a JSON string
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"tools is a string but not JSON: {exc}") from None
        return value

    @model_validator(mode="after")
    def _fill_category(self) -> EvalItem:
        if self.category is None or not self.category.strip():
            self.category = infer_category(self.messages, self.expected)
        elif self.category == "no_tool" and self.expected:
            raise ValueError("category is 'no_tool' but expected lists calls")
        elif self.expected == [] and self.category in ("single", "parallel", "chained"):
            raise ValueError(f"category is {self.category!r} but expected is empty")
        return self

    @property
    def expected_names(self) -> list[str]:
        """Names of the expected calls, in order."""
        return [c.name for c in self.expected]


class Prediction(BaseModel):
    """What a model produced for one item (one line of ``predictions.jsonl``).

    Attributes:
        id: the item id.
        raw: the model's raw output text.
        calls: the calls parsed from ``raw`` (flat or OpenAI nested shape).
        error: the parse error(s), if any; ``None`` when the output parsed cleanly.
        attempted: the output contained the start of a call (a marker or call-shaped object),
            whether or not it parsed (:class:`toolschool.formats.base.ParseResult.attempted`).
        latency_ms: wall time of the request; ``None`` when not measured.
        repairs: what a lenient parser fixed in ``raw`` (empty when parsed strictly).
        finish_reason: why generation ended — ``"stop"``, ``"length"`` or ``"call_window"``
            (no call begun within the call window, prose cut); ``None`` when unknown.
    """

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    raw: str = ""
    calls: list[ToolCall] = Field(default_factory=list)
    error: str | None = None
    attempted: bool = False
    latency_ms: float | None = Field(default=None, ge=0)
    repairs: list[str] = Field(default_factory=list)
    finish_reason: str | None = None

    @field_validator("calls", mode="before")
    @classmethod
    def _none_calls(cls, value: Any) -> Any:
        return [] if value is None else value

    @property
    def attempted_call(self) -> bool:
        """True if a call was attempted: the flag is set or at least one call parsed."""
        return self.attempted or bool(self.calls)


def _problems(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "<line>"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)


def _load(path: str | os.PathLike[str], model: type[EvalItem] | type[Prediction]) -> list[Any]:
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot read {model.__name__} file: {exc.strerror or exc}") from None
    out: list[Any] = []
    seen: dict[str, int] = {}
    with handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            data = parse_json_line(path, lineno, line)
            if not isinstance(data, dict):
                raise DataError(f"{path}:{lineno}: expected a JSON object, got {type(data).__name__}")
            try:
                obj = model.model_validate(data)
            except ValidationError as exc:
                where = f" (id {data['id']!r})" if isinstance(data.get("id"), str) else ""
                raise DataError(
                    f"{path}:{lineno}{where}: not a valid {model.__name__}: {_problems(exc)}"
                ) from None
            if obj.id in seen:
                raise DataError(f"{path}:{lineno}: duplicate id {obj.id!r} (first on line {seen[obj.id]})")
            seen[obj.id] = lineno
            out.append(obj)
    return out


def load_items(path: str | os.PathLike[str]) -> list[EvalItem]:
    """Read an eval item JSONL file (blank lines skipped).

    Returns:
        The items in file order, each with its category filled in.

    Raises:
        DataError: unreadable file, a line that is not a JSON object, a field that does not
            validate, or a duplicate id; the message names the file, the 1-based line and
            the field path (e.g. ``expected.0.arguments``).
    """
    return _load(path, EvalItem)


def load_predictions(path: str | os.PathLike[str]) -> list[Prediction]:
    """Read a ``predictions.jsonl`` file (blank lines skipped).

    Raises:
        DataError: as :func:`load_items` (file, line, field; duplicate ids).
    """
    return _load(path, Prediction)
