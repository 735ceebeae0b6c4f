"""A backend from a model spec, as ``toolschool chat --model`` takes it.

``spec`` is one of:

* a run or train directory (``toolschool run``/``train`` output): the fine-tuned model with
  the format, layout and system prompt it was trained with;
* a bundled name, ``tiny``, a local model directory, a ``.gguf`` file or a hub id, prompted
  in ``fmt_name`` (default ``tool_use``) and the layout of its tokenizer;
* ``http://…``/``https://…``: an OpenAI-compatible endpoint
  (:class:`~toolschool.backends.openai_http.OpenAIBackend`, model name ``api_model``, key
  from the environment variable ``api_key_env``);
* ``script:PATH``: scripted turns, for demos and tests — a JSON list (or ``{"turns": [...]}``)
  whose items are raw assistant texts in ``fmt_name``, or ``{"content": "…", "calls":
  [{"name", "arguments"}]}`` objects rendered with that format
  (:class:`~toolschool.backends.scripted.ScriptedBackend`).

Importing this module imports no model code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class OpenedBackend:
    """A backend ready for the agent.

    Attributes:
        backend: answers the agent's requests.
        fmt: the wire format the agent parses the model's text with.
        system: the system message the agent adds (None: the backend's own system prompt).
        label: how the model is named in the header.
    """

    backend: Any
    fmt: Any
    system: str | None
    label: str


def _script_turns(path: Path, fmt: Any) -> list[str]:
    """Raw assistant texts of a ``script:`` file (see the module docstring)."""
    from toolschool.errors import ModelLoadError
    from toolschool.types import ToolCall

    if not path.is_file():
        raise ModelLoadError(f"script {path} does not exist (script:PATH needs a JSON file of turns)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"script {path}: line {exc.lineno}: invalid JSON ({exc.msg})") from None
    turns = data.get("turns") if isinstance(data, dict) else data
    if not isinstance(turns, list) or not turns:
        raise ModelLoadError(
            f'script {path}: expected a non-empty JSON list of turns (or {{"turns": [...]}})'
        )
    texts = []
    for i, turn in enumerate(turns, 1):
        if isinstance(turn, str):
            texts.append(turn)
        elif isinstance(turn, dict) and isinstance(turn.get("calls", []), list):
            try:
                calls = [ToolCall.model_validate(c) for c in turn.get("calls", [])]
            except ValueError as exc:
                raise ModelLoadError(f"script {path}: turn {i}: bad call: {exc}") from None
            texts.append(fmt.render_assistant(str(turn.get("content", "")), calls))
        else:
            raise ModelLoadError(f'script {path}: turn {i} must be a string or {{"content", "calls"}}')
    return texts


def open_backend(
    spec: str,
    fmt_name: str | None = None,
    api_model: str | None = None,
    api_key_env: str = "OPENAI_API_KEY",
    system: str | None = None,
    max_new_tokens: int = 256,
    timeout_s: float = 120.0,
    constrained: bool = False,
    dtype: str = "auto",
) -> OpenedBackend:
    """Make the backend ``spec`` names (kinds in the module docstring).

    ``fmt_name`` overrides the run's format (default otherwise ``tool_use``); ``system``
    the system prompt (default: the run's, else the backend's default; an endpoint gets
    none unless given). ``constrained``: a local model decodes every answer under the
    tool-call grammar (:mod:`toolschool.backends.constrained`); other backends ignore it.
    ``dtype``: a local model's weights (``auto``, ``bfloat16``, ``float32`` or ``int8``; see
    :func:`~toolschool.backends.local.prepare_for_inference`).

    Raises:
        ModelLoadError: the model or script cannot be loaded; ConfigError: an endpoint
        without ``api_model``; RegistryError: an unknown format.
    """
    from toolschool.errors import ConfigError
    from toolschool.formats import get_format

    if spec.startswith(("http://", "https://")):
        from toolschool.backends.openai_http import OpenAIBackend

        if not api_model:
            raise ConfigError(
                f"--model {spec} is an endpoint: give the model name it serves with --api-model"
            )
        backend = OpenAIBackend(
            spec, api_model, api_key_env=api_key_env, timeout_s=timeout_s, max_tokens=max_new_tokens
        )
        return OpenedBackend(
            backend, get_format(fmt_name or "tool_use", lenient=True), system, f"{api_model} at {spec}"
        )
    if spec.startswith("script:"):
        from toolschool.backends.scripted import ScriptedBackend

        fmt = get_format(fmt_name or "tool_use", lenient=True)
        turns = _script_turns(Path(spec.removeprefix("script:")).expanduser(), fmt)
        label = f"scripted turns ({len(turns)}, {fmt.name})"
        return OpenedBackend(ScriptedBackend(turns), fmt, system, label)

    from toolschool.backends.local import LocalBackend, prepare_for_inference
    from toolschool.models.loading import load_for_prompting

    loaded, settings = load_for_prompting(spec, fmt_name, system)
    layout = loaded.layout(settings.layout, settings.format, native=True)
    fmt = get_format(settings.format, lenient=True)
    backend = LocalBackend(
        prepare_for_inference(loaded.model, dtype),
        loaded.tokenizer,
        fmt,
        settings.system_prompt,
        batch_size=1,
        max_new_tokens=max_new_tokens,
        layout=layout,
        constrained=constrained,
        prompt_lookup=8,
    )
    return OpenedBackend(backend, fmt, None, f"{spec} ({fmt.name}, layout {layout.name})")
