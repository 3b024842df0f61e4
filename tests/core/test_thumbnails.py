"""Thumbnail fetching in the core: the CDN once, then the disk; only images are kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from genpro_desktop.core.thumbnails import ThumbnailError, ThumbnailFetcher
from genpro_desktop.simulator import Simulator, faults

JPEG_START = b"\xff\xd8"


def jpeg_only(data: bytes) -> bytes:
    """A stand-in decoder: accepts JPEG bytes, refuses anything else as the GUI's does."""
    if not data.startswith(JPEG_START):
        raise ValueError("not an image")
    return data


async def test_a_thumbnail_is_fetched_once_then_read_from_disk(
    sim: Simulator, tmp_path: Path
) -> None:
    url = f"{sim.cdn_base_url}/thumbnails/render_880001.jpg"
    first = ThumbnailFetcher(tmp_path)
    try:
        data = await first.load(url, jpeg_only)
    finally:
        await first.aclose()
    assert data.startswith(JPEG_START)
    fetched = sim.journal.count("GET", r"/thumbnails/")
    second = ThumbnailFetcher(tmp_path)
    try:
        assert await second.load(url, jpeg_only) == data
    finally:
        await second.aclose()
    assert sim.journal.count("GET", r"/thumbnails/") == fetched


async def test_bytes_that_do_not_decode_are_never_cached(sim: Simulator, tmp_path: Path) -> None:
    url = f"{sim.cdn_base_url}/thumbnails/render_880001.jpg"
    sim.faults.add("GET", r"/thumbnails/", faults.html())
    fetcher = ThumbnailFetcher(tmp_path)
    try:
        with pytest.raises(ThumbnailError):
            await fetcher.load(url, jpeg_only)
        assert not await asyncio.to_thread(fetcher.path_for(url).exists)
    finally:
        await fetcher.aclose()


async def test_plain_http_to_another_host_is_refused_without_a_request(tmp_path: Path) -> None:
    fetcher = ThumbnailFetcher(tmp_path)
    try:
        with pytest.raises(ThumbnailError):
            await fetcher.load("http://cdn.example.com/x.jpg", jpeg_only)
    finally:
        await fetcher.aclose()
