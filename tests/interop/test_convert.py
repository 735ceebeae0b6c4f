"""Whole-file import and export: every format, skipping, BFCL's answer file, bad input."""

from __future__ import annotations

import json

import pytest

from tests.interop.sample_files import SAMPLES
from tests.shared_data import SHARED, needs_shared
from toolschool.errors import DataError, UnrepresentableError
from toolschool.eval.items import load_items
from toolschool.interop import export_file, import_file
from toolschool.interop.canonical import canonical_ids
from toolschool.types import Conversation, read_jsonl, write_jsonl


@pytest.fixture()
def canonical(conversations, tmp_path):
    path = tmp_path / "train.jsonl"
    write_jsonl(path, conversations)
    return path


@pytest.mark.parametrize("fmt, name", [("xlam", "x.json"), ("glaive", "g.jsonl"), ("sharegpt", "s.json"),
                                       ("hf", "hf_dir")])
def test_export_then_import_gives_the_conversations_back(conversations, canonical, tmp_path, fmt, name):
    result = export_file(fmt, canonical, tmp_path / name, skip_unsupported=True)
    assert result.written + len(result.skipped) == len(conversations)
    back = read_jsonl(import_file(fmt, tmp_path / name, tmp_path / "back.jsonl").paths[0], Conversation)
    kept = {str(c.meta["id"]) for c in back}
    originals = [c for c in conversations if c.meta["id"] in kept]
    assert len(back) == result.written == len(originals)
    for original, again in zip(originals, back):
        assert canonical_ids(again).messages == canonical_ids(original).messages
        assert again.tools == original.tools


def test_unsupported_records_stop_the_export_unless_skipped(canonical, tmp_path):
    with pytest.raises(UnrepresentableError, match=r"train.jsonl:\d+: conversation .*\(--skip-unsupported"):
        export_file("glaive", canonical, tmp_path / "g.json")
    assert not (tmp_path / "g.json").exists()


@needs_shared("bfcl", "BFCL_v4_simple_python.json")
def test_bfcl_import_as_items_and_conversations_and_export(tmp_path):
    source = SHARED / "bfcl" / "BFCL_v4_simple_python.json"
    items = import_file("bfcl", source, tmp_path / "items.jsonl")
    assert items.written == 400 and len(load_items(tmp_path / "items.jsonl")) == 400
    convs = import_file("bfcl", source, tmp_path / "convs.jsonl", as_items=False)
    assert convs.written == 400
    exported = export_file("bfcl", tmp_path / "items.jsonl", tmp_path / "out" / "BFCL_v4_simple_python.json")
    assert exported.paths[1] == tmp_path / "out" / "possible_answer" / "BFCL_v4_simple_python.json"
    original = (SHARED / "bfcl" / "possible_answer" / source.name).read_text(encoding="utf-8").splitlines()
    written = exported.paths[1].read_text(encoding="utf-8").splitlines()
    assert [json.loads(x) for x in written] == [json.loads(x) for x in original]


def test_samples_import_and_items_from_conversations(tmp_path):
    result = import_file("xlam", SAMPLES / "xlam_sample.json", tmp_path / "x.jsonl", as_items=True)
    items = load_items(tmp_path / "x.jsonl")
    assert result.written == 3
    assert [i.category for i in items] == ["parallel", "single", "no_tool"]
    assert items[0].expected[0].arguments == {"city": ["Lyon"], "days": [2]}


def test_bad_records_stop_or_are_skipped(tmp_path):
    source = tmp_path / "x.jsonl"
    source.write_text('{"query": "a", "tools": "[]", "answers": "[]"}\n{"tools": "[]", "answers": "[]"}\n',
                      encoding="utf-8")
    with pytest.raises(DataError, match=r"x.jsonl:2: missing field 'query'"):
        import_file("xlam", source, tmp_path / "out.jsonl")
    result = import_file("xlam", source, tmp_path / "out.jsonl", skip_invalid=True)
    assert result.written == 1 and len(result.skipped) == 1
    with pytest.raises(DataError, match="unknown data format 'alpaca'"):
        import_file("alpaca", source, tmp_path / "out.jsonl")


def test_generated_test_items_go_to_bfcl_with_their_toolkit_and_back(tmp_path):
    from toolschool.datagen import DataConfig, generate

    data = generate(DataConfig(seed=4, n_train=1, n_val=0, n_test=80), tmp_path / "gen")
    out = tmp_path / "bfcl" / "BFCL_v4_toolschool.json"
    with pytest.raises(UnrepresentableError, match="carry their functions"):
        export_file("bfcl", data.test_path, out)
    result = export_file("bfcl", data.test_path, out, skip_unsupported=True, toolkit="assistant")
    assert result.written >= 30
    assert all("_loose/_numeric" in s or "system and user" in s for s in result.skipped)
    back = {i.id: i for i in load_items(import_file("bfcl", out, tmp_path / "back.jsonl").paths[0])}
    for item in load_items(data.test_path):
        if item.id in back:
            assert back[item.id].expected == item.expected and back[item.id].messages == item.messages
            assert back[item.id].category == item.category
