"""Training: LoRA supervised fine-tuning with assistant-only loss."""

from __future__ import annotations

from toolschool.train.config import LoraConfig, TrainConfig
from toolschool.train.lora import attach_lora
from toolschool.train.sft import TrainResult, train

__all__ = ["LoraConfig", "TrainConfig", "TrainResult", "attach_lora", "train"]
