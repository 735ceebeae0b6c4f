"""Comparing runs: the ablation table and plots of ``toolschool compare RUN…`` (and ``toolschool ablate``).

Each run directory (made by ``toolschool run``) gives its resolved ``config.yaml`` and its
``metrics.json`` (base and fine-tuned :class:`~toolschool.eval.metrics.Metrics`, training
numbers). The config keys whose values differ between the runs are the *knobs* and label
the columns (``format``: ``tool_use``, ``hermes``…); runs that differ only in
:data:`SEED_KEYS` (training and data seeds) are seeds of one setting and share a column.
``--label NAME=RUN`` names columns by hand (runs given the same name share a column).
An *evaluation* directory (``toolschool eval -m RUN -o DIR``, e.g. a run answering
``natural_dev``) is read as that run's config with the evaluation's metrics, so the
evaluations of several seeds of a run average in one column too.

:func:`compare` writes ``compare.md`` (headline metrics of the fine-tuned and the base
model, per category, per tool, training numbers, the runs), ``compare.json`` (the same
numbers with their per-run values) and PNG plots: ``metrics.png`` (grouped bars per
metric), ``per_tool.png``, ``per_category.png``, and for one numeric knob
``vs_<knob>.png`` (metrics against the knob's value, log x for a knob that spans 10×).

**Noise.** Every ratio carries one standard error. One run: the binomial standard error
``sqrt(p(1-p)/n)`` over its denominator ``n`` (:func:`binomial_se`) — the uncertainty of measuring on a finite
test set (300 items at p = 0.8: ±2.3 pp; a tool with 30 items: ±7 pp). Several seeds of a
setting: the mean over the seeds, with ``sqrt(s²/k + SE²)`` where ``s`` is the sample
standard deviation over the ``k`` seeds (training noise; it shrinks with more seeds) and
the binomial term the test-set noise (it does not when every seed answers the same items).
Seeds of the *data* answer their own test splits, so their test noise averages out too:
``sqrt((s² + SE²)/k)``, where ``s`` already holds most of it (the binomial term keeps
three seeds that happen to agree from claiming a tiny error). Two columns closer than
about ``2·sqrt(SE1² + SE2²)`` are not told apart; as every run answers the same items this
unpaired bound is conservative.

**Same items.** Runs tested on different items (their ``data/test.jsonl`` differs: a
generator version, a data size) measure their items more than their knob: :func:`compare`
refuses them unless ``force`` is set, and then says so in the report. The one expected
difference is ``data.seed``: runs of one data seed must share their items, and every column
must hold the same data seeds (else the columns measure different items: refused likewise).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolschool.errors import ConfigError, DataError
from toolschool.eval.metrics import NO_TOOL, Metrics
from toolschool.eval.report import HEADLINE, format_value, markdown_table, read_metric
from toolschool.files import atomic_write_text

#: Run-config keys that name or place a run: never a difference between runs.
PLACEMENT_KEYS = ("name", "out_dir")
#: The key that makes runs seeds of one setting rather than settings of a knob (``--seeds`` of ablate).
SEED_KEY = "train.seed"
#: Every key that makes runs seeds of one setting: the training seed and the data seed.
DATA_SEED_KEY = "data.seed"
SEED_KEYS = (SEED_KEY, DATA_SEED_KEY)


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings → dotted keys: ``{"train": {"lora": {"r": 8}}}`` → ``{"train.lora.r": 8}``.

    Lists and scalars are leaves.
    """
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def differing_keys(configs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Dotted keys whose value is not the same in every flattened config (a missing key counts
    as differing), in first-seen order, :data:`PLACEMENT_KEYS` left out."""
    keys: dict[str, None] = {}
    for config in configs:
        keys.update(dict.fromkeys(config))
    missing = object()
    return [key for key in keys if key not in PLACEMENT_KEYS
            and len({repr(c.get(key, missing)) for c in configs}) > 1]


def binomial_se(p: float | None, n: int | None) -> float | None:
    """The standard error of a share ``p`` measured on ``n`` trials; None without both.

    ``sqrt(p̃(1-p̃)/ñ)`` with the Agresti–Coull adjustment ``ñ = n + 4``, ``p̃ = (pn + 2)/ñ``
    (Agresti & Coull 1998, "Approximate is better than 'exact'…"): the textbook
    ``sqrt(p(1-p)/n)`` for large ``n`` (300 items at p = 0.8: 2.3 pp either way), but not
    zero for 0/n or n/n, which a few items say little about.
    """
    if p is None or not n:
        return None
    trials = n + 4
    share = (p * n + 2) / trials
    return math.sqrt(share * (1 - share) / trials)


@dataclass(frozen=True)
class Stat:
    """A ratio of a column with its noise (see the module docstring).

    Attributes:
        value: the share (0-1), mean over the column's runs; None when no run has it.
        se: its standard error; None when unknown.
        n: the denominator per run (mean over runs, rounded), e.g. 300 items or 232 attempts.
        values: the share of each run of the column, in order.
    """

    value: float | None
    se: float | None
    n: int | None
    values: list[float | None]

    @classmethod
    def of(cls, pairs: Sequence[tuple[float | None, int | None]], shared_items: bool = True) -> Stat:
        """From one ``(share, denominator)`` per run; ``shared_items`` False when the runs answered
        different test items (data seeds: see the module docstring for the two noise formulas)."""
        values = [v for v, _ in pairs]
        known = [(v, n) for v, n in pairs if v is not None]
        if not known:
            return cls(None, None, None, values)
        shares = [v for v, _ in known]
        mean = sum(shares) / len(shares)
        counts = [n for _, n in known if n]
        n = round(sum(counts) / len(counts)) if counts else None
        test = binomial_se(mean, n)
        if len(known) == 1 or test is None:
            return cls(mean, test, n, values)
        variance = statistics.stdev(shares) ** 2
        if not shared_items:
            return cls(mean, math.sqrt((variance + test**2) / len(shares)), n, values)
        return cls(mean, math.sqrt(variance / len(shares) + test**2), n, values)

    def text(self, with_n: bool = False) -> str:
        """``82.0 ± 2.2`` (percent), ``82.0 ± 2.2 (of 232)`` with ``with_n``; ``—`` when unknown."""
        if self.value is None:
            return "—"
        out = f"{100 * self.value:.1f}"
        if self.se is not None:
            out += f" ± {100 * self.se:.1f}"
        if with_n and self.n is not None:
            out += f" (of {self.n})"
        return out

    def to_json(self) -> dict[str, Any]:
        """The stat as ``compare.json`` records it."""
        return {"value": self.value, "se": self.se, "n": self.n, "values": self.values}


def _abstentions(m: Metrics) -> int | None:
    """Answers with no call and no attempt: ``no_tool_precision``'s denominator, recovered from
    the two no-tool ratios (``right = recall × no-tool items``, ``abstentions = right / precision``)."""
    row = m.per_tool.get(NO_TOOL)
    if m.no_tool_precision is None or m.no_tool_recall is None or row is None:
        return None
    right = round(m.no_tool_recall * row.n)
    return round(right / m.no_tool_precision) if m.no_tool_precision else None


def _category_n(name: str) -> Callable[[Metrics], int | None]:
    return lambda m: m.per_category[name].n if name in m.per_category else None


#: Denominator of each headline ratio (see toolschool.eval.metrics for the definitions).
DENOMINATORS: dict[str, Callable[[Metrics], int | None]] = {
    "accuracy": lambda m: m.n,
    "tool_selection_accuracy": lambda m: m.n,
    "argument_accuracy": lambda m: m.argument_calls,
    "syntax_validity": lambda m: m.attempted,
    "no_tool_precision": _abstentions,
    "no_tool_recall": lambda m: m.per_tool[NO_TOOL].n if NO_TOOL in m.per_tool else None,
    "parallel_accuracy": _category_n("parallel"),
    "chained_accuracy": _category_n("chained"),
}
#: Headline ratios: (label, Metrics path) in the order of the run report.
RATIOS = [(label, path) for label, path, kind in HEADLINE if kind == "pct"]
#: Ratios whose denominator is not the item count: their cells say it.
_OWN_DENOMINATOR = {"argument_accuracy", "syntax_validity", "no_tool_precision"}


@dataclass(frozen=True)
class RunRecord:
    """One run directory, read.

    Attributes:
        path: the run directory.
        config: its resolved run config, flattened to dotted keys.
        finetuned, base: the metrics of the fine-tuned and (if evaluated) the base model.
        info: the run's ``metrics.json`` (training numbers, timings, format, layout…).
        test_sha256: the SHA-256 of its ``data/test.jsonl`` (None when the file is gone).
    """

    path: Path
    config: dict[str, Any]
    finetuned: Metrics
    base: Metrics | None
    info: dict[str, Any]
    test_sha256: str | None


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _eval_items(eval_config: Mapping[str, Any], eval_dir: Path) -> Path | None:
    """The items file an evaluation answered: its ``data`` as written (relative to the directory
    it ran from, unknown here), so tried from the working directory, then beside the run."""
    data = eval_config.get("data")
    if not data:
        return None
    for candidate in (Path(data), eval_dir.parent / data, eval_dir.parent.parent / data):
        if candidate.is_file():
            return candidate
    return None


def _load_eval(run_dir: Path, info: dict[str, Any], eval_config: dict[str, Any]) -> RunRecord:
    """An evaluation directory: the evaluated run's config and training numbers (when ``model`` is
    a run directory; else just the model's name) with the evaluation's metrics and items."""
    tuned = Metrics.model_validate(info)
    model = str(eval_config.get("model") or "")
    run = None
    for candidate in (Path(model), run_dir.parent / model) if model else ():
        with contextlib.suppress(DataError):  # a bundled name, hub id or plain model directory
            run = load_run(candidate)
            break
    config: dict[str, Any] = dict(run.config) if run else {"model": model}
    run_info = ({k: v for k, v in run.info.items() if k not in ("base", "finetuned")} if run
                else {"model": model})
    # what the evaluation itself set (format, also_parse…) overrides the run's eval settings
    evaluated = flatten({k: v for k, v in eval_config.items() if k not in ("model", "out_dir")}, "eval.")
    config.update(evaluated)
    items = _eval_items(eval_config, run_dir)
    return RunRecord(run_dir, config, tuned, None, run_info, _sha256(items) if items else None)


def load_run(path: str | os.PathLike[str]) -> RunRecord:
    """Read a run directory, or an evaluation directory (``toolschool eval -o DIR``).

    Raises:
        DataError: ``path`` is not a directory, or not a finished run or evaluation (no
            ``config.yaml``, ``metrics.json`` or fine-tuned metrics), or its files do not parse.
    """
    from toolschool.config import read_config_file

    run_dir = Path(path)
    if not run_dir.is_dir():
        raise DataError(f"{run_dir}: no such run directory")
    missing = [name for name in ("config.yaml", "metrics.json") if not (run_dir / name).is_file()]
    if missing:
        raise DataError(f"{run_dir} is not a finished toolschool run (no {' or '.join(missing)}; "
                        "`toolschool run` writes them)")
    try:
        info = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
        config = read_config_file(run_dir / "config.yaml")
        if isinstance(info, dict) and "finetuned" not in info and "tool_selection_accuracy" in info:
            return _load_eval(run_dir, info, config)
        tuned = Metrics.model_validate(info["finetuned"]) if info.get("finetuned") else None
        base = Metrics.model_validate(info["base"]) if info.get("base") else None
    except (ValueError, KeyError, TypeError, ConfigError) as exc:
        raise DataError(f"{run_dir}: cannot read its metrics.json / config.yaml: {exc}") from None
    if tuned is None:
        raise DataError(f"{run_dir}/metrics.json has no fine-tuned metrics")
    return RunRecord(run_dir, flatten(config), tuned, base, info, _sha256(run_dir / "data" / "test.jsonl"))


@dataclass(frozen=True)
class Column:
    """Runs of one setting: its label, its knob values and its runs (several: seeds)."""

    label: str
    knobs: dict[str, Any]
    runs: list[RunRecord]

    @property
    def shared_items(self) -> bool:
        """Whether every run of the column answered the same test items (False: data seeds)."""
        return len({r.test_sha256 for r in self.runs}) <= 1

    def ratio(self, path: str, base: bool = False) -> Stat:
        """A headline ratio (a Metrics path such as ``tool_selection_accuracy``) with its noise."""
        sets = [r.base if base else r.finetuned for r in self.runs]
        return Stat.of([(read_metric(m, path), DENOMINATORS[path](m)) if m else (None, None) for m in sets],
                       self.shared_items)

    def row(self, attr: str, key: str) -> Stat:
        """Accuracy of one ``per_tool`` or ``per_category`` row of the fine-tuned model."""
        rows = [getattr(r.finetuned, attr).get(key) for r in self.runs]
        return Stat.of([(row.accuracy, row.n) if row else (None, None) for row in rows], self.shared_items)

    def training(self) -> dict[str, float | None]:
        """Mean over the runs: steps, first and final loss, tokens/s, seconds per stage, latency p50 (ms)."""
        def mean(values: list[Any]) -> float | None:
            known = [float(v) for v in values if v is not None]
            return sum(known) / len(known) if known else None

        train = [r.info.get("train") or {} for r in self.runs]
        timings = [r.info.get("timings_seconds") or {} for r in self.runs]
        return {
            "steps": mean([t.get("steps") for t in train]),
            "first_loss": mean([t.get("first_loss") for t in train]),
            "final_loss": mean([t.get("final_loss") for t in train]),
            "tokens_per_second": mean([t.get("tokens_per_second") for t in train]),
            "train_seconds": mean([t.get("train") for t in timings]),
            "eval_finetuned_seconds": mean([t.get("eval_finetuned") for t in timings]),
            "total_seconds": mean([t.get("total") for t in timings]),
            "latency_p50_ms": mean([r.finetuned.latency.p50 for r in self.runs]),
        }


@dataclass
class Comparison:
    """What :func:`compare` wrote.

    Attributes:
        out_dir: where.
        columns: one per setting, in the order the runs were given.
        knobs: the config keys that differ between columns (:data:`SEED_KEYS` left out).
        report_path, json_path: ``compare.md``, ``compare.json``.
        plots: the PNGs.
        warnings: e.g. runs tested on different items (with ``force``).
    """

    out_dir: Path
    columns: list[Column]
    knobs: list[str]
    report_path: Path
    json_path: Path
    plots: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def headline_rows(self, base: bool = False) -> list[list[str]]:
        """``[label, cell per column…]`` for each headline ratio (``base``: of the base model)."""
        return [[label, *_bold_best([c.ratio(path, base) for c in self.columns], path in _OWN_DENOMINATOR)]
                for label, path in RATIOS]


def _bold_best(stats: Sequence[Stat], with_n: bool = False) -> list[str]:
    cells = [s.text(with_n) for s in stats]
    known = [s.value for s in stats if s.value is not None]
    if len(stats) > 1 and known and known.count(max(known)) == 1 and len(set(known)) > 1:
        best = next(i for i, s in enumerate(stats) if s.value == max(known))
        cells[best] = f"**{cells[best]}**"
    return cells


def _value_text(value: Any) -> str:
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(", ", ": "))
    return "null" if value is None else str(value)


def parse_labels(items: Sequence[str]) -> dict[Path, str]:
    """``["hermes=runs/a", …]`` → ``{Path("runs/a"): "hermes", …}``.

    Raises:
        ConfigError: an item is not ``NAME=RUN``, or a run is named twice.
    """
    out: dict[Path, str] = {}
    problems = []
    for item in items:
        name, sep, run = item.partition("=")
        if not sep or not name.strip() or not run.strip():
            problems.append(f"--label {item!r}: expected NAME=RUN")
            continue
        path = Path(run.strip())
        if path in out:
            problems.append(f"--label: {path} named twice ({out[path]!r}, {name.strip()!r})")
        out[path] = name.strip()
    if problems:
        raise ConfigError("; ".join(problems))
    return out


def _columns(records: list[RunRecord], labels: Mapping[Path, str]) -> tuple[list[Column], list[str]]:
    """Group runs into columns: by the given labels, else by the values of the differing keys."""
    differing = differing_keys([r.config for r in records])
    knobs = [k for k in differing if k not in SEED_KEYS]
    seeds_only = not knobs and any(k in SEED_KEYS for k in differing)
    groups: dict[str, list[RunRecord]] = {}
    for record in records:
        if record.path.resolve() in labels:
            label = labels[record.path.resolve()]
        elif seeds_only:  # seeds of one setting: one column, their mean
            label = f"mean of {len(records)} seeds"
        elif knobs and len(knobs) == 1:
            label = _value_text(record.config.get(knobs[0]))
        elif knobs:
            label = ", ".join(f"{k}={_value_text(record.config.get(k))}" for k in knobs)
        else:  # identical settings, seeds too (repeats): one column per run
            label = record.path.name
            while label in groups:
                label += "'"
        groups.setdefault(label, []).append(record)
    columns = [Column(label, {k: runs[0].config.get(k) for k in knobs}, runs)
               for label, runs in groups.items()]
    return columns, knobs


def _check_items(records: list[RunRecord], columns: list[Column], force: bool) -> list[str]:
    """Warnings (with ``force``) about runs tested on different items; else raise.

    Runs of one ``data.seed`` must share their items; runs of different data seeds may not
    (each seed draws its own split), but then every column must hold the same data seeds.

    Raises:
        DataError: two runs of one data seed answered different items, or the columns hold
            different data seeds, and ``force`` is not set.
    """
    warnings = [f"{r.path}: its test items are gone; they cannot be checked"
                for r in records if r.test_sha256 is None]
    by_seed: dict[str, list[RunRecord]] = {}
    for record in records:
        if record.test_sha256 is not None:
            by_seed.setdefault(repr(record.config.get(DATA_SEED_KEY)), []).append(record)
    problems = []
    for group in by_seed.values():
        if len({(r.test_sha256, r.finetuned.n) for r in group}) > 1:
            listed = "; ".join(f"{r.path} ({r.finetuned.n} items, sha256 {r.test_sha256[:12]})"  # type: ignore[index]
                               for r in group)
            problems.append(f"the runs were tested on different items: {listed}. Their differences then "
                            "measure the items, not the settings (same data seed and size keep the test "
                            "split)")
    seeds = {c.label: sorted({repr(r.config.get(DATA_SEED_KEY)) for r in c.runs}) for c in columns}
    if len(by_seed) > 1 and len({tuple(v) for v in seeds.values()}) > 1:
        listed = "; ".join(f"{label}: {', '.join(v)}" for label, v in seeds.items())
        problems.append(f"the runs were tested on different items: the columns hold different data seeds "
                        f"({listed}), so their differences measure the items, not the settings")
    if problems and not force:
        raise DataError(" ".join(problems) + "; --force compares them anyway")
    return warnings + problems


def _numeric_knob(columns: list[Column], knobs: list[str]) -> list[float] | None:
    if len(knobs) != 1 or len(columns) < 2:
        return None
    values = [c.knobs[knobs[0]] for c in columns]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return [float(v) for v in values]
    return None


def _values(stats: Mapping[str, list[Stat]]) -> dict[str, list[float | None]]:
    return {label: [s.value for s in row] for label, row in stats.items()}


def _errors(stats: Mapping[str, list[Stat]]) -> dict[str, list[float | None]]:
    return {label: [s.se for s in row] for label, row in stats.items()}


def _plots(out_dir: Path, columns: list[Column], knobs: list[str]) -> list[Path]:
    from toolschool.eval.plots import plot_curves, plot_grouped_bars
    from toolschool.eval.report import ordered_keys

    labels = [c.label for c in columns]
    title = f"{', '.join(knobs) or 'runs'}: " if knobs else ""
    stats = {c.label: [c.ratio(path) for _, path in RATIOS] for c in columns}
    plots = [plot_grouped_bars([name for name, _ in RATIOS], _values(stats), out_dir / "metrics.png",
                               errors=_errors(stats), title=f"{title}fine-tuned metrics (± 1 s.e.)")]
    for attr, name in (("per_tool", "tool"), ("per_category", "category")):
        keys = ordered_keys({c.label: c.runs[0].finetuned for c in columns}, attr)
        rows = {c.label: [c.row(attr, k) for k in keys] for c in columns}
        counts = [next((s.n for c in labels for s in [rows[c][i]] if s.n), 0) for i in range(len(keys))]
        plots.append(plot_grouped_bars(
            [f"{k}\n(n={n})" for k, n in zip(keys, counts)], _values(rows), out_dir / f"{attr}.png",
            errors=_errors(rows),
            title=f"{title}accuracy per {name} (± 1 s.e.)", ylabel="accuracy (%)", empty=f"no {name}s"))
    xs = _numeric_knob(columns, knobs)
    if xs is not None:
        shown = [(label, path) for label, path in RATIOS if path in
                 ("accuracy", "tool_selection_accuracy", "argument_accuracy", "no_tool_recall")]
        series = {label: [c.ratio(path) for c in columns] for label, path in shown}
        plots.append(plot_curves(xs, _values(series), out_dir / f"vs_{knobs[0]}.png", errors=_errors(series),
                                 xlabel=knobs[0], title=f"fine-tuned metrics against {knobs[0]} (± 1 s.e.)"))
    return plots


def _training_rows(columns: list[Column]) -> list[list[str]]:
    rows = [("optimizer steps", "steps", "{:.0f}"), ("first loss", "first_loss", "{:.3f}"),
            ("final loss", "final_loss", "{:.3f}"), ("tokens/s", "tokens_per_second", "{:.0f}"),
            ("training s", "train_seconds", "{:.0f}"),
            ("fine-tuned eval s", "eval_finetuned_seconds", "{:.0f}"),
            ("run wall time s", "total_seconds", "{:.0f}"),
            ("latency p50 (ms, batched)", "latency_p50_ms", "{:.0f}")]
    numbers = [c.training() for c in columns]
    return [[name, *[pattern.format(n[key]) if n[key] is not None else "—" for n in numbers]]
            for name, key, pattern in rows]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _rel(path: Path, start: Path) -> str:
    try:
        return os.path.relpath(path, start)
    except ValueError:
        return str(path)


def _failure_rows(columns: list[Column]) -> list[str]:
    """The "Failures by kind" table: per failure kind the share of all test items (± SE), fine-tuned.

    Empty when no run recorded failure kinds (``metrics.json`` written before they existed).
    """
    from toolschool.eval.metrics import FAILURE_KINDS

    runs = [r.finetuned for c in columns for r in c.runs]
    kinds = [k for k in FAILURE_KINDS if any(m.failure_kinds.get(k) for m in runs)]
    if not kinds:
        return []
    rows = [[kind, *[Stat.of([(r.finetuned.failure_kinds.get(kind, 0) / r.finetuned.n if r.finetuned.n
                               else None, r.finetuned.n) for r in c.runs], c.shared_items).text()
                 for c in columns]]
            for kind in kinds]
    return ["## Failures by kind (fine-tuned, % of all items)", "",
            "Each wrong item has one kind, the first that applies (`toolschool.eval.metrics`).", "",
            *markdown_table(["kind", *[c.label for c in columns]], rows), ""]


def _render(comparison: Comparison, records: list[RunRecord]) -> str:
    from toolschool.eval.report import ordered_keys

    columns, knobs, out_dir = comparison.columns, comparison.knobs, comparison.out_dir
    labels = [c.label for c in columns]
    first = records[0]
    seeds = max(len(c.runs) for c in columns)
    out = [f"# Comparison: {', '.join(knobs) if knobs else 'runs'}", ""]
    out += [f"- **runs**: {_count(len(records), 'run')} in {_count(len(columns), 'column')}"
            + (f" (up to {seeds} seeds per column, averaged; seeds differ in `{SEED_KEY}` and/or "
               f"`{DATA_SEED_KEY}`)" if seeds > 1 else ""),
            f"- **knobs** (config keys that differ): {', '.join(f'`{k}`' for k in knobs) or 'none'}",
            f"- **model / test items**: {first.info.get('model', first.config.get('model'))} / "
            f"{first.finetuned.n} items" + (
                "" if comparison.warnings else " (the same items in every run)"
                if all(c.shared_items for c in columns)
                else " (each data seed its own split; the same data seeds in every column)"),
            "- **noise**: `a ± b` is a share in percent ± one standard error (binomial over the "
            "denominator; over seeds also their spread); bold is the best value of a row; values closer "
            "than about 2·√(SE₁² + SE₂²) are not told apart", ""]
    out += [f"> **warning**: {w}" for w in comparison.warnings] + ([""] if comparison.warnings else [])
    out += ["## Fine-tuned model", "", *markdown_table(["metric", *labels], comparison.headline_rows()), ""]
    if any(r.base is not None for c in columns for r in c.runs):
        out += ["## Base model (before training, same prompts)", "",
                *markdown_table(["metric", *labels], comparison.headline_rows(base=True)), ""]
    for attr, name in (("per_category", "category"), ("per_tool", "tool")):
        keys = ordered_keys({c.label: c.runs[0].finetuned for c in columns}, attr)
        rows = []
        for key in keys:
            stats = [c.row(attr, key) for c in columns]
            rows.append([key, str(next((s.n for s in stats if s.n), 0)), *_bold_best(stats)])
        out += [f"## Per {name} (fine-tuned accuracy)", "", *markdown_table([name, "n", *labels], rows), ""]
    out += _failure_rows(columns)
    out += ["## Training", "", *markdown_table(["", *labels], _training_rows(columns)), ""]
    out += ["## Runs", ""]
    runs = [[c.label, _rel(r.path, out_dir), *[str(r.config.get(k)) for k in SEED_KEYS],
             format_value(r.finetuned.tool_selection_accuracy, "pct")] for c in columns for r in c.runs]
    out += markdown_table(["column", "run directory", *SEED_KEYS, "tool selection"], runs) + [""]
    out += ["## Plots", "", *[f"![{p.stem}]({_rel(p, out_dir)})" for p in comparison.plots], ""]
    return "\n".join(out).rstrip() + "\n"


def _json(comparison: Comparison, records: list[RunRecord]) -> dict[str, Any]:
    from toolschool.eval.report import ordered_keys

    def ratios(column: Column, base: bool) -> dict[str, Any] | None:
        if base and all(r.base is None for r in column.runs):
            return None
        return {path: column.ratio(path, base).to_json() for _, path in RATIOS}

    cols = comparison.columns
    first = {x.label: x.runs[0].finetuned for x in cols}
    return {
        "knobs": comparison.knobs,
        "seed_keys": list(SEED_KEYS),
        "test_items": records[0].finetuned.n,
        "test_sha256": sorted({r.test_sha256 for r in records if r.test_sha256}),
        "warnings": comparison.warnings,
        "columns": [{
            "label": c.label,
            "knobs": c.knobs,
            "runs": [str(r.path) for r in c.runs],
            "finetuned": ratios(c, False),
            "base": ratios(c, True),
            **{attr: {k: c.row(attr, k).to_json() for k in ordered_keys(first, attr)}
               for attr in ("per_category", "per_tool")},
            "training": c.training(),
        } for c in cols],
        "plots": [p.name for p in comparison.plots],
    }


def default_out_dir(runs: Sequence[str | os.PathLike[str]]) -> Path:
    """The runs' common parent directory (an ablation's directory), else the current directory."""
    parents = [str(Path(r).resolve().parent) for r in runs]
    try:
        common = Path(os.path.commonpath(parents))
    except ValueError:
        return Path.cwd()
    return common if common != Path(common.anchor) else Path.cwd()


def compare(
    runs: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    labels: Mapping[str | os.PathLike[str], str] | None = None,
    force: bool = False,
) -> Comparison:
    """Read the runs, group them into columns and write ``compare.md``, ``compare.json`` and the plots.

    Args:
        runs: run directories, in column order (duplicates are read once).
        out_dir: where to write (default :func:`default_out_dir`).
        labels: run directory → column name (runs with the same name share a column).
        force: compare runs tested on different items (a warning in the report).

    Raises:
        DataError: no runs; a directory is not a finished run; runs tested on different
            items without ``force``.
        ConfigError: a label names a run that is not compared.
    """
    paths = list(dict.fromkeys(Path(r).resolve() for r in runs))
    if not paths:
        raise DataError("compare: no run directories given")
    named = {Path(k).resolve(): v for k, v in (labels or {}).items()}
    stray = [str(p) for p in named if p not in paths]
    if stray:
        raise ConfigError(f"--label names runs that are not compared: {', '.join(stray)}")
    records = [load_run(p) for p in paths]
    columns, knobs = _columns(records, named)
    warnings = _check_items(records, columns, force)
    out = Path(out_dir) if out_dir is not None else default_out_dir(paths)
    out.mkdir(parents=True, exist_ok=True)
    comparison = Comparison(out, columns, knobs, out / "compare.md", out / "compare.json", warnings=warnings)
    comparison.plots = _plots(out, columns, knobs)
    atomic_write_text(comparison.json_path, json.dumps(_json(comparison, records), indent=2) + "\n")
    atomic_write_text(comparison.report_path, _render(comparison, records))
    return comparison
