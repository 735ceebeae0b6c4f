"""Format-free conversation types: the canonical data every stage speaks.

The shapes follow the OpenAI chat-completions API: a :class:`Conversation` is a list of
:class:`Message` plus the :class:`ToolSchema` list offered to the model. Nothing here
knows about wire formats, models or files other than JSONL.

Serialisation is JSONL, one conversation per line (:func:`read_jsonl`, :func:`write_jsonl`,
:func:`append_jsonl`). Tool-call ``arguments`` are dicts in memory; when reading, a JSON
string (OpenAI's wire shape) is decoded.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from toolschool.errors import DataError

Role = Literal["system", "user", "assistant", "tool"]


class ToolCall(BaseModel):
    """One call of a tool: ``{"id"?, "name", "arguments": {...}}``.

    Accepts OpenAI's nested shape ``{"id", "type": "function", "function": {"name",
    "arguments"}}`` as well as the flat one; ``arguments`` may be a dict or a JSON string
    encoding a dict.
    """

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _flatten_openai(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("function"), dict):
            fn = data["function"]
            data = {"id": data.get("id"), "name": fn.get("name"), "arguments": fn.get("arguments", {})}
        return data

    @field_validator("arguments", mode="before")
    @classmethod
    def _decode_arguments(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else {}
            except json.JSONDecodeError as exc:
                raise ValueError(f"arguments is a string but not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise ValueError(f"arguments must be an object, got {type(value).__name__}")
        return value

    def to_openai(self) -> dict[str, Any]:
        """OpenAI wire shape, with ``arguments`` as a JSON string."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": json.dumps(self.arguments, ensure_ascii=False)},
        }


class Message(BaseModel):
    """One chat message.

    ``tool_calls`` is set on assistant messages that call tools; ``tool_call_id`` and
    ``name`` on ``role="tool"`` messages that carry a tool result. ``content`` ``None`` is
    read as ``""``.
    """

    model_config = ConfigDict(extra="ignore")

    role: Role
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None

    @field_validator("content", mode="before")
    @classmethod
    def _none_content(cls, value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, list):  # OpenAI content parts: keep the text parts
            return "".join(p.get("text", "") for p in value if isinstance(p, dict))
        return value

    @field_validator("tool_calls", mode="before")
    @classmethod
    def _none_calls(cls, value: Any) -> Any:
        return [] if value is None else value


class FunctionSpec(BaseModel):
    """The ``function`` part of a tool schema: name, description, JSON Schema parameters."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class ToolSchema(BaseModel):
    """A tool declaration in OpenAI ``tools`` shape: ``{"type": "function", "function": {...}}``."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["function"] = "function"
    function: FunctionSpec

    @property
    def name(self) -> str:
        return self.function.name

    @property
    def properties(self) -> dict[str, Any]:
        return self.function.parameters.get("properties", {})

    @property
    def required(self) -> list[str]:
        return list(self.function.parameters.get("required", []))

    def to_openai(self) -> dict[str, Any]:
        """Plain dict in OpenAI ``tools`` shape."""
        return self.model_dump()


class ToolResult(BaseModel):
    """The output of one tool call, as fed back to the model."""

    call_id: str | None = None
    name: str
    content: str


class Conversation(BaseModel):
    """Messages plus the tools offered; ``meta`` holds provenance (id, category, family…)."""

    model_config = ConfigDict(extra="forbid")

    messages: list[Message]
    tools: list[ToolSchema] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)

    @field_validator("tools", mode="before")
    @classmethod
    def _decode_tools(cls, value: Any) -> Any:
        # datasets-friendly storage keeps tools as a JSON string
        if isinstance(value, str):
            return json.loads(value)
        return [] if value is None else value

    def tool_names(self) -> list[str]:
        return [t.name for t in self.tools]


M = TypeVar("M", bound=BaseModel)


def iter_jsonl(path: str | os.PathLike[str], model: type[M]) -> Iterator[M]:
    """Yield ``model`` instances from a JSONL file, skipping blank lines.

    Raises:
        DataError: the file does not exist, or a line is not JSON (file, line and column)
            or not a valid ``model`` (file, line and field).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist")
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            data = parse_json_line(path, lineno, line)
            try:
                yield model.model_validate(data)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in err['loc']) or '<line>'}: {err['msg']}" for err in exc.errors()
                )
                raise DataError(f"{path}:{lineno}: not a valid {model.__name__}: {problems}") from None


def parse_json_line(path: str | os.PathLike[str], lineno: int, line: str) -> Any:
    """The JSON value of one JSONL line.

    Raises:
        DataError: ``{path}:{lineno}: column {n}: invalid JSON ({reason})``, the column 1-based
            within the line.
    """
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{lineno}: column {exc.colno}: invalid JSON ({exc.msg})") from None


def read_jsonl(path: str | os.PathLike[str], model: type[M]) -> list[M]:
    """Read a whole JSONL file into a list (see :func:`iter_jsonl`)."""
    return list(iter_jsonl(path, model))


def _line(item: BaseModel | dict[str, Any]) -> str:
    if isinstance(item, BaseModel):
        return item.model_dump_json(exclude_none=True)
    return json.dumps(item, ensure_ascii=False)


def write_jsonl(path: str | os.PathLike[str], items: Iterable[BaseModel | dict[str, Any]]) -> int:
    """Write items atomically (temp file + rename), so a crash never leaves half a file.

    Returns the number of lines written.
    """
    from toolschool.files import atomic_writer

    count = 0
    with atomic_writer(path) as handle:
        for item in items:
            handle.write(_line(item) + "\n")
            count += 1
    return count


def append_jsonl(path: str | os.PathLike[str], item: BaseModel | dict[str, Any]) -> None:
    """Append one line and flush it to disk at once (crash-safe incremental output)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(_line(item) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
