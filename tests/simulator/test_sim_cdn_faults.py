"""CDN fault actions: slow streaming, a changed file version, an expired URL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from simkit import AGENT, http

from genpro_desktop.simulator import Simulator, faults
from genpro_desktop.simulator.media import RENDER_FILE, media_bytes

VIDEO = (Path(__file__).resolve().parents[2] / "resources" / "sample" / "render.mp4").read_bytes()


@pytest.fixture
def cdn() -> Iterator[httpx.Client]:
    with http() as client:
        yield client


@pytest.fixture
def seeded(api: httpx.Client) -> tuple[str, str]:
    """(generation id, CDN URL) of a render the seed already completed."""
    row = api.get("/vidsheet/9101", params=AGENT).json()["spreadsheet_rows"][0]
    cell = row["spreadsheet_cells"][4]
    return str(cell["default_user_job"]["id"]), cell["value"]


def test_slow_streams_the_real_answer(
    cdn: httpx.Client, seeded: tuple[str, str], sim: Simulator
) -> None:
    _, url = seeded
    sim.faults.add("GET", r"^/cdn/", faults.slow(2_000_000, chunk_size=8192))
    started = time.monotonic()
    response = cdn.get(url)
    elapsed = time.monotonic() - started
    assert response.content == VIDEO
    assert response.headers["Content-Length"] == str(len(VIDEO))
    assert response.headers["ETag"].startswith('"')
    assert elapsed >= 0.8 * len(VIDEO) / 2_000_000
    assert sim.journal.wait_count("GET", r"^/cdn/", 1)  # recorded once the handler returns
    assert sim.journal.last("GET", r"^/cdn/").fault == "slow(2000000.0)"


def test_slow_keeps_ranges(cdn: httpx.Client, seeded: tuple[str, str], sim: Simulator) -> None:
    _, url = seeded
    sim.faults.add("GET", r"^/cdn/", faults.slow(5_000_000))
    response = cdn.get(url, headers={"Range": "bytes=1000-"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 1000-{len(VIDEO) - 1}/{len(VIDEO)}"
    assert response.content == VIDEO[1000:]


def test_slow_to_a_client_that_leaves(seeded: tuple[str, str], sim: Simulator) -> None:
    _, url = seeded
    sim.faults.add("GET", r"^/cdn/", faults.slow(50_000, chunk_size=1000))
    with http() as client, client.stream("GET", url) as response:
        assert next(response.iter_raw())
    # The server noticed the closed connection and finished the request.
    assert sim.journal.wait_count("GET", r"^/cdn/", 1)
    with http() as client:
        assert client.get(url).content == VIDEO


def test_slow_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="positive"):
        faults.slow(0)


def test_change_etag_serves_a_new_version_for_good(
    cdn: httpx.Client, seeded: tuple[str, str], sim: Simulator
) -> None:
    _, url = seeded
    old = cdn.head(url).headers
    sim.faults.add("GET", r"^/cdn/", faults.change_etag())
    first = cdn.get(url, headers={"Range": "bytes=100-", "If-Range": old["ETag"]})
    assert first.status_code == 200  # If-Range names the old version: the whole new file
    new_bytes, new_etag = media_bytes(RENDER_FILE, 2)
    assert first.content == new_bytes != VIDEO
    assert new_bytes[:8] == VIDEO[:8]  # still an MP4 (ftyp box first)
    assert first.headers["ETag"] == new_etag != old["ETag"]
    assert first.headers["Last-Modified"] != old["Last-Modified"]
    assert first.headers["Content-Length"] == str(len(new_bytes))

    again = cdn.get(url, headers={"Range": "bytes=100-", "If-Range": new_etag})
    assert again.status_code == 206
    assert again.content == new_bytes[100:]
    assert cdn.get(url).content == new_bytes  # every later request sees the new version


def test_expire_url_then_a_fresh_link_from_the_generation(
    api: httpx.Client, cdn: httpx.Client, seeded: tuple[str, str], sim: Simulator
) -> None:
    generation_id, url = seeded
    sim.faults.add("GET", r"^/cdn/outputs/", faults.expire_url())
    first = cdn.get(url)
    assert first.status_code == 403
    assert "expired" in first.text
    assert cdn.get(url).status_code == 403  # the old link stays dead

    generation = api.get(f"/generations/{generation_id}").json()
    fresh = generation["output_resources"][0]["url"]
    assert fresh == url + "?v=2"
    row = api.get("/vidsheet/9101", params=AGENT).json()["spreadsheet_rows"][0]
    assert row["spreadsheet_cells"][4]["value"] == fresh
    response = cdn.get(fresh)
    assert response.status_code == 200
    assert response.content == VIDEO
    assert cdn.get(url + "?v=1").status_code == 403
    assert sim.state.url_version(generation_id) == 2


def test_other_renders_keep_their_links(
    api: httpx.Client, cdn: httpx.Client, seeded: tuple[str, str], sim: Simulator
) -> None:
    generation_id, _url = seeded
    sim.state.expire_output_url(generation_id)
    others = [
        cell["value"]
        for row in api.get("/vidsheet/9101", params=AGENT).json()["spreadsheet_rows"][1:]
        for cell in row["spreadsheet_cells"]
        if isinstance(cell["value"], str) and "/cdn/outputs/" in cell["value"]
    ]
    assert others
    assert all("?v=" not in other for other in others)
    assert cdn.get(others[0]).status_code == 200


def _read_until_failure(client: httpx.Client, url: str, headers: dict[str, str]) -> bytes:
    """The bytes of a body that ends early; raises the client's error with them attached."""
    got = bytearray()
    try:
        with client.stream("GET", url, headers=headers) as response:
            start = int(headers.get("Range", "bytes=0-")[6:-1])
            assert response.headers["Content-Length"] == str(len(VIDEO) - start)
            for piece in response.iter_raw():
                got += piece
    except httpx.TransportError as exc:
        return bytes(got) + f"|{type(exc).__name__}".encode()
    return bytes(got)


@pytest.mark.parametrize("reset", [False, True])
def test_cut_sends_n_bytes_of_each_answer_then_ends_it_and_then_behaves(
    cdn: httpx.Client, seeded: tuple[str, str], sim: Simulator, reset: bool
) -> None:
    _, url = seeded
    sim.faults.add("GET", r"^/cdn/", faults.cut(30_000, reset=reset), times=2)
    first = _read_until_failure(cdn, url, {})
    assert first.startswith(VIDEO[:30_000] + b"|")
    second = _read_until_failure(cdn, url, {"Range": "bytes=30000-"})
    assert second.startswith(VIDEO[30_000:60_000] + b"|")
    assert cdn.get(url, headers={"Range": "bytes=60000-"}).content == VIDEO[60_000:]
    assert sim.journal.wait_count("GET", r"^/cdn/", 3)
    assert [e.fault for e in sim.journal.find("GET", r"^/cdn/")] == ["cut(30000)"] * 2 + [None]


def test_stall_sends_n_bytes_then_goes_quiet(seeded: tuple[str, str], sim: Simulator) -> None:
    _, url = seeded
    sim.faults.add("GET", r"^/cdn/", faults.stall(20_000, seconds=10))
    with http(timeout=httpx.Timeout(5.0, read=1.0)) as quick:
        got = _read_until_failure(quick, url, {})
    assert got == VIDEO[:20_000] + b"|ReadTimeout"


def test_cut_and_stall_refuse_a_negative_offset() -> None:
    with pytest.raises(ValueError, match="negative"):
        faults.cut(-1)
    with pytest.raises(ValueError, match="negative"):
        faults.stall(-1)
