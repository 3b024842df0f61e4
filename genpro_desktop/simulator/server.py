"""The Simulator: an aiohttp app on 127.0.0.1, in a background thread or the caller's loop."""

from __future__ import annotations

import asyncio
import hmac
import socket
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

from aiohttp import web

from genpro_desktop.simulator.clock import ManualClock, SimClock
from genpro_desktop.simulator.faults import FAULT_KEY, RESET_KEY, FaultPlans, Handler, run_fault
from genpro_desktop.simulator.journal import API_KEY_HEADER, Journal, JournalEntry, mask_headers
from genpro_desktop.simulator.routes import (
    PREFIXES,
    Settings,
    build_routes,
    check_unknown_route_shape,
    route_disabled,
    route_not_found,
)
from genpro_desktop.simulator.schedule import ScheduleSim, schedule_gate, schedule_routes
from genpro_desktop.simulator.state import SimState

DEMO_API_KEY = "gen_pat_demo_0000000000000000"
# Connections a test left open must not hold up stop(); nothing in flight needs more.
SHUTDOWN_TIMEOUT_S = 1.0


def _drain(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel whatever is still scheduled (e.g. a handler in a delay fault) and close the loop."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


class Simulator:
    """A faithful GEN stand-in on a real socket, with a manual or scaled clock.

    `with Simulator() as sim:` starts it in a daemon thread; `await sim.serve(port=N)` runs it in
    the current loop until cancelled. See `state` (scripting outcomes), `faults` and `journal`.
    """

    def __init__(
        self,
        *,
        api_key: str = DEMO_API_KEY,
        clock: SimClock | None = None,
        seed: int = 7,
        prefixes: set[str] | frozenset[str] | None = None,
        list_route: bool = True,
        unknown_route: str = "rails",
    ) -> None:
        wanted = set(PREFIXES if prefixes is None else prefixes)
        if unknown := wanted - set(PREFIXES):
            raise ValueError(f"unknown path prefixes: {sorted(unknown)}")
        self.clock: SimClock = clock if clock is not None else ManualClock()
        self.state = SimState(self.clock, seed=seed)
        # The schedule API (gen-api.md 11.1); `schedule.enabled = False` makes a legacy-only GEN.
        self.schedule = ScheduleSim(self.state)
        self.faults = FaultPlans()
        self.journal = Journal()
        self.settings = Settings(
            api_key=api_key,
            prefixes=wanted,
            list_route=list_route,
            unknown_route=check_unknown_route_shape(unknown_route),
        )
        self._origin: str | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None

    # -- live switches -----------------------------------------------------------------

    @property
    def api_key(self) -> str:
        """The only key the simulator accepts."""
        return self.settings.api_key

    @property
    def prefixes(self) -> set[str]:
        """Sheet path prefixes that are served; the others answer a route-level 404."""
        return self.settings.prefixes

    @prefixes.setter
    def prefixes(self, value: set[str]) -> None:
        self.settings.prefixes = set(value)

    @property
    def list_route(self) -> bool:
        """Whether `GET /{prefix}?agent_id` (engine list) exists."""
        return self.settings.list_route

    @list_route.setter
    def list_route(self, value: bool) -> None:
        self.settings.list_route = value

    @property
    def unknown_route(self) -> str:
        """How a path with no route is answered: one of routes.UNKNOWN_ROUTE_SHAPES."""
        return self.settings.unknown_route

    @unknown_route.setter
    def unknown_route(self, value: str) -> None:
        self.settings.unknown_route = check_unknown_route_shape(value)

    # -- addresses ---------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT` once serving."""
        if self._origin is None:
            raise RuntimeError("the simulator is not running; call start() or serve() first")
        return self._origin

    @property
    def base_url(self) -> str:
        """API base URL, e.g. http://127.0.0.1:PORT/v1."""
        return f"{self.origin}/v1"

    @property
    def cdn_base_url(self) -> str:
        """CDN base URL, e.g. http://127.0.0.1:PORT/cdn."""
        return f"{self.origin}/cdn"

    @property
    def port(self) -> int:
        """The bound TCP port."""
        return int(self.origin.rsplit(":", 1)[1])

    # -- the app -----------------------------------------------------------------------

    def build_app(self) -> web.Application:
        """The aiohttp application (journal -> faults -> routing/auth -> handler)."""
        app = web.Application(middlewares=[self._journal_mw, self._fault_mw, self._gate_mw])
        app.add_routes(schedule_routes(self.schedule))  # first: /cdn/assets before /cdn/{folder}
        app.add_routes(build_routes(self.state))
        return app

    def _key_ok(self, request: web.Request) -> bool:
        sent = request.headers.get(API_KEY_HEADER)
        return sent is not None and hmac.compare_digest(sent.encode(), self.api_key.encode())

    @web.middleware
    async def _journal_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        # Uploads are binary: never let the journal's decoding fail the request.
        body = (await request.read()).decode("utf-8", "replace") if request.can_read_body else ""
        status: int | None = None
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        except Exception:
            status = 500  # what aiohttp answers for a handler that raised
            raise
        finally:
            self.journal.record(
                JournalEntry(
                    method=request.method,
                    path=request.path,
                    query=dict(request.query),
                    headers=mask_headers(request.headers),
                    body=body,
                    status=None if request.get(RESET_KEY) else status,
                    had_api_key=API_KEY_HEADER in request.headers,
                    api_key_ok=self._key_ok(request),
                    sim_time=self.clock.now(),
                    fault=request.get(FAULT_KEY),
                )
            )

    @web.middleware
    async def _fault_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        action = self.faults.take(request.method, request.path)
        if action is None:
            return await handler(request)
        return await run_fault(action, request, handler, self.faults.holds)

    @web.middleware
    async def _gate_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Routing before auth, like Rails: an unknown route is a 404 whatever the key."""
        api = request.path == "/v1" or request.path.startswith("/v1/")
        missing = request.match_info.http_exception is not None
        if not missing:
            answer = await schedule_gate(request, self.schedule, handler)
            if answer is not None:
                return answer
        if api and (missing or route_disabled(request, self.settings)):
            return route_not_found(self.settings.unknown_route)
        if missing:
            return web.Response(status=404, text="Not Found", content_type="text/plain")
        if api and not self._key_ok(request):
            return web.json_response(
                {"error": "Invalid or missing API key", "error_code": "unauthorized"}, status=401
            )
        return await handler(request)

    # -- running -----------------------------------------------------------------------

    async def _open(self, host: str, port: int) -> web.AppRunner:
        runner = web.AppRunner(
            self.build_app(),
            access_log=None,
            handle_signals=False,
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        )
        await runner.setup()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            if sys.platform != "win32":
                # Lets `genpro simulate --port N` restart at once; on Windows the same option
                # would let a second server steal a port that is in use, so it stays off there.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(128)
            sock.setblocking(False)
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        bound = sock.getsockname()[1]
        shown = f"[{host}]" if family == socket.AF_INET6 else host
        self._origin = f"http://{shown}:{bound}"
        self.state.cdn_base_url = self.cdn_base_url
        return runner

    def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1:`port` (0 = any free port) in a daemon thread; returns base_url."""
        if self._thread is not None:
            raise RuntimeError("the simulator is already running")
        # A plain asyncio loop, whatever policy the host installed: under the desktop app the
        # policy is qasync's, whose loops run on the Qt thread and would never serve here.
        loop = asyncio.DefaultEventLoopPolicy().new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                self._runner = loop.run_until_complete(self._open("127.0.0.1", port))
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            _drain(loop)

        self._loop = loop
        self._thread = threading.Thread(target=run, name="genpro-simulator", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = self._loop = None
            raise failure[0]
        return self.base_url

    def stop(self) -> None:
        """Close every connection and the listening socket, then end the thread."""
        loop, thread, runner = self._loop, self._thread, self._runner
        if loop is None or thread is None:
            return
        # Held requests would otherwise keep the graceful shutdown waiting.
        self.faults.holds.drop_all()
        if runner is not None:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        self._loop = self._thread = self._runner = None
        self._origin = None

    async def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        on_ready: Callable[[str], None] | None = None,
    ) -> None:
        """Serve in the running loop until cancelled; `on_ready(base_url)` once listening."""
        runner = await self._open(host, port)
        try:
            if on_ready is not None:
                on_ready(self.base_url)
            await asyncio.Event().wait()
        finally:
            self._origin = None
            self.faults.holds.drop_all()
            await runner.cleanup()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._origin or "not running"
        return f"Simulator({where}, clock={self.clock!r})"
