"""The data-generation stage: ``generate(config, out_dir) -> DataResult``.

Steps, all seeded by ``config.seed``:

1. open the toolkit (:func:`~toolschool.datagen.toolkit.open_toolkit`: the shipped
   catalogue, a shipped toolkit file, or the user's tools) and hold out a share of its
   families per (category, group) for test (:func:`~toolschool.datagen.splits.split_families`);
2. fill test, then val, then train: per category, round-robin over the groups (so every
   tool is represented) and a random family within the group; a request whose normalised
   text was already produced is redrawn (test wins; in train and val an ask-for-missing
   sample's key is its request and the user's reply); a category the toolkit has no family
   for gives its share to the others;
3. verify every sample before keeping it (:class:`~toolschool.datagen.sample_checks.Verifier`:
   format round trip, schema, offline execution, grounding); a rejected sample is counted
   by reason and redrawn;
4. write ``train.jsonl`` / ``val.jsonl`` (Conversations), ``test.jsonl`` (eval items) and
   ``data_card.json`` (:mod:`~toolschool.datagen.card`) atomically.

The same config gives byte-identical files (for tools that run, as long as they answer
the same).
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolschool.datagen.card import Rejections, data_card
from toolschool.datagen.config import DataConfig
from toolschool.datagen.family import CATEGORIES, Family
from toolschool.datagen.records import GeneratedRequest, draw_sample, to_conversation, to_test_item
from toolschool.datagen.sample_checks import Rejected, Verifier
from toolschool.datagen.splits import RequestDeduplicator, leakage_report, split_families
from toolschool.datagen.toolkit import DataToolkit, open_toolkit
from toolschool.files import atomic_write_text
from toolschool.formats import get_format
from toolschool.types import write_jsonl

_MAX_ATTEMPTS = 60
_BY_GROUP = {"single", "chained", "ask_missing"}


@dataclass(frozen=True)
class DataResult:
    """What :func:`generate` wrote.

    Attributes:
        train_path, val_path, test_path, card_path: the files.
        counts: records per split (``{"train": n, "val": n, "test": n}``).
        leakage_share: share of test requests with trigram Jaccard > 0.8 to a train request.
        shortfall: per split, records that could not be drawn without duplicates.
        rejected: samples the verification rejected, per reason (all splits).
        duplicate_rate: exact duplicate draws (redrawn) per draw.
    """

    train_path: Path
    val_path: Path
    test_path: Path
    card_path: Path
    counts: dict[str, int]
    leakage_share: float
    shortfall: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    duplicate_rate: float = 0.0


@dataclass
class Built:
    """In-memory result of :func:`build`: samples per split plus bookkeeping."""

    samples: dict[str, list[GeneratedRequest]]
    train_families: list[Family]
    test_families: list[Family]
    dropped: dict[str, int]
    shortfall: dict[str, int]
    toolkit: DataToolkit
    rejections: Rejections = field(default_factory=Rejections)
    attempts: Counter = field(default_factory=Counter)
    unavailable: dict[str, list[str]] = field(default_factory=dict)
    executed: dict[str, int] = field(default_factory=dict)
    implied: dict[str, int] = field(default_factory=dict)

    @property
    def tools(self) -> list:
        return self.toolkit.schemas


def allocate(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Split ``total`` by ``shares`` with the largest-remainder method (ties by order)."""
    raw = {k: total * s for k, s in shares.items()}
    counts = {k: int(v) for k, v in raw.items()}
    rest = total - sum(counts.values())
    for key in sorted(raw, key=lambda k: (-(raw[k] - counts[k]), list(shares).index(k)))[:rest]:
        counts[key] += 1
    return counts


def quotas(total: int, shares: dict[str, float], available: set[str]) -> tuple[dict[str, int], list[str]]:
    """Samples per category: ``shares`` of ``total``; the share of a category with no family
    in ``available`` goes to the others in proportion. Returns ``(counts, unavailable)``."""
    missing = [c for c, s in shares.items() if s > 0 and c not in available]
    if not missing:
        return allocate(total, shares), []
    kept = {c: (s if c in available else 0.0) for c, s in shares.items()}
    left = sum(kept.values())
    if left <= 0:
        return allocate(total, shares), missing
    return allocate(total, {c: s / left for c, s in kept.items()}), missing


class _Filler:
    """Draws the samples of one split (see :meth:`fill`)."""

    def __init__(self, built: Built, dedup: RequestDeduplicator, verifier: Verifier, noise: float):
        self.built, self.dedup, self.verifier, self.noise = built, dedup, verifier, noise

    def _draw(self, split: str, family: Family, rng: random.Random) -> GeneratedRequest | None:
        self.built.attempts[split] += 1
        try:
            sample = draw_sample(family, rng, self.noise)
        except Rejected as rejected:  # a user tool failed while the sample was made
            self.built.rejections.add(split, rejected, family.name)
            return None
        text, base = sample.dedup_key(split)
        if not self.dedup.is_new(text, split, base):
            return None
        try:
            results = self.verifier.check(sample)
        except Rejected as rejected:
            self.built.rejections.add(split, rejected, sample.text)
            return None
        self.dedup.add(text, base)
        sample.outcomes = self.built.toolkit.outcomes(sample, results)
        return sample

    def fill(self, split: str, families: list[Family], counts: dict[str, int],
             rng: random.Random) -> tuple[list[GeneratedRequest], int]:
        """Draw ``counts[category]`` samples per category.

        Categories in :data:`_BY_GROUP` cycle through their groups (every tool gets an equal
        share); the others draw a family uniformly. A duplicate or rejected sample is
        redrawn from another family of the same category, up to :data:`_MAX_ATTEMPTS` times.
        """
        by_group: dict[str, dict[str, list[Family]]] = defaultdict(lambda: defaultdict(list))
        for family in families:
            by_group[family.category][family.group].append(family)
        samples: list[GeneratedRequest] = []
        shortfall = 0
        for category in CATEGORIES:
            if not counts.get(category):
                continue
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
                    sample = self._draw(split, rng.choice(pool), rng)
                    if sample is not None:
                        samples.append(sample)
                        break
                else:
                    shortfall += 1
        rng.shuffle(samples)
        return samples, shortfall


def build(config: DataConfig, toolkit: DataToolkit | None = None) -> Built:
    """Draw all samples in memory (what :func:`generate` writes); deterministic in ``config``
    (and the answers of tools that run). ``toolkit``: an open toolkit (default: ``config``'s,
    opened and closed here)."""
    if toolkit is None:
        with open_toolkit(config) as opened:
            return build(config, opened)
    train_families, test_families = split_families(toolkit.families, config.test_family_share, config.seed)
    dedup = RequestDeduplicator()
    verifier = Verifier(toolkit.schemas, get_format(config.format), toolkit.runners)
    built = Built({}, train_families, test_families, {}, {}, toolkit)
    filler = _Filler(built, dedup, verifier, config.noise)
    plan = [("test", test_families, config.n_test), ("val", train_families, config.n_val),
            ("train", train_families, config.n_train)]
    for split, pool, total in plan:
        rng = random.Random(f"{config.seed}/{split}")
        counts, built.unavailable[split] = quotas(total, config.split_mix(split).shares(),
                                                  {f.category for f in pool})
        built.samples[split], built.shortfall[split] = filler.fill(split, pool, counts, rng)
    built.dropped = {split: dedup.dropped.get(split, 0) for split, _, _ in plan}
    built.executed, built.implied = dict(verifier.executed), dict(verifier.implied)
    return built


def _atomic_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def generate(config: DataConfig, out_dir: str | os.PathLike[str]) -> DataResult:
    """Generate train/val/test data for ``config`` into ``out_dir``.

    Writes ``train.jsonl`` and ``val.jsonl`` (one :class:`~toolschool.types.Conversation`
    per line), ``test.jsonl`` (one eval item per line: ``id, category, tool, family,
    messages, expected``, plus ``tools`` for toolkits outside the catalogue) and
    ``data_card.json`` (:func:`toolschool.datagen.card.data_card`).

    Raises:
        ConfigError: the toolkit, its file or its phrasing is wrong (names the file and entry);
        MCPServerError: the MCP server of ``config.tools`` does not start.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with open_toolkit(config) as toolkit:
        built = build(config, toolkit)
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
            answered = calls_tools and last.role == "assistant" and not last.tool_calls
            finals[split] = finals.get(split, 0) + int(answered)
            convs.append(conv)
        records[split] = convs
    item_tools = built.tools if toolkit.items_carry_tools else None
    records["test"] = [to_test_item(s, i, f"test_{i:04d}", item_tools)
                       for i, s in enumerate(built.samples["test"])]
    paths = {split: out / f"{split}.jsonl" for split in ("train", "val", "test")}
    for split, path in paths.items():
        write_jsonl(path, records[split])
    leakage = leakage_report([s.text for s in built.samples["train"]],
                             [s.text for s in built.samples["test"]])
    card = data_card(config, built, finals, leakage)
    card_path = out / "data_card.json"
    _atomic_json(card_path, card)
    counts = {split: len(records[split]) for split in ("train", "val", "test")}
    return DataResult(paths["train"], paths["val"], paths["test"], card_path, counts, leakage.share_above,
                      dict(built.shortfall), dict(built.rejections.counts),
                      card["duplicates"]["duplicate_rate"])
