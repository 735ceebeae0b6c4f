"""Tool schemas from Python functions, and validation of call arguments.

``@tool`` turns a typed, documented function into a :class:`Tool` whose ``schema`` is an
OpenAI ``tools`` entry. Types map to JSON Schema as in the OpenAI function-calling guide:
``str``→string, ``int``→integer, ``float``→number, ``bool``→boolean, ``list[T]``→array,
``dict``→object, ``Literal[...]``→enum, ``Optional[T]``/``T | None``→not required.
Argument descriptions come from the docstring (Google, reST or NumPy style, parsed by
``docstring_parser``); ``Annotated[T, "description"]`` overrides them.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

import docstring_parser
import jsonschema

from toolschool.errors import ArgumentValidationError, SchemaError
from toolschool.types import FunctionSpec, ToolSchema

_PRIMITIVES: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    dict: {"type": "object"},
    list: {"type": "array"},
    Any: {},
}


def _is_optional(annotation: Any) -> tuple[bool, Any]:
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) < len(get_args(annotation)):
            inner = args[0] if len(args) == 1 else typing.Union[tuple(args)]  # noqa: UP007
            return True, inner
    return False, annotation


def annotation_to_schema(annotation: Any, where: str) -> dict[str, Any]:
    """JSON Schema for a Python type annotation.

    Args:
        annotation: a type hint.
        where: ``"function.parameter"`` for error messages.

    Raises:
        SchemaError: the annotation has no JSON Schema equivalent.
    """
    optional, annotation = _is_optional(annotation)
    if optional:
        return annotation_to_schema(annotation, where)
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = get_args(annotation)
        schema = annotation_to_schema(base, where)
        texts = [e for e in extra if isinstance(e, str)]
        if texts:
            schema["description"] = texts[0]
        return schema
    if origin is Literal:
        values = list(get_args(annotation))
        schema: dict[str, Any] = {"enum": values}
        kinds = {type(v) for v in values}
        if len(kinds) == 1 and next(iter(kinds)) in _PRIMITIVES:
            schema = {**_PRIMITIVES[next(iter(kinds))], "enum": values}
        return schema
    if origin in (list, tuple, set, frozenset):
        args = get_args(annotation)
        schema = {"type": "array"}
        if args and args[0] is not Ellipsis:
            schema["items"] = annotation_to_schema(args[0], where + "[]")
        return schema
    if origin is dict:
        return {"type": "object"}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [annotation_to_schema(a, where) for a in get_args(annotation)]}
    if annotation in _PRIMITIVES:
        return dict(_PRIMITIVES[annotation])
    raise SchemaError(f"{where}: type {annotation!r} has no JSON Schema equivalent")


def function_schema(fn: Callable[..., Any], name: str | None = None, description: str | None = None) -> ToolSchema:
    """Derive an OpenAI tool schema from a function's signature and docstring.

    Raises:
        SchemaError: a parameter lacks a type hint, is ``*args``/``**kwargs``, or has an
            unsupported type; the message names the function and parameter.
    """
    fname = name or fn.__name__
    doc = docstring_parser.parse(inspect.getdoc(fn) or "")
    arg_docs = {p.arg_name: (p.description or "").strip() for p in doc.params}
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:  # unresolved forward references
        raise SchemaError(f"{fname}: cannot resolve type hints: {exc}") from None
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in inspect.signature(fn).parameters.values():
        where = f"{fname}.{param.name}"
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise SchemaError(f"{where}: *args/**kwargs cannot be described as tool arguments")
        if param.name not in hints:
            raise SchemaError(f"{where}: missing type hint")
        schema = annotation_to_schema(hints[param.name], where)
        if "description" not in schema and arg_docs.get(param.name):
            schema["description"] = arg_docs[param.name]
        optional, _ = _is_optional(hints[param.name])
        if param.default is inspect.Parameter.empty and not optional:
            required.append(param.name)
        elif param.default is not inspect.Parameter.empty and param.default is not None:
            schema["default"] = param.default
        properties[param.name] = schema
    text = description
    if text is None:
        text = " ".join(p for p in (doc.short_description, doc.long_description) if p).strip()
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    return ToolSchema(function=FunctionSpec(name=fname, description=text, parameters=parameters))


def arguments_validator(schema: ToolSchema) -> jsonschema.Draft202012Validator:
    """A JSON Schema (draft 2020-12) validator of the tool's arguments, closed to unknown
    arguments unless the schema says ``additionalProperties: true``; build it once per tool
    when checking many calls (:func:`argument_problems`)."""
    params = dict(schema.function.parameters)
    params.setdefault("additionalProperties", False)
    return jsonschema.Draft202012Validator(params)


def validate_arguments(schema: ToolSchema, arguments: dict[str, Any]) -> list[str]:
    """Check ``arguments`` against the tool's parameter schema (JSON Schema draft 2020-12).

    Unknown arguments are reported too (tools are closed unless the schema says
    ``additionalProperties: true``).

    Returns:
        One line per problem, each naming the argument path; empty when valid.
    """
    return argument_problems(arguments_validator(schema), arguments)


def argument_problems(validator: jsonschema.Draft202012Validator, arguments: dict[str, Any]) -> list[str]:
    """The problems ``validator`` (:func:`arguments_validator`) finds in ``arguments``, one line
    each naming the argument path; empty when valid."""
    problems = []
    for err in sorted(validator.iter_errors(arguments), key=lambda e: list(e.path)):
        path = ".".join(str(p) for p in err.absolute_path) or "(arguments)"
        problems.append(f"{path}: {err.message}")
    return problems


@dataclass
class Tool:
    """A callable tool: its schema plus the Python function implementing it."""

    schema: ToolSchema
    fn: Callable[..., Any]

    @property
    def name(self) -> str:
        return self.schema.name

    def validate(self, arguments: dict[str, Any]) -> None:
        """Raise :class:`ArgumentValidationError` when ``arguments`` do not match the schema."""
        problems = validate_arguments(self.schema, arguments)
        if problems:
            raise ArgumentValidationError(self.name, problems)

    def __call__(self, **arguments: Any) -> Any:
        self.validate(arguments)
        return self.fn(**arguments)


def tool(
    fn: Callable[..., Any] | None = None, *, name: str | None = None, description: str | None = None
) -> Any:
    """Decorator: ``@tool`` or ``@tool(name=..., description=...)`` → :class:`Tool`.

    The schema is derived once, at decoration time, so a bad signature fails at import.
    """

    def wrap(f: Callable[..., Any]) -> Tool:
        return Tool(schema=function_schema(f, name=name, description=description), fn=f)

    return wrap(fn) if fn is not None else wrap
