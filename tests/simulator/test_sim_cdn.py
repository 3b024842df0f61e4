"""The simulated CDN: full and ranged downloads, validators, HEAD, 404s, no key needed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from simkit import AGENT, http, render_id

from genpro_desktop.simulator import ManualClock, Simulator

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "sample"
VIDEO = (SAMPLES / "render.mp4").read_bytes()
THUMBNAIL = (SAMPLES / "thumbnail.jpg").read_bytes()


@pytest.fixture
def cdn() -> Iterator[httpx.Client]:
    with http(timeout=5.0) as client:
        yield client


@pytest.fixture
def video_url(api: httpx.Client, sim: Simulator, sim_clock: ManualClock) -> str:
    generation_id = render_id(api)
    sim_clock.advance(8)
    return f"{sim.cdn_base_url}/outputs/render_{generation_id}.mp4"


def test_full_download(cdn: httpx.Client, video_url: str) -> None:
    response = cdn.get(video_url)
    assert response.status_code == 200
    assert response.content == VIDEO
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["Content-Length"] == str(len(VIDEO))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Last-Modified"] == "Fri, 27 Nov 2026 12:00:08 GMT"
    assert response.content[4:8] == b"ftyp"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, len(VIDEO) - 1),
        ("bytes=-500", len(VIDEO) - 500, len(VIDEO) - 1),
        ("bytes=100-99999999", 100, len(VIDEO) - 1),
        ("bytes=-99999999", 0, len(VIDEO) - 1),
    ],
)
def test_ranges(cdn: httpx.Client, video_url: str, header: str, start: int, end: int) -> None:
    response = cdn.get(video_url, headers={"Range": header})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{len(VIDEO)}"
    assert response.headers["Content-Length"] == str(end - start + 1)
    assert response.content == VIDEO[start : end + 1]


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-5", "bytes=9-2", "bytes=abc"])
def test_ranges_the_server_ignores(cdn: httpx.Client, video_url: str, header: str) -> None:
    response = cdn.get(video_url, headers={"Range": header})
    assert response.status_code == 200
    assert response.content == VIDEO


@pytest.mark.parametrize("header", [f"bytes={len(VIDEO)}-", "bytes=-0"])
def test_unsatisfiable_range(cdn: httpx.Client, video_url: str, header: str) -> None:
    response = cdn.get(video_url, headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(VIDEO)}"


def test_if_range_with_the_current_etag_resumes(cdn: httpx.Client, video_url: str) -> None:
    etag = cdn.head(video_url).headers["ETag"]
    response = cdn.get(video_url, headers={"Range": "bytes=100-", "If-Range": etag})
    assert response.status_code == 206
    assert response.content == VIDEO[100:]


@pytest.mark.parametrize("validator", ['"stale-etag"', 'W/"weak"', "Tue, 01 Jan 2030 00:00:00 GMT"])
def test_if_range_mismatch_sends_the_whole_file(
    cdn: httpx.Client, video_url: str, validator: str
) -> None:
    response = cdn.get(video_url, headers={"Range": "bytes=100-", "If-Range": validator})
    assert response.status_code == 200
    assert response.content == VIDEO


def test_if_range_with_the_last_modified_date(cdn: httpx.Client, video_url: str) -> None:
    modified = cdn.head(video_url).headers["Last-Modified"]
    response = cdn.get(video_url, headers={"Range": "bytes=0-9", "If-Range": modified})
    assert response.status_code == 206


def test_if_none_match(cdn: httpx.Client, video_url: str) -> None:
    etag = cdn.head(video_url).headers["ETag"]
    assert cdn.get(video_url, headers={"If-None-Match": etag}).status_code == 304


def test_head(cdn: httpx.Client, video_url: str) -> None:
    response = cdn.head(video_url)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(VIDEO))
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.content == b""
    ranged = cdn.head(video_url, headers={"Range": "bytes=0-9"})
    assert (ranged.status_code, ranged.headers["Content-Length"]) == (206, "10")


def test_thumbnail(cdn: httpx.Client, video_url: str) -> None:
    url = video_url.replace("/outputs/", "/thumbnails/").replace(".mp4", ".jpg")
    response = cdn.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.content == THUMBNAIL


def test_outputs_exist_only_once_the_render_completed(
    api: httpx.Client, cdn: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    generation_id = render_id(api)
    url = f"{sim.cdn_base_url}/outputs/render_{generation_id}.mp4"
    assert cdn.get(url).status_code == 404
    sim_clock.advance(8)
    assert cdn.get(url).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/outputs/render_999999.mp4",
        "/outputs/render_880001.mov",
        "/outputs/other.mp4",
        "/thumbnails/render_999999.jpg",
        "/uploads/unknown.mp4",
        "/elsewhere/render_880001.mp4",
        "/outputs/deeper/render_880001.mp4",
    ],
)
def test_unknown_media_is_404(cdn: httpx.Client, sim: Simulator, path: str) -> None:
    assert cdn.get(sim.cdn_base_url + path).status_code == 404


def test_seeded_renders_and_layer_uploads_are_served(
    api: httpx.Client, cdn: httpx.Client, sim: Simulator
) -> None:
    data = api.get("/vidsheet/9101", params=AGENT).json()
    cells = data["spreadsheet_rows"][0]["spreadsheet_cells"]
    assert cdn.get(cells[4]["value"]).status_code == 200
    clip = cells[3]["video_layers"][0]["additional_attributes"]["src"]
    assert clip.startswith(sim.cdn_base_url + "/uploads/")
    assert cdn.get(clip).content == VIDEO


def test_cdn_needs_no_key_and_the_journal_shows_none_was_sent(
    cdn: httpx.Client, sim: Simulator, video_url: str
) -> None:
    sim.journal.clear()
    cdn.get(video_url)
    [entry] = sim.journal.find("GET", r"^/cdn/")
    assert entry.is_cdn
    assert (entry.status, entry.had_api_key) == (200, False)
