"""A run's base-vs-fine-tuned comparison: ``metrics.json``, ``report.md`` and the plots.

The stages write their own results (``eval/base/``, ``eval/finetuned/``, ``train/``); this
module puts them side by side for the run directory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolschool.files import atomic_write_text

if TYPE_CHECKING:
    from toolschool.datagen import DataResult
    from toolschool.eval.stage import EvalResult
    from toolschool.train.sft import TrainResult


def write_comparison(
    run_dir: Path,
    title: str,
    data: DataResult,
    base: EvalResult | None,
    tuned: EvalResult,
    trained: TrainResult,
    timings: dict[str, float],
    extra: dict[str, Any],
) -> tuple[dict[str, Any], Path, list[Path]]:
    """Write the run's ``metrics.json``, ``report.md`` and plots (loss, per tool, failure kinds).

    Returns:
        ``(metrics, report path, plot paths)``; the confusion plots are the eval stages' own
        (``eval/base/confusion.png``, ``eval/finetuned/confusion.png``).
    """
    from toolschool.eval.plots import plot_failure_kinds, plot_loss, plot_per_tool
    from toolschool.eval.report import render_report

    labelled = {"fine-tuned": tuned.metrics}
    if base is not None:
        labelled = {"base": base.metrics, "fine-tuned": tuned.metrics}
    steps = [s for s, _ in trained.losses]
    plots = [plot_loss(steps, [v for _, v in trained.losses], run_dir / "loss.png"),
             plot_per_tool(labelled, run_dir / "per_tool.png"),
             plot_failure_kinds(labelled, run_dir / "failure_kinds.png")]
    plots += [r.out_dir / "confusion.png" for r in (base, tuned) if r is not None]
    metrics = {
        **extra,
        "format": tuned.format,
        "layout": tuned.layout,
        "test_items": len(tuned.predictions),
        "base": base.metrics.model_dump(mode="json") if base and base.metrics else None,
        "finetuned": tuned.metrics.model_dump(mode="json") if tuned.metrics else None,
        "train": trained.to_json(),
        "data": json.loads(Path(data.card_path).read_text()),
        "timings_seconds": {k: round(v, 2) for k, v in timings.items()},
    }
    atomic_write_text(run_dir / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    budget = extra.get("time_budget", {})
    cut = f" (time budget {budget.get('train_seconds')}s reached)" if trained.stopped_by_time_budget else ""
    training = (f"{trained.steps} of {trained.planned_steps} planned steps{cut}"
                + f", {trained.n_examples} conversations, {trained.tokens_per_second:.0f} tokens/s, "
                f"loss {trained.first_loss:.3f} -> {trained.final_loss:.3f}")
    report = render_report(
        labelled,
        title=title,
        context={
            "run directory": str(run_dir),
            "format / layout": f"{tuned.format} / {tuned.layout}",
            "test items": f"{len(tuned.predictions)} (held-out template families)",
            "training": training,
            "wall time": ", ".join(f"{k} {v:.0f}s" for k, v in timings.items()),
        },
        plots=[str(p.relative_to(run_dir)) for p in plots],
    )
    report_path = atomic_write_text(run_dir / "report.md", report)
    return metrics, report_path, plots
