"""What the per-format tests share: hypothesis strategies for tool calls whose strings hold a
format's delimiters, the render → parse round-trip assertion, and a stream run over chunks.

Imported as ``tests.formats.roundtrip`` (the tests run with ``python -m pytest`` from the
project root, which puts it on ``sys.path``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hypothesis import strategies as st

from toolschool.formats import StreamEvent, ToolFormat
from toolschool.types import ToolCall

#: tool (and keyword) names every format can write
TOOL_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True)


def strings_with(
    delimiters: Sequence[str], *, size: int = 4, without: Sequence[str] = ()
) -> st.SearchStrategy[str]:
    """Strings of arbitrary text and ``delimiters`` (up to ``size`` pieces), none holding one
    of ``without``."""
    strings = st.lists(st.text(max_size=6) | st.sampled_from(list(delimiters)), max_size=size).map("".join)
    return strings.filter(lambda s: not any(w in s for w in without)) if without else strings


def json_values(
    strings: st.SearchStrategy[str], keys: st.SearchStrategy[str] | None = None, max_leaves: int = 8
) -> st.SearchStrategy[object]:
    """JSON-like values: None, booleans, ints, finite floats, ``strings``, and lists and dicts of
    them (dict keys from ``keys``, by default ``strings``)."""
    keys = strings if keys is None else keys
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    return st.recursive(
        scalars | strings,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=max_leaves,
    )


def tool_calls(
    names: st.SearchStrategy[str], keys: st.SearchStrategy[str], values: st.SearchStrategy[object]
) -> st.SearchStrategy[list[ToolCall]]:
    """One to three calls with up to four arguments each."""
    call = st.builds(ToolCall, name=names, arguments=st.dictionaries(keys, values, max_size=4))
    return st.lists(call, min_size=1, max_size=3)


def events_of(fmt: ToolFormat, chunks: Iterable[str]) -> list[StreamEvent]:
    """Every event of a stream parser fed ``chunks``, then finished."""
    parser = fmt.stream()
    events = [ev for chunk in chunks for ev in parser.feed(chunk)]
    return events + parser.finish()


def assert_round_trip(formats: Iterable[ToolFormat], text: str, calls: list[ToolCall], content: str) -> None:
    """Each of ``formats`` parses ``text`` back into ``calls`` (names and arguments) and
    ``content``, without errors or repairs."""
    for fmt in formats:
        result = fmt.parse(text)
        assert result.ok, result.errors
        assert [(c.name, c.arguments) for c in result.calls] == [(c.name, c.arguments) for c in calls]
        assert result.content == content and not result.repairs
