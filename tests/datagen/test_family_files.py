"""Family and pool files: malformed files fail with errors naming the file and the entry,
and a user's own family file (with its own maker) loads and generates."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import pytest

from toolschool.datagen.catalog import families_for, text_pools
from toolschool.datagen.family import Call, Draw, ci
from toolschool.datagen.family_files import build_families, load_family_path
from toolschool.datagen.makers import maker_registry, register_maker
from toolschool.datagen.records import draw_sample
from toolschool.datagen.resources import PoolFile, parse_yaml
from toolschool.errors import ConfigError

GOOD = """
defaults: {category: single, tool: weather}
families:
  - pattern: direct
    maker: city_weather
    templates: ["What's the weather in {city}?"]
  - pattern: terse
    maker: city_wether
    templates: ["{city} weather"]
"""


def _build(text: str) -> list:
    return build_families(parse_yaml(textwrap.dedent(text), "families/weather.yaml"), "families/weather.yaml",
                          text_pools())


def test_unknown_maker_names_file_entry_and_known_makers():
    with pytest.raises(ConfigError) as err:
        _build(GOOD)
    message = str(err.value)
    assert message.startswith("families/weather.yaml: family 2 ('weather.terse'): unknown maker 'city_wether'")
    assert "known: " in message and "city_weather" in message


@pytest.mark.parametrize(("text", "expected"), [
    (("families:\n  - pattern: x\n    category: single\n    tool: weather\n    maker: city_weather\n"
      "    templates: [a]\n    colour: red\n"), "family 1 ('x') -> colour: Extra inputs are not permitted"),
    ("families:\n  - pattern: x\n    category: single\n    tool: weather\n    maker: city_weather\n",
     "templates: required"),
    (("families:\n  - pattern: x\n    category: no_tool\n    tool: no_tool\n    templates: [hi]\n"
      "    maker: now\n    answers: [hello]\n"), "needs exactly one of maker, answers, pairs"),
    ("families:\n  - pattern: x\n    category: sideways\n    tool: weather\n    maker: now\n    templates: [a]\n",
     "family 1 ('x') -> category"),
    ("families:\n  - pattern: x\n    maker: now\n    templates: [a]\n", "category and tool are required"),
    (("families:\n  - pattern: x\n    category: no_tool\n    tool: no_tool\n    group: chat\n    templates: [hi]\n"
      "    answers: ['{Subject}']\n    pools: {subject: subjectz}\n"), "unknown pool 'subjectz'"),
    (("families:\n  - pattern: x\n    category: single\n    tool: datetime\n    templates: [a]\n"
      "    maker: {name: weekday, args: {first: 2024, lats: 2028}}\n"), "maker 'weekday': bad args"),
    (("families:\n  - pattern: x\n    category: single\n    tool: weather\n    templates: [a]\n"
      "    maker: {name: city_weather, args: {n: 2}}\n"), "maker 'city_weather' takes no args"),
    ("families: [\n", "not valid YAML"),
])
def test_malformed_family_files_fail_clearly(text: str, expected: str):
    with pytest.raises(ConfigError) as err:
        _build(text)
    assert str(err.value).startswith("families/weather.yaml: ")
    assert expected in str(err.value)


def test_malformed_pool_rows_name_file_pool_and_row(monkeypatch: pytest.MonkeyPatch):
    from toolschool.datagen import resources
    from toolschool.datagen.slots import City

    data = {"cities": [{"name": "Paris", "country": "France", "tz": "Europe/Paris"},
                       {"name": "Oslo", "country": "Norway"}], "extra": []}
    monkeypatch.setattr(resources, "load_data", lambda relative: data)
    pools = PoolFile("pools/places.yaml")
    with pytest.raises(ConfigError, match=r"pools/places.yaml: cities 2 -> tz: Field required"):
        pools.get("cities", list[City])
    with pytest.raises(ConfigError, match=r"pools/places.yaml: unknown pools \['extra'\]"):
        pools.done()


def test_shipped_catalogue_loads_and_every_maker_is_used():
    families = families_for("assistant")
    assert len(families) > 300
    assert len({f.name for f in families}) == len(families)
    assert "city_weather" in maker_registry().names()


@register_maker("test_pizza_order")
def _pizza(rng: random.Random, lang: str) -> Draw:
    topping = rng.choice(["mushrooms", "olives"])
    return Draw({"topping": ci(topping)}, [Call("order_pizza", {"topping": topping})])


def test_a_users_own_family_file_with_its_own_maker(tmp_path: Path):
    path = tmp_path / "pizza.yaml"
    path.write_text(textwrap.dedent("""
        defaults: {category: single, tool: order_pizza}
        families:
          - pattern: direct
            maker: test_pizza_order
            templates:
              - "Order me a pizza with {topping}."
              - "{topping} pizza please, {when}"
          - pattern: direct
            lang: fr
            maker: test_pizza_order
            templates: ["Commande-moi une pizza avec {topping}."]
    """), encoding="utf-8")
    families = load_family_path(path)
    assert [f.name for f in families] == ["order_pizza.direct", "order_pizza.direct.fr"]
    assert [f.group for f in families] == ["order_pizza", "order_pizza"]
    sample = draw_sample(families[0], random.Random(0), 0.0)
    topping = sample.draw.calls[0].arguments["topping"]
    assert topping in sample.text and sample.draw.calls[0].name == "order_pizza"


def test_a_users_no_tool_family_can_use_the_shipped_phrase_pools(tmp_path: Path):
    path = tmp_path / "poems.yaml"
    path.write_text(textwrap.dedent("""
        families:
          - pattern: limerick
            category: no_tool
            tool: no_tool
            group: writing
            templates: ["Write a limerick about {subject}."]
            answers: ["{Subject} once went out for a stroll..."]
            pools: {subject: subjects}
    """), encoding="utf-8")
    family, = load_family_path(path)
    sample = draw_sample(family, random.Random(1), 0.0)
    subject = sample.draw.slots["subject"]
    assert sample.text == f"Write a limerick about {subject}."
    assert sample.draw.answer.startswith(subject[0].upper() + subject[1:])
