"""``toolschool export``: a trained run as an Ollama model, a GGUF file or a safetensors directory."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from toolschool.cli.errors import user_errors
from toolschool.cli.render import console


def export(
    run_dir: Path = typer.Argument(..., help="a toolschool run or train directory"),
    out: Path = typer.Option(..., "--out", "-o", help="output directory"),
    to: str = typer.Option("ollama", "--to", help="ollama (GGUF + Modelfile) | gguf | safetensors (vLLM)"),
    gguf_type: str = typer.Option("f16", "--gguf-type", help="GGUF matrices: f32 | f16 | bf16 | q8_0"),
    dtype: str = typer.Option("float32", "--dtype", help="safetensors weights: float32 | bfloat16 | float16"),
) -> None:
    """Merge the run's LoRA adapter and write it for serving elsewhere, prompting as it was trained.

    The chat template (Jinja for safetensors/GGUF, Go for Ollama's Modelfile) renders the tool
    declarations, calls and results in the run's wire format and layout, with its system prompt.
    """
    from toolschool.export.run import export as run_export

    with user_errors(), console.status("merging the adapter and exporting…"):
        result = run_export(run_dir, out, to=to, gguf_type=gguf_type, dtype=dtype)
    where = escape(str(result.out_dir))
    console.print(
        f"exported [bold]{escape(str(run_dir))}[/] ({result.format}, layout {result.layout}) to "
        f"[bold]{where}[/] in {result.seconds:.0f}s: {', '.join(result.files)}",
        highlight=False,
    )
    if result.gguf is not None:
        console.print(f"GGUF {result.gguf.tensor_type}: {result.gguf.bytes / 1e6:.1f} MB", highlight=False)
    if result.target == "ollama":
        console.print(f"serve it: cd {where} && ollama create NAME -f Modelfile", highlight=False)
    elif result.target == "safetensors":
        console.print(
            f"serve it: vllm serve {where} --enable-auto-tool-choice "
            "--tool-parser-plugin toolschool.integrations.vllm_tool_parser "
            f"--tool-call-parser {result.vllm_parser}",
            highlight=False,
        )
