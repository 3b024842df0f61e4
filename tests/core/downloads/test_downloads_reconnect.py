"""Downloads reconnect by themselves (issue 13 part 2), over real sockets against the simulator.

The CDN cuts, resets, stalls or answers 5xx part-way; the downloader resumes with Range +
If-Range from the kept bytes, backing off on a fake clock (no real waiting), and gives up only
after `limit` reconnects in a row that brought no new byte.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import httpx
import pytest

from genpro_desktop.core.clock import FakeClock
from genpro_desktop.core.downloads import (
    Downloader,
    DownloadIncompleteError,
    DownloadProgress,
    DownloadURLExpiredError,
    DownloadVerificationError,
    Reconnects,
)
from genpro_desktop.core.resources import resource_path
from genpro_desktop.simulator import Simulator, faults
from genpro_desktop.simulator.media import RENDER_FILE, media_bytes

SAMPLE = resource_path("sample/render.mp4").read_bytes()
SAMPLE_SHA256 = hashlib.sha256(SAMPLE).hexdigest()
CDN = r"/cdn/outputs/"
CUT = 40_000  # bytes each cut lets through


def ranges(sim: Simulator) -> list[str | None]:
    """The Range header of every CDN GET, oldest first (None for a whole-file request)."""
    return [entry.headers.get("Range") for entry in sim.journal.find("GET", CDN)]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def notices(reports: list[DownloadProgress]) -> list[str]:
    return [r.reconnect.describe() for r in reports if r.reconnect is not None]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def reconnecting(clock: FakeClock, limit: int = 5) -> Downloader:
    return Downloader(reconnects=Reconnects(limit=limit, clock=clock, rng=random.Random(7)))


async def test_a_cut_once_resumes_by_itself_with_a_range_request(
    video_url: str, downloads: Path, sim: Simulator, clock: FakeClock
) -> None:
    sim.faults.add("GET", CDN, faults.cut(CUT))
    reports: list[DownloadProgress] = []
    async with reconnecting(clock) as downloader:
        result = await downloader.download(video_url, downloads, progress=reports.append)
    assert result.sha256 == SAMPLE_SHA256
    assert result.path.read_bytes() == SAMPLE
    assert ranges(sim) == [None, f"bytes={CUT}-"]
    assert [e.status for e in sim.journal.find("GET", CDN)][-1] == 206
    assert sim.journal.find("GET", CDN)[-1].headers.get("If-Range")
    assert len(clock.sleeps) == 1  # one back-off, on the fake clock
    assert 0.0 <= clock.sleeps[0] <= 1.0
    assert notices(reports) == ["reconnecting, attempt 1 of 5"]
    notice = next(r for r in reports if r.reconnect is not None)
    assert notice.bytes == CUT
    assert notice.total == len(SAMPLE)
    assert listing(downloads) == [result.path.name]  # no .part left


async def test_three_cuts_in_a_row_that_each_move_forward_do_not_use_up_the_bound(
    video_url: str, downloads: Path, sim: Simulator, clock: FakeClock
) -> None:
    sim.faults.add("GET", CDN, faults.cut(CUT), times=3)
    reports: list[DownloadProgress] = []
    async with reconnecting(clock, limit=2) as downloader:
        result = await downloader.download(video_url, downloads, progress=reports.append)
    assert result.sha256 == SAMPLE_SHA256
    assert ranges(sim) == [None, f"bytes={CUT}-", f"bytes={2 * CUT}-", f"bytes={3 * CUT}-"]
    # Each cut moved bytes forward: every reconnect is the first of a new run.
    assert notices(reports) == ["reconnecting, attempt 1 of 2"] * 3
    assert len(clock.sleeps) == 3


async def test_a_reset_and_then_5xx_answers_are_waited_out(
    video_url: str, downloads: Path, sim: Simulator, clock: FakeClock
) -> None:
    sim.faults.add("GET", CDN, faults.cut(CUT, reset=True))
    sim.faults.add("GET", CDN, faults.status(503), times=2)
    reports: list[DownloadProgress] = []
    async with reconnecting(clock) as downloader:
        result = await downloader.download(video_url, downloads, progress=reports.append)
    assert result.sha256 == SAMPLE_SHA256
    assert [e.status for e in sim.journal.find("GET", CDN)] == [None, 503, 503, 206]
    assert ranges(sim)[1:] == [f"bytes={CUT}-"] * 3
    assert notices(reports) == [
        "reconnecting, attempt 1 of 5",
        "reconnecting, attempt 2 of 5",
        "reconnecting, attempt 3 of 5",
    ]
    # Full jitter under a doubling ceiling: 1, 2, 4 s.
    assert [s <= 2**n for n, s in enumerate(clock.sleeps)] == [True] * 3


async def test_retry_after_from_the_cdn_is_a_floor(
    video_url: str, downloads: Path, sim: Simulator, clock: FakeClock
) -> None:
    sim.faults.add("GET", CDN, faults.status(503, retry_after=12))
    async with reconnecting(clock) as downloader:
        result = await downloader.download(video_url, downloads)
    assert result.sha256 == SAMPLE_SHA256
    assert clock.sleeps == [12.0]


async def test_a_stalled_connection_is_reconnected(
    video_url: str, downloads: Path, sim: Simulator, clock: FakeClock
) -> None:
    """The CDN goes quiet after CUT bytes; the read timeout (short here) ends the attempt."""
    sim.faults.add("GET", CDN, faults.stall(CUT, seconds=20))
    quick = httpx.Timeout(connect=5.0, read=1.0, write=5.0, pool=5.0)
    reconnects = Reconnects(clock=clock, rng=random.Random(7))
    async with Downloader(timeout=quick, reconnects=reconnects) as downloader:
        result = await downloader.download(video_url, downloads)
    assert result.sha256 == SAMPLE_SHA256
    # The stalled request is journaled only once the simulator notices the client left, so
    # possibly after the ranged one (the journal is in order of completion).
    resumed = [e for e in sim.journal.find("GET", CDN) if e.headers.get("Range")]
    assert [(e.headers["Range"], e.status) for e in resumed] == [(f"bytes={CUT}-", 206)]
    assert len(clock.sleeps) == 1


async def test_a_200_to_the_ranged_request_restarts_cleanly(
    video_url: str, downloads: Path, sim: Simulator, clock: FakeClock
) -> None:
    sim.faults.add("GET", CDN, faults.cut(CUT))
    sim.faults.add("GET", CDN, faults.change_etag())  # a new version: If-Range fails -> 200
    async with reconnecting(clock) as downloader:
        result = await downloader.download(video_url, downloads)
    new_version, _ = media_bytes(RENDER_FILE, 2)
    assert result.path.read_bytes() == new_version  # never old bytes + new bytes
    assert result.sha256 == hashlib.sha256(new_version).hexdigest()
    assert result.resumed_from == 0
    assert [e.status for e in sim.journal.find("GET", CDN)][-1] == 200


async def test_a_server_that_keeps_cutting_fails_after_the_bound_and_keeps_the_part(
    video_url: str, downloads: Path, sim: Simulator, clock: FakeClock
) -> None:
    sim.faults.add("GET", CDN, faults.cut(CUT))
    sim.faults.add("GET", CDN, faults.cut(0), times=100)  # headers, then nothing: no progress
    reports: list[DownloadProgress] = []
    async with reconnecting(clock) as downloader:
        with pytest.raises(DownloadIncompleteError) as caught:
            await downloader.download(video_url, downloads, progress=reports.append)
    error = caught.value
    assert "the partial file was kept" in str(error)
    assert "gave up after 5 reconnects in a row brought no new bytes" in str(error)
    assert error.resumable
    assert error.resume_state is not None
    assert error.resume_state.bytes_done == CUT
    assert error.partial_path is not None
    assert error.partial_path.stat().st_size == CUT
    assert len(sim.journal.find("GET", CDN)) == 6  # the first attempt and 5 reconnects
    assert notices(reports) == [f"reconnecting, attempt {n} of 5" for n in range(1, 6)]
    assert len(clock.sleeps) == 5
    # A later resume (the user's retry) finishes it once the CDN behaves.
    sim.faults.clear()
    async with reconnecting(clock) as downloader:
        result = await downloader.download(video_url, downloads, resume=error.resume_state)
    assert result.sha256 == SAMPLE_SHA256


async def test_an_unreachable_cdn_is_tried_limit_plus_one_times(
    downloads: Path, clock: FakeClock
) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with reconnecting(clock, limit=3) as downloader:
        with pytest.raises(Exception, match="could not connect") as caught:
            await downloader.download(f"http://127.0.0.1:{port}/v.mp4", downloads)
    assert "gave up after 3 reconnects" in str(caught.value)
    assert len(clock.sleeps) == 3
    assert listing(downloads) == []


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (faults.expire_url(), DownloadURLExpiredError),
        (faults.html(), DownloadVerificationError),
    ],
)
async def test_failures_that_reconnecting_cannot_cure_are_not_retried(
    video_url: str,
    downloads: Path,
    sim: Simulator,
    clock: FakeClock,
    fault: faults.FaultAction,
    error: type[Exception],
) -> None:
    sim.faults.add("GET", CDN, faults.cut(CUT))
    sim.faults.add("GET", CDN, fault)
    async with reconnecting(clock) as downloader:
        with pytest.raises(error):
            await downloader.download(video_url, downloads)
    assert len(sim.journal.find("GET", CDN)) == 2
    assert len(clock.sleeps) == 1
