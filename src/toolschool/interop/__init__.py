"""Other projects' tool-calling data ⇄ toolschool's canonical JSONL.

One module per published format, each a reader (a record → a
:class:`~toolschool.types.Conversation`, or BFCL questions → eval items) and a writer (the
reverse), raising :class:`~toolschool.errors.DataError` with the file, line and field for bad
input and :class:`~toolschool.errors.UnrepresentableError` for a conversation the format cannot
hold:

* :mod:`.bfcl` — BFCL questions + ``possible_answer`` (acceptable values kept as eval items);
  :mod:`.bfcl_schema` maps BFCL parameter types to JSON Schema and back (shared with
  evaluation).
* :mod:`.xlam` — xLAM / APIGen (``Salesforce/xlam-function-calling-60k``).
* :mod:`.glaive` — Glaive function-calling v2.
* :mod:`.sharegpt` — ShareGPT with tools, as LLaMA-Factory reads it.
* :mod:`.hf` — Hugging Face ``datasets`` (JSON strings for the free-form values).

:mod:`.convert` runs them over whole files (``toolschool data import`` / ``export``);
:mod:`.source` reads JSON Lines, JSON arrays and Parquet with record locations;
:mod:`.canonical` builds and compares canonical conversations and reads canonical files.
"""

from __future__ import annotations

from toolschool.interop.convert import FORMATS, ConvertResult, export_file, import_file

__all__ = ["FORMATS", "ConvertResult", "export_file", "import_file"]
