"""Single-call families for ``calculator`` and ``unit_converter``.

Calculator requests come as symbols ("(12 + 8) * 3.5"), as words ("45 times 12", "15 % de
80", "2 hoch 10") or as word problems whose expression follows from the numbers in the
text ("$184.60 split between 4 people" → ``184.60 / 4``). Every call carries the value any
equivalent expression must reach (:mod:`toolschool.datagen.arithmetic`).

Unit conversions use the standard abbreviation in the call whatever the user wrote
("kilómetros" → ``km``), and the number with a decimal point ("12,5" → ``12.5``).
"""

from __future__ import annotations

import random

from toolschool.datagen.arithmetic import evaluate
from toolschool.datagen.family import Call, Draw, Family, Maker, ci, exact, single
from toolschool.datagen.units import (
    COMMON_PAIRS,
    UNIT_BY_ABBR,
    accepted_spellings,
    random_value,
    unit_surface,
    value_surface,
)

# ------------------------------------------------------------------ calculator
_WORDS = {
    "en": {"*": ["times", "multiplied by"], "/": ["divided by", "over"], "+": ["plus", "and"],
           "-": ["minus", "take away"], "pow": ["{a} to the power of {b}", "{a} raised to {b}"],
           "pct": ["{p} percent of {n}", "{p}% of {n}"]},
    "es": {"*": ["por", "multiplicado por"], "/": ["entre", "dividido por"], "+": ["más"], "-": ["menos"],
           "pow": ["{a} elevado a {b}"], "pct": ["el {p}% de {n}", "el {p} por ciento de {n}"]},
    "fr": {"*": ["fois", "multiplié par"], "/": ["divisé par"], "+": ["plus"], "-": ["moins"],
           "pow": ["{a} puissance {b}"], "pct": ["{p} % de {n}", "{p} pour cent de {n}"]},
    "de": {"*": ["mal"], "/": ["geteilt durch"], "+": ["plus"], "-": ["minus"], "pow": ["{a} hoch {b}"],
           "pct": ["{p} % von {n}", "{p} Prozent von {n}"]},
    "pt": {"*": ["vezes", "multiplicado por"], "/": ["dividido por"], "+": ["mais"], "-": ["menos"],
           "pow": ["{a} elevado a {b}"], "pct": ["{p}% de {n}", "{p} por cento de {n}"]},
}


def _num(rng: random.Random, low: int = 2, high: int = 999, decimal: float = 0.25) -> str:
    if rng.random() < decimal:
        return f"{rng.uniform(low, high):.{rng.choice([1, 2])}f}"
    return str(rng.randint(low, high))


def _spoken_num(text: str, lang: str) -> str:
    return text.replace(".", ",") if lang != "en" else text


def calculator_call(expression: str) -> Call:
    """A calculator call with its numeric value and a no-spaces variant accepted."""
    value = evaluate(expression)
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


def draw_expression(rng: random.Random, lang: str) -> Draw:
    """Maker: an expression as ``{expr}`` (symbols) and ``{spoken}`` (words in ``lang``)."""
    sym, spoken, call = random_expression(rng, lang)
    if lang == "en" and "x" not in sym and " * " in sym and rng.random() < 0.15:
        sym = sym.replace(" * ", " x ")
    return Draw({"expr": exact(sym), "spoken": exact(spoken)}, [calculator_call(call)])


def _percent(rng: random.Random, lang: str) -> Draw:
    p = rng.choice([3, 5, 8, 10, 12.5, 15, 18, 20, 22, 25, 33, 40, 60, 85])
    n = _num(rng, 10, 3000, 0.25)
    return Draw({"p": exact(str(p)), "n": exact(n)}, [calculator_call(f"{p}% of {n}")])


def _money(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.uniform(low, high):.2f}" if rng.random() < 0.5 else str(rng.randint(low, high))


def _price(rng: random.Random, low: float, high: float) -> str:
    return f"{rng.uniform(low, high):.2f}"


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


CALCULATOR: list[Family] = [
    single("calculator", "symbolic_question", draw_expression, [
        "What is {expr}?", "Calculate {expr}", "what's {expr}", "Can you work out {expr} for me?",
        "{expr} = ?"]),
    single("calculator", "bare_expression", draw_expression, ["{expr}", "{expr}=", "calc {expr}", "quick: {expr}",
                                                    "{expr} ?"]),
    single("calculator", "spoken_words", draw_expression, [
        "What's {spoken}?", "what is {spoken}", "How much is {spoken}?", "Tell me {spoken}.",
        "whats {spoken} again"]),
    single("calculator", "percent_of", _percent, [
        "What's {p}% of {n}?", "Calculate {p} percent of {n}.", "How much is {p}% of {n}?",
        "{p}% of {n}?"]),
    single("calculator", "evaluate_formal", draw_expression, [
        "Evaluate {expr}.", "What does {expr} come out to?", "Please solve {expr}.",
        "Could you please compute {expr}?", "I'd appreciate it if you could calculate {expr} exactly."]),
    single("calculator", "tip", _problem("tip"), [
        "What's a {p}% tip on a ${bill} bill?", "How much should I tip if the bill is ${bill} and I want to leave "
        "{p}%?", "Dinner came to {bill} euros. What's {p}% of that for the tip?"]),
    single("calculator", "split_bill", _problem("split"), [
        "We spent ${total} on dinner, split between {k} people. How much does each person pay?",
        "Split {total} euros evenly among {k} friends, how much each?",
        "The Airbnb was ${total} total for {k} of us. What's everyone's share?"]),
    single("calculator", "shopping_total", _problem("total"), [
        "I bought {k} notebooks at ${price} each. How much did I spend?",
        "If one ticket costs {price} euros, how much are {k} tickets?",
        "{k} bags of coffee at ${price} apiece, what's the total?"]),
    single("calculator", "discount", _problem("discount"), [
        "A jacket costs ${price} and it's {p}% off. What's the sale price?",
        "The TV is {price} euros with a {p}% discount. How much will I actually pay?",
        "How much is ${price} after taking {p}% off?"]),
    single("calculator", "savings", _problem("savings"), [
        "If I save ${x} a week for {k} weeks, how much will I have?",
        "Putting aside {x} euros every month for {k} months adds up to how much?",
        "I'll set aside ${x} per paycheck for {k} paychecks. Total?"]),
    single("calculator", "compound_interest", _problem("compound"), [
        "If I invest ${x} at {r}% a year compounded annually, what will I have after {k} years?",
        "What does {x} grow to in {k} years at {r}% annual interest, compounded yearly?"]),
    single("calculator", "average", _problem("average"), [
        "What's the average of {a}, {b} and {c}?", "My test scores were {a}, {b} and {c}. What's my mean score?",
        "average of {a} {b} {c}?"]),
    single("calculator", "recipe_scale", _problem("recipe"), [
        "A recipe needs {g} grams of flour for {base} people. How much do I need for {k} people?",
        "The sauce uses {g} g of tomatoes per {base} servings. How many grams for {k} servings?"]),
    single("calculator", "fuel", _problem("fuel"), [
        "My car uses {l} liters per 100 km. How much fuel do I need for {d} km?",
        "At {l} L/100km, how many liters will a {d} km trip take?"]),
    single("calculator", "earnings", _problem("hours"), [
        "I earn ${rate} an hour and worked {h} hours this week. How much did I make?",
        "Freelance rate is {rate} euros per hour, {h} hours billed. What's the invoice total?"]),
    single("calculator", "homework_context", draw_expression, [
        "{ctx} My kid's homework asks for {expr} and I don't trust my mental math. What's the answer?",
        "I'm double-checking an invoice and need {expr}. Can you compute it exactly?",
        "Settle a bet between me and {friend}: what is {expr}?"]),
    single("calculator", "expression", draw_expression, [
        "¿Cuánto es {spoken}?", "Calcula {expr}", "¿Me ayudas a calcular {expr}?", "¿cuánto da {spoken}?"],
        lang="es"),
    single("calculator", "expression", draw_expression, [
        "Combien font {spoken} ?", "Calcule {expr}", "Tu peux calculer {expr} ?", "C'est combien, {spoken} ?"],
        lang="fr"),
    single("calculator", "expression", draw_expression, [
        "Was ist {spoken}?", "Rechne {expr} aus", "Wie viel ergibt {spoken}?", "Kannst du {expr} berechnen?"],
        lang="de"),
    single("calculator", "expression", draw_expression, [
        "Quanto é {spoken}?", "Calcula {expr}", "Pode calcular {expr} para mim?", "quanto dá {spoken}?"],
        lang="pt"),
    single("calculator", "split_with_tip", _problem("tip_split"), [
        "Dinner was ${bill} and we want to add a {p}% tip, then split it {k} ways. How much does each of us owe?",
        "The bill is {bill} euros. With a {p}% tip on top, what does each of the {k} people pay?",
        "{k} of us are splitting a ${bill} check plus {p}% tip. What's each person's part?",
        "how much per person: ${bill} bill, {p}% tip, {k} people"]),
    single("calculator", "trip_fuel_cost", _problem("trip_cost"), [
        "We're driving {d} km, the car burns {l} liters per 100 km and fuel is {price} a liter. What will the gas "
        "cost?",
        "How much will fuel cost for a {d} km road trip at {l} L/100km with petrol at {price} per liter?",
        "Road trip budget: {d} km, consumption {l} l/100 km, diesel {price} euros/l. Total fuel cost?"]),
    single("calculator", "unit_price", _problem("unit_price"), [
        "A pack of {k} batteries costs ${price}. How much is that per battery?",
        "The store sells {k} yogurts for {price} euros. What's the price of one?",
        "Is this a good deal? ${price} for a box of {k} granola bars. What does each bar cost?",
        "{k} rolls of toilet paper for ${price}, how much per roll?"]),
    single("calculator", "packs_count", _problem("packs"), [
        "I bought {a} boxes of {b} eggs and I already had {c} at home. How many eggs do I have now?",
        "There are {a} crates with {b} bottles each, plus {c} loose bottles. How many bottles in total?",
        "We ordered {a} packs of {b} cupcakes and the bakery threw in {c} extra. How many cupcakes is that?",
        "{a} cartons of {b} cans and {c} single cans, total count?"]),
    single("calculator", "percent_increase", _problem("pct_change"), [
        "My rent went up from ${old} to ${new}. By what percent did it increase?",
        "Last year the ticket was {old} euros, now it's {new}. What's the percentage increase?",
        "Our monthly visitors grew from {old} to {new}. How much is that in percent?",
        "price rose {old} -> {new}, what % increase is that?"]),
    single("calculator", "distance_speed_time", _problem("distance"), [
        "If I drive at {v} km/h for {t} hours, how far will I have gone?",
        "A train averages {v} mph. How many miles does it cover in {t} hours?",
        "We cycled for {t} hours at about {v} km per hour. What distance is that?",
        "Going {v} km/h for {t} h, how many km is that?"]),
    single("calculator", "budget_remaining", _problem("budget"), [
        "I have ${b} for the month. After ${x} on rent, ${y} on groceries and ${z} on transport, how much is "
        "left?",
        "My budget is {b} euros. I've spent {x} on the flight, {y} on the hotel and {z} on food. What remains?",
        "Starting with ${b}, minus {x} for bills, {y} for the car and {z} for the phone, what do I have left over?",
        "we had {b} in the party fund, spent {x} and {y} and {z}, how much left"]),
    single("calculator", "simple_interest", _problem("simple_interest"), [
        "I'm borrowing ${p} at {r}% simple interest per year for {t} years. How much interest will I pay?",
        "A loan of {p} euros at {r}% a year, simple interest, over {t} years: what's the total interest?",
        "How much simple interest does ${p} earn at {r}% annually over {t} years?"]),
    single("calculator", "rent_share", _problem("rent_share"), [
        "El alquiler del piso es de {rent} euros y los gastos son {bills} euros. Si somos {k} compañeros, "
        "¿cuánto paga cada uno?",
        "Pagamos {rent} € de alquiler más {bills} € de luz y agua entre {k}. ¿Cuánto nos toca a cada uno?",
        "¿Cuánto le toca a cada uno si el alquiler son {rent} euros, los gastos {bills} y vivimos {k} personas?"],
        lang="es"),
    single("calculator", "trip_fuel_cost", _problem("trip_cost"), [
        "Wir fahren {d} km, das Auto braucht {l} Liter auf 100 km und der Liter kostet {price} Euro. Was kostet "
        "der Sprit?",
        "Wie viel kosten {d} km Fahrt bei {l} l/100 km Verbrauch und {price} € pro Liter?",
        "Spritkosten für {d} km: Verbrauch {l} Liter pro 100 km, Benzinpreis {price} Euro. Wie viel ist das?"],
        lang="de"),
]

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


_ANY = conversion_maker()
_BODY = conversion_maker(pairs=[("cm", "in"), ("ft", "cm"), ("in", "cm"), ("m", "ft"), ("cm", "ft")],
                    ranges={"cm": (120, 205), "ft": (4, 6.6), "in": (45, 80), "m": (1.2, 2.1)})
_WEIGHT = conversion_maker(pairs=[("kg", "lb"), ("lb", "kg"), ("st", "kg"), ("kg", "st")],
                      ranges={"kg": (8, 120), "lb": (15, 260), "st": (6, 20)})
_COOKING = conversion_maker(pairs=[("cup", "mL"), ("mL", "cup"), ("g", "oz"), ("oz", "g"), ("fl oz", "mL"), ("lb", "g"),
                              ("°F", "°C"), ("°C", "°F")],
                       ranges={"g": (50, 1000), "lb": (1, 5), "mL": (50, 1000), "°F": (300, 450), "°C": (150, 230)})
_TEMPERATURE = conversion_maker(pairs=[("°C", "°F"), ("°F", "°C")], ranges={"°C": (-20, 42), "°F": (-5, 108)})
_DISTANCE = conversion_maker(pairs=[("km", "mi"), ("mi", "km"), ("m", "ft"), ("ft", "m"), ("yd", "m")],
                        ranges={"km": (2, 45), "mi": (1, 30), "m": (50, 900), "ft": (100, 3000), "yd": (50, 800)})
_DIY = conversion_maker(pairs=[("in", "cm"), ("ft", "m"), ("mm", "in"), ("cm", "in"), ("m", "ft")],
                        ranges={"in": (2, 96), "ft": (2, 16), "mm": (3, 600), "cm": (5, 300), "m": (1, 6)})
_SCREEN = conversion_maker(pairs=[("in", "cm"), ("cm", "in")], ranges={"in": (11, 85), "cm": (30, 215)})
_FUEL_VOLUME = conversion_maker(pairs=[("L", "gal"), ("gal", "L")], ranges={"L": (15, 90), "gal": (5, 25)})
_ELEVATION = conversion_maker(pairs=[("m", "ft"), ("ft", "m")], ranges={"m": (300, 8849), "ft": (1000, 29000)})

UNIT_CONVERTER: list[Family] = [
    single("unit_converter", "convert_direct", _ANY, [
        "Convert {qty} to {dst}.", "What's {qty} in {dst}?", "Can you convert {qty} into {dst}?",
        "Change {qty} to {dst} please"]),
    single("unit_converter", "terse", _ANY, ["{qty} in {dst}", "{qty} to {dst}", "{qty} -> {dst}",
                                             "convert {qty} {dst}", "{qty} in {dst}?"]),
    single("unit_converter", "how_many", _ANY, [
        "How many {dst} are in {qty}?", "How many {dst} is {qty}?", "how many {dst} do I get from {qty}"]),
    single("unit_converter", "cooking", _COOKING, [
        "My recipe calls for {qty}. How much is that in {dst}?",
        "I'm baking and the recipe says {qty}. What's that in {dst}?",
        "I only have measuring tools in {dst}. How much is {qty}?"]),
    single("unit_converter", "distance_travel", _DISTANCE, [
        "I ran {qty} this morning. How far is that in {dst}?",
        "The hotel is {qty} from the airport. How far is that in {dst}?",
        "The trail is {qty} long. What's that in {dst}?"]),
    single("unit_converter", "speed", conversion_maker(("speed",)), [
        "The sign says the speed limit is {qty}. What's that in {dst}?",
        "My bike computer shows {qty}; convert that to {dst}.", "Wind gusts of {qty}, how much is that in {dst}?"]),
    single("unit_converter", "temperature", _TEMPERATURE, [
        "It's {qty} outside. What's that in {dst}?", "The forecast says {qty} for tomorrow. What's that in {dst}?",
        "Is {qty} hot? Convert it to {dst} for me.", "My thermostat reads {qty}. In {dst} that would be?"]),
    single("unit_converter", "body_height", _BODY, [
        "I'm {qty} tall. What is that in {dst}?", "My son is {qty} tall now; how much is that in {dst}?",
        "The doctor wrote my height as {qty}. Convert to {dst}?"]),
    single("unit_converter", "body_weight", _WEIGHT, [
        "I weigh {qty}. How much is that in {dst}?", "My suitcase weighs {qty}. What's that in {dst}?",
        "The parcel is {qty}; what's that in {dst}?"]),
    single("unit_converter", "polite", _ANY, [
        "Could you convert {qty} into {dst} for me, please?", "Would you mind converting {qty} to {dst}?",
        "I'd like to know how much {qty} is in {dst}, please."]),
    single("unit_converter", "long_context", _ANY, [
        "{ctx} This old manual gives everything in {src_name}, but I think in {dst}. It says {qty}. How much is "
        "that in {dst}?",
        "My American friend keeps quoting things like {qty} and I have no idea what that means in {dst}. Can you "
        "convert it?",
        "I'm reading an old novel with my grandmother and it mentions {qty}. What is that in {dst}?"]),
    single("unit_converter", "convert", _ANY, [
        "Convierte {qty} a {dst}", "¿Cuánto son {qty} en {dst}?", "Pasa {qty} a {dst}, por favor"], lang="es"),
    single("unit_converter", "convert", _ANY, [
        "Convertis {qty} en {dst}", "Combien font {qty} en {dst} ?", "{qty}, ça fait combien en {dst} ?"],
        lang="fr"),
    single("unit_converter", "convert", _ANY, [
        "Rechne {qty} in {dst} um", "Wie viel sind {qty} in {dst}?", "{qty} in {dst} bitte"], lang="de"),
    single("unit_converter", "convert", _ANY, [
        "Converta {qty} para {dst}", "Quanto é {qty} em {dst}?", "Quanto dá {qty} em {dst}?"], lang="pt"),
    single("unit_converter", "diy_measurements", _DIY, [
        "I'm building a bookshelf and the plans say {qty}. What is that in {dst}?",
        "The hardware store sells lumber in {dst}, and I need {qty}. How much is that?",
        "The gap for the new dishwasher is {qty}. Can you give me that in {dst}?",
        "cutting a board to {qty}, what's that in {dst}"]),
    single("unit_converter", "screen_size", _SCREEN, [
        "Is a {qty} TV big? What's the diagonal in {dst}?",
        "My laptop screen measures {qty} diagonally. How much is that in {dst}?",
        "The monitor listing says {qty}. Convert that to {dst} so I can check it fits my desk."]),
    single("unit_converter", "fuel_volume", _FUEL_VOLUME, [
        "I just filled up with {qty} of gas. How much is that in {dst}?",
        "The rental car's tank holds {qty}. What's that in {dst}?",
        "We need {qty} of diesel for the generator; how many {dst} is that?"]),
    single("unit_converter", "elevation", _ELEVATION, [
        "The summit is at {qty} above sea level. How high is that in {dst}?",
        "Our hiking trail climbs to {qty}. What's that altitude in {dst}?",
        "The plane is cruising at {qty}. How much is that in {dst}?",
        "the ski resort sits at {qty}, in {dst}?"]),
    single("unit_converter", "cooking", _COOKING, [
        "La receta pide {qty}. ¿Cuánto es eso en {dst}?", "Estoy horneando y dice {qty}, ¿cuánto sería en {dst}?",
        "Solo tengo medidas en {dst}. ¿Cuánto son {qty}?"], lang="es"),
    single("unit_converter", "weather_temperature", _TEMPERATURE, [
        "La météo annonce {qty} demain. Ça fait combien en {dst} ?", "Il fait {qty} dehors, c'est combien en {dst} ?",
        "Mon thermostat affiche {qty}. Tu peux convertir en {dst} ?"], lang="fr"),
]
