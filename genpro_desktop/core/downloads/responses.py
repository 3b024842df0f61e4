"""Checks on the CDN's response and the errors they raise (policy D3 in reliability-anchors.md)."""

from __future__ import annotations

from pathlib import Path

import httpx

from genpro_desktop.core.api import parse_retry_after
from genpro_desktop.core.downloads.errors import (
    DownloadError,
    DownloadIncompleteError,
    DownloadURLExpiredError,
    DownloadVerificationError,
)
from genpro_desktop.core.downloads.progress import format_bytes

# S3-style stores label MP4 uploads as octet-stream; the ftyp check still decides.
_BINARY_TYPES = frozenset({"application/octet-stream", "binary/octet-stream", "application/mp4"})


def check_status(response: httpx.Response, shown: str) -> None:
    """Raise a DownloadError unless the CDN answered 200 (or 203); 403/404/410 mean expired."""
    status = response.status_code
    if status in (200, 203):
        return
    reason = f"HTTP {status} {response.reason_phrase}".strip()
    if status in (404, 410):
        message = (
            f"{shown} was not found ({reason}); the link may have expired "
            "or the video may have been deleted"
        )
        raise DownloadURLExpiredError(message, status_code=status, url=shown)
    if status == 403:
        message = f"the server refused access to {shown} ({reason}); the link may have expired"
        raise DownloadURLExpiredError(message, status_code=status, url=shown)
    if status == 401:
        message = f"the server refused access to {shown} ({reason})"
    elif status in (408, 429) or status >= 500:
        message = f"the server could not send {shown} right now ({reason}); try again later"
    else:
        message = f"unexpected answer {reason} for {shown}"
    transient = status in (408, 429) or status >= 500
    raise DownloadError(
        message,
        url=shown,
        resumable=transient,
        transient=transient,
        retry_after=parse_retry_after(response.headers.get("retry-after")) if transient else None,
    )


def check_content_type(response: httpx.Response, shown: str) -> str | None:
    """Return the Content-Type if it can be a video; refuse web pages and other types."""
    raw = response.headers.get("content-type")
    if raw is None:
        return None  # the ftyp check still decides
    media_type = raw.split(";", 1)[0].strip().lower()
    if media_type.startswith("video/") or media_type in _BINARY_TYPES or not media_type:
        return raw
    if media_type in ("text/html", "application/xhtml+xml"):
        message = (
            f"{shown} returned a web page instead of a video; "
            "the link may have expired or need a login"
        )
    else:
        message = f"{shown} returned {media_type}, not a video"
    raise DownloadVerificationError(message, url=shown)


def content_length(response: httpx.Response) -> int | None:
    """Return the declared body length, or None when absent or malformed."""
    value = response.headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def incomplete_error(shown: str, written: int, total: int, part: Path) -> DownloadIncompleteError:
    """Build the error for a body that ended before Content-Length."""
    return DownloadIncompleteError(
        f"the download of {shown} stopped after {format_bytes(written)} of "
        f"{format_bytes(total)}; the partial file was kept",
        url=shown,
        resumable=True,
        partial_path=part,
        transient=True,
    )


def network_error(
    exc: httpx.TransportError, shown: str, written: int, part: Path | None
) -> DownloadError:
    """Build the (resumable) error for a transport failure."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        reason = "could not connect to the server"
    elif isinstance(exc, httpx.TimeoutException):
        reason = "the connection stalled"
    elif isinstance(exc, httpx.RemoteProtocolError):
        reason = "the connection closed early"
    else:
        reason = "the network failed"
    received = f" after {format_bytes(written)}" if written else ""
    kept = "; the partial file was kept" if part is not None else ""
    cls = DownloadIncompleteError if written else DownloadError
    return cls(
        f"could not download {shown}: {reason}{received}{kept}; try again",
        url=shown,
        resumable=True,
        partial_path=part,
        transient=True,
    )
