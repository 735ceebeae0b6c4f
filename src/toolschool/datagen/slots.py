"""Slot pools about places, languages and words, plus decoration phrases for templates.

The rows are data, in ``data/pools/places.yaml``, ``languages.yaml`` and ``decor.yaml``;
this module defines their types (pydantic validates each row) and loads them once.

* :data:`CITIES` — cities worldwide with country, IANA timezone and local exonyms
  ("London" is "Londres" in a Spanish request; the call then uses what the user wrote).
* :data:`CAPITALS` — countries and their capitals (chained wikipedia → weather/time).
* :data:`LANGUAGES` — ISO 639-1 code → language name as written in en/es/fr/de/pt.
* :data:`WORDS` — English words (many rare) with part of speech and a short definition.
* :data:`PHRASES` — short texts to translate, with known translations where we have them.
* :data:`DECOR` — free phrases templates may use (``{friend}``, ``{when}``…), per language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ConfigDict

from toolschool.datagen.resources import PoolFile


@dataclass(frozen=True)
class City:
    """A city: English name, country, IANA timezone, names in other request languages."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    name: str
    country: str
    tz: str
    exonyms: dict[str, str] = field(default_factory=dict)

    def local_name(self, lang: str) -> str:
        """The name a user writing in ``lang`` would use."""
        return self.exonyms.get(lang, self.name)



_PLACES_POOLS = PoolFile("pools/places.yaml")
CITIES: list[City] = _PLACES_POOLS.get("cities", list[City])

#: Places that are not cities but that people ask the weather for (no timezone use).
PLACES: list[str] = _PLACES_POOLS.get("places", list[str])


@dataclass(frozen=True)
class Country:
    """A country with its capital (a :data:`CITIES` entry name or another city) and population."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    name: str
    capital: str
    tz: str
    population: str
    population_value: int
    names: dict[str, str] = field(default_factory=dict)

    def local_name(self, lang: str) -> str:
        return self.names.get(lang, self.name)



CAPITALS: list[Country] = _PLACES_POOLS.get("countries", list[Country])
_PLACES_POOLS.done()

# ISO 639-1 code → name as written in a request in en / es / fr / de / pt.
_LANGUAGES_POOLS = PoolFile("pools/languages.yaml")
LANGUAGES: dict[str, dict[str, str]] = _LANGUAGES_POOLS.get("languages", dict[str, dict[str, str]])
#: Extra English names users write for a code.
LANGUAGE_ALIASES: dict[str, list[str]] = _LANGUAGES_POOLS.get("language_aliases", dict[str, list[str]])


def language_accept(code: str) -> list[str]:
    """Acceptable ``to_lang`` values for ``code``: the code, then its names in all languages."""
    out = [code]
    for name in list(LANGUAGES[code].values()) + LANGUAGE_ALIASES.get(code, []):
        for variant in (name, name.lower(), name.capitalize()):
            if variant not in out:
                out.append(variant)
    return out


@dataclass(frozen=True)
class Word:
    """A dictionary entry: the word, its part of speech and a one-line definition."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    word: str
    pos: str
    definition: str


WORDS: list[Word] = _LANGUAGES_POOLS.get("words", list[Word])


@dataclass(frozen=True)
class Phrase:
    """A text to translate, its source language, and translations we know (code → text)."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    text: str
    source: str
    known: dict[str, str] = field(default_factory=dict)



PHRASES: list[Phrase] = _LANGUAGES_POOLS.get("phrases", list[Phrase])

#: Non-English texts users ask to translate (into English or another language).
FOREIGN_PHRASES: list[Phrase] = _LANGUAGES_POOLS.get("foreign_phrases", list[Phrase])
#: Everyday English words people want in another language.
SIMPLE_WORDS: list[str] = _LANGUAGES_POOLS.get("simple_words", list[str])
_LANGUAGES_POOLS.done()

#: Free phrases templates may use (``{friend}``, ``{when}``…), per language.
_DECOR_POOLS = PoolFile("pools/decor.yaml")
DECOR: dict[str, dict[str, list[str]]] = _DECOR_POOLS.get("decor", dict[str, dict[str, list[str]]])
_DECOR_POOLS.done()

