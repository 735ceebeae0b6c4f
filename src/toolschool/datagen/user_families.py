"""Template families for any toolkit, built from its tools' schemas and a toolkit file's phrasing.

:func:`user_families` turns tool schemas plus a :class:`~toolschool.datagen.toolkit_file.ToolkitFile`
into the same :class:`~toolschool.datagen.family.Family` objects the shipped catalogue
holds, so splits, noise, verification and records treat them alike. Per tool:

* **single** — one family per ``templates`` entry (a list entry is one family of close
  variants, which must name the same arguments). ``{arg}`` placeholders are drawn from the
  schema (:mod:`toolschool.datagen.schema_values`); a template names every required
  argument, and the optional ones it names go into the call. A tool without templates gets
  *generic* phrasing built from its description ("Get the stock price for a symbol: symbol
  AAPL.") — clearly worse than written phrasing, and the data card says which tools had it;
* **parallel** — two requests joined (``joins``): the tool twice, and pairs of tools
  (``multi_tool``, group ``mixed``);
* **chained** — the file's ``chains``: the first tool runs when it can (its real result),
  else its ``result`` example is filled; the next call's linked argument is read from it;
* **no_tool** — the tool's ``traps`` (near-miss requests on its topic that need no call), or
  generic ones about the tool itself; plus the shipped toolkit-independent small talk;
* **ask_missing** — per required argument, the ``ask`` phrasing (or a generic one): the
  request leaves it out, the assistant asks, the user's reply gives it, the call follows.

Every template problem is a :class:`~toolschool.errors.ConfigError` naming the file, the
tool and the entry.
"""

from __future__ import annotations

import itertools
import random
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from toolschool.datagen.family import Call, Chain, Draw, Family, Maker, Slot
from toolschool.datagen.makers import ask_maker, combine, pair_maker
from toolschool.datagen.sample_checks import Rejected, result_text, structured
from toolschool.datagen.schema_values import (
    EXAMPLE_MARK,
    SCHEMA_POOLS,
    ArgumentValues,
    argument_values,
    name_words,
)
from toolschool.datagen.slots import DECOR
from toolschool.datagen.toolkit_file import ToolkitFile, ToolPhrasing
from toolschool.errors import ConfigError
from toolschool.types import ToolSchema

#: How the data card describes where a tool's phrasing came from.
FROM_FILE = "toolkit file"
GENERIC = "generic: built from the tool's description (lower quality; write phrasing for this tool)"
_FORMATTER = string.Formatter()
_NOT_VERBS = {"this", "its", "is", "was", "has", "does", "news", "status", "analysis", "series", "always"}
#: Most tool pairs given mixed parallel families; beyond, each tool pairs with the next two.
_ALL_PAIRS_UP_TO = 6


@dataclass
class UserFamilies:
    """What :func:`user_families` built: the families and, per tool, where its phrasing came from."""

    families: list[Family]
    phrasing: dict[str, str] = field(default_factory=dict)


def placeholders(template: str, where: str) -> list[str]:
    """The ``{names}`` of ``template``, in order.

    Raises:
        ConfigError: a format spec or conversion (``{x:>3}``, ``{x!r}``), or an empty ``{}``.
    """
    names = []
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise ConfigError(f"{where}: {template!r}: {exc} (write a literal brace as {{{{ or }}}})") from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name or spec or conversion:
            raise ConfigError(f"{where}: {template!r}: placeholders are plain {{name}}s")
        names.append(name)
    return names


def _rename(template: str, mapping: dict[str, str]) -> str:
    """``template`` with placeholders renamed by ``mapping`` (others kept; literal braces kept)."""
    out = []
    for literal, name, _spec, _conv in _FORMATTER.parse(template):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            out.append("{" + mapping.get(name, name) + "}")
    return "".join(out)


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def purpose(schema: ToolSchema) -> str:
    """What the tool does, as an imperative phrase from its description's first sentence
    ("Returns the weather for a city." → "Return the weather for a city"); its name's words
    when it has no description."""
    text = (schema.function.description or "").strip()
    example = EXAMPLE_MARK.search(text)
    if example:  # "Count the words, e.g. 'a b'" → "Count the words"
        text = text[:example.start()].rstrip(" ,;:(")
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".!? ") if text else ""
    if not first:
        return " ".join(name_words(schema.name)).capitalize()
    words = first.split()
    head = words[0]
    if head.lower() not in _NOT_VERBS and re.fullmatch(r"[A-Z]?[a-z]{2,}s", head) and not head.endswith("ss"):
        words[0] = head[:-2] if re.search(r"(ch|sh|x|ss|z)es$", head) else head[:-1]
    return " ".join(words)


def _phrase(args: Sequence[str]) -> str:
    return ", ".join(f"{' '.join(name_words(a))} {{{a}}}" for a in args)


def generic_templates(schema: ToolSchema) -> list[list[str]]:
    """Families of generic requests for a tool with no written phrasing: four with its
    required arguments, two more with every argument when it has optional ones."""
    props = list(schema.properties)
    required = [a for a in props if a in schema.required]
    what, name = _escape(purpose(schema)), schema.name
    families = []
    for args in ([required, props] if len(props) > len(required) else [required]):
        listed = _phrase(args)
        if listed:
            frames = [f"{what}: {listed}.", f"Please use {name} with {listed}.",
                      f"Can you help me {_lower_first(what)}? {listed[0].upper() + listed[1:]}.",
                      f"I need this: {_lower_first(what)}, with {listed}."]
        else:
            frames = [f"{what}.", f"Please use {name}.", f"Can you {_lower_first(what)}?",
                      f"I need this: {_lower_first(what)}."]
        families += [[f] for f in (frames if args is required else frames[:2])]
    return families


def _arg_words(args: Sequence[str]) -> str:
    words = [f"the {' '.join(name_words(a))}" for a in args]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def generic_traps(schema: ToolSchema) -> list[tuple[str, str]]:
    """Near-miss requests about the tool itself (what it does, what it needs), answered in
    text: they name the tool's topic but ask for no call."""
    what, name = _lower_first(purpose(schema)), schema.name
    needs = _arg_words(schema.required) if schema.required else "nothing more than your request"
    return [(f"What does the {name} tool do?", f"It can {what}. Tell me {needs} and I'll run it."),
            (f"Without running anything, what do you need from me to {what}?",
             f"Just {needs}; then I can use {name}."),
            (f"Do you have a tool that can {what}?", f"Yes, {name}. Give me {needs} whenever you're ready.")]


def generic_ask(schema: ToolSchema, missing: str) -> tuple[list[str], list[str], list[str]]:
    """``(requests, questions, replies)`` asking for ``missing`` when a tool has no ``ask`` phrasing."""
    what = _escape(_lower_first(purpose(schema)))
    others = _phrase([a for a in schema.required if a != missing])
    tail = f" {others[0].upper() + others[1:]}." if others else ""
    words = " ".join(name_words(missing))
    description = (schema.properties.get(missing, {}).get("description") or "").strip().rstrip(".")
    questions = [f"Sure. Which {words} should I use?", f"I can do that. What {words} do you want?"]
    if description:
        questions.append(_escape(f"Happy to. I need one thing first: {_lower_first(description)}?"))
    return ([f"I'd like to {what}.{tail}", f"Can you {what} for me?{tail}"], questions,
            [f"{{{missing}}}", f"Use {{{missing}}}.", f"The {words} is {{{missing}}}."])


# ---------------------------------------------------------------------------------- makers
def distinct_choices(values: dict[str, ArgumentValues], arguments: dict[str, Any]) -> bool:
    """False when two arguments drawn from the same fixed choices (``from``/``to`` of one
    enum) got the same value: "convert euros to euros" is no request anyone makes."""
    seen: dict[tuple[str, ...], Any] = {}
    for arg, value in arguments.items():
        fixed = values[arg].fixed
        if fixed is None or len(fixed) < 2:
            continue
        key = tuple(map(repr, fixed))
        if key in seen and seen[key] == value:
            return False
        seen[key] = value
    return True


_REDRAWS = 20


def call_maker(tool: str, values: dict[str, ArgumentValues], args: Sequence[str], prefix: str = "") -> Maker:
    """A maker drawing ``args`` of ``tool`` (slots named ``prefix + arg``) and the call they
    imply, redrawn while two of them repeat one choice (:func:`distinct_choices`)."""

    def make(rng: random.Random, lang: str) -> Draw:
        for _ in range(_REDRAWS):
            slots: dict[str, Slot | str] = {}
            arguments: dict[str, Any] = {}
            witness: dict[str, list[str]] = {}
            for arg in args:
                value = values[arg].draw(rng)
                slots[prefix + arg] = Slot(value.text, value.protect)
                arguments[arg] = value.value
                if value.witness:
                    witness[arg] = list(value.witness)
            if distinct_choices(values, arguments):
                break
        return Draw(slots, [Call(tool, arguments, witness=witness)])

    return make


def _path(result: Any, dotted: str) -> Any:
    node = result
    for part in dotted.split("."):
        if isinstance(node, list) and part.lstrip("-").isdigit() and -len(node) <= int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(dotted)
    return node


def _path_object(dotted: str, leaf: Any) -> Any:
    node = leaf
    for part in reversed(dotted.split(".")):
        node = [node] if part.isdigit() else {part: node}
    return node


def fill_example(example: Any, values: dict[str, Any]) -> Any:
    """``example`` with ``{name}`` placeholders in its strings filled from ``values``; a string
    that is one placeholder takes the value itself (keeping its type).

    Raises:
        KeyError: a placeholder names no value.
    """
    if isinstance(example, dict):
        return {k: fill_example(v, values) for k, v in example.items()}
    if isinstance(example, list):
        return [fill_example(v, values) for v in example]
    if isinstance(example, str):
        whole = re.fullmatch(r"\{(\w+)\}", example)
        return values[whole.group(1)] if whole else example.format_map(values)
    return example


# ---------------------------------------------------------------------------------- building
class _Tool:
    """One tool's schema, values, phrasing and the checks of its templates."""

    def __init__(self, schema: ToolSchema, phrasing: ToolPhrasing, pools: dict[str, list[Any]], where: str,
                 decor: set[str]):
        self.schema, self.phrasing, self.where, self.decor = schema, phrasing, where, decor
        self.name = schema.name
        self.args = list(schema.properties)
        self.required = [a for a in self.args if a in schema.required]
        self.pools = pools
        resolved = {arg: self.pool(given, f"{where}: values.{arg}") for arg, given in phrasing.values.items()}
        try:
            self.values = argument_values(self.name, schema.function.parameters, resolved, phrasing.synonyms)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None

    def pool(self, given: Sequence[Any] | str, where: str) -> Sequence[Any]:
        """Values given inline, or the named pool (the file's ``pools``, then the shipped ones)."""
        if not isinstance(given, str):
            return given
        pool = self.pools.get(given, SCHEMA_POOLS.get(given))
        if pool is None:
            known = sorted(self.pools) + sorted(SCHEMA_POOLS)
            raise ConfigError(f"{where}: unknown pool {given!r}; known: {known}")
        return pool

    def mentioned(self, template: str, where: str, prefix: str = "",
                  others: set[str] | frozenset[str] = frozenset()) -> list[str]:
        """The tool's arguments ``template`` names (``prefix``-ed), checking every placeholder."""
        found = []
        for name in placeholders(template, where):
            arg = name[len(prefix):] if prefix and name.startswith(prefix) else None if prefix else name
            if arg in self.values:
                found.append(arg)
            elif name not in self.decor and name not in others:
                raise ConfigError(f"{where}: {template!r}: unknown placeholder {{{name}}}; "
                                  f"arguments: {', '.join(prefix + a for a in self.args) or '(none)'}; "
                                  f"phrases: {', '.join(sorted(self.decor))}")
        return list(dict.fromkeys(found))

    def family_args(self, templates: list[str], where: str) -> list[str]:
        """The arguments a family's templates name: the same in each, every required one among them."""
        sets = [self.mentioned(t, where) for t in templates]
        if any(set(s) != set(sets[0]) for s in sets):
            raise ConfigError(f"{where}: the templates of one family must name the same arguments "
                              f"(got {[sorted(s) for s in sets]})")
        missing = [a for a in self.required if a not in sets[0]]
        if missing:
            raise ConfigError(f"{where}: {templates[0]!r} leaves out required arguments {missing}")
        return [a for a in self.args if a in sets[0]]


def _template_families(tool: _Tool) -> tuple[list[tuple[list[str], list[str]]], str]:
    """``([(templates, args)], phrasing source)`` of a tool's single families."""
    entries = tool.phrasing.templates
    source = FROM_FILE if entries else GENERIC
    groups = [[e] if isinstance(e, str) else list(e) for e in entries] or generic_templates(tool.schema)
    out = []
    for i, templates in enumerate(groups):
        if not templates:
            raise ConfigError(f"{tool.where}: templates {i + 1}: an empty family")
        out.append((templates, tool.family_args(templates, f"{tool.where}: templates {i + 1}")))
    return out, source


def _ask_families(tool: _Tool, lang: str) -> list[Family]:
    families = []
    unknown = sorted(set(tool.phrasing.ask) - set(tool.required))
    if unknown:
        raise ConfigError(f"{tool.where}: ask: {unknown} are not required arguments ({tool.required})")
    written = bool(tool.phrasing.templates)
    for missing in tool.required:
        ask = tool.phrasing.ask.get(missing)
        if ask is None and written:
            continue  # a phrased tool asks only for what its writer chose
        requests, questions, replies = ((ask.requests, ask.questions, ask.replies) if ask
                                        else generic_ask(tool.schema, missing))
        where = f"{tool.where}: ask.{missing}"
        for i, request in enumerate(requests):
            named = tool.mentioned(request, f"{where}: requests {i + 1}")
            if missing in named:
                raise ConfigError(f"{where}: requests {i + 1}: {request!r} names {{{missing}}}, "
                                  "which it must leave out")
            absent = [a for a in tool.required if a != missing and a not in named]
            if absent:
                raise ConfigError(f"{where}: requests {i + 1}: {request!r} leaves out {absent} too")
            args = [a for a in tool.args if a in named or a == missing]
            for j, reply in enumerate(replies):
                if missing not in tool.mentioned(reply, f"{where}: replies {j + 1}"):
                    raise ConfigError(f"{where}: replies {j + 1}: {reply!r} must name {{{missing}}}")
            for j, question in enumerate(questions):
                tool.mentioned(question, f"{where}: questions {j + 1}")
            make = ask_maker(call_maker(tool.name, tool.values, args), [missing], questions, replies)
            families.append(Family(f"ask.{tool.name}.{missing}.{i + 1}", "ask_missing", tool.name, tool.name,
                                   lang, (request,), make))
    return families


def _chain_families(spec: ToolkitFile, tools: dict[str, _Tool], source: str, lang: str,
                    runners: dict[str, Callable[[dict[str, Any]], Any]]) -> list[Family]:
    families = []
    for n, chain in enumerate(spec.chains):
        where = f"{source}: chains {n + 1}"
        unknown = [t for t in (chain.first, chain.then) if t not in tools]
        if unknown:
            raise ConfigError(f"{where}: unknown tools {unknown}; the toolkit has {sorted(tools)}")
        first, then = tools[chain.first], tools[chain.then]
        bad = [a for a in chain.link if a not in then.values]
        if bad:
            raise ConfigError(f"{where}: link: {bad} are not arguments of {then.name} ({then.args})")
        runner = runners.get(first.name)
        first_values, linked_values = dict(first.values), dict(then.values)
        for key, given in chain.values.items():
            arg = key.removeprefix("next_")
            tool, target = (then, linked_values) if key.startswith("next_") and arg in chain.link else (
                first, first_values)
            if arg not in tool.values or (tool is first and key.startswith("next_")):
                raise ConfigError(f"{where}: values: {key!r} is neither an argument of {first.name} nor "
                                  f"next_<linked argument> ({sorted('next_' + a for a in chain.link)})")
            pool = tool.pool(given, f"{where}: values.{key}")
            target[arg] = ArgumentValues(f"{tool.name}.{arg}", tool.schema.properties[arg],
                                         tool.schema.function.parameters, pool)
        example = chain.result if chain.result is not None else first.phrasing.result
        if runner is None and example is None:
            example = {}
            for arg, path in chain.link.items():
                example = _merge(example, _path_object(path, f"{{next_{arg}}}"))
        for i, template in enumerate(chain.templates):
            at = f"{where}: templates {i + 1}"
            nexts = then.mentioned(template, at, prefix="next_", others=set(first.values))
            firsts = first.mentioned(template, at, others={f"next_{a}" for a in then.values})
            absent = [a for a in first.required if a not in firsts] + [
                f"next_{a}" for a in then.required if a not in nexts and a not in chain.link]
            if absent:
                raise ConfigError(f"{at}: {template!r} leaves out required arguments {absent}")
            unlinked = [a for a in nexts if a not in chain.link]
            make = _chain_maker(chain.link, first, then, firsts, unlinked, runner, example, first_values,
                                linked_values)
            families.append(Family(f"chained.{first.name}+{then.name}.{n + 1}.{i + 1}", "chained", then.name,
                                   then.name, lang, (template,), make))
    return families


def _merge(a: Any, b: Any) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        return {**a, **{k: _merge(a[k], v) if k in a else v for k, v in b.items()}}
    return b


def _chain_maker(link: dict[str, str], first: _Tool, then: _Tool, first_args: list[str], next_args: list[str],
                 runner: Callable[[dict[str, Any]], Any] | None, example: Any,
                 first_values: dict[str, ArgumentValues], values: dict[str, ArgumentValues]) -> Maker:
    first_make = call_maker(first.name, first_values, first_args)
    next_make = call_maker(then.name, then.values, next_args, prefix="next_")

    def make(rng: random.Random, lang: str) -> Draw:
        draw = first_make(rng, lang)
        first_call = draw.calls[0]
        if runner is not None:
            try:
                result = runner(dict(first_call.arguments))
            except Exception as exc:  # the tool's own failure rejects the sample
                raise Rejected("execution", first.name, f"{type(exc).__name__}: {exc}") from None
            try:
                linked = {arg: _path(structured(result), path) for arg, path in link.items()}
            except KeyError as exc:
                raise Rejected("chain_link", first.name,
                               f"no {exc.args[0]!r} in {result_text(result)[:120]}") from None
        else:
            linked = {arg: values[arg].draw(rng).value for arg in link}
            filled = {**first_call.arguments, **{f"next_{a}": v for a, v in linked.items()}}
            try:
                result = fill_example(example, filled)
            except (KeyError, IndexError, ValueError) as exc:
                raise ConfigError(f"chain {first.name} → {then.name}: result example: bad placeholder {exc}; "
                                  f"known: {sorted(filled)}") from None
        for _ in range(_REDRAWS):
            rest = next_make(rng, lang)
            if distinct_choices(then.values, {**rest.calls[0].arguments, **linked}):
                break
        call = rest.calls[0]
        merged = {**call.arguments, **linked}
        call.arguments = {a: merged[a] for a in then.args if a in merged}
        chain = Chain([first_call], [result_text(result)], str(next(iter(linked.values()))))
        return Draw({**draw.slots, **rest.slots}, [call], chain=chain)

    return make


def _parallel(a: tuple[_Tool, Family, list[str]], b: tuple[_Tool, Family, list[str]], name: str, tool: str,
              group: str, joins: list[str], lang: str) -> Family:
    """Two single families' requests joined: every template pair in every join; slots ``a_``/``b_``."""
    (tool_a, family_a, args_a), (tool_b, family_b, args_b) = a, b
    templates = []
    for ta, tb, join in itertools.product(family_a.templates, family_b.templates, joins):
        first = _rename(ta, {x: f"a_{x}" for x in args_a})
        second = _rename(tb, {x: f"b_{x}" for x in args_b})
        templates.append(join.replace("{a}", first).replace("{b}", second))
    make = combine(call_maker(tool_a.name, tool_a.values, args_a),
                   call_maker(tool_b.name, tool_b.values, args_b))
    return Family(name, "parallel", tool, group, lang, tuple(templates), make)


def user_families(schemas: list[ToolSchema], spec: ToolkitFile, source: str,
                  runners: dict[str, Callable[[dict[str, Any]], Any]] | None = None,
                  chat: Sequence[Family] = ()) -> UserFamilies:
    """The families of a toolkit of ``schemas`` phrased by ``spec`` (see the module docstring).

    Args:
        schemas: the tools.
        spec: the toolkit file (phrasing, pools, chains, joins; empty for bare tools).
        source: the file or spec, for error messages.
        runners: tools that run offline (chains use their real results).
        chat: toolkit-independent no_tool families to add (shipped small talk).

    Raises:
        ConfigError: phrasing for an unknown tool, a bad template, join, chain or value.
    """
    runners = runners or {}
    lang = spec.lang
    if lang not in DECOR:
        raise ConfigError(f"{source}: lang {lang!r}: requests can be made in {sorted(DECOR)}")
    decor = set(DECOR[lang])
    names = [s.name for s in schemas]
    unknown = sorted(set(spec.phrasing) - set(names))
    if unknown:
        raise ConfigError(f"{source}: phrasing for unknown tools {unknown}; the tools are {names}")
    for join in spec.joins:
        if sorted(placeholders(join, f"{source}: joins")) != ["a", "b"]:
            raise ConfigError(f"{source}: joins: {join!r} must use {{a}} and {{b}} once each")
    tools = {s.name: _Tool(s, spec.phrasing.get(s.name, ToolPhrasing()), spec.pools, f"{source}: {s.name}",
                           decor) for s in schemas}
    out = UserFamilies([])
    singles: dict[str, list[tuple[Family, list[str]]]] = {}
    for name, tool in tools.items():
        entries, out.phrasing[name] = _template_families(tool)
        singles[name] = []
        for i, (templates, args) in enumerate(entries):
            family = Family(f"{name}.{i + 1}", "single", name, name, lang, tuple(templates),
                            call_maker(name, tool.values, args))
            singles[name].append((family, args))
        out.families += [f for f, _ in singles[name]]
    for name, fams in singles.items():
        for i, (fa, args_a) in enumerate(fams):
            fb, args_b = fams[(i + 1) % len(fams)]
            out.families.append(_parallel((tools[name], fa, args_a), (tools[name], fb, args_b),
                                          f"parallel.{name}.{i + 1}", name, "same", spec.joins, lang))
    pairs = list(itertools.combinations(names, 2))
    if len(names) > _ALL_PAIRS_UP_TO:
        pairs = [(names[i], names[(i + k) % len(names)]) for i in range(len(names)) for k in (1, 2)]
    for a, b in pairs:
        fa_list, fb_list = singles[a], singles[b]
        for k in range(max(len(fa_list), len(fb_list))):
            (fa, args_a), (fb, args_b) = fa_list[k % len(fa_list)], fb_list[k % len(fb_list)]
            out.families.append(_parallel((tools[a], fa, args_a), (tools[b], fb, args_b),
                                          f"parallel.mixed.{a}+{b}.{k + 1}", "multi_tool", "mixed",
                                          spec.joins, lang))
    out.families += _chain_families(spec, tools, source, lang, runners)
    for name, tool in tools.items():
        traps = [(p.q, p.a) for p in tool.phrasing.traps] or (
            [] if tool.phrasing.templates else generic_traps(tool.schema))
        if traps:
            out.families.append(Family(f"no_tool.trap.{name}", "no_tool", "no_tool", "trap", lang, ("{q}",),
                                       pair_maker(traps)))
        out.families += _ask_families(tool, lang)
    out.families += list(chat)
    return out
