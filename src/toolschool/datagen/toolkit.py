"""The toolkit a data config teaches: its tools, families, offline runners and result texts.

:func:`open_toolkit` resolves a :class:`~toolschool.datagen.config.DataConfig` to a
:class:`DataToolkit`, one of three kinds:

* ``catalog`` — a toolkit with shipped template families (``assistant``: ``data/catalog.yaml``);
  results are simulated (:mod:`toolschool.datagen.simulators`); its offline tools
  (calculator, datetime, unit converter) run during verification;
* ``shipped`` — a registered toolkit phrased by a shipped toolkit file
  (``data/toolkits/<name>.yaml``: ``coding``), or by generic phrasing when there is none;
* ``user`` — ``config.tools`` (:func:`toolschool.datagen.toolkit_file.open_tools`).

For the last two, families come from :func:`toolschool.datagen.user_families.user_families`
and a call's result is the tool's real output when it runs here, else the toolkit file's
example ``result``; a final answer is written from its ``answers`` templates. Test items
carry the tools (the eval's default toolkit does not know them).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolschool.datagen.catalog import Catalog, families_for, load_family_file
from toolschool.datagen.config import DataConfig
from toolschool.datagen.family import Call, Family
from toolschool.datagen.records import GeneratedRequest
from toolschool.datagen.resources import data_path, load_data, load_model, validate
from toolschool.datagen.sample_checks import result_text, structured
from toolschool.datagen.simulators import Outcome
from toolschool.datagen.toolkit_file import ToolkitFile, ToolSource, digest, open_tools
from toolschool.datagen.user_families import FROM_FILE, fill_example, user_families
from toolschool.tools.toolkits import get_toolkit
from toolschool.types import ToolSchema

Runner = Callable[[dict[str, Any]], Any]
#: Toolkit-independent no_tool families user toolkits also get (shipped small talk).
CHAT_FILES = ("no_tool_chat",)


@dataclass
class DataToolkit:
    """A resolved toolkit.

    Attributes:
        name: the toolkit's name (the user file's ``name``, else its file name).
        kind: ``catalog``, ``shipped`` or ``user`` (see the module docstring).
        schemas: the tools.
        families: every family of the toolkit.
        runners: tools that run offline here: name → ``run(arguments)``.
        phrasing: per tool, where its phrasing came from (catalogue, toolkit file, generic).
        source: what the data card records about where the tools came from.
        spec: the toolkit file (answers, example results), None for the catalogue.
    """

    name: str
    kind: str
    schemas: list[ToolSchema]
    families: list[Family]
    runners: dict[str, Runner]
    phrasing: dict[str, str]
    source: dict[str, Any]
    spec: ToolkitFile | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def items_carry_tools(self) -> bool:
        """Whether test items store the tools (every toolkit but the catalogue's)."""
        return self.kind != "catalog"

    def outcomes(self, sample: GeneratedRequest, results: list[Any]) -> list[Outcome | None] | None:
        """Result texts and answer sentences of ``sample``'s target calls (None: simulate them).

        A call's content is its real ``results`` entry, else the toolkit file's example
        ``result`` filled with the arguments; its sentence is an ``answers`` template filled
        with the arguments and ``result`` (None when there is none or it does not fit).
        """
        if self.spec is None:
            return None
        return [self._outcome(call, result) for call, result in zip(sample.draw.calls, results, strict=True)]

    def _outcome(self, call: Call, result: Any) -> Outcome | None:
        assert self.spec is not None
        phrasing = self.spec.phrasing.get(call.name)
        if result is None and phrasing is not None and phrasing.result is not None:
            try:
                result = fill_example(phrasing.result, dict(call.arguments))
            except (KeyError, IndexError, ValueError):
                result = None
        if result is None:
            return None
        content = result_text(result)
        sentence = None
        if phrasing is not None and phrasing.answers:
            template = random.Random(content).choice(phrasing.answers)  # seeded by the result: reproducible
            try:
                sentence = template.format_map({**call.arguments, "result": structured(result)})
            except (KeyError, IndexError, TypeError, ValueError, AttributeError):
                sentence = None
        return Outcome(content, sentence)

    def close(self) -> None:
        """Stop what the toolkit started (an MCP server)."""
        for close in reversed(self.closers):
            close()
        self.closers.clear()


def builtin_runners(toolkit: str) -> dict[str, Runner]:
    """The tools of a built-in toolkit that run offline, without a sandbox or network:
    ``assistant``'s calculator, datetime and unit converter; ``coding``'s analyze_code."""
    if toolkit == "assistant":
        from toolschool.tools.assistant import assistant_tools

        offline = {"calculator", "datetime", "unit_converter"}
        return {t.name: (lambda args, t=t: t(**args)) for t in assistant_tools() if t.name in offline}
    if toolkit == "coding":
        from toolschool.tools.toolkits.coding import analyze

        return {"analyze_code": lambda args: analyze(args["code"])}
    return {}


def _chat() -> list[Family]:
    return [f for name in CHAT_FILES for f in load_family_file(name)]


def _from_source(source: ToolSource, name: str, kind: str, runners: dict[str, Runner]) -> DataToolkit:
    built = user_families(source.schemas, source.spec, source.label, {**runners, **source.runners}, _chat())
    phrasing = {t: ("shipped toolkit file" if kind == "shipped" and p == FROM_FILE else p)
                for t, p in built.phrasing.items()}
    return DataToolkit(name, kind, source.schemas, built.families, {**runners, **source.runners}, phrasing,
                       {"kind": kind, "label": source.label, "digest": source.digest}, source.spec,
                       list(source.closers))


@contextmanager
def open_toolkit(config: DataConfig) -> Iterator[DataToolkit]:
    """The toolkit ``config`` teaches, closed (an MCP server stopped) on leaving.

    Raises:
        ConfigError: a toolkit file or tools spec that cannot be read, a bad template.
        MCPServerError: the MCP server of ``config.tools`` does not start.
    """
    if config.tools:
        source = open_tools(config.tools)
        try:
            name = source.spec.name or Path(config.tools.split()[0].removeprefix("mcp:")).stem
            kit = _from_source(source, name, "user", {})
        except BaseException:
            source.close()
            raise
    else:
        catalog = load_model(Catalog, "catalog.yaml")
        schemas = get_toolkit(config.toolkit)
        runners = builtin_runners(config.toolkit)
        if config.toolkit in catalog.toolkits:
            families = families_for(config.toolkit, [s.name for s in schemas])
            kit = DataToolkit(config.toolkit, "catalog", schemas, families, runners,
                              {s.name: "catalogue families" for s in schemas},
                              {"kind": "catalog", "label": f"toolkit {config.toolkit}"})
        else:
            relative = f"toolkits/{config.toolkit}.yaml"
            spec = (validate(ToolkitFile, load_data(relative), relative) if data_path(relative).is_file()
                    else ToolkitFile(tools=[]))
            source = ToolSource(f"toolkit {config.toolkit}", schemas, {}, spec, digest(schemas, spec))
            kit = _from_source(source, config.toolkit, "shipped", runners)
    try:
        yield kit
    finally:
        kit.close()
