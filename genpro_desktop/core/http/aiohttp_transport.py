"""An httpx transport that sends requests with aiohttp, for the downloader's big bodies.

httpx's own stack (httpcore + h11 + anyio) spends about 2 s of event-loop CPU per GiB receiving
a body on loopback; aiohttp's client, with its C parser, needs about a quarter of that. So the
``Downloader`` keeps its ``httpx.AsyncClient`` (redirects, the ``vet_request`` hook on every hop,
headers, timeouts, decoding) and only swaps what moves the bytes: ``AiohttpTransport``.

What aiohttp is told, so that the client above behaves exactly as with httpx's transport:

- no retries (aiohttp would resend once after a dropped connection; httpcore does not),
  no redirects (the httpx client follows them, so every hop is vetted), no cookies, no
  ``.netrc`` or proxy settings from the environment (``trust_env=False``; the downloader uses
  httpx's transport when a proxy is configured), no automatic headers beyond the request's own,
  no decompression (the raw bytes go up; httpx decodes as before);
- the request's httpx timeouts (``request.extensions["timeout"]``): ``connect`` for the socket
  connect, ``pool`` + ``connect`` for getting a connection at all, ``read`` for the response
  head and again for every read of the body (no overall limit);
- TLS with httpx's default context (certifi's roots, as before).

Errors are raised as the httpx exceptions that httpcore raises for the same failure:
``ConnectError``/``ConnectTimeout`` while connecting, ``ReadTimeout`` when the server goes
quiet, ``ReadError`` for a reset or other socket error, ``RemoteProtocolError`` when the server
closes early (before the head, or before Content-Length / the last chunk) or sends bad HTTP.

aiohttp is imported with this module; the desktop app imports the downloader only after its
first paint.
"""

from __future__ import annotations

import contextlib
import urllib.request
from collections.abc import AsyncIterator, Generator, Mapping
from typing import Any, NoReturn, cast

import aiohttp
import httpx
from yarl import URL

# The socket is read up to this much at a time (asyncio's own size, for small answers); the body
# goes up in the blocks received, never re-cut. The downloader asks for more (``read_size``).
DEFAULT_READ_SIZE = 256 * 1024
# aiohttp's per-connection buffer (its default is 64 KiB); reading pauses above about twice it.
DEFAULT_READ_BUFSIZE = 1024 * 1024
# Hop-by-hop and framing headers: aiohttp writes its own for the body it sends.
_SKIPPED_HEADERS = frozenset({b"connection", b"content-length", b"transfer-encoding"})
# aiohttp adds these unless told not to; the httpx request already carries what it wants.
_NO_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent")

__all__ = ["DEFAULT_READ_BUFSIZE", "DEFAULT_READ_SIZE", "AiohttpTransport", "preferred_transport"]


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests through one owned ``aiohttp.ClientSession`` (made on first use).

    Use it from one event loop; ``aclose`` (called by the httpx client's ``aclose``) closes the
    session and its connections.

    ``read_size`` is how much one read of the socket may take (asyncio reads at most 256 KiB,
    with or without TLS). Every block read costs the same Python work (the protocol, aiohttp's
    parser and timeout, httpx's stream, the downloader's loop and its writer threads' wake-ups)
    whatever its size, so a big download is cheaper per GiB in bigger blocks.
    """

    def __init__(
        self,
        *,
        read_size: int = DEFAULT_READ_SIZE,
        read_bufsize: int = DEFAULT_READ_BUFSIZE,
    ) -> None:
        self._read_size = read_size
        self._read_bufsize = read_bufsize
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def _session_now(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("the transport is closed")
        if self._session is None:
            connector = aiohttp.TCPConnector(ssl=httpx.create_ssl_context(), limit=0)
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                trust_env=False,
                read_bufsize=self._read_bufsize,
                skip_auto_headers=_NO_AUTO_HEADERS,
                timeout=aiohttp.ClientTimeout(total=None),
            )
            # aiohttp sends an idempotent request once more when the connection drops before
            # the answer; httpcore does not, and retrying is the caller's policy. No public
            # switch exists (aiohttp 3.14);
            # tests/core/http/test_http_aiohttp_transport.py checks it.
            self._session._retry_connection = False  # pyright: ignore[reportPrivateUsage]
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; the response's body streams from the socket as it is read."""
        session = self._session_now()
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in request.headers.raw
            if name.lower() not in _SKIPPED_HEADERS
        ]
        body = await request.aread()
        with _mapped_errors(request, connecting=True):
            response = await session.request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                timeout=_client_timeout(request.extensions.get("timeout")),
            )
        _set_read_size(response, self._read_size)
        version = response.version
        return httpx.Response(
            response.status,
            headers=list(response.raw_headers),
            stream=_AiohttpBody(response, request),
            extensions={
                "http_version": b"HTTP/1.1"
                if version is None
                else f"HTTP/{version.major}.{version.minor}".encode(),
                "reason_phrase": (response.reason or "").encode("latin-1", "replace"),
            },
        )

    async def aclose(self) -> None:
        """Close the session and its connections."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()


class _AiohttpBody(httpx.AsyncByteStream):
    """The response body as aiohttp receives it; closing releases the connection."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        content = self._response.content
        try:
            # Each block as the socket delivered it. ``iter_chunked(n)`` re-cuts the buffer
            # into n-byte pieces: once one short block is buffered, every later piece is a
            # slice of one block joined to a slice of the next (two extra copies of each byte).
            while True:
                block, _end_of_http_chunk = await content.readchunk()
                if block:
                    yield block
                elif content.at_eof():
                    return
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            # httpcore hands over every byte received before the failure; so must we, or a
            # cut download would keep less of its .part than it could (or none at all).
            rest = _unread_bytes(content)
            if rest:
                yield rest
            _raise_mapped(exc, self._request, connecting=False)

    async def aclose(self) -> None:
        response = self._response
        if response.content.at_eof():
            response.release()  # the whole body was read: the connection can be reused
        else:
            response.close()  # unread bytes would confuse the next request: drop it


def _set_read_size(response: aiohttp.ClientResponse, size: int) -> None:
    """Let one read of the response's socket take up to ``size`` bytes.

    asyncio's plain-TCP transport reads ``max_size`` bytes at a time (an attribute of its
    class, 256 KiB); over TLS, its ``SSLProtocol`` (behind the transport's ``_ssl_protocol``)
    reads and decrypts ``max_size`` at a time. Neither is public API: where they are missing (an
    other event loop, a later Python), nothing changes, and the tests that check the size fail.
    The size stays with the pooled connection.
    """
    connection = response.connection
    transport = connection.transport if connection is not None else None
    if isinstance(getattr(transport, "max_size", None), int):
        setattr(transport, "max_size", size)  # noqa: B010 (not a typed attribute)
    tls = getattr(transport, "_ssl_protocol", None)
    if isinstance(getattr(tls, "max_size", None), int):
        setattr(tls, "max_size", size)  # noqa: B010 (not a typed attribute)


def _unread_bytes(content: aiohttp.StreamReader) -> bytes:
    """The bytes still buffered in ``content`` after it failed.

    Once a failure is recorded, every public read of aiohttp's ``StreamReader`` raises it, even
    with data still buffered (aiohttp 3.14), so this reads the buffer itself; if aiohttp ever
    renames it, this returns nothing and the test of a truncated body fails.
    """
    buffered: Any = getattr(content, "_buffer", None)
    offset: Any = getattr(content, "_buffer_offset", 0)
    if not buffered or not isinstance(offset, int):
        return b""
    data = b"".join(bytes(piece) for piece in buffered)[offset:]
    buffered.clear()
    return data


def _client_timeout(timeout: Any) -> aiohttp.ClientTimeout:
    """httpx's per-request timeouts as aiohttp's (no overall limit, as in httpx)."""
    values: Mapping[str, float | None] = {}
    if isinstance(timeout, Mapping):
        values = cast("Mapping[str, float | None]", timeout)
    connect, pool = values.get("connect"), values.get("pool")
    return aiohttp.ClientTimeout(
        total=None,
        connect=None if connect is None or pool is None else connect + pool,
        sock_connect=connect,
        sock_read=values.get("read"),
    )


@contextlib.contextmanager
def _mapped_errors(request: httpx.Request, *, connecting: bool) -> Generator[None]:
    """Raise aiohttp's and the socket's errors as the httpx errors httpcore would raise."""
    try:
        yield
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        _raise_mapped(exc, request, connecting=connecting)


def _raise_mapped(exc: BaseException, request: httpx.Request, *, connecting: bool) -> NoReturn:
    message = str(exc) or type(exc).__name__
    mapped: type[httpx.TransportError]
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        mapped = httpx.ConnectTimeout
    elif isinstance(exc, aiohttp.SocketTimeoutError | TimeoutError):
        mapped = httpx.ConnectTimeout if connecting and _before_response(exc) else httpx.ReadTimeout
    elif isinstance(exc, aiohttp.ClientConnectorError):
        mapped = httpx.ConnectError
    elif isinstance(exc, aiohttp.ServerDisconnectedError):
        mapped = httpx.RemoteProtocolError
    elif isinstance(exc, aiohttp.ClientPayloadError):
        # A reset mid-body is a read error for httpcore; a clean early close is a protocol one.
        reset = _cause_of_type(exc, ConnectionError)
        mapped = httpx.ReadError if reset else httpx.RemoteProtocolError
    elif isinstance(exc, aiohttp.ClientResponseError):
        mapped = httpx.RemoteProtocolError  # the server's answer was not valid HTTP
    elif isinstance(exc, aiohttp.InvalidURL):
        mapped = httpx.UnsupportedProtocol
    else:  # ClientOSError (e.g. a reset), a bare OSError, other client errors
        mapped = httpx.ReadError
    raise mapped(message, request=request) from exc


def _before_response(exc: BaseException) -> bool:
    """aiohttp's bare ``TimeoutError`` while connecting only comes from the connect phase."""
    return not isinstance(exc, aiohttp.ServerTimeoutError)


def _cause_of_type(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def preferred_transport(*, read_size: int = DEFAULT_READ_SIZE) -> AiohttpTransport | None:
    """The transport for a new client: ``AiohttpTransport`` (reading up to ``read_size`` at a
    time), or None (httpx's own) when the environment configures a proxy, which only httpx's
    transport honours."""
    return None if urllib.request.getproxies() else AiohttpTransport(read_size=read_size)
