"""``toolschool data import|export|dedup|split|verify|card``: other projects' data formats,
near-duplicate removal, re-splitting with a hard split and masking, and the leakage check.

The commands are registered on ``toolschool data`` in :mod:`toolschool.cli.data`; the work is
in :mod:`toolschool.interop` and :mod:`toolschool.datagen` (``dedup``, ``partition``,
``masking``). A leakage failure exits with status 3 and lists the pairs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from toolschool.cli.errors import user_errors
from toolschool.cli.render import console, err_console

_FORMATS = "bfcl, xlam, glaive, sharegpt or hf"


def _skipped(messages: list[str], what: str) -> None:
    if messages:
        err_console.print(f"[yellow]{len(messages)} records {what}[/]; first: {escape(messages[0])}",
                          highlight=False)


def import_(
    fmt: str = typer.Argument(..., metavar="FORMAT", help=f"source format: {_FORMATS}"),
    source: Path = typer.Argument(..., help="the file (hf: a save_to_disk directory, .parquet or .jsonl)"),
    out: Path = typer.Option(..., "--out", "-o", help="canonical JSONL to write"),
    as_: Optional[str] = typer.Option(None, "--as", help="conversations or items (default: items for bfcl)"),
    answers: Optional[Path] = typer.Option(None, "--answers", help="bfcl: the possible_answer file"),
    underscore_names: bool = typer.Option(False, "--underscore-names", help="bfcl: dots in names become _"),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="leave out records that do not convert"),
) -> None:
    """Read a published tool-calling data file into canonical JSONL."""
    from toolschool.errors import DataError
    from toolschool.interop import import_file

    with user_errors():
        if as_ not in (None, "conversations", "items"):
            raise DataError(f"--as must be 'conversations' or 'items', got {as_!r}")
        result = import_file(fmt, source, out, None if as_ is None else as_ == "items", answers,
                             underscore_names, skip_invalid)
    _skipped(result.skipped, "skipped")
    console.print(f"{result.written} records written to {out}")


def export(
    fmt: str = typer.Argument(..., metavar="FORMAT", help=f"target format: {_FORMATS}"),
    source: Path = typer.Argument(..., help="canonical JSONL (conversations or eval items)"),
    out: Path = typer.Option(..., "--out", "-o", help="file to write (.jsonl: JSON Lines, else a JSON array; "
                                                    "hf: a directory unless --hf-layout parquet/jsonl)"),
    skip_unsupported: bool = typer.Option(False, "--skip-unsupported",
                                          help="leave out records the format cannot hold"),
    hf_layout: str = typer.Option("disk", "--hf-layout", help="hf: disk (save_to_disk), parquet or jsonl"),
    toolkit: Optional[str] = typer.Option(None, "--toolkit", help="tools for eval items that carry none"),
) -> None:
    """Write canonical JSONL in a published format (BFCL also writes possible_answer/)."""
    from toolschool.interop import export_file

    with user_errors():
        result = export_file(fmt, source, out, skip_unsupported, hf_layout, toolkit)
    _skipped(result.skipped, "the format cannot hold were left out")
    console.print(f"{result.written} records written to {', '.join(str(p) for p in result.paths)}")


def dedup(
    source: Path = typer.Argument(..., help="canonical JSONL (conversations or eval items)"),
    out: Path = typer.Option(..., "--out", "-o", help="JSONL of the records kept"),
    threshold: float = typer.Option(0.8, "--threshold", help="trigram Jaccard at which requests duplicate"),
    num_perm: int = typer.Option(128, "--num-perm", help="MinHash permutations"),
    report: Optional[Path] = typer.Option(None, "--report", help="JSON report of the duplicate pairs"),
) -> None:
    """Remove near-duplicate requests (MinHash LSH, confirmed by exact Jaccard); the first stays."""
    from toolschool.datagen.dedup import near_duplicates
    from toolschool.files import atomic_write_text
    from toolschool.interop.canonical import load_canonical
    from toolschool.types import write_jsonl

    with user_errors():
        records = load_canonical(source)
        try:
            result = near_duplicates([r.request for r in records], threshold, num_perm)
        except ValueError as exc:
            from toolschool.errors import ConfigError

            raise ConfigError(str(exc)) from None
        write_jsonl(out, [records[i].raw for i in result.keep])
        if report is not None:
            pairs = [{"dropped": records[i].where, "kept": records[j].where, "jaccard": round(s, 4),
                      "dropped_request": records[i].request, "kept_request": records[j].request}
                     for i, j, s in result.duplicates]
            atomic_write_text(report, json.dumps({**result.summary(), "pairs": pairs}, ensure_ascii=False,
                                                 indent=2) + "\n")
    console.print(f"{len(result.keep)} of {result.total} records kept in {out}; "
                  f"{len(result.duplicates)} near-duplicates removed ({result.rate:.1%})")


def split(
    source: Path = typer.Argument(..., help="canonical JSONL (conversations or eval items)"),
    out: Path = typer.Option(..., "--out", "-o", help="directory for the split files and split_card.json"),
    val: float = typer.Option(0.1, "--val", help="share of records for val"),
    test: float = typer.Option(0.1, "--test", help="share of records for test"),
    hard: float = typer.Option(0.25, "--hard", help="share of hard-case groups held out as the hard split"),
    group_by: str = typer.Option("auto", "--group-by", help="auto, family, tools or none"),
    seed: int = typer.Option(0, "--seed", help="seeds groups, hard selection and masking"),
    leakage_threshold: float = typer.Option(0.8, "--leakage-threshold", help="test-train Jaccard that fails"),
    drop_leaking: bool = typer.Option(False, "--drop-leaking", help="drop leaking test/hard records instead"),
    mask_share: float = typer.Option(0.0, "--mask-share", help="share of train conversations with random "
                                                               "tool names (Hammer)"),
    mask_parameters: bool = typer.Option(False, "--mask-parameters", help="mask parameter names too"),
    eval_items: bool = typer.Option(False, "--eval-items", help="write test and hard as eval items"),
) -> None:
    """Split by group into train/val/test plus a hard split; check test-vs-train leakage (exit 3)."""
    from rich.table import Table

    from toolschool.datagen.partition import SplitConfig, split_file
    from toolschool.errors import ConfigError, LeakageError

    with user_errors():
        try:
            config = SplitConfig(
                val_share=val, test_share=test, hard_share=hard, group_by=group_by, seed=seed,
                leakage_threshold=leakage_threshold, on_leak="drop" if drop_leaking else "fail",
                mask_share=mask_share, mask_parameters=mask_parameters, eval_items=eval_items,
            )
        except ValueError as exc:
            raise ConfigError(f"split options: {exc}") from None
        try:
            result = split_file(source, out, config)
        except LeakageError as exc:
            err_console.print(f"[bold red]leakage:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(3) from None
    table = Table(title=f"splits written to {out}")
    for column in ("split", "records", "max similarity to train"):
        table.add_column(column)
    for name, count in result.counts.items():
        top = result.leakage.get(name, {}).get("max_similarity")
        table.add_row(name, str(count), "" if top is None else f"{top:.2f}")
    console.print(table)
    console.print(f"hard cases: {result.hard_reasons}; masked train conversations: {result.masked}; "
                  f"dropped for leakage: {result.dropped_leaking}; card: {result.paths['card']}")


def verify(
    train: Path = typer.Option(..., "--train", help="training JSONL (conversations or eval items)"),
    test: list[Path] = typer.Option(..., "--test", help="held-out JSONL; repeat for several files"),
    threshold: float = typer.Option(0.8, "--threshold", help="trigram Jaccard above which a request leaks"),
) -> None:
    """Check files parse, calls name offered tools, and no test request is near a training one (exit 3)."""
    from toolschool.datagen.splits import check_leakage
    from toolschool.errors import DataError, LeakageError
    from toolschool.interop.canonical import load_canonical

    with user_errors():
        train_records = load_canonical(train)
        held = {path: load_canonical(path) for path in test}
        for record in [*train_records, *(r for rs in held.values() for r in rs)]:
            unknown = sorted(set(record.calls) - set(record.tool_names)) if record.tool_names else []
            if unknown:
                raise DataError(f"{record.where}: calls {unknown}, which the record does not offer")
        requests = [r.request for r in train_records]
        failed = False
        for path, records in held.items():
            try:
                report = check_leakage(requests, [r.request for r in records], threshold)
            except LeakageError as exc:
                err_console.print(f"[bold red]leakage in {escape(str(path))}:[/] {escape(str(exc))}",
                                  highlight=False)
                failed = True
                continue
            console.print(f"{path}: {len(records)} records, highest similarity to train "
                          f"{max(report.max_similarity, default=0.0):.2f} (threshold {threshold})")
    if failed:
        raise typer.Exit(3)


def card(
    source: Path = typer.Argument(..., help="canonical JSONL (conversations or eval items)"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="write the card here, not to the terminal"),
) -> None:
    """A data card of a canonical file: counts by shape, tool, hard-case reason and family."""
    from collections import Counter

    from toolschool.datagen.partition import hard_reason, shape, trap_families
    from toolschool.files import atomic_write_text
    from toolschool.interop.canonical import load_canonical

    with user_errors():
        records = load_canonical(source)
        traps = trap_families()
        reasons = Counter(x for x in (hard_reason(r, traps) for r in records) if x)
        data = {
            "source": str(source),
            "records": len(records),
            "kind": dict(Counter("conversation" if r.conversation is not None else "item" for r in records)),
            "by_shape": dict(sorted(Counter(shape(r) for r in records).items())),
            "calls_by_tool": dict(Counter(c for r in records for c in r.calls).most_common()),
            "hard_reasons": dict(sorted(reasons.items())),
            "families": len({r.family for r in records if r.family}),
        }
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        if out is not None:
            atomic_write_text(out, text)
    if out is None:
        console.print_json(text)
    else:
        console.print(f"card written to {out}")
