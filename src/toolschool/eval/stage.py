"""The evaluation stage on its own: any model, any eval file, predictions and metrics.

The model is a run directory (its ``config.yaml`` supplies the format and system prompt
it was trained with, and its adapter is merged), or a model spec accepted by
:func:`toolschool.models.load_model` (then ``format`` must be given or defaults).
Output directory: ``predictions.jsonl``, ``metrics.json``, ``report.md``, ``confusion.png``,
``per_tool.png``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from toolschool.progress import NullProgress, Progress


class EvalConfig(BaseModel):
    """One evaluation run."""

    model_config = ConfigDict(extra="forbid")

    data: str = Field(description="eval items JSONL")
    model: str = Field(description="run directory, bundled name, local dir, .gguf or hub id")
    out_dir: str | None = Field(None, description="default: <run>/eval/<data stem> or runs/eval-<stem>")
    format: str | None = Field(None, description="wire format; default: the run's, else tool_use")
    lenient: bool = Field(False, description="parse leniently (repairs counted as valid syntax; "
                          "strict is the honest default)")
    system_prompt: str | None = Field(None, description="default: the run's, else the built-in one")
    toolkit: str = Field("assistant", description="tools for items that carry none")
    batch_size: int = Field(16, ge=1)
    max_new_tokens: int = Field(128, ge=1)
    call_window: int | None = Field(
        32, ge=1, description="stop an answer that has begun no tool call after this many tokens "
        "(its calls cannot change; prose is cut); None decodes every answer in full"
    )
    dtype: Literal["auto", "bfloat16", "float32"] = Field(
        "auto", description="weights for generation; auto = bfloat16 where the CPU has bf16 kernels"
    )
    limit: int | None = Field(None, ge=1)


@dataclass
class EvalStageResult:
    """Metrics and where everything was written."""

    metrics: Any
    out_dir: Path
    predictions_path: Path
    report_path: Path
    seconds: float
    format: str
    model: str


def run(config: EvalConfig, progress: Progress | None = None) -> EvalStageResult:
    """Evaluate ``config.model`` on ``config.data``.

    Raises:
        DataError: the eval file is malformed; ModelLoadError: the model cannot be loaded.
    """
    from toolschool.backends.local import LocalBackend, prepare_for_inference
    from toolschool.chat.prompt import DEFAULT_SYSTEM
    from toolschool.eval.items import load_items
    from toolschool.eval.plots import plot_confusion, plot_per_tool
    from toolschool.eval.report import render_report
    from toolschool.eval.runner import evaluate
    from toolschool.formats import get_format
    from toolschool.models import is_run_dir, load_model, load_trained
    from toolschool.tools import get_toolkit

    progress = progress or NullProgress()
    items = load_items(config.data)
    if config.limit:
        items = items[: config.limit]
    stem = Path(config.data).stem
    progress.start("load model", None)
    if is_run_dir(config.model):
        trained = load_trained(config.model, dtype=config.dtype)
        model, tokenizer = trained.loaded.model, trained.loaded.tokenizer
        fmt_name = config.format or trained.format
        system = config.system_prompt if config.system_prompt is not None else trained.system_prompt
        default_out = Path(config.model) / "eval" / stem
    else:
        loaded = load_model(config.model, dtype="float32")
        model = prepare_for_inference(loaded.model, config.dtype)
        tokenizer = loaded.tokenizer
        fmt_name = config.format or "tool_use"
        system = config.system_prompt if config.system_prompt is not None else DEFAULT_SYSTEM
        default_out = Path("runs") / f"eval-{stem}-{Path(config.model).name}"
    progress.finish("load model")
    out = Path(config.out_dir) if config.out_dir else default_out
    fmt = get_format(fmt_name, lenient=config.lenient)
    backend = LocalBackend(
        model, tokenizer, fmt, system, config.batch_size, config.max_new_tokens,
        call_window=config.call_window,
    )
    progress.start("eval", len(items))
    outcome = evaluate(
        items, backend, fmt, get_toolkit(config.toolkit), out, config.model,
        on_progress=lambda n: progress.advance("eval", n),
    )
    progress.finish("eval")
    (out / "metrics.json").write_text(outcome.metrics.model_dump_json(indent=2) + "\n")
    (out / "eval_config.json").write_text(json.dumps(config.model_dump(), indent=2) + "\n")
    plots = [
        plot_confusion(outcome.metrics, out / "confusion.png", title=f"{Path(config.model).name} on {stem}"),
        plot_per_tool({Path(config.model).name: outcome.metrics}, out / "per_tool.png"),
    ]
    report = render_report(
        {Path(config.model).name: outcome.metrics},
        title=f"toolschool eval: {config.model} on {config.data}",
        context={"format": fmt_name, "items": str(len(items)), "wall time": f"{outcome.seconds:.0f}s"},
        plots=[p.name for p in plots],
    )
    report_path = out / "report.md"
    report_path.write_text(report)
    return EvalStageResult(outcome.metrics, out, out / "predictions.jsonl", report_path, outcome.seconds, fmt_name, config.model)
