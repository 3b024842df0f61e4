"""The aiohttp-backed httpx transport against the simulator's faults, over real sockets.

Each failure must surface as the httpx error httpcore raises for it (the downloader's error
messages and resume logic depend on the class), after every byte that arrived before it.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import socket
import ssl
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest
import trustme
from aiohttp import web
from aiohttp.client_proto import ResponseHandler

from genpro_desktop.core.http.aiohttp_transport import AiohttpTransport, preferred_transport
from genpro_desktop.core.resources import resource_path
from genpro_desktop.simulator import Simulator, faults

SAMPLE = resource_path("sample/render.mp4").read_bytes()
CDN = r"/cdn/"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on the transport, with short timeouts so the timeout tests are quick."""
    timeout = httpx.Timeout(connect=5.0, read=0.3, write=5.0, pool=5.0)
    async with httpx.AsyncClient(transport=AiohttpTransport(), timeout=timeout) as instance:
        yield instance


async def receive(client: httpx.AsyncClient, url: str, got: bytearray) -> httpx.Response:
    """GET ``url``, appending the body's bytes to ``got`` as they arrive."""
    async with client.stream("GET", url) as response:
        async for piece in response.aiter_bytes():
            got += piece
    return response


def cdn_requests(sim: Simulator) -> int:
    return sum(1 for entry in sim.journal.requests if entry.is_cdn)


# -- answers ----------------------------------------------------------------------------------


async def test_a_whole_body_arrives_with_status_headers_and_reason(
    client: httpx.AsyncClient, video_url: str, sim: Simulator
) -> None:
    got = bytearray()
    response = await receive(client, video_url, got)
    assert bytes(got) == SAMPLE
    assert response.status_code == 200
    assert response.reason_phrase == "OK"
    assert response.http_version == "HTTP/1.1"
    assert response.headers["content-type"] == "video/mp4"
    assert int(response.headers["content-length"]) == len(SAMPLE)
    # Only the request's own headers went out: no cookie, no aiohttp defaults.
    sent = {key.lower(): value for key, value in sim.journal.requests[-1].headers.items()}
    assert sent["accept-encoding"] == client.headers["accept-encoding"]
    assert sent["user-agent"] == client.headers["user-agent"]
    assert "cookie" not in sent


async def test_redirects_are_left_to_the_client(
    client: httpx.AsyncClient, video_url: str, sim: Simulator
) -> None:
    sim.faults.add("GET", CDN, faults.status(302, "", {"Location": "/elsewhere.mp4"}))
    response = await client.get(video_url)  # this client does not follow redirects
    assert response.status_code == 302
    assert response.headers["location"] == "/elsewhere.mp4"
    assert cdn_requests(sim) == 1


async def test_bodies_come_up_raw_and_httpx_decodes_them(
    client: httpx.AsyncClient, video_url: str, sim: Simulator
) -> None:
    packed = gzip.compress(b"plain text " * 1000)
    headers = {"Content-Type": "text/plain", "Content-Encoding": "gzip"}
    sim.faults.add("GET", CDN, faults.status(200, packed, headers), times=2)
    async with client.stream("GET", video_url) as response:
        raw = b"".join([piece async for piece in response.aiter_raw()])
    assert raw == packed
    assert (await client.get(video_url)).content == b"plain text " * 1000


# -- blocks -----------------------------------------------------------------------------------

MIB = 1024 * 1024


@pytest.fixture
def big_file_url(sim: Simulator, tmp_path: Path) -> tuple[str, bytes]:
    """A 4 MiB file the simulator sends from disk (sendfile), so the body spans many reads."""
    body = os.urandom(4 * MIB)
    path = tmp_path / "big.mp4"
    path.write_bytes(body)
    sim.state.media_files["big.mp4"] = path
    return f"{sim.cdn_base_url}/files/big.mp4", body


class FedBlocks:
    """Spies on aiohttp's body buffer: the blocks its parser fed in, and asyncio's read size
    on the connection at the time (reading is not changed)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ids: set[int] = set()
        self.read_sizes: set[int] = set()
        self.keep: list[bytes] = []  # so an id is never reused while the test runs
        self.buffered = asyncio.Event()  # three blocks fed: the reader has a backlog
        feed, received = aiohttp.StreamReader.feed_data, ResponseHandler.data_received

        def spy_feed(reader: aiohttp.StreamReader, data: bytes, size: int = 0) -> bool:
            self.ids.add(id(data))
            self.keep.append(data)
            if len(self.keep) >= 3:
                self.buffered.set()
            return feed(reader, data, size)

        def spy_received(protocol: ResponseHandler, data: bytes) -> None:
            self.read_sizes.add(getattr(protocol.transport, "max_size", 0))
            received(protocol, data)

        monkeypatch.setattr(aiohttp.StreamReader, "feed_data", spy_feed)
        monkeypatch.setattr(ResponseHandler, "data_received", spy_received)


async def test_body_blocks_go_up_as_received_without_copies(
    big_file_url: tuple[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    # iter_chunked(read_size) re-cut a backlog into read_size pieces: slices of one block
    # joined to slices of the next, new bytes objects (two extra copies of each byte).
    fed = FedBlocks(monkeypatch)
    url, body = big_file_url
    transport = AiohttpTransport(read_size=100_000)
    async with (
        httpx.AsyncClient(transport=transport) as reader,
        reader.stream("GET", url) as response,
    ):
        await asyncio.wait_for(fed.buffered.wait(), 10)  # failsafe only; never reached
        blocks = [block async for block in response.aiter_raw()]
    assert b"".join(blocks) == body
    assert len(blocks) > 3
    assert all(id(block) in fed.ids for block in blocks)  # the very objects aiohttp received


async def test_the_socket_is_read_up_to_read_size_at_a_time(
    big_file_url: tuple[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    fed = FedBlocks(monkeypatch)
    url, body = big_file_url
    async with httpx.AsyncClient(transport=AiohttpTransport(read_size=MIB)) as reader:
        assert (await reader.get(url)).content == body
        assert MIB in fed.read_sizes  # the body's reads (asyncio's 256 KiB read the head)
        fed.read_sizes.clear()
        assert (await reader.get(url)).content == body
    assert fed.read_sizes == {MIB}  # the pooled connection kept it, head included


@pytest.fixture
async def tls_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[str, bytes]]:
    """A 4 MiB body over TLS from a local aiohttp server whose test CA the client trusts."""
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))  # httpx's context reads it
    body = os.urandom(4 * MIB)

    async def answer(_request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="video/mp4")

    app = web.Application()
    app.router.add_get("/big.mp4", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    await web.SockSite(runner, listener, ssl_context=server_context).start()
    try:
        yield f"https://127.0.0.1:{port}/big.mp4", body
    finally:
        await runner.cleanup()


async def test_tls_reads_are_up_to_read_size_too(
    tls_url: tuple[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    # asyncio's TLS layer reads (and decrypts) 256 KiB at a time unless told.
    sizes: set[int] = set()
    received = ResponseHandler.data_received

    def spy(protocol: ResponseHandler, data: bytes) -> None:
        tls = getattr(protocol.transport, "_ssl_protocol", None)
        sizes.add(getattr(tls, "max_size", 0))
        received(protocol, data)

    monkeypatch.setattr(ResponseHandler, "data_received", spy)
    url, body = tls_url
    async with httpx.AsyncClient(transport=AiohttpTransport(read_size=MIB)) as reader:
        assert (await reader.get(url)).content == body
    assert MIB in sizes


async def test_a_chunked_body_arrives_whole_across_its_chunk_ends() -> None:
    # readchunk() marks each HTTP chunk's end with an empty block; none may end the body early.
    pieces = [os.urandom(size) for size in (1, 70_000, 0x10000, 300_000, 5)]

    async def answer(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for piece in pieces:
            await response.write(piece)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/chunked.mp4", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    await web.SockSite(runner, listener).start()
    try:
        async with httpx.AsyncClient(transport=AiohttpTransport()) as reader:
            got = bytearray()
            response = await receive(reader, f"http://127.0.0.1:{port}/chunked.mp4", got)
        assert response.headers["transfer-encoding"] == "chunked"
        assert bytes(got) == b"".join(pieces)
    finally:
        await runner.cleanup()


# -- failures ---------------------------------------------------------------------------------


async def test_a_reset_is_a_read_error_and_is_not_retried(
    client: httpx.AsyncClient, video_url: str, sim: Simulator
) -> None:
    sim.faults.add("GET", CDN, faults.reset())
    with pytest.raises(httpx.ReadError):
        await client.get(video_url)
    assert cdn_requests(sim) == 1  # aiohttp's own retry is off: retrying is the caller's call


async def test_a_truncated_body_delivers_what_arrived_then_a_protocol_error(
    client: httpx.AsyncClient, video_url: str, sim: Simulator
) -> None:
    sim.faults.add("GET", CDN, faults.truncate())
    got = bytearray()
    with pytest.raises(httpx.RemoteProtocolError, match="content length"):
        await receive(client, video_url, got)
    assert bytes(got) == SAMPLE[: len(SAMPLE) // 2]


async def test_a_body_closed_early_delivers_what_arrived_then_a_protocol_error(
    client: httpx.AsyncClient, video_url: str, sim: Simulator
) -> None:
    sim.faults.add("GET", CDN, faults.hold_body("cut", 100_000))
    got = bytearray()

    async def receive_then_drop() -> None:
        async with client.stream("GET", video_url) as response:
            async for piece in response.aiter_bytes():
                got.extend(piece)
                if len(got) >= 100_000:  # the server holds the rest: make it close early
                    assert await sim.faults.until_held("cut")
                    sim.faults.release("cut", drop=True)

    with pytest.raises(httpx.RemoteProtocolError):
        await receive_then_drop()
    assert bytes(got) == SAMPLE[:100_000]


async def test_a_server_that_goes_quiet_mid_body_is_a_read_timeout(
    client: httpx.AsyncClient, video_url: str, sim: Simulator
) -> None:
    sim.faults.add("GET", CDN, faults.hold_body("quiet", 50_000))
    got = bytearray()
    try:
        with pytest.raises(httpx.ReadTimeout):
            await receive(client, video_url, got)
    finally:
        sim.faults.release("quiet", drop=True)
    assert bytes(got) == SAMPLE[:50_000]


async def test_a_server_that_never_answers_is_a_read_timeout(
    client: httpx.AsyncClient, video_url: str, sim: Simulator
) -> None:
    sim.faults.add("GET", CDN, faults.hold("silent"))
    try:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(video_url)
    finally:
        sim.faults.release("silent", drop=True)


async def test_the_read_timeout_is_per_read_not_for_the_whole_body(
    video_url: str, sim: Simulator
) -> None:
    # ~1.5 s in all, a piece every ~0.1 s: slower than the read timeout overall, never per read.
    sim.faults.add("GET", CDN, faults.slow(len(SAMPLE) / 1.5, chunk_size=16 * 1024))
    timeout = httpx.Timeout(5.0, read=1.0)
    async with httpx.AsyncClient(transport=AiohttpTransport(), timeout=timeout) as slow_reader:
        response = await slow_reader.get(video_url)
    assert response.content == SAMPLE


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_nobody_listening_is_a_connect_error(client: httpx.AsyncClient) -> None:
    with pytest.raises(httpx.ConnectError):
        await client.get(f"http://127.0.0.1:{_free_port()}/video.mp4")


@pytest.fixture
def full_listener() -> Iterator[int]:
    """A port whose listen queue is full, so a new connection is never completed (Linux)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = int(server.getsockname()[1])
    fillers: list[socket.socket] = []
    try:
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            fillers.append(filler)
            filler.connect_ex(("127.0.0.1", port))
        yield port
    finally:
        for filler in fillers:
            filler.close()
        server.close()


@pytest.mark.skipif(sys.platform != "linux", reason="relies on Linux dropping SYNs on a full queue")
async def test_a_connect_that_hangs_is_a_connect_timeout(full_listener: int) -> None:
    timeout = httpx.Timeout(5.0, connect=0.3)
    async with httpx.AsyncClient(transport=AiohttpTransport(), timeout=timeout) as impatient:
        with pytest.raises(httpx.ConnectTimeout):
            await impatient.get(f"http://127.0.0.1:{full_listener}/video.mp4")


async def test_a_closed_transport_refuses_requests(video_url: str) -> None:
    transport = AiohttpTransport()
    async with httpx.AsyncClient(transport=transport) as closing:
        assert (await closing.get(video_url)).status_code == 200
    with pytest.raises(RuntimeError, match="closed"):
        await transport.handle_async_request(httpx.Request("GET", video_url))


def test_a_configured_proxy_keeps_httpx_own_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    assert isinstance(preferred_transport(), AiohttpTransport)
    monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
    assert preferred_transport() is None  # only httpx's transport honours the proxy
