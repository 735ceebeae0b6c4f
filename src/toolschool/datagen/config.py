"""Configuration of the data-generation stage.

One pydantic model, :class:`DataConfig`, rejecting unknown keys. Everything the output
depends on is here: the same config always produces byte-identical files.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from toolschool.chat.prompt import DEFAULT_SYSTEM as DEFAULT_SYSTEM_PROMPT
from toolschool.config import StageConfig


class CategoryMix(BaseModel):
    """Shares of the four categories in a split; they must sum to 1."""

    model_config = ConfigDict(extra="forbid")

    single: float = Field(0.45, ge=0, le=1, description="one tool call")
    parallel: float = Field(0.15, ge=0, le=1, description="2-3 independent calls in one turn")
    chained: float = Field(0.15, ge=0, le=1, description="a call that uses a previous tool result")
    no_tool: float = Field(0.25, ge=0, le=1, description="plain-text answers, including traps")

    @model_validator(mode="after")
    def _sums_to_one(self) -> CategoryMix:
        total = self.single + self.parallel + self.chained + self.no_tool
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"mix shares must sum to 1, got {total:.6g} "
                             f"(single={self.single}, parallel={self.parallel}, chained={self.chained}, "
                             f"no_tool={self.no_tool})")
        return self

    def shares(self) -> dict[str, float]:
        """``{category: share}`` in the fixed category order."""
        return {"single": self.single, "parallel": self.parallel, "chained": self.chained, "no_tool": self.no_tool}


class DataConfig(StageConfig):
    """Config of the data stage (:func:`toolschool.datagen.stage.run`).

    Everything the output depends on is here; ``out_dir`` and ``plugins`` say where and
    with what, and are left out of the data card, so the same content gives the same card
    wherever it is written.
    """

    out_dir: str = Field("data", description="where train.jsonl, val.jsonl, test.jsonl and data_card.json go")
    seed: int = Field(0, description="seeds every random choice: held-out families, slots, noise, results")
    toolkit: Literal["assistant"] = Field("assistant", description="the toolkit whose tools the data teaches")
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
