"""BFCL evaluation: BFCL's files, its AST checker (verdicts and error types) and its scores.

Separate from :mod:`toolschool.eval.checker`, whose rules are deliberately more lenient
(bipartite parallel matching, unparsable attempts counted as calls); this package reproduces
the Berkeley Function Calling Leaderboard's verdicts exactly, as specified in
``shared/bfcl/BFCL_SEMANTICS.md``:

* :mod:`.data` — categories, loading question + possible-answer files, BFCL's FC tool schemas;
* :mod:`.decoding` — model answers → BFCL's decoded calls (parsed calls, or BFCL's Python decoder);
* :mod:`.checker` — the AST checker rule by rule, categories, the (ir)relevance rule;
* :mod:`.scores` — per-category accuracy and the leaderboard's summary columns;
* :mod:`.stage` — the eval stage on BFCL files (``toolschool eval --bfcl FILE``).
"""

from __future__ import annotations

from toolschool.eval.bfcl.checker import (
    CheckResult,
    check_ast,
    check_call,
    check_entry,
    check_relevance,
    is_empty_output,
    is_function_calling_format,
    standardize_string,
)
from toolschool.eval.bfcl.data import (
    CATEGORIES,
    BfclEntry,
    Category,
    answers_path,
    category_of,
    entry_tools,
    load_bfcl,
    to_tool_schema,
)
from toolschool.eval.bfcl.decoding import Decoded, decode_calls, decode_python
from toolschool.eval.bfcl.scores import (
    BfclScores,
    BfclVerdict,
    CategoryScore,
    ColumnScore,
    aggregate,
    leaderboard_columns,
)
from toolschool.eval.bfcl.stage import judge, load_entries, score_predictions

__all__ = [
    "CATEGORIES",
    "BfclEntry",
    "BfclScores",
    "BfclVerdict",
    "Category",
    "CategoryScore",
    "CheckResult",
    "ColumnScore",
    "Decoded",
    "aggregate",
    "answers_path",
    "category_of",
    "check_ast",
    "check_call",
    "check_entry",
    "check_relevance",
    "decode_calls",
    "decode_python",
    "entry_tools",
    "is_empty_output",
    "is_function_calling_format",
    "judge",
    "leaderboard_columns",
    "load_bfcl",
    "load_entries",
    "score_predictions",
    "standardize_string",
    "to_tool_schema",
]
