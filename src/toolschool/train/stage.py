"""The training stage on its own: load the model, read conversations, fine-tune, save.

Output directory: ``config.yaml`` (the resolved :class:`TrainConfig`; with ``adapter/`` it
makes the directory loadable by :func:`toolschool.models.load_trained`), ``adapter/``,
``train_log.jsonl``, ``train_result.json``, ``loss.png``.
"""

from __future__ import annotations

import os
from pathlib import Path

from toolschool.config import dump_config
from toolschool.errors import DataError
from toolschool.progress import NullProgress, Progress
from toolschool.train.config import TrainConfig
from toolschool.train.sft import TrainResult, train


def run(
    config: TrainConfig, data: str | os.PathLike[str], out_dir: str | os.PathLike[str], progress: Progress | None = None
) -> TrainResult:
    """Fine-tune ``config.model`` on the conversations in ``data`` (JSONL) into ``out_dir``.

    Raises:
        DataError: the data file is missing, malformed or empty.
        ModelLoadError: the model cannot be loaded.
    """
    from toolschool.eval.plots import plot_loss
    from toolschool.models import load_model
    from toolschool.types import Conversation, read_jsonl

    progress = progress or NullProgress()
    path = Path(data)
    if not path.is_file():
        raise DataError(f"training data {path} does not exist")
    conversations = read_jsonl(path, Conversation)
    if not conversations:
        raise DataError(f"training data {path} has no conversations")
    out = Path(out_dir)
    dump_config(config, out / "config.yaml")
    progress.start("load model", None)
    loaded = load_model(config.model, dtype="float32")
    progress.finish("load model")

    def on_step(step: int, total: int, loss: float) -> None:
        if step == 1:
            progress.start("train", total)
        progress.advance("train", 1, loss=round(loss, 4))

    result = train(config, conversations, out, loaded.model, loaded.tokenizer, on_step=on_step)
    progress.finish("train")
    result.extra.pop("model", None)
    plot_loss([s for s, _ in result.losses], [v for _, v in result.losses], out / "loss.png")
    return result
