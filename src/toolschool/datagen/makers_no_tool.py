"""Makers of the no-tool families whose request is computed rather than written out.

Most no-tool families need no maker: their requests and answers are data
(``answers``/``pairs`` in ``data/families/no_tool_*.yaml``). These two build the request
from drawn numbers or places: math the user already solved, and a weather report the user
pasted in themselves (its request/answer pairs are data: ``data/pools/no_tool.yaml``). Both
answer in plain text.
"""

from __future__ import annotations

import random

from toolschool.datagen.family import Draw
from toolschool.datagen.makers import register_maker
from toolschool.datagen.resources import PoolFile
from toolschool.datagen.slots import CITIES

_CITY_NAMES = [c.name for c in CITIES]
_NO_TOOL_POOLS = PoolFile("pools/no_tool.yaml")
#: (request, answer) about weather the user already knows; ``{city}`` and ``{temp}`` are drawn.
_REPORTED_WEATHER: list[tuple[str, str]] = _NO_TOOL_POOLS.get("reported_weather", list[tuple[str, str]])
_NO_TOOL_POOLS.done()


@register_maker("solved_math")
def _solved_math(rng: random.Random, lang: str) -> Draw:
    kind = rng.choice(["tip", "times", "sum"])
    if kind == "tip":
        p, n = rng.choice([10, 15, 20, 25]), rng.choice([20, 40, 60, 80, 120])
        r = p * n // 100
        q = rng.choice([f"I worked out that {p}% of {n} is {r}, so that's my tip. Thanks anyway!",
                        f"Already did the math: {p}% of ${n} is ${r}. Now, what's a nice way to thank the waiter?"])
        a = rng.choice(["Sounds right! Enjoy your meal.", "A simple \"Thank you, everything was delicious!\" "
                                                          "with a smile goes a long way."])
        if "waiter" not in q:
            a = "That's right, nicely done! Enjoy your meal."
        return Draw({"q": q}, answer=a)
    a_, b_ = rng.randint(2, 12), rng.randint(2, 12)
    if kind == "times":
        q = rng.choice([f"{a_} times {b_} is {a_ * b_}, right? I'm helping my son with his times tables and I "
                        f"need a fun way to practise.",
                        f"We just learned that {a_} x {b_} = {a_ * b_}. How can I remember times tables more easily?"])
        return Draw({"q": q}, answer="Yes, that's right! Try turning the tables into a game: flashcards with a "
                                     "timer, or spotting patterns like the 9s trick.")
    q = f"My daughter says {a_} plus {b_} equals {a_ + b_}. She's right, I checked. How do I praise her without " \
        f"making it a big deal?"
    return Draw({"q": q}, answer="Praise the effort rather than the answer: something like \"I love how carefully "
                                 "you worked that out!\" keeps her motivated.")


@register_maker("reported_weather")
def _reported_weather(rng: random.Random, lang: str) -> Draw:
    city, temp = rng.choice(_CITY_NAMES), rng.randint(12, 24)
    q, a = rng.choice(_REPORTED_WEATHER)
    return Draw({"q": q.format(city=city, temp=temp)}, answer=a.format(city=city, temp=temp))
