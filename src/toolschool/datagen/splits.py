"""Leakage-free splits: held-out families, duplicate removal, and a leakage report.

* :func:`split_families` holds out a seeded share of the families of every
  (category, group) pair — so each tool and each category has unseen phrasings in test —
  and keeps the rest for train/val.
* :class:`RequestDeduplicator` admits a request only if its normalised text is new across
  all splits; the generator fills test first, so test wins ties.
* :func:`leakage_report` measures, for each test request, the highest word-trigram
  Jaccard similarity to any train request (and which one it is); :func:`check_leakage`
  raises :class:`~toolschool.errors.LeakageError` listing every test request above the
  threshold.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from toolschool.datagen.family import Family
from toolschool.errors import LeakageError

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def split_families(families: Sequence[Family], share: float, seed: int) -> tuple[list[Family], list[Family]]:
    """Split families into ``(train_families, test_families)``.

    Within each (category, group), ``round(n * share)`` families (at least 1, at most
    n - 1) are held out for test, chosen with a generator seeded by ``seed`` and the
    group's key, so adding a family to one group does not reshuffle the others. A group
    with a single family stays in train. Every language of a group keeps at least one
    family in train: the held-out set is redrawn (fewer families if need be) when the
    first draw would take, say, every German wikipedia phrasing, because the test split
    measures unseen phrasings, not a language the model never saw for that tool.

    Raises:
        ValueError: ``share`` is not strictly between 0 and 1.
    """
    if not 0 < share < 1:
        raise ValueError(f"test share must be in (0, 1), got {share}")
    groups: dict[tuple[str, str], list[Family]] = defaultdict(list)
    for family in families:
        groups[(family.category, family.group)].append(family)
    held: set[str] = set()
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda f: f.name)
        if len(members) < 2:
            continue
        count = min(len(members) - 1, max(1, round(len(members) * share)))
        rng = random.Random(f"{seed}/families/{key[0]}/{key[1]}")
        chosen = rng.sample(members, count)
        if not _keeps_languages(members, chosen):
            chosen = _hold_out_keeping_languages(members, count, rng)
        held.update(f.name for f in chosen)
    train = [f for f in families if f.name not in held]
    test = [f for f in families if f.name in held]
    return train, test


def _keeps_languages(members: Sequence[Family], held: Sequence[Family]) -> bool:
    names = {f.name for f in held}
    kept = {f.lang for f in members if f.name not in names}
    return kept == {f.lang for f in members}


def _hold_out_keeping_languages(members: Sequence[Family], count: int, rng: random.Random) -> list[Family]:
    """Up to ``count`` families, in a seeded order, skipping any whose language would lose
    its last family in train."""
    left = Counter(f.lang for f in members)
    chosen: list[Family] = []
    for family in rng.sample(list(members), len(members)):
        if len(chosen) == count:
            break
        if left[family.lang] > 1:
            chosen.append(family)
            left[family.lang] -= 1
    return chosen


def normalise_request(text: str) -> str:
    """Case-folded words only: ``"What's  the Weather?"`` → ``"what s the weather"``."""
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


@dataclass
class RequestDeduplicator:
    """Admits requests whose normalised text was not seen before; counts rejections per split.

    ``base_limit`` also caps how many requests may share one noise-free text (``base``),
    so a family with few phrasings cannot fill a split with noisy copies of them.
    """

    base_limit: int = 3
    seen: set[str] = field(default_factory=set)
    bases: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)

    def admit(self, text: str, split: str, base: str | None = None) -> bool:
        """True (and remembered) if ``text`` is new and its ``base`` is under the limit;
        False (counted for ``split``) otherwise."""
        if not self.is_new(text, split, base):
            return False
        self.add(text, base)
        return True

    def is_new(self, text: str, split: str, base: str | None = None) -> bool:
        """Whether ``text`` would be admitted; a refusal is counted for ``split``, nothing is remembered."""
        key = normalise_request(text)
        base_key = normalise_request(base if base is not None else text)
        if key in self.seen or self.bases[base_key] >= self.base_limit:
            self.dropped[split] += 1
            return False
        return True

    def add(self, text: str, base: str | None = None) -> None:
        """Remember ``text`` (and count its ``base``) as admitted."""
        self.seen.add(normalise_request(text))
        self.bases[normalise_request(base if base is not None else text)] += 1


def trigrams(text: str) -> frozenset[tuple[str, str, str]]:
    """Word trigrams of the normalised text, padded with start/end markers."""
    words = ["<s>", *normalise_request(text).split(), "</s>"]
    return frozenset(zip(words, words[1:], words[2:], strict=False))


@dataclass
class LeakageReport:
    """Similarity of test requests to train requests.

    Attributes:
        max_similarity: for each test request (input order), the highest trigram Jaccard
            similarity to any train request (0 when there is no train request).
        threshold: the similarity counted as leakage.
        share_above: share of test requests whose max similarity is above ``threshold``.
        mean: mean of ``max_similarity``.
        nearest: for each test request, the index of its most similar train request (-1 when
            none shares a trigram).
    """

    max_similarity: list[float]
    threshold: float
    share_above: float
    mean: float
    nearest: list[int] = field(default_factory=list)

    def pairs_above(self) -> list[tuple[int, int, float]]:
        """``(test_index, train_index, similarity)`` of every test request above the threshold,
        most similar first."""
        pairs = [(i, self.nearest[i], s) for i, s in enumerate(self.max_similarity) if s > self.threshold]
        return sorted(pairs, key=lambda p: (-p[2], p[0]))

    def summary(self) -> dict[str, float]:
        """The scalar fields, rounded, for data cards."""
        top = max(self.max_similarity, default=0.0)
        return {"threshold": self.threshold, "share_above": round(self.share_above, 4),
                "mean_max_similarity": round(self.mean, 4), "max_similarity": round(top, 4),
                "n_test": len(self.max_similarity)}


def leakage_report(train: Sequence[str], test: Sequence[str], threshold: float = 0.8) -> LeakageReport:
    """For each test request, the max word-trigram Jaccard similarity to any train request.

    Uses an inverted index over trigrams, so only train requests sharing at least one
    trigram are compared (fast for thousands of requests).
    """
    train_grams = [trigrams(t) for t in train]
    index: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, grams in enumerate(train_grams):
        for gram in grams:
            index[gram].append(i)
    scores: list[float] = []
    nearest: list[int] = []
    for text in test:
        grams = trigrams(text)
        shared: Counter = Counter()
        for gram in grams:
            shared.update(index.get(gram, ()))
        best, best_i = 0.0, -1
        for i, inter in shared.items():
            score = inter / (len(grams) + len(train_grams[i]) - inter)
            if score > best or (score == best and best_i >= 0 and i < best_i):
                best, best_i = score, i
        scores.append(best)
        nearest.append(best_i)
    above = sum(s > threshold for s in scores)
    return LeakageReport(
        max_similarity=scores,
        threshold=threshold,
        share_above=above / len(scores) if scores else 0.0,
        mean=sum(scores) / len(scores) if scores else 0.0,
        nearest=nearest,
    )


def check_leakage(train: Sequence[str], test: Sequence[str], threshold: float = 0.8,
                  show: int = 10) -> LeakageReport:
    """:func:`leakage_report`, failing when any test request is above ``threshold``.

    Returns:
        The report, when no test request is above the threshold.

    Raises:
        LeakageError: the message gives the count and the ``show`` most similar pairs (test and
            train index, similarity, both texts); ``.pairs`` holds all of them.
    """
    report = leakage_report(train, test, threshold)
    pairs = report.pairs_above()
    if pairs:
        lines = [f"  test[{t}] ~ train[{r}] (trigram Jaccard {s:.2f}): {test[t][:80]!r} ~ {train[r][:80]!r}"
                 for t, r, s in pairs[:show]]
        more = f"\n  ... and {len(pairs) - show} more" if len(pairs) > show else ""
        raise LeakageError(f"{len(pairs)} of {len(test)} test requests are closer than {threshold} to a "
                           f"training request:\n" + "\n".join(lines) + more, pairs)
    return report
