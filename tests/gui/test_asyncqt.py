"""The asyncio glue: owned tasks, dialogs awaited without exec(), lazy thumbnails."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from guikit import until
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from genpro_desktop.gui.asyncqt import TaskRegistry, run_dialog
from genpro_desktop.gui.thumbnail_cache import ThumbnailCache, ThumbnailFeed
from genpro_desktop.simulator import Simulator


async def test_run_dialog_returns_the_result_without_a_nested_loop(qtbot: QtBot) -> None:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    waiting = asyncio.ensure_future(run_dialog(dialog))
    await until(dialog.isVisible, what="the dialog")
    dialog.accept()
    assert await waiting == QDialog.DialogCode.Accepted


async def test_cancelling_a_dialog_task_closes_the_dialog(qtbot: QtBot) -> None:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    tasks = TaskRegistry()
    tasks.spawn(run_dialog(dialog))
    await until(dialog.isVisible, what="the dialog")
    await tasks.aclose()
    assert not dialog.isVisible()
    assert tasks.active == 0


def test_spawning_without_a_running_loop_leaves_no_unawaited_coroutine() -> None:
    async def work() -> None:
        raise AssertionError("never runs")

    tasks = TaskRegistry()
    assert not tasks.can_spawn
    with pytest.raises(RuntimeError):
        tasks.spawn(work())  # filterwarnings=error would fail on "never awaited"


async def test_task_failures_are_reported_not_lost() -> None:
    failures: list[BaseException] = []
    tasks = TaskRegistry(on_error=failures.append)

    async def broken() -> None:
        raise ValueError("boom")

    tasks.spawn(broken())
    await tasks.wait_idle()
    assert [str(exc) for exc in failures] == ["boom"]
    await tasks.aclose()
    with pytest.raises(RuntimeError, match="shutting down"):
        tasks.spawn(broken())


async def test_thumbnails_come_from_the_disk_cache_the_second_time(
    qtbot: QtBot, sim: Simulator, tmp_path: Path
) -> None:
    url = f"{sim.cdn_base_url}/thumbnails/render_880001.jpg"
    ready: list[str] = []
    tasks = TaskRegistry()
    first = ThumbnailCache(tmp_path, tasks, on_ready=ready.append)
    try:
        assert first.lookup(url) is None  # starts loading
        await tasks.wait_idle()
        assert ready == [url]
        assert first.lookup(url) is not None
    finally:
        await first.aclose()
    fetched = sim.journal.count("GET", r"/thumbnails/")
    second = ThumbnailCache(tmp_path, tasks, on_ready=ready.append)
    try:
        second.lookup(url)
        await tasks.wait_idle()
        assert second.lookup(url) is not None
        assert sim.journal.count("GET", r"/thumbnails/") == fetched
    finally:
        await second.aclose()
        await tasks.aclose()


async def test_thumbnails_refuse_plain_http_to_other_hosts(qtbot: QtBot, tmp_path: Path) -> None:
    tasks = TaskRegistry()
    cache = ThumbnailCache(tmp_path, tasks)
    try:
        assert cache.lookup("http://cdn.example.com/x.jpg") is None
        await tasks.wait_idle()
        assert cache.lookup("http://cdn.example.com/x.jpg") is None
        assert not await asyncio.to_thread(lambda: list(tmp_path.rglob("*.img")))
    finally:
        await cache.aclose()
        await tasks.aclose()


async def test_an_arrived_thumbnail_is_announced_on_the_feed_with_its_image(
    qtbot: QtBot, sim: Simulator, tmp_path: Path
) -> None:
    url = f"{sim.cdn_base_url}/thumbnails/render_880001.jpg"
    feed = ThumbnailFeed()
    grid: list[str] = []
    preview: list[tuple[str, int]] = []
    feed.thumbnail_ready.connect(lambda u, _image: grid.append(u))
    feed.thumbnail_ready.connect(lambda u, image: preview.append((u, image.width())))
    tasks = TaskRegistry()
    cache = ThumbnailCache(tmp_path, tasks, feed=feed)
    try:
        assert cache.lookup(url) is None
        await tasks.wait_idle()
        assert grid == [url]
        assert [u for u, _width in preview] == [url]
        assert preview[0][1] > 0
    finally:
        await cache.aclose()
        await tasks.aclose()
