"""End to end on the tiny model: the real CLI, data generation, training, evaluation, report."""

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from toolschool.cli.app import app

TINY = ["model=tiny", "data.n_train=24", "data.n_val=4", "data.n_test=12", "train.max_steps=4",
        "train.batch_size=4", "train.max_length=4096", "train.learning_rate=0.05", "eval.max_new_tokens=8",
        "eval.batch_size=6", "eval.dtype=float32"]


def _predictions(path):
    return {p["id"]: p["raw"] for p in map(json.loads, path.read_text().splitlines())}


def test_toolschool_run_end_to_end_on_the_tiny_model(tmp_path):
    result = CliRunner().invoke(app, ["run", *TINY, f"out_dir={tmp_path}", "name=t"])
    assert result.exit_code == 0, result.output
    run = tmp_path / "t"
    for name in ("config.yaml", "manifest.json", "metrics.json", "report.md", "loss.png", "per_tool.png",
                 "failure_kinds.png", "eval/finetuned/failure_kinds.png",
                 "data/config.yaml", "data/train.jsonl", "data/test.jsonl", "train/config.yaml",
                 "train/adapter/adapter_config.json", "train/train_log.jsonl", "eval/base/config.yaml",
                 "eval/base/predictions.jsonl", "eval/base/confusion.png", "eval/finetuned/predictions.jsonl",
                 "eval/finetuned/confusion.png", "eval/finetuned/metrics.json"):
        assert (run / name).is_file(), name
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["finetuned"]["n"] == 12 and metrics["base"]["n"] == 12
    assert metrics["train"]["steps"] == 4 and metrics["layout"] == "chatml"
    budget = metrics["time_budget"]
    assert budget["minutes"] == 15 and 0 < budget["train_seconds"] <= 15 * 60
    assert budget["stopped_by_time_budget"] is False
    # the stage configs say where everything is, and the run config leaves those keys out
    run_config = yaml.safe_load((run / "config.yaml").read_text())
    assert "out_dir" not in run_config["data"] and "data" not in run_config["train"]
    train_config = yaml.safe_load((run / "train" / "config.yaml").read_text())
    assert train_config["data"] == str(run / "data" / "train.jsonl") and train_config["model"] == "tiny"
    assert train_config["max_seconds"] == pytest.approx(budget["train_seconds"], abs=0.05)
    tuned = _predictions(run / "eval" / "finetuned" / "predictions.jsonl")
    base = _predictions(run / "eval" / "base" / "predictions.jsonl")
    assert len(tuned) == 12 and tuned.keys() == base.keys()
    assert tuned != base  # training changed what the model says
    report = (run / "report.md").read_text()
    assert "tool_use / chatml" in report and "eval/base/confusion.png" in report
    header = next(line for line in report.splitlines() if line.startswith("|"))
    assert "base" in header and "fine-tuned" in header
    assert "tool selection" in result.output  # the summary table

    # the run directory is a model for `toolschool eval`: the adapter is merged, so the
    # answers are the fine-tuned model's, not the base model's
    out = tmp_path / "ev"
    result = CliRunner().invoke(app, ["eval", "-d", str(run / "data" / "test.jsonl"), "-m", str(run),
                                      "-o", str(out), "max_new_tokens=8", "dtype=float32", "batch_size=6"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "metrics.json").read_text())["n"] == 12
    assert _predictions(out / "predictions.jsonl") == tuned


def _files(directory, names):
    return {name: (directory / name).read_bytes() for name in names}


DATA_FILES = ["train.jsonl", "val.jsonl", "test.jsonl", "data_card.json"]


def test_stage_configs_of_a_run_reproduce_its_data_and_adapter_bit_for_bit(tmp_path):
    runner = CliRunner()
    first = runner.invoke(app, ["run", *TINY, "evaluate_base=false", "time_budget_minutes=null",
                                f"out_dir={tmp_path}", "name=a"])
    assert first.exit_code == 0, first.output
    run = tmp_path / "a"
    adapter = "adapter/adapter_model.safetensors"
    data = _files(run / "data", DATA_FILES)

    again = runner.invoke(app, ["data", "generate", "-c", str(run / "data" / "config.yaml"),
                                "-o", str(tmp_path / "d")])
    assert again.exit_code == 0, again.output
    assert _files(tmp_path / "d", DATA_FILES) == data

    again = runner.invoke(app, ["train", "-c", str(run / "train" / "config.yaml"), "-o", str(tmp_path / "t")])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "t" / adapter).read_bytes() == (run / "train" / adapter).read_bytes()

    again = runner.invoke(app, ["run", "-c", str(run / "config.yaml"), f"out_dir={tmp_path}", "name=b"])
    assert again.exit_code == 0, again.output
    assert _files(tmp_path / "b" / "data", DATA_FILES) == data
    assert (tmp_path / "b" / "train" / adapter).read_bytes() == (run / "train" / adapter).read_bytes()
    # a different seed is a different adapter: the comparison above can fail
    other = runner.invoke(app, ["train", "-c", str(run / "train" / "config.yaml"), "-o", str(tmp_path / "s"),
                                "seed=1"])
    assert other.exit_code == 0, other.output
    assert (tmp_path / "s" / adapter).read_bytes() != (run / "train" / adapter).read_bytes()


def test_run_with_tools_trains_and_evaluates_on_a_user_toolkit(tmp_path):
    office = Path(__file__).resolve().parents[1] / "examples" / "office.yaml"
    mix = [f"data.{split}.{k}={v}" for split in ("mix", "train_mix") for k, v in
           {"single": 0.3, "parallel": 0.2, "chained": 0.2, "no_tool": 0.2, "ask_missing": 0.1}.items()]
    result = CliRunner().invoke(app, ["run", "--tools", str(office), *TINY, *mix, "evaluate_base=false",
                                      f"out_dir={tmp_path}", "name=u"])
    assert result.exit_code == 0, result.output
    assert f"tools {office}" in result.output
    run = tmp_path / "u"
    card = json.loads((run / "data" / "data_card.json").read_text())
    assert card["toolkit"] == "office" and card["tools"]["source"]["kind"] == "user"
    assert yaml.safe_load((run / "data" / "config.yaml").read_text())["tools"] == str(office)
    names = {"lookup_order", "convert_currency", "create_event"}
    items = [json.loads(line) for line in (run / "data" / "test.jsonl").read_text().splitlines()]
    assert {t["function"]["name"] for t in items[0]["tools"]} == names
    train = [json.loads(line) for line in (run / "data" / "train.jsonl").read_text().splitlines()]
    assert {t["function"]["name"] for t in train[0]["tools"]} == names
    metrics = json.loads((run / "eval" / "finetuned" / "metrics.json").read_text())
    assert metrics["n"] == 12 and set(metrics["per_category"]) == {"single", "parallel", "chained", "no_tool",
                                                                   "ask_missing"}
    assert json.loads((run / "metrics.json").read_text())["train"]["steps"] == 4


def test_bad_config_is_a_clear_error_without_traceback(tmp_path):
    result = CliRunner().invoke(app, ["run", "train.max_grad_norm=0", "train.lora.rank=4", f"out_dir={tmp_path}"])
    assert result.exit_code == 2
    assert "max_grad_norm must be > 0" in result.output and "train.lora.rank: unknown key" in result.output
    assert "Traceback" not in result.output
    assert not any(tmp_path.iterdir())  # refused before any work


def test_prompts_longer_than_max_length_fail_before_the_base_eval(tmp_path):
    result = CliRunner().invoke(app, ["run", *TINY, "train.max_length=32", f"out_dir={tmp_path}",
                                      "name=long"])
    assert result.exit_code == 2 and "raise max_length" in result.output and "Traceback" not in result.output
    assert (tmp_path / "long" / "data" / "train.jsonl").is_file()
    assert not (tmp_path / "long" / "eval").exists()  # refused before the base model was evaluated


def test_the_run_sets_stage_paths_and_refuses_them_in_sections():
    from toolschool.config import validate_config
    from toolschool.errors import ConfigError
    from toolschool.pipeline import RunConfig

    with pytest.raises(ConfigError, match=r"train\.data, train\.format.*set by the run"):
        validate_config(RunConfig, {"train": {"data": "x.jsonl", "format": "hermes"}})


def test_training_gets_what_the_time_budget_leaves():
    from toolschool.pipeline import FINETUNED_EVAL_FACTOR, REPORT_RESERVE_SECONDS, RunConfig, _training_budget

    config = RunConfig(time_budget_minutes=10, min_train_seconds=30)
    # 600 s in all, 100 s spent, the fine-tuned eval planned as a multiple of the base eval (120 s)
    expected = 600 - 100 - FINETUNED_EVAL_FACTOR * 120 - REPORT_RESERVE_SECONDS
    assert _training_budget(config, 100.0, 120.0) == pytest.approx(expected)
    # no base eval: a quarter of the budget is kept for the fine-tuned eval
    assert _training_budget(config, 100.0, None) == 600 - 100 - 150 - REPORT_RESERVE_SECONDS
    # budget already spent: the minimum still trains
    assert _training_budget(config, 590.0, 120.0) == 30
    # an explicit train.max_seconds caps it further; no budget means no limit
    capped = RunConfig(time_budget_minutes=10, train={"max_seconds": 42})
    assert _training_budget(capped, 0.0, 0.0) == 42
    assert _training_budget(RunConfig(time_budget_minutes=None), 1e6, 1e6) is None
