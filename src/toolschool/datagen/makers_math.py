"""Makers of the ``calculator`` and ``unit_converter`` families (phrasing in ``data/families``).

Calculator requests come as symbols ("(12 + 8) * 3.5"), as words ("45 times 12", "15 % de
80", "2 hoch 10") or as word problems whose expression follows from the numbers in the
text ("$184.60 split between 4 people" → ``184.60 / 4``). Every call carries the value any
equivalent expression must reach (:mod:`toolschool.datagen.arithmetic`).

Unit conversions use the standard abbreviation in the call whatever the user wrote
("kilómetros" → ``km``), and the number with a decimal point ("12,5" → ``12.5``).
"""

from __future__ import annotations

import random

from toolschool.datagen.arithmetic import evaluate_arithmetic
from toolschool.datagen.family import Call, Draw, Maker, ci, exact
from toolschool.datagen.makers import register_maker
from toolschool.datagen.resources import PoolFile
from toolschool.datagen.units import (
    COMMON_PAIRS,
    UNIT_BY_ABBR,
    accepted_spellings,
    random_value,
    unit_surface,
    value_surface,
)

# ------------------------------------------------------------------ calculator
_MATH_POOLS = PoolFile("pools/math.yaml")
_WORDS: dict[str, dict[str, list[str]]] = _MATH_POOLS.get("operator_words", dict[str, dict[str, list[str]]])
_MATH_POOLS.done()


def _num(rng: random.Random, low: int = 2, high: int = 999, decimal: float = 0.25) -> str:
    if rng.random() < decimal:
        return f"{rng.uniform(low, high):.{rng.choice([1, 2])}f}"
    return str(rng.randint(low, high))


def _spoken_num(text: str, lang: str) -> str:
    return text.replace(".", ",") if lang != "en" else text


def calculator_call(expression: str) -> Call:
    """A calculator call with its numeric value and a no-spaces variant accepted."""
    value = evaluate_arithmetic(expression)
    compact = expression.replace(" ", "")
    return Call("calculator", {"expression": expression}, accept={"expression": [compact]},
                numeric={"expression": value}, hint={"value": value})


def _op(rng: random.Random) -> str:
    return rng.choice(["*", "*", "/", "+", "-"])


def random_expression(rng: random.Random, lang: str) -> tuple[str, str, str]:
    """``(symbolic, spoken, call_expression)`` for one random arithmetic expression.

    ``symbolic`` is what a user types ("(12 + 8)*3.5"); ``spoken`` the same in words for
    ``lang`` when words fit the shape, else the symbolic text; the call expression is the
    symbolic text.
    """
    words = _WORDS[lang]
    kind = rng.choice(["binary", "binary", "binary", "pct", "pow", "paren", "chain"])
    sp = " " if rng.random() < 0.7 else ""
    if kind == "pct":
        p, n = str(rng.choice([5, 10, 12, 15, 18, 20, 25, 30, 40, 75, 7.5])), _num(rng, 20, 5000, 0.2)
        sym = f"{p}% of {n}"
        spoken = rng.choice(words["pct"]).format(p=_spoken_num(p, lang), n=_spoken_num(n, lang))
        return sym, spoken, sym
    if kind == "pow":
        a, b = rng.randint(2, 15), rng.randint(2, 6)
        sym = f"{a}^{b}"
        spoken = rng.choice(words["pow"]).format(a=a, b=b)
        if lang == "en" and b in (2, 3) and rng.random() < 0.5:
            spoken = f"{a} {'squared' if b == 2 else 'cubed'}"
        return sym, spoken, sym
    if kind == "paren":
        a, b, c = _num(rng, 2, 500, 0.1), _num(rng, 2, 500, 0.1), _num(rng, 2, 20, 0.2)
        inner = rng.choice(["+", "-"])
        sym = f"({a}{sp}{inner}{sp}{b}){sp}{rng.choice(['*', '/'])}{sp}{c}"
        return sym, sym, sym
    if kind == "chain":
        a, b, c, d = (str(rng.randint(2, 99)) for _ in range(4))
        sym = f"{a}{sp}*{sp}{b}{sp}+{sp}{c}{sp}*{sp}{d}"
        return sym, sym, sym
    op = _op(rng)
    a, b = _num(rng, 10, 9999), _num(rng, 2, 999)
    if op == "/" and rng.random() < 0.6:  # exact divisions read naturally
        b = str(rng.randint(2, 40))
        a = str(int(b) * rng.randint(3, 400))
    sym = f"{a}{sp}{op}{sp}{b}"
    spoken = f"{_spoken_num(a, lang)} {rng.choice(words[op])} {_spoken_num(b, lang)}"
    return sym, spoken, sym


@register_maker("expression")
def draw_expression(rng: random.Random, lang: str) -> Draw:
    """Maker: an expression as ``{expr}`` (symbols) and ``{spoken}`` (words in ``lang``)."""
    sym, spoken, call = random_expression(rng, lang)
    if lang == "en" and "x" not in sym and " * " in sym and rng.random() < 0.15:
        sym = sym.replace(" * ", " x ")
    return Draw({"expr": exact(sym), "spoken": exact(spoken)}, [calculator_call(call)])


@register_maker("percent")
def _percent(rng: random.Random, lang: str) -> Draw:
    p = rng.choice([3, 5, 8, 10, 12.5, 15, 18, 20, 22, 25, 33, 40, 60, 85])
    n = _num(rng, 10, 3000, 0.25)
    return Draw({"p": exact(str(p)), "n": exact(n)}, [calculator_call(f"{p}% of {n}")])


def _money(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.uniform(low, high):.2f}" if rng.random() < 0.5 else str(rng.randint(low, high))


def _price(rng: random.Random, low: float, high: float) -> str:
    return f"{rng.uniform(low, high):.2f}"


@register_maker("word_problem", factory=True)
def _problem(kind: str) -> Maker:
    """Maker of one word problem of ``kind``; numbers shown with a decimal comma outside English."""
    def make(rng: random.Random, lang: str) -> Draw:
        s: dict[str, str] = {}
        if kind == "tip":
            s = {"p": str(rng.choice([10, 12, 15, 18, 20, 22, 25])), "bill": _money(rng, 18, 400)}
            expr = f"{s['p']}% of {s['bill']}"
        elif kind == "split":
            s = {"total": _money(rng, 40, 900), "k": str(rng.randint(2, 12))}
            expr = f"{s['total']} / {s['k']}"
        elif kind == "total":
            s = {"k": str(rng.randint(2, 40)), "price": _money(rng, 1, 120)}
            expr = f"{s['k']} * {s['price']}"
        elif kind == "discount":
            s = {"price": _money(rng, 20, 1500), "p": str(rng.choice([10, 15, 20, 25, 30, 40, 50, 70]))}
            expr = f"{s['price']} - {s['p']}% of {s['price']}"
        elif kind == "savings":
            s = {"x": str(rng.choice([5, 10, 20, 25, 40, 50, 75, 100, 150])), "k": str(rng.randint(4, 104))}
            expr = f"{s['x']} * {s['k']}"
        elif kind == "compound":
            s = {"x": str(rng.choice([500, 1000, 2500, 5000, 10000, 20000])), "r": str(rng.choice([2, 3, 4, 5, 7])),
                 "k": str(rng.randint(2, 30))}
            expr = f"{s['x']} * (1 + {s['r']}/100)^{s['k']}"
        elif kind == "average":
            s = {"a": str(rng.randint(40, 100)), "b": str(rng.randint(40, 100)), "c": str(rng.randint(40, 100))}
            expr = f"({s['a']} + {s['b']} + {s['c']}) / 3"
        elif kind == "recipe":
            s = {"g": str(rng.choice([150, 200, 250, 300, 400, 500])), "base": str(rng.choice([2, 4, 6])),
                 "k": str(rng.randint(3, 20))}
            expr = f"{s['g']} / {s['base']} * {s['k']}"
        elif kind == "fuel":
            s = {"l": str(rng.choice([4.5, 5, 5.8, 6.2, 7, 8.5, 9])), "d": str(rng.randint(80, 1500))}
            expr = f"{s['l']} * {s['d']} / 100"
        elif kind == "hours":
            s = {"rate": _money(rng, 12, 95), "h": str(rng.randint(3, 60))}
            expr = f"{s['rate']} * {s['h']}"
        elif kind == "tip_split":
            s = {"bill": _money(rng, 30, 600), "p": str(rng.choice([10, 12, 15, 18, 20])), "k": str(rng.randint(2, 8))}
            expr = f"({s['bill']} + {s['p']}% of {s['bill']}) / {s['k']}"
        elif kind == "trip_cost":
            s = {"d": str(rng.randint(50, 1200)), "l": str(rng.choice([4.8, 5.5, 6, 6.5, 7.2, 8, 9.5])),
                 "price": _price(rng, 1.4, 2.2)}
            expr = f"{s['d']} / 100 * {s['l']} * {s['price']}"
        elif kind == "unit_price":
            s = {"price": _money(rng, 2, 60), "k": str(rng.choice([4, 6, 8, 10, 12, 15, 18, 20, 24, 30, 36, 48]))}
            expr = f"{s['price']} / {s['k']}"
        elif kind == "packs":
            s = {"a": str(rng.randint(2, 15)), "b": str(rng.choice([6, 8, 10, 12, 20, 24, 30, 36, 48])),
                 "c": str(rng.randint(1, 9))}
            expr = f"{s['a']} * {s['b']} + {s['c']}"
        elif kind == "pct_change":
            old = rng.randint(20, 2500)
            new = old + max(1, round(old * rng.uniform(0.02, 0.6)))
            s = {"old": str(old), "new": str(new)}
            expr = f"({s['new']} - {s['old']}) / {s['old']} * 100"
        elif kind == "distance":
            s = {"v": str(rng.randint(8, 26) * 5), "t": str(rng.choice([1.5, 2, 2.5, 3, 3.5, 4, 4.25, 5, 6, 7]))}
            expr = f"{s['v']} * {s['t']}"
        elif kind == "budget":
            b = rng.randint(6, 60) * 50
            s = {"b": str(b), "x": _money(rng, b // 5, b // 3), "y": _money(rng, b // 10, b // 5),
                 "z": _money(rng, 10, b // 10)}
            expr = f"{s['b']} - {s['x']} - {s['y']} - {s['z']}"
        elif kind == "simple_interest":
            s = {"p": str(rng.choice([1000, 2500, 4000, 5000, 8000, 12000, 15000, 25000])),
                 "r": str(rng.choice([3, 4, 4.5, 5, 6, 7.5, 8])), "t": str(rng.randint(2, 10))}
            expr = f"{s['p']} * {s['r']} / 100 * {s['t']}"
        elif kind == "rent_share":
            s = {"rent": str(rng.randint(12, 48) * 50), "bills": _money(rng, 60, 300), "k": str(rng.randint(2, 5))}
            expr = f"({s['rent']} + {s['bills']}) / {s['k']}"
        else:  # pragma: no cover - a typo in this module
            raise ValueError(f"unknown word-problem kind {kind!r}")
        return Draw({k: exact(_spoken_num(v, lang)) for k, v in s.items()}, [calculator_call(expr)])

    return make



# ------------------------------------------------------------------ unit_converter


def conversion_call(value: float, src: str, dst: str) -> Call:
    """A unit_converter call, accepting every spelling of both units."""
    number: int | float = int(value) if value == int(value) else value
    value_accept: list = [float(value)] if isinstance(number, int) else []
    return Call("unit_converter", {"value": number, "from": src, "to": dst},
                accept={"value": value_accept, "from": accepted_spellings(src), "to": accepted_spellings(dst)},
                hint={"kind": UNIT_BY_ABBR[src].kind})


def _quantity(value: float, abbr: str, lang: str, rng: random.Random) -> str:
    number = value_surface(value, lang, rng)
    unit = unit_surface(abbr, lang, rng)
    if unit in ("°C", "°F"):
        return f"{number}{unit}"
    if unit == abbr and rng.random() < 0.3 and abbr.isalpha():
        return f"{number}{unit}"
    return f"{number} {unit}"


_WORDY = {"cup", "st", "in"}  # abbreviations that read badly after "in"/"to"


def _target(abbr: str, lang: str, rng: random.Random) -> str:
    unit = UNIT_BY_ABBR[abbr]
    return unit.names[lang][0] if abbr in _WORDY or rng.random() < 0.65 else abbr


@register_maker("conversion", factory=True)
def conversion_maker(kinds: tuple[str, ...] | None = None, pairs: list[tuple[str, str]] | None = None,
                     ranges: dict[str, tuple[float, float]] | None = None) -> Maker:
    """Maker of one conversion drawn from ``pairs`` (or the common pairs of ``kinds``), with
    values in ``ranges[unit]`` when given."""
    pool = pairs or [p for p in COMMON_PAIRS if kinds is None or UNIT_BY_ABBR[p[0]].kind in kinds]
    ranges = ranges or {}

    def make(rng: random.Random, lang: str) -> Draw:
        src, dst = rng.choice(pool)
        value = random_value(src, rng, *ranges.get(src, (None, None)))
        qty = _quantity(value, src, lang, rng)
        slots = {"qty": exact(qty), "dst": ci(_target(dst, lang, rng)), "src_name": ci(_target(src, lang, rng))}
        return Draw(slots, [conversion_call(value, src, dst)])

    return make
