"""The assistant's HTTP tools against a real HTTP server on 127.0.0.1.

The server answers with recorded responses of the real APIs (``tests/tools/recorded/``:
Open-Meteo, Wikipedia REST, dictionaryapi.dev, LibreTranslate, SearXNG, an HTML page), and
with failures: HTTP 404/500, malformed JSON, a slow answer, redirect loops. Nothing here
reaches the internet: every base URL points at the local server.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from toolschool.tools.assistant import AssistantSettings, AssistantToolError, assistant_tools
from toolschool.tools.assistant.web import WMO_CODES, describe_weather_code

RECORDED = Path(__file__).parent / "recorded"
JSON = "application/json; charset=utf-8"


def recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


class Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, object] = {}
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Recorder

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append(
            {
                "method": self.command,
                "path": parts.path,
                "query": query,
                "body": body,
                "headers": dict(self.headers),
            }
        )
        route = self.server.routes.get(parts.path)
        if route is None:
            status, headers, payload = 404, {"Content-Type": "text/plain"}, b"no route"
        else:
            status, headers, payload = route(query, body) if callable(route) else route
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client stopped reading (max_bytes)
            pass

    do_GET = do_POST = _answer


@pytest.fixture(scope="module")
def server():
    srv = Recorder()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def local(server):
    """The server with fresh routes, and settings pointing every service at it."""
    server.routes, server.requests = {}, []
    settings = AssistantSettings(
        geocoding_url=server.url,
        weather_url=server.url,
        wikipedia_url=server.url,
        dictionary_url=server.url,
        translate_url=server.url,
        search_url=server.url,
        timeout_s=2.0,
    )
    return server, settings


def tools(settings: AssistantSettings, client: httpx.Client | None = None) -> dict:
    return {t.name: t for t in assistant_tools(settings, client)}


def ok(name: str, content_type: str = JSON) -> tuple:
    return 200, {"Content-Type": content_type}, recorded(name)


def status(code: int, name: str) -> tuple:
    return code, {"Content-Type": JSON}, recorded(name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- weather -------------------------------------------------------------------------------


def _weather_routes(server) -> None:
    server.routes["/v1/search"] = lambda q, b: (
        ok("open_meteo_geocoding_paris.json")
        if q.get("name") == "Paris"
        else ok("open_meteo_geocoding_empty.json")
    )
    server.routes["/v1/forecast"] = ok("open_meteo_forecast_paris.json")


def test_weather_geocodes_then_reads_current_and_daily(local):
    server, settings = local
    _weather_routes(server)
    result = tools(settings)["weather"](location="Paris")
    assert result == {
        "location": "Paris, Île-de-France, France",
        "temperature_c": 4.3,
        "condition": "light rain",
        "humidity": 91,
        "wind_kph": 14,
        "forecast": {
            "today": {
                "date": "2026-12-06",
                "high_c": 7.9,
                "low_c": 3.8,
                "condition": "rain",
                "precipitation_mm": 6.2,
            },
            "tomorrow": {
                "date": "2026-12-07",
                "high_c": 8.6,
                "low_c": 4.4,
                "condition": "overcast",
                "precipitation_mm": 0.1,
            },
            "2026-12-08": {
                "date": "2026-12-08",
                "high_c": 6.1,
                "low_c": 0.9,
                "condition": "clear sky",
                "precipitation_mm": 0.0,
            },
        },
    }
    geo, forecast = server.requests
    assert geo["query"] == {"name": "Paris", "count": "1", "language": "en", "format": "json"}
    assert forecast["query"]["latitude"] == "48.85341" and forecast["query"]["longitude"] == "2.3488"
    assert "weather_code" in forecast["query"]["current"] and forecast["query"]["timezone"] == "auto"
    assert forecast["headers"]["User-Agent"].startswith("toolschool/")
    assert len(json.dumps(result)) < 600  # short enough for a small model's context


def test_weather_unknown_place_is_a_clear_error(local):
    server, settings = local
    _weather_routes(server)
    with pytest.raises(AssistantToolError, match="weather: no place named 'Atlantis-sur-Mer' found"):
        tools(settings)["weather"](location="Atlantis-sur-Mer")


def test_weather_forecast_http_error_names_status_and_reason(local):
    server, settings = local
    _weather_routes(server)
    server.routes["/v1/forecast"] = status(400, "open_meteo_forecast_error.json")
    with pytest.raises(
        AssistantToolError,
        match=r"weather: http://127\.0\.0\.1:\d+ answered HTTP 400 Bad Request: "
        r"Latitude must be in range",
    ):
        tools(settings)["weather"](location="Paris")


def test_weather_codes_are_words():
    assert describe_weather_code(0) == "clear sky" and describe_weather_code(95) == "thunderstorms"
    assert describe_weather_code(42) == "unknown (code 42)" and describe_weather_code(None).startswith(
        "unknown"
    )
    assert len(WMO_CODES) == 28


# --- wikipedia -----------------------------------------------------------------------------


def _wiki_routes(server) -> None:
    server.routes["/api/rest_v1/page/summary/Albert_Einstein"] = ok("wikipedia_summary_albert_einstein.json")
    server.routes["/api/rest_v1/page/summary/Mercury"] = ok("wikipedia_summary_mercury.json")
    server.routes["/w/api.php"] = lambda q, b: (
        ok("wikipedia_opensearch_einstein.json")
        if "einstein" in q.get("search", "")
        else ok("wikipedia_opensearch_empty.json")
    )
    for title in ("einstein_physicist", "qwxzyv_plorf"):
        server.routes[f"/api/rest_v1/page/summary/{title}"] = status(404, "wikipedia_summary_404.json")


def test_wikipedia_exact_title(local):
    server, settings = local
    _wiki_routes(server)
    result = tools(settings)["wikipedia"](query="Albert Einstein")
    assert result["title"] == "Albert Einstein"
    assert result["url"] == "https://en.wikipedia.org/wiki/Albert_Einstein"
    assert result["summary"].startswith("Albert Einstein was a German-born theoretical physicist")
    assert result["description"] == "German-born physicist (1879–1955)"
    assert [r["path"] for r in server.requests] == ["/api/rest_v1/page/summary/Albert_Einstein"]


def test_wikipedia_falls_back_to_search_for_inexact_titles(local):
    server, settings = local
    _wiki_routes(server)
    result = tools(settings)["wikipedia"](query="einstein physicist")
    assert result["title"] == "Albert Einstein"
    paths = [r["path"] for r in server.requests]
    assert paths == [
        "/api/rest_v1/page/summary/einstein_physicist",
        "/w/api.php",
        "/api/rest_v1/page/summary/Albert_Einstein",
    ]
    assert server.requests[1]["query"]["action"] == "opensearch"


def test_wikipedia_no_match_and_disambiguation(local):
    server, settings = local
    _wiki_routes(server)
    with pytest.raises(AssistantToolError, match="wikipedia: no article matches 'qwxzyv plorf'"):
        tools(settings)["wikipedia"](query="qwxzyv plorf")
    result = tools(settings)["wikipedia"](query="Mercury")
    assert "disambiguation" in result["note"] and "planet" in result["summary"]


def test_wikipedia_server_error_and_malformed_json(local):
    server, settings = local
    server.routes["/api/rest_v1/page/summary/Oslo"] = (
        500,
        {"Content-Type": "text/html"},
        b"<html><body>Internal Server Error</body></html>",
    )
    with pytest.raises(AssistantToolError, match="answered HTTP 500 Internal Server Error"):
        tools(settings)["wikipedia"](query="Oslo")
    server.routes["/api/rest_v1/page/summary/Oslo"] = (
        200,
        {"Content-Type": JSON},
        b'{"title": "Oslo", "extr',
    )
    with pytest.raises(
        AssistantToolError, match=r"wikipedia: http://127\.0\.0\.1:\d+ returned malformed JSON"
    ):
        tools(settings)["wikipedia"](query="Oslo")


# --- dictionary ----------------------------------------------------------------------------


def test_dictionary_definitions_phonetic_part_of_speech(local):
    server, settings = local
    server.routes["/api/v2/entries/en/serendipity"] = ok("dictionary_serendipity.json")
    server.routes["/api/v2/entries/en/run"] = ok("dictionary_run.json")
    result = tools(settings)["dictionary"](word="Serendipity")
    assert result["word"] == "serendipity" and result["phonetic"] == "/ˌsɛɹənˈdɪpɪti/"
    assert result["part_of_speech"] == "noun" and len(result["definitions"]) == 2
    assert result["example"] == "It was pure serendipity that we met."
    run = tools(settings)["dictionary"](word="run")
    assert run["phonetic"] == "/ɹʌn/"  # no top-level phonetic: the first phonetics text
    assert run["part_of_speech"] == "verb" and len(run["definitions"]) == 3  # capped
    assert run["other_meanings"] == [
        {
            "part_of_speech": "noun",
            "definition": "Act or instance of running, of moving rapidly using the feet.",
        }
    ]


def test_dictionary_unknown_word(local):
    server, settings = local
    server.routes["/api/v2/entries/en/blorptastic"] = status(404, "dictionary_404.json")
    with pytest.raises(AssistantToolError, match="dictionary: no definitions found for 'blorptastic'"):
        tools(settings)["dictionary"](word="blorptastic")


# --- translate -----------------------------------------------------------------------------


def test_translate_posts_libretranslate_request(local):
    server, settings = local
    server.routes["/translate"] = ok("libretranslate_fr.json")
    result = tools(settings)["translate"](text="Hello, how are you?", to_lang="fr")
    assert result == {"translation": "Bonjour, comment allez-vous ?", "to_lang": "fr", "from_lang": "en"}
    (request,) = server.requests
    assert request["method"] == "POST"
    assert json.loads(request["body"]) == {
        "q": "Hello, how are you?",
        "source": "auto",
        "target": "fr",
        "format": "text",
    }
    tools(settings)["translate"](text="Hello", to_lang="French")  # a language name becomes its code
    assert json.loads(server.requests[-1]["body"])["target"] == "fr"
    with pytest.raises(AssistantToolError, match="to_lang must be an ISO 639-1 code"):
        tools(settings)["translate"](text="Hello", to_lang="into klingon please")


def test_translate_api_key_is_sent_but_never_shown(local):
    server, settings = local
    secret = "sk-very-secret-key-123"
    keyed = AssistantSettings(**{**settings.model_dump(), "translate_api_key": secret})
    server.routes["/translate"] = status(403, "libretranslate_403.json")
    with pytest.raises(AssistantToolError) as info:
        tools(keyed)["translate"](text="Hello", to_lang="de")
    assert "HTTP 403" in str(info.value) and "get an API key" in str(info.value)
    assert secret not in str(info.value) and secret not in repr(keyed)
    assert json.loads(server.requests[-1]["body"])["api_key"] == secret


# --- web_search ----------------------------------------------------------------------------


def test_web_search_searxng_json(local):
    server, settings = local
    server.routes["/search"] = ok("searxng_results.json")
    small = settings.model_copy(update={"search_results": 3})
    result = tools(small)["web_search"](query="python 3.14 release date")
    assert result["query"] == "python 3.14 release date"
    assert [r["url"] for r in result["results"]] == [
        "https://www.python.org/downloads/release/python-3140/",
        "https://peps.python.org/pep-0745/",
        "https://docs.python.org/3/whatsnew/3.14.html",
    ]
    assert result["results"][1]["snippet"].endswith("3.14.0 final: Tuesday, 2025-10-07.")
    assert set(result["results"][0]) == {"title", "url", "snippet"} and "answers" not in result
    assert server.requests[0]["query"] == {"q": "python 3.14 release date", "format": "json"}


def test_web_search_json_disabled_says_so(local):
    server, settings = local
    server.routes["/search"] = (403, {"Content-Type": "text/html"}, b"<h1>403 Forbidden</h1>")
    with pytest.raises(AssistantToolError, match="HTTP 403 .*enable the json format"):
        tools(settings)["web_search"](query="anything")


# --- network failures (shared plumbing, every HTTP tool) -----------------------------------


@pytest.mark.parametrize(
    "name, arguments, setting",
    [
        ("weather", {"location": "Paris"}, "geocoding_url"),
        ("wikipedia", {"query": "Oslo"}, "wikipedia_url"),
        ("dictionary", {"word": "run"}, "dictionary_url"),
        ("translate", {"text": "hi", "to_lang": "fr"}, "translate_url"),
        ("web_search", {"query": "news"}, "search_url"),
    ],
)
def test_unreachable_service_is_the_clear_offline_error(name, arguments, setting):
    dead = f"http://127.0.0.1:{free_port()}"
    settings = AssistantSettings(**{setting: dead}, timeout_s=2.0)
    with pytest.raises(AssistantToolError) as info:
        tools(settings)[name](**arguments)
    message = str(info.value)
    assert message.startswith(f"{name}: cannot reach {dead} (ConnectError")
    assert message.endswith(f"set AssistantSettings.{setting} to a reachable service")


def test_timeout_when_the_server_is_slower_than_timeout_s(local):
    server, settings = local

    def slow(query, body):
        time.sleep(1.0)
        return ok("dictionary_run.json")

    server.routes["/api/v2/entries/en/run"] = slow
    quick = settings.model_copy(update={"timeout_s": 0.2})
    started = time.monotonic()
    with pytest.raises(
        AssistantToolError,
        match=r"dictionary: http://127\.0\.0\.1:\d+ did not answer within 0\.2 s "
        r"\(ReadTimeout\)",
    ):
        tools(quick)["dictionary"](word="run")
    assert time.monotonic() - started < 0.9


def test_a_caller_supplied_client_is_used(local):
    server, settings = local
    server.routes["/api/v2/entries/en/run"] = ok("dictionary_run.json")
    with httpx.Client(headers={"X-Test": "shared"}) as client:
        tools(settings, client)["dictionary"](word="run")
    assert server.requests[-1]["headers"]["X-Test"] == "shared"


# --- web_reader ----------------------------------------------------------------------------

HTML = "text/html; charset=utf-8"


def test_web_reader_extracts_main_text(local):
    server, settings = local
    server.routes["/blog/sourdough"] = ok("page_article.html", HTML)
    result = tools(settings)["web_reader"](url=server.url + "/blog/sourdough")
    assert result["title"] == "How Sourdough Starters Work" and result["truncated"] is False
    assert (
        "wild yeast and lactic acid bacteria" in result["text"]
        and "Keeping a starter alive" in result["text"]
    )
    for boilerplate in ("Subscribe", "Accept all", "Great post", "Popular posts", "Privacy"):
        assert boilerplate not in result["text"]
    assert result["url"] == server.url + "/blog/sourdough" and "note" not in result


def test_web_reader_follows_redirects_with_a_limit(local):
    server, settings = local
    server.routes["/blog/sourdough"] = ok("page_article.html", HTML)
    server.routes["/old"] = (301, {"Location": "/blog/sourdough"}, b"")
    server.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    result = tools(settings)["web_reader"](url=server.url + "/old")
    assert (
        result["url"] == server.url + "/blog/sourdough" and result["title"] == "How Sourdough Starters Work"
    )
    limited = settings.model_copy(update={"max_redirects": 2})
    with pytest.raises(AssistantToolError, match="web_reader: more than 2 redirects"):
        tools(limited)["web_reader"](url=server.url + "/loop")


@pytest.mark.parametrize(
    "url, message",
    [
        ("file:///etc/passwd", "only http and https URLs can be read, not file"),
        ("ftp://example.com/a.txt", "only http and https URLs can be read, not ftp"),
        ("example.com/page", "only http and https URLs can be read, not no scheme"),
        ("http:///nohost", "has no host"),
        ("http://[::1/page", "is not a valid URL"),
        ("http://127.0.0.1:99999/", "is not a valid URL"),
    ],
)
def test_web_reader_refuses_other_schemes(url, message):
    with pytest.raises(AssistantToolError, match=message):
        tools(AssistantSettings())["web_reader"](url=url)


def test_web_reader_refuses_non_html(local):
    server, settings = local
    server.routes["/report.pdf"] = (
        200,
        {"Content-Type": "application/pdf"},
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    )
    server.routes["/logo.png"] = (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n")
    for path, kind in (("/report.pdf", "application/pdf"), ("/logo.png", "image/png")):
        with pytest.raises(AssistantToolError, match=f"is {kind}, not an HTML page"):
            tools(settings)["web_reader"](url=server.url + path)
    server.routes["/notes.txt"] = (
        200,
        {"Content-Type": "text/plain; charset=utf-8"},
        b"Plain notes.\nLine two.",
    )
    assert tools(settings)["web_reader"](url=server.url + "/notes.txt")["text"] == "Plain notes.\nLine two."


def test_web_reader_http_errors(local):
    server, settings = local
    with pytest.raises(AssistantToolError, match="web_reader: .* answered HTTP 404 Not Found: no route"):
        tools(settings)["web_reader"](url=server.url + "/missing")
    dead = f"http://127.0.0.1:{free_port()}/page"
    with pytest.raises(
        AssistantToolError, match="web_reader: cannot reach .*; check the URL and the network"
    ):
        tools(settings)["web_reader"](url=dead)


def test_web_reader_truncates_oversize_body_and_long_text(local):
    server, settings = local
    paragraphs = "".join(
        f"<p>Day {n}: sourdough bakers measure flour, water and salt with care, and note the "
        f"rise of batch {n} before shaping the loaves of the morning bake.</p>\n"
        for n in range(800)
    )
    page = (
        "<html><head><title>Long page</title></head><body><article><h1>Long page</h1>"
        + paragraphs
        + "</article></body></html>"
    ).encode()
    server.routes["/long"] = (200, {"Content-Type": HTML}, page)
    small = settings.model_copy(update={"max_bytes": 20_000, "max_chars": 1000})
    result = tools(small)["web_reader"](url=server.url + "/long")
    assert len(page) > 100_000 and result["truncated"] is True
    assert "only its beginning was read" in result["note"] and "text cut at" in result["note"]
    assert result["text"].endswith(" […]") and len(result["text"]) <= 1000 + 4
    assert "Day 0: sourdough bakers" in result["text"] and "Day 799" not in result["text"]


def test_base_urls_may_carry_a_path_prefix(local):
    server, settings = local
    server.routes["/libretranslate/translate"] = ok("libretranslate_fr.json")
    prefixed = settings.model_copy(update={"translate_url": server.url + "/libretranslate/"})
    assert tools(prefixed)["translate"](text="Hello", to_lang="fr")["translation"].startswith("Bonjour")
    assert server.requests[-1]["path"] == "/libretranslate/translate"


def test_an_undecodable_body_is_a_clear_error(local):
    server, settings = local
    server.routes["/api/v2/entries/en/run"] = (
        200,
        {"Content-Type": JSON, "Content-Encoding": "gzip"},
        b"this is not gzip at all",
    )
    with pytest.raises(AssistantToolError, match="dictionary: request to .* failed \\(DecodingError"):
        tools(settings)["dictionary"](word="run")
