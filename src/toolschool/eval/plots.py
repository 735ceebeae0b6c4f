"""PNG plots for run directories: training loss, LoRA update spectra, grouped bars (per tool,
per metric), curves, confusion matrix.

matplotlib is imported inside each function (``import toolschool`` stays light) and only
its object-oriented API with the Agg canvas is used: no pyplot, no global figure state, no
display needed. Each function creates the parent directory, writes one PNG and returns
its path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from toolschool.eval.metrics import FAILURE_KINDS, NO_TOOL, Metrics

_DPI = 120


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=_DPI, bbox_inches="tight")
    return path


def plot_loss(
    steps: Sequence[float],
    losses: Sequence[float],
    path: str | os.PathLike[str],
    eval_points: Sequence[tuple[float, float]] | Mapping[float, float] | None = None,
    *,
    title: str = "Training loss",
) -> Path:
    """Training loss against step, with optional evaluation points.

    Args:
        steps: x values (optimizer steps), same length as ``losses``.
        losses: training loss per step.
        path: the PNG to write.
        eval_points: ``(step, value)`` pairs or a ``{step: value}`` mapping (e.g. eval loss),
            drawn as markers on the same axes.
        title: the figure title.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        ValueError: ``steps`` and ``losses`` differ in length.
    """
    if len(steps) != len(losses):
        raise ValueError(f"steps ({len(steps)}) and losses ({len(losses)}) must have the same length")
    fig = _figure(7, 4)
    ax = fig.add_subplot()
    if len(steps):
        ax.plot(list(steps), list(losses), label="train loss", linewidth=1.2)
    points = list(eval_points.items()) if isinstance(eval_points, Mapping) else list(eval_points or [])
    if points:
        xs, ys = zip(*points)
        ax.plot(xs, ys, "o-", label="eval", markersize=4)
    if not len(steps) and not points:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if len(steps) or points:
        ax.legend()
    return _save(fig, path)


def _check_lengths(series: Mapping[str, Sequence[float | None]],
                   errors: Mapping[str, Sequence[float | None]] | None, n: int, what: str) -> None:
    for label, values in [*series.items(), *(errors or {}).items()]:
        if len(values) != n:
            raise ValueError(f"series {label!r} has {len(values)} values for {n} {what}")


def plot_grouped_bars(
    groups: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    path: str | os.PathLike[str],
    *,
    errors: Mapping[str, Sequence[float | None]] | None = None,
    title: str = "",
    ylabel: str = "%",
    empty: str = "no data",
) -> Path:
    """Grouped bars of ratios (0-1, drawn as percent): one group per ``groups`` entry, one bar per series.

    Args:
        groups: x tick labels, in order.
        series: label → one value per group; ``None`` draws an empty bar marked ``n/a``.
        path: the PNG to write.
        errors: label → one error-bar half-length per group (same units as the values, e.g.
            a standard error); ``None`` entries draw no bar.
        title, ylabel: axis texts; ``empty``: the text drawn when there are no groups.

    Raises:
        ValueError: no series, or a series (or its errors) whose length is not ``len(groups)``.
    """
    if not series:
        raise ValueError("plot_grouped_bars needs at least one series")
    _check_lengths(series, errors, len(groups), "groups")
    labels = list(series)
    fig = _figure(max(6.0, 0.9 * len(groups) * max(1, len(labels)) ** 0.5 + 2), 4.5)
    ax = fig.add_subplot()
    width = 0.8 / len(labels)
    for k, label in enumerate(labels):
        xs = [i - 0.4 + width * (k + 0.5) for i in range(len(groups))]
        values = list(series[label])
        spread = (errors or {}).get(label)
        yerr = ([100 * e if e is not None and v is not None else 0 for v, e in zip(values, spread)]
                if spread else None)
        bars = ax.bar(xs, [100 * v if v is not None else 0 for v in values], width, label=label, yerr=yerr,
                      capsize=2 if yerr else 0, error_kw={"elinewidth": 0.8})
        for bar, value, err in zip(bars, values, yerr or [0] * len(values)):
            text = "n/a" if value is None else f"{100 * value:.0f}"
            ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height() + err), ha="center",
                        va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(list(groups), rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 110)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    if not groups:
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes)
    else:
        ax.legend(fontsize=8)
    return _save(fig, path)


def plot_per_tool(
    metrics_by_label: Mapping[str, Metrics],
    path: str | os.PathLike[str],
    *,
    title: str = "Accuracy per tool",
) -> Path:
    """Grouped bars: item accuracy per expected tool (``per_tool``), one bar per label.

    Tools are the union over labels (``no_tool`` last); a missing or ``None`` value is drawn
    as an empty bar marked ``n/a``. Works for a single label.

    Raises:
        ValueError: ``metrics_by_label`` is empty.
    """
    if not metrics_by_label:
        raise ValueError("plot_per_tool needs at least one labelled Metrics")
    tools: dict[str, None] = {}
    for metrics in metrics_by_label.values():
        tools.update(dict.fromkeys(metrics.per_tool))
    names = sorted(tools, key=lambda t: (t == NO_TOOL, t))
    counts = {
        t: next((m.per_tool[t].n for m in metrics_by_label.values() if t in m.per_tool), 0) for t in names
    }
    series = {
        label: [m.per_tool[t].accuracy if t in m.per_tool else None for t in names]
        for label, m in metrics_by_label.items()
    }
    return plot_grouped_bars([f"{t}\n(n={counts[t]})" for t in names], series, path, title=title,
                             ylabel="accuracy (%)", empty="no tools")


def plot_failure_kinds(
    metrics_by_label: Mapping[str, Metrics],
    path: str | os.PathLike[str],
    *,
    title: str = "Wrong items by failure kind",
) -> Path:
    """Grouped bars: share of all items per failure kind (``failure_kinds`` / ``n``), one bar per label.

    Kinds are those occurring under any label, in :data:`~toolschool.eval.metrics.FAILURE_KINDS`
    order; the bars of one label sum to its error rate (1 - accuracy).

    Raises:
        ValueError: ``metrics_by_label`` is empty.
    """
    if not metrics_by_label:
        raise ValueError("plot_failure_kinds needs at least one labelled Metrics")
    kinds = [k for k in FAILURE_KINDS if any(m.failure_kinds.get(k) for m in metrics_by_label.values())]
    series = {
        label: [m.failure_kinds.get(k, 0) / m.n if m.n else None for k in kinds]
        for label, m in metrics_by_label.items()
    }
    return plot_grouped_bars(kinds, series, path, title=title, ylabel="share of all items (%)",
                             empty="no failures")


def plot_curves(
    xs: Sequence[float],
    series: Mapping[str, Sequence[float | None]],
    path: str | os.PathLike[str],
    *,
    errors: Mapping[str, Sequence[float | None]] | None = None,
    xlabel: str = "",
    title: str = "",
    log_x: bool | None = None,
) -> Path:
    """Ratios (0-1, drawn as percent) against a numeric knob: one line per series, error bars optional.

    Args:
        xs: the knob values (any order; the points are drawn sorted by x).
        series: label → one value per x; ``None`` leaves a gap.
        errors: label → one error-bar half-length per x (e.g. a standard error).
        log_x: a log-scaled x axis; ``None`` = when all xs are positive and span 10× or more
            (learning rates, ranks).

    Raises:
        ValueError: a series (or its errors) whose length is not ``len(xs)``.
    """
    _check_lengths(series, errors, len(xs), "x values")
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    fig = _figure(7, 4.5)
    ax = fig.add_subplot()
    for label, values in series.items():
        points = [(xs[i], values[i], (errors or {}).get(label, [None] * len(xs))[i]) for i in order]
        shown = [(x, 100 * v, 100 * e if e is not None else 0) for x, v, e in points if v is not None]
        if shown:
            px, py, pe = zip(*shown)
            ax.errorbar(px, py, yerr=pe, marker="o", markersize=4, capsize=3, linewidth=1.2, label=label)
    if log_x is None:
        log_x = bool(xs) and min(xs) > 0 and max(xs) >= 10 * min(xs)
    if log_x:
        ax.set_xscale("log")
    ax.set_xticks(sorted(set(xs)))
    ax.set_xticklabels([f"{x:g}" for x in sorted(set(xs))], fontsize=8)
    ax.minorticks_off()
    ax.set_ylim(0, 105)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("%")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if series:
        ax.legend(fontsize=8)
    return _save(fig, path)


def plot_confusion(metrics: Metrics, path: str | os.PathLike[str], title: str = "Tool confusion") -> Path:
    """Heatmap of ``metrics.confusion`` (expected rows × predicted columns), counts annotated.

    An empty matrix (no item expects at most one call) gives a figure that says so.
    """
    cm = metrics.confusion
    fig = _figure(max(5.0, 0.7 * len(cm.columns) + 2.5), max(4.0, 0.5 * len(cm.rows) + 2))
    ax = fig.add_subplot()
    ax.set_title(title)
    if not cm.rows or not cm.columns:
        ax.text(0.5, 0.5, "no items", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _save(fig, path)
    image = ax.imshow(cm.counts, cmap="Blues", aspect="auto", vmin=0)
    peak = max((max(row) for row in cm.counts), default=0)
    for i, row in enumerate(cm.counts):
        for j, count in enumerate(row):
            if count:
                ax.text(j, i, str(count), ha="center", va="center", fontsize=8,
                        color="white" if count > peak / 2 else "black")
    ax.set_xticks(range(len(cm.columns)))
    ax.set_xticklabels(cm.columns, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(cm.rows)))
    ax.set_yticklabels(cm.rows, fontsize=8)
    ax.set_xlabel("predicted (first call)")
    ax.set_ylabel("expected")
    from matplotlib.ticker import MaxNLocator

    bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    return _save(fig, path)


def plot_spectrum(
    rows: Sequence[Mapping[str, Any]],
    path: str | os.PathLike[str],
    *,
    title: str = "LoRA update spectra (mean per layer kind)",
) -> Path:
    """Effective rank and top singular value of the LoRA updates against step, one line per
    layer kind (``q_proj``…), from the lines of ``spectrum.jsonl``
    (:class:`toolschool.train.spectrum.SpectrumMonitor`: ``step`` and ``by_type``).

    Args:
        rows: the spectrum lines, in step order.
        path: the PNG to write.
        title: the figure title.
    """
    fig = _figure(8, 6)
    rank_ax, top_ax = fig.subplots(2, 1, sharex=True)
    kinds: dict[str, None] = {}
    for row in rows:
        kinds.update(dict.fromkeys(row["by_type"]))
    for kind in kinds:
        points = [(row["step"], row["by_type"][kind]) for row in rows if kind in row["by_type"]]
        steps = [s for s, _ in points]
        rank_ax.plot(steps, [v["effective_rank"] for _, v in points], marker=".", linewidth=1.2, label=kind)
        top_ax.plot(steps, [v["top"] for _, v in points], marker=".", linewidth=1.2, label=kind)
    if not kinds:
        rank_ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=rank_ax.transAxes)
    rank_ax.set_ylabel("effective rank")
    top_ax.set_ylabel("top singular value")
    top_ax.set_xlabel("step")
    rank_ax.set_title(title)
    for ax in (rank_ax, top_ax):
        ax.grid(alpha=0.3)
    if kinds:
        rank_ax.legend(fontsize=7, ncol=min(4, len(kinds)))
    return _save(fig, path)
