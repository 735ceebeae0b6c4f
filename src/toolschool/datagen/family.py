"""Template families: the unit of phrasing that generation and splits are built from.

A :class:`Family` is one phrasing pattern (e.g. "indirect weather need: packing for a
trip") for one category and tool, in one language. It holds a few close variants of the
pattern (``templates``) and a ``make`` function that draws slot values and the tool calls
they imply (a :class:`Draw`). Splits hold out whole families, so test requests use
phrasings the model never saw in training. Families are written as data
(``data/families/*.yaml``, read by :mod:`toolschool.datagen.family_files`); their makers
are Python functions registered by name (:mod:`toolschool.datagen.makers`).

Templates are ``str.format`` strings. A placeholder is filled from the draw's ``slots``;
names not in the draw come from :data:`toolschool.datagen.slots.DECOR` (free phrases
such as ``{friend}`` or ``{when}``). A :class:`Slot` marks text that arguments are
checked against: ``"exact"`` text is never touched by surface noise, ``"ci"`` text may only
change case.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from toolschool.datagen.slots import DECOR

CATEGORIES: tuple[str, ...] = ("single", "parallel", "chained", "no_tool", "ask_missing")
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Slot:
    """A slot value inside a request; ``protect`` is ``"exact"``, ``"ci"`` or None (free)."""

    text: str
    protect: str | None = "exact"


def exact(text: str) -> Slot:
    """A value an argument must match verbatim (URLs, expressions, texts to translate)."""
    return Slot(text, "exact")


def ci(text: str) -> Slot:
    """A value an argument matches up to case (places, words, topics)."""
    return Slot(text, "ci")


@dataclass
class Call:
    """A tool call the generator produced, plus how a checker should accept equivalents.

    Attributes:
        name: tool name.
        arguments: the call's arguments, exactly as written to training data.
        accept: per argument, further acceptable values (the argument itself is implied).
        keywords: per free-text argument, words that must appear in it (``_loose`` checking).
        numeric: per argument, the value an equivalent expression must evaluate to.
        hint: facts for the result simulator (never written to records).
        witness: per argument, texts that show where a value the request does not spell out
            comes from (the city of a timezone, the holiday of a date); see
            :mod:`toolschool.datagen.grounding`.
        implied: arguments the family's phrasing implies rather than names (``datetime``'s
            ``action``); grounding exempts and counts them.
    """

    name: str
    arguments: dict[str, Any]
    accept: dict[str, list[Any]] = field(default_factory=dict)
    keywords: dict[str, list[str]] = field(default_factory=dict)
    numeric: dict[str, float] = field(default_factory=dict)
    hint: dict[str, Any] = field(default_factory=dict)
    witness: dict[str, list[str]] = field(default_factory=dict)
    implied: tuple[str, ...] = ()


@dataclass
class Chain:
    """The first step of a chained request.

    Attributes:
        calls: the first assistant turn's calls.
        results: one tool-result content string per call.
        evidence: the text inside ``results[-1]`` that the target call's argument derives from.
    """

    calls: list[Call]
    results: list[str]
    evidence: str


@dataclass
class FollowUp:
    """The middle of an ask-for-missing-argument sample: the request left ``missing`` out,
    the assistant asks ``question``, the user answers ``reply``; the calls follow."""

    missing: tuple[str, ...]
    question: str
    reply: str


@dataclass
class Draw:
    """What a family's ``make`` returns: slot values and the calls (or reply) they imply.

    ``calls`` are the target calls (for chained: the call made after the tool result;
    for ask_missing: the call made after the user's reply in ``followup``);
    ``answer`` is the plain-text reply for no_tool families.
    """

    slots: dict[str, Slot | str]
    calls: list[Call] = field(default_factory=list)
    answer: str = ""
    chain: Chain | None = None
    followup: FollowUp | None = None


Maker = Callable[[random.Random, str], Draw]


@dataclass(frozen=True)
class Family:
    """One phrasing pattern.

    Attributes:
        name: unique, ``"<tool or kind>.<pattern>"``.
        category: one of :data:`CATEGORIES`.
        tool: label of test items (a tool name, ``"multi_tool"`` or ``"no_tool"``).
        group: splits hold out families within each (category, group).
        lang: language of the request (en/es/fr/de/pt).
        templates: close variants of the pattern.
        make: ``(rng, lang) -> Draw``.
    """

    name: str
    category: str
    tool: str
    group: str
    lang: str
    templates: tuple[str, ...]
    make: Maker


@dataclass(frozen=True)
class RequestPiece:
    """A piece of a rendered request; ``protect`` as in :class:`Slot` (None = free text)."""

    text: str
    protect: str | None = None


def render(family: Family, template: str, draw: Draw, rng: random.Random) -> list[RequestPiece]:
    """Fill ``template`` from ``draw.slots`` and decorations; return the segments.

    Raises:
        KeyError: the template names a placeholder that is neither a slot nor a decoration
            (a bug in the family, reported with its name).
    """
    segments: list[RequestPiece] = []
    for literal, name, _spec, _conv in _FORMATTER.parse(template):
        if literal:
            segments.append(RequestPiece(literal))
        if name is None:
            continue
        if name in draw.slots:
            value = draw.slots[name]
            segments.append(RequestPiece(value.text, value.protect) if isinstance(value, Slot)
                            else RequestPiece(value))
        elif name in DECOR.get(family.lang, {}):
            segments.append(RequestPiece(rng.choice(DECOR[family.lang][name])))
        else:
            raise KeyError(f"family {family.name!r}: template {template!r} uses unknown slot {{{name}}}")
    return segments


def protected_values(segments: list[RequestPiece]) -> list[tuple[str, str]]:
    """``(text, mode)`` of every protected segment, in order."""
    return [(s.text, s.protect) for s in segments if s.protect]

