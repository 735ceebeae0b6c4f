"""BFCL's AST checker for Python categories, rule by rule, with BFCL's error types.

Specification: ``shared/bfcl/BFCL_SEMANTICS.md`` §4–§5 (BFCL V4, ``ShishirPatil/gorilla`` commit
``6ea5797``, ``bfcl_eval/eval_checker/ast_eval/ast_checker.py`` and ``eval_runner.py``). This
is toolschool's own code; it reproduces BFCL's verdicts and ``error_type`` strings, including
its quirks, and is separate from :mod:`toolschool.eval.checker` (toolschool's own, more
lenient rules). A *decoded* output is BFCL's shape ``[{name: {param: value}}, ...]``.

Per call (:func:`check_call`, BFCL's ``simple_function_checker``), in this order, stopping at
the first failure:

1. name: the doc's name (dots → ``_`` when ``underscore_to_dot``) must be the call's key
   (``simple_function_checker:wrong_func_name``);
2. every schema-``required`` parameter present (``…:missing_required``);
3. per passed parameter, in the model's order: it exists in the schema and in the ground truth
   (``…:unexpected_param``); ``tuple`` values become lists; an ``int`` for a ``float``
   parameter becomes a float (top level only); the type check (``type_error:simple``,
   ``type_error:nested``) with the "variable" exception (the ground truth's values have another
   type than the schema: a value of that type is accepted and compared by equality); then the
   value check by type: dict (``value_error:dict_key``/``dict_value``), list of dicts
   (``value_error:list_dict_count`` or a dict error), string (``value_error:string``, after
   :func:`standardize_string`), list (``value_error:list/tuple``), else plain membership
   (``value_error:others``);
4. every ground-truth parameter the model left out has ``""`` among its values
   (``…:missing_optional``).

Categories: :func:`check_ast` (simple: exactly one call, ``simple_function_checker:wrong_count``;
multiple: as many calls as the ground truth, the first checked against the ground truth's
function, ``multiple_function_checker:wrong_count``; parallel: as many calls, matched greedily
first-fit in ground-truth order, ``parallel_function_checker_no_order:wrong_count`` /
``…:cannot_find_match``); :func:`check_relevance` (irrelevance: correct when decoding fails or
the output is empty, ``irrelevance_error:decoder_success``; relevance: the reverse,
``relevance_error:decoder_failed``); :func:`check_entry` adds the decoding gate
(``ast_decoder:decoder_failed``, ``ast_decoder:decoder_wrong_output_format``).

Where BFCL itself would crash (an acceptable value that cannot be iterated in a list or dict
check, a non-dict element in a list-of-dict value after the ``""`` quirk skipped its type
check), the option or value counts as not matching; loading rejects the other crash causes
(unknown types, ground-truth functions the item does not offer).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from toolschool.eval.bfcl.data import NESTED_TYPES, PYTHON_TYPES, BfclEntry

_STRIPPED = re.compile(r"[ ,./\-_*^]")


@dataclass
class CheckResult:
    """One check's outcome: ``valid``, BFCL's error messages and its ``error_type``.

    ``errors`` holds strings, or for a parallel mismatch a first string followed by one dict per
    model call tried (``{"Model Result Index i": {"sub_error", "sub_error_type", ...}}``).
    """

    valid: bool
    errors: list[Any] = field(default_factory=list)
    error_type: str | None = None


def _valid() -> CheckResult:
    return CheckResult(True)


def _fail(error_type: str, *errors: Any) -> CheckResult:
    return CheckResult(False, list(errors), error_type)


def standardize_string(text: str) -> str:
    """BFCL's string normalisation: drop spaces and ``, . / - _ * ^``, lower-case, ``'`` → ``"``."""
    return _STRIPPED.sub("", text).lower().replace("'", '"')


def _answer_type(acceptable: list[Any]) -> type | None:
    """The type of the first acceptable value that is not ``""`` (None if there is none)."""
    for option in acceptable:
        if option != "":
            return type(option)
    return None


@dataclass
class _TypeOutcome:
    result: CheckResult
    is_variable: bool


def _type_check(
    param: str, value: Any, acceptable: list[Any], type_name: str, expected: type, nested: type | None
) -> _TypeOutcome:
    """BFCL's ``type_checker``: strict type identity, one level of element checks, "variable"."""
    answer_type = _answer_type(acceptable)
    is_variable = answer_type is not None and answer_type is not expected
    result = CheckResult(True, [], "type_error:simple")
    if type(value) is expected:
        if nested is None:
            return _TypeOutcome(_valid(), is_variable)
        for option in acceptable:
            # an option that is not a list (``""``, a variable) skips the element check
            if type(option) is not list or all(
                _type_check(param, item, option, nested.__name__, nested, None).result.valid for item in value
            ):
                return _TypeOutcome(_valid(), is_variable)
        result = _fail(
            "type_error:nested",
            f"Nested type checking failed for parameter {param!r}. Expected outer type {type_name} with "
            f"inner type {nested}. Parameter value: {value!r}.",
        )
    if answer_type is not None and type(value) is answer_type:
        return _TypeOutcome(result, True)  # valid unless the element check failed above
    result.valid = False
    result.errors.append(
        f"Incorrect type for parameter {param!r}. Expected type {type_name}, "
        f"got {type(value).__name__}. Parameter value: {value!r}."
    )
    result.error_type = "type_error:simple"
    return _TypeOutcome(result, is_variable)


def _standardized(option: Any) -> list[Any] | None:
    """An acceptable list (or a string, iterated by character as BFCL does) with strings
    normalised; None for values BFCL cannot iterate."""
    if isinstance(option, str):
        items: list[Any] = list(option)
    elif isinstance(option, list):
        items = option
    else:
        return None
    return [standardize_string(x) if type(x) is str else x for x in items]


def _string_check(param: str, value: str, acceptable: list[Any]) -> CheckResult:
    options = [standardize_string(a) for a in acceptable if type(a) is str]
    if standardize_string(value) not in options:
        return _fail(
            "value_error:string",
            f"Invalid value for parameter {param!r}: {value!r}. "
            f"Expected one of {acceptable}. Case insensitive.",
        )
    return _valid()


def _list_check(param: str, value: list[Any], acceptable: list[Any]) -> CheckResult:
    model = [standardize_string(x) if type(x) is str else x for x in value]
    options = [s for s in (_standardized(a) for a in acceptable) if s is not None]
    if model not in options:  # ``""`` becomes [], so an empty list matches an optional parameter
        return _fail(
            "value_error:list/tuple",
            f"Invalid value for parameter {param!r}: {value!r}. Expected one of {acceptable}.",
        )
    return _valid()


def _dict_check(value: dict[str, Any], acceptable: list[Any]) -> CheckResult:
    """BFCL's ``dict_checker``: the first acceptable dict that fits, else the last one's errors."""
    result = _fail("dict_checker:unclear")
    for option in acceptable:
        if option == "":
            continue
        result = _fail("dict_checker:unclear")
        if not isinstance(option, dict):
            continue
        ok = True
        for key, item in value.items():
            if key not in option:
                result.errors.append(f"Unexpected dict key parameter: '{key}'.")
                result.error_type = "value_error:dict_key"
                ok = False
                break
            wanted = _standardized(option[key]) or []
            if (standardize_string(item) if type(item) is str else item) not in wanted:
                result.errors.append(
                    f"Invalid value for parameter {key!r}: {item!r}. Expected one of {wanted}."
                )
                result.error_type = "value_error:dict_value"
                ok = False
                break
        for key, options in option.items():  # runs even after a failure above, as in BFCL
            if key not in value and "" not in options:
                result.errors.append(f"Missing dict key parameter: '{key}'.")
                result.error_type = "value_error:dict_key"
                ok = False
                break
        if ok:
            return _valid()
    return result


def _list_dict_check(value: list[Any], acceptable: list[Any]) -> CheckResult:
    """BFCL's ``list_dict_checker``: same length, dicts matched by position."""
    result = _fail("list_dict_checker:unclear")
    for option in acceptable:
        if not isinstance(option, (list, str)) or len(value) != len(option):
            result = _fail("value_error:list_dict_count", "Wrong number of dictionaries in the list.")
            continue
        ok = True
        for item, wanted in zip(value, option):
            result = _dict_check(item, [wanted]) if isinstance(item, dict) else _fail("dict_checker:unclear")
            if not result.valid:
                ok = False
                break
        if ok:
            return _valid()
    return result


def expected_name(name: str, underscore_to_dot: bool) -> str:
    """The name a call must have: dots → ``_`` for models sent underscore names (BFCL §5.1)."""
    return name.replace(".", "_") if underscore_to_dot and "." in name else name


def check_call(
    function: dict[str, Any],
    call: dict[str, Any],
    truth: dict[str, dict[str, list[Any]]],
    underscore_to_dot: bool = False,
) -> CheckResult:
    """BFCL's per-call check (module docstring, steps 1–4).

    Args:
        function: the BFCL function doc to check against.
        call: one decoded call ``{name: {param: value}}``.
        truth: one ground-truth call ``{name: {param: [acceptable...]}}``; its name is not read
            (the doc's name is compared).
        underscore_to_dot: the model was offered names with dots replaced by ``_``.
    """
    answers = next(iter(truth.values()))
    name = expected_name(function["name"], underscore_to_dot)
    properties = function["parameters"]["properties"]
    if name not in call:
        return _fail(
            "simple_function_checker:wrong_func_name", f"Function name {name!r} not found in model output."
        )
    params = call[name]
    for param in function["parameters"].get("required", []):
        if param not in params:
            return _fail(
                "simple_function_checker:missing_required", f"Missing required parameter: {param!r}."
            )
    for param, value in params.items():
        if param not in properties or param not in answers:
            return _fail("simple_function_checker:unexpected_param", f"Unexpected parameter: {param!r}.")
        type_name = properties[param]["type"]
        expected = PYTHON_TYPES[type_name]
        nested = PYTHON_TYPES[properties[param]["items"]["type"]] if type_name in NESTED_TYPES else None
        if type_name == "tuple" and type(value) is tuple:
            value = list(value)
        if type_name == "float" and type(value) is int:
            value = float(value)
        acceptable = answers[param]
        typed = _type_check(param, value, acceptable, type_name, expected, nested)
        if not typed.result.valid:
            return typed.result
        if not typed.is_variable:
            if expected is dict:
                result = _dict_check(value, acceptable)
            elif expected is list and nested is dict:
                result = _list_dict_check(value, acceptable)
            elif expected is str:
                result = _string_check(param, value, acceptable)
            elif expected is list:
                result = _list_check(param, value, acceptable)
            else:
                result = None
            if result is not None:
                if not result.valid:
                    return result
                continue
        if value not in acceptable:
            return _fail(
                "value_error:others",
                f"Invalid value for parameter {param!r}: {value!r}. Expected one of {acceptable}.",
            )
    for param, acceptable in answers.items():
        if param not in params and "" not in acceptable:
            return _fail(
                "simple_function_checker:missing_optional",
                f"Optional parameter {param!r} not provided and not marked as optional.",
            )
    return _valid()


def _find(functions: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(f for f in functions if f["name"] == name)


def _check_parallel(
    functions: list[dict[str, Any]],
    decoded: list[dict[str, Any]],
    truth: list[dict[str, Any]],
    underscore_to_dot: bool,
) -> CheckResult:
    """Greedy first-fit: each ground-truth call, in order, takes the first unmatched call that passes."""
    if len(decoded) != len(truth):
        return _fail("parallel_function_checker_no_order:wrong_count", "Wrong number of functions.")
    matched: list[int] = []
    for i, wanted in enumerate(truth):
        function = _find(functions, next(iter(wanted)))
        tried: list[Any] = []
        found = False
        for index, call in enumerate(decoded):
            if index in matched:
                continue
            result = check_call(function, call, wanted, underscore_to_dot)
            if result.valid:
                matched.append(index)
                found = True
                break
            tried.append(
                {
                    f"Model Result Index {index}": {
                        "sub_error": result.errors,
                        "sub_error_type": result.error_type,
                        "model_output_item": call,
                        "possible_answer_item": wanted,
                    }
                }
            )
        if not found:
            left = [k for k in range(len(decoded)) if k not in matched]
            return _fail(
                "parallel_function_checker_no_order:cannot_find_match",
                f"Could not find a matching function among index {left} of model output for index {i} "
                "of possible answers.",
                *tried,
            )
    return _valid()


def check_ast(
    category: str,
    functions: list[dict[str, Any]],
    decoded: list[dict[str, Any]],
    truth: list[dict[str, Any]],
    underscore_to_dot: bool = False,
) -> CheckResult:
    """BFCL's ``ast_checker``: dispatch on the category name ("parallel", then "multiple", else simple).

    Args:
        category: the BFCL category (substring dispatch, as BFCL).
        functions: the item's function docs.
        decoded: the decoded calls (already past the format gate).
        truth: the item's ground truth.
        underscore_to_dot: as :func:`check_call`.
    """
    if "parallel" in category:
        return _check_parallel(functions, decoded, truth, underscore_to_dot)
    if "multiple" in category:
        if len(decoded) != len(truth):
            return _fail("multiple_function_checker:wrong_count", "Wrong number of functions.")
        return check_call(_find(functions, next(iter(truth[0]))), decoded[0], truth[0], underscore_to_dot)
    if len(decoded) != 1:
        return _fail("simple_function_checker:wrong_count", "Wrong number of functions.")
    return check_call(functions[0], decoded[0], truth[0], underscore_to_dot)


def is_function_calling_format(decoded: Any) -> bool:
    """BFCL's format gate: a list of single-key dicts whose value is a dict (``[]`` passes)."""
    if type(decoded) is not list:
        return False
    for item in decoded:
        if type(item) is not dict or len(item) != 1 or type(next(iter(item.values()))) is not dict:
            return False
    return True


def is_empty_output(decoded: Any) -> bool:
    """BFCL's "no call" rule for (ir)relevance: not in call format, ``[]``, or ``[{}]``."""
    if not is_function_calling_format(decoded):
        return True
    return len(decoded) == 0 or (len(decoded) == 1 and len(decoded[0]) == 0)


def check_relevance(category: str, decoded: Any, decode_error: str | None) -> CheckResult:
    """Irrelevance: correct iff no valid call was decoded; relevance (no "irrelevance" in the
    name): correct iff one was. Arguments are never inspected (§5.3)."""
    contains_call = decode_error is None and not is_empty_output(decoded)
    if "irrelevance" in category:
        if contains_call:
            return _fail(
                "irrelevance_error:decoder_success",
                "Valid syntax. Successfully decode AST when it should not.",
            )
        return _valid()
    if not contains_call:
        return _fail(
            "relevance_error:decoder_failed",
            f"Invalid syntax. Failed to decode AST when it should have. {decode_error or ''}".rstrip(),
        )
    return _valid()


def jsonable(value: Any) -> Any:
    """A decoded value as JSON data (tuples → lists; bytes, complex... → their ``repr``)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=repr))


def check_entry(
    entry: BfclEntry, decoded: Any, decode_error: str | None = None, underscore_to_dot: bool = False
) -> CheckResult:
    """The verdict on one item, as BFCL's eval runner gives it.

    Args:
        entry: the item (its category picks the check).
        decoded: the decoded output (ignored when ``decode_error`` is set).
        decode_error: why decoding failed (BFCL: the handler's decoder raised), else None.
        underscore_to_dot: as :func:`check_call`.
    """
    checker = entry.info.checker
    if checker in ("irrelevance", "relevance"):
        return check_relevance(entry.category, decoded, decode_error)
    if decode_error is not None:
        return _fail("ast_decoder:decoder_failed", f"Invalid syntax. Failed to decode AST. {decode_error}")
    if not is_function_calling_format(decoded):
        return _fail("ast_decoder:decoder_wrong_output_format", "Did not output in the specified format.")
    assert entry.ground_truth is not None  # loading attaches it to every AST entry
    return check_ast(entry.category, entry.functions, decoded, entry.ground_truth, underscore_to_dot)
