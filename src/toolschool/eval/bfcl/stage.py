"""The eval stage on BFCL files: ask the model, decode, check with BFCL's rules, aggregate.

Called by :func:`toolschool.eval.stage.run` when ``config.bfcl`` is set; it shares the stage's
model loading, backend and prediction writing (:func:`toolschool.eval.stage.prepare`,
:func:`~toolschool.eval.stage.make_backend`, :func:`toolschool.eval.runner.predict`).

Prompting: each item's first turn, with its functions as the declared tools
(:func:`toolschool.eval.bfcl.data.to_tool_schema`), rendered in the model's own wire format and
layout with its system prompt (an item's own system message replaces it, as for any eval
item). Output directory: ``predictions.jsonl`` (written as answers arrive),
``bfcl_verdicts.jsonl`` (one verdict per item, with BFCL's error type), ``bfcl_scores.json``
(:class:`~toolschool.eval.bfcl.scores.BfclScores`), ``report.md``, ``bfcl.png``, ``config.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from toolschool.errors import DataError
from toolschool.eval.bfcl.checker import check_entry, jsonable
from toolschool.eval.bfcl.data import BfclEntry, entry_tools, load_bfcl
from toolschool.eval.bfcl.decoding import Decoded, decode_calls, decode_python
from toolschool.eval.bfcl.scores import BfclScores, BfclVerdict, aggregate
from toolschool.eval.config import EvalConfig
from toolschool.eval.items import Prediction
from toolschool.files import atomic_write_text
from toolschool.progress import Progress

if TYPE_CHECKING:
    from toolschool.eval.stage import EvalResult
    from toolschool.models import LoadedModel


def decode(prediction: Prediction, decoder: str = "calls") -> Decoded:
    """BFCL's decoded output of one prediction: its parsed calls, or BFCL's Python decoder on
    its raw text (``decoder="python"``; see :mod:`toolschool.eval.bfcl.decoding`)."""
    if decoder == "python":
        return decode_python(prediction.raw)
    return Decoded(decode_calls(prediction.calls))


def judge(
    entry: BfclEntry, prediction: Prediction | None, decoder: str = "calls", underscore_to_dot: bool = True
) -> BfclVerdict:
    """The BFCL verdict on one item; a missing prediction is wrong (as unanswered items in BFCL)."""
    if prediction is None:
        return BfclVerdict(
            id=entry.id,
            category=entry.category,
            valid=False,
            error_type="missing_prediction",
            errors=["no prediction for this item"],
        )
    decoded = decode(prediction, decoder)
    result = check_entry(entry, decoded.value, decoded.error, underscore_to_dot)
    no_call = decoded.error is not None or not decoded.value
    return BfclVerdict(
        id=entry.id,
        category=entry.category,
        valid=result.valid,
        error_type=None if result.valid else result.error_type,
        errors=jsonable(result.errors),
        decoded=None if decoded.error is not None else jsonable(decoded.value),
        decode_error=decoded.error,
        attempted_unparsed=prediction.attempted and no_call,
    )


def score_predictions(
    entries: Sequence[BfclEntry],
    predictions: Sequence[Prediction],
    decoder: str = "calls",
    underscore_names: bool = True,
) -> tuple[list[BfclVerdict], BfclScores]:
    """Verdicts (in entry order) and scores of predictions, e.g. a ``predictions.jsonl`` read back.

    ``underscore_names`` says the model was offered names with dots replaced by ``_`` (the
    checker then compares with BFCL's ``underscore_to_dot``).
    """
    by_id = {p.id: p for p in predictions}
    verdicts = [judge(e, by_id.get(e.id), decoder, underscore_names) for e in entries]
    return verdicts, aggregate(verdicts, underscore_names, decoder)


def load_entries(paths: Sequence[str], limit: int | None = None) -> list[BfclEntry]:
    """The entries of several BFCL files, in order (:func:`~toolschool.eval.bfcl.data.load_bfcl`).

    Raises:
        DataError: as ``load_bfcl``, or an id that occurs in two files.
    """
    entries: list[BfclEntry] = []
    first: dict[str, str] = {}
    for path in paths:
        for entry in load_bfcl(path, limit=limit):
            if entry.id in first:
                raise DataError(f"{path}: id {entry.id!r} also occurs in {first[entry.id]}")
            first[entry.id] = str(path)
            entries.append(entry)
    return entries


def run_bfcl(config: EvalConfig, progress: Progress, loaded: LoadedModel | None = None) -> EvalResult:
    """Evaluate ``config.model`` on the ``config.bfcl`` files (module docstring).

    Raises:
        DataError: a BFCL file is malformed or unsupported (see ``load_entries``);
        ModelLoadError: the model cannot be loaded.
    """
    from toolschool.backends.local import ChatRequest
    from toolschool.eval.bfcl.report import plot_bfcl, render_bfcl_report
    from toolschool.eval.runner import predict
    from toolschool.eval.stage import EvalResult, make_backend, note_backend, prepare

    assert config.bfcl
    entries = load_entries(config.bfcl, config.limit)
    warnings = [] if entries else [f"{', '.join(config.bfcl)}: no BFCL items, nothing was evaluated"]
    setup = prepare(config, bool(entries), progress, loaded)
    out = setup.out
    if not entries:
        return EvalResult(
            None,
            [],
            out,
            out / "predictions.jsonl",
            None,
            0.0,
            setup.format,
            setup.layout or "",
            setup.system_prompt,
            str(config.model),
            warnings,
        )
    backend, fmt, layout, label = make_backend(config, setup)
    underscore = config.bfcl_names == "underscore"
    requests = [ChatRequest(messages=e.messages, tools=entry_tools(e, underscore)) for e in entries]
    progress.start("eval", len(entries))
    predictions, path, seconds = predict(
        [e.id for e in entries],
        requests,
        backend,
        fmt,
        out,
        on_progress=lambda n: progress.advance("eval", n),
    )
    progress.finish("eval")
    verdicts, scores = score_predictions(entries, predictions, config.bfcl_decoder, underscore)
    atomic_write_text(out / "bfcl_verdicts.jsonl", "".join(v.model_dump_json() + "\n" for v in verdicts))
    atomic_write_text(out / "bfcl_scores.json", scores.model_dump_json(indent=2) + "\n")
    context = {
        "model": str(config.model),
        "format": setup.format,
        "layout": layout.name,
        "files": ", ".join(config.bfcl),
        "items": str(len(entries)),
        "wall time": f"{seconds:.0f}s",
    }
    note_backend(config, backend, out, context)
    plot = plot_bfcl(scores, out / "bfcl.png", title=f"{label} on BFCL")
    report = render_bfcl_report(
        scores,
        verdicts,
        {p.id: p for p in predictions},
        title=f"toolschool eval: {config.model} on BFCL",
        context=context,
        plot=plot.name,
    )
    report_path = atomic_write_text(out / "report.md", report)
    return EvalResult(
        None,
        predictions,
        out,
        path or out / "predictions.jsonl",
        report_path,
        seconds,
        setup.format,
        layout.name,
        setup.system_prompt,
        str(config.model),
        warnings,
        bfcl=scores,
    )
