"""Configuration of the evaluation stage (one config, used alone and inside a run)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from toolschool.config import StageConfig
from toolschool.names import FormatName, LayoutName, ToolkitName, TrainedModelName


class EvalConfig(StageConfig):
    """One evaluation: a model answers the items of a JSONL file; predictions and metrics.

    With ``bfcl`` instead of ``data`` the items are BFCL test files, scored by BFCL's own
    checker (:mod:`toolschool.eval.bfcl`) into ``bfcl_scores.json``.

    Inside a run (:class:`~toolschool.pipeline.RunConfig`) the run sets ``data``, ``model``,
    ``out_dir``, ``format``, ``layout``, ``system_prompt`` and ``toolkit``.
    """

    data: str | None = Field(None, description="eval items JSONL (required when run alone)")
    model: TrainedModelName | None = Field(
        None,
        description="run dir, bundled name, tiny[:seed], local dir, .gguf, hub id or http(s) URL (required)",
    )
    api_model: str | None = Field(None, description="model name the http(s) endpoint serves (required there)")
    api_mode: Literal["tools", "prompt", "completions"] = Field(
        "tools", description="endpoint: native tools/tool_calls, or text parsed by `format`"
    )
    api_key_env: str = Field("OPENAI_API_KEY", description="environment variable with the endpoint's API key")
    out_dir: str | None = Field(
        None, description="default: <run>/eval/<data stem>, else runs/eval-<stem>-<model>"
    )
    format: FormatName | None = Field(None, description="wire format; None = the run's, else tool_use")
    layout: LayoutName = Field(None, description="chat turn layout; None = the run's, else the model's own")
    system_prompt: str | None = Field(None, description="None = the run's, else the built-in one")
    toolkit: ToolkitName = Field("assistant", description="tools for items that carry none")
    lenient: bool = Field(False, description="parse leniently, repairs counted as valid syntax")
    also_parse: list[FormatName] = Field(
        default_factory=list,
        description="formats (lenient) to read an answer in when `format` finds no call, e.g. [llama3_json]",
    )
    batch_size: int = Field(32, ge=1, description="prompts decoded together")
    max_new_tokens: int = Field(128, ge=1, description="cap on generated tokens per answer")
    call_window: int | None = Field(
        32, ge=1, description="stop an answer with no tool call begun after this many tokens; None = off"
    )
    constrained: bool = Field(
        False, description="decode under the tool-call grammar: text, or valid calls of offered tools"
    )
    dtype: Literal["auto", "bfloat16", "float32"] = Field(
        "auto", description="weights for generation; auto = bfloat16 where the CPU has bf16 kernels"
    )
    limit: int | None = Field(None, ge=1, description="evaluate only the first N items (per BFCL file)")
    bfcl: list[str] | None = Field(
        None, description="BFCL question files (answers from possible_answer/ beside them) instead of data"
    )
    bfcl_names: Literal["underscore", "dotted"] = Field(
        "underscore", description="BFCL tool names: dots -> _ as BFCL's FC conversion, or kept"
    )
    bfcl_decoder: Literal["calls", "python"] = Field(
        "calls", description="BFCL decoding: the format's parsed calls (FC), or BFCL's prompt-mode Python"
    )

    @field_validator("data")
    @classmethod
    def _data_exists(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f"eval file {value} does not exist")
        return value

    @field_validator("bfcl")
    @classmethod
    def _bfcl_files_exist(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            if not value:
                raise ValueError("bfcl is an empty list: give at least one BFCL question file")
            missing = [v for v in value if not Path(v).is_file()]
            if missing:
                raise ValueError(f"BFCL file(s) {', '.join(missing)} do not exist")
        return value

    def require(self) -> EvalConfig:
        """Self, checked to have what a stand-alone evaluation needs.

        Raises:
            ConfigError: ``model`` is not set, or not exactly one of ``data`` and ``bfcl`` is.
        """
        from toolschool.errors import ConfigError

        if self.data is not None and self.bfcl is not None:
            raise ConfigError("eval config: give data or bfcl, not both")
        missing = [k for k in ("data", "model") if getattr(self, k) is None]
        if self.bfcl:
            missing = [k for k in missing if k != "data"]
        if missing:
            raise ConfigError(
                f"eval config: {', '.join(missing)} required (e.g. -d items.jsonl -m smollm2-135m, "
                "or --bfcl BFCL_v4_simple_python.json -m smollm2-135m)"
            )
        if self.endpoint and not self.api_model:
            raise ConfigError(
                f"eval config: model {self.model} is an endpoint: set api_model (the name it serves)"
            )
        return self

    @property
    def endpoint(self) -> bool:
        """Whether ``model`` is an OpenAI-compatible endpoint."""
        return str(self.model or "").startswith(("http://", "https://"))
