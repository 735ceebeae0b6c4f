"""End to end on the tiny model: the real CLI, data generation, training, evaluation, report."""

import json

import pytest

from typer.testing import CliRunner

from toolschool.cli.app import app


def test_toolschool_run_end_to_end_on_the_tiny_model(tmp_path):
    args = [
        "run", "model=tiny", f"out_dir={tmp_path}", "name=t", "data.n_train=24", "data.n_val=4",
        "data.n_test=12", "train.max_steps=3", "train.batch_size=4", "train.max_length=4096",
        "eval.max_new_tokens=8", "eval.batch_size=6",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    run = tmp_path / "t"
    for name in ("config.yaml", "manifest.json", "metrics.json", "report.md", "loss.png", "per_tool.png",
                 "confusion_base.png", "confusion_finetuned.png", "adapter/adapter_config.json",
                 "data/train.jsonl", "data/test.jsonl", "eval/base/predictions.jsonl",
                 "eval/finetuned/predictions.jsonl", "train_log.jsonl"):
        assert (run / name).is_file(), name
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["finetuned"]["n"] == 12 and metrics["base"]["n"] == 12
    assert metrics["train"]["steps"] == 3
    budget = metrics["time_budget"]
    assert budget["minutes"] == 15 and 0 < budget["train_seconds"] <= 15 * 60
    assert budget["stopped_by_time_budget"] is False
    predictions = (run / "eval" / "finetuned" / "predictions.jsonl").read_text().splitlines()
    assert len(predictions) == 12 and all(json.loads(p)["raw"] is not None for p in predictions)
    report = (run / "report.md").read_text()
    assert "base" in report and "fine-tuned" in report
    assert "tool selection" in result.output  # the summary table

    # the trained run directory is a model for `toolschool eval`
    out = tmp_path / "ev"
    result = CliRunner().invoke(app, ["eval", "-d", str(run / "data" / "test.jsonl"), "-m", str(run),
                                      "-o", str(out), "max_new_tokens=8", "limit=5"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "metrics.json").read_text())["n"] == 5
    assert len((out / "predictions.jsonl").read_text().splitlines()) == 5


def test_bad_config_is_a_clear_error_without_traceback(tmp_path):
    result = CliRunner().invoke(app, ["run", "train.max_grad_norm=0", "train.lora.rank=4", f"out_dir={tmp_path}"])
    assert result.exit_code == 2
    assert "max_grad_norm must be > 0" in result.output and "train.lora.rank: unknown key" in result.output
    assert "Traceback" not in result.output


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
