"""Units for ``unit_converter``: abbreviations, names in five languages, values and factors.

The call always uses the standard abbreviation (``km``, ``lb``, ``°F``…); the request
uses the abbreviation or a spelled-out name. :func:`accepted_spellings` lists every
equivalent spelling, used for the ``expected`` values of test items.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


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

    abbr: str
    kind: str
    names: dict[str, tuple[str, ...]]
    low: float
    high: float
    factor: float = 1.0


def _u(abbr: str, kind: str, low: float, high: float, factor: float, en: tuple[str, ...], es: str, fr: str,
       de: str, pt: str) -> Unit:
    return Unit(abbr, kind, {"en": en, "es": (es,), "fr": (fr,), "de": (de,), "pt": (pt,)}, low, high, factor)


UNITS: list[Unit] = [
    _u("km", "length", 1, 500, 1000, ("kilometers", "kilometres"), "kilómetros", "kilomètres",
       "Kilometer", "quilômetros"),
    _u("mi", "length", 1, 300, 1609.344, ("miles",), "millas", "miles", "Meilen", "milhas"),
    _u("m", "length", 1, 400, 1, ("meters", "metres"), "metros", "mètres", "Meter", "metros"),
    _u("ft", "length", 1, 1200, 0.3048, ("feet",), "pies", "pieds", "Fuß", "pés"),
    _u("in", "length", 1, 80, 0.0254, ("inches",), "pulgadas", "pouces", "Zoll", "polegadas"),
    _u("cm", "length", 1, 250, 0.01, ("centimeters", "centimetres"), "centímetros",
       "centimètres", "Zentimeter", "centímetros"),
    _u("mm", "length", 1, 500, 0.001, ("millimeters", "millimetres"), "milímetros", "millimètres",
       "Millimeter", "milímetros"),
    _u("yd", "length", 1, 500, 0.9144, ("yards",), "yardas", "yards", "Yards", "jardas"),
    _u("kg", "mass", 0.5, 150, 1, ("kilograms", "kilos"), "kilos", "kilos", "Kilogramm", "quilos"),
    _u("lb", "mass", 1, 300, 0.45359237, ("pounds", "lbs"), "libras", "livres", "Pfund", "libras"),
    _u("g", "mass", 5, 1000, 0.001, ("grams", "grammes"), "gramos", "grammes", "Gramm", "gramas"),
    _u("oz", "mass", 1, 64, 0.028349523125, ("ounces",), "onzas", "onces", "Unzen", "onças"),
    _u("st", "mass", 6, 25, 6.35029318, ("stone",), "stones", "stones", "Stone", "stones"),
    _u("°C", "temperature", -20, 45, 1, ("degrees Celsius", "Celsius", "celsius"), "grados Celsius",
       "degrés Celsius", "Grad Celsius", "graus Celsius"),
    _u("°F", "temperature", -5, 110, 1, ("degrees Fahrenheit", "Fahrenheit", "fahrenheit"),
       "grados Fahrenheit", "degrés Fahrenheit", "Grad Fahrenheit", "graus Fahrenheit"),
    _u("K", "temperature", 200, 400, 1, ("kelvin", "Kelvin"), "kelvin", "kelvins", "Kelvin", "kelvin"),
    _u("L", "volume", 0.25, 60, 1, ("liters", "litres"), "litros", "litres", "Liter", "litros"),
    _u("mL", "volume", 5, 1000, 0.001, ("milliliters", "millilitres"), "mililitros", "millilitres",
       "Milliliter", "mililitros"),
    _u("gal", "volume", 0.5, 40, 3.785411784, ("gallons",), "galones", "gallons", "Gallonen",
       "galões"),
    _u("cup", "volume", 0.25, 8, 0.2365882365, ("cups",), "tazas", "tasses", "Tassen", "xícaras"),
    _u("fl oz", "volume", 1, 64, 0.0295735296, ("fluid ounces", "fl. oz"), "onzas líquidas",
       "onces liquides", "Flüssigunzen", "onças fluidas"),
    _u("km/h", "speed", 5, 300, 1 / 3.6, ("kilometers per hour", "kph", "km per hour"), "kilómetros por hora",
       "kilomètres par heure", "Kilometer pro Stunde", "quilômetros por hora"),
    _u("mph", "speed", 5, 180, 0.44704, ("miles per hour", "miles an hour"), "millas por hora",
       "miles par heure", "Meilen pro Stunde", "milhas por hora"),
    _u("m/s", "speed", 1, 100, 1, ("meters per second", "metres per second"), "metros por segundo",
       "mètres par seconde", "Meter pro Sekunde", "metros por segundo"),
    _u("kn", "speed", 2, 60, 0.514444, ("knots",), "nudos", "nœuds", "Knoten", "nós"),
]
UNIT_BY_ABBR: dict[str, Unit] = {u.abbr: u for u in UNITS}

#: Common conversions people actually ask for: (from, to).
COMMON_PAIRS: list[tuple[str, str]] = [
    ("km", "mi"), ("mi", "km"), ("m", "ft"), ("ft", "m"), ("in", "cm"), ("cm", "in"), ("mm", "in"),
    ("yd", "m"), ("kg", "lb"), ("lb", "kg"), ("g", "oz"), ("oz", "g"), ("st", "kg"), ("°C", "°F"),
    ("°F", "°C"), ("K", "°C"), ("°C", "K"), ("L", "gal"), ("gal", "L"), ("cup", "mL"), ("mL", "cup"),
    ("fl oz", "mL"), ("L", "fl oz"), ("km/h", "mph"), ("mph", "km/h"), ("m/s", "km/h"), ("kn", "km/h"),
    ("mi", "m"), ("lb", "g"), ("ft", "cm"),
]

_EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "km": ("kilometer", "kilometre"), "mi": ("mile",), "m": ("meter", "metre"), "ft": ("foot",), "in": ("inch",),
    "cm": ("centimeter", "centimetre"), "mm": ("millimeter", "millimetre"), "yd": ("yard",),
    "kg": ("kilogram", "kilo"), "g": ("gram", "gramme"), "oz": ("ounce",), "gal": ("gallon",),
    "°C": ("C", "degC", "celsius", "Celsius", "degrees Celsius"),
    "°F": ("F", "degF", "fahrenheit", "Fahrenheit", "degrees Fahrenheit"),
    "K": ("kelvin", "Kelvin"),
    "L": ("l", "liter", "litre"),
    "mph": ("mi/h",), "m/s": ("meter per second",),
    "mL": ("ml",),
    "lb": ("lbs",),
    "kn": ("kt", "knot", "knots"),
    "km/h": ("kph", "kmh"),
    "fl oz": ("floz", "fl. oz"),
    "cup": ("cups",),
    "st": ("stone", "stones"),
}


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
