"""Teacher labelling: a larger model behind any OpenAI-compatible endpoint (Ollama, vLLM, a
llama.cpp server, a hosted API) labels or paraphrases requests, and every result is checked
like generated data before it becomes training data.

**Input** (``data``, JSONL; blank lines skipped), one request per line, either

* a canonical :class:`~toolschool.types.Conversation` line (``messages``, ``tools``?, ``meta``?):
  the request is the conversation up to its first assistant turn, which must end with a user
  message (a conversation without an assistant turn is all request). The calls of its assistant
  turns, when there are any, are the reference whose values paraphrases must keep; or
* a bare request ``{"id"?, "request": "text", "tools"?: [...], "keep"?: ["value", ...],
  "calls"?: [...], "meta"?: {...}}``: ``keep`` lists values a paraphrase must keep word for word,
  ``calls`` are reference calls (their values copied from the request are kept too).

The id is ``id``, else ``meta.id``, else ``req_<n>`` (``n`` = the request's 0-based position in
the file, so the same file gives the same ids); ids must be unique. Requests without ``tools``
get the ``tools`` of the config: a toolkit name or an OpenAI ``tools`` JSON file (a list, or
``{"tools": [...]}``).

**Tasks.** ``label``: the teacher answers the request with native ``tools`` (calls, or text
when no tool fits; ``tool_choice: required`` forces calls), and the answer is checked
(:func:`toolschool.datagen.verify.check_calls`). ``paraphrase``: the teacher writes
``n_paraphrases`` rephrasings keeping the values the calls copy from the request; each is
checked (:func:`toolschool.datagen.verify.check_paraphrases`) and replaces the request in a copy
of the conversation (a bare request without calls gives a one-turn conversation, ready to
``label``).

**Output** in ``out_dir``:

* ``journal.jsonl`` — one line per finished request, appended and fsynced at once
  (:class:`~toolschool.datagen.journal.Journal`): ``{"id", "outputs": [conversation...],
  "rejects": [{"reason", "detail", ...}], "attempts", "key"}``. It is the run's state:
  ``resume: true`` (``--resume``) skips its ids, so a killed run loses only requests in
  flight and labels nothing twice; a torn last line is cut and its request asked again.
* ``conversations.jsonl`` — the accepted conversations, in input order, rebuilt from the
  journal at the end of every run (atomically). Ids: the request's id for ``label``,
  ``<id>~p<k>`` for paraphrase ``k``; ``meta`` keeps the request's meta and adds ``source:
  teacher``, ``task``, ``teacher`` (the model), ``category`` (``single``/``parallel``/
  ``no_tool``, label) or ``source_id`` (paraphrase).
* ``rejects.jsonl`` — every rejected answer or paraphrase with its request id, ``reason`` (see
  :data:`~toolschool.datagen.verify.REJECT_REASONS`), ``detail`` and the rejected text.
* ``teacher_card.json`` — counts (requests, done, accepted, outputs, rejects by reason,
  unfinished), this run's request failures by kind and each key's fate; ``config.yaml``.

Keys rotate and fail as :mod:`toolschool.backends.key_rotation` describes; a request that
still fails after ``max_attempts`` stays out of the journal (asked again on ``--resume``);
when every key is retired the run writes its outputs and raises
:class:`~toolschool.backends.key_rotation.KeysExhaustedError` naming each key's fate.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import CancelledError, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from toolschool.backends.key_rotation import (
    Failure,
    KeyPool,
    KeysExhaustedError,
    RetryPolicy,
    Stopped,
    call_with_retries,
    check_chat_reply,
    load_keys,
)
from toolschool.backends.openai_http import EndpointError, to_openai_messages
from toolschool.config import dump_config, read_config_file
from toolschool.datagen.journal import Journal
from toolschool.datagen.teacher_config import RESUME_KEYS, TeacherConfig
from toolschool.datagen.verify import Reject, check_calls, check_paraphrases, copied_values, parse_paraphrases
from toolschool.errors import ConfigError, DataError, SchemaError
from toolschool.files import atomic_write_text
from toolschool.progress import NullProgress, Progress
from toolschool.types import Conversation, Message, ToolCall, ToolSchema, iter_jsonl, write_jsonl

LABEL_SYSTEM = (
    "You label requests for training a tool-calling assistant. When a tool fits the user's request, call "
    "it (one call per independent thing asked), copying argument values exactly as the user wrote them and "
    "never inventing values the user did not give (leave optional arguments out). When no tool fits, "
    "answer briefly in plain text."
)
PARAPHRASE_SYSTEM = (
    "You rewrite user requests for a tool-calling assistant. Write {n} different rephrasings of the "
    "user's request that keep its meaning and everything it asks for; vary wording, word order, tone and "
    "length.{keep} Answer with JSON only: {{\"paraphrases\": [\"...\"]}}."
)


class RequestLine(BaseModel):
    """One input line (see the module docstring); other keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    id: str | int | None = None
    request: str | None = None
    messages: list[Message] | None = None
    tools: list[ToolSchema] | None = None
    keep: list[str] = Field(default_factory=list)
    calls: list[ToolCall] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)

    @field_validator("tools", mode="before")
    @classmethod
    def _decode_tools(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_kind(self) -> RequestLine:
        if (self.request is None) == (self.messages is None):
            raise ValueError("give either 'request' (text) or 'messages' (a conversation)")
        if self.request is not None and not self.request.strip():
            raise ValueError("'request' is empty")
        return self


@dataclass
class TeacherItem:
    """One request, ready to ask.

    Attributes:
        id: unique, stable id.
        prompt: the messages the teacher answers (up to the first assistant turn).
        request_index: position in ``messages`` of the user message a paraphrase replaces.
        messages: the whole input conversation (the prompt alone for a bare request).
        tools: the tools offered.
        reference: reference calls (values copied from the request must survive a paraphrase).
        keep: values a paraphrase must keep as given.
        meta: the input's meta.
    """

    id: str
    prompt: list[Message]
    request_index: int
    messages: list[Message]
    tools: list[ToolSchema]
    reference: list[ToolCall] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def request(self) -> str:
        return self.messages[self.request_index].content


def _check_schemas(tools: list[ToolSchema], where: str) -> None:
    import jsonschema

    for tool in tools:
        try:
            jsonschema.Draft202012Validator.check_schema(tool.function.parameters)
        except jsonschema.SchemaError as exc:
            raise SchemaError(f"{where}: tool {tool.name!r}: parameters are not a valid JSON Schema: "
                              f"{exc.message}") from None


def load_tools(spec: str) -> list[ToolSchema]:
    """The tools ``spec`` names: a registered toolkit, or an OpenAI ``tools`` JSON file (a list,
    or an object with a ``tools`` list).

    Raises:
        ConfigError: ``spec`` is neither a toolkit nor a file; DataError: the file is not JSON or
        an entry is not a tool; SchemaError: a tool's parameters are not a JSON Schema.
    """
    from toolschool.tools.toolkits import TOOLKITS, get_toolkit

    if spec in TOOLKITS:
        return get_toolkit(spec)
    path = Path(spec)
    if not path.is_file():
        raise ConfigError(f"tools: {spec!r} is neither a toolkit ({', '.join(TOOLKITS.names())}) nor a file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: line {exc.lineno}: invalid JSON ({exc.msg})") from None
    entries = data.get("tools") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise DataError(f"{path}: expected a JSON list of tools (or {{\"tools\": [...]}})")
    tools = []
    for i, entry in enumerate(entries):
        try:
            tools.append(ToolSchema.model_validate(entry))
        except ValueError as exc:
            raise DataError(f"{path}: tool {i}: not an OpenAI tool ({exc.errors()[0]['msg']})") from None
    _check_schemas(tools, str(path))
    return tools


def _item(line: RequestLine, index: int, default_tools: list[ToolSchema], where: str) -> TeacherItem:
    item_id = str(line.id if line.id is not None else line.meta.get("id") or f"req_{index:06d}")
    tools = default_tools if line.tools is None else line.tools
    if line.request is not None:
        prompt = [Message(role="user", content=line.request)]
        return TeacherItem(item_id, prompt, 0, prompt, tools, list(line.calls), line.keep, dict(line.meta))
    messages = line.messages or []
    cut = next((i for i, m in enumerate(messages) if m.role == "assistant"), len(messages))
    prompt = messages[:cut]
    if not prompt or prompt[-1].role != "user":
        raise DataError(f"{where}: request {item_id!r}: the messages before the first assistant turn "
                        f"must end with a user message")
    reference = [c for m in messages[cut:] if m.role == "assistant" for c in m.tool_calls] + list(line.calls)
    return TeacherItem(item_id, prompt, cut - 1, messages, tools, reference, line.keep, dict(line.meta))


def read_requests(path: str | Path, default_tools: list[ToolSchema],
                  limit: int | None = None) -> list[TeacherItem]:
    """The requests of a JSONL file (formats in the module docstring), the first ``limit`` only.

    Raises:
        DataError: a line is not JSON or not a request (file, line and field), a conversation's
            prompt does not end with a user message, or an id repeats; SchemaError: a request's
            tool parameters are not a JSON Schema.
    """
    items: list[TeacherItem] = []
    seen: dict[str, int] = {}
    for index, line in enumerate(iter_jsonl(path, RequestLine)):
        if limit is not None and index >= limit:
            break
        item = _item(line, index, default_tools, str(path))
        if item.id in seen:
            raise DataError(f"{path}: id {item.id!r} of request {index} repeats request {seen[item.id]}")
        seen[item.id] = index
        if line.tools:
            _check_schemas(line.tools, f"{path}: request {item.id!r}")
        items.append(item)
    return items


def _with_system(messages: list[Message], system: str) -> list[Message]:
    if messages and messages[0].role == "system":
        return [Message(role="system", content=f"{system}\n\n{messages[0].content}"), *messages[1:]]
    return [Message(role="system", content=system), *messages]


def request_body(item: TeacherItem, config: TeacherConfig, values: list[str]) -> dict[str, Any]:
    """The chat-completions body for ``item`` (``values``: what a paraphrase must keep)."""
    body: dict[str, Any] = {"model": config.model, "temperature": config.effective_temperature()}
    if config.max_tokens is not None:
        body["max_tokens"] = config.max_tokens
    if config.task == "label":
        body["messages"] = to_openai_messages(_with_system(item.prompt, config.system_prompt or LABEL_SYSTEM))
        if item.tools:
            body["tools"] = [t.to_openai() for t in item.tools]
            if config.tool_choice != "auto":
                body["tool_choice"] = config.tool_choice
        return body
    keep = " Keep these values exactly as written: " + ", ".join(json.dumps(v, ensure_ascii=False)
                                                                  for v in values) + "." if values else ""
    system = config.system_prompt or PARAPHRASE_SYSTEM.format(n=config.n_paraphrases, keep=keep)
    body["messages"] = [{"role": "system", "content": system}, {"role": "user", "content": item.request}]
    return body


def _meta(item: TeacherItem, config: TeacherConfig, **extra: Any) -> dict[str, Any]:
    return {**item.meta, "id": item.id, "source": "teacher", "task": config.task, "teacher": config.model,
            **extra}


def _dump(conversation: Conversation) -> dict[str, Any]:
    return conversation.model_dump(mode="json", exclude_none=True)


def label_record(item: TeacherItem, reply: Any, config: TeacherConfig) -> dict[str, Any]:
    """The journal record of a ``label`` reply (a chat completion passed by
    :func:`~toolschool.backends.key_rotation.check_chat_reply`): one conversation, or one reject."""
    choice = reply.choices[0]  # checked by check_chat_reply
    content = choice.message.content or ""
    raw = [(c.function.name, c.function.arguments) for c in (choice.message.tool_calls or [])
           if getattr(c, "function", None) is not None]
    finish = choice.finish_reason
    answer = {"content": content, "tool_calls": [{"name": n, "arguments": a} for n, a in raw],
              "finish_reason": finish}
    calls: list[ToolCall] = []
    if finish == "length":
        reject: Reject | None = Reject("truncated", "the teacher hit max_tokens")
    elif not raw and not content.strip():
        reject = Reject("empty_answer", "the reply has neither text nor calls")
    else:
        calls, reject = check_calls(raw, item.tools)
    if reject is not None:
        return {"id": item.id, "outputs": [], "rejects": [{**reject.to_dict(), "answer": answer}]}
    text = content.strip() if not calls or config.keep_call_text else ""
    category = "no_tool" if not calls else "single" if len(calls) == 1 else "parallel"
    conversation = Conversation(
        messages=[*item.prompt, Message(role="assistant", content=text, tool_calls=calls)], tools=item.tools,
        meta=_meta(item, config, category=category, tools=list(dict.fromkeys(c.name for c in calls))),
    )
    return {"id": item.id, "outputs": [_dump(conversation)], "rejects": []}


def paraphrase_record(item: TeacherItem, reply: Any, config: TeacherConfig,
                      values: list[str]) -> dict[str, Any]:
    """The journal record of a ``paraphrase`` reply: a conversation per accepted paraphrase,
    a reject per other one (or one reject when nothing could be read)."""
    choice = reply.choices[0]  # checked by check_chat_reply
    text = choice.message.content or ""
    record: dict[str, Any] = {"id": item.id, "outputs": [], "rejects": []}
    if choice.finish_reason == "length":
        record["rejects"].append({**Reject("truncated", "the teacher hit max_tokens").to_dict(),
                                  "text": text})
        return record
    paraphrases = parse_paraphrases(text)
    if paraphrases is None:
        record["rejects"].append({**Reject("unparsable_reply", "no JSON list and no list lines").to_dict(),
                                  "text": text})
        return record
    paraphrases = paraphrases[: config.n_paraphrases]
    verdicts = check_paraphrases(item.request, paraphrases, values)
    for k, (paraphrase, verdict) in enumerate(zip(paraphrases, verdicts, strict=True)):
        if verdict is not None:
            record["rejects"].append({**verdict.to_dict(), "text": paraphrase, "index": k})
            continue
        messages = list(item.messages)
        messages[item.request_index] = Message(role="user", content=paraphrase)
        meta = _meta(item, config, source_id=item.id)
        meta["id"] = f"{item.id}~p{k}"
        record["outputs"].append(_dump(Conversation(messages=messages, tools=item.tools, meta=meta)))
    return record


@dataclass
class Unfinished:
    """A request given up on in this run (not journaled; asked again on resume)."""

    id: str
    failure: Failure
    attempts: int


@dataclass
class TeacherResult:
    """What a teacher run did.

    Attributes:
        conversations_path / rejects_path / card_path / journal_path: the files written.
        total: requests in the input (after ``limit``); done: in the journal now; resumed: in
            the journal before this run.
        outputs: accepted conversations; rejects: rejected outputs by reason.
        unfinished: ``{id: last failure}`` of requests this run gave up on after retries.
        keys: each key's record (name, state, reason, counts).
        failures: this run's failed requests by kind (``rate_limit``, ``http_500``, ``quota``…).
        warnings: things people should know (a repaired journal, no API key…).
    """

    conversations_path: Path
    rejects_path: Path
    card_path: Path
    journal_path: Path
    total: int
    done: int
    resumed: int
    outputs: int
    rejects: dict[str, int]
    unfinished: dict[str, str]
    keys: list[dict[str, Any]]
    failures: dict[str, int]
    warnings: list[str]


def _check_resume(config: TeacherConfig, journal: Journal, out: Path) -> None:
    if not config.resume:
        if journal.done or journal.repaired:
            raise ConfigError(f"{journal.path} already holds {len(journal.done)} finished request(s): pass "
                              f"--resume (resume=true) to continue it, or choose another out_dir")
        return
    saved = out / "config.yaml"
    if not saved.is_file():
        return
    before = read_config_file(saved)
    now = config.model_dump(mode="json")
    changed = [f"  {k}: {before.get(k)!r} → {now[k]!r}" for k in RESUME_KEYS if before.get(k) != now[k]]
    if changed:
        raise ConfigError(f"cannot resume {journal.path} with a different config ({saved}):\n"
                          + "\n".join(changed))


def _write_outputs(items: list[TeacherItem], journal: Journal,
                   out: Path) -> tuple[int, Counter[str], Counter[str]]:
    known = {i.id for i in items}
    order = [i.id for i in items if i.id in journal.done] + [k for k in journal.done if k not in known]
    conversations, rejects = [], []
    categories: Counter[str] = Counter()
    for item_id in order:
        record = journal.done[item_id]
        conversations += record.get("outputs", [])
        rejects += [{"id": item_id, **r} for r in record.get("rejects", [])]
        categories.update(c.get("meta", {}).get("category", "paraphrase") for c in record.get("outputs", []))
    write_jsonl(out / "conversations.jsonl", conversations)
    write_jsonl(out / "rejects.jsonl", rejects)
    return len(conversations), Counter(r["reason"] for r in rejects), categories


def run(config: TeacherConfig, progress: Progress | None = None,
        sleep: Callable[[float], None] | None = None) -> TeacherResult:
    """Label or paraphrase the requests of ``config.data`` with the teacher (see the module docstring).

    Args:
        progress: told ``teacher <task>`` with one step per finished request.
        sleep: waits the back-off delays (tests record them; default: a wait a stop cuts short).

    Raises:
        ConfigError: no model name, unknown tools, a journal already there without ``resume``,
            a resume with a different config, or a journal locked by another run.
        DataError / SchemaError: bad requests or tools (before any request is sent).
        KeysExhaustedError: every key was retired (outputs and card are written first).
        EndpointError: the endpoint answered 404 (outputs and card are written first).
    """
    if not config.model:
        raise ConfigError("teacher config: model is required (the name the endpoint serves, "
                          "e.g. model=qwen2.5:7b)")
    progress = progress or NullProgress()
    started = time.perf_counter()
    out = Path(config.out_dir)
    items = read_requests(config.data, load_tools(config.tools), config.limit)
    keys = load_keys(config.api_key_envs, config.api_keys_file)
    no_key = keys[0].name == "(no key)"
    warnings = ["no API key found: sending 'none' (fine for local servers)"] if no_key else []
    from openai import OpenAI

    def make_client(secret: str) -> Any:
        return OpenAI(base_url=config.base_url, api_key=secret, timeout=config.timeout_s, max_retries=0)

    with Journal.open(out / "journal.jsonl") as journal:
        _check_resume(config, journal, out)
        if journal.repaired:
            warnings.append(f"{journal.path}: cut a torn last line ({journal.repaired} bytes); "
                            f"its request is asked again")
        dump_config(config, out / "config.yaml")
        resumed = len(journal.done)
        pool = KeyPool(keys, make_client)
        failures: Counter[str] = Counter()
        lock = threading.Lock()
        unfinished: dict[str, str] = {}
        error: EndpointError | None = None
        try:
            error = _label_all(items, journal, config, pool, progress, sleep, failures, lock, unfinished)
        finally:
            pool.close()
            outputs, rejects, categories = _write_outputs(items, journal, out)
            result = TeacherResult(
                out / "conversations.jsonl", out / "rejects.jsonl", out / "teacher_card.json", journal.path,
                len(items), len(journal.done), resumed, outputs, dict(rejects), unfinished,
                [s.summary() for s in pool.states], dict(failures), warnings)
            _write_card(result, config, categories, time.perf_counter() - started)
    if isinstance(error, KeysExhaustedError):
        fresh = pool.exhausted()
        raise KeysExhaustedError(f"{fresh}\n{result.done} of {result.total} requests are done and saved in "
                                 f"{journal.path}; run again with --resume once a key works", fresh.fates)
    if error is not None:
        raise EndpointError(f"{config.base_url}: {error}; {result.done} of {result.total} requests are saved "
                            f"in {journal.path} (--resume continues)")
    return result


def _label_all(items: list[TeacherItem], journal: Journal, config: TeacherConfig, pool: KeyPool,
               progress: Progress, sleep: Callable[[float], None] | None, failures: Counter[str],
               lock: threading.Lock, unfinished: dict[str, str]) -> EndpointError | None:
    """Ask for every request not in the journal, ``config.concurrency`` at a time, journaling each
    result as it comes; returns the error that stopped the run (None when none did)."""
    policy = RetryPolicy(config.max_attempts, config.backoff_base_s, config.backoff_max_s,
                         config.retry_after_max_s)
    rng = random.Random(config.seed)
    stop = threading.Event()

    def count(failure: Failure, delay: float | None) -> None:
        with lock:
            failures[failure.label] += 1

    def work(item: TeacherItem) -> dict[str, Any] | Unfinished:
        values = copied_values(item.request, item.reference, item.keep) if config.task == "paraphrase" else []
        body = request_body(item, config, values)

        def send(client: Any) -> Any:
            return check_chat_reply(client.chat.completions.create(**body))

        outcome = call_with_retries(pool, send, policy, rng, sleep=sleep, stop=stop, on_failure=count)
        if outcome.reply is None:
            assert outcome.failure is not None
            if outcome.failure.kind != "refused":
                return Unfinished(item.id, outcome.failure, outcome.attempts)
            record = {"id": item.id, "outputs": [], "rejects": [{"reason": "endpoint_refused",
                                                                 "detail": outcome.failure.detail}]}
        elif config.task == "label":
            record = label_record(item, outcome.reply, config)
        else:
            record = paraphrase_record(item, outcome.reply, config, values)
        return {**record, "attempts": outcome.attempts, "key": outcome.key}

    pending = [item for item in items if item.id not in journal.done]
    task = f"teacher {config.task}"
    progress.start(task, len(pending))
    error: EndpointError | None = None
    accepted = rejected = 0
    with ThreadPoolExecutor(max_workers=config.concurrency, thread_name_prefix="teacher") as executor:
        futures = {executor.submit(work, item): item for item in pending}
        try:
            for future in as_completed(futures):
                try:
                    done = future.result()
                except (CancelledError, Stopped):
                    continue
                except EndpointError as exc:  # keys exhausted, or a fatal reply: stop, keep what comes in
                    error = error or exc
                    stop.set()
                    for other in futures:
                        other.cancel()
                    continue
                if isinstance(done, Unfinished):
                    unfinished[done.id] = f"{done.failure.detail} (after {done.attempts} attempts)"
                else:
                    journal.append(done)
                    accepted += bool(done["outputs"])
                    rejected += not done["outputs"]
                progress.advance(task, 1, ok=accepted, rejected=rejected, unfinished=len(unfinished),
                                 failed=sum(failures.values()), keys=f"{pool.live()}/{len(pool.states)}")
        except BaseException:
            stop.set()
            for other in futures:
                other.cancel()
            raise
    progress.finish(task)
    return error


def _write_card(result: TeacherResult, config: TeacherConfig, categories: Counter[str],
                seconds: float) -> None:
    card = {
        "task": config.task,
        "teacher": {"model": config.model, "base_url": config.base_url},
        "data": config.data,
        "requests": {"total": result.total, "done": result.done, "unfinished": result.total - result.done},
        "outputs": result.outputs,
        "outputs_by_category": dict(sorted(categories.items())),
        "rejects_by_reason": dict(sorted(result.rejects.items())),
        "last_run": {"resumed_with": result.resumed, "finished": result.done - result.resumed,
                     "gave_up": result.unfinished, "failures": dict(sorted(result.failures.items())),
                     "keys": result.keys, "seconds": round(seconds, 2), "warnings": result.warnings},
        "config": config.model_dump(mode="json", exclude={"out_dir", "plugins", "resume"}),
    }
    atomic_write_text(result.card_path, json.dumps(card, ensure_ascii=False, indent=2) + "\n")
