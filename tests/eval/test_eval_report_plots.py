"""Markdown report, CLI summary rows, and PNG plots."""

from __future__ import annotations

import pytest

from toolschool.eval.items import EvalItem, Prediction
from toolschool.eval.metrics import Metrics, compute_metrics
from toolschool.eval.plots import plot_confusion, plot_loss, plot_per_tool
from toolschool.eval.report import render_report, summary_rows

USER = [{"role": "user", "content": "q"}]
ITEMS = [
    EvalItem.model_validate({"id": id, "messages": USER, "expected": expected})
    for id, expected in [
        ("a", [{"name": "weather", "arguments": {"location": ["Paris"]}}]),
        ("b", [{"name": "weather", "arguments": {"location": ["Rome"]}}]),
        ("c", [{"name": "calculator", "arguments": {"expression": ["2+2"]}}]),
        ("d", []),
    ]
]


def call(name: str, **arguments) -> dict:
    return {"name": name, "arguments": arguments}


@pytest.fixture(scope="module")
def base() -> Metrics:
    preds = [
        Prediction(id="a", raw="I think it is sunny", latency_ms=100),
        Prediction(id="b", raw="```weather(Rome)```", attempted=True, error="bad syntax", latency_ms=120),
        Prediction(id="c", raw="calc", calls=[call("weather", location="2+2")], attempted=True,
                   latency_ms=90),
        Prediction(id="d", raw="Hello!", latency_ms=80),
    ]
    return compute_metrics(ITEMS, preds)


@pytest.fixture(scope="module")
def tuned() -> Metrics:
    preds = [
        Prediction(id="a", raw="<tool_call>", calls=[call("weather", location="Paris")], attempted=True,
                   latency_ms=50),
        Prediction(id="b", raw="<tool_call>", calls=[call("weather", location="Roma")], attempted=True,
                   latency_ms=60),
        Prediction(id="c", raw="<tool_call>", calls=[call("calculator", expression="2+2")], attempted=True),
        Prediction(id="d", raw="Hi", latency_ms=40),
    ]
    return compute_metrics(ITEMS, preds)


def test_fixture_numbers(base, tuned):
    assert (base.accuracy, tuned.accuracy) == (0.25, 0.75)
    assert base.syntax_validity == 0.5 and tuned.syntax_validity == 1.0
    assert base.parallel_accuracy is None


def test_report_with_two_labels(base, tuned):
    text = render_report(
        {"base": base, "fine-tuned": tuned},
        title="Run report",
        context={"model": "tiny", "format": "hermes"},
        plots=["per_tool.png"],
    )
    assert text.startswith("# Run report\n")
    assert "- **model**: tiny" in text
    assert "| metric | base | fine-tuned | Δ fine-tuned |" in text
    assert "| Accuracy | 25.0% | 75.0% | +50.0 pp |" in text
    assert "| Syntax validity | 50.0% | 100.0% | +50.0 pp |" in text
    assert "| Parallel accuracy | — | — | — |" in text  # None values
    assert "| Latency p50 | 95 ms | 50 ms | -45 ms |" in text
    assert "## Per category" in text and "| single | 3 | 0.0% | 66.7% | +66.7 pp |" in text
    assert "| weather | 2 | 0.0% | 50.0% | +50.0 pp |" in text
    assert "| no_tool | 1 | 100.0% | 100.0% | +0.0 pp | — | — | — |" in text
    assert "calculator → weather (1)" in text  # confusion of the base model
    assert "![per_tool](per_tool.png)" in text
    # failures per label, with raw output in a fence longer than any backtick run inside it
    assert "### base" in text and "### fine-tuned" in text
    assert "````text\n```weather(Rome)```\n````" in text
    assert "bad value for 'location': 'Roma'" in text
    assert text.endswith("\n")


def test_report_single_metrics_and_no_failures(tuned):
    perfect = compute_metrics(ITEMS[3:], [Prediction(id="d", raw="hi")])
    text = render_report(perfect)
    assert "| metric | model |" in text and "Δ" not in text
    assert "No failures." in text
    assert "| Syntax validity | — |" in text
    with pytest.raises(ValueError):
        render_report({})


def test_summary_rows(base):
    rows = dict(summary_rows(base))
    assert rows["Accuracy"] == "25.0% (1/4)"
    assert rows["Syntax validity"] == "50.0% of 2 attempts"
    assert rows["Parallel accuracy"] == "n/a"
    assert rows["Missing predictions"] == "0"
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in summary_rows(base))


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path, min_width=200, min_height=150):
    import matplotlib.image

    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and len(data) > 2000
    image = matplotlib.image.imread(path)
    height, width = image.shape[:2]
    assert width >= min_width and height >= min_height
    assert image.std() > 0  # not a blank canvas


def test_plot_loss(tmp_path):
    steps = list(range(1, 51))
    losses = [2.0 / s**0.5 for s in steps]
    path = plot_loss(steps, losses, tmp_path / "sub" / "loss.png", eval_points=[(10, 0.9), (50, 0.4)])
    assert path == tmp_path / "sub" / "loss.png"
    assert_png(path)
    assert_png(plot_loss([], [], tmp_path / "empty.png"))
    with pytest.raises(ValueError):
        plot_loss([1, 2], [1.0], tmp_path / "bad.png")


def test_plot_per_tool_two_labels_and_one(tmp_path, base, tuned):
    assert_png(plot_per_tool({"base": base, "fine-tuned": tuned}, tmp_path / "per_tool.png"))
    assert_png(plot_per_tool({"fine-tuned": tuned}, tmp_path / "per_tool_one.png"))
    with pytest.raises(ValueError):
        plot_per_tool({}, tmp_path / "none.png")


def test_plot_confusion(tmp_path, base):
    path = plot_confusion(base, tmp_path / "confusion.png", "base: expected vs predicted")
    assert_png(path)
    assert_png(plot_confusion(compute_metrics([], []), tmp_path / "empty.png", "empty"), 100, 100)


def test_importing_eval_does_not_import_matplotlib():
    import subprocess
    import sys

    code = "import sys, toolschool.eval; assert 'matplotlib' not in sys.modules, 'imported eagerly'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_plot_grouped_bars_with_error_bars(tmp_path):
    from toolschool.eval.plots import plot_grouped_bars

    series = {"tool_use": [0.8, None, 0.5], "hermes": [0.7, 0.2, 0.0]}
    errors = {"tool_use": [0.02, None, 0.05], "hermes": [0.03, 0.02, 0.01]}
    assert_png(plot_grouped_bars(["a", "b", "c"], series, tmp_path / "bars.png", errors=errors, title="t"))
    with pytest.raises(ValueError, match="'hermes' has 2 values for 3 groups"):
        plot_grouped_bars(["a", "b", "c"], {"hermes": [0.1, 0.2]}, tmp_path / "bad.png")
    with pytest.raises(ValueError, match="at least one series"):
        plot_grouped_bars(["a"], {}, tmp_path / "none.png")


def test_plot_curves_log_axis_for_a_wide_knob(tmp_path):
    from toolschool.eval.plots import plot_curves

    xs = [1e-3, 1e-4, 3e-3]  # any order
    series = {"accuracy": [0.7, 0.4, None], "tool selection": [0.8, 0.5, 0.6]}
    path = plot_curves(xs, series, tmp_path / "lr.png", errors={"accuracy": [0.02, 0.03, None]}, xlabel="lr")
    assert_png(path)
    with pytest.raises(ValueError, match="3 x values"):
        plot_curves(xs, {"accuracy": [0.7]}, tmp_path / "bad.png")
