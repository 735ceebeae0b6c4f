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


def _list_item(items: list[Any], part: str) -> Any:
    """The item of a list section that ``part`` names: its index, or the ``name`` it has."""
    if part.isdigit() and int(part) < len(items):
        return items[int(part)]
    named = [item for item in items if isinstance(item, dict) and item.get("name") == part]
    return named[0] if len(named) == 1 else None


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Return a copy of ``data`` with each ``a.b.c=value`` override applied.

    In a list of sections (a recipe's ``stages``) a key part is an item's index or its
    ``name``: ``stages.0.max_steps=5``, ``stages.code.learning_rate=3e-4``.

    Raises:
        ConfigError: an override is not of the form ``key=value``, or walks into a
            non-mapping value or a list item that does not exist.
    """
    out = yaml.safe_load(yaml.safe_dump(data)) or {}
    problems = []
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            problems.append(f"override {item!r}: expected key=value")
            continue
        parts = key.strip().split(".")
        node: Any = out
        for part in parts[:-1]:
            if isinstance(node, list):
                child = _list_item(node, part)
                if child is None:
                    problems.append(f"override {item!r}: no item {part!r} (an index or a unique name)")
                    break
            else:
                child = node.setdefault(part, {})
            if not isinstance(child, (dict, list)):
                problems.append(f"override {item!r}: {part!r} is not a section")
                break
            node = child
        else:
            if isinstance(node, list):
                problems.append(f"override {item!r}: set a list item's keys one by one "
                                f"({key.strip()}.<key>=…)")
                continue
            try:
                node[parts[-1]] = _parse_value(raw)
            except yaml.YAMLError as exc:
                problems.append(f"override {item!r}: value is not valid YAML ({exc})")
    if problems:
        raise ConfigError("; ".join(problems))
    return out


def _section(cls: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The config class of the section that holds the key at ``loc`` (None if not a config).

    ``loc`` may pass through list items (an index) and tagged unions (the tag, e.g. a
    recipe stage's ``kind``), as pydantic reports them.
    """
    candidates = [cls]
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        tagged = [c for c in candidates if _tag(c) == part] if len(candidates) > 1 else []
        if tagged:
            candidates = tagged
            continue
        field = _field(candidates[0], str(part)) if len(candidates) == 1 else None
        if field is None:
            return None
        candidates = _config_classes(field.annotation)
        if not candidates:
            return None
    return candidates[0] if len(candidates) == 1 else None


def _tag(cls: type[BaseModel]) -> Any:
    """The value of the ``Literal`` field with one value of ``cls`` (its union tag), else None."""
    for field in cls.model_fields.values():
        args = typing.get_args(field.annotation)
        if typing.get_origin(field.annotation) is typing.Literal and len(args) == 1:
            return args[0]
    return None


def _field(cls: Any, name: str) -> Any:
    """The field of ``cls`` a key names (its alias or, without one, its name), else None."""
    for field_name, field in cls.model_fields.items():
        if (field.alias or field_name) == name:
            return field
    return None


def _config_classes(annotation: Any) -> list[type[BaseModel]]:
    """Every BaseModel class inside ``annotation`` (``X``, ``X | None``, ``list[A | B]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [c for arg in typing.get_args(annotation) for c in _config_classes(arg)]


def _config_class(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel class inside ``annotation`` (``X``, ``X | None``), else None."""
    found = _config_classes(annotation)
    return found[0] if found else None


def _keys(cls: type[BaseModel]) -> list[str]:
    """The keys of ``cls`` as a file writes them (aliases where a field has one)."""
    return [field.alias or name for name, field in cls.model_fields.items()]


#: names other tools use for a key → toolschool's key (peft's ``lora_alpha``, TRL's ``lr``…)
ALIASES = {"rank": "r", "lora_r": "r", "lora_alpha": "alpha", "lora_dropout": "dropout",
           "lr": "learning_rate", "num_train_epochs": "epochs", "steps": "max_steps", "per_device_train_batch_size": "batch_size",
           "gradient_accumulation_steps": "gradient_accumulation", "max_seq_length": "max_length"}


def _unknown_key_message(cls: type[BaseModel], loc: tuple[Any, ...]) -> str:
    section = _section(cls, loc)
    if section is None:
        return "unknown key"
    known = sorted(_keys(section))
    name = str(loc[-1])
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if ALIASES.get(name) in known:
        close = [ALIASES[name]]
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key{hint} (keys here: {', '.join(known)})"


def validate_config(cls: type[C], data: dict[str, Any], source: str = "config") -> C:
    """Validate ``data`` as ``cls``; all errors at once, each as ``key: message``.

    A config class may define ``problems_across(data) -> [(key, message)]``: checks across
    its sections (a recipe's stage chain) made on the raw ``data``, so that they are reported
    together with every field's problems rather than only once the fields are valid.

    Raises:
        ConfigError: listing every invalid or unknown key (unknown keys with the closest
            known key and the keys of their section).
    """
    lines = []
    config = None
    try:
        config = cls.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            key = ".".join(str(p) for p in _data_loc(data, err["loc"])) or "(root)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = _unknown_key_message(cls, tuple(err["loc"]))
            lines.append(f"  {key}: {msg}")
    across = getattr(cls, "problems_across", None)
    if across is not None and isinstance(data, dict):
        lines += [f"  {key}: {msg}" for key, msg in across(data)]
    if lines or config is None:
        raise ConfigError(f"{source}: {len(lines)} problem(s)\n" + "\n".join(lines))
    return config


def _data_loc(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """``loc`` without the union tags pydantic puts in it (``stages.0.sft.lr`` → ``stages.0.lr``):
    parts that name nothing in ``data`` where the part after them does."""
    out: list[Any] = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part not in node and i + 1 < len(loc) and loc[i + 1] in node:
            continue  # a tag: the next part is a key of this same mapping
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(out)


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
        key = prefix + (field.alias or name)
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
