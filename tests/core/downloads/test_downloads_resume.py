"""Resuming downloads over real sockets: Range + If-Range, never splicing, 416, expired URLs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from genpro_desktop.core.downloads import (
    NO_RECONNECTS,
    Downloader,
    DownloadError,
    DownloadIncompleteError,
    DownloadProgress,
    DownloadURLExpiredError,
    DownloadVerificationError,
    ResumeState,
    part_path_for,
)
from genpro_desktop.core.resources import resource_path
from genpro_desktop.simulator import Simulator, faults
from genpro_desktop.simulator.media import RENDER_FILE, media_bytes

SAMPLE = resource_path("sample/render.mp4").read_bytes()
SAMPLE_SHA256 = hashlib.sha256(SAMPLE).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def cdn_gets(sim: Simulator) -> list[dict[str, str]]:
    """The headers of every CDN request, oldest first (names lower-cased)."""
    return [
        {k.lower(): v for k, v in entry.headers.items()}
        for entry in sim.journal.requests
        if entry.is_cdn
    ]


async def cut_short(
    downloader: Downloader, url: str, folder: Path, sim: Simulator
) -> DownloadIncompleteError:
    """A first attempt that the CDN truncates half-way (the .part is kept)."""
    sim.faults.add("GET", r"/cdn/", faults.truncate())
    with pytest.raises(DownloadIncompleteError) as caught:
        await downloader.download(url, folder)
    return caught.value


async def test_truncated_download_resumes_with_range_and_if_range(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    error = await cut_short(downloader, video_url, downloads, sim)
    state = error.resume_state
    assert state is not None
    name = video_url.rsplit("/", 1)[-1]
    assert state.target_path == downloads / name
    assert state.part_path == part_path_for(downloads / name) == error.partial_path
    kept = state.part_path.stat().st_size
    assert state.bytes_done == kept == len(SAMPLE) // 2
    assert state.total == len(SAMPLE)
    assert state.etag is not None
    assert state.etag.startswith('"')
    assert state.last_modified

    result = await downloader.download(video_url, downloads, resume=state)
    assert result.path == downloads / name
    assert result.sha256 == SAMPLE_SHA256
    assert result.path.read_bytes() == SAMPLE
    assert result.resumed_from == kept
    assert listing(downloads) == [name]

    resumed = cdn_gets(sim)[-1]
    assert resumed["range"] == f"bytes={kept}-"
    assert resumed["if-range"] == state.etag
    assert sim.journal.requests[-1].status == 206


async def test_checkpoints_resume_from_the_bytes_on_disk(
    video_url: str, downloads: Path, sim: Simulator
) -> None:
    """The last checkpoint may lag the .part; the resume starts at the .part's real size."""
    seen: list[ResumeState] = []

    async def record(state: ResumeState) -> None:
        # A checkpoint never claims bytes that are not in the file yet.
        assert state.part_path.stat().st_size >= state.bytes_done
        seen.append(state)

    sim.faults.add("GET", r"/cdn/", faults.truncate())
    async with Downloader(chunk_size=4096, reconnects=NO_RECONNECTS) as instance:
        with pytest.raises(DownloadIncompleteError):
            await instance.download(video_url, downloads, on_checkpoint=record)
        assert seen[0].bytes_done == 0  # the first checkpoint names the version up front
        assert seen[0].etag is not None
        assert seen[0].total == len(SAMPLE)
        result = await instance.download(video_url, downloads, resume=seen[-1])
    assert result.sha256 == SAMPLE_SHA256
    assert result.resumed_from == len(SAMPLE) // 2
    assert cdn_gets(sim)[-1]["range"] == f"bytes={len(SAMPLE) // 2}-"


async def test_changed_etag_restarts_from_zero_and_never_splices(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    error = await cut_short(downloader, video_url, downloads, sim)
    assert error.resume_state is not None
    sim.faults.add("GET", r"/cdn/", faults.change_etag())
    result = await downloader.download(video_url, downloads, resume=error.resume_state)

    new_version, new_etag = media_bytes(RENDER_FILE, 2)
    assert result.path.read_bytes() == new_version  # exactly the new file, not old + new
    assert result.sha256 == hashlib.sha256(new_version).hexdigest()
    assert result.resumed_from == 0
    assert result.etag == new_etag != error.resume_state.etag
    ranged = cdn_gets(sim)[-1]
    assert ranged["if-range"] == error.resume_state.etag
    assert sim.journal.requests[-1].status == 200  # If-Range mismatch: the whole new file


async def test_206_with_a_wrong_start_restarts_from_zero(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    error = await cut_short(downloader, video_url, downloads, sim)
    assert error.resume_state is not None
    offset = error.resume_state.bytes_done
    wrong = {
        "Content-Type": "video/mp4",
        "Content-Range": f"bytes {offset - 100}-{len(SAMPLE) - 1}/{len(SAMPLE)}",
    }
    sim.faults.add("GET", r"/cdn/", faults.status(206, SAMPLE[offset - 100 :], wrong))
    result = await downloader.download(video_url, downloads, resume=error.resume_state)
    assert result.sha256 == SAMPLE_SHA256
    assert result.resumed_from == 0
    ranged, full = cdn_gets(sim)[-2:]
    assert ranged["range"] == f"bytes={offset}-"
    assert "range" not in full


@pytest.mark.parametrize(
    "header",
    [
        "bytes {offset}-{last}/{other}",  # another length: another file
        "bytes {offset}-{short}/{total}",  # not to the end
        "bytes */{total}",  # nonsense for a 206
    ],
)
async def test_206_that_does_not_fit_restarts(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator, header: str
) -> None:
    error = await cut_short(downloader, video_url, downloads, sim)
    assert error.resume_state is not None
    offset = error.resume_state.bytes_done
    total = len(SAMPLE)
    value = header.format(
        offset=offset, last=total - 1, other=total + 5, short=total - 2, total=total
    )
    headers = {"Content-Type": "video/mp4", "Content-Range": value}
    sim.faults.add("GET", r"/cdn/", faults.status(206, SAMPLE[offset:], headers))
    result = await downloader.download(video_url, downloads, resume=error.resume_state)
    assert result.sha256 == SAMPLE_SHA256
    assert result.resumed_from == 0


async def test_206_showing_another_etag_restarts(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    """A server that ignores If-Range but shows a different version is not trusted."""
    error = await cut_short(downloader, video_url, downloads, sim)
    assert error.resume_state is not None
    offset = error.resume_state.bytes_done
    headers = {
        "Content-Type": "video/mp4",
        "Content-Range": f"bytes {offset}-{len(SAMPLE) - 1}/{len(SAMPLE)}",
        "ETag": '"another-version"',
    }
    sim.faults.add("GET", r"/cdn/", faults.status(206, SAMPLE[offset:], headers))
    result = await downloader.download(video_url, downloads, resume=error.resume_state)
    assert result.resumed_from == 0
    assert result.sha256 == SAMPLE_SHA256


async def whole_part(downloader: Downloader, url: str, folder: Path, sim: Simulator) -> ResumeState:
    """A resume state whose .part already holds the whole file (as after a crash at 100 %)."""
    error = await cut_short(downloader, url, folder, sim)
    assert error.resume_state is not None
    error.resume_state.part_path.write_bytes(SAMPLE)
    return error.resume_state


async def test_416_with_the_whole_file_local_completes_without_downloading(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    state = await whole_part(downloader, video_url, downloads, sim)
    result = await downloader.download(video_url, downloads, resume=state)
    assert result.sha256 == SAMPLE_SHA256
    assert result.resumed_from == len(SAMPLE)
    assert result.path.read_bytes() == SAMPLE
    assert cdn_gets(sim)[-1]["range"] == f"bytes={len(SAMPLE)}-"
    assert sim.journal.requests[-1].status == 416
    assert listing(downloads) == [result.path.name]


async def test_416_for_another_length_restarts(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    error = await cut_short(downloader, video_url, downloads, sim)
    assert error.resume_state is not None
    headers = {"Content-Range": f"bytes */{len(SAMPLE) + 10}"}
    sim.faults.add("GET", r"/cdn/", faults.status(416, "", headers))
    result = await downloader.download(video_url, downloads, resume=error.resume_state)
    assert result.resumed_from == 0
    assert result.sha256 == SAMPLE_SHA256
    assert "range" not in cdn_gets(sim)[-1]


async def test_a_weak_etag_falls_back_to_last_modified(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    error = await cut_short(downloader, video_url, downloads, sim)
    assert error.resume_state is not None
    state = error.resume_state
    weak = ResumeState(
        state.target_path,
        state.part_path,
        state.bytes_done,
        state.total,
        "W/" + (state.etag or ""),
        state.last_modified,
    )
    result = await downloader.download(video_url, downloads, resume=weak)
    assert result.resumed_from == state.bytes_done
    assert cdn_gets(sim)[-1]["if-range"] == state.last_modified


async def test_without_a_validator_the_download_starts_over(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    error = await cut_short(downloader, video_url, downloads, sim)
    assert error.resume_state is not None
    state = error.resume_state
    blind = ResumeState(state.target_path, state.part_path, state.bytes_done, None, None, None)
    result = await downloader.download(video_url, downloads, resume=blind)
    assert result.resumed_from == 0
    assert result.sha256 == SAMPLE_SHA256
    assert "range" not in cdn_gets(sim)[-1]


async def test_a_part_that_is_not_an_mp4_is_not_resumed(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    error = await cut_short(downloader, video_url, downloads, sim)
    assert error.resume_state is not None
    error.resume_state.part_path.write_bytes(b"<html>" + bytes(5000))
    result = await downloader.download(video_url, downloads, resume=error.resume_state)
    assert result.resumed_from == 0
    assert result.sha256 == SAMPLE_SHA256


async def test_an_expired_url_raises_and_keeps_the_part(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    url = video_url
    generation_id = url.rsplit("_", 1)[-1].removesuffix(".mp4")
    error = await cut_short(downloader, url, downloads, sim)
    assert error.resume_state is not None

    sim.faults.add("GET", r"/cdn/", faults.expire_url())
    with pytest.raises(DownloadURLExpiredError, match="may have expired") as caught:
        await downloader.download(url, downloads, resume=error.resume_state)
    expired = caught.value
    assert expired.status_code == 403
    assert not expired.resumable  # the same URL will not work again
    assert expired.resume_state is not None
    assert expired.resume_state.part_path.stat().st_size == error.resume_state.bytes_done
    with pytest.raises(DownloadURLExpiredError):  # and it stays expired
        await downloader.download(url, downloads, resume=expired.resume_state)

    fresh = sim.state.generation(generation_id).body["output_resources"][0]["url"]
    assert fresh == url + "?v=2"
    result = await downloader.download(fresh, downloads, resume=expired.resume_state)
    assert result.sha256 == SAMPLE_SHA256
    assert result.resumed_from == error.resume_state.bytes_done
    assert result.path.name == url.rsplit("/", 1)[-1]


@pytest.mark.parametrize("status", [404, 410])
async def test_gone_is_an_expired_url_too(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator, status: int
) -> None:
    sim.faults.add("GET", r"/cdn/", faults.status(status))
    with pytest.raises(DownloadURLExpiredError) as caught:
        await downloader.download(video_url, downloads)
    assert caught.value.status_code == status
    assert caught.value.resume_state is None  # nothing was kept
    assert listing(downloads) == []


async def test_a_file_already_moved_into_place_is_adopted(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    """Killed after the rename but before the tracker recorded it: nothing is fetched again."""
    state = await whole_part(downloader, video_url, downloads, sim)
    state.part_path.rename(state.target_path)
    before = len(sim.journal)
    result = await downloader.download(video_url, downloads, resume=state)
    assert result.path == state.target_path
    assert result.sha256 == SAMPLE_SHA256
    assert not result.renamed
    assert len(sim.journal) == before


async def test_resuming_beside_an_unrelated_file_never_overwrites_it(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    error = await cut_short(downloader, video_url, downloads, sim)
    assert error.resume_state is not None
    error.resume_state.target_path.write_bytes(b"precious")
    result = await downloader.download(video_url, downloads, resume=error.resume_state)
    assert result.renamed
    assert result.path.name.endswith(" (2).mp4")
    assert error.resume_state.target_path.read_bytes() == b"precious"


async def test_a_part_outside_the_target_folder_is_refused(
    downloader: Downloader, video_url: str, downloads: Path, tmp_path: Path
) -> None:
    state = ResumeState(downloads / "a.mp4", tmp_path / ".a.mp4.part", 10, None, '"x"', None)
    with pytest.raises(DownloadError, match="not in"):
        await downloader.download(video_url, downloads, resume=state)


async def test_resumed_progress_starts_at_the_offset(
    video_url: str, downloads: Path, sim: Simulator
) -> None:
    async with Downloader(chunk_size=1024, reconnects=NO_RECONNECTS) as instance:
        error = await cut_short(instance, video_url, downloads, sim)
        assert error.resume_state is not None
        reports: list[DownloadProgress] = []
        await instance.download(
            video_url, downloads, resume=error.resume_state, progress=reports.append
        )
    assert reports[0].bytes > error.resume_state.bytes_done
    assert reports[-1].bytes == reports[-1].total == len(SAMPLE)


async def test_a_web_page_on_resume_discards_the_part(
    downloader: Downloader, video_url: str, downloads: Path, sim: Simulator
) -> None:
    """Matrix row 12: HTML instead of the video leaves neither a target nor a .part."""
    error = await cut_short(downloader, video_url, downloads, sim)
    assert error.resume_state is not None
    sim.faults.add("GET", r"/cdn/", faults.html())
    with pytest.raises(DownloadVerificationError, match="web page"):
        await downloader.download(video_url, downloads, resume=error.resume_state)
    assert listing(downloads) == []
