"""aiohttp handlers for the GEN routes the simulator implements (thin adapters over SimState)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from genpro_desktop.simulator.faults import Handler
from genpro_desktop.simulator.media import cdn_handler
from genpro_desktop.simulator.state import Reply, SimState

PREFIXES = ("vidsheet", "autocontentengine")

# Every API route, as (method, path under /v1). Parameter names follow the OpenAPI so the
# conformance test can map a route onto the spec by replacing {prefix} with autocontentengine.
API_ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "/me"),
    ("GET", "/workspaces"),
    ("GET", "/agents"),
    ("GET", "/agents/{agent_id}"),
    ("GET", "/organizations"),
    ("GET", "/organizations/{organization_id}"),
    ("GET", "/{prefix}"),
    ("GET", "/{prefix}/{sheet_id}"),
    ("GET", "/{prefix}/{sheet_id}/cells/{cell_id}"),
    ("POST", "/{prefix}/{sheet_id}/cells/{cell_id}/render"),
    ("GET", "/generations/{generation_id}"),
    ("POST", "/generations/{generation_id}/stop"),
    ("POST", "/generations/{generation_id}/continue"),
    ("POST", "/user_jobs"),
    ("GET", "/user_jobs/{id}"),
)

ROUTE_NOT_FOUND: dict[str, Any] = {"status": 404, "error": "Not Found"}

# What a GEN deployment may answer for a path it has no route for. GEN documents none of them:
#   rails      Rails' default JSON for an unknown route (no error_code); the default here
#   not_found  a JSON error like an object lookup's: {"error": ..., "error_code": "not_found"}
#   html       an HTML error page (a proxy, or Rails' public/404.html)
#   text       text/plain "Not Found"
#   empty      no body at all
UNKNOWN_ROUTE_SHAPES = ("rails", "not_found", "html", "text", "empty")
_NOT_FOUND_HTML = (
    "<!DOCTYPE html><html><head><title>The page you were looking for doesn't exist (404)"
    "</title></head><body><h1>The page you were looking for doesn't exist.</h1></body></html>"
)


@dataclass
class Settings:
    """Live, mutable switches read on every request."""

    api_key: str
    prefixes: set[str] = field(default_factory=lambda: set(PREFIXES))
    list_route: bool = True
    unknown_route: str = "rails"


def check_unknown_route_shape(shape: str) -> str:
    """`shape` if it is one of UNKNOWN_ROUTE_SHAPES, else ValueError."""
    if shape not in UNKNOWN_ROUTE_SHAPES:
        raise ValueError(f"unknown_route must be one of {UNKNOWN_ROUTE_SHAPES}, not {shape!r}")
    return shape


def route_not_found(shape: str = "rails") -> web.Response:
    """The 404 for a path with no route, in one of UNKNOWN_ROUTE_SHAPES."""
    match check_unknown_route_shape(shape):
        case "not_found":
            body = {"error": "Not Found", "error_code": "not_found"}
            return web.json_response(body, status=404)
        case "html":
            return web.Response(status=404, text=_NOT_FOUND_HTML, content_type="text/html")
        case "text":
            return web.Response(status=404, text="Not Found", content_type="text/plain")
        case "empty":
            return web.Response(status=404)
        case _:
            return web.json_response(ROUTE_NOT_FOUND, status=404)


def route_disabled(request: web.Request, settings: Settings) -> bool:
    """True when the matched route is switched off (a disabled prefix, or the list route)."""
    prefix = request.match_info.get("prefix")
    if prefix is None:
        return False
    if prefix not in settings.prefixes:
        return True
    return request.match_info.route.name == "engines" and not settings.list_route


def _json(reply: Reply) -> web.Response:
    headers = {"Idempotent-Replayed": "true"} if reply.replayed else None
    return web.json_response(reply.body, status=reply.status, headers=headers)


BAD_REQUEST: dict[str, Any] = {"status": 400, "error": "Bad Request"}


async def _json_body(request: web.Request) -> Any:
    """The POST body as JSON ({} when empty), or Rails' 400 for a body that is not JSON.

    Rails parses the body before the controller runs, so a malformed one is refused before any
    lookup, charge or job: nothing is applied.
    """
    text = await request.text()
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return web.json_response(BAD_REQUEST, status=400)


def _agent_param(request: web.Request, payload: Any) -> str | None:
    """`agent_id` from the query string, else from the JSON body (GEN's SDK and MCP server send
    it there). Rails merges both into `params`, the query string winning."""
    if (given := request.query.get("agent_id")) is not None:
        return given
    if isinstance(payload, dict):
        value: Any = payload.get("agent_id")
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return None


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def build_routes(state: SimState) -> list[web.RouteDef]:
    """The route table, bound to one simulator state."""

    def q(request: web.Request, name: str) -> str | None:
        return request.query.get(name)

    def m(request: web.Request, name: str) -> str:
        return request.match_info[name]

    def key(request: web.Request) -> str | None:
        return request.headers.get("Idempotency-Key")

    async def me(request: web.Request) -> web.Response:
        return _json(state.me())

    async def workspaces(request: web.Request) -> web.Response:
        return _json(state.workspaces())

    async def agents(request: web.Request) -> web.Response:
        return _json(state.agents(q(request, "workspace_id")))

    async def agent(request: web.Request) -> web.Response:
        return _json(state.agent(m(request, "agent_id")))

    async def organizations(request: web.Request) -> web.Response:
        return _json(state.organizations())

    async def organization(request: web.Request) -> web.Response:
        return _json(state.organization(m(request, "organization_id")))

    async def engines(request: web.Request) -> web.Response:
        return _json(state.engines(q(request, "agent_id")))

    async def engine(request: web.Request) -> web.Response:
        with_cost = _truthy(q(request, "with_execution_cost"))
        return _json(
            state.engine(q(request, "agent_id"), m(request, "sheet_id"), with_cost=with_cost)
        )

    async def cell(request: web.Request) -> web.Response:
        return _json(
            state.cell(q(request, "agent_id"), m(request, "sheet_id"), m(request, "cell_id"))
        )

    async def render(request: web.Request) -> web.Response:
        payload = await _json_body(request)
        if isinstance(payload, web.Response):
            return payload  # refused before anything is looked up or charged
        agent_id = _agent_param(request, payload)
        return _json(
            state.render(agent_id, m(request, "sheet_id"), m(request, "cell_id"), key(request))
        )

    async def generation(request: web.Request) -> web.Response:
        return _json(state.generation(m(request, "generation_id")))

    async def stop(request: web.Request) -> web.Response:
        if isinstance(refused := await _json_body(request), web.Response):
            return refused
        return _json(state.stop(m(request, "generation_id")))

    async def continue_(request: web.Request) -> web.Response:
        if isinstance(refused := await _json_body(request), web.Response):
            return refused  # continue charges again: a body Rails cannot parse charges nothing
        return _json(state.continue_(m(request, "generation_id"), key(request)))

    async def create_user_job(request: web.Request) -> web.Response:
        payload = await _json_body(request)
        if isinstance(payload, web.Response):
            return payload
        agent_id = _agent_param(request, payload)
        return _json(state.create_user_job(agent_id, payload, key(request)))

    async def user_job(request: web.Request) -> web.Response:
        return _json(state.user_job(q(request, "agent_id"), m(request, "id")))

    async def cdn(request: web.Request) -> web.StreamResponse:
        return await cdn_handler(request, state)

    handlers: dict[tuple[str, str], tuple[str, Handler]] = {
        ("GET", "/me"): ("me", me),
        ("GET", "/workspaces"): ("workspaces", workspaces),
        ("GET", "/agents"): ("agents", agents),
        ("GET", "/agents/{agent_id}"): ("agent", agent),
        ("GET", "/organizations"): ("organizations", organizations),
        ("GET", "/organizations/{organization_id}"): ("organization", organization),
        ("GET", "/{prefix}"): ("engines", engines),
        ("GET", "/{prefix}/{sheet_id}"): ("engine", engine),
        ("GET", "/{prefix}/{sheet_id}/cells/{cell_id}"): ("cell", cell),
        ("POST", "/{prefix}/{sheet_id}/cells/{cell_id}/render"): ("render", render),
        ("GET", "/generations/{generation_id}"): ("generation", generation),
        ("POST", "/generations/{generation_id}/stop"): ("stop_generation", stop),
        ("POST", "/generations/{generation_id}/continue"): ("continue_generation", continue_),
        ("POST", "/user_jobs"): ("create_user_job", create_user_job),
        ("GET", "/user_jobs/{id}"): ("user_job", user_job),
    }
    if set(handlers) != set(API_ROUTES):
        raise RuntimeError("API_ROUTES and the handler table disagree")
    prefix_pattern = "{prefix:" + "|".join(PREFIXES) + "}"
    table = [
        web.route(method, "/v1" + path.replace("{prefix}", prefix_pattern), handler, name=name)
        for (method, path), (name, handler) in handlers.items()
    ]
    table += [
        web.get("/cdn/{folder}/{name}", cdn, name="cdn"),
    ]
    return table
