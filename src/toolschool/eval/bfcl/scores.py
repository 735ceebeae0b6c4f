"""BFCL scores: per-category accuracy and the leaderboard's summary columns (§6).

Source: ``shared/bfcl/BFCL_SEMANTICS.md`` §6 (``bfcl_eval/eval_checker/eval_runner_helper.py``
of ``ShishirPatil/gorilla`` at ``6ea5797``):

* category accuracy = correct items / items scored (all of the file, or the first ``limit``:
  BFCL's ``--partial-eval``);
* summary columns, with the names of the leaderboard's overall table (``data_overall.csv``):
  "Non-Live Simple AST" = unweighted mean of Python, Java and JavaScript simple; "Non-Live
  AST Acc" = unweighted mean of Simple, Multiple, Parallel, Parallel Multiple; "Live Acc" =
  count-weighted over the four live AST categories; "Irrelevance Detection" = unweighted mean
  of irrelevance and live_irrelevance; "Relevance Detection" = live_relevance;
* a category that was not run counts as accuracy 0 (with its published size in weighted
  means) and the column is displayed ``"N/A"``, as BFCL does. The V4 "Overall Acc" needs the
  multi-turn and agentic categories and is not computed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from toolschool.eval.bfcl.data import CATEGORIES

#: Published sizes of categories this module does not score (for weighted means).
_OTHER_SIZES = {"simple_java": 100, "simple_javascript": 50}


class BfclVerdict(BaseModel):
    """The verdict on one item (one line of ``bfcl_verdicts.jsonl``).

    Attributes:
        id, category: of the item.
        valid: BFCL counts it correct.
        error_type: BFCL's error type when not valid (``simple_function_checker:missing_required``...).
        errors: BFCL's error messages (parallel mismatches add one dict per call tried).
        decoded: the decoded output that was checked (JSON-safe), None when decoding failed.
        decode_error: why decoding failed, if it did.
        attempted_unparsed: the answer attempted a call but none parsed (for irrelevance this
            is credited as an abstention: gorilla issues #443, #1362).
    """

    id: str
    category: str
    valid: bool
    error_type: str | None = None
    errors: list[object] = Field(default_factory=list)
    decoded: object = None
    decode_error: str | None = None
    attempted_unparsed: bool = False


class CategoryScore(BaseModel):
    """Accuracy of one category: ``correct / total``, the column it feeds, error-type counts."""

    category: str
    column: str
    correct: int
    total: int
    accuracy: float
    error_types: dict[str, int] = Field(default_factory=dict)
    credited_unparsed: int = 0


class ColumnScore(BaseModel):
    """One leaderboard column: ``accuracy`` (missing categories as 0), items behind it, and
    ``display`` (the accuracy, or ``"N/A"`` when a category it needs was not run)."""

    accuracy: float
    total_count: int
    display: float | Literal["N/A"]


class BfclScores(BaseModel):
    """Everything in ``bfcl_scores.json``.

    Attributes:
        categories: category → its score, for the categories run.
        leaderboard: summary column → its score (module docstring).
        partial: some category was scored on fewer items than its published file has.
        underscore_names: tools were offered with dots replaced by ``_``.
        decoder: ``calls`` (the format's parsed calls) or ``python`` (BFCL's prompt decoder).
    """

    categories: dict[str, CategoryScore]
    leaderboard: dict[str, ColumnScore]
    partial: bool
    underscore_names: bool
    decoder: str


def category_score(category: str, verdicts: Sequence[BfclVerdict]) -> CategoryScore:
    """Accuracy of one category over its verdicts (an empty list scores 0 of 0, accuracy 0)."""
    correct = sum(v.valid for v in verdicts)
    errors = Counter(v.error_type or "?" for v in verdicts if not v.valid)
    credited = sum(v.valid and v.attempted_unparsed for v in verdicts) if "irrelevance" in category else 0
    return CategoryScore(
        category=category,
        column=CATEGORIES[category].column,
        correct=correct,
        total=len(verdicts),
        accuracy=correct / len(verdicts) if verdicts else 0.0,
        error_types=dict(errors.most_common()),
        credited_unparsed=credited,
    )


def _column(scores: dict[str, CategoryScore], category: str) -> ColumnScore:
    if category in scores:
        s = scores[category]
        return ColumnScore(accuracy=s.accuracy, total_count=s.total, display=s.accuracy)
    size = CATEGORIES[category].size if category in CATEGORIES else _OTHER_SIZES[category]
    return ColumnScore(accuracy=0.0, total_count=size, display="N/A")


def _mean(parts: list[ColumnScore], weighted: bool) -> ColumnScore:
    total = sum(p.total_count for p in parts)
    if weighted:
        accuracy = sum(p.accuracy * p.total_count for p in parts) / total if total else 0.0
    else:
        accuracy = sum(p.accuracy for p in parts) / len(parts)
    missing = any(p.display == "N/A" for p in parts)
    return ColumnScore(accuracy=accuracy, total_count=total, display="N/A" if missing else accuracy)


def leaderboard_columns(scores: dict[str, CategoryScore]) -> dict[str, ColumnScore]:
    """The overall table's single-turn columns from per-category scores (module docstring)."""
    col = {c: _column(scores, c) for c in [*CATEGORIES, *_OTHER_SIZES]}
    simple = _mean([col["simple_python"], col["simple_java"], col["simple_javascript"]], weighted=False)
    live = [col["live_simple"], col["live_multiple"], col["live_parallel"], col["live_parallel_multiple"]]
    return {
        "Non-Live AST Acc": _mean(
            [simple, col["multiple"], col["parallel"], col["parallel_multiple"]], False
        ),
        "Non-Live Simple AST": simple,
        "Non-Live Multiple AST": col["multiple"],
        "Non-Live Parallel AST": col["parallel"],
        "Non-Live Parallel Multiple AST": col["parallel_multiple"],
        "Live Acc": _mean(live, weighted=True),
        "Live Simple AST": col["live_simple"],
        "Live Multiple AST": col["live_multiple"],
        "Live Parallel AST": col["live_parallel"],
        "Live Parallel Multiple AST": col["live_parallel_multiple"],
        "Relevance Detection": col["live_relevance"],
        "Irrelevance Detection": _mean([col["irrelevance"], col["live_irrelevance"]], weighted=False),
    }


def aggregate(verdicts: Iterable[BfclVerdict], underscore_names: bool, decoder: str) -> BfclScores:
    """Per-category scores (in :data:`CATEGORIES` order) and the leaderboard columns."""
    by_category: dict[str, list[BfclVerdict]] = {}
    for verdict in verdicts:
        by_category.setdefault(verdict.category, []).append(verdict)
    scores = {c: category_score(c, by_category[c]) for c in CATEGORIES if c in by_category}
    partial = any(s.total < CATEGORIES[c].size for c, s in scores.items())
    return BfclScores(
        categories=scores,
        leaderboard=leaderboard_columns(scores),
        partial=partial,
        underscore_names=underscore_names,
        decoder=decoder,
    )
