"""Turning generated samples into output records.

* :func:`draw_sample` renders one request of a family (slots, then optional noise).
* :func:`to_conversation` builds a training :class:`~toolschool.types.Conversation`:
  user → (assistant asks for a missing argument → user answers) → assistant calls →
  (tool results → next calls) → optionally results and a short final answer. No system
  message: the prompt builder adds it.
* :func:`to_test_item` builds an evaluation item: the conversation up to the target
  assistant turn, and the ``expected`` calls with acceptable values per argument. An
  ask_missing item stops after the incomplete request and expects no call (the right
  answer is the question; ``asks_for`` names the missing arguments).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from toolschool.datagen.family import Call, Draw, Family, protected_values, render
from toolschool.datagen.noise import add_noise, join_segments
from toolschool.datagen.simulators import Outcome, final_answer, simulate
from toolschool.types import Conversation, Message, ToolCall, ToolSchema


@dataclass
class GeneratedRequest:
    """One generated request.

    Attributes:
        family: the family it came from.
        text: the user request as written (after noise).
        base: the same request before noise.
        protected: ``(value, mode)`` of the slot values arguments are checked against,
            as rendered before noise (mode ``"exact"`` or ``"ci"``).
        draw: slot values and calls.
        noisy: whether surface noise was applied.
        outcomes: the target calls' results and answer sentences when the toolkit supplies
            them (a user tool run, or its example result); None: simulated
            (:func:`toolschool.datagen.simulators.simulate`).
    """

    family: Family
    text: str
    base: str
    protected: list[tuple[str, str]]
    draw: Draw
    noisy: bool
    outcomes: list[Outcome | None] | None = None

    def dedup_key(self, split: str) -> tuple[str, str]:
        """``(text, noise-free text)`` duplicates are judged on: the request; in train and val an
        ask-for-missing-argument sample adds the user's reply (it varies what is learnt), while
        a test item is its request alone."""
        followup = self.draw.followup
        if followup is None or split == "test":
            return self.text, self.base
        return f"{self.text}\n{followup.reply}", f"{self.base}\n{followup.reply}"

    @property
    def calls(self) -> list[Call]:
        """Every call the sample implies, chain first calls included."""
        first = self.draw.chain.calls if self.draw.chain else []
        return [*first, *self.draw.calls]


def draw_sample(family: Family, rng: random.Random, noise: float) -> GeneratedRequest:
    """Render one request of ``family``; noise is applied with probability ``noise``."""
    template = rng.choice(family.templates)
    draw = family.make(rng, family.lang)
    segments = render(family, template, draw, rng)
    protected = protected_values(segments)
    base = join_segments(segments)
    noisy = rng.random() < noise
    if noisy:
        segments = add_noise(segments, rng, family.lang)
    return GeneratedRequest(family, join_segments(segments), base, protected, draw, noisy)


def _tool_call(call: Call, call_id: str) -> ToolCall:
    return ToolCall(id=call_id, name=call.name, arguments=dict(call.arguments))


def _ids(index: int, start: int, count: int) -> list[str]:
    return [f"call_{index:04d}_{start + j}" for j in range(count)]


def to_conversation(sample: GeneratedRequest, index: int, record_id: str, tools: list[ToolSchema],
                    rng: random.Random, with_final: bool) -> Conversation:
    """A training conversation for ``sample``.

    Args:
        index: conversation number, used in call ids (``call_0007_0``).
        record_id: ``meta["id"]``.
        tools: the toolkit schemas stored with the conversation.
        rng: draws simulated results.
        with_final: continue tool-calling conversations with results and a final answer
            (skipped when no honest final answer can be simulated).
    """
    family, draw = sample.family, sample.draw
    messages = [Message(role="user", content=sample.text)]
    if draw.followup is not None:
        messages += [Message(role="assistant", content=draw.followup.question),
                     Message(role="user", content=draw.followup.reply)]
    if family.category == "no_tool":
        messages.append(Message(role="assistant", content=draw.answer))
    else:
        next_id = 0
        if draw.chain:
            ids = _ids(index, 0, len(draw.chain.calls))
            first = [_tool_call(c, i) for c, i in zip(draw.chain.calls, ids, strict=True)]
            messages.append(Message(role="assistant", tool_calls=first))
            for call, call_id, content in zip(draw.chain.calls, ids, draw.chain.results, strict=True):
                messages.append(Message(role="tool", tool_call_id=call_id, name=call.name, content=content))
            next_id = len(ids)
        ids = _ids(index, next_id, len(draw.calls))
        target = [_tool_call(c, i) for c, i in zip(draw.calls, ids, strict=True)]
        messages.append(Message(role="assistant", tool_calls=target))
        if with_final:
            today = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))
            outcomes = sample.outcomes if sample.outcomes is not None else [
                simulate(c, rng, family.lang, today) for c in draw.calls]
            known = [o for o in outcomes if o is not None]
            answer = final_answer(known) if len(known) == len(outcomes) else None
            if answer is not None:
                for call, call_id, outcome in zip(draw.calls, ids, known, strict=True):
                    messages.append(Message(role="tool", tool_call_id=call_id, name=call.name,
                                            content=outcome.content))
                messages.append(Message(role="assistant", content=answer))
    names = list(dict.fromkeys(c.name for c in sample.calls))
    meta = {"id": record_id, "category": family.category, "family": family.name, "tools": names,
            "lang": family.lang}
    return Conversation(messages=messages, tools=tools, meta=meta)


def expected_call(call: Call) -> dict[str, Any]:
    """The ``expected`` entry of a call: every argument with its acceptable values
    (the generated value first), plus ``_loose``/``_keywords`` and ``_numeric`` checks."""
    arguments: dict[str, list[Any]] = {}
    for key, value in call.arguments.items():
        values = [value]
        for alt in call.accept.get(key, []):
            if alt not in values:
                values.append(alt)
        arguments[key] = values
    entry: dict[str, Any] = {"name": call.name, "arguments": arguments}
    if call.keywords:
        entry["_loose"] = sorted(call.keywords)
        entry["_keywords"] = {k: list(v) for k, v in call.keywords.items()}
    if call.numeric:
        entry["_numeric"] = dict(call.numeric)
    return entry


def to_test_item(sample: GeneratedRequest, index: int, record_id: str,
                 tools: list[ToolSchema] | None = None) -> dict[str, Any]:
    """An evaluation item: messages up to the target assistant turn and the expected calls;
    ``tools``, when given, are stored with it (items of user toolkits carry their tools)."""
    family, draw = sample.family, sample.draw
    messages: list[dict[str, Any]] = [{"role": "user", "content": sample.text}]
    extra = {"tools": [t.to_openai() for t in tools]} if tools is not None else {}
    if draw.followup is not None:
        return {"id": record_id, "category": family.category, "tool": family.tool, "family": family.name,
                "messages": messages, "expected": [], "asks_for": list(draw.followup.missing), **extra}
    if draw.chain:
        ids = _ids(index, 0, len(draw.chain.calls))
        messages.append({"role": "assistant", "content": "",
                         "tool_calls": [{"id": i, "name": c.name, "arguments": dict(c.arguments)}
                                        for c, i in zip(draw.chain.calls, ids, strict=True)]})
        for call, call_id, content in zip(draw.chain.calls, ids, draw.chain.results, strict=True):
            messages.append({"role": "tool", "tool_call_id": call_id, "name": call.name, "content": content})
    return {
        "id": record_id,
        "category": family.category,
        "tool": family.tool,
        "family": family.name,
        "messages": messages,
        "expected": [expected_call(c) for c in draw.calls],
        **extra,
    }
