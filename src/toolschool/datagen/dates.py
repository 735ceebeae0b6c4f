"""Dates as people write them, in five languages, and back to ISO 8601.

:func:`spell_date` writes a :class:`datetime.date` the way a user would ("March 3rd, 2026",
"3 mars 2026", "14.03.2026"…); :func:`parse_date` reads every spelling it produces back
to a date, which is how tests and chained items check that a ``date`` argument follows
from the text. Numeric day/month spellings are only produced when the day is above 12,
so they are never ambiguous between US and European order.

Month and weekday names and the fixed-date holidays are data (``data/pools/dates.yaml``).
"""

from __future__ import annotations

import datetime as dt
import random
import re

from toolschool.datagen.resources import PoolFile

_DATES_POOLS = PoolFile("pools/dates.yaml")
MONTHS: dict[str, list[str]] = _DATES_POOLS.get("months", dict[str, list[str]])
WEEKDAYS: dict[str, list[str]] = _DATES_POOLS.get("weekdays", dict[str, list[str]])

#: Fixed-date holidays: English name → (month, day). "Christmas 2026" → 2026-12-25.
HOLIDAYS: dict[str, tuple[int, int]] = _DATES_POOLS.get("holidays", dict[str, tuple[int, int]])
_DATES_POOLS.done()


def ordinal(n: int) -> str:
    """``1`` → ``"1st"``, ``12`` → ``"12th"``, ``23`` → ``"23rd"``."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


#: The languages dates are spelled in.
LANGS: tuple[str, ...] = tuple(MONTHS)


def date_spellings(day: dt.date, lang: str) -> list[str]:
    """Every spelling of ``day`` that :func:`spell_date` may draw for ``lang``.

    Raises:
        ValueError: unknown language.
    """
    return _styles(day, lang)


def _styles(day: dt.date, lang: str) -> list[str]:
    d, m, y = day.day, day.month, day.year
    month = MONTHS[lang][m - 1]
    unambiguous = d > 12
    if lang == "en":
        out = [f"{month} {d}, {y}", f"{month} {ordinal(d)}, {y}", f"{month} {ordinal(d)} {y}",
               f"{d} {month} {y}", f"the {ordinal(d)} of {month} {y}", f"{month[:3]} {d} {y}",
               day.isoformat()]
        if unambiguous:
            out += [f"{m:02d}/{d:02d}/{y}", f"{d}/{m}/{y}"]
        return out
    if lang == "es":
        out = [f"{d} de {month} de {y}", f"{d} de {month} del {y}"]
    elif lang == "fr":
        out = [f"{'1er' if d == 1 else d} {month} {y}", f"{d} {month} {y}"]
    elif lang == "de":
        out = [f"{d}. {month} {y}", f"{d:02d}.{m:02d}.{y}"]
    elif lang == "pt":
        out = [f"{d} de {month} de {y}", f"{'1º' if d == 1 else d} de {month} de {y}"]
    else:
        raise ValueError(f"no date spellings for language {lang!r}")
    if unambiguous and lang != "de":
        out.append(f"{d:02d}/{m:02d}/{y}")
    return out


def spell_date(day: dt.date, lang: str, rng: random.Random) -> str:
    """One randomly chosen human spelling of ``day`` in ``lang`` (en/es/fr/de/pt).

    Raises:
        ValueError: unknown language.
    """
    return rng.choice(_styles(day, lang))


def random_date(rng: random.Random, first_year: int = 2024, last_year: int = 2027) -> dt.date:
    """A uniformly drawn date between Jan 1 of ``first_year`` and Dec 31 of ``last_year``."""
    start = dt.date(first_year, 1, 1).toordinal()
    end = dt.date(last_year, 12, 31).toordinal()
    return dt.date.fromordinal(rng.randint(start, end))


_MONTH_INDEX = {name.lower(): i + 1 for names in MONTHS.values() for i, name in enumerate(names)}
_MONTH_INDEX.update({name[:3].lower(): i + 1 for i, name in enumerate(MONTHS["en"])})
_MONTH_RE = "|".join(sorted((re.escape(k) for k in _MONTH_INDEX), key=len, reverse=True))
_PATTERNS: list[tuple[re.Pattern[str], tuple[str, str, str]]] = [
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("y", "m", "d")),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), ("d", "m", "y")),
    (re.compile(rf"\b({_MONTH_RE})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I), ("M", "d", "y")),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?(?:\s+of|\s+de)?\s+({_MONTH_RE})(?:\s+de|\s+del)?,?\s+(\d{{4}})\b",
                re.I), ("d", "M", "y")),
]
_SLASH = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def parse_date(text: str) -> dt.date | None:
    """First date spelled in ``text`` by any :func:`spell_date` style, or None.

    For ``a/b/yyyy`` the part above 12 is taken as the day (the only spellings produced).
    """
    for pattern, order in _PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        parts = dict(zip(order, match.groups(), strict=True))
        month = _MONTH_INDEX[parts["M"].lower()] if "M" in parts else int(parts["m"])
        try:
            return dt.date(int(parts["y"]), month, int(parts["d"]))
        except ValueError:
            continue
    match = _SLASH.search(text)
    if match:
        a, b, y = (int(g) for g in match.groups())
        day, month = (a, b) if a > 12 else (b, a)
        try:
            return dt.date(y, month, day)
        except ValueError:
            return None
    return None
