"""The main job: data → base-model eval → LoRA training → fine-tuned eval → report.

``run(config)`` makes a run directory::

    <out_dir>/<name>/
      config.yaml        the resolved RunConfig (also what `toolschool eval --model <run>` reads)
      manifest.json      versions, seeds, machine, wall time of every stage
      data/              train.jsonl, val.jsonl, test.jsonl, data_card.json
      adapter/           the LoRA adapter (peft)
      train_log.jsonl    loss per logged step
      eval/base/         predictions.jsonl of the base model
      eval/finetuned/    predictions.jsonl of the fine-tuned model
      metrics.json       base and fine-tuned metrics, training numbers, timings
      report.md          base vs fine-tuned, per category, per tool, failures
      loss.png  per_tool.png  confusion_base.png  confusion_finetuned.png

The base model is prompted with exactly the same chat template, format and tools as the
fine-tuned one, so the comparison measures what training taught.
"""

from __future__ import annotations

import copy
import json
import os
import platform
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from toolschool.chat.prompt import DEFAULT_SYSTEM
from toolschool.config import dump_config
from toolschool.datagen import DataConfig
from toolschool.progress import NullProgress, Progress
from toolschool.train.config import TrainConfig


class EvalSettings(BaseModel):
    """How evaluation generates: batch size, token cap, weight dtype, item limit."""

    model_config = ConfigDict(extra="forbid")

    batch_size: int = Field(32, ge=1, description="32 decodes ~1.3x more tokens/s than 16 here")
    max_new_tokens: int = Field(
        100, ge=1, description="the longest expected answer of the template test split is 88 tokens"
    )
    dtype: Literal["auto", "bfloat16", "float32"] = Field(
        "auto", description="weights for generate; auto = bfloat16 where the CPU has bf16 kernels"
    )
    call_window: int | None = Field(
        32, ge=1, description="stop an answer that has begun no tool call after this many tokens "
        "(its calls cannot change; prose is cut, finish_reason call_window); None decodes in full"
    )
    limit: int | None = Field(None, ge=1, description="evaluate only the first N items")
    lenient: bool = Field(False, description="parse answers leniently (see toolschool.formats.base)")


class RunConfig(BaseModel):
    """The whole pipeline. ``model``, ``format`` and ``system_prompt`` are set once here and
    apply to data, training and evaluation alike (``train.*`` must not set them)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="run directory name (default: time stamp + model)")
    out_dir: str = Field("runs", description="parent directory of run directories")
    model: str = Field("smollm2-135m", description="bundled name, local dir, .gguf or hub id")
    format: str = Field("tool_use", description="tool-call wire format taught and evaluated")
    toolkit: str = "assistant"
    system_prompt: str = DEFAULT_SYSTEM
    evaluate_base: bool = True
    time_budget_minutes: float | None = Field(
        15.0, gt=0, description="wall time of the whole run; training gets what data, model load, "
        "base eval and the planned fine-tuned eval leave (None = train all planned steps)"
    )
    min_train_seconds: float = Field(
        60.0, ge=0, description="train at least this long even when the budget is already spent"
    )
    data: DataConfig = Field(default_factory=DataConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    eval: EvalSettings = Field(default_factory=EvalSettings)

    @model_validator(mode="before")
    @classmethod
    def _shared_keys_live_at_top(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("train"), dict):
            clash = [k for k in ("model", "format", "system_prompt") if k in data["train"]]
            if clash:
                raise ValueError(f"set {', '.join(clash)} at the top level, not under train")
        return data

    @model_validator(mode="after")
    def _propagate(self) -> RunConfig:
        self.train = self.train.model_copy(
            update={"model": self.model, "format": self.format, "system_prompt": self.system_prompt}
        )
        self.data = self.data.model_copy(update={"system_prompt": self.system_prompt})
        if self.data.toolkit != self.toolkit:
            raise ValueError(f"data.toolkit {self.data.toolkit!r} differs from toolkit {self.toolkit!r}")
        return self


@dataclass
class RunResult:
    """Paths and numbers of a finished run."""

    run_dir: Path
    metrics: dict[str, Any]
    report_path: Path
    plots: list[Path]
    timings: dict[str, float]
    base: Any = None
    finetuned: Any = None
    train: Any = None
    data: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("toolschool", "torch", "transformers", "peft", "pydantic"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _make_run_dir(config: RunConfig) -> Path:
    name = config.name or (
        datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S") + "-" + Path(config.model).name.replace(":", "-")
    )
    run_dir = Path(config.out_dir) / name
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir


def _evaluate_model(
    model: Any, tokenizer: Any, config: RunConfig, items: list, tools: list, out_dir: Path, label: str,
    progress: Progress,
) -> Any:
    from toolschool.backends.local import LocalBackend
    from toolschool.eval.runner import evaluate
    from toolschool.formats import get_format

    fmt = get_format(config.format, lenient=config.eval.lenient)
    backend = LocalBackend(
        model, tokenizer, fmt, config.system_prompt, config.eval.batch_size, config.eval.max_new_tokens,
        call_window=config.eval.call_window,
    )
    task = f"eval {label}"
    progress.start(task, len(items))
    outcome = evaluate(
        items, backend, fmt, tools, out_dir, label, on_progress=lambda n: progress.advance(task, n)
    )
    progress.finish(task)
    return outcome


#: Seconds kept for plots, the report and writing files after the fine-tuned eval.
REPORT_RESERVE_SECONDS = 15.0
#: Share of the whole budget kept for the fine-tuned eval when the base was not evaluated.
EVAL_RESERVE_SHARE = 0.25
#: Planned fine-tuned eval time as a multiple of the base eval's. With the call window the
#: base model's prose answers stop after ``call_window`` tokens while the fine-tuned model's
#: calls decode in full: measured 1.42x (115 -> 163 s) and 1.29x (145 -> 187 s) on the default
#: 300 test items, 2-core EPYC, 2026-12-03.
FINETUNED_EVAL_FACTOR = 1.5


def _training_budget(config: RunConfig, elapsed: float, base_eval_seconds: float | None) -> float | None:
    """Seconds the training loop may take so that the run ends within its time budget.

    What is left of ``time_budget_minutes`` after ``elapsed`` seconds, minus the planned
    fine-tuned eval and :data:`REPORT_RESERVE_SECONDS`. The fine-tuned eval is planned to
    take :data:`FINETUNED_EVAL_FACTOR` times as long as the base eval did (same items, same
    batches; the call window cuts the base model's prose short, while the fine-tuned model's
    calls decode to their end), or :data:`EVAL_RESERVE_SHARE` of the budget when the base
    was not evaluated. Never less than ``min_train_seconds``; ``None`` (no limit) without a
    budget.
    """
    if config.time_budget_minutes is None:
        return config.train.max_seconds
    total = config.time_budget_minutes * 60
    reserve = (
        FINETUNED_EVAL_FACTOR * base_eval_seconds
        if base_eval_seconds is not None
        else EVAL_RESERVE_SHARE * total
    )
    budget = max(config.min_train_seconds, total - elapsed - reserve - REPORT_RESERVE_SECONDS)
    if config.train.max_seconds is not None:
        budget = min(budget, config.train.max_seconds)
    return budget


def run(config: RunConfig, progress: Progress | None = None) -> RunResult:
    """Run the whole pipeline (see module docstring). Returns paths and metrics.

    Raises:
        ModelLoadError: the model cannot be loaded; ConfigError/DataError from the stages.
    """
    import torch

    from toolschool.backends.local import prepare_for_inference
    from toolschool.datagen import generate
    from toolschool.eval.items import load_items
    from toolschool.eval.plots import plot_confusion, plot_loss, plot_per_tool
    from toolschool.eval.report import render_report
    from toolschool.models import load_model
    from toolschool.tools import get_toolkit
    from toolschool.train.sft import train
    from toolschool.types import Conversation, read_jsonl

    progress = progress or NullProgress()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    run_dir = _make_run_dir(config)
    dump_config(config, run_dir / "config.yaml")
    if config.train.num_threads:
        torch.set_num_threads(config.train.num_threads)

    t = time.perf_counter()
    progress.start("data", None)
    data = generate(config.data, run_dir / "data")
    progress.finish("data")
    timings["data"] = time.perf_counter() - t
    conversations = read_jsonl(data.train_path, Conversation)
    items = load_items(data.test_path)
    if config.eval.limit:
        items = items[: config.eval.limit]
    tools = get_toolkit(config.toolkit)

    t = time.perf_counter()
    progress.start("load model", None)
    loaded = load_model(config.model, dtype="float32")
    progress.finish("load model")
    timings["load_model"] = time.perf_counter() - t

    base = None
    if config.evaluate_base:
        t = time.perf_counter()
        base_model = prepare_for_inference(copy.deepcopy(loaded.model), config.eval.dtype)
        base = _evaluate_model(
            base_model, loaded.tokenizer, config, items, tools, run_dir / "eval" / "base", "base", progress
        )
        del base_model
        timings["eval_base"] = time.perf_counter() - t

    def on_step(step: int, total: int, loss: float) -> None:
        if step == 1:
            progress.start("train", total)
        progress.advance("train", 1, loss=round(loss, 4))

    train_budget = _training_budget(config, time.perf_counter() - started, timings.get("eval_base"))
    t = time.perf_counter()
    result = train(
        config.train, conversations, run_dir, loaded.model, loaded.tokenizer, on_step=on_step,
        max_seconds=train_budget,
    )
    progress.finish("train")
    timings["train"] = time.perf_counter() - t

    t = time.perf_counter()
    tuned_model = prepare_for_inference(result.extra.pop("model"), config.eval.dtype)
    tuned = _evaluate_model(
        tuned_model, loaded.tokenizer, config, items, tools, run_dir / "eval" / "finetuned", "fine-tuned",
        progress,
    )
    timings["eval_finetuned"] = time.perf_counter() - t

    labelled = {"fine-tuned": tuned.metrics}
    if base is not None:
        labelled = {"base": base.metrics, "fine-tuned": tuned.metrics}
    plots = [plot_loss([s for s, _ in result.losses], [v for _, v in result.losses], run_dir / "loss.png")]
    plots.append(plot_per_tool(labelled, run_dir / "per_tool.png"))
    for label, m in labelled.items():
        slug = "finetuned" if label == "fine-tuned" else label
        plots.append(plot_confusion(m, run_dir / f"confusion_{slug}.png", title=f"{label}: expected vs predicted"))
    timings["total"] = time.perf_counter() - started

    metrics = {
        "model": config.model,
        "format": config.format,
        "test_items": len(items),
        "base": base.metrics.model_dump(mode="json") if base else None,
        "finetuned": tuned.metrics.model_dump(mode="json"),
        "train": {k: v for k, v in result.to_json().items() if k != "extra"},
        "data": json.loads(Path(data.card_path).read_text()),
        "timings_seconds": {k: round(v, 2) for k, v in timings.items()},
        "model_load": {"seconds": round(loaded.seconds, 2), "converted_now": loaded.converted},
        "time_budget": {
            "minutes": config.time_budget_minutes,
            "train_seconds": round(train_budget, 1) if train_budget is not None else None,
            "stopped_by_time_budget": result.stopped_by_time_budget,
        },
    }
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    report = render_report(
        labelled,
        title=f"toolschool run: {config.model} taught the {config.format} format",
        context={
            "run directory": str(run_dir),
            "test items": f"{len(items)} (held-out template families)",
            "training": f"{result.steps} of {result.planned_steps} planned steps"
            + (f" (time budget {train_budget:.0f}s reached)" if result.stopped_by_time_budget else "")
            + f", {result.n_examples} conversations, "
            f"{result.tokens_per_second:.0f} tokens/s, loss {result.first_loss:.3f} -> {result.final_loss:.3f}",
            "wall time": ", ".join(f"{k} {v:.0f}s" for k, v in timings.items()),
        },
        plots=[p.name for p in plots],
    )
    report_path = run_dir / "report.md"
    report_path.write_text(report)
    manifest = {
        "created": datetime.now(timezone.utc).isoformat(),
        "versions": _versions(),
        "seeds": {"data": config.data.seed, "train": config.train.seed},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "torch_threads": torch.get_num_threads()},
        "timings_seconds": metrics["timings_seconds"],
    }
    (run_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return RunResult(run_dir, metrics, report_path, plots, timings, base, tuned, result, data)
