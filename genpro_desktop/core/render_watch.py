"""Watch the open engines for renders started elsewhere (GEN's web app, its MCP server).

A render of an open engine that this app did not start joins the jobs panel and is tracked like
ours: the watcher reads each open engine (one GET, through the tracker's request slots, on a
modest cadence) and hands every new generation id to `JobTracker.adopt_generation`, which only
ever reads GEN. Nothing here sends a POST, so nothing is charged or refunded. Besides the cells'
takes, GEN's per-sheet generations route (`GET /{prefix}/{id}/generations`, behind GEN's MCP
server, not in the public reference) is read where the server has it: its render entries that
the cells do not show yet are adopted too; a server without it is not asked again.

No double tracking:
- ids the tracker already has (live jobs, or finished ones in the store) are skipped, and
  `adopt_generation` itself returns the job that already tracks an id instead of a second one;
- while one of our own render submissions for a cell has no generation id yet (sending, or its
  outcome unknown), that cell's new takes are held back: GEN's new take may be that very render.
  They are looked at again on the next scan, once the submission knows its id.
- On the first scan of an engine, takes that already finished are history (the engine view lists
  them), not jobs; takes still running are adopted. Every take that appears later is adopted,
  whatever its status (a render can start and finish between two scans).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from genpro_desktop.core.api import GenError
from genpro_desktop.core.browse import build_grid
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, RenderOrigin
from genpro_desktop.core.renders import RenderTake, engine_renders, render_takes

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from genpro_desktop.core.api import Engine, GenClient, Generation
    from genpro_desktop.core.clock import Clock

__all__ = ["DEFAULT_WATCH_INTERVAL_S", "RenderWatcher", "ScanResult", "WatchedTracker"]

logger = logging.getLogger("genpro_desktop.core.render_watch")

# One read per open engine per minute: enough to notice a render (they take minutes) without
# adding noticeably to the tracker's own polling.
DEFAULT_WATCH_INTERVAL_S = 60.0

# Our own render jobs in these states may still turn into a take GEN lists without our knowing
# its id yet.
_UNRESOLVED = (JobState.QUEUED, JobState.SUBMITTING, JobState.OUTCOME_UNKNOWN)


class WatchedTracker(Protocol):
    """What the watcher needs from `JobTracker` (its public methods only)."""

    def live_jobs(self) -> list[LocalJob]: ...

    async def adopt_generation(
        self,
        generation_id: str,
        *,
        agent_id: str | None = None,
        title: str | None = None,
        engine_id: str | None = None,
        cell_id: str | None = None,
        origin: RenderOrigin | None = None,
    ) -> LocalJob: ...


class RemoteLookup(Protocol):
    """The store's lookup of a job by its GEN id (`Store.find_by_remote`)."""

    async def find_by_remote(self, kind: JobKind, remote_id: str) -> LocalJob | None: ...


class RequestSlots(Protocol):
    """The tracker's scheduler: one cap and one pause for every request to GEN."""

    def request_slot(self) -> AbstractAsyncContextManager[None]: ...


@dataclass(frozen=True)
class ScanResult:
    """What one scan of the open engines did."""

    adopted: list[LocalJob]
    held_back: list[RenderTake]  # new takes of a cell with an unresolved submission of ours
    failed: dict[str, str]  # engine id -> why it could not be read this time


class RenderWatcher:
    """Adopts renders of the open engines that this app did not start; see the module docstring.

    The owner calls `set_engines` when engines open or close, `start()` once, and `aclose()` on
    shutdown; `scan()` runs one pass now (tests, or a "refresh" the user asks for).
    """

    def __init__(
        self,
        client: GenClient,
        tracker: WatchedTracker,
        slots: RequestSlots,
        clock: Clock,
        history: RemoteLookup,
        *,
        agent_id: str | None = None,
        interval: float = DEFAULT_WATCH_INTERVAL_S,
    ) -> None:
        if interval <= 0:
            raise ValueError("the watch interval must be positive")
        self._client = client
        self._tracker = tracker
        self._slots = slots
        self._clock = clock
        self._history = history
        self._agent_id = agent_id
        self.interval = interval
        self._engines: list[str] = []
        self._seen: dict[str, set[str]] = {}  # engine id -> generation ids looked at already
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._closed = False
        # Whether the server has GEN's per-sheet generations route (None: not asked yet).
        self._sheet_route: bool | None = None

    @property
    def engines(self) -> list[str]:
        """The engines being watched."""
        return list(self._engines)

    @property
    def running(self) -> bool:
        """True while the background task runs."""
        return self._task is not None and not self._task.done()

    def set_client(self, client: GenClient) -> None:
        """Use a new API client (the user signed in again)."""
        self._client = client

    def set_engines(self, engine_ids: Iterable[str]) -> None:
        """Watch exactly these engines (the open ones); a closed engine is forgotten."""
        wanted = list(dict.fromkeys(str(e) for e in engine_ids))
        for gone in set(self._seen) - set(wanted):
            del self._seen[gone]
        self._engines = wanted

    def start(self) -> None:
        """Start scanning every `interval` seconds (first scan at once); idempotent.

        Raises RuntimeError when closed or called without a running event loop. The loop is
        looked up before `_run()` is called: `asyncio.create_task(self._run())` builds the
        coroutine first and, with no running loop (a qasync task step run by a bare
        `processEvents`, e.g. pytest-qt's between a test and its teardown), leaves it never
        awaited."""
        if self._closed:
            raise RuntimeError("the render watcher was closed")
        if self.running:
            return
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run(), name="render-watcher")

    async def aclose(self) -> None:
        """Stop the background task and wait for it."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def scan(self) -> ScanResult:
        """Read each watched engine once and adopt the renders started elsewhere."""
        async with self._lock:
            adopted: list[LocalJob] = []
            held: list[RenderTake] = []
            failed: dict[str, str] = {}
            for engine_id in list(self._engines):
                try:
                    async with self._slots.request_slot():
                        engine = await self._client.engines.get(engine_id, agent_id=self._agent_id)
                except GenError as exc:
                    # Next scan tries again; the tracker's own jobs are not affected.
                    failed[engine_id] = str(exc)
                    logger.info("Could not read engine %s for new renders: %s", engine_id, exc)
                    continue
                if engine_id not in self._engines:
                    continue  # closed while we read it
                takes = render_takes(engine)
                takes += await self._sheet_generations(engine, takes)
                first_scan = engine_id not in self._seen
                seen = self._seen.setdefault(engine_id, set())
                live = self._tracker.live_jobs()
                known = {j.remote_id for j in live if j.kind is JobKind.RENDER and j.remote_id}
                unresolved = _unresolved_cells(live, engine_id)
                for take in takes:
                    if take.generation_id in known or take.generation_id in seen:
                        continue
                    if take.cell_id in unresolved or (unresolved and not take.cell_id):
                        held.append(take)  # it may be ours (a listing without its cell: may be)
                        continue
                    seen.add(take.generation_id)
                    if first_scan and take.status.is_terminal:
                        continue  # history, listed by the engine view
                    if await self._history.find_by_remote(JobKind.RENDER, take.generation_id):
                        continue  # ours (or adopted before), already finished here
                    where = f", row {take.row}" if take.row else ""
                    title = f"{engine.title or f'Engine {engine.id}'}{where} render"
                    job = await self._tracker.adopt_generation(
                        take.generation_id,
                        agent_id=self._agent_id,
                        title=title,
                        engine_id=take.engine_id,
                        cell_id=take.cell_id or None,  # on its row of the grid
                        origin=_origin(engine, take),
                    )
                    adopted.append(job)
                seen.update(known)
            return ScanResult(adopted, held, failed)

    async def _sheet_generations(self, engine: Engine, takes: list[RenderTake]) -> list[RenderTake]:
        """Renders GEN's per-sheet generations route lists that the cells did not (yet) show.

        The route is not in GEN's public reference: where the server has none (404/405) it is
        not asked again for this watcher's session; any other error only skips it this time.
        """
        if self._sheet_route is False:
            return []
        try:
            async with self._slots.request_slot():
                listed = await self._client.engines.generations(engine.id, agent_id=self._agent_id)
        except GenError as exc:
            logger.info("Could not read engine %s's generations: %s", engine.id, exc)
            return []
        if listed is None:
            self._sheet_route = False
            return []
        self._sheet_route = True
        rows = {row.cell_id: row for row in engine_renders(engine) if row.cell_id is not None}
        have = {take.generation_id for take in takes}
        extra: list[RenderTake] = []
        for generation in listed:
            cell_id = _cell_of(generation)
            row = rows.get(cell_id) if cell_id is not None else None
            is_render = "remotion" in (generation.user_job_type or "").lower()
            if generation.id in have or (row is None and not is_render):
                continue  # known already, or not a render (a layer's or another cell's job)
            have.add(generation.id)
            number, row_id = (row.row, row.row_id) if row is not None else (0, "")
            take = RenderTake.of(
                generation, engine.id, number, row_id, cell_id or "", is_current=False
            )
            extra.append(take)
        return extra

    async def _run(self) -> None:
        while True:
            try:
                await self.scan()
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not end the watching for the rest of the session
                logger.exception("Scanning the open engines for new renders failed")
            await self._clock.sleep(self.interval)


_CELL_KEYS = ("cell_id", "spreadsheet_cell_id", "container_id")


def _cell_of(generation: Generation) -> str | None:
    """The cell a listed generation belongs to, where GEN says (field name not documented)."""
    extra = generation.model_extra or {}
    for key in _CELL_KEYS:
        value = extra.get(key)
        if isinstance(value, int | str) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def _unresolved_cells(jobs: list[LocalJob], engine_id: str) -> set[str]:
    """Cells of `engine_id` with a render of ours that has no generation id yet."""
    return {
        job.cell_id
        for job in jobs
        if job.kind is JobKind.RENDER
        and job.remote_id is None
        and job.cell_id is not None
        and job.engine_id == engine_id
        and job.state in _UNRESOLVED
    }


def _origin(engine: Engine, take: RenderTake) -> RenderOrigin:
    """What an adopted render is of (engine title, row, the row's text), as the grid shows it."""
    rows = [row for row in build_grid(engine).rows if row.row_id == take.row_id]
    return RenderOrigin(
        engine_title=engine.title or None,
        row_number=take.row or None,
        row_text=rows[0].text if rows else None,
    )
