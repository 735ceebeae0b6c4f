"""Makers of the ``weather`` and ``datetime`` families (phrasing in ``data/families``).

Weather locations are the place as the user wrote it (an exonym such as "Londres" in a
Spanish request stays "Londres"; the English name is also accepted). Datetime calls use
a deterministic normalisation of the text: a city → its IANA timezone, a spelled date →
ISO 8601, "3 weeks" → 21 days, "Christmas 2026" → 2026-12-25.
"""

from __future__ import annotations

import datetime as dt
import random

from toolschool.datagen.dates import HOLIDAYS, random_date, spell_date
from toolschool.datagen.family import Call, Draw, Maker, ci, exact
from toolschool.datagen.makers import register_maker
from toolschool.datagen.slots import CITIES, PLACES, City

# ------------------------------------------------------------------ weather


def weather_call(surface: str, city: City | None = None) -> Call:
    """A weather call for a location as written, accepting the English name too."""
    accept = [surface]
    if city is not None:
        accept += [city.name, f"{city.name}, {city.country}", f"{surface}, {city.country}"]
    if surface.lower().startswith("the "):
        accept.append(surface[4:])
    return Call("weather", {"location": surface}, accept={"location": accept}, hint={"place": surface})


def pick_city(rng: random.Random, lang: str) -> City:
    """A city whose local name reads well in ``lang`` (no article-led names in French)."""
    while True:
        city = rng.choice(CITIES)
        name = city.local_name(lang)
        if not (lang == "fr" and name.split(" ")[0] in ("Le", "La")):
            return city


@register_maker("city_weather")
def draw_city(rng: random.Random, lang: str) -> Draw:
    """Maker: a ``{city}`` and the weather call for it."""
    city = pick_city(rng, lang)
    surface = city.local_name(lang)
    return Draw({"city": ci(surface)}, [weather_call(surface, city)])


@register_maker("city_country_weather")
def _city_country(rng: random.Random, lang: str) -> Draw:
    city = pick_city(rng, lang)
    surface = f"{city.name}, {city.country}"
    call = weather_call(surface, city)
    return Draw({"city_country": ci(surface)}, [call])


@register_maker("place_weather")
def _place(rng: random.Random, lang: str) -> Draw:
    place = rng.choice(PLACES)
    location = place[4:] if place.startswith("the ") else place
    call = Call("weather", {"location": location}, accept={"location": [place]}, hint={"place": location})
    return Draw({"place": ci(place)}, [call])



# ------------------------------------------------------------------ datetime


def _dt_call(arguments: dict, hint: dict | None = None, witness: dict | None = None) -> Call:
    """A datetime call: its ``action`` is implied by the phrasing; a timezone's witness is the
    place in the hint."""
    if witness is None and hint and "place" in hint and "timezone" in arguments:
        witness = {"timezone": [hint["place"]]}
    return Call("datetime", arguments, hint=hint or {}, witness=witness or {}, implied=("action",))


@register_maker("city_time")
def draw_city_time(rng: random.Random, lang: str) -> Draw:
    """Maker: a ``{city}`` and the datetime ``now`` call in its timezone."""
    city = pick_city(rng, lang)
    surface = city.local_name(lang)
    return Draw({"city": ci(surface)}, [_dt_call({"action": "now", "timezone": city.tz}, {"place": surface})])


@register_maker("now")
def _now_plain(rng: random.Random, lang: str) -> Draw:
    return Draw({}, [_dt_call({"action": "now"})])


def _date_slot(rng: random.Random, lang: str, day: dt.date) -> Draw:
    return Draw({"date": exact(spell_date(day, lang, rng))}, [])


@register_maker("weekday", factory=True)
def _weekday(first: int, last: int) -> Maker:
    def make(rng: random.Random, lang: str) -> Draw:
        day = random_date(rng, first, last)
        draw = _date_slot(rng, lang, day)
        draw.calls = [_dt_call({"action": "weekday", "date": day.isoformat()})]
        return draw

    return make


@register_maker("holiday", factory=True)
def _holiday(action: str) -> Maker:
    def make(rng: random.Random, lang: str) -> Draw:
        name = rng.choice(sorted(HOLIDAYS))
        year = rng.randint(2025, 2030)
        month, day = HOLIDAYS[name]
        call = _dt_call({"action": action, "date": dt.date(year, month, day).isoformat()},
                        witness={"date": [name]})
        return Draw({"holiday": ci(name), "year": exact(str(year))}, [call])

    return make


@register_maker("add_days", factory=True)
def _add_days(with_date: bool, weeks: bool = False) -> Maker:
    def make(rng: random.Random, lang: str) -> Draw:
        count = rng.randint(2, 12) if weeks else rng.choice([rng.randint(2, 60), rng.randint(60, 400)])
        days = count * 7 if weeks else count
        args: dict = {"action": "add_days"}
        slots: dict = {"n": exact(str(count)), "w": exact(str(count))}
        if with_date:
            day = random_date(rng, 2024, 2027)
            args["date"] = day.isoformat()
            slots["date"] = exact(spell_date(day, lang, rng))
        args["days"] = days
        return Draw(slots, [_dt_call(args, witness={"days": [count]} if weeks else None)])

    return make


@register_maker("date_diff", factory=True)
def _diff(first: int, last: int) -> Maker:
    def make(rng: random.Random, lang: str) -> Draw:
        day = random_date(rng, first, last)
        draw = _date_slot(rng, lang, day)
        draw.calls = [_dt_call({"action": "diff", "date": day.isoformat()})]
        return draw

    return make


