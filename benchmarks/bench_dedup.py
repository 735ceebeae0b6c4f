"""Near-duplicate removal against all pairs, and how grouping changes test-to-train similarity.

1. **Dedup.** Requests of generated training data (``--n`` conversations, seed 5) plus
   ``--planted`` upper-cased copies of the first ones are deduplicated by
   :func:`toolschool.datagen.dedup.near_duplicates` (MinHash LSH, exact Jaccard to confirm)
   and by the same greedy rule over all pairs (exact word-trigram Jaccard). Reported per
   threshold: requests dropped by each, pairs LSH missed (``missed`` must be 0, else exit
   status 1), and both wall times.
2. **Grouping.** The same data, split by :func:`toolschool.datagen.partition.split_file` with
   ``group_by`` ``family``, ``tools`` and ``none``: test and hard requests' mean and highest
   trigram Jaccard to their nearest training request (the leakage report, after dropping the
   held-out requests above 0.8, counted as ``dropped_leaking``).

Usage::

    python benchmarks/bench_dedup.py [--n 1500] [--planted 40] [--out benchmarks/results/dedup.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path


def _all_pairs(texts: list[str], threshold: float) -> list[int]:
    from toolschool.datagen.splits import trigrams

    grams = [trigrams(t) for t in texts]
    kept: list[int] = []
    dropped = []
    for i, g in enumerate(grams):
        if any(len(g & grams[j]) / len(g | grams[j]) >= threshold for j in kept):
            dropped.append(i)
        else:
            kept.append(i)
    return dropped


def main() -> None:
    from toolschool.datagen import DataConfig, generate
    from toolschool.datagen.dedup import near_duplicates
    from toolschool.datagen.partition import SplitConfig, split_file
    from toolschool.types import Conversation, read_jsonl

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--planted", type=int, default=40)
    parser.add_argument("--out", default="benchmarks/results/dedup.json")
    args = parser.parse_args()

    results: dict[str, object] = {"n": args.n, "planted": args.planted}
    with tempfile.TemporaryDirectory() as tmp:
        data = generate(DataConfig(seed=5, n_train=args.n, n_val=0, n_test=0), tmp)
        conversations = read_jsonl(data.train_path, Conversation)
        texts = [c.messages[0].content for c in conversations]
        texts += [t.upper() + "!" for t in texts[: args.planted]]
        near_duplicates(texts[:10])  # imports datasketch/scipy outside the timing
        dedup = {}
        missed_any = False
        for threshold in (0.5, 0.7, 0.8, 0.9):
            started = time.perf_counter()
            exact = _all_pairs(texts, threshold)
            exact_s = time.perf_counter() - started
            started = time.perf_counter()
            result = near_duplicates(texts, threshold)
            lsh_s = time.perf_counter() - started
            missed = sorted(set(exact) - {i for i, _, _ in result.duplicates})
            missed_any |= bool(missed)
            dedup[str(threshold)] = {"all_pairs_dropped": len(exact),
                                     "minhash_dropped": len(result.duplicates), "missed": len(missed),
                                     "all_pairs_s": round(exact_s, 2), "minhash_s": round(lsh_s, 2)}
            print(f"dedup {threshold}: {dedup[str(threshold)]}")
        results["dedup"] = dedup
        grouping = {}
        for group_by in ("family", "tools", "none"):
            config = SplitConfig(group_by=group_by, on_leak="drop")
            split = split_file(data.train_path, Path(tmp) / group_by, config)
            grouping[group_by] = {name: {"n": split.counts[name],
                                         "mean_max_similarity": split.leakage[name]["mean_max_similarity"],
                                         "max_similarity": split.leakage[name]["max_similarity"]}
                                  for name in ("test", "hard")}
            grouping[group_by]["dropped_leaking"] = split.dropped_leaking
            print(f"group_by={group_by}: {grouping[group_by]}")
        results["grouping"] = grouping
    results["machine"] = platform.platform()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    if missed_any:
        print("MISSED: MinHash LSH missed pairs that all-pairs Jaccard found")
    sys.exit(1 if missed_any else 0)


if __name__ == "__main__":
    main()
