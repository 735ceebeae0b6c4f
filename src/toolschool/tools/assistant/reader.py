"""``web_reader``: fetch one web page and return its main text (trafilatura).

The fetch is guarded: only ``http``/``https`` URLs, ``timeout_s`` per request, at most
``max_redirects`` redirects, at most ``max_bytes`` of body, and only HTML (or plain text)
is read. The main text (without navigation, footers, comment sections) is extracted by
``trafilatura``; the text returned is cut at ``max_chars`` and says so.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from toolschool.tools.assistant.http import AssistantToolError, fetch
from toolschool.tools.assistant.settings import AssistantSettings

if TYPE_CHECKING:  # pragma: no cover
    import httpx

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _title(body: bytes, encoding: str) -> str:
    match = _TITLE.search(body)
    return " ".join(html.unescape(match.group(1).decode(encoding, errors="replace")).split()) if match else ""


def extract_main_text(body: bytes, url: str | None = None, encoding: str | None = None) -> tuple[str, str]:
    """``(title, text)`` of an HTML document: trafilatura's main-text extraction, falling
    back to all visible text when it finds no main content (very short pages)."""
    import trafilatura

    document = trafilatura.bare_extraction(
        body, url=url, with_metadata=True, include_comments=False, include_tables=True, include_images=False
    )
    title = (getattr(document, "title", None) or "") if document is not None else ""
    text = (getattr(document, "text", None) or "") if document is not None else ""
    if not text.strip():
        text = trafilatura.html2txt(body) or ""
    return title or _title(body, encoding or "utf-8"), text.strip()


def web_reader(
    url: str, *, settings: AssistantSettings | None = None, client: httpx.Client | None = None
) -> dict[str, Any]:
    """Fetch a web page and return its title and main text.

    Source: the page itself (``GET url`` with httpx), main text by trafilatura.

    Returns:
        ``{"url": final URL after redirects, "title", "text", "truncated": bool}``, plus
        ``"note"`` saying what was cut when the body exceeded ``max_bytes`` or the text
        ``max_chars``.

    Raises:
        AssistantToolError: a URL that is not ``http``/``https`` (``file://`` is refused),
            a page that is not HTML or plain text (PDF, images, JSON…), an HTTP error
            status, too many redirects, a timeout or an unreachable host.
    """
    cfg = settings if settings is not None else AssistantSettings()
    try:
        parts = urlsplit((url or "").strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise AssistantToolError(f"web_reader: {url!r} is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or "no scheme"
        raise AssistantToolError(f"web_reader: only http and https URLs can be read, not {shown} ({url!r})")
    if not parts.netloc:
        raise AssistantToolError(f"web_reader: {url!r} has no host")
    page = fetch(
        "web_reader",
        None,
        cfg,
        client,
        url.strip(),
        headers={"Accept": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.5"},
    )
    if urlsplit(page.url).scheme.lower() not in ("http", "https"):
        raise AssistantToolError(f"web_reader: {url!r} redirected to a non-http URL")
    media = page.content_type.split(";")[0].strip().lower()
    sniffed = not media and page.body.lstrip()[:1] == b"<"
    if media in _HTML_TYPES or sniffed:
        title, text = extract_main_text(page.body, page.url, page.encoding)
    elif media == "text/plain":
        title, text = "", page.body.decode(page.encoding or "utf-8", errors="replace").strip()
    else:
        raise AssistantToolError(
            f"web_reader: {page.url} is {media or 'of unknown type'}, not an HTML page; "
            "only web pages can be read"
        )
    notes = []
    if page.truncated:
        notes.append(f"page larger than {cfg.max_bytes} bytes: only its beginning was read")
    truncated = page.truncated
    if len(text) > cfg.max_chars:
        cut = text[: cfg.max_chars]
        cut = cut.rsplit(None, 1)[0] if " " in cut[-200:] else cut
        notes.append(f"text cut at {len(cut)} of {len(text)} characters")
        text, truncated = cut + " […]", True
    out: dict[str, Any] = {"url": page.url, "title": title, "text": text, "truncated": truncated}
    if notes:
        out["note"] = "; ".join(notes)
    return out
