"""BFCL test files ⇄ toolschool eval items (and training conversations).

Format (``shared/bfcl/BFCL_SEMANTICS.md`` §2–§3, read from ``ShishirPatil/gorilla``): a question
file is JSON Lines ``{"id", "question": [[{role, content}...]], "function": [doc...]}``; its
ground truth is ``possible_answer/<same name>`` beside it, aligned by line,
``{"id", "ground_truth": [{name: {param: [acceptable...]}}]}``, where ``""`` among the
acceptable values means the parameter may be left out. Irrelevance files have no answers
(no call is right).

toolschool's eval items keep that disjunction as it is (``expected[i].arguments[param]`` is
the list of acceptable values, ``""`` = may be omitted; see :mod:`toolschool.eval.items`), so
:func:`read_bfcl` is lossless for the single-turn categories: tools become JSON Schema
(:func:`~toolschool.interop.bfcl_schema.bfcl_to_json_schema`; function names keep their dots
unless ``underscore_names``), BFCL's language hint is *not* appended (it is an evaluation
prompt detail, not data). Multi-turn items (more than one turn in ``question``) are refused.

:func:`~toolschool.interop.canonical.item_to_conversation` makes a training conversation from
an item (the first acceptable value of every argument); :func:`write_bfcl` writes an item back
as a question line and an answer line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from toolschool.errors import DataError, UnrepresentableError
from toolschool.eval.items import EvalItem
from toolschool.interop.bfcl_schema import bfcl_to_json_schema, json_schema_to_bfcl
from toolschool.interop.source import iter_source
from toolschool.types import FunctionSpec, ToolSchema


def answers_path(questions: str | os.PathLike[str]) -> Path:
    """Where BFCL keeps a question file's ground truth: ``possible_answer/<name>`` beside it."""
    path = Path(questions)
    return path.parent / "possible_answer" / path.name


def _name(name: str, underscore_names: bool) -> str:
    return name.replace(".", "_") if underscore_names else name


def _tool(doc: Any, where: str, underscore_names: bool) -> ToolSchema:
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str) or not doc["name"]:
        raise DataError(f"{where}: each function needs a 'name' string")
    here = f"{where}: function {doc['name']!r}"
    params = doc.get("parameters") or {"type": "dict", "properties": {}}
    if not isinstance(params, dict) or not isinstance(params.get("properties", {}), dict):
        raise DataError(f"{here}: 'parameters' needs a 'properties' object")
    schema = bfcl_to_json_schema(params, f"{here}: parameters")
    schema["type"] = "object"
    description = doc.get("description") or ""
    if not isinstance(description, str):
        raise DataError(f"{here}: 'description' must be a string")
    spec = FunctionSpec(name=_name(doc["name"], underscore_names), description=description, parameters=schema)
    return ToolSchema(function=spec)


def _expected(truth: Any, where: str, underscore_names: bool) -> list[dict[str, Any]]:
    if not isinstance(truth, list):
        raise DataError(f"{where}: 'ground_truth' must be a list of calls")
    expected = []
    for call in truth:
        if not isinstance(call, dict) or len(call) != 1 or not isinstance(next(iter(call.values())), dict):
            raise DataError(f"{where}: each ground-truth call must be {{name: {{param: [acceptable...]}}}}")
        name, params = next(iter(call.items()))
        for param, options in params.items():
            if not isinstance(options, list):
                raise DataError(f"{where}: {name}.{param} must map to a list of acceptable values")
        expected.append({"name": _name(name, underscore_names), "arguments": params})
    return expected


def read_bfcl(path: str | os.PathLike[str], answers: str | os.PathLike[str] | None = None,
              underscore_names: bool = False) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(where, item)`` per BFCL question: its ``file:line`` and an eval item ``{id, messages,
    tools, expected, source, bfcl_category}``.

    Args:
        path: a BFCL question file (JSON Lines).
        answers: its possible-answer file; None = :func:`answers_path` when that exists, else
            every item expects no call (the irrelevance categories have no answer file).
        underscore_names: write dots in function names as ``_`` (tools and expected alike), as
            BFCL does for function-calling APIs that refuse dots.

    Raises:
        DataError: a malformed question or answer (file, line and field named), a multi-turn
            question, answers that do not line up with the questions, or an item that is not a
            valid eval item.
    """
    questions = list(iter_source(path))
    answer_file = Path(answers) if answers is not None else answers_path(path)
    truths: list[tuple[str, dict[str, Any]]] | None = None
    if answers is not None or answer_file.is_file():
        truths = list(iter_source(answer_file))
        if len(truths) != len(questions):
            raise DataError(f"{answer_file}: {len(truths)} answers for {len(questions)} questions in {path} "
                            "(BFCL aligns them line by line)")
    for k, (where, record) in enumerate(questions):
        ident = record.get("id")
        if not isinstance(ident, str) or not ident:
            raise DataError(f"{where}: missing string field 'id'")
        turns = record.get("question")
        if not isinstance(turns, list) or not turns or not isinstance(turns[0], list):
            raise DataError(f"{where}: 'question' must be a non-empty list of turns (lists of messages)")
        if len(turns) > 1:
            raise DataError(f"{where}: {ident!r} has {len(turns)} turns; multi-turn BFCL items are not "
                            "single-turn eval items")
        functions = record.get("function")
        if not isinstance(functions, list):
            raise DataError(f"{where}: 'function' must be a list of function docs")
        expected: list[dict[str, Any]] = []
        if truths is not None:
            answer_where, answer = truths[k]
            if answer.get("id") != ident:
                raise DataError(f"{answer_where}: answer id {answer.get('id')!r} does not match question "
                                f"{ident!r} at {where}")
            expected = _expected(answer.get("ground_truth"), answer_where, underscore_names)
        item = {
            "id": ident,
            "messages": turns[0],
            "tools": [_tool(doc, where, underscore_names).to_openai() for doc in functions],
            "expected": expected,
            "source": "bfcl",
            "bfcl_category": ident.split(":")[0].rsplit("_", 1)[0],
        }
        try:
            EvalItem.model_validate(item)
        except ValueError as exc:
            raise DataError(f"{where}: {ident!r} is not a valid eval item: {exc}") from None
        yield where, item


def write_bfcl(item: EvalItem) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(question line, possible-answer line)`` of an eval item (an item expecting no call gets
    ``ground_truth: []``, so answer lines stay aligned with question lines).

    Raises:
        UnrepresentableError: the item has no tools, has assistant or tool messages (BFCL's
            single-turn questions hold system and user messages only), a parameter type BFCL
            has no name for, or checks arguments with ``_loose`` keywords or ``_numeric``
            targets, which BFCL cannot express.
    """
    if not item.tools:
        raise UnrepresentableError(f"item {item.id!r}: BFCL questions carry their functions; this has none")
    roles = {m.role for m in item.messages}
    if roles - {"system", "user"}:
        raise UnrepresentableError(f"item {item.id!r}: BFCL single-turn questions hold system and user "
                                   f"messages only; this one has {sorted(roles - {'system', 'user'})}")
    for call in item.expected:
        if call.loose or call.numeric:
            raise UnrepresentableError(f"item {item.id!r}: {call.name} checks arguments by keywords or by "
                                       "the value of an expression (_loose/_numeric); BFCL cannot express it")
    functions = []
    for tool in item.tools:
        try:
            params = json_schema_to_bfcl(tool.function.parameters, f"item {item.id!r}: {tool.name}")
        except DataError as exc:
            raise UnrepresentableError(str(exc)) from None
        params["type"] = "dict"
        functions.append({"name": tool.name, "description": tool.function.description, "parameters": params})
    question = {"id": item.id, "question": [[{"role": m.role, "content": m.content} for m in item.messages]],
                "function": functions}
    answer = {"id": item.id, "ground_truth": [{c.name: c.arguments} for c in item.expected]}
    return question, answer
