"""Rule-based grounding: do a call's arguments appear in, or follow from, the request?

A generated call is only worth training on when its arguments come from the conversation:
a model taught to call ``weather(location="Lisbon")`` after "what's it like in Porto?"
learns to invent values. :func:`ungrounded` lists the arguments of a call that no rule
below ties to the *context*: the user's request (and, for ask-for-missing-argument
samples, the user's reply) plus every earlier tool result (chained samples).

Text is compared after :func:`fold`: Unicode NFKC, case folding, and runs of whitespace
made one space; a text *appears* when it occurs at word boundaries (a boundary is also where
digits meet letters, so ``lb`` appears in ``65lb`` but ``Rome`` not in ``Romeo``). A leaf
value (strings, numbers, booleans; arrays and objects are checked leaf by leaf) is grounded
when any rule holds, in this order:

1. **verbatim** — the folded value appears in the folded context;
2. **alternatives** — one of the call's accepted alternatives (``Call.accept``: a language
   name for an ISO code, a unit's names for its abbreviation, an enum value's synonyms)
   appears;
3. **keywords** — free-text arguments the model may word its own way (search queries):
   every keyword of ``Call.keywords`` appears (as a word or the start of one: ``market``
   in ``markets``);
4. **witness** — a text the maker recorded as the value's source (``Call.witness``: the
   city a timezone belongs to, the holiday a date is) appears;
5. **numbers** — a number (or a string that is one) appears as a number in the context,
   with thousands separators, a decimal comma and trailing zeros ignored (``1,200.50`` is
   ``1200.5``), units glued on (``17.2L``), a scale word applied (``5.3 million``), or as
   an English number word up to twenty (``three``);
6. **expressions** — an argument the maker marks as an arithmetic expression (it recorded
   the value, ``Call.numeric``) with at least one number that appears by rule 5 and every
   other one among the constants arithmetic phrasing implies (:data:`IMPLIED_CONSTANTS`: 1
   of a growth factor, 2 and 3 of "squared"/"cubed", 100 of a percentage);
7. **dates** — an ISO 8601 date (``2026-03-14``) spelled in the context in any style of
   :func:`toolschool.datagen.dates.spell_date` (any of its languages), or a date-time
   whose date part is;
8. **booleans** — ``true``/``false``/``yes``/``no`` appear, or an alternative (rule 2).

Arguments listed in ``Call.implied`` are exempt: the family's phrasing implies them (the
``action`` of ``datetime`` in "what day of the week is…"), no word of the request names
them; they are returned separately so that the data card can count them.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from toolschool.datagen.dates import LANGS as DATE_LANGS
from toolschool.datagen.dates import date_spellings
from toolschool.datagen.family import Call

_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:[,_]\d{3})+|\d+)(?:[.,]\d+)?(?!\d)|(?<![\w.])[-+]?\.\d+")
_SCALE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(thousand|million|billion|trillion)\b", re.I)
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
#: Numbers an arithmetic expression may hold that its request need not write (rule 6).
IMPLIED_CONSTANTS = frozenset({1.0, 2.0, 3.0, 100.0})
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
          "twenty"]
_NUMBER_WORDS = {w: i for i, w in enumerate(_WORDS)}
_BOOL_WORDS = {True: ("true", "yes"), False: ("false", "no")}


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Text as grounding compares it: NFKC, case-folded, whitespace runs made one space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _as_number(text: str) -> float | None:
    """``"1,200.50"`` → 1200.5, ``"3,5"`` → 3.5 (a lone comma before 1-2 digits is decimal)."""
    raw = text.replace("_", "").replace(" ", "")
    if re.fullmatch(r"[-+]?\d+,\d{1,2}", raw):
        raw = raw.replace(",", ".")
    raw = raw.replace(",", "")
    try:
        return float(raw)
    except ValueError:
        return None


def numbers_in(text: str) -> set[float]:
    """Every number written in ``text`` (digits, or English words up to twenty)."""
    found = {n for n in (_as_number(m.group()) for m in _NUMBER.finditer(text)) if n is not None}
    for number, scale in _SCALE.findall(text):
        value = _as_number(number)
        if value is not None:
            found.add(round(value * _SCALES[scale.lower()], 6))
    for word in re.findall(r"[a-z]+", fold(text)):
        if word in _NUMBER_WORDS:
            found.add(float(_NUMBER_WORDS[word]))
    return found


class Context:
    """The text a call's arguments may come from, folded once, with its numbers and dates.

    Args:
        texts: the user's request (and reply) and any earlier tool results, in order.
    """

    def __init__(self, texts: list[str]):
        raw = "\n".join(texts)
        self.text = fold(raw)
        self._raw = raw
        self._numbers: set[float] | None = None

    def has(self, text: str, prefix: bool = False) -> bool:
        """Whether folded ``text`` occurs in the context at word boundaries (empty text never does);
        ``prefix``: at the start of a word only (``market`` in ``markets``)."""
        needle = fold(text)
        if not needle:
            return False
        start = self.text.find(needle)
        while start >= 0:
            end = start + len(needle)
            if _edge(self.text[start - 1] if start else "", needle[0]) and (prefix or _edge(
                    self.text[end] if end < len(self.text) else "", needle[-1])):
                return True
            start = self.text.find(needle, start + 1)
        return False

    @property
    def numbers(self) -> set[float]:
        if self._numbers is None:
            self._numbers = numbers_in(self._raw)
        return self._numbers

    def has_number(self, value: float) -> bool:
        return any(abs(value - n) <= 1e-9 * max(1.0, abs(value)) for n in self.numbers)

    def has_date(self, day: dt.date) -> bool:
        return any(self.has(spelled) for lang in DATE_LANGS for spelled in date_spellings(day, lang))


def _edge(outside: str, inside: str) -> bool:
    """Whether a match may end between ``outside`` and ``inside`` (neighbouring characters)."""
    if not outside or not outside.isalnum() or not inside.isalnum():
        return True
    return outside.isdigit() != inside.isdigit()


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def _leaf_grounded(value: Any, ctx: Context, call: Call, arg: str) -> bool:
    if isinstance(value, bool):
        words = _BOOL_WORDS[value]
        return any(re.search(rf"\b{w}\b", ctx.text) for w in words) or _listed(call.accept.get(arg), ctx)
    if isinstance(value, (int, float)):
        return ctx.has_number(float(value)) or _listed(call.accept.get(arg), ctx) or _listed(
            call.witness.get(arg), ctx)
    if value is None:
        return True
    text = str(value)
    if ctx.has(text) or _listed(call.accept.get(arg), ctx) or _listed(call.witness.get(arg), ctx):
        return True
    keywords = call.keywords.get(arg)
    if keywords and all(ctx.has(k, prefix=True) for k in keywords):
        return True
    number = _as_number(text)
    if number is not None and ctx.has_number(number):
        return True
    date = _ISO_DATE.match(text.strip())
    if date:
        try:
            day = dt.date(int(date.group(1)), int(date.group(2)), int(date.group(3)))
        except ValueError:
            return False
        return ctx.has_date(day)
    if arg in call.numeric:
        parts = [_as_number(m.group()) for m in _NUMBER.finditer(text)]
        written = [p is not None and ctx.has_number(abs(p)) for p in parts]
        return any(written) and all(w or (p is not None and abs(p) in IMPLIED_CONSTANTS)
                                    for w, p in zip(written, parts, strict=True))
    return False


def _listed(texts: list[Any] | None, ctx: Context) -> bool:
    for text in texts or ():
        if isinstance(text, (int, float)) and not isinstance(text, bool):
            if ctx.has_number(float(text)):
                return True
        elif ctx.has(str(text)):
            return True
    return False


def ungrounded(call: Call, ctx: Context) -> tuple[list[str], list[str]]:
    """``(ungrounded, implied)``: argument paths of ``call`` no rule grounds in ``ctx``
    (``"query"``, ``"filters.tags[1]"``), and the arguments exempt as implied."""
    missing: list[str] = []
    implied: list[str] = []
    for arg, value in call.arguments.items():
        if arg in call.implied:
            implied.append(arg)
            continue
        for path, leaf in _leaves(value, arg):
            if not _leaf_grounded(leaf, ctx, call, arg):
                missing.append(path)
    return missing, implied
