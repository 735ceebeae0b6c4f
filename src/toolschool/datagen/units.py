"""Units for ``unit_converter``: abbreviations, names in five languages, values and factors.

The call always uses the standard abbreviation (``km``, ``lb``, ``°F``…); the request
uses the abbreviation or a spelled-out name. :func:`accepted_spellings` lists every
equivalent spelling, used for the ``expected`` values of test items.

The unit rows, common pairs and extra spellings are data (``data/pools/units.yaml``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pydantic import ConfigDict

from toolschool.datagen.resources import PoolFile


@dataclass(frozen=True)
class Unit:
    """One unit.

    Attributes:
        abbr: the spelling used in calls.
        kind: length, mass, temperature, volume or speed.
        names: spelled-out plural names per language (what follows a number other than 1).
        low, high: a realistic range of values to convert from this unit.
        factor: size in the kind's base unit (m, kg, L, m/s); temperature uses offsets.
    """

    __pydantic_config__ = ConfigDict(extra="forbid")

    abbr: str
    kind: str
    names: dict[str, tuple[str, ...]]
    low: int | float
    high: int | float
    factor: int | float = 1.0



_UNITS_POOLS = PoolFile("pools/units.yaml")
UNITS: list[Unit] = _UNITS_POOLS.get("units", list[Unit])
UNIT_BY_ABBR: dict[str, Unit] = {u.abbr: u for u in UNITS}

#: Common conversions people actually ask for: (from, to).
COMMON_PAIRS: list[tuple[str, str]] = _UNITS_POOLS.get("common_pairs", list[tuple[str, str]])

_EXTRA_ALIASES: dict[str, tuple[str, ...]] = _UNITS_POOLS.get("extra_aliases", dict[str, tuple[str, ...]])
_UNITS_POOLS.done()


def accepted_spellings(abbr: str) -> list[str]:
    """Every spelling of a unit a checker should accept, the call's abbreviation first."""
    unit = UNIT_BY_ABBR[abbr]
    out = [abbr]
    for names in unit.names.values():
        out.extend(names)
    out.extend(_EXTRA_ALIASES.get(abbr, ()))
    seen: list[str] = []
    for name in out:
        if name not in seen:
            seen.append(name)
    return seen


def unit_surface(abbr: str, lang: str, rng: random.Random, spelled: float = 0.6) -> str:
    """How a user writes the unit: a spelled-out name in ``lang`` with probability ``spelled``."""
    unit = UNIT_BY_ABBR[abbr]
    if rng.random() < spelled:
        return rng.choice(unit.names[lang])
    return abbr


def random_value(abbr: str, rng: random.Random, low: float | None = None, high: float | None = None) -> float:
    """A realistic value to convert (integers mostly, one decimal sometimes), within the
    unit's usual range or ``[low, high]``."""
    unit = UNIT_BY_ABBR[abbr]
    low = unit.low if low is None else low
    high = unit.high if high is None else high
    if rng.random() < 0.65 and high - low >= 4:
        return float(rng.randint(int(low) if low < 0 else max(int(low), 2), int(high)))
    return round(rng.uniform(max(low, 1.1) if low >= 0 else low, high), 1)


def value_surface(value: float, lang: str, rng: random.Random) -> str:
    """The number as written: ``12.5`` (en) or ``12,5`` (decimal comma, es/fr/de/pt)."""
    text = str(int(value)) if value == int(value) else f"{value}"
    if lang != "en" and "." in text and rng.random() < 0.7:
        text = text.replace(".", ",")
    return text


def convert(value: float, src: str, dst: str) -> float:
    """Convert ``value`` from unit ``src`` to ``dst`` (same kind), rounded to 4 decimals.

    Raises:
        ValueError: the units are of different kinds.
    """
    a, b = UNIT_BY_ABBR[src], UNIT_BY_ABBR[dst]
    if a.kind != b.kind:
        raise ValueError(f"cannot convert {src} ({a.kind}) to {dst} ({b.kind})")
    if a.kind == "temperature":
        kelvin = {"°C": value + 273.15, "°F": (value - 32) * 5 / 9 + 273.15, "K": value}[src]
        out = {"°C": kelvin - 273.15, "°F": (kelvin - 273.15) * 9 / 5 + 32, "K": kelvin}[dst]
    else:
        out = value * a.factor / b.factor
    return round(out, 4)
