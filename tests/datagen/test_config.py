"""DataConfig: defaults, unknown keys, category mix."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from toolschool.datagen import DataConfig
from toolschool.datagen.generator import allocate


def test_defaults_are_sensible():
    config = DataConfig()
    assert config.toolkit == "assistant"
    assert abs(sum(config.mix.shares().values()) - 1) < 1e-9
    assert 0 < config.noise < 1 and 0 < config.test_family_share < 1 and 0 <= config.final_answer_share <= 1
    assert config.system_prompt


def test_rejects_unknown_keys():
    with pytest.raises(ValidationError, match="n_tran"):
        DataConfig(n_tran=10)
    with pytest.raises(ValidationError, match="chat"):
        DataConfig(mix={"single": 0.5, "parallel": 0.2, "chained": 0.1, "no_tool": 0.2, "chat": 0.0})


def test_mix_must_sum_to_one():
    with pytest.raises(ValidationError, match="sum to 1"):
        DataConfig(mix={"single": 0.5, "parallel": 0.2, "chained": 0.2, "no_tool": 0.2})
    config = DataConfig(mix={"single": 0.7, "parallel": 0.1, "chained": 0.1, "no_tool": 0.1})
    assert config.mix.single == 0.7


def test_rejects_out_of_range_values():
    with pytest.raises(ValidationError):
        DataConfig(noise=1.5)
    with pytest.raises(ValidationError):
        DataConfig(test_family_share=0)
    with pytest.raises(ValidationError):
        DataConfig(toolkit="kitchen")


def test_allocate_is_exact():
    counts = allocate(101, DataConfig().mix.shares())
    assert sum(counts.values()) == 101
    assert counts == {"single": 46, "parallel": 15, "chained": 15, "no_tool": 25, "ask_missing": 0}


def test_mix_takes_ask_missing_and_names_every_share_when_it_is_wrong():
    gemma = {"single": 0.3, "parallel": 0.2, "chained": 0.2, "no_tool": 0.2, "ask_missing": 0.1}
    assert DataConfig(mix=gemma).mix.shares() == gemma
    with pytest.raises(ValidationError, match=r"sum to 1, got 1\.1 .*ask_missing=0\.2"):
        DataConfig(mix={**gemma, "ask_missing": 0.2})
    with pytest.raises(ValidationError, match="format"):
        DataConfig(format="smoke_signals")
    assert DataConfig(toolkit="coding", format="hermes").toolkit == "coding"


def test_a_category_without_families_gives_its_share_to_the_others():
    from toolschool.datagen.generator import quotas

    shares = {"single": 0.3, "parallel": 0.2, "chained": 0.2, "no_tool": 0.2, "ask_missing": 0.1}
    counts, missing = quotas(100, shares, {"single", "parallel", "no_tool", "ask_missing"})
    assert missing == ["chained"] and sum(counts.values()) == 100 and counts["chained"] == 0
    assert counts == {"single": 37, "parallel": 25, "chained": 0, "no_tool": 25,
                      "ask_missing": 13}  # 37.5 and 12.5: the tie goes to the larger float remainder
    assert quotas(100, shares, set(shares)) == (allocate(100, shares), [])


def test_a_missing_tools_file_is_refused_before_any_work():
    with pytest.raises(ValidationError, match=r"tools\n.*no such file 'nowhere/tools\.yaml'"):
        DataConfig(tools="nowhere/tools.yaml")
    assert DataConfig(tools="mcp:python server.py").tools == "mcp:python server.py"  # opened at generation
