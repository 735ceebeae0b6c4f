"""End-to-end generation: files, determinism, mix, splits, validity, duplicates, leakage."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from toolschool.datagen import DataConfig, DataResult, generate
from toolschool.datagen.splits import normalise_request
from toolschool.tools.schema import validate_arguments
from toolschool.tools.toolkits import get_toolkit
from toolschool.types import Conversation, read_jsonl

TOOLS = [t.name for t in get_toolkit("assistant")]
SCHEMAS = {t.name: t for t in get_toolkit("assistant")}
SMALL = {"n_train": 700, "n_val": 70, "n_test": 240}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[DataResult, dict]:
    out = tmp_path_factory.mktemp("data")
    result = generate(DataConfig(seed=7, **SMALL), out)
    data = {
        "train": read_jsonl(result.train_path, Conversation),
        "val": read_jsonl(result.val_path, Conversation),
        "test": [json.loads(line) for line in result.test_path.read_text(encoding="utf-8").splitlines()],
        "card": json.loads(result.card_path.read_text(encoding="utf-8")),
    }
    return result, data


def _user_text(record) -> str:
    if isinstance(record, Conversation):
        return record.messages[0].content
    return record["messages"][0]["content"]


def test_writes_all_files_with_requested_counts(generated):
    result, data = generated
    for path in (result.train_path, result.val_path, result.test_path, result.card_path):
        assert path.exists() and path.stat().st_size > 0
    assert result.counts == {"train": 700, "val": 70, "test": 240}
    assert (len(data["train"]), len(data["val"]), len(data["test"])) == (700, 70, 240)
    assert result.shortfall == {"train": 0, "val": 0, "test": 0}


def test_same_seed_same_bytes_different_seed_different(tmp_path: Path):
    config = DataConfig(seed=3, n_train=150, n_val=20, n_test=60)
    a = generate(config, tmp_path / "a")
    b = generate(config, tmp_path / "b")
    c = generate(config.model_copy(update={"seed": 4}), tmp_path / "c")
    for name in ("train.jsonl", "val.jsonl", "test.jsonl", "data_card.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert a.train_path.read_bytes() != c.train_path.read_bytes()
    assert a.test_path.read_bytes() != c.test_path.read_bytes()
    assert b.counts == c.counts


def test_category_mix_within_tolerance(generated):
    _, data = generated
    config = DataConfig()
    assert config.split_mix("train") != config.split_mix("test")
    for split in ("train", "val"):
        shares = config.split_mix(split).shares()
        counts = Counter(c.meta["category"] for c in data[split])
        for category, share in shares.items():
            assert abs(counts[category] / len(data[split]) - share) < 0.02, (split, category)
    counts = Counter(item["category"] for item in data["test"])
    for category, share in config.mix.shares().items():
        assert abs(counts[category] / len(data["test"]) - share) < 0.02, category


def test_every_tool_in_train_and_test(generated):
    _, data = generated
    train_tools = {name for c in data["train"] for name in c.meta["tools"]}
    test_tools = {item["tool"] for item in data["test"]}
    test_called = {e["name"] for item in data["test"] for e in item["expected"]}
    assert set(TOOLS) <= train_tools
    assert set(TOOLS) <= test_tools
    assert set(TOOLS) <= test_called
    assert {"multi_tool", "no_tool"} <= test_tools


def test_no_family_in_both_train_and_test(generated):
    _, data = generated
    train_families = {c.meta["family"] for c in data["train"] + data["val"]}
    test_families = {item["family"] for item in data["test"]}
    assert train_families.isdisjoint(test_families)
    held = {name for names in data["card"]["families"]["held_out"].values() for name in names}
    assert test_families <= held
    # every (category, group) with held-out families: tools and categories all represented
    categories = {key.split("/")[0] for key in data["card"]["families"]["held_out"]}
    assert categories == {"single", "parallel", "chained", "no_tool", "ask_missing"}


def test_every_call_validates_against_its_schema(generated):
    _, data = generated
    n_calls = 0
    for conv in data["train"] + data["val"]:
        assert conv.messages[0].role == "user"
        assert all(m.role != "system" for m in conv.messages)
        assert len(conv.tools) == len(TOOLS)
        for message in conv.messages:
            for call in message.tool_calls:
                assert validate_arguments(SCHEMAS[call.name], call.arguments) == [], (conv.meta, call)
                n_calls += 1
    for item in data["test"]:
        for message in item["messages"]:
            for call in message.get("tool_calls", []):
                assert validate_arguments(SCHEMAS[call["name"]], call["arguments"]) == []
    assert n_calls > 700


def test_conversation_shape(generated):
    _, data = generated
    finals = 0
    for conv in data["train"]:
        meta, messages = conv.meta, conv.messages
        assert set(meta) >= {"id", "category", "family", "tools"}
        if meta["category"] == "no_tool":
            assert len(messages) == 2 and messages[1].role == "assistant" and messages[1].content
            assert not messages[1].tool_calls and meta["tools"] == []
            continue
        ids = [c.id for m in messages for c in m.tool_calls]
        assert len(ids) == len(set(ids)) and all(i.startswith("call_") for i in ids)
        answered = {m.tool_call_id for m in messages if m.role == "tool"}
        assert answered <= set(ids)
        if meta["category"] == "parallel":
            assert 2 <= len(messages[1].tool_calls) <= 3
        if meta["category"] == "chained":
            assert [m.role for m in messages[:4]] == ["user", "assistant", "tool", "assistant"]
        if messages[-1].role == "assistant" and not messages[-1].tool_calls:
            finals += 1
            assert messages[-2].role == "tool"
    tool_convs = sum(c.meta["category"] != "no_tool" for c in data["train"])
    assert 0.1 < finals / tool_convs < 0.4


def test_test_item_shape(generated):
    _, data = generated
    for item in data["test"]:
        assert set(item) == {"id", "category", "tool", "family", "messages", "expected"}
        assert item["messages"][0]["role"] == "user"
        if item["category"] == "no_tool":
            assert item["expected"] == [] and item["tool"] == "no_tool"
        else:
            assert item["expected"]
        if item["category"] == "chained":
            roles = [m["role"] for m in item["messages"]]
            assert roles == ["user", "assistant", "tool"]
            assert item["messages"][1]["tool_calls"][0].keys() == {"id", "name", "arguments"}
        for entry in item["expected"]:
            assert all(isinstance(v, list) and v for v in entry["arguments"].values())
            if entry["name"] in ("web_search", "wikipedia"):
                assert entry["_loose"] == ["query"] and entry["_keywords"]["query"]
            if entry["name"] == "calculator":
                assert isinstance(entry["_numeric"]["expression"], float)


def test_no_duplicate_requests_within_or_across_splits(generated):
    _, data = generated
    texts = [normalise_request(_user_text(r)) for split in ("train", "val", "test") for r in data[split]]
    assert len(texts) == len(set(texts))


def test_data_card_reports_counts_families_dedup_and_leakage(generated):
    result, data = generated
    card = data["card"]
    assert card["seed"] == 7 and card["config"]["n_train"] == 700
    assert card["counts"]["train"]["total"] == 700
    assert set(card["counts"]["test"]["by_category"]) == {"single", "parallel", "chained", "no_tool"}
    assert "single/weather" in card["counts"]["test"]["by_category_tool"]
    assert set(card["dedup"]["redrawn_duplicates"]) == {"train", "val", "test"}
    leakage = card["leakage"]
    assert leakage["threshold"] == 0.8 and leakage["n_test"] == 240
    assert 0 <= leakage["share_above"] <= 0.05
    assert result.leakage_share == leakage["share_above"]
