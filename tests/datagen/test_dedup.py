"""MinHash near-duplicate removal and the leakage check that lists its pairs."""

from __future__ import annotations

import pytest

from toolschool.datagen.dedup import near_duplicates
from toolschool.datagen.splits import check_leakage, leakage_report, trigrams
from toolschool.errors import LeakageError

REQUESTS = [
    "What's the weather like in Lisbon tomorrow morning?",
    "what's the WEATHER like in Lisbon tomorrow morning??",       # same words: exact duplicate
    "What's the weather like in Lisbon tomorrow morning please?",  # near duplicate
    "Translate 'good luck' into Japanese",
    "How many kilometres is a marathon?",
    "What's the weather like in Oslo on Friday evening?",         # shares a frame only
]


def _jaccard(a: str, b: str) -> float:
    x, y = trigrams(a), trigrams(b)
    return len(x & y) / len(x | y)


def test_duplicates_point_at_the_earlier_kept_request():
    result = near_duplicates(REQUESTS, threshold=0.7)
    assert result.keep == [0, 3, 4, 5]
    assert [(i, j) for i, j, _ in result.duplicates] == [(1, 0), (2, 0)]
    assert result.duplicates[0][2] == 1.0
    assert result.duplicates[1][2] == pytest.approx(_jaccard(REQUESTS[2], REQUESTS[0]))
    assert result.rate == pytest.approx(2 / 6)
    assert near_duplicates(REQUESTS, threshold=1.0).keep == [0, 2, 3, 4, 5]


def test_minhash_finds_what_all_pairs_finds_on_generated_requests():
    from toolschool.datagen import DataConfig
    from toolschool.datagen.generator import build

    texts = [s.text for s in build(DataConfig(seed=5, n_train=400, n_val=0, n_test=0)).samples["train"]]
    texts = texts + [t.upper() + "!" for t in texts[:40]]  # 40 planted duplicates
    for threshold in (0.5, 0.8):
        kept: list[int] = []
        dropped = []
        for i, text in enumerate(texts):  # the greedy rule, over all pairs
            if any(_jaccard(text, texts[j]) >= threshold for j in kept):
                dropped.append(i)
            else:
                kept.append(i)
        result = near_duplicates(texts, threshold)
        assert [i for i, _, _ in result.duplicates] == dropped
        assert len(dropped) >= 40


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="threshold"):
        near_duplicates(["a"], threshold=0)
    with pytest.raises(ValueError, match="num_perm"):
        near_duplicates(["a"], num_perm=4)


def test_leakage_check_lists_the_pairs_most_similar_first():
    train = ["book a table for two tonight", "What's the weather like in Lisbon tomorrow morning?"]
    test = ["what is 2 plus 2", REQUESTS[2], REQUESTS[1]]
    report = leakage_report(train, test)
    assert report.nearest == [-1, 1, 1]
    with pytest.raises(LeakageError) as caught:
        check_leakage(train, test, threshold=0.6)
    assert [(t, r) for t, r, _ in caught.value.pairs] == [(2, 1), (1, 1)]
    assert "2 of 3 test requests are closer than 0.6" in str(caught.value)
    assert "test[2] ~ train[1] (trigram Jaccard 1.00)" in str(caught.value)
    assert check_leakage(train, test[:1]).max_similarity == [0.0]
