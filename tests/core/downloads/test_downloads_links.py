"""A download never writes through a planted link, refuses odd targets, and fits long names
(issue 14 item 1), over real sockets against the simulator."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from genpro_desktop.core.downloads import (
    Downloader,
    DownloadError,
    ResumeState,
    part_path_for,
)
from genpro_desktop.core.downloads.part import open_part
from genpro_desktop.core.resources import resource_path

SAMPLE = resource_path("sample/render.mp4").read_bytes()
SAMPLE_SHA256 = hashlib.sha256(SAMPLE).hexdigest()
VICTIM = b"someone else's precious file\n"

needs_symlinks = pytest.mark.skipif(
    not hasattr(os, "symlink") or os.name == "nt", reason="symbolic links need privileges here"
)


def content(path: Path) -> bytes:
    return path.read_bytes()


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def lexists(path: Path | str) -> bool:
    return os.path.lexists(path)


def hard_link(at: Path, victim: Path, data: bytes) -> None:
    victim.write_bytes(data)
    os.link(victim, at)


def plant(at: Path, victim: Path, data: bytes | None = None) -> None:
    if data is not None:
        victim.write_bytes(data)
    at.symlink_to(victim)


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "victim.txt"
    path.parent.mkdir()
    path.write_bytes(VICTIM)
    return path


@needs_symlinks
async def test_a_link_planted_at_the_part_name_is_not_written_through(
    downloader: Downloader, video_url: str, downloads: Path, victim: Path
) -> None:
    target = downloads / "clip.mp4"
    plant(part_path_for(target), victim)
    result = await downloader.download(video_url, target)
    assert content(victim) == VICTIM
    assert result.path == target
    assert not target.is_symlink()
    assert content(target) == SAMPLE
    assert result.sha256 == SAMPLE_SHA256
    assert not lexists(part_path_for(target))


@needs_symlinks
async def test_a_resume_never_appends_through_a_link(
    downloader: Downloader, video_url: str, downloads: Path, victim: Path
) -> None:
    """The link points at a file that even looks like a valid prefix of the video."""
    target = downloads / "clip.mp4"
    part = part_path_for(target)
    plant(part, victim, SAMPLE[:1000])
    head = await downloader.download(video_url, downloads / "probe.mp4")
    state = ResumeState(target, part, 1000, len(SAMPLE), head.etag, head.last_modified)
    result = await downloader.download(video_url, downloads, resume=state)
    assert content(victim) == SAMPLE[:1000]  # not one byte appended
    assert result.resumed_from == 0  # started over in a file of its own
    assert not result.path.is_symlink()
    assert content(result.path) == SAMPLE


async def test_a_resume_never_appends_to_a_hard_link(
    downloader: Downloader, video_url: str, downloads: Path, victim: Path
) -> None:
    target = downloads / "clip.mp4"
    part = part_path_for(target)
    hard_link(part, victim, SAMPLE[:1000])
    head = await downloader.download(video_url, downloads / "probe.mp4")
    state = ResumeState(target, part, 1000, len(SAMPLE), head.etag, head.last_modified)
    result = await downloader.download(video_url, downloads, resume=state)
    assert content(victim) == SAMPLE[:1000]
    assert result.resumed_from == 0
    assert content(result.path) == SAMPLE


@needs_symlinks
def test_the_opener_refuses_to_append_through_a_link(tmp_path: Path, victim: Path) -> None:
    part = tmp_path / ".x.mp4.part"
    part.symlink_to(victim)
    with pytest.raises(OSError, match=r"symbolic link|Too many levels"):
        open_part(part, "ab")
    with open_part(part, "wb") as fresh:  # a fresh start replaces the link, not its target
        fresh.write(b"new")
    assert not part.is_symlink()
    assert content(victim) == VICTIM


@needs_symlinks
@pytest.mark.parametrize("overwrite", [False, True])
async def test_a_target_that_is_a_link_is_refused(
    downloader: Downloader, video_url: str, downloads: Path, victim: Path, overwrite: bool
) -> None:
    target = downloads / "clip.mp4"
    plant(target, victim)
    with pytest.raises(DownloadError, match="is a symbolic link; refusing"):
        await downloader.download(video_url, target, overwrite=overwrite)
    assert content(victim) == VICTIM
    assert names(downloads) == ["clip.mp4"]


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null here")
async def test_a_device_is_not_a_target(downloader: Downloader, video_url: str) -> None:
    with pytest.raises(DownloadError, match="/dev/null is not a regular file"):
        await downloader.download(video_url, "/dev/null")
    assert not lexists("/dev/null (2)")


async def test_a_250_character_name_downloads_and_so_does_its_numbered_twin(
    downloader: Downloader, video_url: str, downloads: Path
) -> None:
    name = "v" * 246 + ".mp4"
    first = await downloader.download(video_url, downloads / name)
    assert first.path.name == name
    assert first.sha256 == SAMPLE_SHA256
    second = await downloader.download(video_url, downloads / name)
    assert second.path != first.path
    assert second.path.name.endswith(" (2).mp4")
    assert len(second.path.name.encode()) <= 255
    assert content(second.path) == SAMPLE


def test_part_names_stay_within_the_limit_and_apart() -> None:
    short = Path("/d/clip.mp4")
    assert part_path_for(short) == Path("/d/.clip.mp4.part")
    one, two = Path("/d") / ("é" * 124 + "a.mp4"), Path("/d") / ("é" * 124 + "b.mp4")
    assert len(one.name.encode()) == 253
    parts = {part_path_for(one), part_path_for(two)}
    assert len(parts) == 2
    for part in parts:
        assert len(part.name.encode()) <= 255
        assert part.name.startswith(".")
        assert part.name.endswith(".part")
        part.name.encode().decode()  # never a cut UTF-8 sequence
