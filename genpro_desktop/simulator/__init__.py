"""A GEN API simulator for tests and the demo: real HTTP on 127.0.0.1, a sim clock, a credits
ledger, a request journal and scriptable faults. Qt-free; imports only stdlib and aiohttp.

    with Simulator(clock=ManualClock()) as sim:
        sim.state.script_render("failed")                 # next render fails
        sim.faults.add("GET", r"/generations/", faults.status(503, retry_after=1))
        ...                                               # talk to sim.base_url
        sim.clock.advance(8)                              # renders complete after 8 s
        assert sim.journal.count("POST", r"/render$") == 1

Fault actions (`sim.faults.add(method, path_regex, action, times=1)`):

- `status(code, body, headers, retry_after)`, `apply_then_status(code)`, `delay(seconds)`,
  `reset()`, `truncate()`, `html()`, `malformed_json()`, `unknown_status(value)`;
- `slow(bytes_per_second, chunk_size=None)`: the real answer (ranges, 206 and all), streamed
  in small pieces with real sleeps; crash tests use it to kill a download part-way;
- `change_etag()` (CDN): the file becomes a new version for good (different bytes, length,
  ETag and Last-Modified), so `If-Range` with the old validator gets a 200 full body;
- `expire_url()` (CDN outputs): 403 now and for every later use of that URL; the generation's
  GET then hands out the same file as `...mp4?v=2`, which works;
- `hold(name, timeout=30)`: park the request before the handler runs; `hold_after_apply(name)`:
  run the handler (render created and charged), then park the response; `hold_body(name, at)`:
  send the headers and the first `at` of the body (fraction or byte count), then park.

Holds are released from the test, from any thread:

    sim.faults.add("POST", r"/render$", faults.hold("render"))
    ...                                        # a client (or a `genpro` subprocess) sends it
    sim.faults.wait_held("render")             # blocks; in a coroutine: await until_held(...)
    os.kill(pid, signal.SIGKILL)               # e.g. crash the client while it waits
    sim.faults.release("render")               # the request goes on (applied, answer sent)
    sim.faults.release("render", drop=True)    # or: reset the connection, nothing applied
                                               #     (for hold_after_apply: already applied)
    sim.journal.wait_count("POST", r"/render$", 1)   # entries appear when a request finishes

A held request nobody releases is reset after its timeout; `stop()` resets all of them.

The schedule API (`/v1/schedule/...`, `/v1/social/upload_asset`, gen-api.md 11.1) lives in
`sim.schedule` (simulator/schedule.py): `script_platform("youtube", "failed", ...)`,
`disconnect(agent_id, platform)`, and `enabled = False` with `off_body` ("rails", "not_found",
"fastapi", "html", "text", "empty") for a legacy-only GEN whose schedule routes are missing.
"""

from genpro_desktop.simulator import faults
from genpro_desktop.simulator.clock import ManualClock, RealClock, SimClock
from genpro_desktop.simulator.demo import RunningDemo, start_demo
from genpro_desktop.simulator.faults import FaultAction, FaultPlan, FaultPlans
from genpro_desktop.simulator.holds import Holds
from genpro_desktop.simulator.journal import Journal, JournalEntry
from genpro_desktop.simulator.models import (
    PUBLISH_DONE_S,
    PUBLISH_PENDING_S,
    RENDER_COST,
    RENDER_DONE_S,
    RENDER_PENDING_S,
    RENDER_PRECHARGE,
    LedgerEntry,
)
from genpro_desktop.simulator.routes import API_ROUTES, UNKNOWN_ROUTE_SHAPES
from genpro_desktop.simulator.schedule import SCHEDULE_ROUTES, ScheduleSim
from genpro_desktop.simulator.seed import AGENT_ID, DEMO_AGENT_ID, ENGINE_IDS, ORG_ID
from genpro_desktop.simulator.server import DEMO_API_KEY, Simulator
from genpro_desktop.simulator.state import Reply, SimState

__all__ = [
    "AGENT_ID",
    "API_ROUTES",
    "DEMO_AGENT_ID",
    "DEMO_API_KEY",
    "ENGINE_IDS",
    "ORG_ID",
    "PUBLISH_DONE_S",
    "PUBLISH_PENDING_S",
    "RENDER_COST",
    "RENDER_DONE_S",
    "RENDER_PENDING_S",
    "RENDER_PRECHARGE",
    "SCHEDULE_ROUTES",
    "UNKNOWN_ROUTE_SHAPES",
    "FaultAction",
    "FaultPlan",
    "FaultPlans",
    "Holds",
    "Journal",
    "JournalEntry",
    "LedgerEntry",
    "ManualClock",
    "RealClock",
    "Reply",
    "RunningDemo",
    "ScheduleSim",
    "SimClock",
    "SimState",
    "Simulator",
    "faults",
    "start_demo",
]
