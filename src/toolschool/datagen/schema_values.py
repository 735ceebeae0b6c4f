"""Slot values for any tool, drawn from its JSON Schema: what a user tool's requests fill in.

:func:`argument_values` builds, once per argument, an :class:`ArgumentValues` whose
:meth:`~ArgumentValues.draw` returns a :class:`Value`: the JSON value the call carries and
the text the request writes for it. Sources, first that applies (JSON Schema 2020-12
keywords; formats of its "Defined Formats" section):

1. the toolkit file's ``values:`` for the argument (a list, or the name of a pool);
2. ``const``, then ``enum`` (a value may be named by a synonym from ``synonyms:``);
3. by type, mixed with the *known* values — the schema's ``examples`` and ``default`` and
   the examples its description gives ("e.g. X or Y", "such as 'X', 'Y'"):

   * ``string`` with a ``format``: ``date`` (spelled like a person would, see
     :func:`toolschool.datagen.dates.spell_date`), ``date-time``, ``time``, ``email``,
     ``uri``/``url``, ``uuid``, ``hostname``, ``ipv4``;
   * other strings: the pool the argument's *name* suggests (``data/pools/schema.yaml``:
     ``city`` → city names, ``path`` → file paths, ``email`` → addresses…), kept only when
     it satisfies ``pattern``, ``minLength`` and ``maxLength``;
   * ``integer``/``number``: uniform in ``minimum``/``maximum`` (exclusive bounds and
     ``multipleOf`` honoured; 1–100 without bounds, 1–10 for names like ``count``/``limit``);
     a number range spanning more than a factor 100 is drawn log-uniformly, 0–2 decimals;
   * ``boolean``: true/false, written "yes"/"no" unless synonyms say otherwise;
   * ``array``: 1–3 items (``minItems``/``maxItems``, ``uniqueItems``), written "a, b and c";
   * ``object``: its required properties, written "key value, key value".

``anyOf``/``oneOf`` take their first non-null branch, ``allOf`` is merged, and ``$ref`` is
resolved inside the tool's parameters. Every drawn value is checked against the argument's
schema; an argument none of whose sources yields a valid value is a
:class:`~toolschool.errors.ConfigError` naming the tool and argument, which says to give
``values:``.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema

from toolschool.datagen.dates import random_date, spell_date
from toolschool.datagen.resources import PoolFile
from toolschool.datagen.slots import CAPITALS, CITIES, LANGUAGES
from toolschool.errors import ConfigError

_SCHEMA_POOLS = PoolFile("pools/schema.yaml")
_BY_NAME: list[dict[str, Any]] = _SCHEMA_POOLS.get("by_name", list[dict[str, Any]])
SCHEMA_POOLS: dict[str, list[str]] = _SCHEMA_POOLS.get("pools", dict[str, list[str]])
_SCHEMA_POOLS.done()
SCHEMA_POOLS.update({
    "city_names": [c.name for c in CITIES],
    "country_names": [c.name for c in CAPITALS],
    "language_names": [v["en"] for v in LANGUAGES.values()],
})
_TRIES = 40
EXAMPLE_MARK = re.compile(r"\b(?:e\.g\.|eg\.|for example|for instance|such as)\s*:?\s*", re.I)
_QUOTED = re.compile(r"""'([^']+)'|"([^"]+)"|`([^`]+)`""")
_SMALL = {"count", "limit", "n", "num", "top", "k", "max", "size", "page", "retries", "quantity", "qty"}


@dataclass(frozen=True)
class Value:
    """A drawn argument value.

    Attributes:
        value: the JSON value the call carries.
        text: how the request writes it.
        protect: ``"exact"`` (noise never touches it) or ``"ci"`` (may change case).
        witness: other texts that name the value (synonyms); grounding accepts any of them.
    """

    value: Any
    text: str
    protect: str = "exact"
    witness: tuple[str, ...] = ()


def name_words(name: str) -> list[str]:
    """``"fromCity"`` → ``["from", "city"]``; ``"max_results"`` → ``["max", "results"]``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w.lower() for w in re.split(r"[\s_\-.]+", spaced) if w]


def description_examples(description: str) -> list[str]:
    """Examples a description gives: ``"Target language, e.g. fr or de"`` → ``["fr", "de"]``.

    After "e.g.", "for example", "such as" or "like": quoted items when there are any, else
    the text up to the parenthesis the marker sits in (or the sentence's end), split at
    commas and "or"/"and".
    """
    out: list[str] = []
    for mark in EXAMPLE_MARK.finditer(description):
        before = description[:mark.start()]
        depth = before.count("(") - before.count(")")
        rest = description[mark.end():]
        end = len(rest)
        if depth > 0:
            level = 0
            for i, ch in enumerate(rest):
                level += ch == "("
                if ch == ")":
                    if level == 0:
                        end = i
                        break
                    level -= 1
        else:
            stop = re.search(r"\.(?:\s|$)|;", rest)
            end = stop.start() if stop else end
        span = rest[:end]
        quoted = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(span)]
        items = quoted or re.split(r",\s*|\s+or\s+|\s+and\s+", span)
        out.extend(item.strip().strip("'\"`").rstrip(".") for item in items)
    return [item for item in out if item]


def resolve(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with ``$ref`` (local, ``#/...``), ``allOf``, ``anyOf``/``oneOf`` (first non-null
    branch) and ``type`` lists (first non-null type) resolved."""
    if not isinstance(schema, dict):
        return {}
    schema = dict(schema)
    ref = schema.pop("$ref", None)
    if isinstance(ref, str) and ref.startswith("#/"):
        node: Any = root
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema = {**resolve(node, root), **schema}
    for part in schema.pop("allOf", None) or []:
        schema = {**resolve(part, root), **schema}
    for key in ("anyOf", "oneOf"):
        branches = schema.pop(key, None)
        if branches:
            usable = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
            schema = {**resolve(usable[0] if usable else branches[0], root), **schema}
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        schema["type"] = kinds[0] if kinds else "null"
    return schema


def _number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _join(texts: Sequence[str]) -> str:
    if len(texts) <= 1:
        return "".join(texts)
    return ", ".join(texts[:-1]) + " and " + texts[-1]


def _protect(text: str) -> str:
    return "ci" if re.fullmatch(r"[^\W\d_]+(?: [^\W\d_]+)*", text) else "exact"


class ArgumentValues:
    """How values of one argument are drawn (see the module docstring for the sources).

    Args:
        where: ``"tool.argument"`` for error messages.
        schema: the argument's JSON Schema.
        root: the tool's whole ``parameters`` (``$ref`` targets).
        values: the toolkit file's values for it, if any.
        synonyms: ``{value as text: [texts a request may use instead]}``.
    """

    def __init__(self, where: str, schema: dict[str, Any], root: dict[str, Any],
                 values: Sequence[Any] | None = None, synonyms: dict[str, list[str]] | None = None):
        self.where = where
        self.root = root
        self.schema = resolve(schema, root)
        self.synonyms = {str(k).lower(): list(v) for k, v in (synonyms or {}).items()}
        self.name = where.rsplit(".", 1)[-1]
        defs = {"$defs": root["$defs"]} if "$defs" in root else {}
        self._check = jsonschema.Draft202012Validator({**schema, **defs}).is_valid
        self.known = [v for v in self._known() if self._check(v)]
        self.fixed: list[Any] | None = list(values) if values else None
        if self.fixed is None and "const" in self.schema:
            self.fixed = [self.schema["const"]]
        if self.fixed is None and self.schema.get("enum"):
            self.fixed = list(self.schema["enum"])
        self._generate = self._generator()

    def _known(self) -> list[Any]:
        out = list(self.schema.get("examples") or [])
        if "default" in self.schema:
            out.append(self.schema["default"])
        kind = self.schema.get("type", "string")
        for text in description_examples(self.schema.get("description", "")):
            if kind == "integer" and re.fullmatch(r"-?\d+", text):
                out.append(int(text))
            elif kind == "number" and re.fullmatch(r"-?\d+(?:\.\d+)?", text):
                out.append(float(text))
            elif kind == "string":
                out.append(text)
        return out

    # ---------------------------------------------------------------- generators by type
    def _generator(self) -> Callable[[random.Random], Any]:
        kind = self.schema.get("type", "string")
        by_type: dict[str, Callable[[random.Random], Any]] = {
            "integer": self._integer, "number": self._number, "boolean": lambda rng: rng.random() < 0.5,
            "array": self._array, "object": self._object, "null": lambda rng: None}
        return by_type.get(kind, self._string)

    def _bounds(self, default_low: float, default_high: float) -> tuple[float, float]:
        s = self.schema
        low = s.get("minimum", s["exclusiveMinimum"] + 1 if "exclusiveMinimum" in s else None)
        high = s.get("maximum", s["exclusiveMaximum"] - 1 if "exclusiveMaximum" in s else None)
        if low is None and high is None:
            small = bool(set(name_words(self.name)) & _SMALL)
            return (1, 10) if small else (default_low, default_high)
        low = low if low is not None else min(default_low, high)
        high = high if high is not None else max(low + default_high, default_high)
        return low, high

    def _integer(self, rng: random.Random) -> int:
        low, high = self._bounds(1, 100)
        step = int(self.schema.get("multipleOf", 1)) or 1
        first, last = -(-int(low) // step), int(high) // step
        return rng.randint(first, max(first, last)) * step

    def _number(self, rng: random.Random) -> float | int:
        low, high = self._bounds(1, 100)
        if low > 0 and high / low > 100:  # a wide range: every order of magnitude as likely
            value = math.exp(rng.uniform(math.log(low), math.log(high)))
        else:
            value = rng.uniform(low, high)
        digits = rng.choice([0, 1, 2])
        value = round(value, digits)
        if not low <= value <= high:
            value = float(low)
        return int(value) if digits == 0 and float(value).is_integer() else value

    def _array(self, rng: random.Random) -> list[Any]:
        items = ArgumentValues(self.where + "[]", self.schema.get("items") or {"type": "string"}, self.root)
        low = max(1, int(self.schema.get("minItems", 1)))
        high = max(low, min(int(self.schema.get("maxItems", 3)), 3))
        out: list[Any] = []
        for _ in range(_TRIES):
            if len(out) >= rng.randint(low, high):
                break
            value = items.draw(rng).value
            if not (self.schema.get("uniqueItems") and value in out):
                out.append(value)
        return out

    def _object(self, rng: random.Random) -> dict[str, Any]:
        props = self.schema.get("properties") or {}
        return {key: ArgumentValues(f"{self.where}.{key}", props[key], self.root).draw(rng).value
                for key in self.schema.get("required", []) if key in props}

    def _string(self, rng: random.Random) -> str:
        fmt = self.schema.get("format")
        if fmt in _FORMATS:
            return _FORMATS[fmt](rng)
        pool = self._pool_values
        return rng.choice(pool) if pool else rng.choice(SCHEMA_POOLS["words"])

    @functools.cached_property
    def _pool_values(self) -> list[str]:
        """The name-suggested pool's values that satisfy the schema (else the generic words')."""
        words = set(name_words(self.name))
        chosen = next((rule["pool"] for rule in _BY_NAME if words & set(rule["match"])), "words")
        valid = [v for v in SCHEMA_POOLS[chosen] if self._check(v)]
        return valid or [v for v in SCHEMA_POOLS["words"] if self._check(v)]

    # ---------------------------------------------------------------- drawing
    def _pick(self, rng: random.Random) -> Any:
        if self.fixed is not None:
            return rng.choice(self.fixed)
        if self.known and rng.random() < 0.5:
            return rng.choice(self.known)
        return self._generate(rng)

    def draw(self, rng: random.Random) -> Value:
        """One value and its text.

        Raises:
            ConfigError: no source gave a value the schema accepts in :data:`_TRIES` draws.
        """
        for _ in range(_TRIES):
            value = self._pick(rng)
            if self._check(value):
                return self.surface(value, rng)
        raise ConfigError(f"{self.where}: no value drawn from the schema satisfies it "
                          f"({ {k: v for k, v in self.schema.items() if k != 'description'} }); "
                          "give values for it in the toolkit file (values:)")

    def surface(self, value: Any, rng: random.Random) -> Value:
        """How a request writes ``value``: a synonym, a spelled date, "a, b and c"…"""
        synonyms = self.synonyms.get(str(value).lower()) or (
            self.synonyms.get("true" if value else "false") if isinstance(value, bool) else None)
        if synonyms:
            text = rng.choice(synonyms)
            return Value(value, text, _protect(text), tuple(synonyms))
        if isinstance(value, bool):
            text = "yes" if value else "no"
            return Value(value, text, "ci")
        if isinstance(value, (int, float)):
            return Value(value, _number_text(value))
        if isinstance(value, list):
            item = ArgumentValues(self.where + "[]", self.schema.get("items") or {}, self.root)
            return Value(value, _join([item.surface(v, rng).text for v in value]))
        if isinstance(value, dict):
            props = self.schema.get("properties") or {}
            parts = []
            for key, item in value.items():
                inner = ArgumentValues(f"{self.where}.{key}", props.get(key, {}), self.root)
                parts.append(f"{' '.join(name_words(key))} {inner.surface(item, rng).text}")
            return Value(value, ", ".join(parts))
        text = str(value)
        iso_date = self.schema.get("format") == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)
        if iso_date and rng.random() < 0.6:
            return Value(value, spell_date(dt.date.fromisoformat(text), "en", rng))
        return Value(value, text, _protect(text))


def _date(rng: random.Random) -> str:
    return random_date(rng, 2025, 2027).isoformat()


def _datetime(rng: random.Random) -> str:
    return f"{_date(rng)}T{rng.randint(7, 20):02d}:{rng.choice(['00', '15', '30', '45'])}:00"


def _email(rng: random.Random) -> str:
    return rng.choice(SCHEMA_POOLS["emails"])


_FORMATS: dict[str, Callable[[random.Random], str]] = {
    "date": _date,
    "date-time": _datetime,
    "time": lambda rng: f"{rng.randint(7, 20):02d}:{rng.choice(['00', '15', '30', '45'])}:00",
    "email": _email,
    "idn-email": _email,
    "uri": lambda rng: rng.choice(SCHEMA_POOLS["urls"]),
    "url": lambda rng: rng.choice(SCHEMA_POOLS["urls"]),
    "iri": lambda rng: rng.choice(SCHEMA_POOLS["urls"]),
    "uuid": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "hostname": lambda rng: rng.choice(["example.com", "api.example.org", "mail.example.net", "db01.local"]),
    "ipv4": lambda rng: ".".join(str(rng.randint(1, 254)) for _ in range(4)),
}


def argument_values(tool: str, parameters: dict[str, Any], values: dict[str, Sequence[Any]] | None = None,
                    synonyms: dict[str, dict[str, list[str]]] | None = None) -> dict[str, ArgumentValues]:
    """An :class:`ArgumentValues` per property of a tool's ``parameters``.

    Args:
        tool: the tool's name (error messages).
        parameters: the tool's JSON Schema parameters (``{"type": "object", "properties": …}``).
        values: per argument, the toolkit file's values.
        synonyms: per argument, ``{value: [synonyms]}``.

    Raises:
        ConfigError: ``values``/``synonyms`` name an argument the tool does not have.
    """
    props = parameters.get("properties") or {}
    for source, given in (("values", values), ("synonyms", synonyms)):
        unknown = sorted(set(given or {}) - set(props))
        if unknown:
            raise ConfigError(f"{tool}: {source} for unknown arguments {unknown}; "
                              f"the tool has {sorted(props)}")
    return {name: ArgumentValues(f"{tool}.{name}", schema, parameters, (values or {}).get(name),
                                 (synonyms or {}).get(name))
            for name, schema in props.items()}
