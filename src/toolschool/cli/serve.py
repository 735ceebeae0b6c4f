"""``toolschool serve``: an OpenAI-compatible chat-completions server.

FastAPI, uvicorn and the model are imported only when the command runs.
"""

from __future__ import annotations

from typing import Optional

import typer

from toolschool.cli.errors import user_errors


def serve(
    model: str = typer.Option(
        ..., "--model", "-m",
        help="run dir, model name/dir/hub id, .gguf, or script:FILE (as toolschool chat)",
    ),
    fmt: Optional[str] = typer.Option(
        None, "--format", "-f", help="wire format (default: the run's, else tool_use)"
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="port to listen on"),
    max_queue: int = typer.Option(16, "--max-queue", min=0, help="requests that may wait; more get 503"),
    max_body_bytes: int = typer.Option(1_000_000, "--max-body-bytes", min=1, help="larger bodies get 413"),
    max_new_tokens: int = typer.Option(512, "--max-new-tokens", min=1, help="default cap per answer"),
    dtype: str = typer.Option(
        "auto", "--dtype", help="local weights: auto (bf16 where fast) | bfloat16 | float32 | int8 (fastest)"
    ),
    constrained: bool = typer.Option(
        False, "--constrained",
        help="decode every answer under the tool-call grammar (tool_choice required/named always is)",
    ),
    served_name: Optional[str] = typer.Option(
        None, "--served-name", help="model id in /v1/models (default: --model)"
    ),
) -> None:
    """Serve a model over an OpenAI-compatible API: POST /v1/chat/completions, GET /v1/models, GET /health.

    One generation at a time; tool calls are parsed from the model's text with the wire format
    and returned as OpenAI tool_calls. stream: true streams as the model generates (content as
    it is parsed, each call once complete). tool_choice "required"/named: a local model decodes
    under the tool-call grammar; a script or endpoint model treats them as hints.
    """
    from toolschool.backends.spec import open_backend
    from toolschool.cli.render import err_console

    if dtype not in ("auto", "bfloat16", "float32", "int8"):
        raise typer.BadParameter(f"{dtype!r}: choose auto, bfloat16, float32 or int8", param_hint="--dtype")
    with user_errors():
        opened = open_backend(model, fmt, max_new_tokens=max_new_tokens, constrained=constrained,
                              dtype=dtype)
        if hasattr(opened.backend, "constraint"):  # the grammar tokenizer (~0.6 s) now, not in a request
            _ = opened.backend.constraint
        import uvicorn

        from toolschool.serve.app import ServeLimits, create_app

        limits = ServeLimits(
            max_queue=max_queue, max_body_bytes=max_body_bytes, max_tokens=max(max_new_tokens, 4096)
        )
        app = create_app(opened, served_name or model, limits)
        err_console.print(f"serving {opened.label} on http://{host}:{port}/v1", highlight=False)
        uvicorn.run(app, host=host, port=port, log_level="info")
