"""Makers of the no-tool families whose request is computed rather than written out.

Most no-tool families need no maker: their requests and answers are data
(``answers``/``pairs`` in ``data/families/no_tool_*.yaml``). These two build the request
from drawn numbers or places: math the user already solved, and a weather report the user
pasted in themselves. Both answer in plain text.
"""

from __future__ import annotations

import random

from toolschool.datagen.family import Draw
from toolschool.datagen.makers import register_maker
from toolschool.datagen.slots import CITIES

_CITY_NAMES = [c.name for c in CITIES]


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
    pairs = [
        (f"Here's the forecast I got: {city}, {temp}°C and cloudy. Should I bring a jacket?",
         f"At {temp}°C and cloudy, a light jacket or a sweater is a good idea, especially for the evening."),
        (f"It's pouring here in {city}, ugh. Any tips to dry my shoes quickly?",
         "Stuff them with newspaper, swap it out every couple of hours, and keep them near (not on) a heater."),
        (f"It's 35 degrees in {city} today and I have no AC. How can I keep cool?",
         "Close the blinds during the day, open windows at night, use a fan with a bowl of ice, and drink plenty "
         "of water."),
        (f"It's snowing in {city} and I have to drive. Any tips for driving on snow?",
         "Drive slowly, leave lots of distance, brake and steer gently, and make sure your tyres are suitable."),
        (f"The app says it will rain in {city} all weekend. What can I do indoors with kids?",
         "Try a blanket fort, a baking session, a board game tournament or a living-room treasure hunt."),
    ]
    q, a = rng.choice(pairs)
    return Draw({"q": q}, answer=a)
