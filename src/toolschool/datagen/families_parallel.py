"""Parallel families: two or three independent calls in one assistant turn.

Two kinds:

* **same tool** (group ``"same"``): dedicated phrasings such as "weather in A and B" or
  "translate X into French and German"; the test label is the tool name.
* **mixed tools** (group ``"mixed"``, label ``"multi_tool"``): each family is a pair (or
  triple) of tools; its templates are every combination of short clauses for each tool
  and natural joins ("…, and also …", "… Plus …", two sentences).
"""

from __future__ import annotations

import itertools
import random
import re

from toolschool.datagen.families_info import draw_search_topic, url_maker, wiki_maker
from toolschool.datagen.families_language import draw_word, phrase_to, translate_call
from toolschool.datagen.families_math import conversion_maker, draw_expression
from toolschool.datagen.families_weather_time import draw_city, draw_city_time, pick_city, weather_call
from toolschool.datagen.family import Call, Draw, Family, Maker, Slot, ci, exact
from toolschool.datagen.slots import LANGUAGES, PHRASES

# ------------------------------------------------------------------ helpers


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
            calls = [Call("datetime", {"action": "now", "timezone": c.tz}, hint={"place": c.local_name(lang)})
                     for c in cities]
        return Draw(slots, calls)

    return make


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


def _same(tool: str, pattern: str, make: Maker, templates: list[str], lang: str = "en") -> Family:
    name = f"parallel.{tool}.{pattern}" + ("" if lang == "en" else f".{lang}")
    return Family(name, "parallel", tool, "same", lang, tuple(templates), make)


_CONV = conversion_maker()
_WIKI = wiki_maker(None, True)
_URL = url_maker(None)

SAME_TOOL: list[Family] = [
    _same("weather", "two_cities", _distinct_cities(2, "weather"), [
        "What's the weather in {city1} and {city2}?", "Compare the weather in {city1} and {city2} today.",
        "weather {city1} vs {city2}", "Is it warmer in {city1} or in {city2} right now?"]),
    _same("weather", "three_cities", _distinct_cities(3, "weather"), [
        "What's the weather like in {city1}, {city2} and {city3}?",
        "Road trip through {city1}, {city2} and {city3} this week. What's the weather in each?",
        "Check the forecast for {city1}, {city2}, and {city3}."]),
    _same("datetime", "time_two_cities", _distinct_cities(2, "datetime"), [
        "What time is it in {city1} and in {city2}?", "Current time in {city1} and {city2}?",
        "I have teammates in {city1} and {city2}. What time is it for each of them?"]),
    _same("translate", "two_languages", _two_languages("en"), [
        "Translate \"{text}\" into {lang1} and {lang2}.",
        "How do you say \"{text}\" in {lang1} and in {lang2}?",
        "I need \"{text}\" in both {lang1} and {lang2}."]),
    _same("unit_converter", "two_conversions", combine(_CONV, _CONV), [
        "Convert {a_qty} to {a_dst} and {b_qty} to {b_dst}.",
        "Two quick ones: {a_qty} in {a_dst}, and {b_qty} in {b_dst}.",
        "How much is {a_qty} in {a_dst}? And {b_qty} in {b_dst}?"]),
    _same("calculator", "two_expressions", combine(draw_expression, draw_expression), [
        "What's {a_expr} and what's {b_expr}?", "Calculate {a_expr}. Also {b_expr}.",
        "{a_expr} and {b_expr}?"]),
    _same("dictionary", "two_words", combine(draw_word, draw_word), [
        "Define {a_word} and {b_word}.", "What do '{a_word}' and '{b_word}' mean?",
        "Look up {a_word}, and also {b_word}."]),
    _same("wikipedia", "two_topics", combine(_WIKI, _WIKI), [
        "Tell me about {a_topic} and {b_topic}.", "Give me Wikipedia summaries of {a_topic} and {b_topic}.",
        "Quick background on {a_topic}, plus {b_topic}?"]),
    _same("web_search", "two_searches", combine(draw_search_topic, draw_search_topic), [
        "Look up {a_topic}, and also {b_topic}.", "Two things: {a_topic} and {b_topic}. Can you search both?",
        "Search for {a_topic}. Then search {b_topic} too."]),
    _same("web_reader", "two_pages", combine(_URL, _URL), [
        "Summarize these two links: {a_url} and {b_url}",
        "Read {a_url} and {b_url} and tell me what each says.",
        "Compare {a_url} with {b_url}"]),
    _same("weather", "two_cities", _distinct_cities(2, "weather"), [
        "¿Qué tiempo hace en {city1} y en {city2}?", "Dime el clima de {city1} y de {city2}"], lang="es"),
    _same("datetime", "time_two_cities", _distinct_cities(2, "datetime"), [
        "Quelle heure est-il à {city1} et à {city2} ?",
        "Donne-moi l'heure à {city1} et à {city2}"], lang="fr"),
    _same("weather", "two_cities", _distinct_cities(2, "weather"), [
        "Wie ist das Wetter in {city1} und in {city2}?", "Wetter in {city1} und {city2}?"], lang="de"),
    _same("translate", "two_languages", _two_languages("pt"), [
        "Como se diz \"{text}\" em {lang1} e em {lang2}?",
        "Traduz \"{text}\" para {lang1} e {lang2}"], lang="pt"),
    # more same-tool phrasings and languages, so one held-out family of a tool still leaves
    # several of its kind (other wordings, other languages) in training
    _same("weather", "cities_list", _distinct_cities(2, "weather"), [
        "Weather for: {city1}, {city2}", "forecast {city1} + {city2} pls",
        "Need the weather for two places, {city1} and {city2}.", "{city1} and {city2}: rain or sun today?"]),
    _same("datetime", "time_three_cities", _distinct_cities(3, "datetime"), [
        "What time is it right now in {city1}, {city2} and {city3}?",
        "Scheduling a call across {city1}, {city2} and {city3}. What's the local time in each?",
        "Local times please: {city1}, {city2}, {city3}."]),
    _same("wikipedia", "two_summaries", combine(_WIKI, _WIKI), [
        "I'm writing a report on {a_topic} and {b_topic}. Can you pull up what Wikipedia says on both?",
        "What should I know about {a_topic} and {b_topic}?",
        "Look up {a_topic} and {b_topic} on Wikipedia."]),
    _same("dictionary", "two_meanings", combine(draw_word, draw_word), [
        "I came across '{a_word}' and '{b_word}' in a book. What do they mean?",
        "Meaning of {a_word}? And {b_word}?"]),
    _same("weather", "two_cities", _distinct_cities(2, "weather"), [
        "Quel temps fait-il à {city1} et à {city2} ?", "Météo à {city1} et {city2} ?"], lang="fr"),
    _same("weather", "two_cities", _distinct_cities(2, "weather"), [
        "Como está o tempo em {city1} e em {city2}?", "Previsão do tempo para {city1} e {city2}"], lang="pt"),
    _same("datetime", "time_two_cities", _distinct_cities(2, "datetime"), [
        "¿Qué hora es en {city1} y en {city2}?", "Dime la hora actual de {city1} y de {city2}"], lang="es"),
    _same("datetime", "time_two_cities", _distinct_cities(2, "datetime"), [
        "Wie spät ist es in {city1} und in {city2}?", "Uhrzeit in {city1} und {city2}?"], lang="de"),
    _same("datetime", "time_two_cities", _distinct_cities(2, "datetime"), [
        "Que horas são em {city1} e em {city2}?", "Me diz a hora em {city1} e em {city2}"], lang="pt"),
    _same("translate", "two_languages", _two_languages("es"), [
        "¿Cómo se dice \"{text}\" en {lang1} y en {lang2}?", "Traduce \"{text}\" al {lang1} y al {lang2}"],
        lang="es"),
    _same("translate", "two_languages", _two_languages("fr"), [
        "Comment dit-on \"{text}\" en {lang1} et en {lang2} ?",
        "Traduis \"{text}\" en {lang1} et en {lang2}"],
        lang="fr"),
    _same("translate", "two_languages", _two_languages("de"), [
        "Was heißt \"{text}\" auf {lang1} und auf {lang2}?",
        "\"{text}\" bitte auf {lang1} und auf {lang2} übersetzen"],
        lang="de"),
]

# ------------------------------------------------------------------ mixed tools
#: tool → (maker, question clauses, imperative clauses); clauses are lowercase, unpunctuated.
CLAUSES: dict[str, tuple[Maker, list[str], list[str]]] = {
    "weather": (draw_city, ["what's the weather in {city}", "is it raining in {city}",
    "how warm is it in {city}"],
                ["check the weather in {city}", "get me the forecast for {city}"]),
    "datetime": (draw_city_time, ["what time is it in {city}", "what's the local time in {city}"],
                 ["tell me the time in {city}", "check the current time in {city}"]),
    "calculator": (draw_expression, ["what's {expr}", "how much is {spoken}"], ["calculate {expr}",
    "work out {expr}"]),
    "translate": (phrase_to("en"), ["how do you say \"{text}\" in {lang}", "what's \"{text}\" in {lang}"],
                  ["translate \"{text}\" into {lang}"]),
    "dictionary": (draw_word, ["what does {word} mean", "what's the definition of '{word}'"],
                   ["define {word}", "look up the word '{word}'"]),
    "unit_converter": (_CONV, ["how much is {qty} in {dst}",
    "what's {qty} in {dst}"], ["convert {qty} to {dst}"]),
    "wikipedia": (_WIKI, ["what's the story of {topic}"], ["give me a quick summary of {topic} from Wikipedia",
                                                            "look up {topic} on Wikipedia"]),
    "web_search": (draw_search_topic, ["can you find {topic}"], ["search for {topic}", "look up {topic}"]),
    "web_reader": (_URL, ["what's in {url}"], ["summarize {url}", "read {url} for me"]),
}
_JOINS: list[str] = ["{A} and {b}{e}", "{A}, and also {b}{e}", "{A}{ea} Also, {b}{e}", "{A}{ea} Plus {b}{e}",
                     "Two things: {a}, and {b}{e}", "{A}{ea} And {b} while you're at it{e}", "{A}{ea} {B}{e}",
                     "{A}, then {b}{e}", "{A}{ea} oh and {b}{e}", "{A} & {b}{e}"]

MIXED_SETS: list[tuple[str, ...]] = [
    ("weather", "datetime"), ("weather", "translate"), ("weather", "web_search"), ("calculator",
    "unit_converter"),
    ("translate", "dictionary"), ("wikipedia", "weather"), ("web_search", "calculator"), ("datetime",
    "calculator"),
    ("unit_converter", "weather"), ("dictionary", "wikipedia"), ("web_reader", "translate"),
    ("web_reader", "web_search"), ("datetime", "translate"), ("wikipedia", "web_search"),
    ("calculator", "dictionary"), ("weather", "datetime", "translate"), ("calculator", "unit_converter",
    "datetime"),
    ("weather", "calculator"), ("weather", "dictionary"), ("datetime", "web_search"), ("datetime",
    "wikipedia"),
    ("translate", "unit_converter"), ("wikipedia", "translate"), ("dictionary", "web_search"),
    ("web_reader", "calculator"), ("unit_converter", "web_search"), ("wikipedia", "calculator"),
    ("web_search", "weather", "dictionary"),
]


def _prefix_slots(clause: str, prefix: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "{" + prefix + m.group(1) + "}", clause)


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


def _mixed_templates(tools: tuple[str, ...]) -> list[str]:
    options = []
    for tool, prefix in zip(tools, "abc", strict=False):
        _, questions, imperatives = CLAUSES[tool]
        options.append([(_prefix_slots(c, prefix + "_"), "?") for c in questions]
                       + [(_prefix_slots(c, prefix + "_"), ".") for c in imperatives])
    templates = []
    for combo in itertools.product(*options):
        if len(combo) == 3:
            (a, ea), (b, eb), (c, ec) = combo
            templates += [f"{_cap(a)}{ea} {_cap(b)}{eb} And {c}{ec}", f"{_cap(a)}, {b}, and {c}{ec}"]
            continue
        (a, ea), (b, eb) = combo
        for join in _JOINS:
            templates.append(join.format(A=_cap(a), a=a, B=_cap(b), b=b, e=eb, ea=ea))
    return [t.replace("{{", "{").replace("}}", "}") for t in templates]


MIXED: list[Family] = [
    Family(f"parallel.mixed.{'+'.join(tools)}", "parallel", "multi_tool", "mixed", "en",
           tuple(_mixed_templates(tools)), combine(*(CLAUSES[t][0] for t in tools)))
    for tools in MIXED_SETS
]

PARALLEL: list[Family] = SAME_TOOL + MIXED
