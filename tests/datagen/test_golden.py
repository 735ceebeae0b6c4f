"""Golden hashes of generated data: refactors of datagen/ must keep the output byte-identical.

Three fingerprints are pinned:

* the files ``generate()`` writes for the default :class:`DataConfig` and for a second,
  smaller config with another seed;
* the catalogue itself: every family's name, category, tool, group, language and
  templates, in order;
* a fixed number of requests drawn from *every* family (text, protected values, calls,
  answer, chain), so each maker and pool is covered even when a split never samples it.

If a change is *meant* to alter generated data, recompute the constants with
``python tests/datagen/test_golden.py`` and explain the change in the commit message.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import sys
import tempfile
from pathlib import Path

from toolschool.datagen import DataConfig, generate
from toolschool.datagen.catalog import families_for
from toolschool.datagen.records import draw_sample

FILES = ("train.jsonl", "val.jsonl", "test.jsonl", "data_card.json")
CONFIGS = {
    "default": DataConfig(),
    "seed1": DataConfig(seed=1, n_train=300, n_val=50, n_test=120, noise=0.6),
}
DRAWS_PER_FAMILY = 12

GOLDEN_FILES = {
    "default": {
        "train.jsonl": "8624ff4e9184fcc4e220f130923a3b60afa07389601108145b1628e31a731f76",
        "val.jsonl": "658e3863bc05830ba74ce0d7ff3c80374aab3f4f5e6c7f9b89b91aac5c08bbbf",
        "test.jsonl": "502e8ff621cecec990fa73fddf375538dd29331c11b254d2dd034546101d4ff7",
        "data_card.json": "cdbf9eb1c475a72cd46378348b136082bf2368fce224f74b12e9dcd59212ce67",
    },
    "seed1": {
        "train.jsonl": "1a917fa7c77bff77c214452f5443bd793e00fda455bead81505c34e0c3faa6e7",
        "val.jsonl": "eb05f533d573560186d193e41c14cc1957d1f6042bd4e7469d92ecaaf09dba54",
        "test.jsonl": "310863b09f14b2bcb5c1c8fa714e9a4b6b706d6f43f7489c6dfac9a51d10fb30",
        "data_card.json": "8374f9313e6430c1bfa9bff258017e9828e19182658d6d928b45e01878c23f49",
    },
}
GOLDEN_CATALOG = "0d673ef2b9432168eb979996cf53b5adf09808c36254ac728c0af33f37709625"
GOLDEN_DRAWS = "31295c5c85f5639b310de9f51cbe975ce2391cdf9af2855a51a737aceb970840"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_hashes(config: DataConfig, out: Path) -> dict[str, str]:
    """sha256 of every file ``generate(config)`` writes."""
    generate(config, out)
    return {name: _sha((out / name).read_bytes()) for name in FILES}


def catalog_hash() -> str:
    """sha256 of a canonical dump of every family's fields, in catalogue order."""
    rows = [[f.name, f.category, f.tool, f.group, f.lang, list(f.templates)]
            for f in families_for("assistant")]
    return _sha(json.dumps(rows, ensure_ascii=False).encode("utf-8"))


def draws_hash() -> str:
    """sha256 of ``DRAWS_PER_FAMILY`` requests drawn from every family (seeded by its name)."""
    rows = []
    for family in families_for("assistant"):
        rng = random.Random(f"golden/{family.name}")
        for _ in range(DRAWS_PER_FAMILY):
            sample = draw_sample(family, rng, 0.5)
            draw = sample.draw
            rows.append([family.name, sample.text, sample.base, sample.protected, draw.answer,
                         [dataclasses.asdict(c) for c in draw.calls],
                         dataclasses.asdict(draw.chain) if draw.chain else None])
    return _sha(json.dumps(rows, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))


def test_catalog_is_unchanged():
    assert catalog_hash() == GOLDEN_CATALOG


def test_draws_of_every_family_are_unchanged():
    assert draws_hash() == GOLDEN_DRAWS


def test_generated_files_are_unchanged(tmp_path: Path):
    for key, config in CONFIGS.items():
        assert file_hashes(config, tmp_path / key) == GOLDEN_FILES[key], key


if __name__ == "__main__":  # print the constants for the current code
    with tempfile.TemporaryDirectory() as tmp:
        files = {key: file_hashes(config, Path(tmp) / key) for key, config in CONFIGS.items()}
    json.dump({"GOLDEN_FILES": files, "GOLDEN_CATALOG": catalog_hash(), "GOLDEN_DRAWS": draws_hash()},
              sys.stdout, indent=4)
    print()
