"""Sample-level guarantees: arguments follow from the text, noise spares slot values,
expected values accept the generator's own calls, chained results carry the used value."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections import Counter

import pytest

from toolschool.datagen import DataConfig
from toolschool.datagen.arithmetic import evaluate_arithmetic
from toolschool.datagen.catalog import families_for
from toolschool.datagen.dates import HOLIDAYS, parse_date
from toolschool.datagen.generator import build
from toolschool.datagen.records import GeneratedRequest, draw_sample, expected_call, to_test_item
from toolschool.datagen.slots import LANGUAGES
from toolschool.tools.toolkits import get_toolkit

TOOLS = [t.name for t in get_toolkit("assistant")]


@pytest.fixture(scope="module")
def noisy_build():
    """Every request noisy, so noise is exercised on every family."""
    return build(DataConfig(seed=11, n_train=900, n_val=0, n_test=300, noise=1.0))


def _all(built) -> list[GeneratedRequest]:
    return [s for split in built.samples.values() for s in split]


def _numbers(expression: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", expression)


def _argument_follows(call, text: str, family: str) -> bool:
    """The argument values appear in the request or follow from it deterministically."""
    low = text.casefold()
    args = call.arguments
    if call.name in ("weather",):
        return args["location"].casefold() in low
    if call.name == "dictionary":
        return args["word"].casefold() in low
    if call.name == "web_reader":
        return args["url"] in text
    if call.name == "translate":
        names = [n.casefold() for n in LANGUAGES[args["to_lang"]].values()] + [args["to_lang"]]
        return args["text"] in text and any(n in low for n in names)
    if call.name == "calculator":
        implied = {"1", "100"} | ({"2"} if "squared" in low else set()) | ({"3"} if "cubed" in low else set())
        implied |= {"3"} if "average" in family else set()
        return all(n in text or n.replace(".", ",") in text or n in implied for n in _numbers(args["expression"]))
    if call.name == "unit_converter":
        value = args["value"]
        shown = str(int(value)) if value == int(value) else str(value)
        return shown in text or shown.replace(".", ",") in text
    if call.name in ("web_search", "wikipedia"):
        return True  # checked through keywords below
    if call.name == "datetime":
        if "date" in args and "holiday" not in family:
            return parse_date(text) == dt.date.fromisoformat(args["date"])
        if "date" in args:
            return any(h.casefold() in low for h in HOLIDAYS) and args["date"][:4] in text
        if "days" in args:
            days = args["days"]
            return str(days) in text or str(days // 7) in text
        return True
    raise AssertionError(f"unknown tool {call.name}")


def test_catalogue_has_many_families_per_tool_and_category():
    families = families_for("assistant", TOOLS)
    singles = Counter(f.tool for f in families if f.category == "single")
    assert set(singles) == set(TOOLS)
    assert min(singles.values()) >= 12
    for tool in ("web_search", "calculator", "weather"):
        assert singles[tool] >= 16
    categories = Counter(f.category for f in families)
    assert categories["parallel"] >= 15 and categories["chained"] >= 15 and categories["no_tool"] >= 30
    assert {f.lang for f in families} == {"en", "es", "fr", "de", "pt"}


def test_noise_never_changes_slot_values(noisy_build):
    samples = _all(noisy_build)
    assert sum(s.text != s.base for s in samples) > 0.8 * len(samples)
    for sample in samples:
        for value, mode in sample.protected:
            if mode == "exact":
                assert value in sample.text, (sample.family.name, value, sample.text)
            else:
                assert value.casefold() in sample.text.casefold(), (sample.family.name, value, sample.text)


def test_arguments_follow_from_the_request(noisy_build):
    checked = 0
    for sample in _all(noisy_build):
        if sample.family.category not in ("single", "parallel"):
            continue
        for call in sample.draw.calls:
            assert _argument_follows(call, sample.text, sample.family.name), (sample.family.name, call, sample.text)
            for arg, words in call.keywords.items():
                for word in words:
                    assert word.casefold() in str(call.arguments[arg]).casefold()
            checked += 1
    assert checked > 500


def _accepts(entry: dict, call) -> bool:
    if entry["name"] != call.name or set(entry["arguments"]) != set(call.arguments):
        return False
    for arg, value in call.arguments.items():
        if arg in entry.get("_loose", []):
            if not all(k.casefold() in str(value).casefold() for k in entry["_keywords"][arg]):
                return False
        elif arg in entry.get("_numeric", {}):
            if abs(evaluate_arithmetic(value) - entry["_numeric"][arg]) > 1e-6:
                return False
        elif value not in entry["arguments"][arg]:
            return False
    return True


def test_expected_accepts_the_generators_own_call(noisy_build):
    for i, sample in enumerate(noisy_build.samples["test"]):
        item = to_test_item(sample, i, f"test_{i:04d}")
        assert len(item["expected"]) == len(sample.draw.calls)
        for entry, call in zip(item["expected"], sample.draw.calls, strict=True):
            assert _accepts(entry, call), (entry, call)
    # equivalent spellings are accepted too
    rng = random.Random(0)
    family = next(f for f in families_for("assistant") if f.name == "unit_converter.convert_direct")
    call = draw_sample(family, rng, 0.0).draw.calls[0]
    entry = expected_call(call)
    assert len(entry["arguments"]["from"]) > 2 and len(entry["arguments"]["to"]) > 2


def test_translate_expects_iso_code_and_names():
    rng = random.Random(5)
    family = next(f for f in families_for("assistant") if f.name == "translate.phrase.es")
    for _ in range(20):
        sample = draw_sample(family, rng, 0.0)
        call = sample.draw.calls[0]
        code = call.arguments["to_lang"]
        assert code in LANGUAGES and len(code) == 2
        accepted = expected_call(call)["arguments"]["to_lang"]
        assert accepted[0] == code and LANGUAGES[code]["en"] in accepted and LANGUAGES[code]["es"] in accepted


def test_chained_tool_message_carries_the_value_the_second_call_uses(noisy_build):
    chained = [s for s in _all(noisy_build) if s.family.category == "chained"]
    assert len(chained) > 100
    for sample in chained:
        chain = sample.draw.chain
        assert chain is not None and len(chain.results) == len(chain.calls)
        content = chain.results[-1]
        assert chain.evidence in content, (sample.family.name, chain.evidence)
        json.loads(content)
        target = sample.draw.calls[0]
        args, evidence = target.arguments, chain.evidence
        if target.name == "datetime" and "date" in args:
            assert parse_date(evidence) == dt.date.fromisoformat(args["date"])
        elif target.name == "datetime":
            assert args["timezone"] == evidence
        elif target.name == "weather":
            assert args["location"] == evidence
        elif target.name == "unit_converter":
            assert re.findall(r"-?\d+", evidence)[0] == str(int(args["value"]))
        elif target.name == "calculator":
            if "million" in evidence or "," in evidence:
                number = float(evidence.split()[0].replace(",", "")) * (1e6 if "million" in evidence else 1)
                assert str(int(number)) in args["expression"]
            else:
                assert evidence in args["expression"]
        elif target.name == "translate":
            assert args["text"] == evidence
        elif target.name == "web_reader":
            assert args["url"] == evidence
        elif target.name == "wikipedia":
            assert args["query"] == evidence
        else:
            raise AssertionError(target.name)


def test_chained_test_items_end_with_the_tool_result(noisy_build):
    items = [to_test_item(s, i, f"t{i}") for i, s in enumerate(noisy_build.samples["test"])
             if s.family.category == "chained"]
    assert items
    for item in items:
        tool_message = item["messages"][-1]
        assert tool_message["role"] == "tool"
        assert tool_message["tool_call_id"] == item["messages"][1]["tool_calls"][0]["id"]
        assert item["expected"][0]["name"] == item["tool"]
