"""Evaluation: items and their loader, the AST-style call checker, metrics, reports, plots.

Checking rules follow the dev-set README (``shared/eval/README.md``) and, where it is silent,
BFCL's AST checker (``shared/bfcl/BFCL_SEMANTICS.md``); see :mod:`toolschool.eval.checker`.
:mod:`toolschool.eval.bfcl` is separate: BFCL's own files, checker and scores, reproduced exactly.
The plot functions import matplotlib only when called.
"""

from __future__ import annotations

from toolschool.eval.checker import (
    ArgFailure,
    CallCheck,
    ItemCheck,
    check_item,
    match_call,
    match_value,
    values_equal,
)
from toolschool.eval.items import (
    EvalItem,
    ExpectedCall,
    Prediction,
    infer_category,
    load_items,
    load_predictions,
)
from toolschool.eval.metrics import (
    CategoryRow,
    ConfusionMatrix,
    FailureExample,
    LatencyStats,
    Metrics,
    ToolRow,
    check_predictions,
    compute_metrics,
    percentile,
)
from toolschool.eval.plots import plot_confusion, plot_loss, plot_per_tool
from toolschool.eval.report import render_report, summary_rows
from toolschool.tools.arithmetic import evaluate_expression

__all__ = [
    "ArgFailure",
    "CallCheck",
    "CategoryRow",
    "ConfusionMatrix",
    "EvalItem",
    "ExpectedCall",
    "FailureExample",
    "ItemCheck",
    "LatencyStats",
    "Metrics",
    "Prediction",
    "ToolRow",
    "check_item",
    "check_predictions",
    "compute_metrics",
    "evaluate_expression",
    "infer_category",
    "load_items",
    "load_predictions",
    "match_call",
    "match_value",
    "percentile",
    "plot_confusion",
    "plot_loss",
    "plot_per_tool",
    "render_report",
    "summary_rows",
    "values_equal",
]
