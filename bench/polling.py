"""Predictive polling against fixed 2 s polling on the same render schedule (issue #6 part 3,
issue #13 part 5).

For each typical duration T (`--typical`), N renders (`--renders`) get true durations drawn
around T (uniform within +-30 %, and 10 % of them, at seeded random positions, 3 x that). Each
strategy runs the real `JobTracker` against the simulator over a real socket, on one virtual
timeline: the tracker's clock is a discrete-event clock that also moves the simulator's
`ManualClock`, so only virtual time passes and a run takes seconds. The simulator runs in this
process (its own thread and event loop): what is measured is virtual time and request counts,
not the event loop. The store is seeded with `--history` finished renders of exactly T, so the
tracker learns the typical duration the real way (median of the last 20 successes), and keeps
learning from the bench's own renders as they finish. Renders are submitted one every `--gap`
seconds (default T / 5, about five in flight), in the same order with the same durations for
both strategies:

- `predictive`: the app's `PredictivePlan`;
- `fixed2s`: `FixedPlan(2.0)`, a read every 2 s, like GEN's SDK `waitForGeneration`.

Cold cases (`--cold 0 1 2`): the predictive plan again, but every render sees exactly that many
earlier renders of T in the history (the store's history is frozen for the run: the tracker does
not learn from the run's own renders), as a new user's first, second and third renders would.
The fixed baseline ignores history, so its one run per T serves every case. Goals: detection
delay p50 <= 2.5 s and p95 <= 5 s in every case; requests <= 1/3 of fixed-2s once two or more
samples exist, <= 0.6x with fewer.

Per render: requests = GETs of its generation in the simulator's journal; detection delay =
virtual time of the tracker's `job_finished` event minus the simulator's completion instant.
Prints one JSON object per strategy and typical duration, one comparison per typical duration,
then a one-line summary. Percentiles are nearest-rank.

    uv run python bench/polling.py [--renders 200] [--typical 30 60 180] [--history 20]
                                   [--cold 0 1 2] [--seed 6] [--gap S]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import heapq
import itertools
import json
import math
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from genpro_desktop.core.api import GenClient
from genpro_desktop.core.clock import DEFAULT_WALL_START
from genpro_desktop.core.downloads import Downloader
from genpro_desktop.core.jobs import (
    EventHub,
    JobEvent,
    JobKind,
    JobState,
    JobTracker,
    LocalJob,
    PollScheduler,
    new_job_id,
)
from genpro_desktop.core.jobs.poll_plan import FixedPlan, PollPlan, PredictivePlan
from genpro_desktop.core.jobs.ports import JobStore
from genpro_desktop.core.store import Store, UnreadableJob
from genpro_desktop.simulator import DEMO_API_KEY, ManualClock, Simulator

GOAL_REQUEST_RATIO = 1 / 3
GOAL_COLD_REQUEST_RATIO = 0.6  # fewer than two samples in the history
GOAL_P50_S = 2.5
GOAL_P95_S = 5.0
# A run that stops making progress for this long (real seconds) is a bug, not a slow machine.
STUCK_AFTER_S = 30.0
GENERATION_PATH = r"/generations/\d+$"
STRATEGIES: dict[str, PollPlan] = {"predictive": PredictivePlan(), "fixed2s": FixedPlan(2.0)}


class VirtualClock:
    """Discrete-event time for the tracker: `sleep` waits until the driver advances past it.

    Every advance moves the simulator's ManualClock by the same amount, so the tracker and the
    simulator share one timeline (both start at 0 and at `DEFAULT_WALL_START`).
    """

    def __init__(self, sim_clock: ManualClock) -> None:
        self.sim_clock = sim_clock
        self._now = 0.0
        self._alarms: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self.sleepers = 0
        self.changed = asyncio.Event()

    def now(self) -> float:
        """Virtual seconds since the start."""
        return self._now

    def wall(self) -> datetime:
        """The virtual wall clock."""
        return DEFAULT_WALL_START + timedelta(seconds=self._now)

    async def sleep(self, seconds: float) -> None:
        """Wait until the driver has advanced `seconds` (0: just yield)."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        alarm: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._alarms, (self._now + seconds, next(self._order), alarm))
        self.sleepers += 1
        self.changed.set()
        try:
            await alarm
        finally:
            if not alarm.done():  # cancelled while asleep
                alarm.cancel()
                self.sleepers -= 1

    def next_alarm(self) -> float | None:
        """When the earliest sleeper wakes, or None."""
        while self._alarms and self._alarms[0][2].done():
            heapq.heappop(self._alarms)
        return self._alarms[0][0] if self._alarms else None

    def advance_to(self, moment: float) -> None:
        """Move both clocks to `moment` and wake every sleeper due by then."""
        if moment > self._now:
            self.sim_clock.advance(moment - self._now)
            self._now = moment
        while self._alarms and self._alarms[0][0] <= self._now:
            _, _, alarm = heapq.heappop(self._alarms)
            if not alarm.done():
                alarm.set_result(None)
                self.sleepers -= 1


def render_durations(
    renders: int, typical: float, seed: int, spread: float, outliers: float, factor: float
) -> tuple[list[float], set[int]]:
    """True durations (uniform within typical +-spread, and a fraction `outliers` of them
    `factor` x that), and the indexes of the outliers."""
    rng = random.Random(seed)
    durations = [typical * rng.uniform(1 - spread, 1 + spread) for _ in range(renders)]
    late = set(rng.sample(range(renders), round(renders * outliers)))
    for index in late:
        durations[index] *= factor
    return durations, late


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class Outcome:
    """One render as measured: its true duration, requests and detection delay."""

    duration: float
    outlier: bool
    requests: int
    delay: float


async def seed_history(store: Store, typical: float, count: int) -> None:
    """`count` finished renders that each took exactly `typical` seconds, before the run."""
    for index in range(count):
        finished = DEFAULT_WALL_START - timedelta(minutes=index + 1)
        job = LocalJob(
            id=new_job_id(),
            kind=JobKind.RENDER,
            state=JobState.COMPLETED,
            agent_id="4711",
            created_at=finished - timedelta(seconds=typical),
            updated_at=finished,
            finished_at=finished,
            remote_id=f"history-{index}",
        )
        await store.save_job(job)


class FrozenHistory:
    """The store, except that durations are those of the history as it was when frozen: the
    tracker does not learn from the run's own renders (the cold cases)."""

    def __init__(self, store: Store, typical: float | None, durations: list[float]) -> None:
        self._store = store
        self._typical = typical
        self._durations = durations

    @classmethod
    async def freeze(cls, store: Store) -> FrozenHistory:
        """Take the render history as it is now."""
        typical = await store.typical_duration(JobKind.RENDER)
        return cls(store, typical, await store.recent_durations(JobKind.RENDER))

    async def save_job(self, job: LocalJob, *, detail: str | None = None) -> None:
        await self._store.save_job(job, detail=detail)

    async def record_intent(self, job: LocalJob) -> None:
        await self._store.record_intent(job)

    async def get_job(self, job_id: str) -> LocalJob | None:
        return await self._store.get_job(job_id)

    async def find_by_remote(self, kind: JobKind, remote_id: str) -> LocalJob | None:
        return await self._store.find_by_remote(kind, remote_id)

    async def active_jobs(self) -> list[LocalJob]:
        return await self._store.active_jobs()

    async def unreadable_jobs(self, *, unfinished_only: bool = False) -> list[UnreadableJob]:
        return await self._store.unreadable_jobs(unfinished_only=unfinished_only)

    async def typical_duration(self, kind: JobKind) -> float | None:
        return self._typical if kind is JobKind.RENDER else None

    async def recent_durations(self, kind: JobKind) -> list[float]:
        return list(self._durations) if kind is JobKind.RENDER else []


def final_cell(sim: Simulator) -> tuple[str, str]:
    """(engine id, cell id) of the first renderable cell in the simulator's seed."""
    for engine in sim.state.engine_records.values():
        final = {c.id for c in engine.columns if c.role == "final_video"}
        for row in engine.rows:
            for cell in row.cells:
                if cell.column_id in final:
                    return str(engine.id), str(cell.id)
    raise RuntimeError("the simulator's seed has no final-video cell")


class Run:
    """One strategy over one schedule: the driver advancing virtual time, and what it saw."""

    def __init__(
        self, tracker: JobTracker, clock: VirtualClock, hub: EventHub, typical: float | None
    ) -> None:
        self.tracker = tracker
        self.clock = clock
        self.typical = typical  # the tracker's typical duration as of the last refresh
        self.typical_at_submit: list[float | None] = []
        self.finished_at: dict[str, float] = {}
        self.problems: list[str] = []
        self.active = 0
        self._refreshed = 0
        hub.subscribe(self._on_event)

    def _on_event(self, event: JobEvent) -> None:
        job = event.job
        if job is None or job.id in self.finished_at:
            return
        if event.type == "job_finished" or job.is_parked:
            self.finished_at[job.id] = self.clock.now()
            self.active -= 1
            if job.state is not JobState.COMPLETED:
                self.problems.append(f"{job.id}: {job.state} {job.attention_reason or ''}")
            self.clock.changed.set()

    async def settle(self) -> None:
        """Return once every active job is asleep on the clock and the typical is refreshed."""
        while self.clock.sleepers < self.active:
            self.clock.changed.clear()
            await asyncio.wait_for(self.clock.changed.wait(), STUCK_AFTER_S)
        if len(self.finished_at) != self._refreshed:
            # What the tracker's own refresh does after a success, awaited so the next poll
            # plans with it (the tracker's refresh runs in the background).
            self._refreshed = len(self.finished_at)
            self.typical = await self.tracker.typical_duration(JobKind.RENDER)

    async def drive(self, cell: tuple[str, str], arrivals: list[float]) -> list[LocalJob]:
        """Submit a render at each arrival instant and advance time until all are done."""
        jobs: list[LocalJob] = []
        pending = list(arrivals)
        while True:
            await self.settle()
            if not pending and self.active == 0:
                return jobs
            alarm = self.clock.next_alarm()
            if pending and (alarm is None or pending[0] <= alarm):
                self.clock.advance_to(pending.pop(0))
                self.active += 1
                self.typical_at_submit.append(self.typical)
                jobs.append(await self.tracker.submit_render(*cell))
            elif alarm is not None:
                self.clock.advance_to(alarm)
            else:
                raise RuntimeError(f"{self.active} jobs active but none is waiting on the clock")


async def run_strategy(
    name: str,
    schedule: tuple[list[float], set[int]],
    typical: float,
    gap: float,
    history: int,
    seed: int,
    *,
    frozen: bool = False,
) -> tuple[list[Outcome], dict[str, Any]]:
    """Run the tracker with strategy `name` over the schedule; outcomes in submission order."""
    durations, late = schedule
    sim_clock = ManualClock()
    clock = VirtualClock(sim_clock)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, Simulator(clock=sim_clock) as sim:
        sim.state.set_balance(10**9)
        for duration in durations:
            sim.state.script_render(pending_s=min(2.0, duration), done_s=duration)
        store = Store.open(Path(tmp) / "genpro.sqlite3")
        client = GenClient(
            api_key=DEMO_API_KEY, base_url=sim.base_url, agent_id="4711", clock=clock
        )
        downloader = Downloader()
        hub = EventHub()
        scheduler = PollScheduler(clock, rng=random.Random(seed), plan=STRATEGIES[name])
        await seed_history(store, typical, history)
        jobs_store: JobStore = await FrozenHistory.freeze(store) if frozen else store
        tracker = JobTracker(
            client, jobs_store, downloader, scheduler, clock, hub, download_dir=Path(tmp) / "dl"
        )
        try:
            await tracker.start()
            run = Run(tracker, clock, hub, await tracker.typical_duration(JobKind.RENDER))
            arrivals = [index * gap for index in range(len(durations))]
            jobs = await run.drive(final_cell(sim), arrivals)
        finally:
            await tracker.aclose()
            await downloader.aclose()
            await client.aclose()
            await store.aclose()
        reads = Counter(
            entry.path.rsplit("/", 1)[1] for entry in sim.journal.find("GET", GENERATION_PATH)
        )
        outcomes: list[Outcome] = []
        for index, (job, duration) in enumerate(zip(jobs, durations, strict=True)):
            assert job.remote_id is not None
            render = sim.state.render_records[int(job.remote_id)]
            delay = run.finished_at[job.id] - (render.start + render.script.done_s)
            outcomes.append(Outcome(duration, index in late, reads[job.remote_id], delay))
    known = [t for t in run.typical_at_submit if t is not None]
    extra = {
        # The typical duration the tracker planned with when each render was submitted.
        "typical_in_force_min_s": round(min(known), 1) if known else None,
        "typical_in_force_p50_s": round(statistics.median(known), 1) if known else None,
        "typical_in_force_max_s": round(max(known), 1) if known else None,
        "problems": run.problems,
        "virtual_s": round(clock.now(), 1),
        "real_s": round(time.perf_counter() - started, 2),
    }
    return outcomes, extra


def summarize(outcomes: list[Outcome]) -> dict[str, Any]:
    """Requests per render and detection delays, overall and for the outliers."""
    delays = [o.delay for o in outcomes]
    late = [o.delay for o in outcomes if o.outlier]
    return {
        "requests_per_render_mean": round(statistics.fmean(o.requests for o in outcomes), 2),
        "requests_total": sum(o.requests for o in outcomes),
        "delay_p50_s": round(percentile(delays, 0.50), 2),
        "delay_p95_s": round(percentile(delays, 0.95), 2),
        "delay_max_s": round(max(delays), 2),
        "delay_min_s": round(min(delays), 2),
        "outliers": len(late),
        "outlier_delay_p50_s": round(percentile(late, 0.5), 2) if late else None,
    }


async def bench(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every strategy for every typical duration, then the cold cases; one comparison each."""
    lines: list[dict[str, Any]] = []
    for typical in args.typical:
        schedule = render_durations(
            args.renders, typical, args.seed, args.spread, args.outliers, args.outlier_factor
        )
        digest = hashlib.sha256(json.dumps(schedule[0]).encode()).hexdigest()[:12]
        gap = args.gap if args.gap is not None else typical / 5
        cases = [(name, args.history, False) for name in args.strategies]
        if "predictive" in args.strategies:
            cases += [("predictive", history, True) for history in args.cold]
        results: dict[tuple[str, int, bool], dict[str, Any]] = {}
        for name, history, frozen in cases:
            outcomes, extra = await run_strategy(
                name, schedule, typical, gap, history, args.seed, frozen=frozen
            )
            record = {
                "bench": "polling",
                "strategy": name,
                "typical_s": typical,
                "history": history,
                "learning": not frozen,
                "renders": len(outcomes),
                "gap_s": gap,
                "schedule": digest,
                **summarize(outcomes),
                **extra,
            }
            results[name, history, frozen] = record
            lines.append(record)
        base = results.get(("fixed2s", args.history, False))
        if base is None:
            continue
        for (name, history, frozen), ours in results.items():
            if name == "predictive":
                lines.append(compare(ours, base, history, learning=not frozen))
    return lines


def compare(
    ours: dict[str, Any], base: dict[str, Any], history: int, *, learning: bool
) -> dict[str, Any]:
    """The predictive run against the fixed baseline, with the goals of its case."""
    ratio = ours["requests_per_render_mean"] / base["requests_per_render_mean"]
    goal_ratio = GOAL_REQUEST_RATIO if history >= 2 else GOAL_COLD_REQUEST_RATIO
    return {
        "bench": "polling",
        "compare": "predictive/fixed2s",
        "typical_s": ours["typical_s"],
        "history": history,
        "learning": learning,
        "request_ratio": round(ratio, 3),
        "request_ratio_goal": round(goal_ratio, 3),
        "delay_p50_s": ours["delay_p50_s"],
        "delay_p95_s": ours["delay_p95_s"],
        "delay_max_s": ours["delay_max_s"],
        "goal_requests_met": ratio <= goal_ratio,
        "goal_p50_met": ours["delay_p50_s"] <= GOAL_P50_S,
        "goal_p95_met": ours["delay_p95_s"] <= GOAL_P95_S,
    }


def human_summary(lines: list[dict[str, Any]]) -> str:
    """One line: per typical duration, the ratio and the predictive delays, goals met or not."""
    parts: list[str] = []
    for line in (line for line in lines if "compare" in line):
        met = line["goal_requests_met"] and line["goal_p50_met"] and line["goal_p95_met"]
        case = f"history {line['history']}" + ("" if line["learning"] else " frozen")
        parts.append(
            f"T={line['typical_s']:g}s {case}: {line['request_ratio']:.2f}x the fixed-2s requests, "
            f"delay p50 {line['delay_p50_s']:.1f}s p95 {line['delay_p95_s']:.1f}s "
            f"({'goals met' if met else 'GOAL MISSED'})"
        )
    return "polling: " + ("; ".join(parts) if parts else "no comparison (one strategy only)")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--typical", type=float, nargs="+", default=[30.0, 60.0, 180.0])
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--spread", type=float, default=0.3, help="+- fraction around typical")
    parser.add_argument("--outliers", type=float, default=0.1, help="fraction of outliers")
    parser.add_argument("--outlier-factor", type=float, default=3.0)
    parser.add_argument("--history", type=int, default=20, help="finished renders seeded")
    parser.add_argument(
        "--cold",
        type=int,
        nargs="*",
        default=[0, 1, 2],
        help="cold cases: predictive runs that see exactly this many earlier renders",
    )
    parser.add_argument("--gap", type=float, default=None, help="seconds between submissions")
    parser.add_argument(
        "--strategies", nargs="+", choices=sorted(STRATEGIES), default=["predictive", "fixed2s"]
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print JSON lines, then the summary."""
    args = parse_args(argv)
    lines = asyncio.run(bench(args))
    for line in lines:
        print(json.dumps(line))
    print(human_summary(lines))


if __name__ == "__main__":
    main()
