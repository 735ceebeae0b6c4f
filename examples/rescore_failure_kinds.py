"""Re-score saved predictions with the current checker and print failure kinds per run (no model run).

Usage: PYTHONPATH=src python examples/rescore_failure_kinds.py RUN_DIR... (each with data/test.jsonl
and eval/{base,finetuned}/predictions.jsonl; tools: the `assistant` toolkit, as the runs used).
"""
import sys
from pathlib import Path

from toolschool.eval.items import load_items, load_predictions
from toolschool.eval.metrics import FAILURE_KINDS, compute_metrics
from toolschool.tools import get_toolkit

print("| run | model | n | wrong | " + " | ".join(FAILURE_KINDS) + " | argument failures |")
print("|---" * (len(FAILURE_KINDS) + 5) + "|")
for run in map(Path, sys.argv[1:]):
    items = load_items(run / "data" / "test.jsonl")
    for which in ("base", "finetuned"):
        preds = run / "eval" / which / "predictions.jsonl"
        if not preds.exists():
            continue
        m = compute_metrics(items, load_predictions(preds), default_tools=get_toolkit("assistant"))
        cells = [str(m.failure_kinds.get(k, 0)) for k in FAILURE_KINDS]
        args = ", ".join(f"{k} {v}" for k, v in m.argument_failures.items()) or "—"
        print(f"| {run.name} | {which} | {m.n} | {m.n - m.n_correct} | {' | '.join(cells)} | {args} |")
