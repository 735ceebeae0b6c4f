"""Sweeps of one run-config knob: ``toolschool ablate KNOB=V1,V2,…``, then ``toolschool compare``.

One :func:`toolschool.pipeline.run` per value (and per training seed) into
``<out_dir>/<knob>=<value>[-seed<k>]/``, every run with the same base config (file and
``key=value`` overrides) except the knob, so the data, its seed and the test split are the
same for all. The knob is any leaf key of :class:`~toolschool.pipeline.RunConfig`
(``format``, ``train.lora.r``, ``train.learning_rate``, ``data.n_train``…), the way
practitioners publish LoRA-rank and learning-rate ablations.

* **Checked first.** Every value's config is validated, and the LoRA targets checked
  against the model, before any run starts; all problems are reported at once.
* **Resumable.** A run whose ``manifest.json`` exists (``pipeline.run`` writes it last) is
  finished and skipped; a directory without it (a crash, an interrupt) is removed and run
  again. A finished run whose recorded config differs from the planned one is refused rather
  than mixed in. A lock file keeps two sweeps out of one directory.
* **One failure does not stop the sweep.** A run that raises is recorded (its traceback in
  ``<run>/error.txt``), the others go on, and the comparison covers the finished ones.

After the runs, :func:`toolschool.compare.compare` writes ``compare.md``, ``compare.json``
and the plots into ``<out_dir>``; ``ablation.json`` there records the sweep.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolschool.compare import SEED_KEY
from toolschool.errors import ConfigError, ToolschoolError
from toolschool.files import atomic_write_text
from toolschool.progress import NullProgress, PrefixedProgress, Progress

if TYPE_CHECKING:
    from toolschool.compare import Comparison
    from toolschool.pipeline import RunConfig

#: Keys the sweep sets itself for every run.
SWEEP_SET = ("name", "out_dir")
#: File a finished run has (``pipeline.run`` writes it last).
FINISHED_MARKER = "manifest.json"
LOCK_NAME = ".ablate.lock"


@dataclass(frozen=True)
class PlannedRun:
    """One run of a sweep: its directory name, knob value (as typed), seed and config."""

    name: str
    value: str
    seed: int | None
    config: RunConfig

    @property
    def run_dir(self) -> Path:
        """``<out_dir>/<name>``."""
        return Path(self.config.out_dir) / self.name


@dataclass(frozen=True)
class AblationPlan:
    """A checked sweep: the knob, its values, one :class:`PlannedRun` per value and seed, and
    warnings of the preflight (conversations ``train.max_length`` cuts)."""

    knob: str
    values: list[str]
    seeds: int
    out_dir: Path
    runs: list[PlannedRun]
    warnings: list[str] = field(default_factory=list)


@dataclass
class AblationResult:
    """What a sweep did.

    Attributes:
        plan: the sweep.
        ran, skipped: names of the runs done now / found finished.
        failed: run name → the error's one-line summary (traceback in ``<run>/error.txt``).
        seconds: run name → wall seconds of the runs done now.
        comparison: the comparison of the finished runs (None when fewer than one finished).
    """

    plan: AblationPlan
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    comparison: Comparison | None = None


def split_values(text: str) -> list[str]:
    """``"a,b,[c, d]"`` → ``["a", "b", "[c, d]"]``: commas inside brackets or quotes do not split."""
    values, depth, quote, current = [], 0, "", []
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{(":
            depth += 1
        elif char in "]})":
            depth -= 1
        elif char == "," and depth == 0:
            values.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    values.append("".join(current).strip())
    return values


def parse_sweep(spec: str) -> tuple[str, list[str]]:
    """``"format=tool_use,hermes"`` → ``("format", ["tool_use", "hermes"])``.

    Raises:
        ConfigError: no ``=``, an empty key or value, or a value given twice.
    """
    key, sep, raw = spec.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"sweep {spec!r}: expected KNOB=V1,V2,… (e.g. format=tool_use,hermes)")
    values = split_values(raw)
    problems = []
    if any(not v for v in values):
        problems.append("an empty value")
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        problems.append(f"{', '.join(repeated)} given twice")
    if problems:
        raise ConfigError(f"sweep {spec!r}: {'; '.join(problems)}")
    return key, values


def run_config_keys() -> list[str]:
    """Every leaf key of :class:`~toolschool.pipeline.RunConfig`, dotted (``train.lora.r``)."""
    from toolschool.config import describe_config
    from toolschool.pipeline import RunConfig

    return [k.key for k in describe_config(RunConfig)]


def _override_key(override: str) -> str:
    return override.partition("=")[0].strip()


def _check_knob(knob: str, overrides: list[str], seeds: int) -> list[str]:
    problems = []
    keys = run_config_keys()
    if knob in SWEEP_SET:
        problems.append(f"{knob}: set by the sweep for each run, cannot be swept")
    elif knob not in keys:
        close = difflib.get_close_matches(knob, keys, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(f"{knob}: not a run config key{hint} (`toolschool config show run` lists them)")
    given = [_override_key(o) for o in overrides]
    if knob in given:
        problems.append(f"{knob}: both swept and given as an override")
    problems += [f"{key}: set by the sweep for each run" for key in given if key in SWEEP_SET]
    if seeds > 1 and (SEED_KEY in given or knob == SEED_KEY):
        problems.append(f"{SEED_KEY}: --seeds {seeds} sets it; drop the override or --seeds")
    return problems


def _dir_name(knob: str, value: str, seed: int | None) -> str:
    safe = value.replace("/", "_").replace(os.sep, "_").replace(" ", "")
    return f"{knob}={safe}" + (f"-seed{seed}" if seed is not None else "")


def plan(
    spec: str,
    overrides: list[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    config_path: str | os.PathLike[str] | None = None,
    seeds: int = 1,
    preflight: bool = True,
) -> AblationPlan:
    """Check a sweep and resolve every run's config, before anything runs.

    Args:
        spec: ``KNOB=V1,V2,…``; values are parsed like ``key=value`` overrides (YAML).
        overrides: ``key=value`` overrides shared by every run (the base config).
        out_dir: the sweep's directory (default ``runs/ablate-<knob>``).
        config_path: a RunConfig YAML the overrides apply to (default: built-in defaults).
        preflight: when everything else is right, also generate each distinct data set (in a
            temporary directory; seconds) and tokenise its training split as each run will,
            with the model's tokenizer, so a value whose prompts do not fit
            ``train.max_length`` (a verbose format) is refused now rather than after hours.
        seeds: training seeds per value; above 1, ``train.seed`` (:data:`SEED_KEY`; the data
            seed stays, so every run answers the same items) = 0…seeds-1 and ``-seed<k>``
            ends each directory name.

    Raises:
        ConfigError: every problem at once: the sweep spec, an unknown knob (with "did you
            mean"), a knob also given as an override, each value whose config is invalid or
            whose LoRA targets do not fit the model, finished runs in ``out_dir`` that were
            run with a different config, and (``preflight``) values whose training data has
            no assistant token within ``train.max_length``.
    """
    from toolschool.config import load_config

    if seeds < 1:
        raise ConfigError(f"--seeds must be at least 1, got {seeds}")
    knob, values = parse_sweep(spec)
    overrides = list(overrides or [])
    problems = _check_knob(knob, overrides, seeds)
    if problems:
        raise _problems(spec, problems)
    out = Path(out_dir if out_dir is not None else Path("runs") / f"ablate-{knob}").absolute()
    base_lines: set[str] = set()
    try:
        load_config(_run_config_class(), config_path, overrides)
    except ConfigError as exc:  # shared by every value: reported once
        base_lines = set(str(exc).splitlines()[1:])
        problems.append(f"base config: {_indent(str(exc))}")
    runs: list[PlannedRun] = []
    for value in values:
        for seed in (range(seeds) if seeds > 1 else [None]):
            name = _dir_name(knob, value, seed)
            sets = [f"{knob}={value}", f"out_dir={out}", f"name={name}"]
            sets += [f"{SEED_KEY}={seed}"] if seed is not None else []
            try:
                config = load_config(_run_config_class(), config_path, [*overrides, *sets])
            except ConfigError as exc:
                own = [line for line in str(exc).splitlines()[1:] if line not in base_lines]
                if own or not base_lines:
                    problems.append(f"{knob}={value}: {_indent(chr(10).join(own) or str(exc)).strip()}")
                continue
            runs.append(PlannedRun(name, value, seed, config))
    problems += _check_models(runs)
    problems += _check_finished(runs)
    warnings: list[str] = []
    if preflight and not problems:
        problems, warnings = _check_data(runs)
    if problems:
        raise _problems(spec, problems)
    return AblationPlan(knob, values, seeds, out, runs, warnings)


def _problems(spec: str, problems: list[str]) -> ConfigError:
    return ConfigError(f"ablate {spec}: {len(problems)} problem(s)\n" + "\n".join(f"  {p}" for p in problems))


def _run_config_class() -> type[RunConfig]:
    from toolschool.pipeline import RunConfig

    return RunConfig


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def _check_models(runs: list[PlannedRun]) -> list[str]:
    """The LoRA targets of each distinct (model, lora) pair, checked on the model's skeleton."""
    from toolschool.train import stage as train_stage

    problems, seen = [], set()
    for run in runs:
        train = run.config.stages(run.run_dir).train
        key = (train.model, train.lora.model_dump_json())
        if key in seen:
            continue
        seen.add(key)
        try:
            train_stage.check(train)
        except ToolschoolError as exc:
            problems.append(f"{run.name}: {exc}")
    return problems


def _check_data(runs: list[PlannedRun]) -> tuple[list[str], list[str]]:
    """Each run's training split, generated and tokenised as its run will train on it.

    A data set is generated once per distinct data config, a model loaded once per name.
    Returns ``(problems, warnings)``: runs whose data has nothing to train on within
    ``max_length``, and runs some of whose conversations are cut by it.
    """
    import tempfile

    from toolschool.datagen import stage as data_stage
    from toolschool.models import load_model
    from toolschool.train import stage as train_stage

    problems: list[str] = []
    warnings: list[str] = []
    data: dict[str, Path] = {}
    models: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="toolschool-ablate-") as tmp:
        for run in runs:
            stages = run.config.stages(Path(tmp) / run.name)
            key = json.dumps(stages.data.card_config(), sort_keys=True)
            if key not in data:
                where = stages.data.model_copy(update={"out_dir": str(Path(tmp) / f"data-{len(data)}")})
                data[key] = data_stage.run(where).train_path
            if run.config.model not in models:
                models[run.config.model] = load_model(run.config.model, dtype="float32")
            train = stages.train.model_copy(update={"data": str(data[key])})
            try:
                encoded = train_stage.check_data(train, models[run.config.model])
            except ToolschoolError as exc:
                problems.append(f"{run.name}: {exc}")
            else:
                if encoded.n_truncated:
                    warnings.append(f"{run.name}: {encoded.n_truncated} of {stages.data.n_train} training "
                                    f"conversations are longer than train.max_length={train.max_length} "
                                    "tokens and are cut")
    return problems, warnings


def _recorded(config: RunConfig) -> dict[str, Any]:
    data = config.to_yaml_dict()
    for key in SWEEP_SET:
        data.pop(key, None)
    return data


def _check_finished(runs: list[PlannedRun]) -> list[str]:
    """Finished runs whose recorded ``config.yaml`` is not the planned config.

    A key the recorded file lacks (written by an older toolschool, before the knob existed)
    counts as that knob's default, so a sweep resumed after an upgrade keeps its finished runs
    unless a new knob is set away from its default.
    """
    from toolschool.compare import differing_keys, flatten
    from toolschool.config import read_config_file
    from toolschool.pipeline import RunConfig

    defaults = flatten(_recorded(RunConfig()))
    problems = []
    for run in runs:
        if not is_finished(run.run_dir):
            continue
        recorded = read_config_file(run.run_dir / "config.yaml")
        for key in SWEEP_SET:
            recorded.pop(key, None)
        planned = flatten(_recorded(run.config))
        recorded = flatten(recorded)
        recorded.update({k: defaults[k] for k in planned if k not in recorded and k in defaults})
        differ = differing_keys([recorded, planned])
        if differ:
            problems.append(f"{run.run_dir} was run with a different config ({', '.join(differ)}); "
                            "sweep into another directory (-o) or remove it")
    return problems


def is_finished(run_dir: Path) -> bool:
    """True if ``run_dir`` holds a finished run (its manifest and config are written)."""
    return (run_dir / FINISHED_MARKER).is_file() and (run_dir / "config.yaml").is_file()


@contextmanager
def _lock(out_dir: Path) -> Iterator[None]:
    """One sweep per directory: ``.ablate.lock`` holds the owner's pid; a dead owner's lock is taken over.

    Raises:
        ConfigError: another live process holds the lock.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK_NAME
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                owner = int(path.read_text().strip() or 0)
                os.kill(owner, 0)
            except (ValueError, ProcessLookupError, FileNotFoundError):
                path.unlink(missing_ok=True)  # the owner is gone
                continue
            except PermissionError:
                pass  # alive, another user's
            raise ConfigError(f"{out_dir} is being swept by process {owner} (lock {path})") from None
        with os.fdopen(fd, "w") as handle:
            handle.write(str(os.getpid()))
        break
    else:
        raise ConfigError(f"could not take the lock {path}")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _write_record(result: AblationResult) -> None:
    p = result.plan
    record = {
        "knob": p.knob,
        "values": p.values,
        "seeds": p.seeds,
        "runs": [{"name": r.name, "value": r.value, "seed": r.seed, "dir": r.name,
                  "finished": is_finished(r.run_dir), "error": result.failed.get(r.name),
                  "seconds": round(result.seconds[r.name], 1) if r.name in result.seconds else None}
                 for r in p.runs],
    }
    atomic_write_text(p.out_dir / "ablation.json", json.dumps(record, indent=2) + "\n")


def run(
    ablation: AblationPlan,
    progress: Progress | None = None,
    report: Callable[[str], None] | None = None,
    *,
    force: bool = False,
) -> AblationResult:
    """Run every planned run not yet finished, then compare the finished ones.

    Args:
        ablation: from :func:`plan`.
        progress: receives an ``ablate`` task (one step per run) and every run's stage tasks,
            named ``<run> <task>``.
        report: receives one line per run as it is skipped, started, finished or failed.
        force: compare even if the runs were tested on different items (see
            :func:`toolschool.compare.compare`).

    Returns:
        An :class:`AblationResult`; failures are in ``failed`` (not raised).

    Raises:
        ConfigError: another sweep holds the directory's lock.
    """
    from toolschool.pipeline import run as run_pipeline

    progress = progress or NullProgress()
    say = report or (lambda line: None)
    result = AblationResult(ablation)
    with _lock(ablation.out_dir):
        progress.start("ablate", len(ablation.runs))
        for planned in ablation.runs:
            run_dir = planned.run_dir
            if is_finished(run_dir):
                result.skipped.append(planned.name)
                say(f"{planned.name}: finished before, skipped")
                progress.advance("ablate", 1, run=planned.name)
                continue
            if run_dir.exists():
                say(f"{planned.name}: unfinished run found, starting it again")
                shutil.rmtree(run_dir)
            say(f"{planned.name}: running")
            started = time.perf_counter()
            try:
                run_pipeline(planned.config, PrefixedProgress(progress, f"{planned.name} "))
            except Exception as exc:  # one run's failure must not lose the sweep
                message = f"{type(exc).__name__}: {exc}".splitlines()[0]
                result.failed[planned.name] = message
                run_dir.mkdir(parents=True, exist_ok=True)
                atomic_write_text(run_dir / "error.txt", traceback.format_exc())
                say(f"{planned.name}: FAILED ({message}); traceback in {run_dir / 'error.txt'}")
            else:
                result.ran.append(planned.name)
                say(f"{planned.name}: finished in {time.perf_counter() - started:.0f} s")
            result.seconds[planned.name] = time.perf_counter() - started
            progress.advance("ablate", 1, run=planned.name)
            _write_record(result)
        progress.finish("ablate")
        _write_record(result)
        finished = [r.run_dir for r in ablation.runs if is_finished(r.run_dir)]
        if finished:
            from toolschool.compare import compare

            result.comparison = compare(finished, ablation.out_dir, force=force)
    return result
