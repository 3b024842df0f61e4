"""Scriptable fault plans: per-route failures a test arms before making a request.

    sim.faults.add("POST", r"/render$", faults.apply_then_status(502))
    sim.faults.add("GET", r"/generations/", faults.status(503, retry_after=2), times=3)

Plans are matched in the order they were added (method, then `re.search` on the request path,
e.g. "/v1/vidsheet/9101" or "/cdn/outputs/render_880001.mp4"); the first live plan fires and
loses one of its `times`. Expired plans are dropped.

Holds park a request until the test says so (see `holds.py`):

    sim.faults.add("POST", r"/render$", faults.hold("render"))
    ...                                    # the client sends the POST
    sim.faults.wait_held("render")         # or: await sim.faults.until_held("render")
    sim.faults.release("render")           # runs the handler now; drop=True resets instead
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import struct
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aiohttp import web

from genpro_desktop.simulator.holds import Holds, stream_slowly, stream_with_hold

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Set on the request when a fault fires, so the journal can say which fault shaped the response.
FAULT_KEY: web.RequestKey[str] = web.RequestKey("genpro_sim_fault", str)
# Set when the connection was aborted: the journal then records no status at all.
RESET_KEY: web.RequestKey[bool] = web.RequestKey("genpro_sim_reset", bool)
# Tells the CDN handler to change its content version or expire the URL before answering.
CDN_ACTION_KEY: web.RequestKey[str] = web.RequestKey("genpro_sim_cdn_action", str)
# Seconds a held request waits for `release` before its connection is reset.
HOLD_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class FaultAction:
    """What to do instead of (or around) the real handler; build one with the helpers below."""

    kind: str
    code: int = 0
    body: Any = None
    headers: Mapping[str, str] | None = None
    retry_after: int | str | None = None
    seconds: float = 0.0
    value: str = ""
    apply: bool = False
    rate: float = 0.0
    chunk: int = 0
    at: float = 0.0

    def describe(self) -> str:
        """Short label stored in the journal."""
        detail = {
            "status": self.code,
            "apply_then_status": self.code,
            "delay": self.seconds,
            "slow": self.rate,
            "cut": int(self.at),
            "stall": int(self.at),
        }
        extra = detail.get(self.kind, self.value or None)
        return self.kind if extra is None else f"{self.kind}({extra})"


def status(
    code: int,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    retry_after: int | str | None = None,
) -> FaultAction:
    """Answer `code` without running the handler; `body` dict/list -> JSON, str -> text."""
    return FaultAction("status", code=code, body=body, headers=headers, retry_after=retry_after)


def delay(seconds: float) -> FaultAction:
    """Wait `seconds` of real time, then run the handler normally (for client timeouts)."""
    return FaultAction("delay", seconds=seconds)


def reset() -> FaultAction:
    """Abort the TCP connection (RST) before any response byte is sent; handler not run."""
    return FaultAction("reset")


def truncate() -> FaultAction:
    """Run the handler, declare the full Content-Length, send half the body, then close."""
    return FaultAction("truncate", apply=True)


def cut(after: int, *, reset: bool = False) -> FaultAction:
    """Run the handler, declare its full Content-Length, send the first `after` bytes of its body
    (of the range, for a 206), then close the connection (`reset=True`: abort it with RST).
    With `times=N` the next N requests are cut, each after `after` more bytes when resumed."""
    if after < 0:
        raise ValueError("`after` must not be negative")
    return FaultAction("cut", apply=True, at=float(after), value="reset" if reset else "close")


def stall(after: int, seconds: float = HOLD_TIMEOUT_S) -> FaultAction:
    """Run the handler, send the headers and the first `after` bytes of its body, then send
    nothing more for `seconds` (real time; the client's read timeout should fire first) and
    close the connection. The client going away ends the stall early."""
    if after < 0:
        raise ValueError("`after` must not be negative")
    return FaultAction("stall", apply=True, at=float(after), seconds=seconds)


def html(apply: bool = False) -> FaultAction:
    """Answer 200 text/html (a proxy or portal page); `apply=True` runs the handler first."""
    return FaultAction("html", apply=apply)


def malformed_json(apply: bool = False) -> FaultAction:
    """Answer 200 application/json with a cut-off document; `apply=True` runs the handler first."""
    return FaultAction("malformed_json", apply=apply)


def unknown_status(value: str) -> FaultAction:
    """Run the handler and replace the top-level `status` of its JSON body with `value`."""
    return FaultAction("unknown_status", value=value, apply=True)


def apply_then_status(code: int) -> FaultAction:
    """Run the handler for real (charges, creates jobs), then answer `code` instead."""
    return FaultAction("apply_then_status", code=code, apply=True)


def slow(bytes_per_second: float, chunk_size: int | None = None) -> FaultAction:
    """Run the handler, then send its body in small pieces at about `bytes_per_second` (real
    time), honouring the handler's status and headers (so ranges and 206 still work)."""
    if bytes_per_second <= 0:
        raise ValueError("bytes_per_second must be positive")
    chunk = chunk_size or max(512, min(64 * 1024, int(bytes_per_second) // 20))
    return FaultAction("slow", apply=True, rate=float(bytes_per_second), chunk=chunk)


def change_etag() -> FaultAction:
    """CDN only: the file becomes a new version (bytes, length, ETag, Last-Modified) for this
    and every later request, so an If-Range naming the old version gets a 200 full body."""
    return FaultAction("change_etag")


def expire_url() -> FaultAction:
    """CDN outputs only: answer 403 and expire the render's URL for good; the generation's
    GET then returns the same file under a fresh URL ending in `?v=2` (then 3, ...)."""
    return FaultAction("expire_url")


def hold(name: str, timeout: float = HOLD_TIMEOUT_S) -> FaultAction:
    """Park the request before the handler runs until `release(name)` (then it is applied)
    or `release(name, drop=True)` / `timeout` seconds (then the connection is reset)."""
    return FaultAction("hold", value=name, seconds=timeout)


def hold_after_apply(name: str, timeout: float = HOLD_TIMEOUT_S) -> FaultAction:
    """Run the handler for real (charges, creates jobs), then park the response until
    `release(name)`; a drop or a timeout resets the connection instead of answering."""
    return FaultAction("hold_after_apply", value=name, seconds=timeout, apply=True)


def hold_body(name: str, at: float | int, timeout: float = HOLD_TIMEOUT_S) -> FaultAction:
    """Run the handler, send the headers and the first part of the body (`at`: a float in
    (0, 1) is a fraction of the body, an int a byte count), then park until `release(name)`
    (the rest follows) or a drop / timeout (the connection closes early)."""
    if isinstance(at, float) and not 0.0 < at < 1.0:
        raise ValueError("a fractional `at` must be between 0 and 1")
    if at < 0:
        raise ValueError("`at` must not be negative")
    return FaultAction("hold_body", value=name, seconds=timeout, apply=True, at=float(at))


@dataclass
class FaultPlan:
    """One armed fault: fires for the next `remaining` matching requests."""

    method: str
    pattern: re.Pattern[str]
    action: FaultAction
    remaining: int
    fired: int = field(default=0)

    def matches(self, method: str, path: str) -> bool:
        """Whether this plan applies to the request."""
        return (
            self.remaining > 0 and self.method in ("*", method) and bool(self.pattern.search(path))
        )


class FaultPlans:
    """The armed fault plans of one simulator (thread-safe; tests add plans from their thread)."""

    status = staticmethod(status)
    delay = staticmethod(delay)
    reset = staticmethod(reset)
    truncate = staticmethod(truncate)
    cut = staticmethod(cut)
    stall = staticmethod(stall)
    html = staticmethod(html)
    malformed_json = staticmethod(malformed_json)
    unknown_status = staticmethod(unknown_status)
    apply_then_status = staticmethod(apply_then_status)
    slow = staticmethod(slow)
    change_etag = staticmethod(change_etag)
    expire_url = staticmethod(expire_url)
    hold = staticmethod(hold)
    hold_after_apply = staticmethod(hold_after_apply)
    hold_body = staticmethod(hold_body)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plans: list[FaultPlan] = []
        # Requests parked by hold actions; see `release`, `wait_held` and `until_held`.
        self.holds = Holds()

    def release(self, name: str, *, drop: bool = False) -> int:
        """Let the requests held under `name` carry on (drop=True resets them); returns how many."""
        return self.holds.release(name, drop=drop)

    def held(self, name: str) -> int:
        """How many requests are held under `name` right now."""
        return self.holds.held(name)

    def wait_held(self, name: str, count: int = 1, timeout: float = 10.0) -> bool:
        """Block this thread until `count` requests are held under `name`; False on timeout."""
        return self.holds.wait_held(name, count, timeout)

    async def until_held(self, name: str, count: int = 1, timeout: float = 10.0) -> bool:  # noqa: ASYNC109
        """Await until `count` requests are held under `name`; False on timeout."""
        return await self.holds.until_held(name, count, timeout)

    def add(self, method: str, path_regex: str, action: FaultAction, times: int = 1) -> FaultPlan:
        """Arm `action` for the next `times` requests whose method and path match."""
        if times < 1:
            raise ValueError("times must be at least 1")
        plan = FaultPlan(method.upper(), re.compile(path_regex), action, times)
        with self._lock:
            self._plans.append(plan)
        return plan

    def take(self, method: str, path: str) -> FaultAction | None:
        """Consume one firing of the first matching plan, if any."""
        with self._lock:
            for plan in self._plans:
                if plan.matches(method.upper(), path):
                    plan.remaining -= 1
                    plan.fired += 1
                    self._plans = [p for p in self._plans if p.remaining > 0]
                    return plan.action
        return None

    @property
    def pending(self) -> list[FaultPlan]:
        """Plans that still have firings left."""
        with self._lock:
            return list(self._plans)

    def clear(self) -> None:
        """Disarm every plan."""
        with self._lock:
            self._plans.clear()


def body_bytes(response: web.StreamResponse) -> bytes:
    """The in-memory body of a handler's response (every simulator handler builds bytes)."""
    if isinstance(response, web.Response) and isinstance(response.body, bytes | bytearray):
        return bytes(response.body)
    return b""


def _body_response(action: FaultAction) -> web.Response:
    code = action.code
    headers = dict(action.headers or {})
    if action.retry_after is not None:
        headers["Retry-After"] = str(action.retry_after)
    body = action.body
    if body is None:
        body = {"status": code, "error": _reason(code)}
    if isinstance(body, bytes):
        return web.Response(status=code, body=body, headers=headers)
    if isinstance(body, str):
        return web.Response(status=code, text=body, headers=headers)
    return web.json_response(body, status=code, headers=headers)


def _reason(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Unknown Status"


_HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>Sign in to Wi-Fi</title></head>"
    "<body><h1>Please sign in to continue</h1></body></html>"
)


def _abort(request: web.Request) -> web.Response:
    """Close the connection with RST so the client sees a reset, not a clean EOF."""
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    request[RESET_KEY] = True
    # Never written: the transport is gone. aiohttp needs a response object to finish the task.
    return web.Response(status=499)


async def _truncated(request: web.Request, inner: web.StreamResponse) -> web.StreamResponse:
    body = body_bytes(inner)
    resp = web.StreamResponse(status=inner.status, headers=inner.headers)
    resp.content_length = max(len(body), 2)
    await resp.prepare(request)
    await resp.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.close()
    return resp


async def _cut_short(
    request: web.Request, inner: web.StreamResponse, action: FaultAction
) -> web.StreamResponse:
    """`cut` and `stall`: the first `at` bytes of the body, then (a silence and) the end."""
    body = body_bytes(inner)
    if request.method == "HEAD" or not body or inner.status >= 300:
        return inner  # nothing to cut: an error, a redirect or a 416 goes out whole
    resp = web.StreamResponse(status=inner.status, headers=inner.headers)
    resp.content_length = len(body)
    await resp.prepare(request)
    try:
        await resp.write(body[: int(action.at)])
        if action.kind == "stall":
            await _silence(request, action.seconds)
    except ConnectionError:
        return resp  # the client went away
    if action.value == "reset":
        _abort(request)
    elif request.transport is not None:
        request.transport.close()
    return resp


async def _silence(request: web.Request, seconds: float) -> None:
    """Send nothing for up to `seconds`, or until the client closes the connection."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        await asyncio.sleep(0.05)


async def _held(
    action: FaultAction, request: web.Request, handler: Handler, holds: Holds
) -> web.StreamResponse:
    name = action.value
    if action.kind == "hold_body":
        inner = await handler(request)
        body = body_bytes(inner)
        if request.method == "HEAD" or not body:
            return inner
        cut = int(action.at * len(body)) if action.at < 1 else int(action.at)
        cut = min(cut, len(body))
        return await stream_with_hold(request, inner, body, cut, holds, name, action.seconds)
    inner = await handler(request) if action.apply else None
    outcome = await holds.park(name, action.seconds)
    if outcome != "release":
        request[FAULT_KEY] = f"{action.kind}({name}):{outcome}"
        return _abort(request)
    return inner if inner is not None else await handler(request)


async def run_fault(
    action: FaultAction, request: web.Request, handler: Handler, holds: Holds | None = None
) -> web.StreamResponse:
    """Produce the response for `request` under `action`."""
    request[FAULT_KEY] = action.describe()
    inner: web.StreamResponse | None = None
    if action.kind == "delay":
        await asyncio.sleep(action.seconds)
        return await handler(request)
    if action.kind in ("change_etag", "expire_url"):
        request[CDN_ACTION_KEY] = action.kind
        return await handler(request)
    if action.kind in ("hold", "hold_after_apply", "hold_body"):
        return await _held(action, request, handler, holds if holds is not None else Holds())
    if action.apply:
        inner = await handler(request)
    match action.kind:
        case "status" | "apply_then_status":
            return _body_response(action)
        case "reset":
            return _abort(request)
        case "truncate":
            assert inner is not None
            return await _truncated(request, inner)
        case "cut" | "stall":
            assert inner is not None
            return await _cut_short(request, inner, action)
        case "html":
            return web.Response(status=200, text=_HTML_PAGE, content_type="text/html")
        case "malformed_json":
            return web.Response(
                status=200, text='{"id": 1, "status": "compl', content_type="application/json"
            )
        case "unknown_status":
            assert inner is not None
            return _replace_status(inner, action.value)
        case "slow":
            assert inner is not None
            body = body_bytes(inner)
            if request.method == "HEAD" or not body:
                return inner
            return await stream_slowly(request, inner, body, action.rate, action.chunk)
        case _:
            raise ValueError(f"unknown fault action {action.kind!r}")


def _replace_status(inner: web.StreamResponse, value: str) -> web.StreamResponse:
    raw = body_bytes(inner)
    if not raw:
        return inner
    try:
        doc = json.loads(raw)
    except ValueError:
        return inner
    if isinstance(doc, dict) and "status" in doc:
        doc["status"] = value
    return web.json_response(doc, status=inner.status)
