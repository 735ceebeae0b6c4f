"""Running an evaluation: items → backend answers → parsed calls → predictions → metrics.

Predictions are appended to ``predictions.jsonl`` chunk by chunk as they arrive, so a
crash keeps what was computed; the metrics are computed over all items at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolschool.backends.local import ChatRequest, Completion
from toolschool.eval.items import EvalItem, Prediction
from toolschool.eval.metrics import compute_metrics
from toolschool.formats.base import ToolFormat
from toolschool.types import ToolSchema, append_jsonl


@dataclass
class EvalOutcome:
    """Metrics plus the predictions they were computed from.

    Attributes:
        metrics: :class:`toolschool.eval.metrics.Metrics`.
        predictions: one per item, in item order.
        predictions_path: where they were written (None when no ``out_dir``).
        seconds: wall time of generation and parsing.
    """

    label: str
    metrics: Any
    predictions: list[Prediction]
    predictions_path: Path | None
    seconds: float


def to_prediction(item_id: str, completion: Completion, fmt: ToolFormat) -> Prediction:
    """Turn one backend answer to item ``item_id`` into a :class:`Prediction`, parsing ``raw`` with ``fmt``.

    A backend that returns structured calls (``completion.calls`` not None) is trusted
    as-is; otherwise the raw text is parsed and parse errors become ``error``.
    """
    if completion.calls is not None:
        return Prediction(
            id=item_id,
            raw=completion.raw,
            calls=completion.calls,
            attempted=bool(completion.calls),
            latency_ms=completion.latency_ms,
            finish_reason=completion.finish_reason,
        )
    parsed = fmt.parse(completion.raw)
    return Prediction(
        id=item_id,
        raw=completion.raw,
        calls=parsed.calls,
        error="; ".join(str(e) for e in parsed.errors) or None,
        attempted=parsed.attempted or bool(parsed.calls),
        latency_ms=completion.latency_ms,
        repairs=[str(r) for r in parsed.repairs],
        finish_reason=completion.finish_reason,
    )


def predict(
    ids: Sequence[str],
    requests: Sequence[ChatRequest],
    backend: Any,
    fmt: ToolFormat,
    out_dir: Path | None = None,
    on_progress: Callable[[int], None] | None = None,
    chunk_size: int = 128,
) -> tuple[list[Prediction], Path | None, float]:
    """Ask ``backend`` for the next turn of every request and parse the answers.

    Args:
        ids: one item id per request.
        requests: the conversations and their tools.
        backend: anything with ``complete(list[ChatRequest], on_batch) -> list[Completion]``.
        fmt: wire format used to parse raw answers.
        out_dir: when given, ``predictions.jsonl`` is (re)written there, chunk by chunk.
        on_progress: called with the number of items answered after each batch.
        chunk_size: requests sent to the backend at once; predictions are appended to disk
            after each chunk (the backend length-sorts within a chunk).

    Returns:
        The predictions in request order, where they were written (None without ``out_dir``),
        and the wall time in seconds.
    """
    path = None
    if out_dir is not None:
        path = Path(out_dir) / "predictions.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    start = time.perf_counter()
    predictions: list[Prediction] = []
    for lo in range(0, len(requests), chunk_size):
        completions = backend.complete(list(requests[lo : lo + chunk_size]), on_batch=on_progress)
        for item_id, completion in zip(ids[lo : lo + chunk_size], completions):
            prediction = to_prediction(item_id, completion, fmt)
            predictions.append(prediction)
            if path is not None:
                append_jsonl(path, prediction)
    return predictions, path, time.perf_counter() - start


def evaluate(
    items: list[EvalItem],
    backend: Any,
    fmt: ToolFormat,
    default_tools: list[ToolSchema],
    out_dir: Path | None = None,
    label: str = "model",
    on_progress: Callable[[int], None] | None = None,
    chunk_size: int = 128,
) -> EvalOutcome:
    """Ask ``backend`` for the next turn of every item and score the answers (:func:`predict`).

    Args:
        items: eval items; an item without ``tools`` gets ``default_tools``.
        backend, fmt, out_dir, on_progress, chunk_size: as :func:`predict`.
        default_tools: the run's toolkit.
    """
    tools_by_item = {it.id: (it.tools if it.tools is not None else default_tools) for it in items}
    requests = [ChatRequest(messages=it.messages, tools=tools_by_item[it.id]) for it in items]
    predictions, path, seconds = predict(
        [it.id for it in items], requests, backend, fmt, out_dir, on_progress, chunk_size
    )
    metrics = compute_metrics(items, predictions, tools_by_item)
    return EvalOutcome(label, metrics, predictions, path, seconds)
