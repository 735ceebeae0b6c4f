"""Configuration of teacher labelling (:func:`toolschool.datagen.teacher.run`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from toolschool.config import StageConfig

#: keys a resumed run must share with the run that wrote the journal
RESUME_KEYS = ("data", "task", "tools", "model", "n_paraphrases", "system_prompt",
               "temperature", "tool_choice", "keep_call_text")


class TeacherConfig(StageConfig):
    """A teacher model behind an OpenAI-compatible endpoint labels or paraphrases requests.

    Inputs and outputs are described in :mod:`toolschool.datagen.teacher`; keys and retries in
    :mod:`toolschool.backends.key_rotation`.
    """

    data: str = Field(
        "requests.jsonl", description="JSONL of requests: conversations or {id, request, tools?, keep?}"
    )
    out_dir: str = Field(
        "teacher", description="where journal.jsonl, conversations.jsonl, rejects.jsonl and the card go"
    )
    task: Literal["label", "paraphrase"] = Field(
        "label", description="label: the teacher answers (calls or text); paraphrase: it rewords requests"
    )
    tools: str = Field(
        "assistant", description="a toolkit name or an OpenAI tools JSON file, for requests without tools"
    )
    base_url: str = Field(
        "http://127.0.0.1:11434/v1", description="the endpoint's API root (Ollama's by default)"
    )
    model: str = Field("", description="the teacher model name the endpoint serves (required)")
    api_key_envs: list[str] = Field(
        default_factory=lambda: ["OPENAI_API_KEY"], description="environment variables holding API keys"
    )
    api_keys_file: str | None = Field(
        None, description="a file of API keys, one per line (added to the rotation)"
    )
    concurrency: int = Field(4, ge=1, le=256, description="requests in flight at once")
    max_attempts: int = Field(
        6, ge=1, description="tries per request over transient failures (429, 5xx, drops)"
    )
    backoff_base_s: float = Field(1.0, gt=0, description="first back-off delay in seconds (doubles per try)")
    backoff_max_s: float = Field(60.0, gt=0, description="cap on one back-off delay in seconds")
    retry_after_max_s: float = Field(300.0, gt=0, description="a longer Retry-After retires the key instead")
    timeout_s: float = Field(120.0, gt=0, description="seconds per request before it counts as a timeout")
    temperature: float | None = Field(
        None, ge=0, le=2, description="sampling temperature; None = 0 to label, 0.8 to paraphrase"
    )
    max_tokens: int | None = Field(1024, ge=1, description="cap on the teacher's tokens per answer")
    tool_choice: Literal["auto", "required"] = Field(
        "auto", description="label: may answer in text (auto) or must call"
    )
    keep_call_text: bool = Field(
        False, description="label: keep the text the teacher writes beside its calls"
    )
    n_paraphrases: int = Field(3, ge=1, le=20, description="paraphrase: rephrasings asked per request")
    system_prompt: str | None = Field(
        None, description="the teacher's instructions; None = the task's built-in prompt"
    )
    limit: int | None = Field(None, ge=1, description="only the first N requests of data")
    seed: int = Field(0, description="seeds the back-off jitter")
    resume: bool = Field(False, description="continue the journal in out_dir, skipping finished ids")

    @model_validator(mode="after")
    def _backoff_order(self) -> TeacherConfig:
        if self.backoff_max_s < self.backoff_base_s:
            raise ValueError(f"backoff_max_s ({self.backoff_max_s}) must be >= "
                             f"backoff_base_s ({self.backoff_base_s})")
        return self

    def effective_temperature(self) -> float:
        """``temperature``, or the task's default when None."""
        if self.temperature is not None:
            return self.temperature
        return 0.0 if self.task == "label" else 0.8
