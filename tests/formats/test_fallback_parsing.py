"""Reading a base model's answers in other shapes (``also_parse``): the taught format first,
then fallbacks; each fallback read is marked as a repair; prompts stay the taught format's."""

from __future__ import annotations

import json

import pytest

from tests.openai_server import OpenAIServer, reply
from toolschool.eval.config import EvalConfig
from toolschool.eval.stage import run as run_eval
from toolschool.formats import get_format
from toolschool.formats.fallback import FallbackParsing
from toolschool.tools import get_toolkit

WEATHER = [t for t in get_toolkit("assistant") if t.name == "weather"]
BARE = '{"name": "weather", "arguments": {"location": "Paris"}}'
FENCED = f"Sure, here it is:\n```json\n{BARE}\n```"
TAGGED = f"<tool_call>\n{BARE}\n</tool_call>"


def _hermes_or_json() -> FallbackParsing:
    return FallbackParsing(get_format("hermes"), [get_format("llama3_json", lenient=True)])


@pytest.mark.parametrize("text", [BARE, FENCED, f"[{BARE}]"])
def test_a_shape_the_taught_format_misses_is_read_by_the_fallback_and_marked(text):
    assert get_format("hermes").parse(text).calls == []  # strict hermes: prose
    result = _hermes_or_json().parse(text)
    assert [(c.name, c.arguments) for c in result.calls] == [("weather", {"location": "Paris"})]
    assert str(result.repairs[0]) == "at char 0: read as llama3_json"


def test_the_taught_format_wins_and_prose_stays_prose():
    fmt = _hermes_or_json()
    tagged = fmt.parse(TAGGED)
    assert [c.name for c in tagged.calls] == ["weather"] and tagged.repairs == []
    prose = fmt.parse("It is sunny in Paris today.")
    assert prose.calls == [] and prose.repairs == [] and not prose.attempted
    broken = fmt.parse("<tool_call>\n{\"name\": \"weather\", \"arguments\": \n</tool_call>")
    assert broken.calls == [] and broken.errors  # the taught format's error stands


def test_prompts_grammar_and_streaming_are_the_taught_formats():
    hermes, fmt = get_format("hermes"), _hermes_or_json()
    assert fmt.name == "hermes" and fmt.call_start == hermes.call_start
    assert fmt.render_system(WEATHER, "sys") == hermes.render_system(WEATHER, "sys")
    assert fmt.grammar(WEATHER) == hermes.grammar(WEATHER)
    parser = fmt.stream()
    parser.feed(TAGGED)
    parser.finish()
    assert [c.name for c in parser.result().calls] == ["weather"]
    # the call window must not cut an answer that is writing the fallback's shape
    assert not hermes.may_call('Sure:\n{"name": "wea') and fmt.may_call('Sure:\n{"name": "wea')
    with pytest.raises(ValueError, match="is the primary format itself"):
        FallbackParsing(hermes, [get_format("hermes", lenient=True)])


def test_eval_with_also_parse_scores_bare_json_answers_and_says_how_many(tmp_path):
    """Through a real endpoint in prompt mode: the same three answers, scored strictly and with
    ``also_parse=[llama3_json]``."""
    items = tmp_path / "items.jsonl"
    rows = [{"id": f"w{i}", "category": "single", "tools": [WEATHER[0].model_dump(mode="json")],
             "messages": [{"role": "user", "content": "Weather in Paris?"}],
             "expected": [{"name": "weather", "arguments": {"location": ["Paris"]}}]} for i in range(3)]
    items.write_text("".join(json.dumps(r) + "\n" for r in rows))
    answers = [BARE, FENCED, TAGGED]

    def scored(also_parse, out):
        replies = [(200, reply({"content": a}, "stop")) for a in answers]
        with OpenAIServer(replies) as server:
            config = EvalConfig(data=str(items), model=server.url, api_model="base", api_mode="prompt",
                                format="hermes", also_parse=also_parse, out_dir=str(tmp_path / out))
            return run_eval(config)

    strict = scored([], "strict")
    assert strict.metrics.tool_selection_accuracy == pytest.approx(1 / 3)
    read = scored(["llama3_json"], "also")
    assert read.metrics.tool_selection_accuracy == 1.0 and read.metrics.accuracy == 1.0
    assert read.metrics.repaired == 2
    assert "llama3_json (2 answers) when hermes found no call" in read.report_path.read_text()
