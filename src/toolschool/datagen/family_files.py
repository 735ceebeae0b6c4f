"""The format of family files (``data/families/*.yaml``) and how they become families.

A family file holds phrasing as data: per family a pattern name, its templates, and the
name of the maker that draws slot values and calls (see :mod:`toolschool.datagen.makers`).
No-tool families need no maker: their ``answers`` or request/answer ``pairs`` are data.
The format is documented for users in ``docs/data-families.md``.

:class:`FamilyFile` validates a file (unknown keys are errors); :func:`build_families`
turns it into :class:`~toolschool.datagen.family.Family` objects, resolving makers and
pools. Every error names the file and the entry: ``families/weather.yaml: family 3
('weather.terse'): unknown maker 'draw_cty'; known: ...``.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from toolschool.datagen.family import Family, Maker
from toolschool.datagen.makers import answer_maker, ask_maker, build_maker, combine, pair_maker
from toolschool.datagen.resources import read_path, validate
from toolschool.errors import ConfigError

Category = Literal["single", "parallel", "chained", "no_tool", "ask_missing"]
_NAME = r"^[A-Za-z0-9_+\-]+$"
_LANG = r"^[a-z]{2}$"


class MakerRef(BaseModel):
    """A maker factory and its arguments: ``{name: weekday, args: {first: 2024, last: 2028}}``."""

    model_config = ConfigDict(extra="forbid")

    name: str
    args: dict[str, Any] = Field(default_factory=dict)


MakerSpec = str | MakerRef | list[str | MakerRef]


class Pair(BaseModel):
    """One request (``q``) and the plain-text answer to it (``a``)."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(min_length=1)
    a: str = Field(min_length=1)


class Defaults(BaseModel):
    """Values every family of the file takes unless it sets its own."""

    model_config = ConfigDict(extra="forbid")

    category: Category | None = None
    tool: str | None = None
    group: str | None = None
    lang: str | None = Field(None, pattern=_LANG)


class FamilySpec(BaseModel):
    """One family entry. Exactly one of ``maker``, ``answers`` or ``pairs``; ask_missing
    families also take ``missing``, ``questions`` and ``replies``."""

    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(pattern=_NAME)
    name: str | None = None
    category: Category | None = None
    tool: str | None = None
    group: str | None = None
    lang: str | None = Field(None, pattern=_LANG)
    templates: list[str] | None = Field(None, min_length=1)
    maker: MakerSpec | None = None
    answers: list[str] | None = Field(None, min_length=1)
    pairs: list[Pair] | None = Field(None, min_length=1)
    pools: dict[str, str | list[str]] | None = None
    missing: list[str] | None = Field(None, min_length=1)
    questions: list[str] | None = Field(None, min_length=1)
    replies: list[str] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_source(self) -> FamilySpec:
        given = [k for k in ("maker", "answers", "pairs") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"needs exactly one of maker, answers, pairs (got {given or 'none'})")
        if self.pairs is not None and self.templates is not None:
            raise ValueError("pairs families take no templates (the request is the pair's q)")
        if self.pairs is None and self.templates is None:
            raise ValueError("templates: required (at least one)")
        if self.pools is not None and self.answers is None:
            raise ValueError("pools: only families with answers take pools")
        asks = [k for k in ("missing", "questions", "replies") if getattr(self, k) is not None]
        if asks and (len(asks) < 3 or self.maker is None):
            raise ValueError("missing, questions and replies go together, with a maker (ask_missing)")
        return self


class Clause(BaseModel):
    """A tool's short clauses for mixed parallel requests (lowercase, unpunctuated)."""

    model_config = ConfigDict(extra="forbid")

    maker: MakerSpec
    questions: list[str] = Field(default_factory=list)
    imperatives: list[str] = Field(default_factory=list)


class MixedSpec(BaseModel):
    """Mixed-tool parallel families: one family per tool set, templates joined from clauses.

    ``joins`` combine two clauses, ``joins3`` three. Placeholders: ``{a}``/``{b}``/``{c}``
    the clauses, ``{A}``/``{B}``/``{C}`` capitalised, ``{ea}``/``{eb}``/``{ec}`` their end
    marks (``?`` for a question, ``.`` for an imperative), ``{e}`` the last clause's mark.
    """

    model_config = ConfigDict(extra="forbid")

    clauses: dict[str, Clause]
    joins: list[str] = Field(min_length=1)
    joins3: list[str] = Field(min_length=1)
    sets: list[list[str]]

    @model_validator(mode="after")
    def _known_tools(self) -> MixedSpec:
        for i, tools in enumerate(self.sets):
            unknown = [t for t in tools if t not in self.clauses]
            if unknown or len(tools) not in (2, 3):
                raise ValueError(f"sets {i + 1} {tools}: needs 2 or 3 tools with clauses "
                                 f"(unknown: {unknown})")
        return self


class FamilyFile(BaseModel):
    """A family file: ``defaults``, ``families`` and, optionally, a ``mixed`` section."""

    model_config = ConfigDict(extra="forbid")

    defaults: Defaults = Field(default_factory=Defaults)
    families: list[FamilySpec] = Field(default_factory=list)
    mixed: MixedSpec | None = None


def default_name(category: str, tool: str, pattern: str, lang: str) -> str:
    """The family name when a file gives none: ``<prefix>.<pattern>``, plus ``.<lang>``
    outside English; the prefix is the tool (single), ``parallel.<tool>``, ``chained``,
    ``no_tool`` or ``ask.<tool>`` (ask_missing)."""
    prefixes = {"single": tool, "parallel": f"parallel.{tool}", "chained": "chained", "no_tool": "no_tool",
                "ask_missing": f"ask.{tool}"}
    prefix = prefixes[category]
    return f"{prefix}.{pattern}" + ("" if lang == "en" else f".{lang}")


def _prefix_slots(clause: str, prefix: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "{" + prefix + m.group(1) + "}", clause)


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


def mixed_templates(spec: MixedSpec, tools: list[str]) -> list[str]:
    """Every join of every combination of the tools' clauses, slots prefixed ``a_``, ``b_``, ``c_``."""
    options = []
    for tool, prefix in zip(tools, "abc", strict=False):
        clause = spec.clauses[tool]
        options.append([(_prefix_slots(c, prefix + "_"), "?") for c in clause.questions]
                       + [(_prefix_slots(c, prefix + "_"), ".") for c in clause.imperatives])
    templates = []
    for combo in itertools.product(*options):
        texts = [text for text, _ in combo]
        marks = [mark for _, mark in combo]
        values = {"e": marks[-1]}
        for key, text, mark in zip("abc", texts, marks, strict=False):
            values.update({key: text, key.upper(): _cap(text), f"e{key}": mark})
        for join in spec.joins if len(combo) == 2 else spec.joins3:
            templates.append(join.format(**values))
    return [t.replace("{{", "{").replace("}}", "}") for t in templates]


def _label(i: int, text: str) -> str:
    return f"family {i + 1} ({text!r})"


def build_families(data: Any, source: str, pools: dict[str, list[str]] | None = None) -> list[Family]:
    """The families of one parsed family file.

    Args:
        data: the parsed YAML.
        source: the file's name, used in error messages.
        pools: named text pools that ``pools:`` entries may refer to.

    Raises:
        ConfigError: schema violation, unknown maker or pool, missing category/tool/group.
    """
    spec = validate(FamilyFile, data, source)
    pools = pools or {}
    families: list[Family] = []
    d = spec.defaults
    for i, entry in enumerate(spec.families):
        category = entry.category or d.category
        tool = entry.tool or d.tool
        lang = entry.lang or d.lang or "en"
        if category is None or tool is None:
            raise ConfigError(f"{source}: {_label(i, entry.pattern)}: category and tool are required "
                              "(in the entry or in defaults)")
        group = entry.group or d.group or tool
        name = entry.name or default_name(category, tool, entry.pattern, lang)
        if (category == "ask_missing") != (entry.missing is not None):
            raise ConfigError(f"{source}: {_label(i, name)}: ask_missing families, and only they, take "
                              "missing, questions and replies")
        try:
            make = _make(entry, pools)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {_label(i, name)}: {exc}") from None
        templates = tuple(entry.templates) if entry.templates is not None else ("{q}",)
        families.append(Family(name, category, tool, group, lang, templates, make))
    if spec.mixed is not None:
        mixed = spec.mixed
        for i, tools in enumerate(mixed.sets):
            try:
                make = combine(*(build_maker(_plain(mixed.clauses[t].maker)) for t in tools))
            except ConfigError as exc:
                raise ConfigError(f"{source}: mixed sets {i + 1} {tools}: {exc}") from None
            name = f"parallel.mixed.{'+'.join(tools)}"
            families.append(Family(name, "parallel", "multi_tool", "mixed", "en",
                                   tuple(mixed_templates(mixed, tools)), make))
    return families


def _plain(spec: MakerSpec) -> Any:
    if isinstance(spec, MakerRef):
        return spec.model_dump()
    if isinstance(spec, list):
        return [_plain(s) for s in spec]
    return spec


def _make(entry: FamilySpec, pools: dict[str, list[str]]) -> Maker:
    if entry.maker is not None:
        make = build_maker(_plain(entry.maker))
        if entry.missing is not None:
            assert entry.questions is not None and entry.replies is not None
            return ask_maker(make, entry.missing, entry.questions, entry.replies)
        return make
    if entry.pairs is not None:
        return pair_maker([(p.q, p.a) for p in entry.pairs])
    resolved: dict[str, list[str]] = {}
    for slot, pool in (entry.pools or {}).items():
        if isinstance(pool, list):
            resolved[slot] = pool
        elif pool in pools:
            resolved[slot] = pools[pool]
        else:
            known = ", ".join(sorted(pools))
            raise ConfigError(f"pools: unknown pool {pool!r} for {{{slot}}}; known: {known}")
    assert entry.answers is not None
    return answer_maker(entry.answers, resolved or None)


def load_family_path(path: str | Path, pools: dict[str, list[str]] | None = None) -> list[Family]:
    """The families of a family file on disk (e.g. a user's own tool); errors name the path.

    ``pools`` defaults to the shipped phrase pools (:func:`toolschool.datagen.catalog.text_pools`).
    Register the file's makers (import their module) before calling.
    """
    if pools is None:
        from toolschool.datagen.catalog import text_pools

        pools = text_pools()
    return build_families(read_path(path), str(path), pools)
