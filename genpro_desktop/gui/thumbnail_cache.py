"""Thumbnails of takes for the engine grid: loaded lazily, kept in memory and on disk.

The GUI asks for a thumbnail only when a cell is painted. A miss starts one background load per
URL through the core's `ThumbnailFetcher` (credential-free CDN fetch and disk cache); this module
only decodes images (in the fetcher's worker thread), so the GUI thread just wraps the decoded
image in a QPixmap.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QPixmap

from genpro_desktop.core.thumbnails import ThumbnailError, ThumbnailFetcher
from genpro_desktop.gui.asyncqt import TaskRegistry
from genpro_desktop.gui.models.engine_table_model import THUMBNAIL_SIZE

log = logging.getLogger(__name__)

MEMORY_ENTRIES = 512


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
        fetcher: ThumbnailFetcher | None = None,
    ) -> None:
        self._fetcher = fetcher if fetcher is not None else ThumbnailFetcher(cache_dir)
        self._tasks = tasks
        self._on_ready = on_ready
        self._feed = feed
        self._memory: OrderedDict[str, QPixmap] = OrderedDict()
        self._loading: set[str] = set()
        self._failed: set[str] = set()

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
        """Close the fetcher's HTTP client (tasks are owned and cancelled by the registry)."""
        await self._fetcher.aclose()

    def path_for(self, url: str) -> Path:
        """The disk cache file for `url`."""
        return self._fetcher.path_for(url)

    async def _load(self, url: str) -> None:
        try:
            image = await self._fetcher.load(url, _decode)
        except ThumbnailError as exc:
            log.info("thumbnail not loaded (%s)", exc)
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


def _decode(data: bytes) -> QImage:
    image = QImage.fromData(data)
    if image.isNull():
        raise ValueError("not an image")
    return image.scaled(
        THUMBNAIL_SIZE,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
