"""A hypothesis state machine over the tracker: random server outcomes, faults and restarts.

Rules submit renders and publishes (with scripted outcomes), arm faults on the next status reads
or POSTs, let time pass, wait for jobs to settle, and restart the tracker on the same store.
Invariants, checked after every step: no terminal state is ever left, no job is lost (every job
is in the store, and every active one has its tracker task), and no charged or publish POST is
sent twice for one intent (journal count per Idempotency-Key).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from jobs_harness import Harness, LinkedClock

from genpro_desktop.core.api import PREFIX_MEMORY
from genpro_desktop.core.jobs import ACTIVE_STATES, TERMINAL_STATES
from genpro_desktop.core.store import Store
from genpro_desktop.simulator import ManualClock, Simulator, faults

GEN = r"/generations/\d+$"
PUBLISH_GET = r"/user_jobs/\d+$"

READ_FAULTS = {
    "503": faults.status(503),
    "502": faults.status(502),
    "reset": faults.reset(),
    "html": faults.html(),
    "broken-json": faults.malformed_json(),
    "unknown": faults.unknown_status("queued"),
    "404": faults.status(404, body={"error": "not found", "error_code": "not_found"}),
    "429": faults.status(429, retry_after=5),
    "regress": faults.unknown_status("processing"),
    "no-output": faults.status(
        200, body={"id": "1", "status": "completed", "output_resources": []}
    ),
}
POST_FAULTS = {
    "applied-502": faults.apply_then_status(502),
    "502": faults.status(502),
    "reset": faults.reset(),
    "applied-html": faults.html(apply=True),
    "credits": faults.status(
        422, body={"error": "Not enough credits", "error_code": "insufficient_credits"}
    ),
}


class TrackerMachine(RuleBasedStateMachine):
    """One simulator, one store, and a tracker that is restarted now and then."""

    def __init__(self) -> None:
        super().__init__()
        PREFIX_MEMORY.clear()
        self.loop = asyncio.new_event_loop()
        self.tmp = tempfile.TemporaryDirectory()
        root = Path(self.tmp.name)
        self.sim = Simulator(clock=ManualClock())
        self.sim.start()
        self.sim.state.set_balance(1_000_000)
        self.store = Store.open(root / "data" / "genpro.sqlite3")
        self.clock = LinkedClock(self.sim.clock)  # type: ignore[arg-type]
        self.harness = Harness(self.sim, self.store, self.clock, root / "downloads")
        self.run(self.harness.start())
        self.job_ids: list[str] = []

    def run(self, work: Any) -> Any:
        return self.loop.run_until_complete(work)

    def teardown(self) -> None:
        try:
            self.run(self.harness.aclose())
            self.run(self.store.aclose())
        finally:
            self.sim.stop()
            self.loop.close()
            self.tmp.cleanup()
            PREFIX_MEMORY.clear()

    # -- rules ---------------------------------------------------------------------------

    @rule(index=st.integers(0, 5), outcome=st.sampled_from(["completed", "failed"]))
    def submit_render(self, index: int, outcome: str) -> None:
        self.sim.state.script_render(outcome)
        job = self.run(self.harness.submit(index))
        self.job_ids.append(job.id)

    @rule(outcome=st.sampled_from(["completed", "failed"]))
    def submit_publish(self, outcome: str) -> None:
        self.sim.state.script_publish(outcome)
        job = self.run(self.harness.tracker.publish_intent(self.harness.publish_job()))
        self.job_ids.append(job.id)

    @rule(fault=st.sampled_from(sorted(READ_FAULTS)), times=st.integers(1, 4))
    def fault_on_reads(self, fault: str, times: int) -> None:
        self.sim.faults.add("GET", GEN, READ_FAULTS[fault], times=times)
        self.sim.faults.add("GET", PUBLISH_GET, READ_FAULTS[fault], times=times)

    @rule(fault=st.sampled_from(sorted(POST_FAULTS)))
    def fault_on_next_post(self, fault: str) -> None:
        self.sim.faults.add("POST", r"/render$|/user_jobs$", POST_FAULTS[fault])

    @rule(seconds=st.floats(0.5, 30))
    def let_time_pass(self, seconds: float) -> None:
        if self._active():
            self.run(self._until(self.clock.now() + seconds))

    @precondition(lambda self: bool(self.job_ids))
    @rule()
    def settle_everything(self) -> None:
        for job_id in self._active():
            self.run(asyncio.wait_for(self.harness.tracker.wait(job_id), 20))

    @rule()
    def restart(self) -> None:
        self.run(self.harness.restart())

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def terminal_states_are_never_left(self) -> None:
        for job_id in self.job_ids:
            history = self.run(self.store.state_history(job_id))
            terminal = [i for i, change in enumerate(history) if change.state in TERMINAL_STATES]
            if terminal:
                first = terminal[0]
                assert all(c.state is history[first].state for c in history[first:]), history

    @invariant()
    def no_job_is_lost(self) -> None:
        tracker = self.harness.tracker
        for job_id in self.job_ids:
            stored = self.run(self.store.get_job(job_id))
            assert stored is not None
            if stored.state in ACTIVE_STATES:
                task = tracker.book.task(job_id)
                assert task is not None, stored
                assert not task.done(), stored

    @invariant()
    def no_intent_is_posted_twice(self) -> None:
        for path in (r"/render$", r"/user_jobs$"):
            counts = self.harness.posts_by_key(path)
            assert all(n <= 1 for n in counts.values()), counts
            assert None not in counts  # every charged/publish POST carries a key

    # -- helpers -------------------------------------------------------------------------

    def _active(self) -> list[str]:
        return [j.id for j in self.harness.tracker.live_jobs() if j.state in ACTIVE_STATES]

    async def _until(self, moment: float) -> None:
        # Ends when the clock passes `moment` or every job has settled, whichever comes first;
        # bounded in real time too, for jobs that wait on something other than the clock.
        tracker = self.harness.tracker
        ticking = asyncio.ensure_future(self.clock.until(moment))
        settled = asyncio.ensure_future(
            asyncio.gather(*(tracker.wait(job_id) for job_id in self._active()))
        )
        await asyncio.wait({ticking, settled}, timeout=2, return_when=asyncio.FIRST_COMPLETED)
        for pending in (ticking, settled):
            pending.cancel()
        await asyncio.gather(ticking, settled, return_exceptions=True)


TrackerMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_tracker_state_machine = TrackerMachine.TestCase
