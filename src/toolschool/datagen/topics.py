"""Slot pools about the world: search topics, encyclopedic topics, people, events and URLs.

The split between the two lookup tools follows intent:

* ``web_search`` — things that change: prices, scores, news, schedules, opening hours,
  release dates, flight status, local recommendations;
* ``wikipedia`` — stable encyclopedic facts about named people, places, events, works.

People, landmarks, books and countries carry the facts the chained families need
(birth date and place, height, author…). URLs are assembled from realistic site patterns
and headline slugs (:func:`random_url`).

The rows are data (``data/pools/topics.yaml`` and ``urls.yaml``); this module defines
their types and the URL mechanics.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from pydantic import ConfigDict

from toolschool.datagen.resources import PoolFile

# ---------------------------------------------------------------- web_search pools
#: (what a user calls it, the keyword a query must contain)
_TOPICS_POOLS = PoolFile("pools/topics.yaml")
PRICE_ITEMS: list[tuple[str, str]] = _TOPICS_POOLS.get("price_items", list[tuple[str, str]])

LEAGUES: dict[str, list[str]] = _TOPICS_POOLS.get("leagues", dict[str, list[str]])

#: (noun phrase, keyword) — ongoing stories people want news about.
NEWS_TOPICS: list[tuple[str, str]] = _TOPICS_POOLS.get("news_topics", list[tuple[str, str]])

#: (noun phrase, query, keyword) — things with dates and times that change.
SCHEDULES: list[tuple[str, str, str]] = _TOPICS_POOLS.get("schedules", list[tuple[str, str, str]])

#: (noun phrase, query, keyword) — releases and products.
RELEASES: list[tuple[str, str, str]] = _TOPICS_POOLS.get("releases", list[tuple[str, str, str]])

#: (phrase with {city}, query with {city}, keyword)
LOCAL: list[tuple[str, str, str]] = _TOPICS_POOLS.get("local", list[tuple[str, str, str]])

FLIGHTS: list[str] = _TOPICS_POOLS.get("flights", list[str])
COMPANIES: list[str] = _TOPICS_POOLS.get("companies", list[str])

# ---------------------------------------------------------------- wikipedia pools


@dataclass(frozen=True)
class Topic:
    """An encyclopedic topic: its article title, a kind and a one-line summary."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    title: str
    kind: str
    summary: str


TOPICS: list[Topic] = _TOPICS_POOLS.get("topics", list[Topic])


@dataclass(frozen=True)
class Person:
    """A well-known person with facts the chained families use."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    name: str
    born: str  # ISO date
    birthplace: str  # a city the weather tool can look up
    summary: str


PEOPLE: list[Person] = _TOPICS_POOLS.get("people", list[Person])

#: (landmark, height or length in metres, what the number measures)
LANDMARKS: list[tuple[str, int, str]] = _TOPICS_POOLS.get("landmarks", list[tuple[str, int, str]])

#: (book, author)
BOOKS: list[tuple[str, str]] = _TOPICS_POOLS.get("books", list[tuple[str, str]])

#: (event, host city or "" when it moves around, usual month) — the exact date comes from
#: the simulated search result, inside the usual month.
EVENTS: list[tuple[str, str, int]] = _TOPICS_POOLS.get("events", list[tuple[str, str, int]])
_TOPICS_POOLS.done()

# ---------------------------------------------------------------- URLs
_URLS_POOLS = PoolFile("pools/urls.yaml")
HEADLINES: list[str] = _URLS_POOLS.get("headlines", list[str])
_NEWS_SITES: list[str] = _URLS_POOLS.get("news_sites", list[str])
_BLOG_SITES: list[str] = _URLS_POOLS.get("blog_sites", list[str])
_DOC_URLS: list[tuple[str, str]] = _URLS_POOLS.get("doc_urls", list[tuple[str, str]])
_SECTIONS: list[str] = _URLS_POOLS.get("sections", list[str])
_AUTHORS: list[str] = _URLS_POOLS.get("authors", list[str])
_COMPANIES: list[str] = _URLS_POOLS.get("companies", list[str])
_MONTH_ABBR: list[str] = _URLS_POOLS.get("month_abbr", list[str])
_URLS_POOLS.done()


def slugify(text: str) -> str:
    """``"Rust vs Go!"`` → ``"rust-vs-go"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def random_url(rng: random.Random, kind: str | None = None, title: str | None = None) -> tuple[str, str]:
    """A realistic URL and the title of the page it points to.

    Args:
        kind: ``"news"``, ``"blog"`` or ``"docs"``; random when None.
        title: the page title (news and blog only); a random headline when None.

    Returns:
        ``(url, title)``.
    """
    kind = kind or rng.choice(["news", "news", "blog", "docs"])
    if kind == "docs":
        return rng.choice(_DOC_URLS)
    title = title or rng.choice(HEADLINES)
    pattern = rng.choice(_NEWS_SITES if kind == "news" else _BLOG_SITES)
    month = rng.randint(1, 12)
    fields = {
        "section": rng.choice(_SECTIONS), "slug": slugify(title), "y": rng.choice([2024, 2025, 2026]),
        "mm": f"{month:02d}", "mon": _MONTH_ABBR[month - 1], "dd": f"{rng.randint(1, 28):02d}",
        "num8": rng.randint(10_000_000, 99_999_999), "num7": rng.randint(1_000_000, 9_999_999),
        "hex": f"{rng.getrandbits(40):010x}", "hex4": f"{rng.getrandbits(16):04x}",
        "author": rng.choice(_AUTHORS), "company": rng.choice(_COMPANIES),
    }
    return pattern.format(**fields), title
