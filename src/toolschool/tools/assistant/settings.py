"""Settings of the runnable ``assistant`` toolkit: where each service lives, limits, keys.

Defaults point at the real public services (Open-Meteo, Wikipedia, dictionaryapi.dev,
libretranslate.com). Web search has no keyless public JSON service, so ``search_url``
defaults to a SearXNG instance on this machine (``docker run -p 8080:8080 searxng/searxng``
with ``json`` among ``search.formats``). Every base URL is configurable, which is also how
the tests point the clients at a recorded server on 127.0.0.1.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class AssistantSettings(BaseModel):
    """Base URLs, limits and credentials of the assistant toolkit's HTTP tools.

    API keys are :class:`~pydantic.SecretStr`: they never appear in ``repr``, logs or
    error messages.
    """

    model_config = ConfigDict(extra="forbid")

    geocoding_url: str = Field(
        "https://geocoding-api.open-meteo.com", description="Open-Meteo geocoding API (GET /v1/search)"
    )
    weather_url: str = Field(
        "https://api.open-meteo.com", description="Open-Meteo forecast API (GET /v1/forecast)"
    )
    wikipedia_url: str = Field(
        "https://en.wikipedia.org",
        description="Wikipedia (REST /api/rest_v1/page/summary, action API /w/api.php)",
    )
    dictionary_url: str = Field(
        "https://api.dictionaryapi.dev", description="Free Dictionary API (GET /api/v2/entries/en/{word})"
    )
    translate_url: str = Field(
        "https://libretranslate.com", description="LibreTranslate-compatible service (POST /translate)"
    )
    translate_api_key: SecretStr | None = Field(None, description="LibreTranslate API key (sent as api_key)")
    search_url: str = Field(
        "http://localhost:8080",
        description="SearXNG-compatible service with JSON output (GET /search?format=json)",
    )
    search_api_key: SecretStr | None = Field(
        None, description="sent as 'Authorization: Bearer …' to the search service when set"
    )
    timeout_s: float = Field(
        10.0, gt=0, description="timeout of each HTTP request (connect, read, write), seconds"
    )
    user_agent: str = Field(
        "toolschool/0.1 (assistant toolkit; +https://github.com/toolschool)",
        description="User-Agent header of every request",
    )
    max_bytes: int = Field(
        2_000_000, gt=0, description="largest response body read; web_reader truncates beyond it"
    )
    max_redirects: int = Field(5, ge=0, description="redirects followed before giving up")
    max_chars: int = Field(
        4000, gt=0, description="longest text web_reader returns (the model's context is small)"
    )
    search_results: int = Field(5, gt=0, description="results web_search returns")
    forecast_days: int = Field(3, ge=1, le=16, description="days of daily forecast weather asks for")
