"""The download URL policy (security checklist S-5, S-7, S-9).

Only ``https://``, or ``http://`` on a loopback host (the simulator), for the first request and
for every redirect hop. The loopback test parses the host and never compares string prefixes, so
``http://localhost:80@evil.example`` and ``http://127.0.0.1.evil.example`` are refused.
The host test and ``display_url`` are the shared HTTP plumbing (``core.http.urls``); this
module adds what is download-specific: ``DownloadError`` and the per-hop request hook.
"""

from __future__ import annotations

import httpx

from genpro_desktop.core.downloads.errors import DownloadError
from genpro_desktop.core.http.urls import display_url, is_loopback_host

# Carries the first URL of a download through redirects so a refusal can name both ends.
ORIGIN_EXTENSION = "genpro_download_url"
_CREDENTIAL_HEADERS = ("authorization", "x-api-key", "cookie")

__all__ = [
    "ORIGIN_EXTENSION",
    "check_download_url",
    "display_url",
    "is_loopback_host",
    "vet_request",
]


def check_download_url(url: httpx.URL | str) -> httpx.URL:
    """Return the parsed URL if it is https, or http on a loopback host; raise otherwise."""
    try:
        parsed = httpx.URL(str(url))
    except httpx.InvalidURL as exc:
        raise DownloadError(f"{str(url)[:80]!r} is not a valid download URL") from exc
    if parsed.userinfo:
        # Credentials in a URL would be sent as Basic auth and end up in logs (RFC 6750 5.3).
        raise DownloadError("download URLs must not contain a user name or password")
    if parsed.scheme == "https" and parsed.host:
        return parsed
    if parsed.scheme == "http" and is_loopback_host(parsed.host):
        return parsed
    shown = display_url(parsed)
    raise DownloadError(
        f"refusing to download from {shown}: only https:// links "
        "(or http:// on this computer) are allowed",
        url=shown,
    )


async def vet_request(request: httpx.Request) -> None:
    """httpx request hook: strip credentials and apply the URL policy on every hop."""
    for name in _CREDENTIAL_HEADERS:
        # Nothing adds these, but a credential must never reach the CDN whatever changes later.
        request.headers.pop(name, None)
    origin = request.extensions.get(ORIGIN_EXTENSION)
    try:
        check_download_url(request.url)
    except DownloadError as exc:
        target = display_url(request.url)
        if isinstance(origin, str) and origin != target:
            raise DownloadError(
                f"the download of {origin} was redirected to {target}, which is not allowed: "
                "only https:// links (or http:// on this computer) are",
                url=origin,
            ) from exc
        raise
