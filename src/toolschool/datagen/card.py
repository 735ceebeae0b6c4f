"""The data card: what was made, how, and what was left out (``data_card.json``).

:func:`data_card` gathers it from a finished :class:`~toolschool.datagen.generator.Built`:
counts per split × category × tool, the category mix asked for and made, the families held
out, where each tool's phrasing came from, the verification's rejections by reason and tool
(with examples), exact duplicates redrawn and the duplicate rate, near duplicates left,
leakage between train and test, and a plain-language ``how_made`` summary.
:class:`Rejections` is the ledger the generator fills while drawing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolschool.datagen.family import CATEGORIES, Family
from toolschool.datagen.records import GeneratedRequest
from toolschool.datagen.sample_checks import REASONS, Rejected
from toolschool.datagen.splits import LeakageReport, normalise_request

if TYPE_CHECKING:
    from toolschool.datagen.config import DataConfig
    from toolschool.datagen.generator import Built

_EXAMPLES = 3


@dataclass
class Rejections:
    """Rejected samples counted by split, reason and tool, with a few examples per reason."""

    counts: Counter = field(default_factory=Counter)
    by_tool: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    by_split: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    examples: dict[str, list[dict[str, str]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, split: str, rejected: Rejected, request: str) -> None:
        """Count one rejected sample of ``split``."""
        self.counts[rejected.reason] += 1
        self.by_tool[rejected.reason][rejected.tool or "(none)"] += 1
        self.by_split[split][rejected.reason] += 1
        if len(self.examples[rejected.reason]) < _EXAMPLES:
            self.examples[rejected.reason].append({"request": request, "tool": rejected.tool,
                                                   "detail": rejected.detail[:300]})

    def summary(self) -> dict[str, Any]:
        """The card's ``rejected`` section (empty sections when nothing was rejected)."""
        return {"total": sum(self.counts.values()), "by_reason": dict(sorted(self.counts.items())),
                "by_reason_tool": {r: dict(sorted(c.items())) for r, c in sorted(self.by_tool.items())},
                "by_split": {s: dict(sorted(c.items())) for s, c in sorted(self.by_split.items())},
                "examples": dict(sorted(self.examples.items())),
                "reasons": {r: REASONS[r] for r in sorted(self.counts)}}


def split_counts(samples: list[GeneratedRequest]) -> dict[str, Any]:
    """Counts of one split by category, tool, category/tool, target calls, language, noise."""
    by_cat = Counter(s.family.category for s in samples)
    by_tool = Counter(s.family.tool for s in samples)
    by_pair = Counter(f"{s.family.category}/{s.family.tool}" for s in samples)
    calls = Counter(c.name for s in samples for c in s.draw.calls)
    return {"total": len(samples), "by_category": dict(sorted(by_cat.items())),
            "by_tool": dict(sorted(by_tool.items())), "by_category_tool": dict(sorted(by_pair.items())),
            "target_calls_by_tool": dict(sorted(calls.items())),
            "by_lang": dict(sorted(Counter(s.family.lang for s in samples).items())),
            "noisy": sum(s.noisy for s in samples)}


def family_table(families: list[Family]) -> dict[str, Any]:
    """How many families per tool and per category."""
    per_tool = Counter(f.tool for f in families)
    per_category = Counter(f.category for f in families)
    return {"total": len(families), "per_tool": dict(sorted(per_tool.items())),
            "per_category": dict(sorted(per_category.items()))}


def mix_table(config: DataConfig, built: Built) -> dict[str, Any]:
    """Per split: the shares asked for, the shares made, and categories the toolkit could not make."""
    out = {}
    for split, samples in built.samples.items():
        made = Counter(s.family.category for s in samples)
        total = max(1, len(samples))
        out[split] = {"requested": config.split_mix(split).shares(),
                      "made": {c: round(made[c] / total, 4) for c in CATEGORIES},
                      "unavailable": built.unavailable.get(split, [])}
    return out


#: Word-trigram Jaccard at or above which two written requests count as near duplicates (the
#: leakage report's threshold).
NEAR_DUPLICATE_THRESHOLD = 0.8


def duplicate_table(built: Built) -> dict[str, Any]:
    """Exact duplicates: requests drawn again and redrawn, their rate among all draws, and the
    duplicates left in the written requests (0 by construction; counted, not assumed); near
    duplicates among the written requests (:func:`toolschool.datagen.dedup.near_duplicates`,
    MinHash LSH confirmed by exact trigram Jaccard), reported, not removed."""
    from toolschool.datagen.dedup import near_duplicates

    drawn = sum(built.attempts.values())
    redrawn = sum(built.dropped.values())
    keys = [s.dedup_key(split)[0] for split, samples in built.samples.items() for s in samples]
    written = [normalise_request(k) for k in keys]
    near = near_duplicates(keys, NEAR_DUPLICATE_THRESHOLD).summary()
    return {"draws": drawn, "exact_duplicates_redrawn": redrawn,
            "duplicate_rate": round(redrawn / drawn, 4) if drawn else 0.0,
            "written_exact_duplicates": len(written) - len(set(written)),
            "written_near_duplicates": {k: near[k] for k in ("duplicates", "duplicate_rate", "threshold")},
            "rule": "requests compared case-folded, words only (splits.normalise_request), an "
                    "ask-for-missing sample's with the user's reply outside test; at most 3 share one "
                    "noise-free text"}


def how_made(config: DataConfig, built: Built) -> str:
    """One paragraph a reader can check the data against."""
    kit = built.toolkit
    generic = sorted(t for t, p in kit.phrasing.items() if p.startswith("generic"))
    samples = sum(len(s) for s in built.samples.values())
    families = len(built.train_families) + len(built.test_families)
    text = (f"{samples} samples for the {kit.name!r} toolkit ({kit.source['label']}, "
            f"{len(kit.schemas)} tools, {families} template families; {len(built.test_families)} held out "
            "for test) drawn with seed "
            f"{config.seed}. Slot values come from pools and the tools' JSON Schemas; surface noise on "
            f"{config.noise:.0%} of requests. Every sample was verified before writing: its calls render and "
            f"parse in the {config.format} format, validate against the schemas, run without error where the "
            "tool runs offline, and every argument appears in or follows from the conversation; rejected "
            "samples were redrawn and are counted by reason.")
    if generic:
        text += (f" Tools phrased generically from their descriptions (lower quality than written phrasing): "
                 f"{', '.join(generic)}.")
    return text


def data_card(config: DataConfig, built: Built, finals: dict[str, int],
              leakage: LeakageReport) -> dict[str, Any]:
    """The content of ``data_card.json``."""
    kit = built.toolkit
    groups: dict[str, list[str]] = defaultdict(list)
    for family in built.test_families:
        groups[f"{family.category}/{family.group}"].append(family.name)
    return {
        "seed": config.seed,
        "toolkit": kit.name,
        "config": config.card_config(),
        "how_made": how_made(config, built),
        "tools": {"source": kit.source, "names": [s.name for s in kit.schemas],
                  "phrasing": dict(sorted(kit.phrasing.items())),
                  "run_offline": sorted(kit.runners)},
        "counts": {split: split_counts(built.samples[split]) for split in ("train", "val", "test")},
        "mix": mix_table(config, built),
        "final_answer_conversations": finals,
        "families": {"all": family_table(built.train_families + built.test_families),
                     "train": family_table(built.train_families), "test": family_table(built.test_families),
                     "held_out": {k: sorted(v) for k, v in sorted(groups.items())}},
        "verification": {"format": config.format, "rejected": built.rejections.summary(),
                         "executed_calls": dict(sorted(built.executed.items())),
                         "implied_arguments": dict(sorted(built.implied.items()))},
        "dedup": {"redrawn_duplicates": built.dropped, "shortfall": built.shortfall},
        "duplicates": duplicate_table(built),
        "leakage": leakage.summary(),
    }
