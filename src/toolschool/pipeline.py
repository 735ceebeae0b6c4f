"""The main job, composed of the stages: data → base-model eval → LoRA training → fine-tuned eval → report.

``run(config)`` makes a run directory; every stage writes into its own part of it, with
its resolved config, so each part can be re-run alone (``toolschool data generate -c
<run>/data/config.yaml``, ``toolschool train -c <run>/train/config.yaml``…)::

    <out_dir>/<name>/
      config.yaml        the resolved RunConfig (`toolschool run -c` it to run again)
      manifest.json      versions, seeds, machine, wall time of every stage
      data/              config.yaml, train.jsonl, val.jsonl, test.jsonl, data_card.json
      train/             config.yaml, adapter/, train_log.jsonl, train_result.json, loss.png
      eval/base/         config.yaml, predictions.jsonl, metrics.json, report.md, plots
      eval/finetuned/    the same for the fine-tuned model
      metrics.json       base and fine-tuned metrics, training numbers, timings
      report.md          base vs fine-tuned, per category, per tool, failures
      loss.png  per_tool.png

The base model is prompted with exactly the same layout, format and tools as the
fine-tuned one, so the comparison measures what training taught. The model is loaded once
and handed to the stages. The only logic here is the composition, and the time budget
that decides how long training may take.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from toolschool.chat.prompt import DEFAULT_SYSTEM
from toolschool.config import StageConfig, dump_config
from toolschool.datagen import DataConfig
from toolschool.datagen.config import ToolsSpec
from toolschool.eval.config import EvalConfig
from toolschool.names import FormatName, LayoutName, ModelName, ToolkitName
from toolschool.progress import NullProgress, Progress
from toolschool.train.config import TrainConfig

if TYPE_CHECKING:
    from toolschool.datagen import DataResult
    from toolschool.eval.stage import EvalResult
    from toolschool.train.sft import TrainResult

#: keys of each section that the run sets (from its top-level keys and its directory)
RUN_SET: dict[str, tuple[str, ...]] = {
    "data": ("out_dir", "system_prompt", "toolkit", "tools", "format", "plugins"),
    "train": ("data", "out_dir", "model", "format", "layout", "system_prompt", "plugins"),
    "eval": ("data", "model", "out_dir", "format", "layout", "system_prompt", "toolkit", "plugins"),
}


class RunConfig(StageConfig):
    """The whole pipeline. ``model``, ``format``, ``layout``, ``toolkit`` (or ``tools``) and
    ``system_prompt`` are set once here and apply to every stage; the run sets each stage's
    paths. With ``tools``, the data teaches the user's tools and its test items carry them, so
    the evaluation offers exactly those tools."""

    name: str | None = Field(None, description="run directory name (default: time stamp + model)")
    out_dir: str = Field("runs", description="parent directory of run directories")
    model: ModelName = Field(
        "smollm2-135m", description="bundled name, tiny[:seed], local dir, .gguf or hub id"
    )
    format: FormatName = Field("tool_use", description="tool-call wire format taught and evaluated")
    layout: LayoutName = Field(None, description="chat turn layout; None = the model's own (detected)")
    toolkit: ToolkitName = Field("assistant", description="the tools the data teaches and the eval offers")
    tools: ToolsSpec = Field(
        None, description="user tools instead of toolkit: a YAML/JSON file, python:module, .py, mcp:COMMAND"
    )
    system_prompt: str = Field(DEFAULT_SYSTEM, description="system prompt the tool declarations are added to")
    evaluate_base: bool = Field(True, description="evaluate the model before training too")
    time_budget_minutes: float | None = Field(
        15.0, gt=0, description="wall time of the whole run; training gets what is left (None = no budget)"
    )
    min_train_seconds: float = Field(
        60.0, ge=0, description="train at least this long even when the budget is spent"
    )
    data: DataConfig = Field(default_factory=DataConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    eval: EvalConfig = Field(default_factory=EvalConfig)

    @model_validator(mode="before")
    @classmethod
    def _run_sets_stage_paths(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        clash = [f"{section}.{key}" for section, keys in RUN_SET.items()
                 if isinstance(data.get(section), dict) for key in keys if key in data[section]]
        if clash:
            raise ValueError(
                f"{', '.join(clash)}: set by the run (use the top-level key, or run the stage alone)"
            )
        return data

    def to_yaml_dict(self) -> dict[str, Any]:
        """The config as ``config.yaml`` records it: the run-set keys of each section left out."""
        return self.model_dump(mode="json", exclude={s: set(keys) for s, keys in RUN_SET.items()})

    def stages(self, run_dir: Path) -> RunStages:
        """The config of every stage for a run in ``run_dir``."""
        shared = {"model": self.model, "format": self.format, "layout": self.layout,
                  "system_prompt": self.system_prompt}
        data = self.data.model_copy(update={
            "out_dir": str(run_dir / "data"), "system_prompt": self.system_prompt, "toolkit": self.toolkit,
            "tools": self.tools, "format": self.format,
        })
        train = self.train.model_copy(update={**shared, "data": str(run_dir / "data" / "train.jsonl"),
                                              "out_dir": str(run_dir / "train")})
        evals = {
            label: self.eval.model_copy(update={**shared, "toolkit": self.toolkit,
                                                "data": str(run_dir / "data" / "test.jsonl"),
                                                "out_dir": str(run_dir / "eval" / label)})
            for label in ("base", "finetuned")
        }
        return RunStages(data, train, evals["base"], evals["finetuned"])


@dataclass(frozen=True)
class RunStages:
    """The resolved config of each stage of one run."""

    data: DataConfig
    train: TrainConfig
    eval_base: EvalConfig
    eval_finetuned: EvalConfig


@dataclass
class RunResult:
    """What a finished run produced.

    Attributes:
        run_dir: the run directory.
        metrics: the content of ``metrics.json``.
        report_path: ``report.md``.
        plots: the plots the report shows.
        timings: wall seconds per stage and in total.
        data, base, finetuned, train: each stage's own result (``base`` None when the base
            model was not evaluated).
    """

    run_dir: Path
    metrics: dict[str, Any]
    report_path: Path
    plots: list[Path]
    timings: dict[str, float]
    data: DataResult
    base: EvalResult | None
    finetuned: EvalResult
    train: TrainResult


def _make_run_dir(config: RunConfig) -> Path:
    name = config.name or (
        datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S") + "-" + Path(config.model).name.replace(":", "-")
    )
    run_dir = Path(config.out_dir) / name
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir


#: Seconds kept for plots, the report and writing files after the fine-tuned eval.
REPORT_RESERVE_SECONDS = 15.0
#: Share of the whole budget kept for the fine-tuned eval when the base was not evaluated.
EVAL_RESERVE_SHARE = 0.25
#: Planned fine-tuned eval time as a multiple of the base eval's (measured 1.29-1.42x; docs/decisions.md).
FINETUNED_EVAL_FACTOR = 1.5


def _training_budget(config: RunConfig, elapsed: float, base_eval_seconds: float | None) -> float | None:
    """Seconds the training loop may take so that the run ends within its time budget.

    What is left of ``time_budget_minutes`` after ``elapsed`` seconds, minus the planned
    fine-tuned eval and :data:`REPORT_RESERVE_SECONDS`. The fine-tuned eval is planned to
    take :data:`FINETUNED_EVAL_FACTOR` times as long as the base eval did (same items, same
    batches; the call window cuts the base model's prose short, while the fine-tuned model's
    calls decode to their end), or :data:`EVAL_RESERVE_SHARE` of the budget when the base
    was not evaluated. Never less than ``min_train_seconds``; ``train.max_seconds`` (None:
    no limit) without a budget.
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


@contextmanager
def _timed(timings: dict[str, float], key: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[key] = time.perf_counter() - start


def run(config: RunConfig, progress: Progress | None = None) -> RunResult:
    """Run the whole pipeline (see module docstring). Returns every stage's result.

    Raises:
        ConfigError: the LoRA settings do not fit the model (checked before any work), or
            its chat template renders differently from the trained format and layout
            (checked once the model is loaded, see :func:`toolschool.train.guards.check_chat_template`);
        ModelLoadError: the model cannot be loaded; DataError from the stages (no training
        conversation fits ``train.max_length``: checked before the base evaluation).
    """
    import torch

    from toolschool.datagen import stage as data_stage
    from toolschool.eval import stage as eval_stage
    from toolschool.eval.comparison import write_comparison
    from toolschool.manifest import write_manifest
    from toolschool.models import load_model
    from toolschool.train import stage as train_stage
    from toolschool.train.guards import check_chat_template

    progress = progress or NullProgress()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    run_dir = _make_run_dir(config)
    dump_config(config, run_dir / "config.yaml")
    stages = config.stages(run_dir)
    if config.train.num_threads:
        torch.set_num_threads(config.train.num_threads)
    with _timed(timings, "check"):  # converts a bundled GGUF into the cache the first time
        train_stage.check(stages.train)
    with _timed(timings, "data"):
        data = data_stage.run(stages.data, progress)
    with _timed(timings, "load_model"):
        progress.start("load model", None)
        loaded = load_model(config.model, dtype="float32")
        progress.finish("load model")
    # the chat-template guard of training, before the base evaluation rather than after it
    check_chat_template(loaded.tokenizer, loaded.layout(config.layout, config.format), config.format,
                        stages.train.template_check)
    # a format whose prompts do not fit max_length fails now, not after the base eval
    train_stage.check_data(stages.train, loaded)
    base = None
    if config.evaluate_base:
        with _timed(timings, "eval_base"):
            copy_for_eval = dataclasses.replace(loaded, model=copy.deepcopy(loaded.model))
            base = eval_stage.run(stages.eval_base, progress, loaded=copy_for_eval)
            del copy_for_eval
    budget = _training_budget(config, time.perf_counter() - started, timings.get("eval_base"))
    with _timed(timings, "train"):
        train_config = stages.train.model_copy(update={"max_seconds": budget})
        trained = train_stage.run(train_config, progress, loaded=loaded)
    with _timed(timings, "eval_finetuned"):
        trained_model = dataclasses.replace(loaded, model=trained.model)
        tuned = eval_stage.run(stages.eval_finetuned, progress, loaded=trained_model)
    timings["total"] = time.perf_counter() - started

    extra = {
        "model": config.model,
        "model_load": {"seconds": round(loaded.seconds, 2), "converted_now": loaded.converted},
        "time_budget": {
            "minutes": config.time_budget_minutes,
            "train_seconds": round(budget, 1) if budget is not None else None,
            "stopped_by_time_budget": trained.stopped_by_time_budget,
        },
    }
    metrics, report_path, plots = write_comparison(
        run_dir, f"toolschool run: {config.model} taught the {config.format} format", data, base, tuned,
        trained, timings, extra,
    )
    write_manifest(run_dir / "manifest.json", {"data": config.data.seed, "train": config.train.seed}, timings,
                   layout=tuned.layout)
    return RunResult(run_dir, metrics, report_path, plots, timings, data, base, tuned, trained)
