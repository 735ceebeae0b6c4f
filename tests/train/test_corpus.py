"""Corpora for causal-LM training: local files, directories, globs, the built-ins; packing and the split."""

from __future__ import annotations

import pytest
import torch

from toolschool.errors import DataError
from toolschool.models.tiny import tiny_tokenizer
from toolschool.train.corpus import entry_problem, pack_blocks, read_corpus, split_blocks, stdlib_dir


def test_python_stdlib_is_the_real_standard_library_in_a_fixed_order():
    root = stdlib_dir()
    corpus = read_corpus(["python-stdlib"], [".py"], 300_000)
    assert corpus.documents and corpus.n_bytes <= 300_000 and corpus.capped == ["python-stdlib"]
    for doc in corpus.documents:
        path = root / doc.source[len(str(root)) + 1:]
        assert doc.source.startswith(str(root)) and doc.source.endswith(".py")
        assert path.read_text(encoding="utf-8") == doc.text  # whole files, as they are
        assert "site-packages" not in doc.source
    assert read_corpus(["python-stdlib"], [".py"], 300_000).documents == corpus.documents
    # the cap takes files from across the library, not only its first letters
    assert len({d.source[len(str(root)) + 1:][0].lower() for d in corpus.documents}) > 3
    everything = read_corpus(["python-stdlib"], [".py"], None)
    assert str(root / "os.py") in {d.source for d in everything.documents}
    assert everything.n_bytes > 5_000_000 and not everything.capped


def test_python_docs_is_english_reference_text():
    corpus = read_corpus(["python-docs"], [".txt"], None)
    assert len(corpus.documents) > 20 and corpus.n_bytes > 100_000
    assert any("statement" in d.text for d in corpus.documents)


def test_files_directories_globs_in_order_and_what_is_skipped(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "b.txt").write_text("bee")
    (tmp_path / "d" / "sub" / "a.md").write_text("ay")
    (tmp_path / "d" / "c.bin").write_bytes(b"\x00\x01")
    (tmp_path / "d" / "latin.txt").write_bytes("café".encode("latin-1"))
    (tmp_path / "one.txt").write_text("one")
    entries = [str(tmp_path / "one.txt"), str(tmp_path / "d"), str(tmp_path / "d" / "**" / "*.md")]
    corpus = read_corpus(entries, [".txt", ".md"], None)
    assert [d.text for d in corpus.documents] == ["one", "bee", "ay", "ay"]
    assert corpus.n_skipped == 1  # latin.txt is not UTF-8; c.bin does not end in .txt/.md
    assert corpus.per_entry[str(tmp_path / "d")] == [2, 5]
    # a cap stops before the file that would pass it; a first file larger than the cap is cut
    assert [d.text for d in read_corpus([str(tmp_path / "d")], [".txt", ".md"], 4).documents] == ["bee"]
    assert [d.text for d in read_corpus([str(tmp_path / "one.txt")], [".txt"], 2).documents] == ["on"]
    assert entry_problem(str(tmp_path / "nothing" / "*.txt")) is not None
    assert entry_problem(str(tmp_path / "d" / "*.txt")) is None
    with pytest.raises(DataError, match="has no file ending in .rst"):
        read_corpus([str(tmp_path / "d")], [".rst"], None)


def test_documents_are_packed_with_eos_between_them_and_split_by_seed(tmp_path):
    tokenizer = tiny_tokenizer()
    (tmp_path / "a.txt").write_text("The quick brown fox " * 20)
    (tmp_path / "b.txt").write_text("jumps over the lazy dog " * 20)
    corpus = read_corpus([str(tmp_path)], [".txt"], None)
    blocks = pack_blocks(corpus, tokenizer, 16)
    ids = [tokenizer(d.text, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
           for d in corpus.documents]
    stream = [t for doc in ids for t in doc]
    assert blocks.shape == (len(stream) // 16, 16) and blocks.dtype == torch.long
    assert blocks.flatten().tolist() == stream[: blocks.numel()]
    train, val = split_blocks(len(blocks), 0.2, seed=3)
    again, _ = split_blocks(len(blocks), 0.2, seed=3)
    other, _ = split_blocks(len(blocks), 0.2, seed=4)
    assert train.equal(again) and not train.equal(other)
    assert len(val) == round(0.2 * len(blocks)) and not set(train.tolist()) & set(val.tolist())
    assert sorted(train.tolist() + val.tolist()) == list(range(len(blocks)))
    with pytest.raises(DataError, match="fewer than one block"):
        pack_blocks(corpus, tokenizer, 100_000)
    with pytest.raises(DataError, match="needs at least 2"):
        split_blocks(1, 0.1, 0)
