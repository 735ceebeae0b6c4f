"""toolschool compare: reading runs, grouping them by the knobs that differ, noise, tables, plots."""

from __future__ import annotations

import json
import math
import shutil

import pytest
import yaml
from typer.testing import CliRunner

from toolschool.cli.app import app
from toolschool.compare import Stat, binomial_se, compare, differing_keys, flatten, load_run
from toolschool.errors import DataError

#: The smallest real run: 8 training conversations, 1 step, 6 test items, no base eval.
FAST = ["model=tiny", "data.n_train=8", "data.n_val=2", "data.n_test=6", "train.max_steps=1",
        "train.batch_size=2", "train.max_length=4096", "eval.max_new_tokens=4", "eval.dtype=float32",
        "eval.batch_size=6", "evaluate_base=false", "time_budget_minutes=null", "min_train_seconds=0"]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two tiny runs made by `toolschool run` that differ in one numeric knob (train.lora.r)."""
    root = tmp_path_factory.mktemp("runs")
    for rank in (2, 4):
        result = CliRunner().invoke(app, ["run", *FAST, f"train.lora.r={rank}", f"out_dir={root}",
                                          f"name=r{rank}"])
        assert result.exit_code == 0, result.output
    return root / "r2", root / "r4"


def test_compare_labels_columns_by_the_knob_and_writes_tables_and_plots(two_runs, tmp_path):
    result = CliRunner().invoke(app, ["compare", *map(str, two_runs), "-o", str(tmp_path / "cmp")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "cmp" / "compare.md").read_text()
    assert "# Comparison: train.lora.r" in text and "`train.lora.r`" in text
    assert "| metric | 2 | 4 |" in text  # the knob's values are the columns
    for section in ("## Fine-tuned model", "## Per category", "## Per tool", "## Training", "## Runs"):
        assert section in text
    assert "## Base model" not in text  # the runs did not evaluate the base model
    data = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert data["knobs"] == ["train.lora.r"] and [c["label"] for c in data["columns"]] == ["2", "4"]
    for column, run in zip(data["columns"], two_runs):
        metrics = json.loads((run / "metrics.json").read_text())["finetuned"]
        stat = column["finetuned"]["tool_selection_accuracy"]
        assert stat["value"] == metrics["tool_selection_accuracy"] and stat["n"] == 6
        assert stat["se"] == pytest.approx(binomial_se(stat["value"], 6))
        assert column["training"]["steps"] == 1
    # the cells in the table are the same numbers
    cell = Stat.of([(data["columns"][0]["finetuned"]["accuracy"]["value"], 6)]).text()
    assert f"| Accuracy | {cell}" in text.replace("**", "")
    # failure kinds: one row per kind any run has, each cell that run's share of the 6 items
    runs = [json.loads((run / "metrics.json").read_text())["finetuned"] for run in two_runs]
    kinds = {k for m in runs for k in m["failure_kinds"]}
    assert kinds or all(m["n_correct"] == 6 for m in runs)
    for kind in kinds:
        cells = [Stat.of([(m["failure_kinds"].get(kind, 0) / 6, 6)]).text() for m in runs]
        assert f"| {kind} | {' | '.join(cells)} |" in text
    plots = {"metrics.png", "per_tool.png", "per_category.png", "vs_train.lora.r.png"}
    assert set(data["plots"]) == plots
    for name in plots:
        assert (tmp_path / "cmp" / name).read_bytes()[:4] == b"\x89PNG"
        assert f"]({name})" in text
    assert "tool selection" in result.output.lower() and "± " in result.output


def test_labels_name_columns_and_seeds_share_one(two_runs, tmp_path):
    # a copy of the rank-4 run recorded as seed 1 with other numbers: a second seed of that setting
    seed1 = tmp_path / "r4-seed1"
    shutil.copytree(two_runs[1], seed1)
    config = yaml.safe_load((seed1 / "config.yaml").read_text())
    config["train"]["seed"] = 1
    (seed1 / "config.yaml").write_text(yaml.safe_dump(config))
    metrics = json.loads((seed1 / "metrics.json").read_text())
    first = metrics["finetuned"]["tool_selection_accuracy"]
    metrics["finetuned"]["tool_selection_accuracy"] = other = 1 - first if first != 0.5 else 0.0
    (seed1 / "metrics.json").write_text(json.dumps(metrics))

    result = compare([*two_runs, seed1], tmp_path / "out")
    assert [c.label for c in result.columns] == ["2", "4"] and result.knobs == ["train.lora.r"]
    assert len(result.columns[1].runs) == 2
    stat = result.columns[1].ratio("tool_selection_accuracy")
    mean = (first + other) / 2
    spread = (first - other) ** 2 / 2  # sample variance of two values
    assert stat.value == pytest.approx(mean) and stat.values == [first, other]
    assert stat.se == pytest.approx(math.sqrt(spread / 2 + binomial_se(mean, 6) ** 2))

    named = compare(two_runs, tmp_path / "named", labels={two_runs[0]: "small", two_runs[1]: "big"})
    assert [c.label for c in named.columns] == ["small", "big"]
    assert "| metric | small | big |" in named.report_path.read_text()


def _as_data_seed(run, dest, seed, share):
    """A copy of ``run`` recorded as data seed ``seed`` with its own test split and tool selection."""
    shutil.copytree(run, dest)
    config = yaml.safe_load((dest / "config.yaml").read_text())
    config["data"]["seed"] = config["train"]["seed"] = seed
    (dest / "config.yaml").write_text(yaml.safe_dump(config))
    test = dest / "data" / "test.jsonl"
    test.write_text(test.read_text().replace('"id": "', f'"id": "s{seed}-').replace('"id":"', f'"id":"s{seed}-'))
    metrics = json.loads((dest / "metrics.json").read_text())
    metrics["finetuned"]["tool_selection_accuracy"] = share
    (dest / "metrics.json").write_text(json.dumps(metrics))
    return dest


def test_data_seeds_share_a_column_and_their_test_noise_averages_out(two_runs, tmp_path):
    seed1 = _as_data_seed(two_runs[1], tmp_path / "r4-data1", 1, 0.5)
    seed2 = _as_data_seed(two_runs[1], tmp_path / "r4-data2", 2, 1.0)
    assert (seed1 / "data" / "test.jsonl").read_bytes() != (two_runs[1] / "data" / "test.jsonl").read_bytes()
    result = compare([two_runs[1], seed1, seed2], tmp_path / "seeds")
    assert [c.label for c in result.columns] == ["mean of 3 seeds"] and result.knobs == []
    assert not result.columns[0].shared_items and result.warnings == []
    first = json.loads((two_runs[1] / "metrics.json").read_text())["finetuned"]["tool_selection_accuracy"]
    shares = [first, 0.5, 1.0]
    stat = result.columns[0].ratio("tool_selection_accuracy")
    mean = sum(shares) / 3
    variance = sum((x - mean) ** 2 for x in shares) / 2
    assert stat.value == pytest.approx(mean)
    assert stat.se == pytest.approx(math.sqrt((variance + binomial_se(mean, 6) ** 2) / 3))
    report = result.report_path.read_text()
    assert "each data seed its own split" in report and "| column | run directory | train.seed | data.seed |" in report

    # a knob's columns must hold the same data seeds, else they measure different items
    with pytest.raises(DataError, match="columns hold different data seeds"):
        compare([two_runs[0], two_runs[1], seed1], tmp_path / "unpaired")
    forced = compare([two_runs[0], two_runs[1], seed1], tmp_path / "unpaired", force=True)
    assert [len(c.runs) for c in forced.columns] == [1, 2] and "different data seeds" in forced.warnings[-1]


def test_an_evaluation_directory_is_read_as_its_run(two_runs, tmp_path):
    # each run answers another items file (its own test split here) through `toolschool eval`
    evals = []
    for run in two_runs:
        out = tmp_path / f"eval-{run.name}"
        result = CliRunner().invoke(app, ["eval", "-m", str(run), "-d", str(two_runs[0] / "data" / "test.jsonl"),
                                          "-o", str(out), "max_new_tokens=4", "dtype=float32"])
        assert result.exit_code == 0, result.output
        evals.append(out)
    result = compare(evals, tmp_path / "cmp")
    assert result.knobs == ["train.lora.r"] and [c.label for c in result.columns] == ["2", "4"]
    assert result.warnings == []  # both answered the same file
    for column, out, run in zip(result.columns, evals, two_runs):
        answered = json.loads((out / "metrics.json").read_text())
        assert column.ratio("accuracy").value == answered["accuracy"]
        assert column.training()["steps"] == json.loads((run / "metrics.json").read_text())["train"]["steps"]
    record = load_run(evals[0])
    assert record.config["train.lora.r"] == 2 and record.base is None


def test_runs_on_different_items_are_refused_unless_forced(two_runs, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(two_runs[1], other)
    test = other / "data" / "test.jsonl"
    test.write_text("".join(test.read_text().splitlines(keepends=True)[:-1]))
    result = CliRunner().invoke(app, ["compare", str(two_runs[0]), str(other), "-o", str(tmp_path / "x")])
    assert result.exit_code == 2 and "different items" in result.output and "--force" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x").exists()
    result = CliRunner().invoke(app, ["compare", str(two_runs[0]), str(other), "-o", str(tmp_path / "x"),
                                      "--force"])
    assert result.exit_code == 0, result.output
    report = (tmp_path / "x" / "compare.md").read_text()
    assert "> **warning**: the runs were tested on different items" in report


def test_a_directory_that_is_not_a_run_is_a_clear_error(two_runs, tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(app, ["compare", str(two_runs[0]), str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert "is not a finished toolschool run (no config.yaml or metrics.json" in result.output
    result = CliRunner().invoke(app, ["compare", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "no such run directory" in result.output
    result = CliRunner().invoke(app, ["compare", "--label", "oops"])
    assert result.exit_code == 2 and "expected NAME=RUN" in result.output
    result = CliRunner().invoke(app, ["compare"])
    assert result.exit_code == 2 and "no run directories" in result.output


def test_binomial_standard_error():
    assert binomial_se(0.8, 300) == pytest.approx(0.0229, abs=5e-4)  # the ±2-3 pp of a 300-item test
    assert binomial_se(0.0, 6) > 0.1 and binomial_se(1.0, 6) > 0.1  # 0/6 is not an exact zero
    assert binomial_se(None, 300) is None and binomial_se(0.5, 0) is None
    assert Stat.of([(0.8, 300)]).text() == "80.0 ± 2.3" and Stat.of([(None, None)]).text() == "—"
    assert Stat.of([(0.5, 232)]).text(with_n=True).endswith("(of 232)")


def test_abstentions_are_recovered_from_the_no_tool_ratios():
    from toolschool.compare import DENOMINATORS
    from toolschool.eval.items import EvalItem, Prediction
    from toolschool.eval.metrics import compute_metrics

    user = [{"role": "user", "content": "q"}]
    items = [EvalItem.model_validate({"id": str(i), "messages": user,
                                      "expected": [] if i < 5 else [{"name": "weather", "arguments": {}}]})
             for i in range(9)]
    # abstain on 3 of the 5 no-tool items and on 2 of the 4 tool items: 5 abstentions
    predictions = [Prediction(id=str(i), raw="text") for i in (0, 1, 2, 5, 6)]
    weather = [{"name": "weather", "arguments": {}}]
    predictions += [Prediction(id=str(i), raw="x", calls=weather, attempted=True) for i in (3, 4, 7, 8)]
    metrics = compute_metrics(items, predictions)
    assert (metrics.no_tool_precision, metrics.no_tool_recall) == pytest.approx((3 / 5, 3 / 5))
    assert DENOMINATORS["no_tool_precision"](metrics) == 5
    assert DENOMINATORS["no_tool_recall"](metrics) == 5


def test_config_differences():
    a = flatten({"format": "hermes", "train": {"lora": {"r": 8, "target_modules": ["q"]}}, "name": "x"})
    assert a == {"format": "hermes", "train.lora.r": 8, "train.lora.target_modules": ["q"], "name": "x"}
    b = flatten({"format": "hermes", "train": {"lora": {"r": 16, "target_modules": ["q"]}}, "name": "y"})
    assert differing_keys([a, b]) == ["train.lora.r"]  # the run's name is not a knob
    assert differing_keys([a, {**a, "extra": 1}]) == ["extra"]
