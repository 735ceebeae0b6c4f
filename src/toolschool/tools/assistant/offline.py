"""The assistant tools that need no network: calculator, datetime, unit_converter.

Results have the shapes the training data's simulated results have
(:mod:`toolschool.datagen.simulators`), so a fine-tuned model reads familiar JSON.
Bad input raises :class:`~toolschool.tools.assistant.http.AssistantToolError` (a
``ValueError``) whose message starts with the tool name.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from typing import Any

from toolschool.tools.arithmetic import evaluate_expression
from toolschool.tools.assistant.http import AssistantToolError

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def format_number(value: float) -> str:
    """``54.0`` → ``"54"``, ``3.14159265`` → ``"3.1416"``, ``12500.0`` → ``"12,500"``
    (the rule of :func:`toolschool.datagen.arithmetic.format_number`, which the training
    data's calculator results use)."""
    if abs(value - round(value)) < 1e-9:
        return f"{int(round(value)):,}" if abs(value) >= 10000 else str(int(round(value)))
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    if text in ("0", "-0"):  # a tiny non-zero value: keep its significant digits
        text = f"{value:.4g}"
    return text


def calculator(expression: str) -> dict[str, Any]:
    """Evaluate an arithmetic expression without ``eval``.

    Source: :func:`toolschool.tools.arithmetic.evaluate_expression` (``+ - * / // % ^``,
    parentheses, ``N%``, ``N% of M``, ``sqrt``/``cbrt``/``abs``, thousands separators).

    Returns:
        ``{"expression": str, "result": str}``, the result formatted like the training
        data's (``"54"``, ``"3.1416"``, ``"12,500"``).

    Raises:
        AssistantToolError: empty or malformed expression, a name or unsupported construct,
            division by zero, a result too large.
    """
    try:
        value = evaluate_expression(expression)
    except ValueError as exc:
        raise AssistantToolError(f"calculator: {exc} in {expression!r}") from None
    return {"expression": expression, "result": format_number(value)}


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _zone(name: str | None) -> Any:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name is None or name.strip().upper() in ("", "UTC", "Z", "GMT"):
        return dt.timezone.utc
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        pass
    from zoneinfo import available_timezones

    folded = name.strip().lower()
    for key in available_timezones():  # "europe/paris" → Europe/Paris
        if key.lower() == folded:
            return ZoneInfo(key)
    raise AssistantToolError(
        f"datetime: unknown timezone {name!r}; use an IANA name such as Europe/Paris or America/New_York"
    )


def _date(text: str | None, action: str) -> dt.date:
    if text is None or not str(text).strip():
        raise AssistantToolError(f"datetime: action {action!r} needs a date (YYYY-MM-DD)")
    text = str(text).strip()
    try:
        return dt.date.fromisoformat(text[:10] if len(text) > 10 and text[10] in "T " else text)
    except ValueError:
        raise AssistantToolError(f"datetime: {text!r} is not an ISO 8601 date (YYYY-MM-DD)") from None


def datetime_tool(
    action: str,
    timezone: str | None = None,
    date: str | None = None,
    days: int | None = None,
    *,
    clock: Callable[[], dt.datetime] = _utc_now,
) -> dict[str, Any]:
    """Dates and times, offline (``zoneinfo`` with the ``tzdata`` package for time zones).

    Args:
        action: ``now`` (date and time in ``timezone``), ``weekday`` (of ``date``, default
            today), ``add_days`` (``date``, default today, plus ``days``) or ``diff`` (days
            from today to ``date``; negative for a past date).
        timezone: IANA name (``Europe/Paris``); default UTC. "Today" is today there.
        date: ISO 8601 date; a datetime's date part is used.
        days: days to add (``add_days``), may be negative.
        clock: returns the current time, timezone-aware (injected by tests).

    Returns:
        now: ``{"datetime", "timezone", "weekday", "utc_offset"}``; weekday: ``{"date",
        "weekday"}``; add_days: ``{"start", "days", "date", "weekday"}``; diff: ``{"from",
        "to", "days"}``.

    Raises:
        AssistantToolError: unknown action or timezone, a missing or malformed date,
            ``add_days`` without ``days``, a date out of range.
    """
    zone = _zone(timezone)
    now = clock().astimezone(zone)
    today = now.date()
    tz_name = timezone.strip() if timezone and timezone.strip() else "UTC"
    if action == "now":
        offset = now.strftime("%z")
        return {
            "datetime": now.strftime("%Y-%m-%dT%H:%M:%S"),
            "timezone": tz_name,
            "weekday": WEEKDAYS[now.weekday()],
            "utc_offset": f"{offset[:3]}:{offset[3:]}",
        }
    if action == "weekday":
        day = _date(date, action) if date is not None else today
        return {"date": day.isoformat(), "weekday": WEEKDAYS[day.weekday()]}
    if action == "add_days":
        if days is None or isinstance(days, bool) or not isinstance(days, int):
            raise AssistantToolError("datetime: action 'add_days' needs an integer 'days'")
        start = _date(date, action) if date is not None else today
        try:
            result = start + dt.timedelta(days=days)
        except OverflowError:
            raise AssistantToolError(f"datetime: {start.isoformat()} + {days} days is out of range") from None
        return {
            "start": start.isoformat(),
            "days": days,
            "date": result.isoformat(),
            "weekday": WEEKDAYS[result.weekday()],
        }
    if action == "diff":
        day = _date(date, action)
        return {"from": today.isoformat(), "to": day.isoformat(), "days": (day - today).days}
    raise AssistantToolError(f"datetime: unknown action {action!r}; use now, weekday, add_days or diff")


# spelling (lower-cased, spaces collapsed) → pint unit. pint alone would read "C" as
# coulomb, "F" as farad and "fl oz" as two units; the training data's calls use km, mi, m,
# ft, in, cm, mm, yd, kg, lb, g, oz, st, °C, °F, K, L, mL, gal, cup, fl oz, km/h, mph, m/s, kn.
_SPELLINGS: dict[str, str] = {
    "degC": "c|°c|ºc|degc|deg c|celsius|degree celsius|degrees celsius|centigrade",
    "degF": "f|°f|ºf|degf|deg f|fahrenheit|degree fahrenheit|degrees fahrenheit",
    "kelvin": "k|°k|kelvin|kelvins|degree kelvin|degrees kelvin",
    "kilometer / hour": "km/h|kmh|kph|km/hr|km per hour|kilometer per hour|kilometers per hour"
    "|kilometre per hour|kilometres per hour",
    "mile / hour": "mph|mi/h|mi/hr|mile per hour|miles per hour|miles an hour",
    "meter / second": "m/s|mps|meter per second|meters per second|metre per second|metres per second",
    "foot / second": "ft/s|fps|foot per second|feet per second",
    "knot": "kn|kt|kts|knot|knots",
    "fluid_ounce": "fl oz|fl. oz|fl.oz|floz|fluid ounce|fluid ounces",
    "cup": "cup|cups",
    "pint": "pt|pint|pints",
    "quart": "qt|quart|quarts",
    "gallon": "gal|gallon|gallons|us gallon|us gallons",
    "imperial_gallon": "imperial gallon|imperial gallons|uk gallon|uk gallons",
    "tablespoon": "tbsp|tbs|tablespoon|tablespoons",
    "teaspoon": "tsp|teaspoon|teaspoons",
    "liter": "l|liter|liters|litre|litres",
    "milliliter": "ml|milliliter|milliliters|millilitre|millilitres",
    "stone": "st|stone|stones",
    "pound": "lb|lbs|pound|pounds",
    "ounce": "oz|ounce|ounces",
    "inch": "in|inch|inches",
    "foot": "ft|foot|feet",
}
_ALIASES: dict[str, str] = {
    spelling: unit for unit, spellings in _SPELLINGS.items() for spelling in spellings.split("|")
}

_DIMENSIONS = {
    "[length]": "length",
    "[mass]": "mass",
    "[temperature]": "temperature",
    "[length] ** 3": "volume",
    "[length] / [time]": "speed",
    "[time]": "time",
    "[length] ** 2": "area",
}


@functools.lru_cache(maxsize=1)
def unit_registry() -> Any:
    """The one pint registry (built on first use: about a tenth of a second)."""
    import pint

    return pint.UnitRegistry(autoconvert_offset_to_baseunit=False)


def _unit(text: str, which: str) -> Any:
    import pint

    registry = unit_registry()
    key = " ".join(str(text).strip().lower().split())
    spelled = _ALIASES.get(key)
    try:
        if not key:
            raise ValueError("empty unit")
        return registry.parse_units(spelled if spelled else str(text).strip())
    except (pint.errors.PintError, AttributeError, TypeError, ValueError, SyntaxError, AssertionError):
        raise AssistantToolError(
            f"unit_converter: unknown unit {text!r} ({which}); "
            "use e.g. km, mi, kg, lb, °C, °F, L, cup, fl oz, km/h, mph"
        ) from None


def _kind(units: Any) -> str:
    dims = str(units.dimensionality)
    return _DIMENSIONS.get(dims, dims)


def unit_converter(value: float, from_unit: str, to_unit: str) -> dict[str, Any]:
    """Convert ``value`` between units with pint (offline).

    Temperatures are converted as absolute temperatures (offset units: 20 °C → 68 °F).
    Spellings such as ``km/h``, ``kph``, ``mph``, ``°C``/``C``/``celsius``, ``F``,
    ``cups``, ``fl oz``, ``lbs`` are understood; anything else goes to pint as written.

    Returns:
        ``{"value", "from", "to", "result"}`` (the tool's argument names), ``result`` a
        number rounded to 4 decimals (4 significant digits below 1).

    Raises:
        AssistantToolError: a non-finite value, an unknown unit, or units of different
            dimensions (``km`` to ``kg``).
    """
    import pint

    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise AssistantToolError(f"unit_converter: value must be a finite number, got {value!r}")
    source, target = _unit(from_unit, "from"), _unit(to_unit, "to")
    registry = unit_registry()
    try:
        result = registry.Quantity(value, source).to(target).magnitude
    except pint.errors.DimensionalityError:
        raise AssistantToolError(
            f"unit_converter: cannot convert {from_unit} ({_kind(source)}) to {to_unit} ({_kind(target)})"
        ) from None
    except pint.errors.PintError as exc:
        raise AssistantToolError(f"unit_converter: cannot convert {from_unit} to {to_unit}: {exc}") from None
    result = float(result)
    rounded = round(result, 4) if abs(result) >= 1 or result == 0 else float(f"{result:.4g}")
    return {"value": value, "from": from_unit, "to": to_unit, "result": rounded}
