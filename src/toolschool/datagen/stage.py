"""The data stage: ``run(config, progress) -> DataResult``.

Writes ``train.jsonl``, ``val.jsonl``, ``test.jsonl``, ``data_card.json`` and the resolved
``config.yaml`` into ``config.out_dir``; ``toolschool data generate -c <out_dir>/config.yaml``
writes the same files again, byte for byte.
"""

from __future__ import annotations

from pathlib import Path

from toolschool.config import dump_config
from toolschool.datagen.config import DataConfig
from toolschool.datagen.generator import DataResult, generate
from toolschool.progress import NullProgress, Progress


def run(config: DataConfig, progress: Progress | None = None) -> DataResult:
    """Generate the data of ``config`` into ``config.out_dir`` (see :func:`generate`).

    Raises:
        ArgumentValidationError: a generated call does not match its tool schema (a bug).
    """
    progress = progress or NullProgress()
    progress.start("data", None)
    result = generate(config, config.out_dir)
    dump_config(config, Path(config.out_dir) / "config.yaml")
    progress.finish("data")
    return result
