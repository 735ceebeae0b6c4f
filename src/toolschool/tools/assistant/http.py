"""The HTTP plumbing shared by the assistant's web tools: one request helper, clear errors.

Every failure becomes an :class:`AssistantToolError` whose message names the tool, the
service's origin, what went wrong and which setting to change, e.g. ``weather: cannot
reach https://api.open-meteo.com (ConnectError: …); set AssistantSettings.weather_url to a
reachable service``. Request bodies (which may hold an API key) never appear in messages.

``httpx`` is imported inside the functions, so importing the toolkit stays light.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from toolschool.errors import ToolschoolError
from toolschool.tools.assistant.settings import AssistantSettings

if TYPE_CHECKING:  # pragma: no cover
    import httpx


class AssistantToolError(ToolschoolError, ValueError):
    """An assistant tool could not answer: bad input, an unreachable service, an HTTP error
    status or a reply it cannot read. The message says which, and what to change."""


@dataclass
class Fetched:
    """A response body read up to a byte limit."""

    url: str
    status: int
    content_type: str
    body: bytes
    truncated: bool
    encoding: str | None


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (what error messages show of a service)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def join(base: str, path: str) -> str:
    """``base`` (a configured service URL, maybe with a path prefix) + ``path``."""
    return base.rstrip("/") + "/" + path.lstrip("/")


@contextmanager
def open_client(settings: AssistantSettings, client: httpx.Client | None) -> Iterator[httpx.Client]:
    """The caller's client, or a fresh one configured from ``settings`` (closed afterwards)."""
    if client is not None:
        yield client
        return
    import httpx

    with httpx.Client(
        timeout=settings.timeout_s,
        headers={"User-Agent": settings.user_agent},
        follow_redirects=True,
        max_redirects=settings.max_redirects,
    ) as fresh:
        yield fresh


def _detail(body: bytes) -> str:
    """The most useful short text of an error body (a JSON error field, else the text)."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("error", "reason", "message", "detail", "title"):
            if isinstance(data.get(key), str) and data[key]:
                return data[key][:200]
    return " ".join(text.split())[:200] or "(empty body)"


def fetch(
    tool: str,
    setting: str | None,
    settings: AssistantSettings,
    client: httpx.Client | None,
    url: str,
    *,
    method: str = "GET",
    params: dict[str, Any] | None = None,
    json_body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    allow_error_status: tuple[int, ...] = (),
) -> Fetched:
    """Send one request and read at most ``settings.max_bytes`` of the body.

    Args:
        tool: the tool name, first word of every error message.
        setting: the :class:`AssistantSettings` field holding the service URL (named in
            errors); None when the URL is the caller's own (``web_reader``).
        allow_error_status: error statuses returned to the caller instead of raised
            (e.g. 404 meaning "no such word").

    Raises:
        AssistantToolError: the service cannot be reached or does not answer within
            ``timeout_s``, too many redirects, or an HTTP status >= 400 not allowed.
    """
    import httpx

    where = origin(url)
    hint = (
        f"set AssistantSettings.{setting} to a reachable service"
        if setting
        else "check the URL and the network"
    )
    try:
        with open_client(settings, client) as http:
            request_headers = {"User-Agent": settings.user_agent, **(headers or {})}
            with http.stream(
                method,
                url,
                params=params,
                json=json_body,
                headers=request_headers,
                timeout=settings.timeout_s,
                follow_redirects=True,
            ) as response:
                chunks, size, truncated = [], 0, False
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > settings.max_bytes:
                        truncated = True
                        break
                body = b"".join(chunks)[: settings.max_bytes]
                fetched = Fetched(
                    str(response.url),
                    response.status_code,
                    response.headers.get("content-type", ""),
                    body,
                    truncated,
                    response.charset_encoding,
                )
                reason = response.reason_phrase
    except httpx.TimeoutException as exc:
        raise AssistantToolError(
            f"{tool}: {where} did not answer within {settings.timeout_s:g} s ({type(exc).__name__}); {hint}"
        ) from None
    except httpx.TooManyRedirects:
        raise AssistantToolError(f"{tool}: more than {settings.max_redirects} redirects from {url}") from None
    except httpx.TransportError as exc:
        raise AssistantToolError(
            f"{tool}: cannot reach {where} ({type(exc).__name__}: {exc}); {hint}"
        ) from None
    except (httpx.RequestError, httpx.InvalidURL) as exc:  # an undecodable body, a malformed URL
        raise AssistantToolError(f"{tool}: request to {where} failed ({type(exc).__name__}: {exc})") from None
    if fetched.status >= 400 and fetched.status not in allow_error_status:
        raise AssistantToolError(
            f"{tool}: {where} answered HTTP {fetched.status} {reason}: {_detail(fetched.body)}"
        )
    return fetched


def fetch_json(
    tool: str,
    setting: str | None,
    settings: AssistantSettings,
    client: httpx.Client | None,
    url: str,
    **kwargs: Any,
) -> tuple[int, Any]:
    """:func:`fetch`, then parse the body as JSON. Returns ``(status, data)``.

    Raises:
        AssistantToolError: as :func:`fetch`, or the body is not (complete) JSON.
    """
    fetched = fetch(tool, setting, settings, client, url, **kwargs)
    where = origin(url)
    if fetched.truncated:
        raise AssistantToolError(f"{tool}: {where} sent more than max_bytes={settings.max_bytes} bytes")
    try:
        return fetched.status, json.loads(fetched.body.decode(fetched.encoding or "utf-8", errors="replace"))
    except ValueError as exc:
        raise AssistantToolError(f"{tool}: {where} returned malformed JSON ({exc})") from None


def expect(tool: str, where: str, condition: bool, what: str) -> None:
    """Raise a clear error when a reply lacks the shape the tool reads."""
    if not condition:
        raise AssistantToolError(f"{tool}: unexpected reply from {where}: {what}")
