"""The evaluation stage: ``run(config, progress, loaded=None) -> EvalResult``.

The model is a run directory (its training ``config.yaml`` supplies the format, layout and
system prompt it was trained with, and its adapter is merged), a model name accepted by
:func:`toolschool.models.load_model` (then ``format`` defaults to ``tool_use``), or a model
already in memory (``loaded``, as the pipeline passes it), or an OpenAI-compatible endpoint
(``http(s)://…``, model name ``api_model``) asked in ``api_mode``: native ``tools``, or
``prompt``/``completions`` whose text is parsed with ``format`` in ``layout`` (default ChatML;
:class:`~toolschool.backends.openai_http.OpenAIBackend`). Output directory:
``predictions.jsonl``, ``metrics.json``, ``config.yaml``, ``report.md``, ``confusion.png``,
``per_tool.png``, ``failure_kinds.png``; with ``bfcl`` files, :mod:`toolschool.eval.bfcl.stage`
writes BFCL's scores.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolschool.config import dump_config
from toolschool.eval.config import EvalConfig
from toolschool.files import atomic_write_text
from toolschool.progress import NullProgress, Progress

if TYPE_CHECKING:
    from toolschool.chat.prompt import Layout
    from toolschool.eval.bfcl.scores import BfclScores
    from toolschool.eval.items import Prediction
    from toolschool.eval.metrics import Metrics
    from toolschool.formats.base import ToolFormat
    from toolschool.models import LoadedModel

__all__ = ["EvalConfig", "EvalResult", "run"]


@dataclass
class EvalResult:
    """Metrics of one evaluation and where everything was written.

    Attributes:
        metrics: the aggregate metrics (None when the eval file had no items).
        predictions: one per item, in item order.
        out_dir, predictions_path, report_path: the output.
        seconds: wall time of generation and parsing.
        format, layout, system_prompt: how the model was prompted and parsed.
        model: the model evaluated, as named in the config.
        warnings: things the user should know that did not stop the evaluation.
        bfcl: BFCL scores when the items were BFCL files (``metrics`` is then None).
    """

    metrics: Metrics | None
    predictions: list[Prediction]
    out_dir: Path
    predictions_path: Path
    report_path: Path | None
    seconds: float
    format: str
    layout: str
    system_prompt: str
    model: str
    warnings: list[str] = field(default_factory=list)
    bfcl: BfclScores | None = None


def _default_out(config: EvalConfig, trained: bool) -> Path:
    stem = "bfcl" if config.bfcl else Path(str(config.data)).stem
    if trained:
        return Path(str(config.model)) / "eval" / stem
    name = str(config.api_model) if config.endpoint else Path(str(config.model)).name
    return Path("runs") / f"eval-{stem}-{name.replace(':', '-').replace('/', '-')}"


@dataclass
class EvalSetup:
    """How one evaluation prompts and where it writes (:func:`prepare`).

    Attributes:
        out: the output directory (``config.yaml`` already written there).
        format, system_prompt, layout: the resolved prompt settings (layout None = the model's own).
        loaded: the model, None for an endpoint or when there was nothing to evaluate.
    """

    out: Path
    format: str
    system_prompt: str
    layout: str | None
    loaded: LoadedModel | None


def prepare(
    config: EvalConfig, has_items: bool, progress: Progress, loaded: LoadedModel | None = None
) -> EvalSetup:
    """Load the model (unless ``loaded``, an endpoint, or nothing to evaluate), resolve the
    format, system prompt and layout (a run directory's own, else the config's), pick the
    output directory and write the resolved ``config.yaml`` there.

    Raises:
        ModelLoadError: the model cannot be loaded.
    """
    from toolschool.models.loading import is_run_dir, load_for_prompting, prompt_settings

    trained = loaded is None and not config.endpoint and is_run_dir(str(config.model))
    settings = prompt_settings(config.format, config.system_prompt, config.layout)
    if has_items and loaded is None and not config.endpoint:
        progress.start("load model", None)
        loaded, settings = load_for_prompting(
            str(config.model), config.format, config.system_prompt, config.layout
        )
        progress.finish("load model")
    out = Path(config.out_dir) if config.out_dir else _default_out(config, trained)
    resolved = config.model_copy(
        update={"format": settings.format, "system_prompt": settings.system_prompt, "out_dir": str(out)}
    )
    dump_config(resolved, out / "config.yaml")
    return EvalSetup(out, settings.format, settings.system_prompt, settings.layout, loaded)


def make_backend(config: EvalConfig, setup: EvalSetup) -> tuple[Any, ToolFormat, Layout, str]:
    """The backend that answers (an endpoint's :class:`~toolschool.backends.openai_http.OpenAIBackend`,
    else the batched local backend over ``setup.loaded``, merged and cast for generation in
    place), the wire format that parses its answers, the layout of its prompts and its label."""
    from toolschool.backends.local import LocalBackend, prepare_for_inference
    from toolschool.formats import get_format

    fmt = get_format(setup.format, lenient=config.lenient)
    if config.also_parse:
        from toolschool.formats.fallback import FallbackParsing

        fmt = FallbackParsing(fmt, [get_format(name, lenient=True) for name in config.also_parse])
    if config.endpoint:
        from toolschool.backends.openai_http import OpenAIBackend
        from toolschool.chat.resolve import resolve_layout

        layout = resolve_layout(None, setup.layout or "chatml")
        backend: Any = OpenAIBackend(
            str(config.model), str(config.api_model), api_key_env=config.api_key_env,
            max_tokens=config.max_new_tokens, mode=config.api_mode, fmt=fmt, layout=layout,
            system=setup.system_prompt,
        )
        return backend, fmt, layout, str(config.api_model)
    assert setup.loaded is not None
    layout = setup.loaded.layout(setup.layout, setup.format, native=True)
    model = prepare_for_inference(setup.loaded.model, config.dtype)
    backend = LocalBackend(
        model, setup.loaded.tokenizer, fmt, setup.system_prompt, config.batch_size, config.max_new_tokens,
        call_window=config.call_window, layout=layout, constrained=config.constrained,
    )
    return backend, fmt, layout, Path(str(config.model)).name


def note_backend(config: EvalConfig, backend: Any, out: Path, context: dict[str, str]) -> None:
    """Add the endpoint to the report context; with constrained decoding write
    ``constraint.json`` and add its summary."""
    if config.endpoint:
        context["endpoint"] = f"{config.model} ({config.api_mode})"
    if config.constrained:
        stats = backend.constraint_stats
        atomic_write_text(out / "constraint.json", json.dumps(stats.as_dict(), indent=2) + "\n")
        context["constrained decoding"] = stats.summary()


def run(
    config: EvalConfig, progress: Progress | None = None, loaded: LoadedModel | None = None
) -> EvalResult:
    """Evaluate ``config.model`` (or ``loaded``) on ``config.data`` (or the ``config.bfcl`` files).

    Args:
        config: ``model`` and one of ``data``/``bfcl`` must be set (``model`` names ``loaded``
            when given).
        progress: receives ``load model`` and ``eval`` progress.
        loaded: a model already in memory (float32 or a peft-wrapped model; it is merged
            and cast for generation in place). None loads ``config.model``.

    Raises:
        ConfigError: ``data``/``bfcl`` or ``model`` missing; DataError: the eval file is
        malformed; ModelLoadError: the model cannot be loaded.
    """
    from toolschool.eval.items import load_items
    from toolschool.eval.plots import plot_confusion, plot_failure_kinds, plot_per_tool
    from toolschool.eval.report import render_report
    from toolschool.eval.runner import evaluate
    from toolschool.tools import get_toolkit

    config.require()
    progress = progress or NullProgress()
    if config.bfcl:
        from toolschool.eval.bfcl.stage import run_bfcl

        return run_bfcl(config, progress, loaded)
    items = load_items(str(config.data))
    if config.limit:
        items = items[: config.limit]
    warnings = [] if items else [f"{config.data} has no eval items: nothing was evaluated"]
    setup = prepare(config, bool(items), progress, loaded)
    out = setup.out
    if not items:
        return EvalResult(None, [], out, out / "predictions.jsonl", None, 0.0, setup.format,
                          setup.layout or "", setup.system_prompt, str(config.model), warnings)

    backend, fmt, layout, label = make_backend(config, setup)
    fmt_name, system = setup.format, setup.system_prompt
    progress.start("eval", len(items))
    outcome = evaluate(
        items, backend, fmt, get_toolkit(config.toolkit), out, label,
        on_progress=lambda n: progress.advance("eval", n),
    )
    progress.finish("eval")
    atomic_write_text(out / "metrics.json", outcome.metrics.model_dump_json(indent=2) + "\n")
    context = {"format": fmt_name, "layout": layout.name, "items": str(len(items)),
               "wall time": f"{outcome.seconds:.0f}s"}
    note_backend(config, backend, out, context)
    if config.also_parse:
        fixes = [r.split(": ", 1)[-1] for p in outcome.predictions for r in p.repairs]
        read = Counter(f.removeprefix("read as ") for f in fixes if f.startswith("read as "))
        context["also parsed"] = ", ".join(
            f"{name} ({read.get(name, 0)} answers)" for name in config.also_parse
        ) + f" when {fmt_name} found no call"
    stem = Path(str(config.data)).stem
    plots = [
        plot_confusion(outcome.metrics, out / "confusion.png", title=f"{label} on {stem}"),
        plot_per_tool({label: outcome.metrics}, out / "per_tool.png"),
        plot_failure_kinds({label: outcome.metrics}, out / "failure_kinds.png"),
    ]
    report = render_report(
        {label: outcome.metrics},
        title=f"toolschool eval: {config.model} on {config.data}",
        context=context,
        plots=[p.name for p in plots],
    )
    report_path = atomic_write_text(out / "report.md", report)
    return EvalResult(
        outcome.metrics, outcome.predictions, out, out / "predictions.jsonl", report_path, outcome.seconds,
        fmt_name, layout.name, system, str(config.model), warnings,
    )
