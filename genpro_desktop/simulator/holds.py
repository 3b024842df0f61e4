"""Parking requests until a test releases them, and streaming bodies slowly or in two parts.

A hold is named. The server parks each matching request on an asyncio future in its own loop;
the test, in any thread, waits until the request is parked (`wait_held` / `until_held`), does
what it needs (kill a client process, inspect the store, ...) and then calls `release(name)` to
let the parked requests carry on, or `release(name, drop=True)` to reset their connections.
A parked request that nobody releases within its safety timeout is reset too, so a forgotten
hold never hangs a test run; `Simulator.stop()` drops every hold.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

Outcome = Literal["release", "drop", "timeout"]
# A disconnected client makes writes fail with this (aiohttp raises a subclass).
_GONE = ConnectionError


@dataclass(frozen=True)
class _Parked:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Outcome]


def _settle(future: asyncio.Future[Outcome], outcome: Outcome) -> None:
    if not future.done():
        future.set_result(outcome)


class Holds:
    """The parked requests of one simulator, by hold name (thread-safe)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._parked: dict[str, list[_Parked]] = {}

    async def park(self, name: str, limit: float) -> Outcome:
        """Park the current request until `release(name)` or `limit` seconds; in the server loop."""
        loop = asyncio.get_running_loop()
        entry = _Parked(loop, loop.create_future())
        with self._cond:
            self._parked.setdefault(name, []).append(entry)
            self._cond.notify_all()
        try:
            return await asyncio.wait_for(entry.future, limit)
        except TimeoutError:
            return "timeout"
        finally:
            with self._cond:
                waiting = self._parked.get(name, [])
                if entry in waiting:
                    waiting.remove(entry)
                self._cond.notify_all()

    def held(self, name: str) -> int:
        """How many requests are parked under `name` right now."""
        with self._cond:
            return len(self._parked.get(name, []))

    def wait_held(self, name: str, count: int = 1, timeout: float = 10.0) -> bool:
        """Block until at least `count` requests are parked under `name`; False on timeout.

        This blocks the calling thread: from a coroutine use `await until_held(...)`.
        """
        with self._cond:
            return self._cond.wait_for(lambda: len(self._parked.get(name, [])) >= count, timeout)

    # The wait runs in a worker thread, which asyncio.timeout could not interrupt: hence the
    # explicit timeout.
    async def until_held(self, name: str, count: int = 1, timeout: float = 10.0) -> bool:  # noqa: ASYNC109
        """`wait_held` for coroutines (runs it in a worker thread so the loop keeps going)."""
        return await asyncio.to_thread(self.wait_held, name, count, timeout)

    def release(self, name: str, *, drop: bool = False) -> int:
        """Let every request parked under `name` carry on (or reset it); returns how many.

        Requests that arrive later are parked again while their plan has firings left.
        """
        with self._cond:
            parked = self._parked.pop(name, [])
            self._cond.notify_all()
        outcome: Outcome = "drop" if drop else "release"
        for entry in parked:
            entry.loop.call_soon_threadsafe(_settle, entry.future, outcome)
        return len(parked)

    def drop_all(self) -> int:
        """Reset every parked request (used when the simulator stops)."""
        with self._cond:
            names = list(self._parked)
        return sum(self.release(name, drop=True) for name in names)


def _stream_response(inner: web.StreamResponse, size: int) -> web.StreamResponse:
    headers = {k: v for k, v in inner.headers.items() if k.lower() != "content-length"}
    response = web.StreamResponse(status=inner.status, headers=headers)
    response.content_length = size
    return response


def _pieces(body: bytes, size: int) -> list[bytes]:
    return [body[start : start + size] for start in range(0, len(body), size)]


async def stream_slowly(
    request: web.Request, inner: web.StreamResponse, body: bytes, rate: float, chunk: int
) -> web.StreamResponse:
    """Send `body` in `chunk`-byte pieces at about `rate` bytes per second (real time)."""
    response = _stream_response(inner, len(body))
    await response.prepare(request)
    try:
        for piece in _pieces(body, chunk):
            await response.write(piece)
            await asyncio.sleep(len(piece) / rate)
        await response.write_eof()
    except _GONE:
        pass  # the client went away (killed, or gave up); nothing more to send
    return response


async def stream_with_hold(
    request: web.Request,
    inner: web.StreamResponse,
    body: bytes,
    cut: int,
    holds: Holds,
    name: str,
    limit: float,
) -> web.StreamResponse:
    """Send `body[:cut]`, park until released, then send the rest (or close early)."""
    response = _stream_response(inner, len(body))
    await response.prepare(request)
    try:
        await response.write(body[:cut])
        outcome = await holds.park(name, limit)
        if outcome == "release":
            await response.write(body[cut:])
            await response.write_eof()
            return response
    except _GONE:
        return response
    # Dropped or timed out: end the connection before the declared length.
    if request.transport is not None:
        request.transport.close()
    return response
