"""Makers of the ``web_search``, ``wikipedia`` and ``web_reader`` families (phrasing in ``data/families``).

Search and Wikipedia queries are free text, so their calls carry ``keywords`` (the
entity words any acceptable query must contain) rather than one exact string. Current
information (prices, scores, news, schedules, local places, flights) goes to
``web_search``; stable facts about named people, places, events and works go to
``wikipedia``; a URL in the request goes to ``web_reader``.
"""

from __future__ import annotations

import random

from toolschool.datagen.family import Call, Draw, Maker, ci, exact
from toolschool.datagen.makers import register_maker
from toolschool.datagen.resources import PoolFile
from toolschool.datagen.slots import CITIES
from toolschool.datagen.topics import (
    BOOKS,
    COMPANIES,
    FLIGHTS,
    LEAGUES,
    LOCAL,
    NEWS_TOPICS,
    PEOPLE,
    PRICE_ITEMS,
    RELEASES,
    SCHEDULES,
    TOPICS,
    random_url,
)

_SEARCH_POOLS = PoolFile("pools/search.yaml")
_WIKIPEDIA_POOLS = PoolFile("pools/wikipedia.yaml")
_NAMED_NEWS: set[str] = _SEARCH_POOLS.get("named_news", set[str])
#: (product as users name it, keyword a query must contain) — things people read reviews of or shop for.
_PRODUCTS: list[tuple[str, str]] = _SEARCH_POOLS.get("products", list[tuple[str, str]])
#: Online services people check for outages.
_SERVICES: list[str] = _SEARCH_POOLS.get("services", list[str])
#: (kind of place, keyword) for opening hours and "best X near Y".
_SHOPS: list[tuple[str, str]] = _SEARCH_POOLS.get("shops", list[tuple[str, str]])
_NEARBY: list[str] = _SEARCH_POOLS.get("nearby", list[str])
#: How requests name a search topic, per kind: "the latest on {topic}".
_PHRASES: dict[str, list[str]] = _SEARCH_POOLS.get("phrases", dict[str, list[str]])
#: The query a call searches for, per kind and request language: "resultado {a} {b}".
_QUERIES: dict[str, dict[str, str]] = _SEARCH_POOLS.get("queries", dict[str, dict[str, str]])
_STOP: set[str] = _WIKIPEDIA_POOLS.get("stopwords", set[str])
_WITH_THE: set[str] = _WIKIPEDIA_POOLS.get("with_the", set[str])
_LIVING: set[str] = _WIKIPEDIA_POOLS.get("living", set[str])
#: (article title, how users write it, past-tense verb, summary) — inventions and discoveries.
_INVENTIONS: list[tuple[str, str, str, str]] = _WIKIPEDIA_POOLS.get("inventions", list[tuple[str, str, str, str]])
_SEARCH_POOLS.done()

# ------------------------------------------------------------------ web_search


def search_call(query: str, keywords: list[str], hint: dict | None = None) -> Call:
    """A web_search call checked loosely: the query must contain every keyword."""
    return Call("web_search", {"query": query}, keywords={"query": keywords}, hint=hint or {"query": query})


def _bare(item: str) -> str:
    for article in ("a ", "an ", "the "):
        if item.startswith(article):
            return item[len(article):]
    return item


@register_maker("search_price")
def _price(rng: random.Random, lang: str) -> Draw:
    item, kw = rng.choice(PRICE_ITEMS)
    phrase = rng.choice(_PHRASES["price"]).format(item=item)
    call = search_call(f"{_bare(item)} price today", [kw], {"kind": "price", "item": _bare(item)})
    return Draw({"topic": ci(phrase), "item": ci(item), "query": ci(call.arguments["query"])}, [call])


def _teams(rng: random.Random) -> tuple[str, str, str]:
    league = rng.choice(sorted(LEAGUES))
    a, b = rng.sample(LEAGUES[league], 2)
    return a, b, "" if league == "football" else "the "


@register_maker("search_score")
def _score(rng: random.Random, lang: str) -> Draw:
    a, b, the = _teams(rng)
    phrase = rng.choice(_PHRASES["score"]).format(a=a, b=b, the=the)
    query = _QUERIES["score"][lang].format(a=a, b=b)
    call = search_call(query, [a, b], {"kind": "score", "teams": [a, b]})
    slots = {"topic": ci(phrase), "a": ci(a), "b": ci(b), "ta": ci(the + a), "tb": ci(the + b), "query": ci(query)}
    return Draw(slots, [call])


@register_maker("search_news")
def _news(rng: random.Random, lang: str) -> Draw:
    pool = NEWS_TOPICS if lang == "en" else [t for t in NEWS_TOPICS if t[1] in _NAMED_NEWS]
    topic, kw = rng.choice(pool)
    phrase = rng.choice(_PHRASES["news"]).format(topic=topic)
    query = _QUERIES["news"][lang].format(bare=_bare(topic), kw=kw)
    call = search_call(query, [kw], {"kind": "news", "topic": kw})
    return Draw({"topic": ci(phrase), "news": ci(topic), "kw": ci(kw), "query": ci(query)}, [call])


@register_maker("search_schedule")
def _schedule(rng: random.Random, lang: str) -> Draw:
    phrase, query, kw = rng.choice(SCHEDULES)
    return Draw({"topic": ci(phrase), "event": ci(phrase), "query": ci(query)},
                [search_call(query, [kw], {"kind": "schedule", "topic": kw})])


@register_maker("search_release")
def _release(rng: random.Random, lang: str) -> Draw:
    phrase, query, kw = rng.choice(RELEASES)
    return Draw({"topic": ci(phrase), "release": ci(phrase), "query": ci(query)},
                [search_call(query, [kw], {"kind": "release", "topic": kw})])


@register_maker("search_local")
def _local(rng: random.Random, lang: str) -> Draw:
    phrase, query, kw = rng.choice(LOCAL)
    city = rng.choice(CITIES).name
    text, q = phrase.format(city=city), query.format(city=city)
    return Draw({"topic": ci(text), "local": ci(text), "query": ci(q)},
                [search_call(q, [kw, city], {"kind": "local", "topic": kw, "city": city})])


@register_maker("search_flight")
def _flight(rng: random.Random, lang: str) -> Draw:
    code = rng.choice(FLIGHTS)
    return Draw({"flight": exact(code)}, [search_call(f"{code} flight status", [code], {"kind": "flight"})])


@register_maker("search_company")
def _company(rng: random.Random, lang: str) -> Draw:
    company = rng.choice(COMPANIES)
    query = f"{company} customer service phone number"
    return Draw({"company": ci(company)}, [search_call(query, [company], {"kind": "contact"})])


@register_maker("search_review")
def _review(rng: random.Random, lang: str) -> Draw:
    product, kw = rng.choice(_PRODUCTS)
    query = _QUERIES["review"][lang].format(bare=_bare(product))
    call = search_call(query, [kw], {"kind": "review", "topic": kw})
    return Draw({"product": ci(product), "bare": ci(_bare(product)), "query": ci(query)}, [call])


@register_maker("search_deal")
def _deal(rng: random.Random, lang: str) -> Draw:
    product, kw = rng.choice(_PRODUCTS)
    query = f"{_bare(product)} best price"
    call = search_call(query, [kw], {"kind": "price", "item": _bare(product)})
    return Draw({"product": ci(product), "bare": ci(_bare(product))}, [call])


@register_maker("search_outage")
def _outage(rng: random.Random, lang: str) -> Draw:
    service = rng.choice(_SERVICES)
    query = _QUERIES["outage"][lang].format(service=service)
    return Draw({"service": ci(service)}, [search_call(query, [service], {"kind": "status", "topic": service})])


@register_maker("search_hours")
def _hours(rng: random.Random, lang: str) -> Draw:
    shop, kw = rng.choice(_SHOPS)
    city = rng.choice(CITIES).name
    query = f"{shop} {city} opening hours"
    call = search_call(query, [kw, city], {"kind": "local", "topic": shop, "city": city})
    return Draw({"shop": ci(shop), "city": ci(city)}, [call])


@register_maker("search_nearby")
def _nearby(rng: random.Random, lang: str) -> Draw:
    thing = rng.choice(_NEARBY)
    city = rng.choice(CITIES).name
    call = search_call(f"best {thing} {city}", [thing, city], {"kind": "local", "topic": thing, "city": city})
    return Draw({"thing": ci(thing), "city": ci(city)}, [call])


@register_maker("search_topic")
def draw_search_topic(rng: random.Random, lang: str) -> Draw:
    """Maker: any web_search topic (price, score, news, schedule, release, local) as ``{topic}``."""
    return rng.choice([_price, _score, _news, _schedule, _release, _local])(rng, lang)


# ------------------------------------------------------------------ wikipedia


_PERSON_NAMES = {p.name for p in PEOPLE} | {t.title for t in TOPICS if t.kind == "person"}


def wiki_keywords(title: str, person: bool = False) -> list[str]:
    """The distinctive words of an article title: a person's surname, else the first and
    last words that are not stopwords."""
    words = [w.strip(".,") for w in title.split() if w.lower() not in _STOP]
    words = [w for w in words if len(w) > 2] or title.split()
    if person or title in _PERSON_NAMES or len(words) == 1:
        return [words[-1]]
    return [words[0], words[-1]]


def wiki_call(title: str, summary: str, person: bool = False) -> Call:
    """A wikipedia call for ``title``, checked loosely by its distinctive words.

    ``summary`` is the article's one-line description; the simulated result reads
    "<title> is/was <summary>." (past tense for people no longer alive).
    """
    is_person = person or title in _PERSON_NAMES
    verb = "was" if is_person and title not in _LIVING else "is"
    return Call("wikipedia", {"query": title}, keywords={"query": wiki_keywords(title, person)},
                hint={"summary": summary, "verb": verb})


def _surface(title: str) -> str:
    return f"the {title}" if title in _WITH_THE else title


@register_maker("wiki_topic", factory=True)
def wiki_maker(kinds: tuple[str, ...] | None = None, people: bool = True) -> Maker:
    """Maker of an encyclopedic topic of ``kinds`` (all when None), people included if ``people``."""
    pool = [(t.title, t.summary) for t in TOPICS if kinds is None or t.kind in kinds]
    if people:
        pool += [(p.name, p.summary) for p in PEOPLE]

    def make(rng: random.Random, lang: str) -> Draw:
        title, summary = rng.choice(pool)
        text = ci(_surface(title))
        return Draw({"topic": text, "person": text, "place": text, "event": text, "work": text},
                    [wiki_call(title, summary)])

    return make


@register_maker("wiki_person")
def _wiki_people(rng: random.Random, lang: str) -> Draw:
    pool = [(p.name, p.summary) for p in PEOPLE] + [(t.title, t.summary) for t in TOPICS if t.kind == "person"]
    title, summary = rng.choice(pool)
    return Draw({"topic": ci(title)}, [wiki_call(title, summary, person=True)])


#: (article title, past-tense verb, past participle, maker noun, summary) — authored works.
_AUTHORED: list[tuple[str, str, str, str, str]] = [
    *[(book, "wrote", "written", "author", f"a novel by {author}") for book, author in BOOKS],
    *_WIKIPEDIA_POOLS.get("authored", list[tuple[str, str, str, str, str]]),
]

#: (article title, how users write it, summary) — organisations people ask the founding of.
_FOUNDED: list[tuple[str, str, str]] = [
    *[(t.title, _surface(t.title), t.summary) for t in TOPICS if t.kind == "organisation"],
    *_WIKIPEDIA_POOLS.get("founded", list[tuple[str, str, str]]),
]
_WIKIPEDIA_POOLS.done()


@register_maker("wiki_invention")
def _invention(rng: random.Random, lang: str) -> Draw:
    title, surface, verb, summary = rng.choice(_INVENTIONS)
    return Draw({"thing": ci(surface), "did": verb}, [wiki_call(title, summary)])


@register_maker("wiki_authored")
def _authored(rng: random.Random, lang: str) -> Draw:
    title, did, done, maker, summary = rng.choice(_AUTHORED)
    return Draw({"work": ci(title), "did": did, "done": done, "maker": maker}, [wiki_call(title, summary)])


@register_maker("wiki_founded")
def _founded(rng: random.Random, lang: str) -> Draw:
    title, surface, summary = rng.choice(_FOUNDED)
    return Draw({"org": ci(surface)}, [wiki_call(title, summary)])


# ------------------------------------------------------------------ web_reader


def reader_call(url: str, title: str) -> Call:
    """A web_reader call; the URL without a trailing slash is accepted too."""
    accept = [url.rstrip("/")] if url.endswith("/") else [url + "/"]
    return Call("web_reader", {"url": url}, accept={"url": accept}, hint={"title": title})


@register_maker("url", factory=True)
def url_maker(kind: str | None = None) -> Maker:
    """Maker of a ``{url}`` slot of ``kind`` (news, blog, docs; random when None)."""
    def make(rng: random.Random, lang: str) -> Draw:
        url, title = random_url(rng, kind)
        return Draw({"url": exact(url)}, [reader_call(url, title)])

    return make
