"""BFCL's AST checker, one test per rule of BFCL_SEMANTICS.md §4–§5, with BFCL's error types.

Every expected verdict below is read off the spec (``shared/bfcl/BFCL_SEMANTICS.md``), not
off the implementation.
"""

from __future__ import annotations

from typing import Any

import pytest

from toolschool.eval.bfcl.checker import (
    check_ast,
    check_call,
    check_entry,
    check_relevance,
    is_empty_output,
    is_function_calling_format,
    standardize_string,
)
from toolschool.eval.bfcl.data import BfclEntry
from toolschool.eval.checker import check_item
from toolschool.eval.items import EvalItem
from toolschool.types import Message, ToolCall


def doc(name: str = "geo.area", required: tuple[str, ...] = (), **props: Any) -> dict[str, Any]:
    """A BFCL function doc; ``props`` maps a parameter to its type name or full schema."""
    properties = {p: ({"type": t, "description": p} if isinstance(t, str) else t) for p, t in props.items()}
    return {
        "name": name,
        "description": "d",
        "parameters": {"type": "dict", "properties": properties, "required": list(required)},
    }


def simple(
    function: dict[str, Any], call: dict[str, Any], truth: dict[str, list[Any]], underscore: bool = False
):
    """The simple-category verdict of one decoded call ``{param: value}`` to ``function``'s name."""
    name = function["name"].replace(".", "_") if underscore else function["name"]
    return check_ast("simple_python", [function], [{name: call}], [{function["name"]: truth}], underscore)


def verdict(result) -> tuple[bool, str | None]:
    return result.valid, None if result.valid else result.error_type


# --- §5.1 function names ----------------------------------------------------------------------


def test_name_is_compared_exactly_and_case_sensitively():
    f = doc("geo.area", ("r",), r="integer")
    assert verdict(check_call(f, {"geo.area": {"r": 1}}, {"geo.area": {"r": [1]}})) == (True, None)
    result = check_call(f, {"Geo.Area": {"r": 1}}, {"geo.area": {"r": [1]}})
    assert verdict(result) == (False, "simple_function_checker:wrong_func_name")
    assert result.errors == ["Function name 'geo.area' not found in model output."]


def test_dotted_names_must_be_reproduced_without_underscore_to_dot():
    f = doc("geo.area", ("r",), r="integer")
    assert verdict(check_call(f, {"geo_area": {"r": 1}}, {"x": {"r": [1]}}, underscore_to_dot=False)) == (
        False,
        "simple_function_checker:wrong_func_name",
    )


def test_underscore_to_dot_compares_against_the_underscored_name():
    f = doc("geo.area", ("r",), r="integer")
    assert check_call(f, {"geo_area": {"r": 1}}, {"x": {"r": [1]}}, underscore_to_dot=True).valid
    # the original dotted name is then wrong: BFCL rewrites the *expected* name
    assert verdict(check_call(f, {"geo.area": {"r": 1}}, {"x": {"r": [1]}}, underscore_to_dot=True)) == (
        False,
        "simple_function_checker:wrong_func_name",
    )


def test_simple_category_ignores_the_ground_truth_function_name():
    f = doc("geo.area", ("r",), r="integer")
    assert check_ast("simple_python", [f], [{"geo.area": {"r": 1}}], [{"other_name": {"r": [1]}}]).valid


# --- §5.2 per-call checks ---------------------------------------------------------------------


def test_required_parameter_missing_fails_even_when_the_ground_truth_marks_it_optional():
    f = doc(required=("r",), r="integer")
    result = simple(f, {}, {"r": [1, ""]})
    assert verdict(result) == (False, "simple_function_checker:missing_required")
    assert result.errors == ["Missing required parameter: 'r'."]


def test_parameter_not_in_schema_is_unexpected():
    f = doc(r="integer")
    assert verdict(simple(f, {"r": 1, "color": "red"}, {"r": [1]})) == (
        False,
        "simple_function_checker:unexpected_param",
    )


def test_parameter_in_schema_but_not_in_ground_truth_is_unexpected():
    f = doc(r="integer", units="string")
    assert verdict(simple(f, {"r": 1, "units": "cm"}, {"r": [1]})) == (
        False,
        "simple_function_checker:unexpected_param",
    )


def test_required_check_comes_before_unexpected_parameters():
    f = doc(required=("r",), r="integer")
    assert verdict(simple(f, {"color": "red"}, {"r": [1]})) == (
        False,
        "simple_function_checker:missing_required",
    )


@pytest.mark.parametrize(
    ("type_name", "value", "truth"),
    [
        ("integer", True, [1]),  # bool is not an integer
        ("integer", 10.0, [10]),  # a float is not an integer
        ("integer", "10", [10]),  # strings are never coerced to numbers
        ("float", "2.5", [2.5]),
        ("boolean", "true", [True]),  # "true" is not a boolean
        ("boolean", 1, [True]),
        ("string", 5, ["5"]),
        ("array", "a,b", [["a", "b"]]),
        ("dict", [["k", 1]], [{"k": [1]}]),
    ],
)
def test_type_check_is_strict_python_type_identity(type_name, value, truth):
    items = {"items": {"type": "string"}} if type_name == "array" else {}
    f = doc(x={"type": type_name, "description": "x", **items})
    result = simple(f, {"x": value}, {"x": truth})
    assert verdict(result) == (False, "type_error:simple")
    assert result.errors[-1].startswith("Incorrect type for parameter 'x'.")


def test_int_for_a_float_parameter_is_promoted_at_top_level():
    f = doc(x="float")
    assert simple(f, {"x": 5}, {"x": [5.0]}).valid


def test_no_int_to_float_promotion_inside_arrays():
    # gorilla issue #1049: [1, 3] fails for an array of float whose ground truth is [[1.0, 3.0]]
    f = doc(x={"type": "array", "items": {"type": "float"}, "description": "x"})
    result = simple(f, {"x": [1, 3]}, {"x": [[1.0, 3.0]]})
    assert verdict(result) == (False, "type_error:nested")
    assert simple(f, {"x": [1.0, 3.0]}, {"x": [[1.0, 3.0]]}).valid


def test_tuple_parameter_accepts_tuples_and_lists():
    f = doc(x={"type": "tuple", "items": {"type": "integer"}, "description": "x"})
    assert simple(f, {"x": (1, 2)}, {"x": [[1, 2]]}).valid
    assert simple(f, {"x": [1, 2]}, {"x": [[1, 2]]}).valid


def test_any_is_treated_as_string():
    f = doc(x="any")
    assert verdict(simple(f, {"x": 5}, {"x": ["5"]})) == (False, "type_error:simple")
    assert simple(f, {"x": "Hello"}, {"x": ["hello"]}).valid  # and normalised like a string
    assert simple(f, {"x": 5}, {"x": [5]}).valid  # unless the ground truth holds that type


def test_variable_rule_accepts_the_ground_truths_type_and_compares_by_plain_equality():
    f = doc(n="integer")
    assert simple(f, {"n": "num_items"}, {"n": ["num_items"]}).valid
    # no string normalisation for a "variable": plain equality
    assert verdict(simple(f, {"n": "NUM ITEMS"}, {"n": ["num_items"]})) == (False, "value_error:others")
    # the schema type is still accepted (then also compared by equality)
    assert verdict(simple(f, {"n": 3}, {"n": ["num_items"]})) == (False, "value_error:others")


def test_explicit_null_passes_when_the_ground_truth_lists_it():
    f = doc(city="string")
    assert simple(f, {"city": None}, {"city": ["", None]}).valid
    assert verdict(simple(f, {"city": None}, {"city": ["Paris"]})) == (False, "type_error:simple")


def test_array_element_type_check_is_skipped_when_the_parameter_is_optional():
    f = doc(x={"type": "array", "items": {"type": "integer"}, "description": "x"})
    # with "" listed the element check is skipped, so the value check reports it
    assert verdict(simple(f, {"x": ["a"]}, {"x": [[1, 2], ""]})) == (False, "value_error:list/tuple")
    assert verdict(simple(f, {"x": ["a"]}, {"x": [[1, 2]]})) == (False, "type_error:nested")


def test_nested_arrays_are_type_checked_one_level_deep_only():
    f = doc(x={"type": "array", "items": {"type": "array", "items": {"type": "integer"}}, "description": "x"})
    # inner elements of the wrong type pass the type check, then fail equality
    assert verdict(simple(f, {"x": [["1"]]}, {"x": [[[1]]]})) == (False, "value_error:list/tuple")


@pytest.mark.parametrize(
    ("model", "truth"),
    [
        ("new-york ny", "New York, NY"),
        ("april 1 2024", "April 1, 2024"),
        ("3x**2 + 2x - 1", "3X**2+2X-1"),
        ("a/b_c*d^e", "ABCDE"),
        ("it's", 'it"s'),
    ],
)
def test_string_normalisation_removes_spaces_and_listed_punctuation(model, truth):
    assert standardize_string(model) == standardize_string(truth)
    assert simple(doc(s="string"), {"s": model}, {"s": [truth]}).valid


@pytest.mark.parametrize(
    ("model", "truth"),
    [
        ("NYC", "New York"),
        ("Hello!", "Hello"),
        ("a:b", "ab"),
        ("café", "cafe"),
        ("2024-04-01", "April 1, 2024"),
        ("5 km", "5 kilometers"),
    ],
)
def test_string_normalisation_does_not_touch_other_differences(model, truth):
    result = simple(doc(s="string"), {"s": model}, {"s": [truth]})
    assert verdict(result) == (False, "value_error:string")


def test_empty_string_passes_when_listed_and_must_omit_parameters():
    f = doc(s="string")
    assert simple(f, {"s": ""}, {"s": ["", "x"]}).valid
    assert simple(f, {}, {"s": [""]}).valid  # [""] = must be omitted ...
    assert verdict(simple(f, {"s": "x"}, {"s": [""]})) == (False, "value_error:string")  # ... any value fails


def test_lists_must_equal_one_acceptable_list_in_order():
    f = doc(x={"type": "array", "items": {"type": "string"}, "description": "x"})
    truth = {"x": [["Santa Barbara", "Monterey"]]}
    assert simple(f, {"x": ["santa-barbara", "MONTEREY"]}, truth).valid  # elements normalised
    assert verdict(simple(f, {"x": ["Monterey", "Santa Barbara"]}, truth)) == (
        False,
        "value_error:list/tuple",
    )
    assert verdict(simple(f, {"x": ["Santa Barbara"]}, truth)) == (False, "value_error:list/tuple")
    # permutations pass only when enumerated
    both = {"x": [["Santa Barbara", "Monterey"], ["Monterey", "Santa Barbara"]]}
    assert simple(f, {"x": ["Monterey", "Santa Barbara"]}, both).valid


def test_empty_list_matches_an_optional_list_parameter():
    f = doc(x={"type": "array", "items": {"type": "integer"}, "description": "x"})
    assert simple(f, {"x": []}, {"x": [[1, 2], ""]}).valid
    assert verdict(simple(f, {"x": []}, {"x": [[1, 2]]})) == (False, "value_error:list/tuple")


def test_dict_values_against_acceptable_dicts():
    f = doc(c="dict")
    truth = {
        "c": [
            {"department": ["Science"], "school": ["Bluebird High School", "Bluebird HS"], "year": ["", 2024]}
        ]
    }
    assert simple(f, {"c": {"department": "science", "school": "Bluebird HS"}}, truth).valid
    assert simple(f, {"c": {"department": "Science", "school": "Bluebird HS", "year": 2024.0}}, truth).valid
    assert verdict(
        simple(f, {"c": {"department": "Science", "school": "Bluebird HS", "city": "x"}}, truth)
    ) == (False, "value_error:dict_key")
    assert verdict(simple(f, {"c": {"department": "Math", "school": "Bluebird HS"}}, truth)) == (
        False,
        "value_error:dict_value",
    )
    assert verdict(simple(f, {"c": {"department": "Science"}}, truth)) == (False, "value_error:dict_key")


def test_dict_values_nested_deeper_are_compared_without_normalisation():
    f = doc(c="dict")
    truth = {"c": [{"range": [{"low": "A b"}]}]}
    assert simple(f, {"c": {"range": {"low": "A b"}}}, truth).valid
    assert verdict(simple(f, {"c": {"range": {"low": "ab"}}}, truth)) == (False, "value_error:dict_value")


def test_array_of_dicts_is_matched_position_by_position():
    f = doc(x={"type": "array", "items": {"type": "dict"}, "description": "x"})
    truth = {"x": [[{"name": ["Ana"]}, {"name": ["Bo"]}]]}
    assert simple(f, {"x": [{"name": "ana"}, {"name": "bo"}]}, truth).valid
    assert verdict(simple(f, {"x": [{"name": "Bo"}, {"name": "Ana"}]}, truth)) == (
        False,
        "value_error:dict_value",
    )
    assert verdict(simple(f, {"x": [{"name": "Ana"}]}, truth)) == (False, "value_error:list_dict_count")


def test_numbers_compare_by_python_equality_without_tolerance():
    f = doc(lat="float", n="integer", flag="boolean")
    assert simple(
        f, {"lat": 37.8651, "n": 5, "flag": True}, {"lat": [37.8651], "n": [5], "flag": [True]}
    ).valid
    assert verdict(
        simple(f, {"lat": 37.865, "n": 5, "flag": True}, {"lat": [37.8651], "n": [5], "flag": [True]})
    ) == (False, "value_error:others")
    assert simple(doc(x="float"), {"x": 5.0}, {"x": [5]}).valid  # 5.0 == 5


def test_omitted_ground_truth_parameter_needs_the_empty_string():
    f = doc(r="integer", units="string")
    assert simple(f, {"r": 1}, {"r": [1], "units": ["cm", ""]}).valid
    result = simple(f, {"r": 1}, {"r": [1], "units": ["cm"]})
    assert verdict(result) == (False, "simple_function_checker:missing_optional")


def test_passing_a_schema_default_fails_when_the_ground_truth_does_not_list_it():
    f = doc(r="integer", units={"type": "string", "description": "u", "default": "cm"})
    assert verdict(simple(f, {"r": 1, "units": "cm"}, {"r": [1], "units": [""]})) == (
        False,
        "value_error:string",
    )


def test_first_failing_parameter_in_model_order_is_reported():
    f = doc(a="integer", b="string")
    assert verdict(simple(f, {"b": "x", "a": "1"}, {"a": [1], "b": ["y"]})) == (False, "value_error:string")
    assert verdict(simple(f, {"a": "1", "b": "x"}, {"a": [1], "b": ["y"]})) == (False, "type_error:simple")


# --- §5.3 categories --------------------------------------------------------------------------

F = doc("f", ("x",), x="integer")
G = doc("g", ("y",), y="string")


def test_simple_needs_exactly_one_call():
    truth = [{"f": {"x": [1]}}]
    assert check_ast("simple_python", [F], [{"f": {"x": 1}}], truth).valid
    for calls in ([], [{"f": {"x": 1}}, {"f": {"x": 1}}]):
        result = check_ast("live_simple", [F], calls, truth)
        assert verdict(result) == (False, "simple_function_checker:wrong_count")


def test_multiple_checks_the_ground_truths_function_and_the_call_count():
    truth = [{"g": {"y": ["a"]}}]
    assert check_ast("multiple", [F, G], [{"g": {"y": "A"}}], truth).valid
    assert verdict(check_ast("multiple", [F, G], [{"f": {"x": 1}}], truth)) == (
        False,
        "simple_function_checker:wrong_func_name",
    )
    assert verdict(check_ast("live_multiple", [F, G], [{"g": {"y": "a"}}, {"f": {"x": 1}}], truth)) == (
        False,
        "multiple_function_checker:wrong_count",
    )


def test_parallel_is_order_insensitive_with_exact_counts_and_allows_duplicates():
    truth = [{"f": {"x": [1]}}, {"f": {"x": [2]}}, {"g": {"y": ["a"]}}]
    assert check_ast(
        "parallel_multiple", [F, G], [{"g": {"y": "a"}}, {"f": {"x": 2}}, {"f": {"x": 1}}], truth
    ).valid
    assert verdict(check_ast("parallel", [F, G], [{"f": {"x": 2}}, {"f": {"x": 1}}], truth)) == (
        False,
        "parallel_function_checker_no_order:wrong_count",
    )
    result = check_ast("live_parallel", [F, G], [{"f": {"x": 1}}, {"f": {"x": 1}}, {"g": {"y": "a"}}], truth)
    assert verdict(result) == (False, "parallel_function_checker_no_order:cannot_find_match")
    # the first call matched f(x=1); neither unmatched call fits f(x=2)
    assert result.errors[0] == (
        "Could not find a matching function among index [1, 2] of model output "
        "for index 1 of possible answers."
    )
    assert result.errors[1]["Model Result Index 1"]["sub_error_type"] == "value_error:others"
    assert (
        result.errors[2]["Model Result Index 2"]["sub_error_type"]
        == "simple_function_checker:wrong_func_name"
    )


def test_parallel_matching_is_greedy_first_fit_not_optimal():
    # one model call fits both ground-truth calls; greedy gives it to the first and fails the second
    truth = [{"f": {"x": [1, 2]}}, {"f": {"x": [1]}}]
    calls = [{"f": {"x": 1}}, {"f": {"x": 2}}]
    assert verdict(check_ast("parallel", [F], calls, truth)) == (
        False,
        "parallel_function_checker_no_order:cannot_find_match",
    )
    # toolschool's own checker (bipartite matching) accepts the same answer
    item = EvalItem(
        id="p",
        messages=[Message(role="user", content="q")],
        category="parallel",
        expected=[{"name": "f", "arguments": {"x": [1, 2]}}, {"name": "f", "arguments": {"x": [1]}}],
    )
    assert check_item(
        item, [ToolCall(name="f", arguments={"x": 1}), ToolCall(name="f", arguments={"x": 2})]
    ).correct


def test_irrelevance_is_correct_when_no_valid_call_comes_out():
    assert check_relevance("irrelevance", None, "SyntaxError: invalid syntax").valid  # plain-text refusal
    assert check_relevance("irrelevance", [], None).valid
    assert check_relevance("live_irrelevance", [{}], None).valid
    assert check_relevance("irrelevance", "I cannot help", None).valid  # not in call format
    for call in ([{"f": {"x": 1}}], [{"anything": {}}]):  # any well-formed call fails, args never read
        result = check_relevance("irrelevance", call, None)
        assert verdict(result) == (False, "irrelevance_error:decoder_success")


def test_relevance_is_the_inverse():
    assert check_relevance("live_relevance", [{"anything": {"bogus": 1}}], None).valid
    for decoded, error in (([], None), (None, "SyntaxError")):
        assert verdict(check_relevance("live_relevance", decoded, error)) == (
            False,
            "relevance_error:decoder_failed",
        )


# --- §4 the decoding gate ---------------------------------------------------------------------


def entry(category: str, functions: list[dict[str, Any]], truth: list[dict[str, Any]] | None) -> BfclEntry:
    return BfclEntry(f"{category}_0", category, [Message(role="user", content="q")], functions, truth, "test")


def test_format_gate():
    assert is_function_calling_format([])
    assert is_function_calling_format([{"f": {"x": 1}}, {"g": {}}])
    for bad in ("text", [{"f": {"x": 1}, "g": {}}], [{"f": "x=1"}], ["f(x=1)"], ({"f": {}},)):
        assert not is_function_calling_format(bad)
    assert is_empty_output([]) and is_empty_output("text") and not is_empty_output([{"f": {}}])


def test_check_entry_applies_the_decoding_gate_before_the_ast_checker():
    e = entry("simple_python", [F], [{"f": {"x": [1]}}])
    assert verdict(check_entry(e, None, "SyntaxError: bad")) == (False, "ast_decoder:decoder_failed")
    assert verdict(check_entry(e, ["f(x=1)"])) == (False, "ast_decoder:decoder_wrong_output_format")
    assert verdict(check_entry(e, [])) == (False, "simple_function_checker:wrong_count")
    assert check_entry(e, [{"f": {"x": 1}}]).valid
    irrelevant = entry("irrelevance", [F], None)
    assert check_entry(irrelevant, None, "SyntaxError: bad").valid
