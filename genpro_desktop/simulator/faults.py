"""Scriptable fault plans: per-route failures a test arms before making a request.

    sim.faults.add("POST", r"/render$", faults.apply_then_status(502))
    sim.faults.add("GET", r"/generations/", faults.status(503, retry_after=2), times=3)

Plans are matched in the order they were added (method, then `re.search` on the request path,
e.g. "/v1/vidsheet/9101" or "/cdn/outputs/render_880001.mp4"); the first live plan fires and
loses one of its `times`. Expired plans are dropped.
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

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Set on the request when a fault fires, so the journal can say which fault shaped the response.
FAULT_KEY: web.RequestKey[str] = web.RequestKey("genpro_sim_fault", str)
# Set when the connection was aborted: the journal then records no status at all.
RESET_KEY: web.RequestKey[bool] = web.RequestKey("genpro_sim_reset", bool)


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

    def describe(self) -> str:
        """Short label stored in the journal."""
        detail = {"status": self.code, "apply_then_status": self.code, "delay": self.seconds}
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
    html = staticmethod(html)
    malformed_json = staticmethod(malformed_json)
    unknown_status = staticmethod(unknown_status)
    apply_then_status = staticmethod(apply_then_status)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plans: list[FaultPlan] = []

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


async def run_fault(
    action: FaultAction, request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Produce the response for `request` under `action`."""
    request[FAULT_KEY] = action.describe()
    inner: web.StreamResponse | None = None
    if action.kind == "delay":
        await asyncio.sleep(action.seconds)
        return await handler(request)
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
        case "html":
            return web.Response(status=200, text=_HTML_PAGE, content_type="text/html")
        case "malformed_json":
            return web.Response(
                status=200, text='{"id": 1, "status": "compl', content_type="application/json"
            )
        case "unknown_status":
            assert inner is not None
            return _replace_status(inner, action.value)
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
