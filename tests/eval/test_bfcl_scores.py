"""BFCL score aggregation (BFCL_SEMANTICS.md §6): category accuracy and the leaderboard columns."""

from __future__ import annotations

import pytest

from toolschool.eval.bfcl.scores import BfclVerdict, aggregate, category_score


def verdicts(category: str, correct: int, total: int, error: str = "value_error:string") -> list[BfclVerdict]:
    return [
        BfclVerdict(
            id=f"{category}_{i}",
            category=category,
            valid=i < correct,
            error_type=None if i < correct else error,
        )
        for i in range(total)
    ]


def board(**counts: tuple[int, int]):
    """The leaderboard columns of categories run with ``(correct, total)`` items each."""
    run = [v for category, (correct, total) in counts.items() for v in verdicts(category, correct, total)]
    return aggregate(run, True, "calls").leaderboard


def test_category_accuracy_and_error_type_counts():
    score = category_score(
        "simple_python", verdicts("simple_python", 3, 4) + verdicts("simple_python", 0, 1, "x")
    )
    assert (score.correct, score.total, score.accuracy) == (3, 5, 0.6)
    assert score.column == "Non-Live Python Simple AST"
    assert score.error_types == {"value_error:string": 1, "x": 1}


def test_irrelevance_credits_for_unparsed_attempts_are_counted():
    items = [
        BfclVerdict(id="irrelevance_0", category="irrelevance", valid=True, attempted_unparsed=True),
        BfclVerdict(id="irrelevance_1", category="irrelevance", valid=True),
    ]
    assert category_score("irrelevance", items).credited_unparsed == 1


def test_columns_are_na_when_a_category_they_need_was_not_run():
    scores = aggregate(verdicts("simple_python", 1, 4) + verdicts("irrelevance", 3, 4), True, "calls")
    board = scores.leaderboard
    # "Non-Live Simple AST" is the mean of Python, Java and JavaScript simple: N/A without Java/JS,
    # the missing ones counting 0
    assert board["Non-Live Simple AST"].display == "N/A"
    assert board["Non-Live Simple AST"].accuracy == pytest.approx(0.25 / 3)
    assert board["Non-Live AST Acc"].display == "N/A"
    assert board["Irrelevance Detection"].display == "N/A"  # needs live_irrelevance too
    assert board["Irrelevance Detection"].accuracy == pytest.approx(0.75 / 2)
    assert scores.partial  # fewer items than the published files


def test_non_live_ast_is_the_unweighted_mean_of_four_columns():
    columns = board(multiple=(1, 2), parallel=(1, 4), parallel_multiple=(0, 8), simple_python=(1, 1))
    assert columns["Non-Live Multiple AST"].display == 0.5
    assert columns["Non-Live Parallel AST"].display == 0.25
    assert columns["Non-Live Parallel Multiple AST"].display == 0.0
    simple = 1 / 3  # Python simple 1.0, Java and JavaScript missing (0)
    assert columns["Non-Live AST Acc"].accuracy == pytest.approx((simple + 0.5 + 0.25 + 0.0) / 4)


def test_live_acc_is_weighted_by_item_count():
    columns = board(
        live_simple=(2, 2), live_multiple=(0, 6), live_parallel=(1, 1), live_parallel_multiple=(1, 1)
    )
    assert columns["Live Acc"].display == pytest.approx(4 / 10)  # pooled items, not the mean of 4 columns
    assert columns["Live Acc"].total_count == 10


def test_missing_live_category_counts_zero_with_its_published_size():
    columns = board(live_simple=(10, 10))
    assert columns["Live Acc"].display == "N/A"
    assert columns["Live Acc"].total_count == 10 + 1053 + 16 + 24
    assert columns["Live Acc"].accuracy == pytest.approx(10 / (10 + 1053 + 16 + 24))


def test_irrelevance_detection_and_relevance():
    columns = board(irrelevance=(2, 2), live_irrelevance=(1, 4), live_relevance=(1, 2))
    assert columns["Irrelevance Detection"].display == pytest.approx((1.0 + 0.25) / 2)
    assert columns["Relevance Detection"].display == 0.5
