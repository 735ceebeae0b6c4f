"""toolschool ablate: one real tiny run per value, checked before it starts, resumable, then compared."""

from __future__ import annotations

import json
import os

import pytest
import yaml
from typer.testing import CliRunner

from tests.test_compare import FAST
from toolschool.ablate import parse_sweep, plan, split_values
from toolschool.cli.app import app
from toolschool.config import dump_config
from toolschool.errors import ConfigError


def _raw_answers(run):
    lines = (run / "eval" / "finetuned" / "predictions.jsonl").read_text().splitlines()
    return {p["id"]: p["raw"] for p in map(json.loads, lines)}


def test_ablate_runs_every_value_then_skips_finished_runs_and_redoes_a_crashed_one(tmp_path):
    out = tmp_path / "sweep"
    result = CliRunner().invoke(app, ["ablate", "format=tool_use,hermes", *FAST, "-o", str(out)])
    assert result.exit_code == 0, result.output
    runs = [out / "format=tool_use", out / "format=hermes"]
    for run in runs:
        assert (run / "manifest.json").is_file() and (run / "eval" / "finetuned" / "metrics.json").is_file()
    assert [json.loads((r / "metrics.json").read_text())["format"] for r in runs] == ["tool_use", "hermes"]
    data = [(r / "data" / "test.jsonl").read_bytes() for r in runs]
    assert data[0] == data[1]  # same data for every value
    text = (out / "compare.md").read_text()
    assert "| metric | tool_use | hermes |" in text and "`format`" in text
    assert {"metrics.png", "per_tool.png", "per_category.png"} <= {p.name for p in out.glob("*.png")}
    record = json.loads((out / "ablation.json").read_text())
    assert record["knob"] == "format" and [r["finished"] for r in record["runs"]] == [True, True]
    assert not (out / ".ablate.lock").exists()

    # a second invocation: the finished run is skipped, the one that crashed (no manifest) is redone
    manifest = runs[0] / "manifest.json"
    kept = manifest.stat().st_mtime_ns
    predictions = _raw_answers(runs[1])
    (runs[1] / "manifest.json").unlink()
    (runs[1] / "leftover.txt").write_text("from the crashed run")
    again = CliRunner().invoke(app, ["ablate", "format=tool_use,hermes", *FAST, "-o", str(out)])
    assert again.exit_code == 0, again.output
    assert "format=tool_use: finished before, skipped" in again.output
    assert "format=hermes: unfinished run found, starting it again" in again.output
    assert manifest.stat().st_mtime_ns == kept
    assert (runs[1] / "manifest.json").is_file() and not (runs[1] / "leftover.txt").exists()
    # without a time budget a run is reproducible: the redone run answers exactly as before
    assert _raw_answers(runs[1]) == predictions


def test_bad_knobs_and_values_are_all_reported_before_any_run(tmp_path):
    out = tmp_path / "sweep"
    result = CliRunner().invoke(app, ["ablate", "format=tool_use,hermez,pythonic", *FAST, "train.lora.r=0",
                                      "-o", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "2 problem(s)" in result.output
    assert "base config" in result.output
    assert "train.lora.r: Input should be greater than or equal to 1" in result.output
    assert "format=hermez: format: unknown tool format 'hermez'" in result.output
    assert not out.exists()  # refused before any work

    result = CliRunner().invoke(app, ["ablate", "train.lora.rank=4,8", *FAST, "-o", str(out)])
    assert result.exit_code == 2 and "did you mean 'train.lora.r'?" in result.output
    result = CliRunner().invoke(app, ["ablate", "train.lora.target_modules=[q_proj, v_proj],[nope]", *FAST,
                                      "-o", str(out)])
    assert result.exit_code == 2 and "['nope'] match no module of this model" in result.output
    assert "1 problem(s)" in result.output  # the good value is not a problem
    result = CliRunner().invoke(app, ["ablate", "format=hermes,tool_use", *FAST, "format=hermes",
                                      "-o", str(out)])
    assert result.exit_code == 2 and "format: both swept and given as an override" in result.output
    result = CliRunner().invoke(app, ["ablate", "name=a,b", *FAST, "-o", str(out)])
    assert result.exit_code == 2 and "set by the sweep for each run" in result.output
    result = CliRunner().invoke(app, ["ablate", "format", *FAST, "-o", str(out)])
    assert result.exit_code == 2 and "expected KNOB=V1,V2" in result.output
    assert not out.exists()


def test_the_preflight_refuses_a_value_whose_prompts_do_not_fit(tmp_path):
    out = tmp_path / "sweep"
    fast = [o for o in FAST if not o.startswith("train.max_length=")]
    # the tiny tokenizer spends ~1,250 tokens on the system prompt and the tool declarations
    result = CliRunner().invoke(app, ["ablate", "train.max_length=32,8192", *fast, "-o", str(out)])
    assert result.exit_code == 2 and "1 problem(s)" in result.output
    assert "train.max_length=32: none of the 8 training conversations has an assistant token" in result.output
    assert not out.exists()
    swept = plan("train.max_length=1500,8192", fast, out)  # 1500 fits the first turns but cuts some
    assert len(swept.warnings) == 1 and swept.warnings[0].startswith("train.max_length=1500: ")
    assert "of 8 training conversations are longer than train.max_length=1500 tokens" in swept.warnings[0]


def test_a_finished_run_with_another_config_is_refused(tmp_path):
    first = plan("train.lora.r=2", FAST, tmp_path, preflight=False)
    run_dir = first.runs[0].run_dir
    run_dir.mkdir(parents=True)
    (run_dir / "manifest.json").write_text("{}")
    dump_config(first.runs[0].config, run_dir / "config.yaml")  # as `toolschool run` records it
    plan("train.lora.r=2", FAST, tmp_path, preflight=False)  # the same config: fine
    with pytest.raises(ConfigError, match=r"was run with a different config \(train\.learning_rate\)"):
        plan("train.lora.r=2", [*FAST, "train.learning_rate=0.1"], tmp_path)


def test_a_finished_run_recorded_before_a_knob_existed_counts_it_as_its_default(tmp_path):
    first = plan("train.lora.r=2", FAST, tmp_path, preflight=False)
    run_dir = first.runs[0].run_dir
    run_dir.mkdir(parents=True)
    (run_dir / "manifest.json").write_text("{}")
    dump_config(first.runs[0].config, run_dir / "config.yaml")
    # an older toolschool wrote no `train.packing` and no `eval.api_mode`
    recorded = yaml.safe_load((run_dir / "config.yaml").read_text())
    del recorded["train"]["packing"], recorded["eval"]["api_mode"]
    (run_dir / "config.yaml").write_text(yaml.safe_dump(recorded))
    plan("train.lora.r=2", FAST, tmp_path, preflight=False)  # the defaults: the same run
    with pytest.raises(ConfigError, match=r"was run with a different config \(train\.packing\)"):
        plan("train.lora.r=2", [*FAST, "train.packing=true"], tmp_path, preflight=False)


def test_a_sweep_in_use_is_refused(tmp_path):
    (tmp_path / ".ablate.lock").write_text(str(os.getpid()))  # a live process holds it
    result = CliRunner().invoke(app, ["ablate", "format=tool_use", *FAST, "-o", str(tmp_path)])
    assert result.exit_code == 2 and f"being swept by process {os.getpid()}" in result.output
    assert not (tmp_path / "format=tool_use").exists()


def test_seeds_and_names():
    swept = plan("train.learning_rate=1e-3,3e-3", FAST, "/tmp/never-written", seeds=2, preflight=False)
    assert [r.name for r in swept.runs] == [f"train.learning_rate={lr}-seed{k}"
                                            for lr in ("1e-3", "3e-3") for k in (0, 1)]
    assert [(r.config.train.learning_rate, r.config.train.seed) for r in swept.runs] == [
        (1e-3, 0), (1e-3, 1), (3e-3, 0), (3e-3, 1)]
    assert {r.config.data.seed for r in swept.runs} == {0}  # one data seed: the same test items
    with pytest.raises(ConfigError, match="--seeds 2 sets it"):
        plan("format=hermes", [*FAST, "train.seed=3"], "/tmp/never-written", seeds=2)
    assert split_values("a, [b, c],'d,e'") == ["a", "[b, c]", "'d,e'"]
    assert parse_sweep("train.lora.r=4,16") == ("train.lora.r", ["4", "16"])
    with pytest.raises(ConfigError, match="4 given twice"):
        parse_sweep("train.lora.r=4,4")
    with pytest.raises(ConfigError, match="an empty value"):
        parse_sweep("format=hermes,")
