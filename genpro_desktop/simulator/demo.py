"""`start_demo()`: the one place that starts the embedded simulator for a --demo run (the
desktop app's demo and self-test, and `genpro --demo`).

It serves on 127.0.0.1 in a daemon thread (blocking for the moment it takes to bind: the desktop
app calls it in a worker thread) and hands back what a client needs: the base URL, the demo key
and the demo agent, and `stop()`. `genpro simulate` serves in its own loop instead
(`Simulator.serve`) but announces the same key and agent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from genpro_desktop.simulator.clock import RealClock
from genpro_desktop.simulator.seed import DEMO_AGENT_ID
from genpro_desktop.simulator.server import DEMO_API_KEY, Simulator

__all__ = ["RunningDemo", "start_demo"]


@dataclass
class RunningDemo:
    """A started demo simulator; `stop()` it (safe twice)."""

    simulator: Simulator
    base_url: str
    api_key: str = DEMO_API_KEY
    agent_id: str = DEMO_AGENT_ID
    _stopped: bool = field(default=False, init=False, repr=False)

    def stop(self) -> None:
        """Stop serving (joins the server thread)."""
        if not self._stopped:
            self._stopped = True
            self.simulator.stop()


def start_demo(
    *,
    speed: float = 1.0,
    large_engine: tuple[int, int] | None = None,
    renders_elsewhere: bool = False,
    scheduled_posts: bool = False,
) -> RunningDemo:
    """Start a simulator whose clock runs at `speed` x real time.

    `large_engine` (rows, columns) adds an engine of that size, listed first (bench/startup.py);
    `renders_elsewhere` schedules the demo's renders started in GEN's own app (issue 18);
    `scheduled_posts` fills the posts calendar with posts made in GEN's web app (issue 17).
    """
    simulator = Simulator(clock=RealClock(speed=speed))
    if large_engine is not None:
        simulator.state.add_large_engine(*large_engine)
    if renders_elsewhere:
        simulator.state.schedule_demo_renders_elsewhere()
    base_url = simulator.start()
    if scheduled_posts:
        simulator.schedule.seed_demo_posts()
    return RunningDemo(simulator, base_url)
