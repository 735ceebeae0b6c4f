"""Text corpora for causal-LM training: local files, directories, glob patterns and built-ins.

A corpus is a list of entries, each one of:

* a built-in name — ``python-stdlib``: the ``.py`` files of the running Python's standard
  library (``sysconfig.get_paths()["stdlib"]``, without ``site-packages``/``dist-packages``),
  real code present on every machine; ``python-docs``: the English reference text Python
  ships for ``help()`` (``pydoc_data.topics``: the language reference's topics, ~0.5 MB);
* a file; a directory (its files ending in one of ``extensions``, recursively); or a glob
  pattern (``data/*.txt``, ``src/**/*.py``).

Order is deterministic: entries as given; inside a directory or pattern, files by path;
``python-stdlib`` by a hash of each file's relative path, so that a size cap takes files from
across the library instead of its first letters. Each entry contributes at most ``max_bytes``
bytes: files are taken whole until the next would go over (a first file larger than the cap
is cut). Files that are not UTF-8 are skipped and counted.

Documents become training blocks as in GPT-2/nanoGPT pretraining: each document's tokens are
followed by the tokenizer's EOS token, everything is concatenated into one stream and cut into
blocks of ``block_size`` tokens (the tail shorter than a block is dropped); attention crosses
document boundaries inside a block.
"""

from __future__ import annotations

import glob
import hashlib
import os
import sysconfig
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolschool.errors import DataError

#: built-in corpus names
BUILTIN = ("python-stdlib", "python-docs")
_SKIP_DIRS = {"site-packages", "dist-packages", "__pycache__"}


@dataclass
class Document:
    """One text of a corpus: where it came from (a path or ``python-docs:<topic>``) and its text."""

    source: str
    text: str


@dataclass
class Corpus:
    """The documents of a corpus and what reading it found.

    Attributes:
        documents: in corpus order.
        n_bytes: UTF-8 bytes of text read.
        n_skipped: files skipped because they are not UTF-8.
        capped: entries where ``max_bytes`` stopped the reading.
        per_entry: ``{entry: [documents, bytes]}``.
    """

    documents: list[Document] = field(default_factory=list)
    n_bytes: int = 0
    n_skipped: int = 0
    capped: list[str] = field(default_factory=list)
    per_entry: dict[str, list[int]] = field(default_factory=dict)


def stdlib_dir() -> Path:
    """The running Python's standard library directory (``sysconfig.get_paths()["stdlib"]``)."""
    return Path(sysconfig.get_paths()["stdlib"])


def stdlib_files() -> list[Path]:
    """The standard library's ``.py`` files, ordered by the SHA-256 of their relative path."""
    root = stdlib_dir()
    files = []
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in _SKIP_DIRS]  # third-party packages are not the library
        files += [Path(directory, n) for n in names if n.endswith(".py")]
    return sorted(files, key=lambda p: hashlib.sha256(p.relative_to(root).as_posix().encode()).hexdigest())


def _docs_documents() -> Iterator[Document]:
    from pydoc_data.topics import topics

    for name in sorted(topics):
        yield Document(f"python-docs:{name}", topics[name])


def entry_files(entry: str, extensions: list[str]) -> list[Path]:
    """The files of a file, directory or glob ``entry`` (not a built-in), in corpus order."""
    path = Path(entry).expanduser()
    if path.is_file():
        return [path]
    if path.is_dir():
        ends = tuple(extensions)
        return sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(ends))
    return sorted(Path(p) for p in glob.glob(str(path), recursive=True) if Path(p).is_file())


def entry_problem(entry: str) -> str | None:
    """Why ``entry`` names no text (None when it does): checked when a config is validated."""
    if entry in BUILTIN or Path(entry).expanduser().exists():
        return None
    if any(Path(p).is_file() for p in glob.iglob(str(Path(entry).expanduser()), recursive=True)):
        return None
    return (f"corpus entry {entry!r} is not a built-in corpus ({', '.join(BUILTIN)}), "
            "an existing file or directory, or a glob pattern that matches a file")


def _file_documents(files: list[Path], skipped: list[int]) -> Iterator[Document]:
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            skipped[0] += 1
            continue
        except OSError as exc:
            raise DataError(f"cannot read corpus file {path}: {exc}") from exc
        yield Document(str(path), text)


def read_corpus(entries: list[str], extensions: list[str], max_bytes: int | None) -> Corpus:
    """Read every entry (see module docstring) into one :class:`Corpus`.

    Raises:
        DataError: an entry names nothing (:func:`entry_problem`), a directory has no file
            with one of ``extensions``, a file cannot be read, or the corpus has no text.
    """
    corpus = Corpus()
    skipped = [0]
    for entry in entries:
        problem = entry_problem(entry)
        if problem:
            raise DataError(problem)
        if entry == "python-docs":
            documents: Iterator[Document] = _docs_documents()
        elif entry == "python-stdlib":
            documents = _file_documents(stdlib_files(), skipped)
        else:
            files = entry_files(entry, extensions)
            if not files:
                raise DataError(f"corpus directory {entry!r} has no file ending in {', '.join(extensions)}")
            documents = _file_documents(files, skipped)
        used = [0, 0]
        for doc in documents:
            size = len(doc.text.encode("utf-8"))
            if max_bytes is not None and used[1] + size > max_bytes:
                if not used[0]:  # a first document larger than the cap: its beginning
                    doc = Document(doc.source, doc.text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore"))
                    corpus.documents.append(doc)
                    used = [1, len(doc.text.encode("utf-8"))]
                corpus.capped.append(entry)
                break
            corpus.documents.append(doc)
            used = [used[0] + 1, used[1] + size]
        corpus.per_entry[entry] = used
        corpus.n_bytes += used[1]
    corpus.n_skipped = skipped[0]
    if not corpus.n_bytes:
        raise DataError(f"corpus {entries} has no text")
    return corpus


def pack_blocks(
    corpus: Corpus,
    tokenizer: Any,
    block_size: int,
    on_batch: Callable[[int], None] | None = None,
    batch_documents: int = 64,
) -> Any:
    """Tokenise every document, append EOS after each, concatenate and cut into blocks.

    Args:
        corpus: from :func:`read_corpus`.
        tokenizer: a fast Hugging Face tokenizer with an ``eos_token_id`` (its Rust
            tokenizer encodes the documents in batches, without special tokens).
        block_size: tokens per block.
        on_batch: called with the number of documents after each batch (progress).

    Returns:
        a ``torch.long`` tensor ``(n_blocks, block_size)``.

    Raises:
        DataError: the tokenizer has no EOS token, or the corpus gives no whole block.
    """
    import torch

    eos = tokenizer.eos_token_id
    if eos is None:
        raise DataError("the tokenizer has no EOS token to end each document with")
    backend = tokenizer.backend_tokenizer
    chunks = []
    docs = corpus.documents
    for start in range(0, len(docs), batch_documents):
        batch = [d.text for d in docs[start:start + batch_documents]]
        for encoding in backend.encode_batch(batch, add_special_tokens=False):
            chunks.append(torch.tensor(encoding.ids + [eos], dtype=torch.long))
        if on_batch:
            on_batch(len(batch))
    stream = torch.cat(chunks) if chunks else torch.zeros(0, dtype=torch.long)
    n_blocks = len(stream) // block_size
    if n_blocks == 0:
        raise DataError(
            f"the corpus has {len(stream)} tokens, fewer than one block of block_size={block_size}"
        )
    return stream[: n_blocks * block_size].view(n_blocks, block_size)


def split_blocks(n_blocks: int, val_fraction: float, seed: int) -> tuple[Any, Any]:
    """``(train indices, val indices)``: a seeded shuffle of the blocks, the first
    ``max(1, round(val_fraction * n_blocks))`` of it held out for validation.

    Raises:
        DataError: fewer than two blocks (nothing would be left to train or to validate on).
    """
    import torch

    if n_blocks < 2:
        raise DataError(f"the corpus gives {n_blocks} block(s); a train/val split needs at least 2 "
                        "(add text or lower block_size)")
    order = torch.randperm(n_blocks, generator=torch.Generator().manual_seed(seed))
    n_val = min(n_blocks - 1, max(1, round(val_fraction * n_blocks)))
    return order[n_val:], order[:n_val]
