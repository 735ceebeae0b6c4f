"""Makers of the chained families (``data/families/chained.yaml``): a call uses a previous result.

Each kind draws the whole exchange: the user request, the first call, a simulated result
that carries a value (a date in a search snippet, a capital in a Wikipedia summary, a
temperature in a weather report…), and the target call that uses that value. The result's
``evidence`` is the exact text the target argument derives from; tests check it is in the
tool message. The families are grouped for splitting by the target tool (their ``tool``).
"""

from __future__ import annotations

import datetime as dt
import random

from toolschool.datagen.dates import spell_date
from toolschool.datagen.family import Call, Chain, Draw, Maker, ci, exact
from toolschool.datagen.makers import register_maker
from toolschool.datagen.makers_info import reader_call, search_call, wiki_call
from toolschool.datagen.makers_language import dictionary_call, translate_call
from toolschool.datagen.makers_math import calculator_call, conversion_call
from toolschool.datagen.makers_weather_time import pick_city, weather_call
from toolschool.datagen.resources import PoolFile
from toolschool.datagen.simulators import dictionary_content, search_content, weather_content, wiki_content
from toolschool.datagen.slots import CAPITALS, CITIES, LANGUAGES, WORDS
from toolschool.datagen.topics import BOOKS, EVENTS, LANDMARKS, NEWS_TOPICS, PEOPLE, random_url, slugify

_CHAINED_POOLS = PoolFile("pools/chained.yaml")
_SITES: list[str] = _CHAINED_POOLS.get("sites", list[str])
_NO_ARTICLE: set[str] = _CHAINED_POOLS.get("no_article", set[str])
_PRODUCTS: list[tuple[str, str, str]] = _CHAINED_POOLS.get("products", list[tuple[str, str, str]])
#: code → (what users call it, approximate units per US dollar)
_CURRENCIES: dict[str, tuple[str, float]] = _CHAINED_POOLS.get("currencies", dict[str, tuple[str, float]])
#: Search snippets announcing an event's date (``{Event}``: capitalised).
_EVENT_SNIPPETS: list[str] = _CHAINED_POOLS.get("event_snippets", list[str])
#: Headlines of the news article a search finds.
_HEADLINES: list[str] = _CHAINED_POOLS.get("headlines", list[str])
_CHAINED_POOLS.done()

_CITY_BY_NAME = {c.name: c for c in CITIES}


def _dt(arguments: dict) -> Call:
    return Call("datetime", arguments, implied=("action",))


def _result_url(rng: random.Random, text: str) -> str:
    return f"https://{rng.choice(_SITES)}/{slugify(text)}-{rng.randint(1000, 9999)}"


def _event_date(rng: random.Random, year: int) -> tuple[str, dt.date, str, str, str]:
    """``(event, date, date as spelled in the snippet, query, search result content)``."""
    event, _host, month = rng.choice(EVENTS)
    day = dt.date(year, month, rng.randint(1, 28))
    spelled = spell_date(day, "en", rng)
    query = f"{event.removeprefix('the ')} {year} date"
    snippet = rng.choice(_EVENT_SNIPPETS).format(Event=event[0].upper() + event[1:], event=event,
                                                  spelled=spelled)
    content = search_content(query, [(f"{event} {year}: dates and tickets", _result_url(rng, event), snippet)])
    return event, day, spelled, query, content


@register_maker("chain_event", factory=True)
def _event_chain(target: str) -> Maker:
    def make(rng: random.Random, lang: str) -> Draw:
        year = rng.choice([2026, 2027])
        event, day, spelled, query, content = _event_date(rng, year)
        first = search_call(query, [event.removeprefix("the ").split()[0]], {"kind": "schedule"})
        n = rng.choice([7, 10, 14, 21, 30, 45, 60, 90, 100])
        args = {"weekday": {"action": "weekday", "date": day.isoformat()},
                "diff": {"action": "diff", "date": day.isoformat()},
                "add_days": {"action": "add_days", "date": day.isoformat(), "days": n}}[target]
        slots = {"event": ci(event), "year": exact(str(year)), "n": exact(str(n))}
        return Draw(slots, [_dt(args)], chain=Chain([first], [content], spelled))

    return make


@register_maker("chain_capital", factory=True)
def _capital(target: str) -> Maker:
    def make(rng: random.Random, lang: str) -> Draw:
        country = rng.choice(CAPITALS)
        summary = (f"{country.name} is a country with a population of about {country.population}. Its capital "
                   f"is {country.capital}. Time zone: {country.tz}.")
        first = wiki_call(country.name, summary)
        first.accept["query"] = [country.local_name(lang)]
        content = wiki_content(country.name, summary)
        if target == "weather":
            call, evidence = weather_call(country.capital, _CITY_BY_NAME.get(country.capital)), country.capital
        else:
            call, evidence = _dt({"action": "now", "timezone": country.tz}), country.tz
        return Draw({"country": ci(country.local_name(lang))}, [call], chain=Chain([first], [content], evidence))

    return make


@register_maker("chain_person", factory=True)
def _person(target: str) -> Maker:
    def make(rng: random.Random, lang: str) -> Draw:
        person = rng.choice(PEOPLE)
        born = dt.date.fromisoformat(person.born)
        spelled = f"{born.day} {born.strftime('%B')} {born.year}"
        summary = f"{person.name} (born {spelled} in {person.birthplace}) was {person.summary}."
        first = wiki_call(person.name, summary, person=True)
        content = wiki_content(person.name, summary)
        if target == "weather":
            city = _CITY_BY_NAME.get(person.birthplace)
            call, evidence = weather_call(person.birthplace, city), person.birthplace
        else:
            call, evidence = _dt({"action": "weekday", "date": person.born}), spelled
        return Draw({"person": ci(person.name)}, [call], chain=Chain([first], [content], evidence))

    return make


@register_maker("chain_landmark")
def _landmark(rng: random.Random, lang: str) -> Draw:
    name, metres, measure = rng.choice(LANDMARKS)
    surface = name if name in _NO_ARTICLE else f"the {name}"
    dst = rng.choice(["ft", "yd"] if measure != "long" else ["ft", "mi", "yd"])
    summary = f"{surface[0].upper() + surface[1:]} is a landmark that is {metres} metres {measure}."
    first = wiki_call(name, summary)
    dst_word = {"ft": "feet", "yd": "yards", "mi": "miles"}[dst]
    slots = {"landmark": ci(surface), "dst": ci(dst_word), "measure": measure}
    call = conversion_call(float(metres), "m", dst)
    return Draw(slots, [call], chain=Chain([first], [wiki_content(name, summary)], f"{metres} metres"))


@register_maker("chain_weather_unit")
def _weather_unit(rng: random.Random, lang: str) -> Draw:
    city = pick_city(rng, lang)
    place = city.local_name(lang)
    temp = rng.randint(-10, 38)
    content = weather_content(place, temp, rng.choice(["sunny", "overcast", "light rain",
    "partly cloudy"]), rng)
    call = conversion_call(float(temp), "°C", "°F")
    return Draw({"city": ci(place)}, [call], chain=Chain([weather_call(place, city)], [content],
                                                         f"\"temperature_c\": {temp}"))


@register_maker("chain_price_total")
def _price_total(rng: random.Random, lang: str) -> Draw:
    product, query, kw = rng.choice(_PRODUCTS)
    k = rng.randint(2, 12)
    price = f"{rng.uniform(20, 900):.2f}"
    snippet = f"Current price: ${price} (as of today). Prices may vary by retailer."
    content = search_content(query, [(query.title(), _result_url(rng, query), snippet)])
    first = search_call(query, [kw], {"kind": "price"})
    return Draw({"k": exact(str(k)), "product": ci(product)}, [calculator_call(f"{k} * {price}")],
                chain=Chain([first], [content], price))


@register_maker("chain_exchange")
def _exchange(rng: random.Random, lang: str) -> Draw:
    src, dst = rng.sample(sorted(_CURRENCIES), 2)
    (src_word, src_per_usd), (dst_word, dst_per_usd) = _CURRENCIES[src], _CURRENCIES[dst]
    amount = str(rng.choice([20, 50, 75, 100, 250, 500, 1200, 3000]))
    rate = f"{dst_per_usd / src_per_usd * rng.uniform(0.97, 1.03):.4g}"
    query = f"{src} to {dst} exchange rate"
    snippet = f"1 {src} = {rate} {dst}. Mid-market rate, updated a few minutes ago."
    content = search_content(query, [(f"{src}/{dst} rate", _result_url(rng, query), snippet)])
    first = search_call(query, [src, dst], {"kind": "price"})
    slots = {"amount": exact(amount), "src": ci(rng.choice([src, src_word])), "dst": ci(rng.choice([dst, dst_word]))}
    first.witness = {"query": [slots["src"].text, slots["dst"].text]}  # the currencies as the user names them
    return Draw(slots, [calculator_call(f"{amount} * {rate}")], chain=Chain([first], [content], rate))


@register_maker("chain_population")
def _population(rng: random.Random, lang: str) -> Draw:
    country = rng.choice(CAPITALS)
    p = rng.choice([1, 5, 10, 15, 20, 25, 50])
    summary = f"{country.name} has a population of about {country.population}. Its capital is {country.capital}."
    first = wiki_call(country.name, summary)
    call = calculator_call(f"{p}% of {country.population_value}")
    return Draw({"p": exact(str(p)), "country": ci(country.name)}, [call],
                chain=Chain([first], [wiki_content(country.name, summary)], country.population))


@register_maker("chain_definition_translate")
def _definition_translate(rng: random.Random, lang: str) -> Draw:
    entry = rng.choice(WORDS)
    code = rng.choice([c for c in LANGUAGES if c != "en"])
    first = dictionary_call(entry.word)
    content = dictionary_content(entry.word, entry.pos, entry.definition)
    call = translate_call(entry.definition, code)
    return Draw({"word": ci(entry.word), "lang": ci(LANGUAGES[code][lang])}, [call],
                chain=Chain([first], [content], entry.definition))


@register_maker("chain_search_read")
def _search_read(rng: random.Random, lang: str) -> Draw:
    topic, kw = rng.choice(NEWS_TOPICS)
    query = f"{topic.removeprefix('the ')} latest news"
    headline = rng.choice(_HEADLINES).format(topic=topic.removeprefix("the "))
    url, title = random_url(rng, "news", headline[0].upper() + headline[1:])
    content = search_content(query, [(title, url, f"The latest on {topic}, with reactions and analysis."),
                                     ("More coverage", _result_url(rng, query), "Live updates and analysis.")])
    first = search_call(query, [kw], {"kind": "news", "topic": kw})
    return Draw({"topic": ci(topic)}, [reader_call(url, title)], chain=Chain([first], [content], url))


@register_maker("chain_book_author")
def _book_author(rng: random.Random, lang: str) -> Draw:
    book, author = rng.choice(BOOKS)
    query = f"{book} author"
    snippet = f"{book} is a novel by {author}, first published to wide acclaim."
    content = search_content(query, [(book, _result_url(rng, book), snippet)])
    first = search_call(query, [book.split()[-1]], {"kind": "book"})
    return Draw({"book": ci(book)}, [wiki_call(author, f"a writer, author of {book}", person=True)],
                chain=Chain([first], [content], author))


@register_maker("chain_event_place")
def _event_place(rng: random.Random, lang: str) -> Draw:
    event, city_name, _month = rng.choice([e for e in EVENTS if e[1]])
    query = f"where is {event.removeprefix('the ')} held"
    snippet = f"{event[0].upper() + event[1:]} is held every year in {city_name}."
    content = search_content(query, [(event, _result_url(rng, event), snippet)])
    first = search_call(query, [event.removeprefix("the ").split()[0]], {"kind": "schedule"})
    return Draw({"event": ci(event)}, [weather_call(city_name, _CITY_BY_NAME.get(city_name))],
                chain=Chain([first], [content], city_name))
