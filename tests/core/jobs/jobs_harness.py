"""Test harness for the tracker: a linked fake clock, a concurrency-counting transport, and a
`Harness` that builds (and rebuilds, for restarts) a tracker over the simulator and a store."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

from genpro_desktop.core.api import GenClient
from genpro_desktop.core.clock import FakeClock
from genpro_desktop.core.downloads import Downloader, Reconnects
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
from genpro_desktop.core.jobs.scheduler import DEFAULT_POLL_RATE
from genpro_desktop.core.store import Store
from genpro_desktop.simulator import DEMO_API_KEY, ManualClock, Simulator


class LinkedClock(FakeClock):
    """A FakeClock whose sleeps also advance the simulator's clock (server time passes too)."""

    def __init__(self, sim_clock: ManualClock) -> None:
        super().__init__()
        self.sim_clock = sim_clock
        self._alarms: list[tuple[float, asyncio.Future[None]]] = []

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, float(seconds))
        self.sim_clock.advance(seconds)
        await super().sleep(seconds)
        due = [(t, f) for t, f in self._alarms if t <= self.now()]
        for alarm in due:
            self._alarms.remove(alarm)
            if not alarm[1].done():
                alarm[1].set_result(None)

    async def until(self, moment: float) -> None:
        """Return once the code under test has slept this clock past `moment`."""
        if self.now() >= moment:
            return
        alarm: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._alarms.append((moment, alarm))
        await alarm


@dataclass(frozen=True)
class Attempt:
    """One request as the client saw it: how long it took (real time) and how it ended."""

    method: str
    path: str
    seconds: float
    error: type[BaseException] | None


class CountingTransport(httpx.AsyncBaseTransport):
    """A real HTTP transport that counts requests in flight (the client's view of the wire) and
    times each one; `read_timeout` overrides the client's own read timeout when given."""

    def __init__(self, *, read_timeout: float | None = None) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._read_timeout = read_timeout
        self.in_flight = 0
        self.peak = 0
        self.sent: Counter[str] = Counter()
        self.attempts: list[Attempt] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._read_timeout is not None:
            # Shorter timeouts on the same real socket, so a stalled server is noticed fast.
            timeouts = dict(request.extensions.get("timeout", {}))
            timeouts["read"] = self._read_timeout
            request.extensions["timeout"] = timeouts
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        self.sent[request.method] += 1
        started = time.monotonic()
        error: type[BaseException] | None = None
        try:
            response = await self._inner.handle_async_request(request)
            await response.aread()
            return response
        except BaseException as exc:
            error = type(exc)
            raise
        finally:
            self.in_flight -= 1
            elapsed = time.monotonic() - started
            self.attempts.append(Attempt(request.method, request.url.path, elapsed, error))

    async def aclose(self) -> None:
        await self._inner.aclose()


class Harness:
    """A tracker (with its client, downloader, scheduler, events) over `sim` and `store`."""

    def __init__(
        self,
        sim: Simulator,
        store: Store,
        clock: LinkedClock,
        download_dir: Path,
        *,
        rng: random.Random | None = None,
        max_concurrent: int = 6,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        auto_download: bool = False,
        downloader: Downloader | None = None,
        poll_rate: float | None = DEFAULT_POLL_RATE,
    ) -> None:
        self.poll_rate = poll_rate
        self.sim = sim
        self.store = store
        self.clock = clock
        self.download_dir = download_dir
        self.rng = rng or random.Random(1)
        self.max_concurrent = max_concurrent
        self.base_url = base_url or sim.base_url
        self.transport = transport
        self.auto_download = auto_download
        self.events: list[JobEvent] = []
        self.client = self._make_client(self.base_url)
        # Reconnect back-offs sleep on the harness's fake clock.
        self.downloader = downloader or Downloader(reconnects=Reconnects(clock=clock))
        self.scheduler, self.hub, self.tracker = self._make_tracker()
        self._extra_clients: list[GenClient] = []

    def _make_client(self, base_url: str) -> GenClient:
        return GenClient(
            api_key=DEMO_API_KEY,
            base_url=base_url,
            agent_id="4711",
            clock=self.clock,
            transport=self.transport,
        )

    def _make_tracker(self) -> tuple[PollScheduler, EventHub, JobTracker]:
        scheduler = PollScheduler(
            self.clock, rng=self.rng, max_concurrent=self.max_concurrent, poll_rate=self.poll_rate
        )
        hub = EventHub()
        hub.subscribe(self.events.append)
        self.download_dir.mkdir(parents=True, exist_ok=True)
        tracker = JobTracker(
            self.client,
            self.store,
            self.downloader,
            scheduler,
            self.clock,
            hub,
            download_dir=self.download_dir,
            auto_download=self.auto_download,
        )
        return scheduler, hub, tracker

    async def start(self) -> None:
        await self.tracker.start()

    async def restart(self) -> None:
        """Close the tracker (as at app exit) and start a new one on the same store."""
        await self.tracker.aclose()
        self.scheduler, self.hub, self.tracker = self._make_tracker()
        await self.tracker.start()

    def use_client(self, base_url: str) -> GenClient:
        """A second client (e.g. to a dead port) owned and closed by the harness."""
        extra = self._make_client(base_url)
        self._extra_clients.append(extra)
        return extra

    async def aclose(self) -> None:
        await self.tracker.aclose()
        await self.downloader.aclose()
        await self.client.aclose()
        for extra in self._extra_clients:
            await extra.aclose()

    # -- helpers -------------------------------------------------------------------------

    def final_cells(self) -> list[tuple[str, str]]:
        """(engine id, final-video cell id) of every renderable cell in the seed."""
        cells: list[tuple[str, str]] = []
        for engine in self.sim.state.engine_records.values():
            final = {c.id for c in engine.columns if c.role == "final_video"}
            for row in engine.rows:
                cells.extend(
                    (str(engine.id), str(cell.id)) for cell in row.cells if cell.column_id in final
                )
        return cells

    async def submit(self, index: int = 0, **kwargs: object) -> LocalJob:
        engine_id, cell_id = self.final_cells()[index]
        return await self.tracker.submit_render(engine_id, cell_id, **kwargs)  # type: ignore[arg-type]

    async def settle(self, job_id: str, limit: float = 15.0) -> LocalJob:
        """Wait (`limit` real seconds as a safety net) until the job is terminal or parked."""
        return await asyncio.wait_for(self.tracker.wait(job_id), limit)

    def seed_job(self, **fields: object) -> LocalJob:
        """A job as a previous run would have stored it."""
        now = self.clock.wall()
        values: dict[str, object] = {
            "id": new_job_id(),
            "kind": JobKind.RENDER,
            "state": JobState.PENDING,
            "agent_id": "4711",
            "created_at": now,
            "updated_at": now,
        }
        values.update(fields)
        return LocalJob(**values)  # type: ignore[arg-type]

    def publish_job(self, **fields: object) -> LocalJob:
        """A publish job as PublishService would build it (media on the simulator's CDN)."""
        values: dict[str, object] = {
            "kind": JobKind.PUBLISH,
            "state": JobState.SUBMITTING,
            "platform": "tiktok",
            "media_url": f"{self.sim.cdn_base_url}/outputs/render_880001.mp4",
            "caption": "New drop #demo",
            "dedupe_key": new_job_id(),
        }
        values.update(fields)
        return self.seed_job(**values)

    def posts_by_key(self, path_regex: str) -> Counter[str | None]:
        """POSTs in the journal matching `path_regex`, counted by Idempotency-Key."""
        keys: Counter[str | None] = Counter()
        for entry in self.sim.journal.find("POST", path_regex):
            headers = {k.lower(): v for k, v in entry.headers.items()}
            keys[headers.get("idempotency-key")] += 1
        return keys

    @staticmethod
    def file_size(path: str | Path) -> int:
        """Size of a file, or -1 when it does not exist (sync on purpose: tiny test files)."""
        try:
            return os.path.getsize(path)
        except OSError:
            return -1

    @staticmethod
    def file_sha256(path: str | Path) -> str:
        """SHA-256 of a file's bytes."""
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()

    def event_types(self, job_id: str) -> list[str]:
        return [e.type for e in self.events if e.job is not None and e.job.id == job_id]
