"""Makers registered by name, so that family files can refer to them.

A *maker* is a function ``(rng, lang) -> Draw``: it draws slot values and the tool calls
they imply. Family files (``data/families/*.yaml``) name a maker instead of containing code:

* ``maker: city_weather`` — a plain maker, registered with ``@register_maker("city_weather")``;
* ``maker: {name: weekday, args: {first: 2024, last: 2028}}`` — a *maker factory*,
  registered with ``@register_maker("weekday", factory=True)``; it is called once with the
  arguments and returns the maker;
* ``maker: [conversion, conversion]`` — several makers combined (:func:`combine`): their
  slots are prefixed ``a_``, ``b_``, ``c_`` and their calls concatenated.

The built-in makers live in the ``makers_*`` modules; :func:`maker_registry` imports them.
Users register their own makers the same way before loading their family files.

No-tool families need no maker: :func:`answer_maker` (shared answers, optional slot
pools) and :func:`pair_maker` (request/answer pairs) are built from the file's data.
"""

from __future__ import annotations

import importlib
import inspect
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from toolschool.datagen.family import Draw, FollowUp, Maker, Slot
from toolschool.errors import ConfigError, RegistryError
from toolschool.registry import Registry

_BUILTIN_MODULES = ("makers_weather_time", "makers_info", "makers_language", "makers_math", "makers_parallel",
                    "makers_chained", "makers_no_tool")


@dataclass(frozen=True)
class MakerEntry:
    """A registered maker: ``fn`` is a maker, or a factory returning one when ``factory``."""

    name: str
    fn: Callable[..., Any]
    factory: bool = False


MAKERS: Registry[MakerEntry] = Registry("maker")


def register_maker(name: str, *, factory: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering a maker (or, with ``factory=True``, a maker factory) as ``name``.

    Raises:
        ValueError: ``name`` is already registered to another function.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in MAKERS and MAKERS.get(name).fn is not fn:
            raise ValueError(f"maker {name!r} is already registered")
        MAKERS.register(name, MakerEntry(name, fn, factory))
        return fn

    return decorate


def maker_registry() -> Registry[MakerEntry]:
    """The maker registry, with the built-in makers imported."""
    for module in _BUILTIN_MODULES:
        importlib.import_module(f"toolschool.datagen.{module}")
    return MAKERS


def build_maker(spec: str | Mapping[str, Any] | Sequence[Any]) -> Maker:
    """The maker a family file names: a name, ``{name, args}``, or a list to :func:`combine`.

    Raises:
        ConfigError: unknown maker, arguments given to a plain maker, or arguments the
            factory does not accept (the message lists the known makers or the signature).
    """
    registry = maker_registry()
    if isinstance(spec, (list, tuple)):
        return combine(*(build_maker(part) for part in spec))
    if isinstance(spec, str):
        name, args = spec, {}
    else:
        name, args = spec["name"], dict(spec.get("args") or {})
    try:
        entry = registry.get(name)
    except RegistryError:
        raise ConfigError(f"unknown maker {name!r}; known: {', '.join(registry.names())}") from None
    if not entry.factory:
        if args:
            raise ConfigError(f"maker {name!r} takes no args (got {sorted(args)})")
        return entry.fn
    try:
        inspect.signature(entry.fn).bind(**args)
    except TypeError as exc:
        signature = f"{name}{inspect.signature(entry.fn)}"
        raise ConfigError(f"maker {name!r}: bad args {args}: {exc}; signature: {signature}") from None
    return entry.fn(**args)


# ------------------------------------------------------------------ mechanics shared by makers


def _prefixed(draw: Draw, prefix: str) -> dict[str, Slot | str]:
    return {f"{prefix}{k}": v for k, v in draw.slots.items()}


def combine(*makers: Maker) -> Maker:
    """A maker running ``makers`` in turn, slots prefixed ``a_``, ``b_``, ``c_``; it redraws
    until no two calls are identical."""

    def make(rng: random.Random, lang: str) -> Draw:
        for _ in range(20):
            draws = [m(rng, lang) for m in makers]
            calls = [c for d in draws for c in d.calls]
            if len({repr(sorted(c.arguments.items())) + c.name for c in calls}) == len(calls):
                break
        slots: dict[str, Slot | str] = {}
        for prefix, draw in zip("abc", draws, strict=False):
            slots.update(_prefixed(draw, f"{prefix}_"))
        return Draw(slots, calls)

    return make


def _fill(rng: random.Random, pools: Mapping[str, Sequence[str]] | None) -> dict[str, str]:
    return {k: rng.choice(v) for k, v in (pools or {}).items()}


def _cap_values(values: dict[str, str]) -> dict[str, str]:
    out = dict(values)
    for k, v in values.items():
        out[k.capitalize()] = v[:1].upper() + v[1:]
    return out


def answer_maker(answers: Sequence[str], pools: Mapping[str, Sequence[str]] | None = None) -> Maker:
    """Maker of a no_tool family whose templates share ``answers``: ``pools`` fill
    ``{slots}`` in both the request and the answer (``{Slot}`` in an answer gives the
    capitalised value)."""

    def make(rng: random.Random, _lang: str) -> Draw:
        values = _fill(rng, pools)
        answer = rng.choice(answers)
        return Draw(dict(values), answer=answer.format(**_cap_values(values)) if pools else answer)

    return make


def ask_maker(make: Maker, missing: Sequence[str], questions: Sequence[str], replies: Sequence[str]) -> Maker:
    """Maker of an ask-for-missing-argument family: ``make``'s draw plus a :class:`FollowUp`
    whose question and reply are drawn from ``questions``/``replies`` and filled from the
    draw's slots (the reply names the value the request left out)."""

    def wrapped(rng: random.Random, lang: str) -> Draw:
        draw = make(rng, lang)
        values = {k: v.text if isinstance(v, Slot) else v for k, v in draw.slots.items()}
        question = rng.choice(questions).format(**values)
        reply = rng.choice(replies).format(**values)
        draw.followup = FollowUp(tuple(missing), question, reply)
        return draw

    return wrapped


def pair_maker(pairs: Sequence[tuple[str, str]]) -> Maker:
    """Maker of a no_tool family drawing a (request, answer) pair; the request fills ``{q}``."""

    def make(rng: random.Random, _lang: str) -> Draw:
        question, answer = rng.choice(pairs)
        return Draw({"q": question}, answer=answer)

    return make
