"""Reading JSON Lines, JSON arrays and Parquet with record locations; writing both JSON layouts."""

from __future__ import annotations

import json

import pytest

from toolschool.errors import DataError
from toolschool.interop.source import iter_source, json_field, write_records


def test_json_lines_and_array_give_records_with_their_lines(tmp_path):
    lines = tmp_path / "a.jsonl"
    lines.write_text('{"a": 1}\n\n{"a": 2}\n', encoding="utf-8")
    assert list(iter_source(lines)) == [(f"{lines}:1", {"a": 1}), (f"{lines}:3", {"a": 2})]
    separators = tmp_path / "c.jsonl"  # U+2028 and U+0085 may stand unescaped inside JSON strings
    separators.write_text('{"a": "x\u2028y\u0085z"}\n', encoding="utf-8")
    assert list(iter_source(separators)) == [(f"{separators}:1", {"a": "x\u2028y\u0085z"})]
    array = tmp_path / "b.json"
    array.write_text('[\n  {"a": 1,\n   "b": [1, 2]},\n\n  {"a": 2}\n]\n', encoding="utf-8")
    assert list(iter_source(array)) == [(f"{array}:2", {"a": 1, "b": [1, 2]}), (f"{array}:5", {"a": 2})]


@pytest.mark.parametrize("text, where", [
    ('[\n{"a": 1},\n{"a": }\n]', ":3: column 7: invalid JSON"),
    ('[\n{"a": 1}\n{"a": 2}]', ":3: expected ',' or ']'"),
    ('[{"a": 1},', "the JSON array is not closed"),
    ('[{"a": 1}] x', ":1: text after the closing"),
    ('[\n{"a": 1},\n[1]\n]', ":3: expected a JSON object, got list"),
    ('{"a": 1}\n{"a": 2', ":2: column 8: invalid JSON"),
])
def test_bad_json_is_reported_with_file_and_line(tmp_path, text, where):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=f"^{path}{where}" if where.startswith(":") else where):
        list(iter_source(path))


def test_parquet_rows_are_records(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    path = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pylist([{"query": "hi", "answers": "[]"}]), path)
    assert list(iter_source(path)) == [(f"{path}: row 0", {"query": "hi", "answers": "[]"})]


def test_json_field_decodes_strings_and_names_the_field():
    assert json_field({"tools": "[1]"}, "tools", "f:1", list) == [1]
    assert json_field({"tools": [1]}, "tools", "f:1", list) == [1]
    assert json_field({}, "tools", "f:1", list, required=False) == []
    with pytest.raises(DataError, match="f:1: field 'tools' is a string but not JSON"):
        json_field({"tools": "[1,"}, "tools", "f:1", list)
    with pytest.raises(DataError, match="f:1: field 'tools' must be a list, got dict"):
        json_field({"tools": {}}, "tools", "f:1", list)
    with pytest.raises(DataError, match="f:1: missing field 'answers'"):
        json_field({}, "answers", "f:1", list)


def test_write_records_layout_follows_the_extension(tmp_path):
    records = [{"a": 1}, {"b": "é"}]
    assert write_records(tmp_path / "x.json", records) == 2
    assert json.loads((tmp_path / "x.json").read_text(encoding="utf-8")) == records
    write_records(tmp_path / "x.jsonl", records)
    assert [json.loads(x) for x in (tmp_path / "x.jsonl").read_text(encoding="utf-8").splitlines()] == records
    write_records(tmp_path / "empty.json", [])
    assert json.loads((tmp_path / "empty.json").read_text(encoding="utf-8")) == []
