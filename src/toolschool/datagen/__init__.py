"""Seeded template data generation: training conversations and held-out test items.

``generate(DataConfig(...), out_dir)`` writes ``train.jsonl``, ``val.jsonl``,
``test.jsonl`` and ``data_card.json`` and returns a :class:`DataResult`. Test items come
only from template families never used for train/val (see :mod:`.splits`).
"""

from __future__ import annotations

from toolschool.datagen.config import DataConfig
from toolschool.datagen.generator import DataResult, generate

__all__ = ["DataConfig", "DataResult", "generate"]
