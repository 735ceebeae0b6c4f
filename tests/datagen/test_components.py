"""Building blocks: arithmetic, dates, units, noise, family splits, leakage report."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from toolschool.datagen.arithmetic import evaluate_arithmetic
from toolschool.datagen.catalog import families_for
from toolschool.datagen.dates import parse_date, spell_date
from toolschool.datagen.family import RequestPiece
from toolschool.datagen.noise import add_noise, join_segments
from toolschool.datagen.splits import RequestDeduplicator, leakage_report, normalise_request, split_families
from toolschool.datagen.units import accepted_spellings, convert


@pytest.mark.parametrize(("expression", "value"), [
    ("2^10", 1024), ("15% of 80", 12), ("(3+4)*2^3", 56), ("120 - 25% of 120", 90),
    ("1000 * (1 + 5/100)^2", 1102.5), ("-3 + 2", -1), ("10 / 4", 2.5),
])
def test_evaluate(expression, value):
    assert evaluate_arithmetic(expression) == pytest.approx(value)


@pytest.mark.parametrize("bad", ["__import__('os')", "1/0", "", "x + 1"])
def test_evaluate_refuses_non_arithmetic(bad):
    with pytest.raises(ValueError):
        evaluate_arithmetic(bad)


def test_dates_round_trip_in_every_language():
    rng = random.Random(0)
    for _ in range(400):
        day = dt.date.fromordinal(rng.randint(dt.date(1900, 1, 1).toordinal(), dt.date(2030, 12, 31).toordinal()))
        for lang in ("en", "es", "fr", "de", "pt"):
            text = spell_date(day, lang, rng)
            assert parse_date(f"what day is {text}?") == day, (lang, text)


def test_units_convert_and_spellings():
    assert convert(100, "°C", "°F") == pytest.approx(212)
    assert convert(1, "mi", "km") == pytest.approx(1.6093, abs=1e-4)
    assert convert(10, "kg", "lb") == pytest.approx(22.0462, abs=1e-4)
    with pytest.raises(ValueError):
        convert(1, "kg", "km")
    spellings = accepted_spellings("km")
    assert spellings[0] == "km" and "kilometers" in spellings and "kilometer" in spellings


def test_noise_keeps_protected_segments():
    rng = random.Random(1)
    segments = [RequestPiece("What's the weather like in "), RequestPiece("Paris", "ci"),
                RequestPiece(" and translate "), RequestPiece("\"Good morning, friend\"", "exact"),
                RequestPiece(" to German please?")]
    changed = 0
    for _ in range(300):
        text = join_segments(add_noise(segments, rng, "en"))
        assert "\"Good morning, friend\"" in text
        assert "paris" in text.casefold()
        changed += text != join_segments(segments)
    assert changed > 250


def test_split_families_holds_out_per_group_and_is_seeded():
    families = families_for("assistant")
    train, test = split_families(families, 0.25, seed=1)
    assert {f.name for f in train}.isdisjoint({f.name for f in test})
    assert len(train) + len(test) == len(families)
    groups = {(f.category, f.group) for f in families}
    for key in groups:
        members = [f for f in families if (f.category, f.group) == key]
        held = [f for f in test if (f.category, f.group) == key]
        if len(members) >= 2:
            assert 1 <= len(held) < len(members), key
    again, _ = split_families(families, 0.25, seed=1)
    other, _ = split_families(families, 0.25, seed=2)
    assert [f.name for f in again] == [f.name for f in train]
    assert [f.name for f in other] != [f.name for f in train]


def test_deduplicator_normalises_and_caps_bases():
    dedup = RequestDeduplicator(base_limit=2)
    assert normalise_request("What's  the WEATHER?") == "what s the weather"
    assert dedup.admit("What's the weather?", "test")
    assert not dedup.admit("what's the weather", "train")
    assert dedup.admit("hey, what's the weather?", "train", base="What's the weather?")
    assert not dedup.admit("yo what's the weather?", "train", base="What's the weather?")
    assert dedup.dropped == {"train": 2}


def test_leakage_report():
    train = ["what is the weather in paris today", "translate hello into french"]
    test = ["what is the weather in paris today", "how many days until christmas", "translate hello into german"]
    report = leakage_report(train, test)
    assert report.max_similarity[0] == 1.0
    assert report.max_similarity[1] == 0.0
    assert 0 < report.max_similarity[2] < 0.8
    assert report.share_above == pytest.approx(1 / 3)
    assert report.summary()["n_test"] == 3
    assert leakage_report([], ["x"]).max_similarity == [0.0]


def test_invalid_generated_call_is_rejected_with_its_reason():
    from toolschool.datagen.family import Call, Draw, Family
    from toolschool.datagen.records import draw_sample
    from toolschool.datagen.sample_checks import Rejected, Verifier
    from toolschool.errors import ConfigError
    from toolschool.formats import get_format
    from toolschool.tools.toolkits import get_toolkit

    def make(rng, lang):
        return Draw({}, [Call("unit_converter", {"value": "ten", "from": "km"})])

    broken = Family("unit_converter.broken", "single", "unit_converter", "unit_converter", "en", ("convert",), make)
    sample = draw_sample(broken, random.Random(0), 0.0)
    with pytest.raises(Rejected, match="schema: unit_converter") as caught:
        Verifier(get_toolkit("assistant"), get_format("tool_use")).check(sample)
    detail = caught.value.detail
    assert "'to' is a required property" in detail and "'ten' is not of type" in detail
    with pytest.raises(ConfigError, match="kitchen"):
        families_for("kitchen")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_split_families_keeps_every_language_of_a_group_in_train(seed):
    families = families_for("assistant")
    train, _ = split_families(families, 0.25, seed=seed)
    for key in {(f.category, f.group) for f in families}:
        langs = {f.lang for f in families if (f.category, f.group) == key}
        assert langs == {f.lang for f in train if (f.category, f.group) == key}, key


def test_split_families_redraws_when_a_language_would_vanish_from_train():
    from dataclasses import replace

    base = families_for("assistant")[0]
    # five English phrasings and one German: a 50% share draws three, and some seeds take the German one
    members = [replace(base, name=f"g.en{i}", lang="en") for i in range(5)] + [replace(base, name="g.de", lang="de")]
    for seed in range(20):
        train, test = split_families(members, 0.5, seed=seed)
        assert "g.de" in {f.name for f in train}
        assert len(test) == 3
