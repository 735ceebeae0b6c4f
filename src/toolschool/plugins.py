"""Plugins: formats, layouts, toolkits and models registered from a dotted path in a config.

A config's ``plugins`` list holds entries of the form ``"package.module:Attribute"``,
optionally named: ``"name=package.module:Attribute"``. Each entry is imported and
registered by what it is:

* a :class:`~toolschool.formats.base.ToolFormat` subclass → a tool-call format;
* a :class:`~toolschool.chat.prompt.Layout` subclass → a chat turn layout;
* a :class:`~toolschool.models.bundled.BundledModel` → a model name;
* a list of :class:`~toolschool.types.ToolSchema` (or :class:`~toolschool.tools.Tool`) → a toolkit.

The name is the given one, else the object's ``name`` attribute (formats, layouts,
models), else the attribute's name lowercased (toolkits). A plain ``"package.module"``
is only imported: such a module registers what it defines itself (the pattern of vLLM's
``--tool-parser-plugin``, whose module registers its parser on import).
"""

from __future__ import annotations

import importlib
from typing import Any

from toolschool.errors import ConfigError


def _split(spec: str) -> tuple[str | None, str, str | None]:
    name, eq, target = spec.partition("=")
    if not eq:
        name, target = "", spec
    module, _, attribute = target.partition(":")
    return (name.strip() or None), module.strip(), (attribute.strip() or None)


def load_plugin(spec: str) -> str:
    """Import ``spec`` and register what it names; returns ``"<kind> <name>"`` (or ``"module"``).

    Raises:
        ConfigError: the module or attribute cannot be imported, or the object is of no
            registrable kind.
    """
    name, module_name, attribute = _split(spec)
    if not module_name:
        raise ConfigError(f"plugin {spec!r}: expected 'package.module:Attribute'")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # any import-time failure of user code
        raise ConfigError(f"plugin {spec!r}: cannot import {module_name!r}: {exc}") from None
    if attribute is None:
        return "module"
    try:
        obj = getattr(module, attribute)
    except AttributeError:
        raise ConfigError(f"plugin {spec!r}: module {module_name!r} has no attribute {attribute!r}") from None
    return _register(spec, obj, name, attribute)


def _register(spec: str, obj: Any, name: str | None, attribute: str) -> str:
    from toolschool.chat import LAYOUTS
    from toolschool.chat.prompt import Layout
    from toolschool.formats import FORMATS
    from toolschool.formats.base import ToolFormat
    from toolschool.models.bundled import BUNDLED, BundledModel
    from toolschool.tools.toolkits import TOOLKITS
    from toolschool.types import ToolSchema

    if isinstance(obj, type) and issubclass(obj, ToolFormat):
        key = name or obj.name or attribute.lower()
        FORMATS.register(key, obj)
        return f"format {key}"
    if isinstance(obj, type) and issubclass(obj, Layout):
        key = name or obj.name or attribute.lower()
        LAYOUTS.register(key, obj)
        return f"layout {key}"
    if isinstance(obj, BundledModel):
        key = name or obj.name
        BUNDLED[key] = obj
        return f"model {key}"
    if isinstance(obj, (list, tuple)) and obj:
        schemas = [getattr(t, "schema", t) for t in obj]
        if all(isinstance(s, ToolSchema) for s in schemas):
            key = name or attribute.lower()
            TOOLKITS.register(key, list(schemas))
            return f"toolkit {key}"
    raise ConfigError(
        f"plugin {spec!r}: {type(obj).__name__} is not a ToolFormat or Layout subclass, a BundledModel "
        "or a list of tool schemas"
    )


def load_plugins(specs: list[str]) -> list[str]:
    """Load every entry of ``specs`` (see :func:`load_plugin`); all problems in one error.

    Raises:
        ConfigError: one line per entry that failed.
    """
    done, problems = [], []
    for spec in specs:
        try:
            done.append(load_plugin(spec))
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("; ".join(problems))
    return done
