"""Canonical conversations ⇄ Hugging Face ``datasets``: JSON strings keep arguments and tools intact."""

from __future__ import annotations

import json

import pytest

from toolschool.interop.hf import features, from_row, read_hf, to_row, write_hf
from toolschool.interop.source import iter_source

datasets = pytest.importorskip("datasets")


def test_save_to_disk_round_trip_is_equal(conversations, tmp_path):
    assert write_hf(conversations, tmp_path / "ds") == len(conversations)
    assert read_hf(tmp_path / "ds") == conversations


@pytest.mark.parametrize("layout, name", [("parquet", "train.parquet"), ("jsonl", "train.jsonl")])
def test_parquet_and_json_lines_round_trip(conversations, tmp_path, layout, name):
    write_hf(conversations, tmp_path / name, layout)
    back = [from_row(row, where) for where, row in iter_source(tmp_path / name)]
    assert back == conversations


def test_arguments_of_different_tools_do_not_gain_null_keys(conversations):
    # the trap: Arrow gives every struct in a column the union of the keys, filling with None
    naive = datasets.Dataset.from_list([{"args": c.arguments} for conv in conversations for m in conv.messages
                                        for c in m.tool_calls])
    assert any(None in row["args"].values() for row in naive)
    rows = [to_row(c, i) for i, c in enumerate(conversations)]
    dataset = datasets.Dataset.from_list(rows, features=features())
    assert dataset.features["tools"] == datasets.Value("string")
    for row, conversation in zip(dataset, conversations):
        stored = [json.loads(c["arguments"]) for m in row["messages"] for c in m["tool_calls"]]
        assert stored == [c.arguments for m in conversation.messages for c in m.tool_calls]
