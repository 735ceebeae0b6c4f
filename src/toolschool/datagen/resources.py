"""Reading and validating the YAML data files shipped in ``toolschool/datagen/data``.

Files are read through :mod:`importlib.resources` (so they work from a wheel too), parsed
once (:func:`functools.lru_cache`) and validated by a pydantic model. A validation error
becomes a :class:`~toolschool.errors.ConfigError` naming the file and the entry, e.g.
``pools/places.yaml: cities 4 -> tz: Field required``.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from toolschool.errors import ConfigError

M = TypeVar("M", bound=BaseModel)
#: The safe YAML loader, libyaml-backed when PyYAML was built with it (same results, faster).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def data_path(relative: str) -> Any:
    """The shipped data file ``relative`` (e.g. ``"pools/places.yaml"``) as a resource."""
    resource = resources.files("toolschool.datagen") / "data"
    for part in relative.split("/"):
        resource = resource / part
    return resource


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML ``text``; ``source`` names it in errors.

    Raises:
        ConfigError: the text is not valid YAML.
    """
    try:
        return yaml.load(text, Loader=_LOADER)  # a safe loader (libyaml's when available)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None


@functools.cache
def load_data(relative: str) -> Any:
    """The parsed content of shipped data file ``relative`` (parsed once per process).

    Raises:
        ConfigError: the file is missing or not valid YAML.
    """
    resource = data_path(relative)
    if not resource.is_file():
        raise ConfigError(f"{relative}: no such data file in toolschool.datagen")
    return parse_yaml(resource.read_text(encoding="utf-8"), relative)


def read_path(path: str | Path) -> Any:
    """The parsed content of a YAML file on disk (a user's own family file)."""
    path = Path(path)
    return parse_yaml(path.read_text(encoding="utf-8"), str(path))


def describe_location(loc: tuple[Any, ...], data: Any) -> str:
    """A readable location of a validation error: ``cities 4 -> tz`` (entries counted from 1);
    an entry of a family file's ``families`` list reads ``family 3 ('terse') -> maker``."""
    parts: list[str] = []
    if len(loc) >= 2 and loc[0] == "families" and isinstance(loc[1], int):
        entries = data.get("families") if isinstance(data, dict) else None
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        pattern = entry.get("pattern") if isinstance(entry, dict) else None
        parts.append(f"family {loc[1] + 1}" + (f" ({pattern!r})" if pattern else ""))
        loc = loc[2:]
    for key in loc:
        if isinstance(key, int):
            parts.append(str(key + 1))
        else:
            parts.append(("-> " if parts else "") + str(key))
    return " ".join(parts)


def validate(model: type[M], data: Any, source: str) -> M:
    """``model`` validated from ``data``.

    Raises:
        ConfigError: every problem, one per line, each prefixed by ``source``.
    """
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        lines = [f"{source}: {describe_location(tuple(e['loc']), data)}: "
                 f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        raise ConfigError("\n".join(lines)) from None


@functools.cache
def load_model(model: type[M], relative: str) -> M:
    """Shipped data file ``relative`` validated by ``model`` (once per process)."""
    return validate(model, load_data(relative), relative)


class PoolFile:
    """A shipped pool file (``pools/<name>.yaml``): a mapping of named pools.

    :meth:`get` validates one entry against a type (lists, tuples, dicts, dataclasses) with
    pydantic; :meth:`done` rejects entries nobody read, so a misspelt key is an error, not
    a silently ignored pool.
    """

    def __init__(self, relative: str):
        self.relative = relative
        data = load_data(relative)
        if not isinstance(data, dict):
            raise ConfigError(f"{relative}: expected a mapping of pool names to entries")
        self.data: dict[str, Any] = data
        self.used: set[str] = set()

    def get(self, key: str, type_: Any) -> Any:
        """Entry ``key`` validated as ``type_``.

        Raises:
            ConfigError: the entry is missing or does not validate (file, entry and row named).
        """
        if key not in self.data:
            raise ConfigError(f"{self.relative}: missing pool {key!r}")
        self.used.add(key)
        try:
            return TypeAdapter(type_).validate_python(self.data[key])
        except ValidationError as exc:
            lines = [f"{self.relative}: {key} {describe_location(tuple(e['loc']), None)}: {e['msg']}"
                     for e in exc.errors()]
            raise ConfigError("\n".join(lines)) from None

    def done(self) -> None:
        """Raise :class:`ConfigError` if the file has entries no :meth:`get` asked for."""
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise ConfigError(f"{self.relative}: unknown pools {unknown}; known: {sorted(self.used)}")
