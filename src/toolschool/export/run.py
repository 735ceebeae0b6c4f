"""Export a trained run for serving elsewhere: Ollama (GGUF + Modelfile), a GGUF file, or a
safetensors model directory for vLLM — prompting as the run was trained.

:func:`export` loads the run's base model, merges its LoRA adapter (peft ``merge_and_unload``,
:func:`toolschool.models.loading.load_trained`), resolves the layout the run was trained in, and
writes into ``out_dir``:

=============== ===========================================================================
``--to``        files
=============== ===========================================================================
``ollama``      ``model.gguf`` (:mod:`~toolschool.export.gguf_file`) and ``Modelfile``
                (:mod:`~toolschool.export.ollama`; the tools of the run's training data, when
                the file is still there, keep their trained property order)
``gguf``        ``model.gguf`` (its ``tokenizer.chat_template`` is the Jinja template below)
``safetensors`` ``config.json``, ``model.safetensors``, ``generation_config.json``, the
                tokenizer files with ``chat_template.jinja``
                (:func:`~toolschool.export.chat_template.chat_template`)
=============== ===========================================================================

and always ``toolschool_export.json``: the format, layout and system prompt, the run and base
model, the vLLM tool-call parser name (``toolschool-<format>``,
:mod:`toolschool.integrations.vllm_tool_parser`) and the files written.

Checks come before the slow work: the format must have an exported template
(:data:`~toolschool.export.pieces.TEMPLATE_FORMATS`), the layout too, and for GGUF/Ollama the
model must be a llama architecture with a byte-level BPE tokenizer.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolschool.errors import ExportError

__all__ = ["EXPORT_TARGETS", "ExportResult", "export"]

#: what ``--to`` accepts
EXPORT_TARGETS: tuple[str, ...] = ("ollama", "gguf", "safetensors")
_DTYPES = ("float32", "bfloat16", "float16")


@dataclass
class ExportResult:
    """What :func:`export` wrote.

    Attributes:
        out_dir: the output directory.
        target: ``ollama``, ``gguf`` or ``safetensors``.
        format: the trained wire format.
        layout: the trained layout's name.
        system_prompt: the trained system prompt (the templates' default).
        files: the files written, relative to ``out_dir``.
        vllm_parser: the name to give ``--tool-call-parser`` with toolschool's vLLM plugin.
        gguf: what the GGUF writer reported (``ollama``/``gguf``), else None.
        trained_tools_from: the training data the Ollama template took the trained tools'
            property order from (None: not found, or not an Ollama export).
        seconds: wall time, model loading included.
    """

    out_dir: Path
    target: str
    format: str
    layout: str
    system_prompt: str
    files: list[str] = field(default_factory=list)
    vllm_parser: str = ""
    gguf: Any = None
    trained_tools_from: Path | None = None
    seconds: float = 0.0


def _run_config(run_dir: Path) -> dict[str, Any]:
    import yaml

    from toolschool.models.loading import train_dir

    train = train_dir(run_dir)
    if train is None:
        raise ExportError(
            f"{run_dir} is not a run directory (needs config.yaml and adapter/adapter_config.json, "
            "or train/ holding them)"
        )
    return yaml.safe_load((train / "config.yaml").read_text(encoding="utf-8")) or {}


def _single_token(tokenizer: Any, text: str) -> int | None:
    ids = tokenizer.encode(text, add_special_tokens=False) if text else []
    return ids[0] if len(ids) == 1 else None


def _source_gguf(path: Path | None) -> Path | None:
    """The GGUF a bundled/converted base model came from (``toolschool_source.json``), if any."""
    source = path / "toolschool_source.json" if path is not None else None
    if source is None or not source.is_file():
        return None
    gguf = json.loads(source.read_text()).get("gguf")
    return Path(gguf) if gguf else None


def _trained_tools(run_dir: Path, config: dict[str, Any]) -> tuple[list[Any], Path | None]:
    """The tools declared in the run's training data (the first declaration of each name), and
    the file they were read from; ``([], None)`` when the data is no longer there."""
    from toolschool.models.loading import train_dir
    from toolschool.types import Conversation, iter_jsonl

    train = train_dir(run_dir) or run_dir
    given = Path(str(config.get("data") or ""))
    candidates = [given, train / given, train.parent / "data" / "train.jsonl"] if given.name else []
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        return [], None
    tools: dict[str, Any] = {}
    for conversation in iter_jsonl(path, Conversation):
        for tool in conversation.tools:
            tools.setdefault(tool.name, tool)
    return list(tools.values()), path


def export(
    run_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    to: str = "ollama",
    gguf_type: str = "f16",
    dtype: str = "float32",
) -> ExportResult:
    """Export the run at ``run_dir`` into ``out_dir`` for ``to`` (see the module docstring).

    Args:
        run_dir: a ``toolschool run`` or ``toolschool train`` output directory.
        out_dir: where to write (created; files of the same names are replaced).
        to: one of :data:`EXPORT_TARGETS`.
        gguf_type: the GGUF matrices' type (:data:`~toolschool.export.gguf_file.GGUF_TYPES`).
        dtype: the safetensors weights' dtype (``float32``, ``bfloat16``, ``float16``).

    Returns:
        :class:`ExportResult`.

    Raises:
        ExportError: not a run directory; a format, layout, architecture or tokenizer the export
            does not support; an unknown target, GGUF type or dtype (messages name the
            supported ones).
        ModelLoadError: the run's base model cannot be loaded.
    """
    from toolschool.export.gguf_file import GGUF_TYPES, check_gguf_exportable
    from toolschool.export.pieces import format_pieces

    start = time.perf_counter()
    if to not in EXPORT_TARGETS:
        raise ExportError(f"cannot export to {to!r}; choose one of {', '.join(EXPORT_TARGETS)}")
    if gguf_type not in GGUF_TYPES:
        raise ExportError(f"GGUF type {gguf_type!r} is not one of {', '.join(GGUF_TYPES)}")
    if dtype not in _DTYPES:
        raise ExportError(f"dtype {dtype!r} is not one of {', '.join(_DTYPES)}")
    run_dir = Path(run_dir)
    config = _run_config(run_dir)
    format_pieces(str(config.get("format") or "tool_use"))  # an unsupported format fails before loading

    from toolschool.chat.resolve import layout_name
    from toolschool.export.chat_template import TEMPLATE_LAYOUTS, chat_template
    from toolschool.models.loading import load_trained

    trained = load_trained(run_dir, dtype="float32")
    loaded = trained.loaded
    layout = loaded.layout(trained.layout)
    name = layout_name(layout)
    if name not in TEMPLATE_LAYOUTS:
        raise ExportError(
            f"the run was trained in layout {name!r}; "
            f"exported templates support {', '.join(TEMPLATE_LAYOUTS)}"
        )
    if to in ("ollama", "gguf"):
        check_gguf_exportable(loaded.model.config)
    template = chat_template(trained.format, name, trained.system_prompt, bos=layout.bos)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = ExportResult(
        out, to, trained.format, name, trained.system_prompt, vllm_parser=f"toolschool-{trained.format}"
    )
    tokenizer, model = loaded.tokenizer, loaded.model
    stop_ids = [i for i in (_single_token(tokenizer, s) for s in layout.stops) if i is not None]
    if to == "safetensors":
        result.files += _write_safetensors(model, tokenizer, out, template, dtype, stop_ids)
    else:
        from toolschool.export.gguf_file import write_gguf

        eot = next((i for i in stop_ids if i != tokenizer.eos_token_id), None)
        result.gguf = write_gguf(
            model, tokenizer, out / "model.gguf", chat_template=template, tensor_type=gguf_type,
            name=f"{config.get('model', 'model')} + toolschool {trained.format}",
            source_gguf=_source_gguf(loaded.path), eot_token_id=eot,
        )
        result.files.append("model.gguf")
        if to == "ollama":
            from toolschool.export.ollama import modelfile, trained_property_orders
            from toolschool.files import atomic_write_text

            tools, result.trained_tools_from = _trained_tools(run_dir, config)
            context = int(getattr(model.config, "max_position_embeddings", 4096))
            text = modelfile("model.gguf", trained.format, name, trained.system_prompt,
                             num_ctx=min(context, 8192), stops=layout.stops,
                             property_orders=trained_property_orders(tools))
            atomic_write_text(out / "Modelfile", text)
            result.files.append("Modelfile")
    result.seconds = time.perf_counter() - start
    _write_manifest(result, run_dir, config, stop_ids)
    return result


def _write_safetensors(
    model: Any, tokenizer: Any, out: Path, template: str, dtype: str, stop_ids: list[int]
) -> list[str]:
    """The merged model and tokenizer (with ``template``) as a transformers directory."""
    import torch

    start = time.time() - 1
    model = model.to(getattr(torch, dtype))
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    stops = list(dict.fromkeys(eos + stop_ids))
    if getattr(model, "generation_config", None) is not None and stops:
        model.generation_config.eos_token_id = stops if len(stops) > 1 else stops[0]
    model.save_pretrained(out)
    tokenizer.chat_template = template
    tokenizer.save_pretrained(out)
    return sorted(p.name for p in out.iterdir() if p.is_file() and p.stat().st_mtime >= start)


def _write_manifest(result: ExportResult, run_dir: Path, config: dict[str, Any], stop_ids: list[int]) -> None:
    from toolschool import __version__
    from toolschool.files import atomic_write_text

    result.files.append("toolschool_export.json")
    manifest = {
        "toolschool": __version__,
        "run_dir": str(run_dir.resolve()),
        "base_model": config.get("model"),
        "target": result.target,
        "format": result.format,
        "layout": result.layout,
        "system_prompt": result.system_prompt,
        "stop_token_ids": stop_ids,
        "vllm_tool_call_parser": result.vllm_parser,
        "gguf_type": result.gguf.tensor_type if result.gguf is not None else None,
        "trained_tools_from": str(result.trained_tools_from) if result.trained_tools_from else None,
        "files": sorted(result.files),
        "seconds": round(result.seconds, 2),
    }
    atomic_write_text(result.out_dir / "toolschool_export.json", json.dumps(manifest, indent=2) + "\n")
