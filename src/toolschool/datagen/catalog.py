"""The catalogue of template families per toolkit, loaded from the shipped family files.

``data/catalog.yaml`` lists, per toolkit, the family files (``data/families/<name>.yaml``)
in catalogue order; the order matters, since splits and draws are seeded over it.
:func:`families_for` loads them once and checks them: unique names, known categories,
and tools that exist in the toolkit.
"""

from __future__ import annotations

import functools
from collections import Counter

from pydantic import BaseModel, ConfigDict, Field

from toolschool.datagen.family import CATEGORIES, Family
from toolschool.datagen.family_files import build_families
from toolschool.datagen.resources import load_data, load_model
from toolschool.datagen.slots import CITIES, LANGUAGES
from toolschool.errors import ConfigError


class Catalog(BaseModel):
    """``data/catalog.yaml``: family files per toolkit, and the text pools file."""

    model_config = ConfigDict(extra="forbid")

    toolkits: dict[str, list[str]]
    text_pools: list[str] = Field(default_factory=list)


class TextPools(BaseModel):
    """A pool file of named lists of phrases (``pools:`` of no-tool families refer to them)."""

    model_config = ConfigDict(extra="forbid")

    pools: dict[str, list[str]]


@functools.lru_cache(maxsize=1)
def text_pools() -> dict[str, list[str]]:
    """Named phrase pools: those of the catalogue's pool files, plus ``city_names`` and
    ``language_names`` (English names of the non-English languages) derived from the slots."""
    pools: dict[str, list[str]] = {
        "city_names": [c.name for c in CITIES],
        "language_names": [v["en"] for k, v in LANGUAGES.items() if k != "en"],
    }
    for relative in load_model(Catalog, "catalog.yaml").text_pools:
        pools.update(load_model(TextPools, relative).pools)
    return pools


@functools.cache
def load_family_file(name: str) -> tuple[Family, ...]:
    """The families of shipped file ``families/<name>.yaml`` (loaded once)."""
    relative = f"families/{name}.yaml"
    return tuple(build_families(load_data(relative), relative, text_pools()))


def families_for(toolkit: str, tool_names: list[str] | None = None) -> list[Family]:
    """All families of ``toolkit``, in a fixed order.

    Args:
        toolkit: toolkit name (only ``"assistant"`` has families).
        tool_names: the toolkit's tool names; when given, every family's tool label must
            be one of them, ``"multi_tool"`` or ``"no_tool"``.

    Raises:
        ConfigError: unknown toolkit, or a family file that does not validate.
        ValueError: duplicate family names, an unknown category or tool (a catalogue bug).
    """
    catalog = load_model(Catalog, "catalog.yaml")
    if toolkit not in catalog.toolkits:
        raise ConfigError(f"toolkit: no template families for {toolkit!r}; known: {sorted(catalog.toolkits)}")
    families = [f for name in catalog.toolkits[toolkit] for f in load_family_file(name)]
    duplicates = [name for name, n in Counter(f.name for f in families).items() if n > 1]
    if duplicates:
        raise ValueError(f"duplicate family names: {duplicates}")
    labels = set(tool_names or []) | {"multi_tool", "no_tool"}
    for family in families:
        if family.category not in CATEGORIES:
            raise ValueError(f"family {family.name!r}: unknown category {family.category!r}")
        if tool_names is not None and family.tool not in labels:
            raise ValueError(f"family {family.name!r}: tool {family.tool!r} is not in toolkit {toolkit!r}")
    return families
