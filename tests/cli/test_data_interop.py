"""`toolschool data import|export|dedup|split|verify|card`: the real CLI on real files."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.interop.sample_files import SAMPLES
from tests.shared_data import SHARED, needs_shared
from toolschool.cli.app import app
from toolschool.types import Conversation, read_jsonl


def _run(*args: str):
    return CliRunner().invoke(app, ["data", *[str(a) for a in args]])


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from toolschool.datagen import DataConfig, generate

    out = tmp_path_factory.mktemp("gen")
    return generate(DataConfig(seed=2, n_train=300, n_val=40, n_test=60), out)


def test_import_export_round_trip_through_sharegpt(tmp_path):
    result = _run("import", "sharegpt", SAMPLES / "sharegpt_sample.json", "-o", tmp_path / "c.jsonl")
    assert result.exit_code == 0, result.output
    assert "3 records written" in result.output
    result = _run("export", "sharegpt", tmp_path / "c.jsonl", "-o", tmp_path / "again.json")
    assert result.exit_code == 0, result.output
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    original = json.loads((SAMPLES / "sharegpt_sample.json").read_text(encoding="utf-8"))
    assert [r["conversations"] for r in again] == [r["conversations"] for r in original]


def test_export_reports_skips_and_bad_input_exits_2(generated, tmp_path):
    result = _run("export", "glaive", generated.train_path, "-o", tmp_path / "g.json")
    assert result.exit_code == 2 and "--skip-unsupported" in result.output
    result = _run("export", "glaive", generated.train_path, "-o", tmp_path / "g.json", "--skip-unsupported")
    assert result.exit_code == 0 and "were left out" in result.output
    result = _run("import", "xlam", SAMPLES / "glaive_sample.json", "-o", tmp_path / "x.jsonl")
    assert result.exit_code == 2 and "glaive_sample.json:2: missing field 'query'" in result.output


@needs_shared("bfcl", "BFCL_v4_simple_python.json")
def test_import_bfcl_as_items(tmp_path):
    source = SHARED / "bfcl" / "BFCL_v4_simple_python.json"
    result = _run("import", "bfcl", source, "-o", tmp_path / "b.jsonl")
    assert result.exit_code == 0 and "400 records" in result.output


def test_dedup_split_verify_card(generated, tmp_path):
    doubled = tmp_path / "doubled.jsonl"
    text = generated.train_path.read_text(encoding="utf-8")
    doubled.write_text(text + text, encoding="utf-8")
    result = _run("dedup", doubled, "-o", tmp_path / "d.jsonl", "--report", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    assert "300 of 600 records kept" in result.output and "(50.0%)" in result.output
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["duplicates"] == 300
    assert len(read_jsonl(tmp_path / "d.jsonl", Conversation)) == 300

    result = _run("split", doubled, "-o", tmp_path / "leaky", "--group-by", "none")
    assert result.exit_code == 3 and "leakage" in result.output
    result = _run("split", tmp_path / "d.jsonl", "-o", tmp_path / "s", "--mask-share", "0.2")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s" / "hard.jsonl").exists() and "masked train conversations" in result.output

    result = _run("verify", "--train", generated.train_path, "--test", generated.test_path)
    assert result.exit_code == 0 and "highest similarity to train" in result.output
    result = _run("verify", "--train", generated.train_path, "--test", generated.val_path, "--test", doubled)
    assert result.exit_code == 3 and "leakage in" in result.output
    result = _run("split", tmp_path / "d.jsonl", "-o", tmp_path / "bad", "--val", "0.6", "--test", "0.5")
    assert result.exit_code == 2 and "leave room for train" in result.output

    result = _run("card", generated.train_path, "-o", tmp_path / "card.json")
    assert result.exit_code == 0
    card = json.loads((tmp_path / "card.json").read_text(encoding="utf-8"))
    assert card["records"] == 300 and set(card["by_shape"]) == {"single", "parallel", "chained", "no_tool"}
