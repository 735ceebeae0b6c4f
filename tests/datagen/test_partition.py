"""Re-splitting a canonical file: whole groups per split, the hard split, masking, leakage."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from toolschool.datagen import DataConfig, generate
from toolschool.datagen.partition import SplitConfig, hard_reason, split_file, trap_families
from toolschool.errors import ConfigError, LeakageError
from toolschool.eval.items import load_items
from toolschool.interop.canonical import Record, load_canonical
from toolschool.types import Conversation, read_jsonl


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple:
    out = tmp_path_factory.mktemp("data")
    result = generate(DataConfig(seed=11, n_train=500, n_val=0, n_test=60), out)
    return result.train_path, result.test_path


def _split(path, tmp_path, **options):
    result = split_file(path, tmp_path, SplitConfig(**options))
    data = {name: [json.loads(x) for x in result.paths[name].read_text(encoding="utf-8").splitlines()]
            for name in ("train", "val", "test", "hard")}
    return result, data


def test_families_stay_on_one_side_and_hard_cases_are_held_out(source, tmp_path):
    result, data = _split(source[0], tmp_path, hard_share=0.3)
    sides = defaultdict(set)
    for name, rows in data.items():
        for row in rows:
            sides[row["meta"]["family"]].add("train" if name == "train" else "held")
    assert all(len(s) == 1 for s in sides.values())
    assert sum(result.counts.values()) == 500
    assert 0.05 < result.counts["val"] / 500 < 0.2 and result.counts["test"] >= 30
    traps = trap_families()
    records = load_canonical(result.paths["hard"])
    assert records and all(hard_reason(r, traps) for r in records)
    assert {hard_reason(r, traps) for r in records} >= {"parallel", "chained"}
    total_hard = sum(result.hard_reasons.values())
    assert 0.3 * total_hard <= result.counts["hard"] <= 0.6 * total_hard
    card = json.loads(result.paths["card"].read_text(encoding="utf-8"))
    assert card["group_by"] == "family" and card["counts"] == result.counts
    assert card["leakage"]["test"]["share_above"] == 0.0
    again, _ = _split(source[0], tmp_path / "again", hard_share=0.3)
    assert again.paths["train"].read_bytes() == result.paths["train"].read_bytes()  # seeded


def test_masking_touches_only_train(source, tmp_path):
    result, data = _split(source[0], tmp_path, mask_share=0.5, mask_parameters=True)
    masked = [row for row in data["train"] if "masked" in row["meta"]]
    assert len(masked) == result.masked and 0.3 * len(data["train"]) < len(masked) < 0.7 * len(data["train"])
    assert not any("masked" in row["meta"] for name in ("val", "test", "hard") for row in data[name])
    conversation = Conversation.model_validate(masked[0])
    offered = {t.name for t in conversation.tools}
    assert all(c.name in offered for m in conversation.messages for c in m.tool_calls)


def test_copies_across_groups_fail_the_leakage_check(source, tmp_path):
    rows = source[0].read_text(encoding="utf-8").splitlines()[:120]
    copies = [json.loads(x) for x in rows[:30]]
    for row in copies:  # same requests under other family names: grouping cannot see them
        row["meta"]["family"] = "copy." + row["meta"]["family"]
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join(rows + [json.dumps(r) for r in copies]) + "\n", encoding="utf-8")
    with pytest.raises(LeakageError, match="split: .* test requests are closer than 0.8") as caught:
        split_file(path, tmp_path / "out", SplitConfig(test_share=0.3, hard_share=0.0, seed=2))
    assert caught.value.pairs and not (tmp_path / "out").exists()
    result, data = _split(path, tmp_path / "dropped", test_share=0.3, hard_share=0.0, seed=2, on_leak="drop")
    assert result.dropped_leaking == len(caught.value.pairs)
    assert result.leakage["test"]["share_above"] == 0.0
    assert sum(result.counts.values()) == 150 - result.dropped_leaking


def test_eval_items_split_and_conversion(source, tmp_path):
    result, _ = _split(source[1], tmp_path / "items", hard_share=0.5)
    assert sum(result.counts.values()) == 60
    assert load_items(result.paths["hard"]) and load_items(result.paths["train"])
    with pytest.raises(ConfigError, match="only conversations can be masked"):
        split_file(source[1], tmp_path / "x", SplitConfig(mask_share=0.2))
    result, _ = _split(source[0], tmp_path / "as_items", eval_items=True)
    assert len(load_items(result.paths["test"])) == result.counts["test"]
    assert read_jsonl(result.paths["train"], Conversation)


@pytest.mark.parametrize("calls, family, request_text, tools, reason", [
    ([["a", "a"]], None, "x", ["a"], "parallel"),
    ([["a"], ["b"]], None, "x", ["a", "b"], "chained"),
    ([[]], "no_tool.weather_vs_climate", "weather vs climate?", ["weather"], "trap"),
    ([[]], None, "Should I search for a new job?", ["web_search"], "near_miss"),
    ([[]], None, "Tell me a joke", ["web_search"], None),
    ([["a"]], None, "x", ["a"], None),
])
def test_hard_reasons(calls, family, request_text, tools, reason):
    record = Record("f:1", {}, None, request_text, tools, calls, family)
    assert hard_reason(record, trap_families()) == reason


def test_shares_must_leave_room_for_train():
    with pytest.raises(ValueError, match="leave room for train"):
        SplitConfig(val_share=0.5, test_share=0.5)
