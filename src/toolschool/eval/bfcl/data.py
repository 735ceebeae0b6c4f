"""BFCL test files: categories, loading questions with their possible answers, tool schemas.

Source: ``shared/bfcl/BFCL_SEMANTICS.md`` §1–§3 and §7 (read from ``ShishirPatil/gorilla`` at
commit ``6ea5797``: ``bfcl_eval/utils.py`` for the category of an id and the language hint,
``bfcl_eval/model_handler/utils.py::convert_to_tool`` for the tool schemas FC models get).

* A question file (``BFCL_v4_<category>.json``) is JSON Lines despite its extension (read with
  :func:`toolschool.interop.source.iter_source`, shared with ``data import bfcl``): ``{"id",
  "question": [[{role, content}, ...]], "function": [doc, ...]}``. Single-turn categories are
  asked with the first turn only, as BFCL's handlers do.
* Its ground truth is ``possible_answer/<same file name>`` beside it, aligned by line order
  (BFCL aligns by index, not by id): ``{"id", "ground_truth": [{name: {param: [acceptable]}}]}``.
* The category of an item is its id without the last ``_<n>`` (``live_simple_30-8-0`` →
  ``live_simple``), as BFCL's ``extract_test_category_from_id``.
* :func:`to_tool_schema` is BFCL's FC conversion: the Python language hint appended to the
  description, ``dict``→``object``, ``float``→``number`` (with ``format: float`` and " This is a
  float type value." appended to its description), ``tuple``→``array``, ``any``→``string``
  (the type table is :data:`toolschool.interop.bfcl_schema.BFCL_TO_JSON`; BFCL's walk: top-level
  parameters, ``properties`` recursively, ``items`` two levels deep), unknown→``string``, and
  dots in the name replaced by ``_`` (the OpenAI/OSS-model styles; the checker then compares
  with ``underscore_to_dot``). Keys other than ``name``,
  ``description`` and ``parameters`` (``response``…) are dropped: toolschool formats render
  only those three.

Supported categories are the single-turn Python AST and relevance ones (:data:`CATEGORIES`);
Java/JavaScript (their checker converts string values with Java/JS type converters),
multi-turn, memory, web-search and format-sensitivity files are refused with a
:class:`~toolschool.errors.DataError`.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from toolschool.errors import DataError
from toolschool.interop.bfcl import answers_path
from toolschool.interop.bfcl_schema import BFCL_TO_JSON
from toolschool.interop.source import iter_source
from toolschool.types import FunctionSpec, Message, ToolSchema

CheckerKind = Literal["simple", "multiple", "parallel", "irrelevance", "relevance"]


@dataclass(frozen=True)
class Category:
    """One BFCL category toolschool can score.

    Attributes:
        name: as in the file name and ids (``simple_python``, ``live_multiple``...).
        checker: which check scores it (BFCL's dispatch, §5.3).
        column: its leaderboard column (BFCL_SEMANTICS.md §1, table-qualified).
        size: items in the published V4 file (a category not run counts with this size in the
            count-weighted "Live Acc", as BFCL's ``get_category_score`` does).
    """

    name: str
    checker: CheckerKind
    column: str
    size: int

    @property
    def has_answers(self) -> bool:
        """Whether the category has a ``possible_answer`` file (the AST ones)."""
        return self.checker not in ("irrelevance", "relevance")


#: The single-turn Python categories (BFCL_SEMANTICS.md §1), in leaderboard order.
CATEGORIES: dict[str, Category] = {
    c.name: c
    for c in (
        Category("simple_python", "simple", "Non-Live Python Simple AST", 400),
        Category("multiple", "multiple", "Non-Live Multiple AST", 200),
        Category("parallel", "parallel", "Non-Live Parallel AST", 200),
        Category("parallel_multiple", "parallel", "Non-Live Parallel Multiple AST", 200),
        Category("irrelevance", "irrelevance", "Non-Live Irrelevance Detection", 240),
        Category("live_simple", "simple", "Live Simple AST", 258),
        Category("live_multiple", "multiple", "Live Multiple AST", 1053),
        Category("live_parallel", "parallel", "Live Parallel AST", 16),
        Category("live_parallel_multiple", "parallel", "Live Parallel Multiple AST", 24),
        Category("live_irrelevance", "irrelevance", "Live Irrelevance Detection", 884),
        Category("live_relevance", "relevance", "Relevance Detection", 16),
    )
}
#: V3 file/id names of the same categories (``BFCL_v3_simple.json``, ids ``simple_0``).
V3_NAMES = {"simple": "simple_python"}
#: Categories BFCL has that this module does not score, with the reason.
UNSUPPORTED = {
    "simple_java": "Java values are checked through BFCL's Java type converter",
    "simple_javascript": "JavaScript values are checked through BFCL's JS type converter",
    "java": "Java values are checked through BFCL's Java type converter",
    "javascript": "JavaScript values are checked through BFCL's JS type converter",
    "multi_turn_base": "multi-turn categories are scored by executing calls",
    "multi_turn_miss_func": "multi-turn categories are scored by executing calls",
    "multi_turn_miss_param": "multi-turn categories are scored by executing calls",
    "multi_turn_long_context": "multi-turn categories are scored by executing calls",
    "memory": "agentic categories are scored on the final answer",
    "web_search": "agentic categories are scored on the final answer",
    "format_sensitivity": "format sensitivity re-runs other categories under 26 prompt configs",
}

#: What BFCL appends to every Python function description (``_get_language_specific_hint``).
PYTHON_HINT = " Note that the provided function is in Python 3 syntax."

#: BFCL type names → the checker's Python types (``PYTHON_TYPE_MAPPING`` of the AST checker).
PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
}
#: Types whose elements get one level of type checking (``PYTHON_NESTED_TYPE_CHECK_LIST``).
NESTED_TYPES = ("array", "tuple")


def category_of(item_id: str) -> str:
    """The category of a BFCL id: ``"live_simple_30-8-0"`` → ``"live_simple"`` (V3 names mapped)."""
    name = item_id.split(":")[0].rsplit("_", 1)[0]
    return V3_NAMES.get(name, name)


@dataclass
class BfclEntry:
    """One BFCL item ready to ask and to check.

    Attributes:
        id: the BFCL id.
        category: from the id (:func:`category_of`).
        messages: the first turn of ``question`` (what single-turn handlers send).
        functions: the function docs as in the file (BFCL-typed; the checker reads these).
        ground_truth: ``[{name: {param: [acceptable...]}}]``; ``None`` for (ir)relevance items.
        source: ``file:line`` of the question, for error messages.
    """

    id: str
    category: str
    messages: list[Message]
    functions: list[dict[str, Any]]
    ground_truth: list[dict[str, dict[str, list[Any]]]] | None
    source: str

    @property
    def info(self) -> Category:
        return CATEGORIES[self.category]


def _read_lines(path: Path) -> list[tuple[str, dict[str, Any]]]:
    rows = list(iter_source(path))
    for where, data in rows:
        if not isinstance(data.get("id"), str) or not data["id"]:
            raise DataError(f"{where}: missing string field 'id'")
    return rows


def _check_param(where: str, name: str, schema: Any) -> None:
    if not isinstance(schema, dict) or not isinstance(schema.get("type"), str):
        raise DataError(f"{where}: parameter {name!r} needs a 'type' string")
    kind = schema["type"]
    if kind not in PYTHON_TYPES:
        raise DataError(
            f"{where}: parameter {name!r} has type {kind!r}, not a BFCL Python type "
            f"({', '.join(PYTHON_TYPES)})"
        )
    if kind in NESTED_TYPES:
        items = schema.get("items")
        if not isinstance(items, dict) or items.get("type") not in PYTHON_TYPES:
            raise DataError(f"{where}: {kind} parameter {name!r} needs 'items' with a BFCL Python type")


def _check_function(where: str, doc: Any, typed: bool) -> None:
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str) or not doc["name"]:
        raise DataError(f"{where}: each function needs a 'name' string")
    where = f"{where}: function {doc['name']!r}"
    if not isinstance(doc.get("description", ""), str):
        raise DataError(f"{where}: 'description' must be a string")
    params = doc.get("parameters")
    if not isinstance(params, dict) or not isinstance(params.get("properties"), dict):
        raise DataError(f"{where}: 'parameters' needs a 'properties' object")
    if not isinstance(params.get("required", []), list):
        raise DataError(f"{where}: 'parameters.required' must be a list")
    if typed:  # the AST checker looks up every parameter type; (ir)relevance never does
        for name, schema in params["properties"].items():
            _check_param(where, name, schema)


def _entry(at: str, data: dict[str, Any], category: str) -> BfclEntry:
    where = f"{at} (id {data['id']!r})"
    question = data.get("question")
    if not isinstance(question, list) or not question or not isinstance(question[0], list):
        raise DataError(f"{where}: 'question' must be a non-empty list of turns (lists of messages)")
    try:
        messages = [Message.model_validate(m) for m in question[0]]
    except ValueError as exc:
        raise DataError(f"{where}: bad message in the first turn: {exc}") from None
    if not messages:
        raise DataError(f"{where}: the first turn has no messages")
    functions = data.get("function")
    if not isinstance(functions, list):
        raise DataError(f"{where}: 'function' must be a list of function docs")
    if CATEGORIES[category].has_answers and not functions:
        raise DataError(f"{where}: 'function' is empty; an AST item checks calls against its functions")
    for doc in functions:
        _check_function(where, doc, CATEGORIES[category].has_answers)
    return BfclEntry(data["id"], category, messages, functions, None, where)


def _attach_answers(entries: list[BfclEntry], path: Path, rows: list[tuple[str, dict[str, Any]]]) -> None:
    if len(rows) != len(entries):
        raise DataError(
            f"{path}: {len(rows)} answers for {len(entries)} questions (BFCL aligns them line by line)"
        )
    for entry, (at, row) in zip(entries, rows):
        where = f"{at} (id {row['id']!r})"
        truth = row.get("ground_truth")
        if not isinstance(truth, list) or not truth:
            raise DataError(f"{where}: 'ground_truth' must be a non-empty list of calls")
        for call in truth:
            if (
                not isinstance(call, dict)
                or len(call) != 1
                or not isinstance(next(iter(call.values())), dict)
            ):
                raise DataError(f"{where}: each ground-truth call must be {{name: {{param: [values]}}}}")
            name, params = next(iter(call.items()))
            for param, options in params.items():
                if not isinstance(options, list):
                    raise DataError(f"{where}: {name}.{param} must map to a list of acceptable values")
            if entry.info.checker != "simple" and name not in {f["name"] for f in entry.functions}:
                raise DataError(f"{where}: ground truth calls {name!r}, which {entry.id} does not offer")
        entry.ground_truth = truth


def load_bfcl(
    path: str | os.PathLike[str], answers: str | os.PathLike[str] | None = None, limit: int | None = None
) -> list[BfclEntry]:
    """Read a BFCL question file and, for AST categories, its possible answers.

    Args:
        path: ``BFCL_v4_<category>.json`` (JSON Lines).
        answers: the possible-answer file; None = :func:`answers_path` of ``path``.
        limit: keep only the first ``limit`` items (BFCL's ``--partial-eval``: scored over them).

    Returns:
        The entries in file order.

    Raises:
        DataError: unreadable file, bad JSON, a malformed item (file, line and field named),
            an unsupported or mixed category, duplicate ids, a missing possible-answer file for
            an AST category, or answers that do not line up with the questions.
    """
    path = Path(path)
    rows = _read_lines(path)
    if limit is not None:
        rows = rows[:limit]
    entries: list[BfclEntry] = []
    seen: dict[str, str] = {}
    for at, data in rows:
        category = category_of(data["id"])
        if category in UNSUPPORTED:
            raise DataError(
                f"{at}: BFCL category {category!r} is not supported here: {UNSUPPORTED[category]}"
            )
        if category not in CATEGORIES:
            raise DataError(
                f"{at}: id {data['id']!r} is not of a known BFCL category ({', '.join(CATEGORIES)})"
            )
        if entries and category != entries[0].category:
            raise DataError(
                f"{at}: id {data['id']!r} is {category!r}, but the file began "
                f"with {entries[0].category!r} (one category per file, as BFCL's)"
            )
        if data["id"] in seen:
            raise DataError(f"{at}: duplicate id {data['id']!r} (first at {seen[data['id']]})")
        seen[data["id"]] = at
        entries.append(_entry(at, data, category))
    if entries and entries[0].info.has_answers:
        answer_file = Path(answers) if answers is not None else answers_path(path)
        if not answer_file.is_file():
            raise DataError(
                f"{path}: {entries[0].category} needs its possible answers; {answer_file} does not exist"
            )
        answer_rows = _read_lines(answer_file)
        _attach_answers(
            entries, answer_file, answer_rows[: len(entries)] if limit is not None else answer_rows
        )
    return entries


def _cast_types(properties: dict[str, Any]) -> dict[str, Any]:
    """BFCL's ``_cast_to_openai_type`` (OpenAPI mapping), in place; returns ``properties``."""
    for schema in properties.values():
        kind = schema.get("type")
        if kind is None:
            schema["type"] = "string"
        else:
            if kind == "float":
                schema["format"] = "float"
                schema["description"] = schema.get("description", "") + " This is a float type value."
            schema["type"] = BFCL_TO_JSON.get(kind, "string")
        if schema["type"] in ("array", "object"):
            if "properties" in schema:
                _cast_types(schema["properties"])
            elif "items" in schema:
                items = schema["items"]
                items["type"] = BFCL_TO_JSON.get(items.get("type"), "string")
                if items["type"] == "array" and "items" in items:
                    items["items"]["type"] = BFCL_TO_JSON.get(items["items"].get("type"), "string")
                elif items["type"] == "object" and "properties" in items:
                    _cast_types(items["properties"])
    return properties


def tool_name(name: str, underscore_names: bool) -> str:
    """The name a model is offered: dots → ``_`` when ``underscore_names`` (BFCL's FC styles)."""
    return name.replace(".", "_") if underscore_names else name


def to_tool_schema(
    function: dict[str, Any], underscore_names: bool = True, hint: str = PYTHON_HINT
) -> ToolSchema:
    """A BFCL function doc as the tool an FC model is offered (module docstring).

    Args:
        function: a BFCL function doc (not modified).
        underscore_names: replace dots in the name by ``_`` (OpenAI/OSS-model FC styles);
            False keeps them (self-hosted handlers that dump the docs, e.g. Qwen FC).
        hint: appended to the description (BFCL's language hint).

    Raises:
        DataError: the doc has no ``parameters.properties`` object.
    """
    doc = copy.deepcopy(function)
    params = doc.get("parameters")
    if not isinstance(params, dict) or not isinstance(params.get("properties"), dict):
        raise DataError(f"function {doc.get('name')!r}: 'parameters' needs a 'properties' object")
    params["type"] = "object"
    _cast_types(params["properties"])
    spec = FunctionSpec(
        name=tool_name(doc["name"], underscore_names),
        description=str(doc.get("description", "")) + hint,
        parameters=params,
    )
    return ToolSchema(function=spec)


def entry_tools(entry: BfclEntry, underscore_names: bool = True) -> list[ToolSchema]:
    """The tools offered for one entry (:func:`to_tool_schema` of each of its functions)."""
    return [to_tool_schema(doc, underscore_names) for doc in entry.functions]
