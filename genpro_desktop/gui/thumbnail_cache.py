"""Thumbnails of takes for the engine grid: loaded lazily, kept in memory and on disk.

The GUI asks for a thumbnail only when a cell is painted. A miss starts one background fetch per
URL through a credential-free httpx client (thumbnails are public CDN files: the API key is never
sent), with the same URL policy as downloads (https, or http on loopback). Files are cached in the
app's cache folder under the SHA-256 of the URL; disk reads/writes and image decoding happen in
a worker thread, so the GUI thread only wraps the decoded image in a QPixmap.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import httpx
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QPixmap

from genpro_desktop.core.downloads import DownloadError, check_download_url
from genpro_desktop.gui.asyncqt import TaskRegistry
from genpro_desktop.gui.models.engine_table_model import THUMBNAIL_SIZE

log = logging.getLogger(__name__)

MAX_THUMBNAIL_BYTES = 2_000_000
MEMORY_ENTRIES = 512
FETCH_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_PARALLEL_FETCHES = 4


class ThumbnailFeed(QObject):
    """Announces every thumbnail that arrives; the engine grid and the preview both listen.

    It lives as long as the app (a session's cache comes and goes), so listeners connect once.
    """

    thumbnail_ready = Signal(str, QImage)  # url, the decoded image


class ThumbnailCache:
    """`lookup(url)` returns a pixmap when cached, else None and loads it in the background."""

    def __init__(
        self,
        cache_dir: Path,
        tasks: TaskRegistry,
        *,
        on_ready: Callable[[str], None] | None = None,
        feed: ThumbnailFeed | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._dir = cache_dir / "thumbnails"
        self._tasks = tasks
        self._on_ready = on_ready
        self._feed = feed
        self._memory: OrderedDict[str, QPixmap] = OrderedDict()
        self._loading: set[str] = set()
        self._failed: set[str] = set()
        self._slots = asyncio.Semaphore(MAX_PARALLEL_FETCHES)
        # No auth, no cookies, no redirects to somewhere unchecked: a plain public fetch.
        self._http = httpx.AsyncClient(
            timeout=FETCH_TIMEOUT, follow_redirects=False, transport=transport
        )

    def lookup(self, url: str) -> QPixmap | None:
        """The thumbnail for `url` if it is in memory; otherwise start loading it."""
        pixmap = self._memory.get(url)
        if pixmap is not None:
            self._memory.move_to_end(url)
            return pixmap
        # Called from a paint (inside the model's data()), so it must never raise; a paint
        # outside the running loop (shutdown) just shows no thumbnail this time.
        if url not in self._loading and url not in self._failed and self._tasks.can_spawn:
            self._loading.add(url)
            self._tasks.spawn(self._load(url), name="thumbnail")
        return None

    async def aclose(self) -> None:
        """Close the HTTP client (tasks are owned and cancelled by the registry)."""
        await self._http.aclose()

    def path_for(self, url: str) -> Path:
        """The disk cache file for `url`."""
        return self._dir / (hashlib.sha256(url.encode()).hexdigest() + ".img")

    async def _load(self, url: str) -> None:
        try:
            image = await asyncio.to_thread(_read_cached, self.path_for(url))
            if image is None:
                data = await self._fetch(url)
                image = await asyncio.to_thread(_store_and_decode, self.path_for(url), data)
        except (httpx.HTTPError, DownloadError, OSError, ValueError) as exc:
            log.info("thumbnail not loaded (%s): %s", type(exc).__name__, exc)
            self._failed.add(url)
            return
        finally:
            self._loading.discard(url)
        self._memory[url] = QPixmap.fromImage(image)
        while len(self._memory) > MEMORY_ENTRIES:
            self._memory.popitem(last=False)
        if self._on_ready is not None:
            self._on_ready(url)
        if self._feed is not None:
            self._feed.thumbnail_ready.emit(url, image)

    async def _fetch(self, url: str) -> bytes:
        checked = check_download_url(url)
        async with self._slots:
            response = await self._http.get(checked)
        if response.status_code != 200:
            raise ValueError(f"HTTP {response.status_code}")
        if len(response.content) > MAX_THUMBNAIL_BYTES:
            raise ValueError("thumbnail too large")
        return response.content


def _decode(data: bytes) -> QImage:
    image = QImage.fromData(data)
    if image.isNull():
        raise ValueError("not an image")
    return image.scaled(
        THUMBNAIL_SIZE,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def _read_cached(path: Path) -> QImage | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return _decode(data)
    except ValueError:
        path.unlink(missing_ok=True)
        return None


def _store_and_decode(path: Path, data: bytes) -> QImage:
    image = _decode(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, path)
    return image
