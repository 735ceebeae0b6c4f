"""Configuration of the data-generation stage.

One pydantic model, :class:`DataConfig`, rejecting unknown keys. Everything the output
depends on is here: the same config always produces byte-identical files.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from toolschool.chat.prompt import DEFAULT_SYSTEM as DEFAULT_SYSTEM_PROMPT


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


class DataConfig(BaseModel):
    """Config of :func:`toolschool.datagen.generate`.

    Attributes:
        seed: seeds every random choice (families held out, slots, noise, results).
        toolkit: the toolkit whose tools the data teaches.
        n_train, n_val, n_test: number of conversations / test items per split.
        mix: category shares of the test split (see :class:`CategoryMix`); the report's
            headline numbers are weighted by it.
        train_mix: category shares of the train and val splits. Its default gives the
            multi-call categories more weight than the test mix (parallel .25, chained .20
            vs .15/.15): they are the hardest for a small model and longest to learn, while
            test stays weighted like ordinary requests. ``None`` uses ``mix``.
        noise: probability that a request gets surface noise (typos, lowercasing, fillers…).
        test_family_share: share of families per (category, group) held out for test.
        final_answer_share: share of tool-calling training conversations that continue
            with the tool results and a short final answer.
        system_prompt: recorded in the data card; not written into conversations (the
            prompt builder adds the system prompt).
    """

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    toolkit: Literal["assistant"] = "assistant"
    n_train: int = Field(800, ge=1)
    n_val: int = Field(200, ge=0)
    n_test: int = Field(300, ge=0)
    mix: CategoryMix = Field(default_factory=CategoryMix)
    train_mix: CategoryMix | None = Field(
        default_factory=lambda: CategoryMix(single=0.30, parallel=0.25, chained=0.20, no_tool=0.25))
    noise: float = Field(0.35, ge=0, le=1)
    test_family_share: float = Field(0.25, gt=0, lt=1)
    final_answer_share: float = Field(0.3, ge=0, le=1)
    system_prompt: str = DEFAULT_SYSTEM_PROMPT

    def split_mix(self, split: str) -> CategoryMix:
        """The category mix of ``split`` (``"train"``, ``"val"`` or ``"test"``)."""
        if split == "test" or self.train_mix is None:
            return self.mix
        return self.train_mix
