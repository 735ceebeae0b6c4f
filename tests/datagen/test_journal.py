"""The append-only journal: what a kill can leave is repaired, anything else is an error."""

from __future__ import annotations

import json

import pytest

from toolschool.datagen.journal import Journal
from toolschool.errors import ConfigError, DataError


def _write(path, *lines: str, tail: str = "") -> None:
    path.write_text("".join(line + "\n" for line in lines) + tail)


def test_records_are_appended_and_read_back(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal.open(path) as journal:
        journal.append({"id": "a", "n": 1})
        journal.append({"id": "b", "n": 2})
        with pytest.raises(ValueError, match="new string id"):
            journal.append({"id": "a"})
    with Journal.open(path) as journal:
        assert journal.done == {"a": {"id": "a", "n": 1}, "b": {"id": "b", "n": 2}} and journal.repaired == 0


@pytest.mark.parametrize("tail", ['{"id": "c", "n"', "\0\0\0\0"])
def test_a_torn_tail_is_cut_and_appending_goes_on_from_there(tmp_path, tail):
    path = tmp_path / "j.jsonl"
    _write(path, '{"id": "a"}', '{"id": "b"}', tail=tail)
    with Journal.open(path) as journal:
        assert list(journal.done) == ["a", "b"] and journal.repaired == len(tail.encode())
        journal.append({"id": "c"})
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == ["a", "b", "c"]


def test_a_broken_complete_last_line_is_cut_too(tmp_path):
    path = tmp_path / "j.jsonl"
    _write(path, '{"id": "a"}', '{"id": "b", "outp')
    with Journal.open(path) as journal:
        assert list(journal.done) == ["a"] and journal.repaired == len('{"id": "b", "outp\n')


def test_a_broken_line_before_the_last_or_a_repeated_id_is_an_error(tmp_path):
    path = tmp_path / "j.jsonl"
    _write(path, '{"id": "a"}', "not json", '{"id": "b"}')
    with pytest.raises(DataError, match=r"j.jsonl:2: not a journal record"):
        Journal.open(path)
    _write(path, '{"id": "a"}', '{"id": "a"}')
    with pytest.raises(DataError, match=r"j.jsonl:2: id 'a' is already in the journal"):
        Journal.open(path)


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal.open(path):
        with pytest.raises(ConfigError, match="being written by another run"):
            Journal.open(path)
    with Journal.open(path) as journal:  # released on close
        assert journal.done == {}
