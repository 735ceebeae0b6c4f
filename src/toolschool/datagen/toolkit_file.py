"""User tools for data generation: where their schemas come from, and the toolkit file format.

:func:`open_tools` reads a *tools spec* (``DataConfig.tools``, ``toolschool run --tools``):

* ``path/to/tools.json`` or ``.yaml`` holding an OpenAI ``tools`` list (entries
  ``{"type": "function", "function": {name, description, parameters}}`` or the flat
  ``{name, description, parameters}``; MCP's ``inputSchema`` is read too);
* ``path/to/toolkit.yaml`` holding a *toolkit file* (:class:`ToolkitFile`): the tools (or a
  ``source:`` spec they come from) plus phrasing, value pools and chains;
* ``python:package.module`` or ``path/to/tools.py``: the module's ``@tool`` functions
  (:func:`toolschool.tools.tool`), which run during generation;
* ``mcp:COMMAND ARG…``: an MCP server started over stdio (:class:`toolschool.runtime.mcp.MCPClient`),
  or ``mcp:http://host/mcp`` one already running; its listed tools, called during generation;
* ``toolkit:NAME``: a registered toolkit's schemas (``toolkit:coding``).

The format of a toolkit file is documented for users in ``docs/data-families.md``
("Tools of your own"); every error names the file and the entry.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from toolschool.datagen.family_files import Pair
from toolschool.datagen.resources import parse_yaml, validate
from toolschool.errors import ConfigError
from toolschool.types import ToolSchema

Runner = Callable[[dict[str, Any]], Any]
#: How two requests are joined into one parallel request (``{a}``, ``{b}``: the requests).
DEFAULT_JOINS = ["{a} Also, {b}", "{a} And {b}", "Two things. {a} {b}", "{a} Then: {b}"]


class Ask(BaseModel):
    """Ask-for-missing-argument phrasing of one required argument."""

    model_config = ConfigDict(extra="forbid")

    requests: list[str] = Field(min_length=1, description="requests that leave the argument out")
    questions: list[str] = Field(min_length=1, description="the assistant's follow-up asking for it")
    replies: list[str] = Field(min_length=1, description="the user's answer; names the argument as {arg}")


class ToolPhrasing(BaseModel):
    """Phrasing and values of one tool."""

    model_config = ConfigDict(extra="forbid")

    templates: list[str | list[str]] = Field(
        default_factory=list, description="requests with {arg} placeholders; a list entry is one family")
    values: dict[str, list[Any] | str] = Field(
        default_factory=dict, description="argument → values or a pool name")
    synonyms: dict[str, dict[str, list[str]]] = Field(
        default_factory=dict, description="argument → value → how requests may name it")
    ask: dict[str, Ask] = Field(default_factory=dict, description="required argument → ask-for-it phrasing")
    traps: list[Pair] = Field(default_factory=list, description="near misses needing no call, with answers")
    answers: list[str] = Field(default_factory=list, description="final answers: {arg} and {result[key]}")
    result: Any = Field(None, description="an example result (strings may use {arg}) if the tool cannot run")


class ChainSpec(BaseModel):
    """A chained family: ``first`` runs, and arguments of ``then`` are read from its result."""

    model_config = ConfigDict(extra="forbid")

    first: str
    then: str
    link: dict[str, str] = Field(min_length=1, description="then's argument → dotted path in first's result")
    templates: list[str] = Field(min_length=1, description="requests: {first's args}, {next_<then's arg>}")
    result: Any = Field(None, description="first's example result if it cannot run: {arg}, {next_<arg>}")
    values: dict[str, list[Any] | str] = Field(
        default_factory=dict, description="values in this chain: first's {arg}, then's linked next_<arg>")


class ToolkitFile(BaseModel):
    """A toolkit file: tools (or their ``source``) plus phrasing."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="the toolkit's name in the data card")
    source: str | None = Field(None, description="tools spec the tools come from (python:…, mcp:…, a file)")
    tools: list[dict[str, Any]] | None = Field(None, description="OpenAI tools entries")
    lang: str = Field("en", pattern=r"^[a-z]{2}$", description="language of the requests")
    pools: dict[str, list[Any]] = Field(default_factory=dict, description="named value pools")
    phrasing: dict[str, ToolPhrasing] = Field(default_factory=dict, description="tool name → phrasing")
    chains: list[ChainSpec] = Field(default_factory=list, description="chained families")
    joins: list[str] = Field(default_factory=lambda: list(DEFAULT_JOINS), min_length=1,
                             description="how parallel requests are joined: {a}, {b}")


@dataclass
class ToolSource:
    """Tools opened from a spec.

    Attributes:
        label: what the data card records (``"file toolkit.yaml"``, ``"mcp: python s.py"``).
        schemas: the tools' schemas, in the source's order.
        runners: tool name → ``run(arguments) -> result`` for tools that run here.
        spec: the toolkit file's phrasing (empty for a bare tools list, module or server).
        digest: sha256 of the schemas and the phrasing (the card records it).
    """

    label: str
    schemas: list[ToolSchema]
    runners: dict[str, Runner]
    spec: ToolkitFile
    digest: str
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Stop what the source started (an MCP server)."""
        for close in reversed(self.closers):
            close()
        self.closers.clear()


def tool_entry(entry: Any, where: str) -> ToolSchema:
    """A :class:`ToolSchema` from an OpenAI ``tools`` entry, a flat one or an MCP tool dict.

    Raises:
        ConfigError: the entry is not one of those shapes (``where`` names it).
    """
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: a tool must be a mapping, got {type(entry).__name__}")
    if "function" in entry:
        data = entry
    else:
        params = entry.get("parameters", entry.get("inputSchema", entry.get("input_schema")))
        fn = {k: v for k, v in (("name", entry.get("name")), ("description", entry.get("description")),
                                ("parameters", params)) if v is not None}
        data = {"type": "function", "function": fn}
    try:
        return ToolSchema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{where}: not a tool schema: {problems}") from None


def digest(schemas: list[ToolSchema], spec: ToolkitFile) -> str:
    """sha256 of the tools' schemas and the toolkit file's phrasing (what the data depends on)."""
    blob = json.dumps([[s.to_openai() for s in schemas], spec.model_dump(mode="json", by_alias=True)],
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _python_tools(module: Any, label: str) -> tuple[list[ToolSchema], dict[str, Runner]]:
    from toolschool.tools.schema import Tool

    tools = [v for v in vars(module).values() if isinstance(v, Tool)]
    if not tools:
        raise ConfigError(f"{label}: no @tool functions in the module")
    return [t.schema for t in tools], {t.name: (lambda args, t=t: t(**args)) for t in tools}


def _import_file(path: Path) -> Any:
    name = f"toolschool_user_tools_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # any error of user code at import
        sys.modules.pop(name, None)
        raise ConfigError(f"{path}: importing it failed: {type(exc).__name__}: {exc}") from None
    return module


def _open_file(path: Path) -> ToolSource:
    if not path.is_file():
        raise ConfigError(f"tools: {path} does not exist")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    else:
        data = parse_yaml(text, str(path))
    if isinstance(data, list):
        spec = ToolkitFile(tools=data)
    elif isinstance(data, dict):
        spec = validate(ToolkitFile, data, str(path))
    else:
        raise ConfigError(f"{path}: expected a list of tools or a toolkit file mapping")
    if (spec.tools is None) == (spec.source is None):
        raise ConfigError(f"{path}: give exactly one of tools: (a list) or source: (where tools come from)")
    if spec.tools is not None:
        schemas = [tool_entry(t, f"{path}: tools {i + 1}") for i, t in enumerate(spec.tools)]
        source = ToolSource(f"file {path.name}", schemas, {}, spec, "")
    else:
        assert spec.source is not None
        inner = open_tools(spec.source, base=path.parent)
        source = ToolSource(f"file {path.name} ({inner.label})", inner.schemas, inner.runners, spec, "",
                            inner.closers)
    source.digest = digest(source.schemas, spec)
    return source


def open_tools(spec: str, base: Path | None = None) -> ToolSource:
    """Open the tools ``spec`` names (see the module docstring); relative paths from ``base``.

    Close the result (:meth:`ToolSource.close`) to stop an MCP server.

    Raises:
        ConfigError: the file, module, toolkit or server cannot be read or has no tools;
        MCPServerError: the MCP server does not start.
    """
    spec = spec.strip()
    if spec.startswith("mcp:"):
        from toolschool.runtime.mcp import MCPClient

        argv = shlex.split(spec[4:])
        if not argv:
            raise ConfigError("tools: 'mcp:' needs a command, e.g. mcp:python server.py")
        if argv[0].startswith(("http://", "https://")):
            client = MCPClient.http(argv[0]).start()
        else:
            client = MCPClient.stdio(argv[0], argv[1:], cwd=str(base) if base else None).start()
        schemas = client.schemas()
        runners = {s.name: (lambda args, n=s.name: client.call(n, args)) for s in schemas}
        empty = ToolkitFile(tools=[])
        return ToolSource(f"mcp: {' '.join(argv)}", schemas, runners, empty, digest(schemas, empty),
                          [client.close])
    if spec.startswith("toolkit:"):
        from toolschool.tools.toolkits import get_toolkit

        schemas = get_toolkit(spec[len("toolkit:"):])
        empty = ToolkitFile(tools=[])
        return ToolSource(spec, schemas, {}, empty, digest(schemas, empty))
    if spec.startswith("python:") or spec.endswith(".py"):
        if spec.startswith("python:"):
            try:
                module = importlib.import_module(spec[len("python:"):])
            except Exception as exc:  # any error of user code at import
                raise ConfigError(f"tools: cannot import {spec[7:]!r}: {type(exc).__name__}: {exc}") from None
        else:
            module = _import_file(Path(base or ".") / spec)
        schemas, runners = _python_tools(module, spec)
        empty = ToolkitFile(tools=[])
        return ToolSource(spec, schemas, runners, empty, digest(schemas, empty))
    return _open_file(Path(base or ".") / spec)
