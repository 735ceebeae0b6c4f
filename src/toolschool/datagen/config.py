"""Configuration of the data-generation stage.

One pydantic model, :class:`DataConfig`, rejecting unknown keys. Everything the output
depends on is here: the same config always produces byte-identical files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from toolschool.chat.prompt import DEFAULT_SYSTEM as DEFAULT_SYSTEM_PROMPT
from toolschool.config import StageConfig
from toolschool.names import FormatName, ToolkitName


def check_tools(spec: str | None) -> str | None:
    """``spec`` if it names user tools that can be opened: a spec with a scheme (``mcp:``,
    ``python:``, ``toolkit:``) as given, a file only when it exists (checked before any work)."""
    if spec is None or spec.strip().startswith(("mcp:", "python:", "toolkit:")):
        return spec
    if not Path(spec).is_file():
        raise ValueError(f"no such file {spec!r} (a YAML/JSON tools file, a .py module, "
                         "python:module or mcp:COMMAND)")
    return spec


#: A tools spec (:mod:`toolschool.datagen.toolkit_file`), checked when a config is validated.
ToolsSpec = Annotated[str | None, AfterValidator(check_tools)]


class CategoryMix(BaseModel):
    """Shares of the categories in a split; they must sum to 1.

    A category the toolkit has no families for (a user toolkit without ``chains:``) gets no
    samples; its share goes to the others in proportion, and the data card says so.
    """

    model_config = ConfigDict(extra="forbid")

    single: float = Field(0.45, ge=0, le=1, description="one tool call")
    parallel: float = Field(0.15, ge=0, le=1, description="2-3 independent calls in one turn")
    chained: float = Field(0.15, ge=0, le=1, description="a call that uses a previous tool result")
    no_tool: float = Field(0.25, ge=0, le=1, description="plain-text answers, including near-miss traps")
    ask_missing: float = Field(
        0.0, ge=0, le=1, description="a request missing a required argument: ask, then call after the answer"
    )

    @model_validator(mode="after")
    def _sums_to_one(self) -> CategoryMix:
        total = sum(self.shares().values())
        if abs(total - 1.0) > 1e-6:
            listed = ", ".join(f"{k}={v}" for k, v in self.shares().items())
            raise ValueError(f"mix shares must sum to 1, got {total:.6g} ({listed})")
        return self

    def shares(self) -> dict[str, float]:
        """``{category: share}`` in the fixed category order."""
        return {"single": self.single, "parallel": self.parallel, "chained": self.chained,
                "no_tool": self.no_tool, "ask_missing": self.ask_missing}


class DataConfig(StageConfig):
    """Config of the data stage (:func:`toolschool.datagen.stage.run`).

    Everything the output depends on is here; ``out_dir`` and ``plugins`` say where and
    with what, and are left out of the data card, so the same content gives the same card
    wherever it is written. With ``tools`` set, the data teaches those tools (see
    :mod:`toolschool.datagen.toolkit_file`) and ``toolkit`` is not used; the card records
    the tools' digest, since a file's content can change under the same path.
    """

    out_dir: str = Field("data", description="where train.jsonl, val.jsonl, test.jsonl and data_card.json go")
    seed: int = Field(0, description="seeds every random choice: held-out families, slots, noise, results")
    toolkit: ToolkitName = Field("assistant", description="the toolkit the data teaches (unless tools)")
    tools: ToolsSpec = Field(
        None, description="user tools instead: a YAML/JSON file, python:module or a .py file, or mcp:COMMAND"
    )
    format: FormatName = Field("tool_use", description="wire format every sample's calls must parse back in")
    n_train: int = Field(800, ge=1, description="training conversations")
    n_val: int = Field(200, ge=0, description="validation conversations")
    n_test: int = Field(300, ge=0, description="test items (from held-out families only)")
    mix: CategoryMix = Field(default_factory=CategoryMix, description="category shares of the test split")
    train_mix: CategoryMix | None = Field(
        default_factory=lambda: CategoryMix(single=0.30, parallel=0.25, chained=0.20, no_tool=0.25),
        description="category shares of train and val (more multi-call than test); None = mix",
    )
    noise: float = Field(
        0.35, ge=0, le=1, description="probability of surface noise on a request (typos, case…)"
    )
    test_family_share: float = Field(
        0.25, gt=0, lt=1, description="share of families per (category, group) held out"
    )
    final_answer_share: float = Field(
        0.3, ge=0, le=1, description="share of tool-calling conversations that go on to a final answer"
    )
    system_prompt: str = Field(
        DEFAULT_SYSTEM_PROMPT,
        description="recorded in the data card; the prompt builder adds it, not the data",
    )

    def card_config(self) -> dict[str, object]:
        """The config as the data card records it: content settings only (no paths, plugins)."""
        return self.model_dump(mode="json", exclude={"out_dir", "plugins"})

    def split_mix(self, split: str) -> CategoryMix:
        """The category mix of ``split`` (``"train"``, ``"val"`` or ``"test"``)."""
        if split == "test" or self.train_mix is None:
            return self.mix
        return self.train_mix
