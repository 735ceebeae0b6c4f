"""Loading stage configs: YAML file + ``key=value`` overrides → a validated pydantic model.

Overrides use dotted keys (``train.lora.r=8``, ``data.n_train=400``); values are parsed as
YAML scalars/flow collections (``true``, ``3e-4``, ``[q_proj, v_proj]``). Every problem is
reported at once, each with its key, in one :class:`~toolschool.errors.ConfigError`
(torchtune's "all config errors at once").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from toolschool.errors import ConfigError

C = TypeVar("C", bound=BaseModel)


def _parse_value(raw: str) -> Any:
    """A YAML value; also reads ``1e-4`` as a float (YAML 1.1 wants ``1.0e-4``)."""
    if not raw.strip():
        return ""
    value = yaml.safe_load(raw)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Return a copy of ``data`` with each ``a.b.c=value`` override applied.

    Raises:
        ConfigError: an override is not of the form ``key=value``, or walks into a
            non-mapping value.
    """
    out = yaml.safe_load(yaml.safe_dump(data)) or {}
    problems = []
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            problems.append(f"override {item!r}: expected key=value")
            continue
        parts = key.strip().split(".")
        node = out
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                problems.append(f"override {item!r}: {part!r} is not a section")
                break
            node = child
        else:
            try:
                node[parts[-1]] = _parse_value(raw)
            except yaml.YAMLError as exc:
                problems.append(f"override {item!r}: value is not valid YAML ({exc})")
    if problems:
        raise ConfigError("; ".join(problems))
    return out


def validate_config(cls: type[C], data: dict[str, Any], source: str = "config") -> C:
    """Validate ``data`` as ``cls``; all errors at once, each as ``key: message``.

    Raises:
        ConfigError: listing every invalid or unknown key.
    """
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(root)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            lines.append(f"  {key}: {msg}")
        raise ConfigError(f"{source}: {len(lines)} problem(s)\n" + "\n".join(lines)) from None


def load_config(cls: type[C], path: str | os.PathLike[str] | None = None, overrides: list[str] | None = None) -> C:
    """Read YAML at ``path`` (or start from defaults), apply overrides, validate.

    Raises:
        ConfigError: the file is missing or not a YAML mapping, or validation fails.
    """
    data: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {p} does not exist")
        try:
            loaded = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(f"{p}: not valid YAML: {exc}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{p}: top level must be a mapping, got {type(loaded).__name__}")
        data = loaded or {}
        source = str(p)
    if overrides:
        data = apply_overrides(data, overrides)
        source += " + overrides"
    return validate_config(cls, data, source)


def dump_config(config: BaseModel, path: str | os.PathLike[str]) -> Path:
    """Write the resolved config as YAML (every field, defaults included)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False, allow_unicode=True))
    return p
