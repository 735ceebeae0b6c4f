"""Makers of same-tool parallel families: two or three independent calls of one tool.

Mixed-tool parallel families need no maker of their own: the ``mixed`` section of
``data/families/parallel.yaml`` names one maker per tool and the loader combines them
(:func:`toolschool.datagen.makers.combine`).
"""

from __future__ import annotations

import random

from toolschool.datagen.family import Call, Draw, Maker, Slot, ci, exact
from toolschool.datagen.makers import register_maker
from toolschool.datagen.makers_language import translate_call
from toolschool.datagen.makers_weather_time import pick_city, weather_call
from toolschool.datagen.slots import LANGUAGES, PHRASES


@register_maker("cities", factory=True)
def _distinct_cities(count: int, tool: str) -> Maker:
    def make(rng: random.Random, lang: str) -> Draw:
        cities = []
        while len(cities) < count:
            city = pick_city(rng, lang)
            if city.name not in [c.name for c in cities]:
                cities.append(city)
        slots: dict[str, Slot | str] = {f"city{i + 1}": ci(c.local_name(lang)) for i, c in enumerate(cities)}
        if tool == "weather":
            calls = [weather_call(c.local_name(lang), c) for c in cities]
        else:
            calls = [Call("datetime", {"action": "now", "timezone": c.tz}, hint={"place": c.local_name(lang)},
                          witness={"timezone": [c.local_name(lang)]}, implied=("action",)) for c in cities]
        return Draw(slots, calls)

    return make


@register_maker("phrase_two_languages", factory=True)
def _two_languages(source: str) -> Maker:
    def make(rng: random.Random, lang: str) -> Draw:
        pool = PHRASES if source == "en" else [p for p in PHRASES if source in p.known]
        phrase = rng.choice(pool)
        known = {**phrase.known, "en": phrase.text}
        text = known.pop(source)
        codes = rng.sample([c for c in LANGUAGES if c != source], 2)
        slots: dict[str, Slot | str] = {"text": exact(text)}
        for i, code in enumerate(codes):
            slots[f"lang{i + 1}"] = ci(LANGUAGES[code][lang])
        return Draw(slots, [translate_call(text, code, known.get(code)) for code in codes])

    return make
