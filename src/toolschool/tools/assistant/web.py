"""The assistant tools backed by web APIs: weather, wikipedia, dictionary, translate, web_search.

Each is a small client of one public API whose base URL is a field of
:class:`~toolschool.tools.assistant.settings.AssistantSettings`, and returns a short dict
with the fields a small model needs (shaped like the training data's simulated results,
:mod:`toolschool.datagen.simulators`). Failures raise
:class:`~toolschool.tools.assistant.http.AssistantToolError` with a message naming the tool,
the service and the setting to change; nothing is retried and nothing is cached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from toolschool.tools.assistant.http import AssistantToolError, expect, fetch_json, join, origin
from toolschool.tools.assistant.settings import AssistantSettings

if TYPE_CHECKING:  # pragma: no cover
    import httpx

#: WMO weather interpretation codes (Open-Meteo's ``weather_code``) → words.
WMO_CODES: dict[int, str] = {
    0: "clear sky",
    1: "mainly clear",
    2: "partly cloudy",
    3: "overcast",
    45: "foggy",
    48: "foggy with rime",
    51: "light drizzle",
    53: "drizzle",
    55: "dense drizzle",
    56: "light freezing drizzle",
    57: "freezing drizzle",
    61: "light rain",
    63: "rain",
    65: "heavy rain",
    66: "light freezing rain",
    67: "freezing rain",
    71: "light snow",
    73: "snow",
    75: "heavy snow",
    77: "snow grains",
    80: "light rain showers",
    81: "rain showers",
    82: "violent rain showers",
    85: "light snow showers",
    86: "heavy snow showers",
    95: "thunderstorms",
    96: "thunderstorms with light hail",
    99: "thunderstorms with heavy hail",
}


def describe_weather_code(code: Any) -> str:
    """Words for a WMO code (``"unknown (code 42)"`` for a code outside the table)."""
    try:
        return WMO_CODES[int(code)]
    except (TypeError, ValueError, KeyError):
        return f"unknown (code {code})"


def _settings(settings: AssistantSettings | None) -> AssistantSettings:
    return settings if settings is not None else AssistantSettings()


def _round(value: Any) -> Any:
    return round(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def weather(
    location: str, *, settings: AssistantSettings | None = None, client: httpx.Client | None = None
) -> dict[str, Any]:
    """Current weather and a short daily forecast for a place, from Open-Meteo (no key).

    Source: ``GET {geocoding_url}/v1/search?name=…&count=1`` (place → coordinates), then
    ``GET {weather_url}/v1/forecast?latitude=…&longitude=…&current=…&daily=…&timezone=auto``.

    Returns:
        ``{"location": "Paris, Île-de-France, France", "temperature_c", "condition",
        "humidity", "wind_kph", "forecast": {"today": {...}, "tomorrow": {...}, ...}}``;
        each forecast day has ``date``, ``high_c``, ``low_c``, ``condition`` and
        ``precipitation_mm``. Conditions are the WMO code's words (:data:`WMO_CODES`).

    Raises:
        AssistantToolError: empty location, no place of that name, a service that cannot
            be reached, answers an HTTP error or an unreadable reply.
    """
    cfg = _settings(settings)
    if not location or not location.strip():
        raise AssistantToolError("weather: empty location")
    geo_url = join(cfg.geocoding_url, "/v1/search")
    _, places = fetch_json(
        "weather",
        "geocoding_url",
        cfg,
        client,
        geo_url,
        params={"name": location.strip(), "count": 1, "language": "en", "format": "json"},
    )
    expect("weather", origin(geo_url), isinstance(places, dict), "not a JSON object")
    results = places.get("results") or []
    if not results:
        raise AssistantToolError(f"weather: no place named {location!r} found (Open-Meteo geocoding)")
    place = results[0]
    expect(
        "weather",
        origin(geo_url),
        isinstance(place, dict) and "latitude" in place and "longitude" in place,
        "a result without latitude/longitude",
    )
    name = ", ".join(
        dict.fromkeys(str(p) for p in (place.get("name"), place.get("admin1"), place.get("country")) if p)
    )
    forecast_url = join(cfg.weather_url, "/v1/forecast")
    _, data = fetch_json(
        "weather",
        "weather_url",
        cfg,
        client,
        forecast_url,
        params={
            "latitude": place["latitude"],
            "longitude": place["longitude"],
            "current": "temperature_2m,relative_humidity_2m,weather_code,wind_speed_10m,is_day",
            "daily": "weather_code,temperature_2m_max,temperature_2m_min,precipitation_sum",
            "timezone": "auto",
            "forecast_days": cfg.forecast_days,
            "wind_speed_unit": "kmh",
        },
    )
    where = origin(forecast_url)
    expect(
        "weather",
        where,
        isinstance(data, dict) and isinstance(data.get("current"), dict),
        "no 'current' block",
    )
    current = data["current"]
    condition = describe_weather_code(current.get("weather_code"))
    if condition == "clear sky" and current.get("is_day") == 1:
        condition = "sunny"
    out: dict[str, Any] = {
        "location": name or location,
        "temperature_c": current.get("temperature_2m"),
        "condition": condition,
        "humidity": current.get("relative_humidity_2m"),
        "wind_kph": _round(current.get("wind_speed_10m")),
    }
    daily = data.get("daily") if isinstance(data.get("daily"), dict) else {}
    days = daily.get("time") or []
    forecast: dict[str, Any] = {}
    for index, date in enumerate(days[: cfg.forecast_days]):
        label = {0: "today", 1: "tomorrow"}.get(index, str(date))

        def column(key: str, i: int = index) -> Any:
            values = daily.get(key) or []
            return values[i] if i < len(values) else None

        forecast[label] = {
            "date": date,
            "high_c": column("temperature_2m_max"),
            "low_c": column("temperature_2m_min"),
            "condition": describe_weather_code(column("weather_code")),
            "precipitation_mm": column("precipitation_sum"),
        }
    if forecast:
        out["forecast"] = forecast
    return out


def _summary(cfg: AssistantSettings, client: httpx.Client | None, title: str) -> tuple[int, Any]:
    url = join(
        cfg.wikipedia_url, "/api/rest_v1/page/summary/" + quote(title.strip().replace(" ", "_"), safe="")
    )
    return fetch_json("wikipedia", "wikipedia_url", cfg, client, url, allow_error_status=(404,))


def wikipedia(
    query: str, *, settings: AssistantSettings | None = None, client: httpx.Client | None = None
) -> dict[str, Any]:
    """The lead summary of the Wikipedia article matching ``query`` (English Wikipedia).

    Source: ``GET {wikipedia_url}/api/rest_v1/page/summary/{title}``; when no article has
    that exact title (404), ``GET {wikipedia_url}/w/api.php?action=opensearch&search=…``
    finds the best-matching title, whose summary is returned.

    Returns:
        ``{"title", "url", "summary", "description"}`` (``summary``: the plain-text lead,
        at most 1,500 characters); a disambiguation page adds ``"note"``.

    Raises:
        AssistantToolError: empty query, no matching article, or a service failure.
    """
    cfg = _settings(settings)
    if not query or not query.strip():
        raise AssistantToolError("wikipedia: empty query")
    status, data = _summary(cfg, client, query)
    if status == 404:
        search_url = join(cfg.wikipedia_url, "/w/api.php")
        _, found = fetch_json(
            "wikipedia",
            "wikipedia_url",
            cfg,
            client,
            search_url,
            params={
                "action": "opensearch",
                "search": query.strip(),
                "limit": 1,
                "namespace": 0,
                "format": "json",
            },
        )
        expect(
            "wikipedia",
            origin(search_url),
            isinstance(found, list) and len(found) >= 2 and isinstance(found[1], list),
            "opensearch reply is not [query, [titles], …]",
        )
        if not found[1]:
            raise AssistantToolError(f"wikipedia: no article matches {query!r}")
        status, data = _summary(cfg, client, str(found[1][0]))
        if status == 404:
            raise AssistantToolError(f"wikipedia: no article matches {query!r}")
    where = origin(cfg.wikipedia_url)
    expect("wikipedia", where, isinstance(data, dict) and "title" in data, "a summary without 'title'")
    urls = data.get("content_urls") or {}
    page_url = (urls.get("desktop") or {}).get("page") if isinstance(urls, dict) else None
    summary = " ".join(str(data.get("extract") or "").split())
    if len(summary) > 1500:
        summary = summary[:1500].rsplit(" ", 1)[0] + " […]"
    out = {
        "title": data["title"],
        "url": page_url or "https://en.wikipedia.org/wiki/" + quote(str(data["title"]).replace(" ", "_")),
        "summary": summary,
        "description": data.get("description") or "",
    }
    if data.get("type") == "disambiguation":
        out["note"] = "disambiguation page: several articles match; ask with a more specific title"
    return out


def dictionary(
    word: str, *, settings: AssistantSettings | None = None, client: httpx.Client | None = None
) -> dict[str, Any]:
    """Definitions, pronunciation and part of speech of an English word.

    Source: the Free Dictionary API, ``GET {dictionary_url}/api/v2/entries/en/{word}``
    (a 404 means the word is unknown).

    Returns:
        ``{"word", "phonetic", "part_of_speech", "definitions": [≤3], "example"?,
        "other_meanings": [{"part_of_speech", "definition"}…]?}``.

    Raises:
        AssistantToolError: empty word, no definitions found, or a service failure.
    """
    cfg = _settings(settings)
    if not word or not word.strip():
        raise AssistantToolError("dictionary: empty word")
    url = join(cfg.dictionary_url, "/api/v2/entries/en/" + quote(word.strip().lower(), safe=""))
    status, data = fetch_json("dictionary", "dictionary_url", cfg, client, url, allow_error_status=(404,))
    if status == 404:
        raise AssistantToolError(f"dictionary: no definitions found for {word!r}")
    where = origin(url)
    expect(
        "dictionary",
        where,
        isinstance(data, list) and data and all(isinstance(e, dict) for e in data),
        "not a list of entries",
    )
    phonetic = ""
    meanings: list[dict[str, Any]] = []
    for entry in data:
        phonetic = (
            phonetic
            or entry.get("phonetic")
            or next(
                (
                    p.get("text")
                    for p in entry.get("phonetics") or []
                    if isinstance(p, dict) and p.get("text")
                ),
                "",
            )
        )
        meanings.extend(m for m in entry.get("meanings") or [] if isinstance(m, dict))
    expect("dictionary", where, bool(meanings), "an entry without meanings")
    first = meanings[0]
    definitions = [d for d in first.get("definitions") or [] if isinstance(d, dict) and d.get("definition")]
    out: dict[str, Any] = {
        "word": data[0].get("word") or word,
        "phonetic": phonetic,
        "part_of_speech": first.get("partOfSpeech", ""),
        "definitions": [d["definition"] for d in definitions[:3]],
    }
    example = next((d["example"] for d in definitions[:3] if d.get("example")), None)
    if example:
        out["example"] = example
    others = []
    for meaning in meanings[1:]:
        defs = [d for d in meaning.get("definitions") or [] if isinstance(d, dict) and d.get("definition")]
        if defs and len(others) < 3:
            others.append(
                {"part_of_speech": meaning.get("partOfSpeech", ""), "definition": defs[0]["definition"]}
            )
    if others:
        out["other_meanings"] = others
    return out


#: Language names a model may write instead of an ISO 639-1 code.
LANGUAGE_CODES = {
    "english": "en",
    "french": "fr",
    "spanish": "es",
    "german": "de",
    "italian": "it",
    "portuguese": "pt",
    "dutch": "nl",
    "russian": "ru",
    "chinese": "zh",
    "japanese": "ja",
    "korean": "ko",
    "arabic": "ar",
    "hindi": "hi",
    "turkish": "tr",
    "polish": "pl",
    "swedish": "sv",
    "greek": "el",
    "ukrainian": "uk",
    "czech": "cs",
    "danish": "da",
    "finnish": "fi",
    "hebrew": "he",
    "indonesian": "id",
    "vietnamese": "vi",
}


def translate(
    text: str, to_lang: str, *, settings: AssistantSettings | None = None, client: httpx.Client | None = None
) -> dict[str, Any]:
    """Translate ``text`` into ``to_lang`` with a LibreTranslate-compatible service.

    Source: ``POST {translate_url}/translate`` with JSON ``{"q", "source": "auto",
    "target", "format": "text", "api_key"?}`` (the key from ``translate_api_key``).

    Returns:
        ``{"translation", "to_lang", "from_lang"?}`` (``from_lang``: the detected source).

    Raises:
        AssistantToolError: empty text, a target that is not a language code, the
            service's refusal (e.g. a missing API key: its message is passed on) or failure.
    """
    cfg = _settings(settings)
    if not text or not text.strip():
        raise AssistantToolError("translate: empty text")
    target = (to_lang or "").strip()
    target = LANGUAGE_CODES.get(target.lower(), target)
    if not (2 <= len(target) <= 7 and target.replace("-", "").isalpha()):
        raise AssistantToolError(
            f"translate: to_lang must be an ISO 639-1 code such as fr or de, not {to_lang!r}"
        )
    body: dict[str, Any] = {
        "q": text,
        "source": "auto",
        "target": target.lower() if len(target) <= 3 else target,
        "format": "text",
    }
    if cfg.translate_api_key is not None:
        body["api_key"] = cfg.translate_api_key.get_secret_value()
    url = join(cfg.translate_url, "/translate")
    _, data = fetch_json("translate", "translate_url", cfg, client, url, method="POST", json_body=body)
    expect(
        "translate",
        origin(url),
        isinstance(data, dict) and isinstance(data.get("translatedText"), str),
        "no 'translatedText'",
    )
    out: dict[str, Any] = {"translation": data["translatedText"], "to_lang": body["target"]}
    detected = data.get("detectedLanguage")
    if isinstance(detected, dict) and detected.get("language"):
        out["from_lang"] = detected["language"]
    return out


def web_search(
    query: str, *, settings: AssistantSettings | None = None, client: httpx.Client | None = None
) -> dict[str, Any]:
    """Search the web through a SearXNG-compatible JSON endpoint.

    Source: ``GET {search_url}/search?q=…&format=json`` (the instance must list ``json`` in
    its ``search.formats``; ``search_api_key``, if set, is sent as a bearer token).

    Returns:
        ``{"query", "results": [{"title", "url", "snippet"}…]}`` (at most
        ``search_results``), plus ``"answers"`` when the engine gives direct answers.

    Raises:
        AssistantToolError: empty query, or a service failure (HTTP 403 usually means
            the instance does not serve JSON).
    """
    cfg = _settings(settings)
    if not query or not query.strip():
        raise AssistantToolError("web_search: empty query")
    headers = {"Accept": "application/json"}
    if cfg.search_api_key is not None:
        headers["Authorization"] = "Bearer " + cfg.search_api_key.get_secret_value()
    url = join(cfg.search_url, "/search")
    try:
        _, data = fetch_json(
            "web_search",
            "search_url",
            cfg,
            client,
            url,
            params={"q": query.strip(), "format": "json"},
            headers=headers,
        )
    except AssistantToolError as exc:
        if "HTTP 403" in str(exc):
            raise AssistantToolError(f"{exc} (does the instance enable the json format?)") from None
        raise
    expect(
        "web_search",
        origin(url),
        isinstance(data, dict) and isinstance(data.get("results", []), list),
        "no 'results' list",
    )
    results = []
    for item in data.get("results", []):
        if isinstance(item, dict) and item.get("url"):
            snippet = " ".join(str(item.get("content") or "").split())
            results.append(
                {
                    "title": " ".join(str(item.get("title") or "").split()),
                    "url": item["url"],
                    "snippet": snippet[:300],
                }
            )
        if len(results) >= cfg.search_results:
            break
    out: dict[str, Any] = {"query": query, "results": results}
    answers = [
        a if isinstance(a, str) else a.get("answer")
        for a in data.get("answers") or []
        if isinstance(a, (str, dict))
    ]
    answers = [a for a in answers if a]
    if answers:
        out["answers"] = answers[:3]
    return out
