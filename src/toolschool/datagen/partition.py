"""Splitting an existing canonical data file: train / val / test by group, a ``hard`` split of
edge cases, optional tool-name masking of train, and a leakage check.

:func:`split_file` is for data toolschool did not generate (imported xLAM, Glaive, ShareGPT,
BFCL; agent traces) or generated data to be re-split; the data stage splits its own data by
template family as it draws it (:mod:`toolschool.datagen.splits`). Steps, all seeded:

1. **Groups.** Records are grouped (``group_by``): by ``family`` (``meta.family`` of a
   conversation, ``family`` of an eval item — whole phrasing patterns stay on one side, as the
   data stage's held-out families), by ``tools`` (the set of tools called — unseen APIs in
   test; a record that calls nothing stands alone), or ``none`` (each record alone).
   ``auto`` = ``family`` when every record has one, else ``tools``. A group never straddles
   train and a held-out split.
2. **Hard split.** A record is *hard* (:func:`hard_reason`) when it makes parallel calls
   (several in one turn), chains calls over turns, calls two or more different tools, or is a
   no-call *trap* — a generated trap family (family group ``trap``, e.g. "weather vs climate")
   or a lexical near-miss (no call is right though the request names a word of an offered
   tool's name, e.g. "search" with ``web_search`` offered). A seeded ``hard_share`` of the
   records of groups holding hard records is held out: their hard records form ``hard``, the
   others join ``test``.
3. **Train / val / test.** The remaining groups are dealt, per stratum (the group's most common
   shape: ``single``, ``parallel``, ``chained``, ``no_tool``), in seeded order, each to the
   split furthest below its target count.
4. **Masking.** A seeded ``mask_share`` of the training conversations get random tool names
   (:mod:`toolschool.datagen.masking`, Hammer arXiv:2410.04587).
5. **Leakage.** Every test and hard request is compared with every training request
   (:func:`~toolschool.datagen.splits.check_leakage`, word-trigram Jaccard); above
   ``leakage_threshold`` the split fails with the pairs listed (``on_leak="fail"``, nothing
   written) or the leaking held-out records are dropped (``on_leak="drop"``, counted).
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from toolschool.datagen.masking import mask_conversation
from toolschool.datagen.splits import check_leakage, leakage_report
from toolschool.errors import ConfigError, LeakageError
from toolschool.files import atomic_write_text
from toolschool.interop.canonical import Record, conversation_to_item, load_canonical
from toolschool.types import write_jsonl

SPLITS = ("train", "val", "test", "hard")
_NAME_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_REQUEST_WORDS = re.compile(r"\w+", re.UNICODE)


class SplitConfig(BaseModel):
    """How :func:`split_file` splits a canonical file (module docstring)."""

    model_config = ConfigDict(extra="forbid")

    val_share: float = Field(0.1, ge=0, lt=1, description="share of records for val")
    test_share: float = Field(0.1, ge=0, lt=1, description="share of records for test")
    hard_share: float = Field(0.25, ge=0, le=1, description="share of hard cases held out as the hard split")
    group_by: Literal["auto", "family", "tools", "none"] = Field(
        "auto", description="what keeps records together"
    )
    seed: int = Field(0, description="seeds group order, hard selection and masking")
    leakage_threshold: float = Field(0.8, gt=0, le=1, description="held-out/train Jaccard that fails")
    on_leak: Literal["fail", "drop"] = Field("fail", description="fail, or drop leaking test/hard records")
    mask_share: float = Field(0.0, ge=0, le=1, description="share of train conversations with masked names")
    mask_parameters: bool = Field(False, description="mask parameter names too (Hammer)")
    eval_items: bool = Field(False, description="write test and hard as eval items (first assistant turn)")

    @model_validator(mode="after")
    def _room_for_train(self) -> SplitConfig:
        if self.val_share + self.test_share >= 1:
            raise ValueError(f"val_share + test_share must leave room for train, got "
                             f"{self.val_share} + {self.test_share}")
        return self


@dataclass
class SplitResult:
    """What :func:`split_file` wrote.

    Attributes:
        paths: ``{split: file}`` for train, val, test, hard, plus ``card`` (``split_card.json``).
        counts: records per split.
        hard_reasons: how many records of the whole file are hard, per reason.
        masked: training conversations masked.
        dropped_leaking: held-out records dropped for leakage (``on_leak="drop"``).
        leakage: per held-out split, the leakage summary against train.
    """

    paths: dict[str, Path]
    counts: dict[str, int]
    hard_reasons: dict[str, int]
    masked: int
    dropped_leaking: int
    leakage: dict[str, dict[str, float]] = field(default_factory=dict)


def shape(record: Record) -> str:
    """``no_tool``, ``chained`` (calls over several turns), ``parallel`` (several in one turn) or
    ``single``."""
    turns = [t for t in record.call_turns if t]
    if not turns:
        return "no_tool"
    if len(turns) > 1:
        return "chained"
    return "parallel" if len(turns[0]) > 1 else "single"


def _name_words(name: str) -> set[str]:
    return {w.lower() for w in _NAME_WORDS.findall(name) if len(w) >= 4}


def hard_reason(record: Record, trap_families: frozenset[str]) -> str | None:
    """Why a record is a hard case, or None (module docstring, step 2): ``parallel``,
    ``chained``, ``multi_tool``, ``trap`` or ``near_miss``."""
    kind = shape(record)
    if kind in ("parallel", "chained"):
        return kind
    if len(set(record.calls)) > 1:
        return "multi_tool"
    if kind == "no_tool":
        if record.family in trap_families:
            return "trap"
        words = {w.casefold() for w in _REQUEST_WORDS.findall(record.request)}
        if any(_name_words(name) & words for name in record.tool_names):
            return "near_miss"
    return None


def trap_families() -> frozenset[str]:
    """Names of the generated no-call trap families (template group ``trap``)."""
    from toolschool.datagen.catalog import families_for

    return frozenset(f.name for f in families_for("assistant") if f.group == "trap")


def group_keys(records: list[Record], group_by: str) -> tuple[list[str], str]:
    """The group of every record and the grouping used (``auto`` resolved)."""
    if group_by == "auto":
        group_by = "family" if records and all(r.family for r in records) else "tools"
    if group_by == "family":
        return [r.family or f"#record{i}" for i, r in enumerate(records)], group_by
    if group_by == "tools":  # records that call nothing have no tools to group by: each stands alone
        return ["+".join(sorted(set(r.calls))) or f"#record{i}" for i, r in enumerate(records)], group_by
    return [f"#record{i}" for i in range(len(records))], group_by


def _deal(groups: dict[str, list[int]], strata: dict[str, str], shares: dict[str, float],
          rng: random.Random) -> dict[str, str]:
    """Assign groups to splits, per stratum, each to the split furthest below its target."""
    assignment: dict[str, str] = {}
    by_stratum: dict[str, list[str]] = defaultdict(list)
    for key in sorted(groups):
        by_stratum[strata[key]].append(key)
    for stratum in sorted(by_stratum):
        keys = by_stratum[stratum]
        rng.shuffle(keys)
        total = sum(len(groups[k]) for k in keys)
        filled = dict.fromkeys(shares, 0)
        for key in keys:
            room = {s: shares[s] * total - filled[s] for s in shares}
            best = max(shares, key=lambda s: (room[s], s == "train"))
            if room[best] <= 0:
                best = "train"
            assignment[key] = best
            filled[best] += len(groups[key])
    return assignment


def _assign(records: list[Record], keys: list[str], reasons: list[str | None],
            config: SplitConfig) -> list[str]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        groups[key].append(i)
    rng = random.Random(f"{config.seed}/split")
    split = [""] * len(records)
    hard_groups = sorted(k for k, members in groups.items() if any(reasons[i] for i in members))
    rng.shuffle(hard_groups)
    target = config.hard_share * sum(1 for r in reasons if r)
    held = 0
    for key in hard_groups:
        if held >= target:
            break
        for i in groups.pop(key):
            split[i] = "hard" if reasons[i] else "test"
            held += bool(reasons[i])
    strata = {key: Counter(shape(records[i]) for i in members).most_common(1)[0][0]
              for key, members in groups.items()}
    shares = {"train": 1 - config.val_share - config.test_share, "val": config.val_share,
              "test": config.test_share}
    for key, name in _deal(groups, strata, shares, rng).items():
        for i in groups[key]:
            split[i] = name
    return split


def _leaks(records: list[Record], split: list[str], config: SplitConfig) -> tuple[dict[str, dict], int]:
    train = [r.request for r, s in zip(records, split) if s == "train"]
    summaries: dict[str, dict] = {}
    dropped = 0
    for name in ("val", "test", "hard"):
        members = [i for i, s in enumerate(split) if s == name]
        texts = [records[i].request for i in members]
        if name == "val":
            summaries[name] = leakage_report(train, texts, config.leakage_threshold).summary()
            continue
        try:
            report = check_leakage(train, texts, config.leakage_threshold)
        except LeakageError as exc:
            if config.on_leak == "fail":
                raise LeakageError(f"{name} split: {exc}", exc.pairs) from None
            for t, _, _ in exc.pairs:
                split[members[t]] = "dropped"
            dropped += len(exc.pairs)
            report = leakage_report(train, [records[i].request for i in members if split[i] == name],
                                    config.leakage_threshold)
        summaries[name] = report.summary()
    return summaries, dropped


def split_file(path: str | os.PathLike[str], out_dir: str | os.PathLike[str],
               config: SplitConfig) -> SplitResult:
    """Split a canonical JSONL file (conversations or eval items) into ``out_dir``/``train.jsonl``,
    ``val.jsonl``, ``test.jsonl``, ``hard.jsonl`` and ``split_card.json`` (module docstring).

    Records keep their line as read, except masked training conversations and, with
    ``eval_items``, test and hard conversations written as eval items.

    Raises:
        DataError: unreadable input (file, line, field named), or a test/hard conversation that
            has no eval-item form with ``eval_items``.
        ConfigError: masking asked for eval items (only conversations can be masked).
        LeakageError: ``on_leak="fail"`` and a test or hard request is above the threshold
            (the pairs listed; nothing written).
    """
    records = load_canonical(path)
    if config.mask_share > 0 and any(r.conversation is None for r in records):
        raise ConfigError("mask_share: only conversations can be masked; this file holds eval items")
    keys, grouping = group_keys(records, config.group_by)
    traps = trap_families()
    reasons = [hard_reason(r, traps) for r in records]
    split = _assign(records, keys, reasons, config)
    leakage, dropped = _leaks(records, split, config)
    rng = random.Random(f"{config.seed}/mask")
    out: dict[str, list[Any]] = {name: [] for name in SPLITS}
    masked = 0
    for record, name in zip(records, split):
        if name == "dropped":
            continue
        value: Any = record.raw
        if name == "train" and record.conversation is not None and record.conversation.tools \
                and rng.random() < config.mask_share:
            value = mask_conversation(record.conversation, rng, parameters=config.mask_parameters)
            masked += 1
        elif name in ("test", "hard") and config.eval_items and record.conversation is not None:
            value = conversation_to_item(record.conversation, f"{name}_{len(out[name]):05d}")
        out[name].append(value)
    out_dir = Path(out_dir)
    paths = {name: out_dir / f"{name}.jsonl" for name in SPLITS}
    for name in SPLITS:
        write_jsonl(paths[name], out[name])
    counts = {name: len(out[name]) for name in SPLITS}
    hard_counts = dict(sorted(Counter(r for r in reasons if r).items()))
    card = {
        "source": str(path),
        "config": config.model_dump(mode="json"),
        "group_by": grouping,
        "groups": {name: len({k for k, s in zip(keys, split) if s == name}) for name in SPLITS},
        "counts": counts,
        "by_shape": {name: dict(sorted(Counter(shape(r) for r, s in zip(records, split) if s == name).items(
        ))) for name in SPLITS},
        "hard_reasons": hard_counts,
        "masked_train": masked,
        "dropped_leaking": dropped,
        "leakage": leakage,
    }
    paths["card"] = out_dir / "split_card.json"
    atomic_write_text(paths["card"], json.dumps(card, ensure_ascii=False, indent=2) + "\n")
    return SplitResult(paths, counts, hard_counts, masked, dropped, leakage)
