"""A GEN API simulator for tests and the demo: real HTTP on 127.0.0.1, a sim clock, a credits
ledger, a request journal and scriptable faults. Qt-free; imports only stdlib and aiohttp.

    with Simulator(clock=ManualClock()) as sim:
        sim.state.script_render("failed")                 # next render fails
        sim.faults.add("GET", r"/generations/", faults.status(503, retry_after=1))
        ...                                               # talk to sim.base_url
        sim.clock.advance(8)                              # renders complete after 8 s
        assert sim.journal.count("POST", r"/render$") == 1
"""

from genpro_desktop.simulator import faults
from genpro_desktop.simulator.clock import ManualClock, RealClock, SimClock
from genpro_desktop.simulator.faults import FaultAction, FaultPlan, FaultPlans
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
from genpro_desktop.simulator.routes import API_ROUTES
from genpro_desktop.simulator.seed import AGENT_ID, ENGINE_IDS, ORG_ID
from genpro_desktop.simulator.server import DEMO_API_KEY, Simulator
from genpro_desktop.simulator.state import Reply, SimState

__all__ = [
    "AGENT_ID",
    "API_ROUTES",
    "DEMO_API_KEY",
    "ENGINE_IDS",
    "ORG_ID",
    "PUBLISH_DONE_S",
    "PUBLISH_PENDING_S",
    "RENDER_COST",
    "RENDER_DONE_S",
    "RENDER_PENDING_S",
    "RENDER_PRECHARGE",
    "FaultAction",
    "FaultPlan",
    "FaultPlans",
    "Journal",
    "JournalEntry",
    "LedgerEntry",
    "ManualClock",
    "RealClock",
    "Reply",
    "SimClock",
    "SimState",
    "Simulator",
    "faults",
]
