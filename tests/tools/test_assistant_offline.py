"""The assistant toolkit's offline tools (calculator, datetime, unit_converter) and the toolkit itself."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from toolschool.errors import ArgumentValidationError, ToolschoolError
from toolschool.tools.assistant import AssistantSettings, AssistantToolError, assistant_tools
from toolschool.tools.assistant.offline import calculator, datetime_tool, format_number, unit_converter
from toolschool.tools.schema import Tool
from toolschool.tools.toolkits.assistant import ASSISTANT_TOOLS

NOW = dt.datetime(2026, 12, 6, 23, 30, 15, tzinfo=dt.timezone.utc)  # a Sunday in UTC


def clock() -> dt.datetime:
    return NOW


# --- the toolkit ---------------------------------------------------------------------------


def test_runnable_tools_carry_exactly_the_trained_schemas():
    tools = assistant_tools()
    assert [t.name for t in tools] == [s.name for s in ASSISTANT_TOOLS]
    for tool, schema in zip(tools, ASSISTANT_TOOLS):
        assert isinstance(tool, Tool)
        assert tool.schema == schema
        assert tool.schema.function.name == schema.function.name
        assert tool.schema.function.parameters == schema.function.parameters
        assert tool.schema.function.description == schema.function.description
    tools[0].schema.function.parameters["properties"].clear()  # a copy: the toolkit stays intact
    assert ASSISTANT_TOOLS[0].function.parameters["properties"]


def test_tools_validate_arguments_against_the_schema():
    tools = {t.name: t for t in assistant_tools(clock=clock)}
    with pytest.raises(ArgumentValidationError, match="'to' is a required property"):
        tools["unit_converter"](value=3, **{"from": "km"})
    with pytest.raises(ArgumentValidationError, match="'tomorrow' is not one of"):
        tools["datetime"](action="tomorrow")
    with pytest.raises(ArgumentValidationError, match="Additional properties"):
        tools["calculator"](expression="1+1", precision=3)
    assert tools["unit_converter"](value=10, **{"from": "km", "to": "mi"})["result"] == 6.2137
    assert tools["datetime"](action="now", timezone="Asia/Tokyo")["datetime"] == "2026-12-07T08:30:15"


def test_every_result_is_json():
    tools = {t.name: t for t in assistant_tools(clock=clock)}
    results = [
        tools["calculator"](expression="2^10"),
        tools["datetime"](action="diff", date="2027-01-01"),
        tools["unit_converter"](value=1, **{"from": "cup", "to": "mL"}),
    ]
    for result in results:
        assert json.loads(json.dumps(result, ensure_ascii=False)) == result


def test_errors_are_toolschool_value_errors():
    assert issubclass(AssistantToolError, ToolschoolError) and issubclass(AssistantToolError, ValueError)


def test_importing_the_toolkit_stays_light():
    code = (
        "import sys, toolschool, toolschool.tools.assistant as a; a.assistant_tools(); "
        "heavy = [m for m in ('httpx', 'pint', 'trafilatura', 'lxml', 'torch') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_settings_reject_unknown_keys_and_hide_keys():
    with pytest.raises(ValueError, match="weather_uri"):
        AssistantSettings(weather_uri="http://x")
    settings = AssistantSettings(translate_api_key="abc123", search_api_key="def456")
    assert "abc123" not in repr(settings) and "def456" not in str(settings.model_dump())
    assert AssistantSettings().weather_url == "https://api.open-meteo.com"


# --- calculator ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression, result",
    [
        ("(3+4)*2^3", "56"),
        ("15% of 80", "12"),
        ("1250 - 15% of 1250", "1062.5"),
        ("200 + 10%", "200.1"),  # N% alone is N/100 (the arithmetic module's rule)
        ("(20% of 50)% of 300", "30"),
        ("10 % 3", "1"),
        ("5000*(1+0.045)^10", "7764.8471"),
        ("389,000/103,000", "3.7767"),
        ("2/3", "0.6667"),
        ("12 × 3 ÷ 4", "9"),
        ("sqrt(144) + cbrt(27)", "15"),
        ("1e5 / 8", "12,500"),
        ("-7 // 2", "-4"),
        ("1/30000", "3.333e-05"),
    ],
)
def test_calculator(expression, result):
    assert calculator(expression) == {"expression": expression, "result": result}


@pytest.mark.parametrize(
    "expression, message",
    [
        ("1/0", "division by zero"),
        ("2 +* 3", "not an arithmetic expression"),
        ("", "empty expression"),
        ("__import__('os')", "unexpected character"),
        ("x + 1", "unknown name 'x'"),
        ("2^5000", "larger than 1000"),
        ("10 of 5", "'of' is only allowed after a percentage"),
    ],
)
def test_calculator_errors(expression, message):
    with pytest.raises(AssistantToolError, match=f"calculator: .*{message}"):
        calculator(expression)


def test_format_number_matches_the_training_data_rule():
    from toolschool.datagen.arithmetic import format_number as datagen_format

    for value in (54.0, 3.14159265, 12500.0, -4.0, 0.5, 1062.5, 99999.999999999):
        assert format_number(value) == datagen_format(value)


# --- datetime ------------------------------------------------------------------------------


def test_datetime_now_in_timezones():
    assert datetime_tool("now", clock=clock) == {
        "datetime": "2026-12-06T23:30:15",
        "timezone": "UTC",
        "weekday": "Sunday",
        "utc_offset": "+00:00",
    }
    paris = datetime_tool("now", "Europe/Paris", clock=clock)
    assert paris == {
        "datetime": "2026-12-07T00:30:15",
        "timezone": "Europe/Paris",
        "weekday": "Monday",
        "utc_offset": "+01:00",
    }
    assert datetime_tool("now", "America/New_York", clock=clock)["utc_offset"] == "-05:00"
    assert datetime_tool("now", "Asia/Kolkata", clock=clock)["datetime"] == "2026-12-07T05:00:15"
    assert datetime_tool("now", "europe/paris", clock=clock)["utc_offset"] == "+01:00"  # case forgiven
    summer = datetime_tool(
        "now", "Europe/Paris", clock=lambda: dt.datetime(2026, 7, 1, 12, tzinfo=dt.timezone.utc)
    )
    assert summer["utc_offset"] == "+02:00"  # daylight saving time from tzdata


def test_datetime_now_uses_the_system_clock_by_default():
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    now = dt.datetime.fromisoformat(datetime_tool("now")["datetime"])
    assert abs((now - before).total_seconds()) < 5


def test_datetime_weekday():
    assert datetime_tool("weekday", date="2026-03-14") == {"date": "2026-03-14", "weekday": "Saturday"}
    assert datetime_tool("weekday", date="2000-01-01T09:00:00") == {
        "date": "2000-01-01",
        "weekday": "Saturday",
    }
    assert datetime_tool("weekday", "Europe/Paris", clock=clock) == {
        "date": "2026-12-07",
        "weekday": "Monday",
    }


def test_datetime_add_days():
    assert datetime_tool("add_days", date="2026-12-25", days=10) == {
        "start": "2026-12-25",
        "days": 10,
        "date": "2027-01-04",
        "weekday": "Monday",
    }
    assert datetime_tool("add_days", date="2024-03-01", days=-1)["date"] == "2024-02-29"  # leap year
    assert datetime_tool("add_days", days=30, clock=clock)["date"] == "2027-01-05"
    with pytest.raises(AssistantToolError, match="'add_days' needs an integer 'days'"):
        datetime_tool("add_days", date="2026-12-25")
    with pytest.raises(AssistantToolError, match="out of range"):
        datetime_tool("add_days", date="9999-12-30", days=5)


def test_datetime_diff():
    assert datetime_tool("diff", date="2026-12-25", clock=clock) == {
        "from": "2026-12-06",
        "to": "2026-12-25",
        "days": 19,
    }
    assert datetime_tool("diff", date="2000-01-01", clock=clock)["days"] == -9836
    # "today" is today in the given timezone: already Dec 7 in Tokyo
    assert datetime_tool("diff", "Asia/Tokyo", "2026-12-25", clock=clock)["days"] == 18
    with pytest.raises(AssistantToolError, match="'diff' needs a date"):
        datetime_tool("diff", clock=clock)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"action": "weekday", "date": "2026-13-01"}, "'2026-13-01' is not an ISO 8601 date"),
        ({"action": "weekday", "date": "March 14"}, "'March 14' is not an ISO 8601 date"),
        ({"action": "diff", "date": "2026-02-30"}, "not an ISO 8601 date"),
        ({"action": "now", "timezone": "Mars/Olympus_Mons"}, "unknown timezone 'Mars/Olympus_Mons'"),
        ({"action": "now", "timezone": "../../etc/passwd"}, "unknown timezone"),
        ({"action": "yesterday"}, "unknown action 'yesterday'"),
    ],
)
def test_datetime_errors(kwargs, message):
    with pytest.raises(AssistantToolError, match=message):
        datetime_tool(**kwargs, clock=clock)


# --- unit_converter ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, src, dst, result",
    [
        (20, "°C", "°F", 68.0),
        (98.6, "°F", "°C", 37.0),
        (100, "F", "C", 37.7778),
        (-40, "celsius", "fahrenheit", -40.0),
        (0, "C", "K", 273.15),
        (300, "K", "°C", 26.85),
        (100, "km/h", "mph", 62.1371),
        (60, "mph", "km/h", 96.5606),
        (10, "m/s", "km/h", 36.0),
        (30, "kn", "km/h", 55.56),
        (2, "cups", "mL", 473.1765),
        (12, "fl oz", "mL", 354.8824),
        (3, "gal", "L", 11.3562),
        (1, "L", "cup", 4.2268),
        (5, "km", "mi", 3.1069),
        (6, "ft", "m", 1.8288),
        (5, "in", "cm", 12.7),
        (1, "mm", "km", 1e-06),
        (70, "kg", "lbs", 154.3236),
        (10, "st", "kg", 63.5029),
        (16, "oz", "lb", 1.0),
        (2.5, "kilometers", "meters", 2500.0),
    ],
)
def test_unit_converter(value, src, dst, result):
    assert unit_converter(value, src, dst) == {"value": value, "from": src, "to": dst, "result": result}


@pytest.mark.parametrize(
    "value, src, dst, message",
    [
        (5, "km", "kg", r"cannot convert km \(length\) to kg \(mass\)"),
        (20, "°C", "m", r"cannot convert °C \(temperature\) to m \(length\)"),
        (1, "L", "km/h", r"cannot convert L \(volume\) to km/h \(speed\)"),
        (1, "blorps", "m", r"unknown unit 'blorps' \(from\)"),
        (1, "m", "", r"unknown unit '' \(to\)"),
        (float("nan"), "m", "ft", "value must be a finite number, got nan"),
    ],
)
def test_unit_converter_errors(value, src, dst, message):
    with pytest.raises(AssistantToolError, match="unit_converter: " + message):
        unit_converter(value, src, dst)
