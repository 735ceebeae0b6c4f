"""The data-generation stage: ``generate(config, out_dir) -> DataResult``.

Steps, all seeded by ``config.seed``:

1. take the toolkit's template families and hold out a share of each
   (category, group) for test (:func:`~toolschool.datagen.splits.split_families`);
2. fill test, then val, then train: per category, round-robin over the groups (so every
   tool is represented) and a random family within the group; a request whose normalised
   text was already produced is redrawn (test wins);
3. validate every call against its tool schema (an invalid call is a generator bug and
   raises :class:`~toolschool.errors.ArgumentValidationError`);
4. write ``train.jsonl`` / ``val.jsonl`` (Conversations), ``test.jsonl`` (eval items) and
   ``data_card.json`` atomically.

The same config gives byte-identical files.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolschool.datagen.catalog import families_for
from toolschool.datagen.config import DataConfig
from toolschool.datagen.family import CATEGORIES, Family
from toolschool.datagen.records import GeneratedRequest, draw_sample, to_conversation, to_test_item
from toolschool.datagen.splits import RequestDeduplicator, leakage_report, split_families
from toolschool.errors import ArgumentValidationError
from toolschool.files import atomic_write_text
from toolschool.tools.schema import validate_arguments
from toolschool.tools.toolkits import get_toolkit
from toolschool.types import ToolSchema, write_jsonl

_MAX_ATTEMPTS = 60
_BY_GROUP = {"single", "chained"}


@dataclass(frozen=True)
class DataResult:
    """What :func:`generate` wrote.

    Attributes:
        train_path, val_path, test_path, card_path: the files.
        counts: records per split (``{"train": n, "val": n, "test": n}``).
        leakage_share: share of test requests with trigram Jaccard > 0.8 to a train request.
        shortfall: per split, records that could not be drawn without duplicates.
    """

    train_path: Path
    val_path: Path
    test_path: Path
    card_path: Path
    counts: dict[str, int]
    leakage_share: float
    shortfall: dict[str, int] = field(default_factory=dict)


@dataclass
class Built:
    """In-memory result of :func:`build`: samples per split plus bookkeeping."""

    samples: dict[str, list[GeneratedRequest]]
    train_families: list[Family]
    test_families: list[Family]
    dropped: dict[str, int]
    shortfall: dict[str, int]
    tools: list[ToolSchema]


def allocate(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Split ``total`` by ``shares`` with the largest-remainder method (ties by order)."""
    raw = {k: total * s for k, s in shares.items()}
    counts = {k: int(v) for k, v in raw.items()}
    rest = total - sum(counts.values())
    for key in sorted(raw, key=lambda k: (-(raw[k] - counts[k]), list(shares).index(k)))[:rest]:
        counts[key] += 1
    return counts


def validate_sample(sample: GeneratedRequest, schemas: dict[str, ToolSchema]) -> None:
    """Check every call of ``sample`` against its tool schema.

    Raises:
        ArgumentValidationError: a call does not validate (the message names the family).
        ValueError: a call names a tool outside the toolkit.
    """
    for call in sample.calls:
        if call.name not in schemas:
            raise ValueError(f"family {sample.family.name!r} produced a call to unknown tool {call.name!r}")
        problems = validate_arguments(schemas[call.name], call.arguments)
        if problems:
            raise ArgumentValidationError(call.name, [f"family {sample.family.name!r}: {p}" for p in problems])


def _fill_split(split: str, families: list[Family], counts: dict[str, int], rng: random.Random, noise: float,
                dedup: RequestDeduplicator,
                schemas: dict[str, ToolSchema]) -> tuple[list[GeneratedRequest], int]:
    """Draw ``counts[category]`` samples per category.

    Categories in :data:`_BY_GROUP` cycle through their groups (every tool gets an equal
    share); the others draw a family uniformly. A duplicate is redrawn from another
    family of the same category, up to :data:`_MAX_ATTEMPTS` times.
    """
    by_group: dict[str, dict[str, list[Family]]] = defaultdict(lambda: defaultdict(list))
    for family in families:
        by_group[family.category][family.group].append(family)
    samples: list[GeneratedRequest] = []
    shortfall = 0
    for category in CATEGORIES:
        groups = sorted(by_group[category])
        if not groups:
            shortfall += counts[category]
            continue
        everyone = [f for g in groups for f in by_group[category][g]]
        offset = rng.randrange(len(groups))
        for k in range(counts[category]):
            balanced = category in _BY_GROUP
            members = by_group[category][groups[(k + offset) % len(groups)]] if balanced else everyone
            for attempt in range(_MAX_ATTEMPTS):
                pool = members if attempt < _MAX_ATTEMPTS // 3 else everyone
                sample = draw_sample(rng.choice(pool), rng, noise)
                if dedup.admit(sample.text, split, sample.base):
                    validate_sample(sample, schemas)
                    samples.append(sample)
                    break
            else:
                shortfall += 1
    rng.shuffle(samples)
    return samples, shortfall


def build(config: DataConfig) -> Built:
    """Draw all samples in memory (what :func:`generate` writes); deterministic in ``config``."""
    tools = get_toolkit(config.toolkit)
    schemas = {t.name: t for t in tools}
    families = families_for(config.toolkit, list(schemas))
    train_families, test_families = split_families(families, config.test_family_share, config.seed)
    dedup = RequestDeduplicator()
    plan = [("test", test_families, config.n_test), ("val", train_families, config.n_val),
            ("train", train_families, config.n_train)]
    samples: dict[str, list[GeneratedRequest]] = {}
    shortfall: dict[str, int] = {}
    for split, pool, total in plan:
        rng = random.Random(f"{config.seed}/{split}")
        quotas = allocate(total, config.split_mix(split).shares())
        samples[split], shortfall[split] = _fill_split(split, pool, quotas, rng, config.noise, dedup, schemas)
    dropped = {split: dedup.dropped.get(split, 0) for split, _, _ in plan}
    return Built(samples, train_families, test_families, dropped, shortfall, tools)


def _atomic_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def _counts(samples: list[GeneratedRequest]) -> dict[str, Any]:
    by_cat = Counter(s.family.category for s in samples)
    by_tool = Counter(s.family.tool for s in samples)
    by_pair = Counter(f"{s.family.category}/{s.family.tool}" for s in samples)
    calls = Counter(c.name for s in samples for c in s.draw.calls)
    return {"total": len(samples), "by_category": dict(sorted(by_cat.items())), "by_tool": dict(sorted(by_tool.items())),
            "by_category_tool": dict(sorted(by_pair.items())), "target_calls_by_tool": dict(sorted(calls.items())),
            "by_lang": dict(sorted(Counter(s.family.lang for s in samples).items())),
            "noisy": sum(s.noisy for s in samples)}


def _family_table(families: list[Family]) -> dict[str, Any]:
    per_tool = Counter(f.tool for f in families)
    per_category = Counter(f.category for f in families)
    return {"total": len(families), "per_tool": dict(sorted(per_tool.items())),
            "per_category": dict(sorted(per_category.items()))}


def generate(config: DataConfig, out_dir: str | os.PathLike[str]) -> DataResult:
    """Generate train/val/test data for ``config`` into ``out_dir``.

    Writes ``train.jsonl`` and ``val.jsonl`` (one :class:`~toolschool.types.Conversation`
    per line), ``test.jsonl`` (one eval item per line: ``id, category, tool, family,
    messages, expected``) and ``data_card.json`` (counts per split × category × tool,
    held-out families, duplicates dropped, leakage, seed and config).

    Raises:
        ArgumentValidationError: a generated call does not match its tool schema (a bug).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    built = build(config)
    records: dict[str, list[Any]] = {}
    finals: dict[str, int] = {}
    for split in ("train", "val"):
        rng = random.Random(f"{config.seed}/{split}/records")
        convs = []
        for i, sample in enumerate(built.samples[split]):
            calls_tools = sample.family.category != "no_tool"
            with_final = calls_tools and rng.random() < config.final_answer_share
            conv = to_conversation(sample, i, f"{split}_{i:05d}", built.tools, rng, with_final)
            last = conv.messages[-1]
            finals[split] = finals.get(split, 0) + int(calls_tools and last.role == "assistant" and not last.tool_calls)
            convs.append(conv)
        records[split] = convs
    records["test"] = [to_test_item(s, i, f"test_{i:04d}") for i, s in enumerate(built.samples["test"])]
    paths = {split: out / f"{split}.jsonl" for split in ("train", "val", "test")}
    for split, path in paths.items():
        write_jsonl(path, records[split])
    leakage = leakage_report([s.text for s in built.samples["train"]], [s.text for s in built.samples["test"]])
    groups: dict[str, list[str]] = defaultdict(list)
    for family in built.test_families:
        groups[f"{family.category}/{family.group}"].append(family.name)
    card = {
        "seed": config.seed,
        "toolkit": config.toolkit,
        "config": config.card_config(),
        "counts": {split: _counts(built.samples[split]) for split in ("train", "val", "test")},
        "final_answer_conversations": finals,
        "families": {"all": _family_table(built.train_families + built.test_families),
                     "train": _family_table(built.train_families), "test": _family_table(built.test_families),
                     "held_out": {k: sorted(v) for k, v in sorted(groups.items())}},
        "dedup": {"redrawn_duplicates": built.dropped, "shortfall": built.shortfall},
        "leakage": leakage.summary(),
    }
    card_path = out / "data_card.json"
    _atomic_json(card_path, card)
    return DataResult(paths["train"], paths["val"], paths["test"], card_path,
                      {split: len(records[split]) for split in ("train", "val", "test")}, leakage.share_above,
                      dict(built.shortfall))
