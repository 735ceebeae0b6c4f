"""Staged training recipes: causal-LM and SFT stages chained, each from the last one's best checkpoint.

A recipe (``StagedConfig``; a YAML file with a ``stages:`` list, run by ``toolschool train
-c``) is, for example: next-token training of a model built from scratch on a text corpus,
then on a code corpus, then tool-calling SFT::

    stages:
      - {name: text, kind: causal_lm, from: scratch llama-10m, corpus: [python-docs]}
      - {name: code, kind: causal_lm, corpus: [python-stdlib]}        # from: previous
      - {name: tools, kind: sft}                                      # data: generated

Each stage is a section of its own stage's config (:class:`PretrainConfig` for
``causal_lm``, :class:`~toolschool.train.config.TrainConfig` for ``sft``) plus ``name``,
``from`` and (``from: scratch`` only) ``tokenizer``; the recipe sets each stage's
``model`` and ``out_dir``. ``from`` is ``previous`` (the default: the previous stage's best
checkpoint), ``scratch <size>`` (:data:`toolschool.models.scratch.SIZES`, seeded by the
stage's ``seed``) or ``pretrained <model name>``. An ``sft`` stage without ``data`` trains on
the recipe's ``data`` section, generated once into ``<run>/data/``.

:func:`run` only composes: every stage runs through its own stage's ``run`` into
``<run>/<i>-<name>/`` and writes its resolved config there, so ``toolschool train -c
<run>/<i>-<name>/config.yaml`` runs that stage alone again. What a stage hands on is a model
directory: a causal-LM stage's ``checkpoint/`` (lowest validation loss); an SFT stage's
adapter merged into its base (``merged/``, written only when a later stage needs it; the
last stage's train directory itself loads as the trained model, ``load_trained``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from toolschool.config import StageConfig, dump_config
from toolschool.datagen import DataConfig
from toolschool.errors import ConfigError
from toolschool.files import atomic_write_text
from toolschool.progress import NullProgress, PrefixedProgress, Progress
from toolschool.train.config import TrainConfig
from toolschool.train.pretrain_config import PretrainConfig

if TYPE_CHECKING:
    from toolschool.datagen import DataResult
    from toolschool.train.pretrain import PretrainResult
    from toolschool.train.sft import TrainResult

#: what ``from:`` may say
START_FORMS = "previous, scratch <size> or pretrained <model name>"
#: keys of a stage that the recipe sets
RECIPE_SET = ("model", "out_dir")


def parse_start(value: str) -> tuple[str, str]:
    """``(kind, argument)`` of a ``from:`` value: ``("previous", "")``, ``("scratch", size)``
    or ``("pretrained", model name)``.

    Raises:
        ValueError: another form, an unknown size, or a model name that names no model.
    """
    from toolschool.models.names import check_model_name
    from toolschool.models.scratch import SIZES

    kind, _, arg = value.strip().partition(" ")
    arg = arg.strip()
    if kind == "previous" and not arg:
        return kind, ""
    if kind == "scratch" and arg:
        if arg not in SIZES:
            raise ValueError(f"unknown scratch size {arg!r}; sizes: {', '.join(SIZES)}")
        return kind, arg
    if kind == "pretrained" and arg:
        return kind, check_model_name(arg)
    raise ValueError(f"from: {value!r} is not one of {START_FORMS}")


class _Chained(BaseModel):
    """The keys a recipe adds to a stage's own config."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str | None = Field(None, description="stage name (its directory <i>-<name>; default: the kind)")
    start: str = Field("previous", alias="from", description=f"where the stage starts: {START_FORMS}")
    tokenizer: Literal["smollm2", "tiny"] | None = Field(
        None, description="tokenizer of a `from: scratch` model (None = smollm2)"
    )

    @field_validator("start")
    @classmethod
    def _start_form(cls, value: str) -> str:
        parse_start(value)
        return value

    def start_model(self, previous: str | None) -> str:
        """The model name this stage starts from, given the previous stage's checkpoint."""
        kind, arg = parse_start(self.start)
        if kind == "previous":
            if previous is None:
                raise ConfigError("the first stage has no previous stage to start from")
            return previous
        if kind == "scratch":
            return f"scratch:{arg}:{self.tokenizer or 'smollm2'}:{self.seed}"  # type: ignore[attr-defined]
        return arg

    def stage_fields(self) -> dict[str, Any]:
        """The stage's own config keys (without the recipe's ``name``, ``from``, ``tokenizer``)."""
        return self.model_dump(exclude={"name", "start", "tokenizer"})


class CausalLMStage(_Chained, PretrainConfig):
    """A causal-LM stage of a recipe: :class:`PretrainConfig` keys plus ``name``, ``from``, ``tokenizer``."""


class SFTStage(_Chained, TrainConfig):
    """An SFT stage of a recipe: :class:`TrainConfig` keys plus ``name``, ``from``, ``tokenizer``."""

    kind: Literal["sft"] = Field("sft", description="marks a tool-calling SFT stage")
    data: str | None = Field(
        None, description="training conversations (JSONL); None = the recipe's generated data"
    )

    def stage_fields(self) -> dict[str, Any]:
        return self.model_dump(exclude={"name", "start", "tokenizer", "kind"})


RecipeStage = Annotated[CausalLMStage | SFTStage, Field(discriminator="kind")]


class StagedConfig(StageConfig):
    """A staged training recipe: stages run in order, each from the previous one's best checkpoint."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str | None = Field(
        None, description="run directory name (default: time stamp + first stage's start)"
    )
    out_dir: str = Field("runs", description="parent directory of run directories")
    data: DataConfig = Field(default_factory=DataConfig)
    stages: list[RecipeStage] = Field(
        ..., min_length=1,
        description="in order; each: kind (causal_lm|sft), name, from, tokenizer + "
                    "`config show pretrain|train` keys",
    )

    @classmethod
    def problems_across(cls, data: dict[str, Any]) -> list[tuple[str, str]]:
        """Problems of the stage chain in raw recipe ``data``: ``[(key, message)]``.

        The first stage must start from ``scratch`` or ``pretrained``; names are unique;
        ``model``/``out_dir`` are the recipe's; ``tokenizer`` belongs to ``from: scratch``.
        Run by :func:`toolschool.config.validate_config` with the field checks and by :func:`run`.
        """
        stages = data.get("stages")
        if not isinstance(stages, list):
            return []
        problems: list[tuple[str, str]] = []
        seen: dict[str, int] = {}
        for i, stage in enumerate(stages):
            if not isinstance(stage, dict):
                continue
            start = str(stage.get("from", stage.get("start", "previous"))).strip()
            if i == 0 and start == "previous":
                problems.append((f"stages.{i}.from", "the first stage has no previous stage; start it "
                                                     "from scratch <size> or pretrained <model name>"))
            for key in RECIPE_SET:
                if key in stage:
                    problems.append((f"stages.{i}.{key}", "set by the recipe (the model comes from `from:`, "
                                                          "the directory is <run>/<i>-<name>)"))
            if stage.get("tokenizer") is not None and not start.startswith("scratch"):
                problems.append((f"stages.{i}.tokenizer",
                                 "only a `from: scratch <size>` stage takes a tokenizer"))
            name = stage.get("name")
            if isinstance(name, str) and name in seen:
                problems.append((f"stages.{i}.name", f"{name!r} is also the name of stage {seen[name]}"))
            if isinstance(name, str):
                seen.setdefault(name, i)
        return problems

    def to_yaml_dict(self) -> dict[str, Any]:
        """The recipe as ``config.yaml`` records it: ``from:`` under its own name, without the
        keys the recipe sets in each stage."""
        return self.model_dump(mode="json", by_alias=True, exclude={"stages": {"__all__": set(RECIPE_SET)}})

    def stage_dirs(self, run_dir: Path) -> list[Path]:
        """``<run_dir>/<i>-<name>`` of every stage (``i`` from 1)."""
        return [run_dir / f"{i}-{s.name or s.kind}" for i, s in enumerate(self.stages, 1)]


@dataclass
class StageOutcome:
    """One finished stage: what it started from, where it wrote, what it hands on."""

    index: int
    name: str
    kind: str
    started_from: str
    out_dir: str
    checkpoint: str
    seconds: float
    result: PretrainResult | TrainResult = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """The paths and the stage's headline numbers."""
        r = self.result
        if self.kind == "causal_lm":
            numbers = {"steps": r.steps, "initial_val_loss": r.initial_val_loss,
                       "best_val_loss": r.best_val_loss, "best_val_perplexity": r.best_val_perplexity,
                       "best_step": r.best_step, "tokens_per_second": r.tokens_per_second}
        else:
            numbers = {"steps": r.steps, "first_loss": r.first_loss, "final_loss": r.final_loss,
                       "tokens_per_second": r.tokens_per_second}
        return {"index": self.index, "name": self.name, "kind": self.kind, "started_from": self.started_from,
                "out_dir": self.out_dir, "checkpoint": self.checkpoint, "seconds": round(self.seconds, 2),
                **numbers}


@dataclass
class StagedResult:
    """What a recipe produced: every stage's outcome, the generated data (if any), timings."""

    run_dir: Path
    stages: list[StageOutcome]
    data: DataResult | None
    timings: dict[str, float]

    @property
    def final(self) -> str:
        """The last stage's checkpoint: a model directory, or a train directory (an SFT stage)."""
        return self.stages[-1].checkpoint


def check(config: StagedConfig) -> None:
    """Check what can fail before any work: the chain and every LoRA setting.

    LoRA targets of a stage are checked against the skeleton of the model its chain started
    from (every stage keeps the architecture of the one before).

    Raises:
        ConfigError: listing every problem with its stage.
    """
    from toolschool.train import stage as train_stage
    from toolschool.train.pretrain import lora_config

    problems = [f"  {key}: {msg}" for key, msg in config.problems_across(config.to_yaml_dict())]
    origin: str | None = None
    for i, stage in enumerate(config.stages):
        if parse_start(stage.start)[0] != "previous":
            origin = stage.start_model(None)
        uses_lora = stage.kind == "sft" or getattr(stage, "method", "") == "lora"
        if origin is None or not uses_lora:
            continue
        try:
            train_stage.check(lora_config(origin, stage.lora))
        except ConfigError as exc:
            problems.append(f"  stages.{i}.lora: {exc}")
    if problems:
        raise ConfigError(f"recipe: {len(problems)} problem(s)\n" + "\n".join(problems))


def _run_dir(config: StagedConfig) -> Path:
    first = config.stages[0].start.split()[-1]
    name = config.name or datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S") + "-" + Path(first).name
    run_dir = Path(config.out_dir) / name.replace(":", "-")
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir


def _merge_for_next(train_dir: Path) -> str:
    """Merge an SFT stage's adapter into its base and save it as ``<train_dir>/merged``."""
    from toolschool.models import load_trained
    from toolschool.train.pretrain import save_checkpoint

    trained = load_trained(train_dir)
    return str(save_checkpoint(trained.loaded.model, trained.loaded.tokenizer, train_dir / "merged",
                               {"adapter": str(train_dir / "adapter"), "base": trained.loaded.info["base"]}))


def run(config: StagedConfig, progress: Progress | None = None) -> StagedResult:
    """Run every stage of ``config`` in order (see module docstring).

    Raises:
        ConfigError: the chain or a LoRA setting is wrong (before any work, :func:`check`).
        DataError, ModelLoadError: from the stages.
    """
    import torch

    progress = progress or NullProgress()
    threads = torch.get_num_threads()  # a stage's num_threads holds for that stage only
    try:
        return _run(config, progress, threads)
    finally:
        torch.set_num_threads(threads)


def _run(config: StagedConfig, progress: Progress, threads: int) -> StagedResult:
    import torch

    from toolschool.datagen import stage as data_stage
    from toolschool.manifest import write_manifest
    from toolschool.train import pretrain
    from toolschool.train import stage as train_stage

    started = time.perf_counter()
    check(config)
    run_dir = _run_dir(config)
    dump_config(config, run_dir / "config.yaml")
    timings: dict[str, float] = {}
    data: DataResult | None = None
    previous: str | None = None
    outcomes: list[StageOutcome] = []
    for i, (stage, out) in enumerate(zip(config.stages, config.stage_dirs(run_dir)), 1):
        label = out.name
        began = time.perf_counter()
        torch.set_num_threads(threads)
        model = stage.start_model(previous)
        sub = PrefixedProgress(progress, f"{label}: ")
        if isinstance(stage, CausalLMStage):
            cfg = PretrainConfig.model_validate({**stage.stage_fields(), "model": model, "out_dir": str(out)})
            result: PretrainResult | TrainResult = pretrain.run(cfg, sub)
            previous = result.checkpoint_dir
        else:
            data_path = stage.data
            if data_path is None:
                if data is None:
                    data_config = config.data.model_copy(update={"out_dir": str(run_dir / "data")})
                    data = data_stage.run(data_config, progress)
                data_path = str(run_dir / "data" / "train.jsonl")
            cfg = TrainConfig.model_validate({**stage.stage_fields(), "data": data_path, "model": model,
                                              "out_dir": str(out)})
            result = train_stage.run(cfg, sub)
            previous = _merge_for_next(out) if i < len(config.stages) else str(out)
        timings[label] = time.perf_counter() - began
        outcomes.append(StageOutcome(i, stage.name or stage.kind, stage.kind, model, str(out), previous,
                                     timings[label], result))
    timings["total"] = time.perf_counter() - started
    summary = {"stages": [o.to_json() for o in outcomes], "final": previous}
    atomic_write_text(run_dir / "staged_result.json", json.dumps(summary, indent=2) + "\n")
    write_manifest(run_dir / "manifest.json", {s.name or s.kind: s.seed for s in config.stages}, timings)
    return StagedResult(run_dir, outcomes, data, timings)
