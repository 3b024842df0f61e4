"""Downloads over real sockets from the simulator's CDN, plus names, URL policy and progress."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import shutil
from collections import namedtuple
from pathlib import Path

import pytest
from aiohttp.client_proto import ResponseHandler

from genpro_desktop.core.clock import FakeClock
from genpro_desktop.core.downloads import (
    Downloader,
    DownloadError,
    DownloadIncompleteError,
    DownloadProgress,
    DownloadVerificationError,
    InsufficientSpaceError,
    check_download_url,
    display_url,
    format_bytes,
    safe_filename,
    sanitize_filename,
)
from genpro_desktop.core.downloads import downloader as downloader_module
from genpro_desktop.core.downloads.progress import ProgressThrottle
from genpro_desktop.simulator import Simulator, faults

SAMPLE_SHA256 = "d21bfd2e12351aa8f2b2db6112c1c1ee55f2fd275c662c515f1a19f6b84b3c12"


def listing(folder: Path) -> list[str]:
    """Every file under `folder`, hidden ones included, relative and sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# -- happy paths ----------------------------------------------------------------------------


async def test_download_into_a_folder(
    downloader: Downloader, video_url: str, downloads: Path, sample_bytes: bytes, sim: Simulator
) -> None:
    result = await downloader.download(video_url, downloads)
    name = video_url.rsplit("/", 1)[-1]
    assert result.path == downloads / name
    assert result.path.read_bytes() == sample_bytes
    assert result.bytes == len(sample_bytes)
    assert result.sha256 == hashlib.sha256(sample_bytes).hexdigest() == SAMPLE_SHA256
    assert result.content_type == "video/mp4"
    assert not result.renamed
    assert listing(downloads) == [name]  # no .part left behind

    # S-5: the CDN never sees a credential.
    cdn = [entry for entry in sim.journal.requests if entry.is_cdn]
    assert len(cdn) == 1
    assert not any(entry.had_api_key for entry in sim.journal.requests)
    sent = {key.lower() for key in cdn[0].headers}
    assert not sent & {"x-api-key", "authorization", "cookie"}


async def test_the_socket_is_read_in_pieces_of_chunk_size(
    sim: Simulator, downloads: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each block read costs the same Python work and writer wake-ups whatever its size: the
    # default 1 MiB costs ~17 % less CPU per GiB than asyncio's 256 KiB (docs/benchmarks.md).
    read_sizes: set[int] = set()
    received = ResponseHandler.data_received

    def spy(protocol: ResponseHandler, data: bytes) -> None:
        read_sizes.add(getattr(protocol.transport, "max_size", 0))
        received(protocol, data)

    monkeypatch.setattr(ResponseHandler, "data_received", spy)
    body = b"\x00\x00\x00\x18ftypisom" + os.urandom(4 * 1024 * 1024)  # many reads long
    (tmp_path / "big.mp4").write_bytes(body)
    sim.state.media_files["big.mp4"] = tmp_path / "big.mp4"
    async with Downloader() as instance:
        result = await instance.download(f"{sim.cdn_base_url}/files/big.mp4", downloads)
    assert result.path.read_bytes() == body
    assert downloader_module.CHUNK_SIZE == 1024 * 1024
    assert downloader_module.CHUNK_SIZE in read_sizes  # the body's reads (the head came first)


async def test_download_with_a_suggested_name(
    downloader: Downloader, video_url: str, downloads: Path
) -> None:
    name = safe_filename("Launch clips: v2/final", 3, "880001")
    result = await downloader.download(video_url, downloads, suggested_name=name)
    assert result.path == downloads / "Launch clips_ v2_final - row 3 - 880001.mp4"
    assert result.path.is_file()


async def test_download_to_a_file_path_creates_parents(
    downloader: Downloader, video_url: str, downloads: Path
) -> None:
    target = downloads / "a" / "b" / "clip.mp4"
    result = await downloader.download(video_url, target, suggested_name="ignored.mp4")
    assert result.path == target
    assert target.stat().st_size == result.bytes


async def test_trailing_separator_means_a_new_folder(
    downloader: Downloader, video_url: str, downloads: Path
) -> None:
    result = await downloader.download(video_url, f"{downloads / 'new'}/")
    assert result.path.parent == downloads / "new"


async def test_existing_files_are_never_overwritten(
    downloader: Downloader, video_url: str, downloads: Path, sample_bytes: bytes
) -> None:
    name = video_url.rsplit("/", 1)[-1]
    stem = name.removesuffix(".mp4")
    (downloads / name).write_bytes(b"precious")
    first = await downloader.download(video_url, downloads)
    second = await downloader.download(video_url, downloads / name)
    assert first.path == downloads / f"{stem} (2).mp4"
    assert first.renamed
    assert second.path == downloads / f"{stem} (3).mp4"
    assert second.renamed
    assert (downloads / name).read_bytes() == b"precious"

    replaced = await downloader.download(video_url, downloads / name, overwrite=True)
    assert replaced.path == downloads / name
    assert not replaced.renamed
    assert (downloads / name).read_bytes() == sample_bytes


async def test_concurrent_downloads_get_distinct_names(
    downloader: Downloader, video_url: str, downloads: Path
) -> None:
    results = await asyncio.gather(*(downloader.download(video_url, downloads) for _ in range(3)))
    assert len({r.path for r in results}) == 3
    assert all(r.sha256 == SAMPLE_SHA256 for r in results)
    assert len(listing(downloads)) == 3


async def test_redirect_to_loopback_is_followed(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    sim.faults.add(
        "GET", r"/cdn/outputs/moved\.mp4", faults.status(302, "", {"Location": video_url})
    )
    moved = video_url.rsplit("/", 1)[0] + "/moved.mp4"
    result = await downloader.download(moved, downloads)
    assert result.path.name == "moved.mp4"
    assert result.sha256 == SAMPLE_SHA256


# -- refusals -------------------------------------------------------------------------------


async def test_html_is_refused_and_nothing_is_left(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    sim.faults.add("GET", r"/cdn/", faults.html())
    with pytest.raises(DownloadVerificationError, match="web page instead of a video"):
        await downloader.download(video_url, downloads)
    assert listing(downloads) == []


async def test_not_an_mp4_is_refused(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    junk = faults.status(200, b"\x00" * 4 + b"moov" + b"x" * 5000, {"Content-Type": "video/mp4"})
    sim.faults.add("GET", r"/cdn/", junk)
    with pytest.raises(DownloadVerificationError, match="is not an MP4 video"):
        await downloader.download(video_url, downloads)
    assert listing(downloads) == []


async def test_a_tiny_body_is_refused(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    tiny = faults.status(200, b"\x00\x00\x00", {"Content-Type": "application/octet-stream"})
    sim.faults.add("GET", r"/cdn/", tiny)
    with pytest.raises(DownloadVerificationError, match="only 3 bytes"):
        await downloader.download(video_url, downloads)
    assert listing(downloads) == []


@pytest.mark.parametrize("content_type", ["application/json", "image/jpeg", "text/plain"])
async def test_other_content_types_are_refused(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator, content_type: str
) -> None:
    sim.faults.add("GET", r"/cdn/", faults.status(200, b"{}", {"Content-Type": content_type}))
    with pytest.raises(DownloadVerificationError, match=f"returned {content_type}, not a video"):
        await downloader.download(video_url, downloads)
    assert listing(downloads) == []


async def test_short_body_keeps_only_the_part_file(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    sim.faults.add("GET", r"/cdn/", faults.truncate())
    with pytest.raises(DownloadIncompleteError, match="closed early") as caught:
        await downloader.download(video_url, downloads)
    error = caught.value
    assert error.resumable
    name = video_url.rsplit("/", 1)[-1]
    assert error.partial_path == downloads / f".{name}.part"
    assert listing(downloads) == [f".{name}.part"]  # nothing at the target

    # The next attempt starts the .part over and succeeds.
    result = await downloader.download(video_url, downloads)
    assert result.sha256 == SAMPLE_SHA256
    assert listing(downloads) == [name]


async def test_redirect_to_plain_http_elsewhere_is_refused(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    evil = {"Location": "http://cdn.example.com/render.mp4?sig=SECRET"}
    sim.faults.add("GET", r"/cdn/", faults.status(302, "", evil))
    with pytest.raises(
        DownloadError, match=r"was redirected to http://cdn\.example\.com/render\.mp4,"
    ):
        await downloader.download(video_url, downloads)
    assert listing(downloads) == []
    assert len(sim.journal.requests) == 1


@pytest.mark.parametrize(
    ("status", "resumable", "words"),
    [(404, False, "not found"), (403, False, "refused access"), (503, True, "try again later")],
)
async def test_http_errors(
    downloader: Downloader,
    video_url: str,
    downloads: Path,
    sim: Simulator,
    status: int,
    resumable: bool,
    words: str,
) -> None:
    sim.faults.add("GET", r"/cdn/", faults.status(status))
    with pytest.raises(DownloadError, match=words) as caught:
        await downloader.download(video_url, downloads)
    assert caught.value.resumable is resumable
    assert listing(downloads) == []


async def test_connection_reset_is_a_resumable_error(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    sim.faults.add("GET", r"/cdn/", faults.reset())
    with pytest.raises(DownloadError, match="try again") as caught:
        await downloader.download(video_url, downloads)
    assert caught.value.resumable
    assert caught.value.partial_path is None
    assert listing(downloads) == []


async def test_not_enough_disk_space(
    downloader: Downloader,
    video_url: str,
    downloads: Path,
    sim: Simulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(
        downloader_module.shutil, "disk_usage", lambda _path: usage(10**9, 10**9 - 1000, 1000)
    )
    with pytest.raises(InsufficientSpaceError, match=r"need 253\.8 kB, have 1\.0 kB") as caught:
        await downloader.download(video_url, downloads)
    assert caught.value.need == 230741 + 23074
    assert caught.value.have == 1000
    assert listing(downloads) == []
    assert shutil.disk_usage is downloader_module.shutil.disk_usage  # patched only for the test


async def test_files_over_the_limit_are_refused(video_url: str, downloads: Path) -> None:
    async with Downloader(max_bytes=100_000) as small:
        with pytest.raises(DownloadVerificationError, match=r"more than the 100\.0 kB limit"):
            await small.download(video_url, downloads)
    assert listing(downloads) == []


async def test_an_endless_body_stops_at_the_cap(endless_cdn: str, downloads: Path) -> None:
    async with Downloader(max_bytes=1_000_000) as capped:
        with pytest.raises(DownloadVerificationError, match=r"more than the 1\.0 MB limit"):
            await capped.download(endless_cdn, downloads)
    assert listing(downloads) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://cdn.gen.pro/render.mp4",
        "http://localhost:80@evil.example/render.mp4",
        "http://127.0.0.1.evil.example/render.mp4",
        "https://user:pw@cdn.gen.pro/render.mp4",
        "ftp://cdn.gen.pro/render.mp4",
        "file:///etc/passwd",
        "render.mp4",
    ],
)
async def test_unsafe_urls_are_refused_before_any_request(
    downloader: Downloader, downloads: Path, url: str
) -> None:
    with pytest.raises(DownloadError):
        await downloader.download(url, downloads)
    assert listing(downloads) == []


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.gen.pro/outputs/render_1.mp4",
        "http://127.0.0.1:8080/cdn/x.mp4",
        "http://127.9.9.9/x.mp4",
        "HTTP://LOCALHOST/x.mp4",
        "http://[::1]:8080/x.mp4",
    ],
)
def test_allowed_urls(url: str) -> None:
    assert check_download_url(url)


def test_display_url_hides_query_and_credentials() -> None:
    shown = display_url("https://u:p@cdn.gen.pro/a/b.mp4?X-Amz-Signature=abc#frag")
    assert shown == "https://cdn.gen.pro/a/b.mp4"


# -- progress -------------------------------------------------------------------------------


class SteppingClock(FakeClock):
    """Every read of the clock moves it forward a fixed step, like a busy real clock."""

    def __init__(self, step: float) -> None:
        super().__init__()
        self.step = step

    def now(self) -> float:
        self.advance(self.step)
        return super().now()


async def test_progress_is_throttled_to_ten_per_second(video_url: str, downloads: Path) -> None:
    clock = SteppingClock(0.01)
    reports: list[tuple[float, DownloadProgress]] = []
    async with Downloader(clock=clock, chunk_size=1024) as throttled:
        result = await throttled.download(
            video_url, downloads, progress=lambda p: reports.append((clock.now(), p))
        )
    chunks = -(-result.bytes // 1024)
    assert len(reports) < chunks / 5  # far fewer reports than chunks
    times = [t for t, _ in reports]
    gaps = [b - a for a, b in itertools.pairwise(times[:-1])]
    assert all(gap >= 0.1 for gap in gaps)  # every report but the final one is >= 0.1 s apart
    done = [p.bytes for _, p in reports]
    assert done == sorted(done)
    final = reports[-1][1]
    assert final.bytes == final.total == result.bytes
    assert final.eta == 0.0
    middle = reports[len(reports) // 2][1]
    assert middle.speed
    assert middle.speed > 0
    assert middle.eta is not None
    assert middle.eta > 0


def test_progress_throttle_speed_and_eta() -> None:
    clock = FakeClock()
    seen: list[DownloadProgress] = []
    throttle = ProgressThrottle(seen.append, 1000, clock)
    clock.advance(1.0)
    throttle.update(100)  # first report goes out at once
    clock.advance(0.05)
    throttle.update(150)  # too soon: dropped
    clock.advance(0.95)
    throttle.update(200)
    throttle.finish(1000)
    assert [p.bytes for p in seen] == [100, 200, 1000]
    assert seen[0] == DownloadProgress(100, 1000, 100.0, 9.0)
    assert seen[1].speed == 100.0
    assert seen[1].eta == 8.0
    assert seen[2].eta == 0.0


async def test_a_failing_progress_callback_removes_the_part(
    video_url: str, downloads: Path
) -> None:
    def explode(_progress: DownloadProgress) -> None:
        raise RuntimeError("ui gone")

    async with Downloader(chunk_size=1024) as instance:
        with pytest.raises(RuntimeError, match="ui gone"):
            await instance.download(video_url, downloads, progress=explode)
    assert listing(downloads) == []


async def test_cancelling_keeps_the_part_for_a_resume(video_url: str, downloads: Path) -> None:
    def stop_midway(progress: DownloadProgress) -> None:
        if progress.bytes > 10_000:
            raise asyncio.CancelledError

    async with Downloader(chunk_size=1024, clock=SteppingClock(1.0)) as instance:
        with pytest.raises(asyncio.CancelledError):
            await instance.download(video_url, downloads, progress=stop_midway)
    name = video_url.rsplit("/", 1)[-1]
    assert listing(downloads) == [f".{name}.part"]


# -- names and sizes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "row", "generation", "expected"),
    [
        ("Launch clips", 3, "880001", "Launch clips - row 3 - 880001.mp4"),
        ('a/b\\c:d*e?f"g<h>i|j', 1, 2, "a_b_c_d_e_f_g_h_i_j - row 1 - 2.mp4"),
        ("../../etc/passwd", 1, 2, "_._etc_passwd - row 1 - 2.mp4"),
        ("..", 1, 2, "GEN video - row 1 - 2.mp4"),
        ("CON", 1, 2, "CON - row 1 - 2.mp4"),  # only the bare device name is reserved
        ("CON", None, None, "_CON.mp4"),
        ("nul", None, None, "_nul.mp4"),
        ("com1", None, None, "_com1.mp4"),
        ("LPT9", None, "", "_LPT9.mp4"),
        ("Console", 1, 2, "Console - row 1 - 2.mp4"),
        ("name. . ", 1, 2, "name - row 1 - 2.mp4"),
        ("tab\tnew\nline\x00nul\x1fend", 1, 2, "tab new linenul end - row 1 - 2.mp4"),
        ("evil\u202egnp.exe", 1, 2, "evilgnp.exe - row 1 - 2.mp4"),
        ("", 1, 2, "GEN video - row 1 - 2.mp4"),
        (None, "r/1", "g..2", "GEN video - row r_1 - g.2.mp4"),
        ("Café 😀", 1, 2, "Café 😀 - row 1 - 2.mp4"),
    ],
)
def test_safe_filename_table(
    title: str | None, row: int | str | None, generation: str | int | None, expected: str
) -> None:
    assert safe_filename(title, row, generation) == expected


def test_safe_filename_limits_length_but_keeps_row_and_id() -> None:
    name = safe_filename("😀" * 500, 12, "880001")
    assert len(name.encode()) <= 180
    assert name.endswith(" - row 12 - 880001.mp4")


def test_safe_filename_rejects_odd_extensions() -> None:
    assert safe_filename("x", 1, 2, ext=".mov") == "x - row 1 - 2.mov"
    with pytest.raises(ValueError, match="extension"):
        safe_filename("x", 1, 2, ext="/../mp4")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("render_1.mp4", "render_1.mp4"),
        ("..", "download"),
        (".hidden.mp4", "hidden.mp4"),
        ("a/../../b.mp4", "a_._._b.mp4"),
        ("aux.mp4", "_aux.mp4"),
        ("Prn .txt", "_Prn.txt"),
        ("trailing... ", "trailing"),
        ("x" * 300 + ".mp4", "x" * 176 + ".mp4"),
    ],
)
def test_sanitize_filename_table(raw: str, expected: str) -> None:
    assert sanitize_filename(raw) == expected


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 bytes"),
        (999, "999 bytes"),
        (1000, "1.0 kB"),
        (230741, "230.7 kB"),
        (4 * 1024**3, "4.3 GB"),
    ],
)
def test_format_bytes(count: int, text: str) -> None:
    assert format_bytes(count) == text
