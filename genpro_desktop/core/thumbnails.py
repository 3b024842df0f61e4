"""Take thumbnails: fetched from GEN's CDN once and kept on disk (Qt-free).

Thumbnails are public CDN files, so the fetch goes through a credential-free httpx client (the
API key is never sent), with the same URL policy as downloads (https, or http on loopback), no
redirects and a size cap. Files are cached in the app's cache folder under the SHA-256 of the
URL. The caller decodes: `load(url, decode)` runs `decode` in a worker thread on the cached bytes
(dropping a cache file that no longer decodes), else on freshly fetched bytes, which are written
to the cache only once they decoded, so the cache never keeps something that is not an image.
The GUI passes a Qt image decoder; nothing here knows about Qt.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx

from genpro_desktop.core.downloads import DownloadError, check_download_url
from genpro_desktop.core.http.aiohttp_transport import preferred_transport

MAX_THUMBNAIL_BYTES = 2_000_000
FETCH_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_PARALLEL_FETCHES = 4

T = TypeVar("T")


class ThumbnailError(Exception):
    """A thumbnail could not be loaded (refused URL, HTTP failure, not an image, disk error)."""


class ThumbnailFetcher:
    """Loads thumbnails from the disk cache or the CDN; at most four fetches at a time."""

    def __init__(
        self, cache_dir: Path, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._dir = cache_dir / "thumbnails"
        self._slots = asyncio.Semaphore(MAX_PARALLEL_FETCHES)
        # No auth, no cookies, no redirects to somewhere unchecked: a plain public fetch. The
        # aiohttp transport (as for GEN's client): httpx's own leaves anyio's connect coroutine
        # unawaited when a fetch is cancelled mid-connect (the window closing with thumbnails
        # on their way).
        self._http = httpx.AsyncClient(
            timeout=FETCH_TIMEOUT,
            follow_redirects=False,
            transport=transport if transport is not None else preferred_transport(),
        )

    def path_for(self, url: str) -> Path:
        """The disk cache file for `url`."""
        return self._dir / (hashlib.sha256(url.encode()).hexdigest() + ".img")

    async def load(self, url: str, decode: Callable[[bytes], T]) -> T:
        """The decoded thumbnail of `url` (module doc); `decode` raises ValueError for bytes
        that are not an image. Raises `ThumbnailError`."""
        path = self.path_for(url)
        try:
            cached = await asyncio.to_thread(_read_cached, path, decode)
            if cached is not None:
                return cached[0]
            data = await self._fetch(url)
            return await asyncio.to_thread(_store_and_decode, path, data, decode)
        except (httpx.HTTPError, DownloadError, OSError, ValueError) as exc:
            raise ThumbnailError(f"{type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._http.aclose()

    async def _fetch(self, url: str) -> bytes:
        checked = check_download_url(url)
        async with self._slots:
            response = await self._http.get(checked)
        if response.status_code != 200:
            raise ValueError(f"HTTP {response.status_code}")
        if len(response.content) > MAX_THUMBNAIL_BYTES:
            raise ValueError("thumbnail too large")
        return response.content


def _read_cached(path: Path, decode: Callable[[bytes], T]) -> tuple[T] | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return (decode(data),)
    except ValueError:
        path.unlink(missing_ok=True)
        return None


def _store_and_decode(path: Path, data: bytes, decode: Callable[[bytes], T]) -> T:
    image = decode(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, path)
    return image
