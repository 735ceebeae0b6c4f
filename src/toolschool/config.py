"""Loading stage configs: YAML file + ``key=value`` overrides → a validated pydantic model.

Overrides use dotted keys (``train.lora.r=8``, ``data.n_train=400``); values are parsed as
YAML scalars/flow collections (``true``, ``3e-4``, ``[q_proj, v_proj]``). Every problem is
reported at once, each with its key, in one :class:`~toolschool.errors.ConfigError`
(torchtune's "all config errors at once"); an unknown key gets the closest known key
("did you mean") and the list of keys of its section.

Every stage config derives from :class:`StageConfig`: unknown keys are refused, and its
``plugins`` (``"package.module:Attribute"`` entries, see :mod:`toolschool.plugins`) are
imported and registered *before* the other fields are checked, so a plugin's format,
layout, toolkit or model name validates like a built-in one.
"""

from __future__ import annotations

import difflib
import os
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from toolschool.errors import ConfigError

C = TypeVar("C", bound=BaseModel)


class StageConfig(BaseModel):
    """Base of every stage config: unknown keys refused, plugins loaded before validation."""

    model_config = ConfigDict(extra="forbid")

    plugins: list[str] = Field(
        default_factory=list, description="'module:Attribute' entries registered before validation"
    )

    @model_validator(mode="before")
    @classmethod
    def _load_plugins(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("plugins"):
            from toolschool.plugins import load_plugins

            specs = data["plugins"]
            if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
                raise ValueError("plugins must be a list of 'module:Attribute' strings")
            load_plugins(specs)
        return data


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


def _section(cls: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The config class of the section that holds the key at ``loc`` (None if not a config)."""
    for part in loc[:-1]:
        field = cls.model_fields.get(str(part))
        if field is None:
            return None
        nested = _config_class(field.annotation)
        if nested is None:
            return None
        cls = nested
    return cls


def _config_class(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel class inside ``annotation`` (``X``, ``X | None``), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _config_class(arg)
        if found is not None:
            return found
    return None


#: names other tools use for a key → toolschool's key (peft's ``lora_alpha``, TRL's ``lr``…)
ALIASES = {"rank": "r", "lora_r": "r", "lora_alpha": "alpha", "lora_dropout": "dropout",
           "lr": "learning_rate", "num_train_epochs": "epochs", "steps": "max_steps", "per_device_train_batch_size": "batch_size",
           "gradient_accumulation_steps": "gradient_accumulation", "max_seq_length": "max_length"}


def _unknown_key_message(cls: type[BaseModel], loc: tuple[Any, ...]) -> str:
    section = _section(cls, loc)
    if section is None:
        return "unknown key"
    known = sorted(section.model_fields)
    name = str(loc[-1])
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if ALIASES.get(name) in known:
        close = [ALIASES[name]]
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key{hint} (keys here: {', '.join(known)})"


def validate_config(cls: type[C], data: dict[str, Any], source: str = "config") -> C:
    """Validate ``data`` as ``cls``; all errors at once, each as ``key: message``.

    Raises:
        ConfigError: listing every invalid or unknown key (unknown keys with the closest
            known key and the keys of their section).
    """
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(root)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = _unknown_key_message(cls, tuple(err["loc"]))
            lines.append(f"  {key}: {msg}")
        raise ConfigError(f"{source}: {len(lines)} problem(s)\n" + "\n".join(lines)) from None


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The YAML mapping in ``path``.

    Raises:
        ConfigError: the file is missing, not valid YAML, or not a mapping.
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {p} does not exist")
    try:
        loaded = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: not valid YAML: {exc}") from None
    if loaded is not None and not isinstance(loaded, dict):
        raise ConfigError(f"{p}: top level must be a mapping, got {type(loaded).__name__}")
    return loaded or {}


def load_config(
    cls: type[C],
    path: str | os.PathLike[str] | None = None,
    overrides: list[str] | None = None,
    options: dict[str, Any] | None = None,
) -> C:
    """Read YAML at ``path`` (or start from defaults), apply ``options``, then overrides; validate.

    ``options`` are values given as command-line options (``--out``…); None values are
    ignored. Later sources win: file < options < ``key=value`` overrides.

    Raises:
        ConfigError: the file is missing or not a YAML mapping, or validation fails.
    """
    data: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        data = read_config_file(path)
        source = str(path)
    given = {k: v for k, v in (options or {}).items() if v is not None}
    if given:
        data.update(given)
        source += " + options"
    if overrides:
        data = apply_overrides(data, overrides)
        source += " + overrides"
    return validate_config(cls, data, source)


def dump_config(config: BaseModel, path: str | os.PathLike[str]) -> Path:
    """Write the resolved config as YAML (every field, defaults included), atomically."""
    from toolschool.files import atomic_write_text

    data = config.to_yaml_dict() if hasattr(config, "to_yaml_dict") else config.model_dump(mode="json")
    return atomic_write_text(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@dataclass(frozen=True)
class ConfigKey:
    """One key of a config: dotted name, its default (as YAML text) and its description."""

    key: str
    default: str
    description: str


def describe_config(cls: type[BaseModel], prefix: str = "") -> list[ConfigKey]:
    """Every key of ``cls`` (nested sections flattened to dotted keys), in declaration order."""
    out: list[ConfigKey] = []
    defaults = _defaults(cls)
    for name, field in cls.model_fields.items():
        key = prefix + name
        nested = _config_class(field.annotation)
        if nested is not None and isinstance(defaults.get(name), dict):
            out += describe_config(nested, key + ".")
            continue
        text = "(required)"
        if name in defaults:
            text = yaml.safe_dump(defaults[name], default_flow_style=True, width=10_000)
            text = text.strip().removesuffix("...").strip()
        out.append(ConfigKey(key, text, field.description or ""))
    return out


def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        if field.is_required():
            continue
        value = field.get_default(call_default_factory=True)
        values[name] = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    return values
