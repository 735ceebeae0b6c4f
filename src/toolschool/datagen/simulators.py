"""Offline, deterministic tool-result simulators and short final answers.

:func:`simulate` turns a generated :class:`~toolschool.datagen.family.Call` into the
content of the ``tool`` message (compact JSON, shaped like a real tool's output) plus one
sentence a final assistant answer can use. Values are drawn from the caller's seeded
``random.Random`` or computed exactly (calculator, unit conversion, weekdays).
The ``*_content`` builders are shared with the chained families, which need results that
carry a specific value (a date in a search snippet, a capital in a Wikipedia summary).
The weather condition names per language are data (``data/pools/simulators.yaml``).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from typing import Any

from toolschool.datagen.arithmetic import evaluate_arithmetic, format_number
from toolschool.datagen.dates import WEEKDAYS, spell_date
from toolschool.datagen.family import Call
from toolschool.datagen.resources import PoolFile
from toolschool.datagen.slots import LANGUAGES
from toolschool.datagen.topics import slugify
from toolschool.datagen.units import convert

#: condition → (es, fr, de, pt)
_SIMULATOR_POOLS = PoolFile("pools/simulators.yaml")
CONDITIONS: dict[str, tuple[str, str, str, str]] = _SIMULATOR_POOLS.get(
    "conditions", dict[str, tuple[str, str, str, str]])
_SIMULATOR_POOLS.done()
_LANG_INDEX = {"es": 0, "fr": 1, "de": 2, "pt": 3}


@dataclass
class Outcome:
    """A simulated tool result: message ``content`` and an answer ``sentence`` (None if
    no honest sentence can be written, e.g. an unknown translation)."""

    content: str
    sentence: str | None


def dumps(data: Any) -> str:
    """Compact, deterministic JSON for tool messages."""
    return json.dumps(data, ensure_ascii=False, separators=(", ", ": "))


def weather_content(location: str, temp_c: int, condition: str, rng: random.Random) -> str:
    """A weather result; the forecast is drawn around ``temp_c``."""
    return dumps({"location": location, "temperature_c": temp_c, "condition": condition,
                  "humidity": rng.randint(30, 95), "wind_kph": rng.randint(2, 45),
                  "forecast": {"tomorrow": {"high_c": temp_c + rng.randint(0, 5), "low_c": temp_c - rng.randint(2, 9),
                                            "condition": rng.choice(sorted(CONDITIONS))}}})


def search_content(query: str, results: list[tuple[str, str, str]]) -> str:
    """A web_search result: ``results`` are ``(title, url, snippet)``."""
    return dumps({"query": query, "results": [{"title": t, "url": u, "snippet": s} for t, u, s in results]})


def wiki_content(title: str, summary: str) -> str:
    """A wikipedia result with the article title, URL and summary text."""
    url = "https://en.wikipedia.org/wiki/" + title.replace(" ", "_")
    return dumps({"title": title, "url": url, "summary": summary})


def dictionary_content(word: str, pos: str, definition: str) -> str:
    """A dictionary entry."""
    return dumps({"word": word, "part_of_speech": pos, "definitions": [definition]})


def _weather(call: Call, rng: random.Random, lang: str, today: dt.date) -> Outcome:
    place = call.arguments["location"]
    temp = rng.randint(-8, 36)
    condition = rng.choice(sorted(CONDITIONS))
    if temp < 0 and condition in ("thunderstorms", "heavy rain"):
        condition = "snow"
    content = weather_content(place, temp, condition, rng)
    if lang == "en":
        return Outcome(content, f"It's {temp}°C and {condition} in {place} right now.")
    local = CONDITIONS[condition][_LANG_INDEX[lang]]
    sentence = {"es": f"Ahora mismo en {place} hace {temp} °C y está {local}.",
                "fr": f"À {place}, il fait actuellement {temp} °C, temps {local}.",
                "de": f"In {place} sind es gerade {temp} °C, {local}.",
                "pt": f"Agora em {place} faz {temp} °C e está {local}."}[lang]
    return Outcome(content, sentence)


def _datetime(call: Call, rng: random.Random, lang: str, today: dt.date) -> Outcome:
    args = call.arguments
    action = args["action"]
    if action == "now":
        hh, mm = rng.randint(0, 23), rng.randint(0, 59)
        tz = args.get("timezone", "UTC")
        weekday = WEEKDAYS["en"][today.weekday()]
        content = dumps({"datetime": f"{today.isoformat()}T{hh:02d}:{mm:02d}:00", "timezone": tz, "weekday": weekday})
        where = f" in {call.hint['place']}" if "place" in call.hint else ""
        sentence = {"en": f"It's {hh:02d}:{mm:02d}{where}, {weekday}, {spell_date(today, 'en', rng)}.",
                    "es": f"Son las {hh:02d}:{mm:02d} ({WEEKDAYS['es'][today.weekday()]}).",
                    "fr": f"Il est {hh:02d}:{mm:02d} ({WEEKDAYS['fr'][today.weekday()]}).",
                    "de": f"Es ist {hh:02d}:{mm:02d} Uhr ({WEEKDAYS['de'][today.weekday()]}).",
                    "pt": f"São {hh:02d}:{mm:02d} ({WEEKDAYS['pt'][today.weekday()]})."}[lang]
        return Outcome(content, sentence)
    day = dt.date.fromisoformat(args["date"]) if "date" in args else today
    if action == "weekday":
        name = WEEKDAYS[lang][day.weekday()]
        content = dumps({"date": day.isoformat(), "weekday": WEEKDAYS["en"][day.weekday()]})
        sentence = {"en": f"{spell_date(day, 'en', rng)} is a {name}.", "es": f"Ese día es {name}.",
                    "fr": f"Ce jour-là est un {name}.", "de": f"Das ist ein {name}.", "pt": f"Esse dia é {name}."}[lang]
        return Outcome(content, sentence)
    if action == "add_days":
        result = day + dt.timedelta(days=int(args["days"]))
        content = dumps({"start": day.isoformat(), "days": args["days"], "date": result.isoformat(),
                         "weekday": WEEKDAYS["en"][result.weekday()]})
        return Outcome(content, {"en": f"That's {WEEKDAYS['en'][result.weekday()]}, "
                                       f"{spell_date(result, 'en', rng)}.",
                                 "es": f"Sería el {spell_date(result, 'es', rng)}.",
                                 "fr": f"Ce sera le {spell_date(result, 'fr', rng)}.",
                                 "de": f"Das ist der {spell_date(result, 'de', rng)}.",
                                 "pt": f"Será {spell_date(result, 'pt', rng)}."}[lang])
    days = (day - today).days
    content = dumps({"from": today.isoformat(), "to": day.isoformat(), "days": days})
    n = abs(days)
    sentence = {"en": f"{'That was' if days < 0 else 'That is'} {n} days {'ago' if days < 0 else 'from today'}.",
                "es": f"Son {n} días.", "fr": f"Cela fait {n} jours.", "de": f"Das sind {n} Tage.",
                "pt": f"São {n} dias."}[lang]
    return Outcome(content, sentence)


def _calculator(call: Call, rng: random.Random, lang: str, today: dt.date) -> Outcome:
    expression = call.arguments["expression"]
    value = format_number(evaluate_arithmetic(expression))
    return Outcome(dumps({"expression": expression, "result": value}), f"{expression} = {value}.")


def _unit(call: Call, rng: random.Random, lang: str, today: dt.date) -> Outcome:
    args = call.arguments
    result = convert(float(args["value"]), args["from"], args["to"])
    shown = format_number(round(result, 2))
    value = format_number(float(args["value"]))
    content = dumps({"value": args["value"], "from": args["from"], "to": args["to"], "result": result})
    word = {"en": "is about", "es": "son unos", "fr": "font environ", "de": "sind etwa", "pt": "são cerca de"}[lang]
    return Outcome(content, f"{value} {args['from']} {word} {shown} {args['to']}.")


def _translate(call: Call, rng: random.Random, lang: str, today: dt.date) -> Outcome:
    code = call.arguments["to_lang"]
    translation = call.hint.get("translation")
    if not translation:
        return Outcome(dumps({"translation": f"[{code}] {call.arguments['text']}", "to_lang": code}), None)
    name = LANGUAGES[code][lang]
    lead = {"en": f"In {name}:", "es": f"En {name}:", "fr": f"En {name} :", "de": f"Auf {name}:",
            "pt": f"Em {name}:"}[lang]
    return Outcome(dumps({"translation": translation, "to_lang": code}), f"{lead} \"{translation}\"")


def _dictionary(call: Call, rng: random.Random, lang: str, today: dt.date) -> Outcome:
    word = call.arguments["word"]
    pos, definition = call.hint.get("pos", "noun"), call.hint.get("definition", "")
    content = dictionary_content(word, pos, definition)
    return Outcome(content, f"\"{word}\" ({pos}) means {definition}." if lang == "en" else None)


def _wikipedia(call: Call, rng: random.Random, lang: str, today: dt.date) -> Outcome:
    title = call.arguments["query"]
    summary, verb = call.hint.get("summary", ""), call.hint.get("verb", "is")
    text = f"{title} {verb} {summary}." if summary else f"{title} is the subject of a Wikipedia article."
    return Outcome(wiki_content(title, text), text if lang == "en" else None)


def _search_snippet(call: Call, rng: random.Random, today: dt.date) -> str:
    hint, query = call.hint, call.arguments["query"]
    kind = hint.get("kind")
    when = spell_date(today + dt.timedelta(days=rng.randint(3, 120)), "en", rng)
    if kind == "price":
        return f"{hint['item']} is trading at ${rng.uniform(5, 2500):,.2f} today, {rng.choice(['up', 'down'])} " \
               f"{rng.uniform(0.1, 4):.1f}% from yesterday's close."
    if kind == "score":
        a, b = hint["teams"]
        return f"Final: {a} {rng.randint(0, 4)}, {b} {rng.randint(0, 4)}. Match report and highlights."
    if kind == "flight":
        status = rng.choice(["on time", f"delayed by {rng.randint(10, 90)} minutes", "landed", "boarding"])
        return f"Flight {query.split()[0]} is {status}. Gate information updates every few minutes."
    if kind == "contact":
        return f"Customer service: +1 800 {rng.randint(200, 999)} {rng.randint(1000, 9999)}, open 8am-8pm."
    if kind == "schedule":
        return f"The {hint['topic']} schedule: next date confirmed for {when}. Times in local time."
    if kind == "local":
        return f"Top-rated {hint['topic']} in {hint['city']}: 4.{rng.randint(3, 9)} stars, open until 10pm."
    return f"Latest on {hint.get('topic', query)}: updated {spell_date(today, 'en', rng)}. Key details and analysis."


def _search(call: Call, rng: random.Random, lang: str, today: dt.date) -> Outcome:
    query = call.arguments["query"]
    snippet = _search_snippet(call, rng, today)
    site = rng.choice(["www.reuters.com", "www.bbc.com", "apnews.com", "www.theguardian.com", "www.cnbc.com"])
    results = [(query.capitalize(), f"https://{site}/{slugify(query)}", snippet),
               (f"{query} - overview", f"https://www.example-news.com/{slugify(query)}-{rng.randint(100, 999)}",
                "More coverage and background.")]
    return Outcome(search_content(query, results), snippet if lang == "en" else None)


def _reader(call: Call, rng: random.Random, lang: str, today: dt.date) -> Outcome:
    url, title = call.arguments["url"], call.hint.get("title", "Untitled page")
    text = (f"{title}. This page discusses {title.lower()}, with background, a few concrete examples and a "
            f"short conclusion for readers who want the main points quickly.")
    content = dumps({"url": url, "title": title, "text": text})
    return Outcome(content, f"The page \"{title}\" covers {title.lower()}, with examples and a short conclusion."
                   if lang == "en" else None)


_SIMULATORS = {"weather": _weather, "datetime": _datetime, "calculator": _calculator, "unit_converter": _unit,
               "translate": _translate, "dictionary": _dictionary, "wikipedia": _wikipedia, "web_search": _search,
               "web_reader": _reader}


def simulate(call: Call, rng: random.Random, lang: str, today: dt.date) -> Outcome:
    """Simulated result of ``call`` for a user writing in ``lang`` on date ``today``.

    Raises:
        KeyError: no simulator for the tool (a tool outside the assistant toolkit).
    """
    return _SIMULATORS[call.name](call, rng, lang, today)


def final_answer(outcomes: list[Outcome]) -> str | None:
    """A 1–3 sentence final answer joining the outcomes' sentences; None if any is missing."""
    if not outcomes or any(o.sentence is None for o in outcomes):
        return None
    return " ".join(o.sentence for o in outcomes[:3] if o.sentence)
