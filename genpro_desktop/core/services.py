"""The composition root: builds the core services once and closes them in reverse order.

`open_services()` is what the GUI and the CLI call: it takes the single-instance lock, opens the
job store, builds the client, downloader, scheduler, events, tracker and publisher, and resumes
every unfinished job. `build_services()` builds the same graph around a store the caller owns
(or, without one, a throwaway store that lives only for the session: demos and tests).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, Unpack

import httpx

from genpro_desktop.core.api import GenClient, PathPrefix, Secret
from genpro_desktop.core.clock import Clock, SystemClock
from genpro_desktop.core.paths import AppPaths

if TYPE_CHECKING:
    # Imported where the graph is built: `make_client` (the CLI's read commands, the desktop
    # app's key check) needs none of them, nor aiohttp, which the downloader brings.
    from genpro_desktop.core.downloads import Downloader
    from genpro_desktop.core.jobs import EventHub, JobTracker, PollScheduler
    from genpro_desktop.core.publishing.calendar import PostsCalendar
    from genpro_desktop.core.publishing.posts import PostService
    from genpro_desktop.core.publishing.service import PublishService
    from genpro_desktop.core.render_cost import RenderCostEstimator
    from genpro_desktop.core.render_watch import RenderWatcher
    from genpro_desktop.core.store import InstanceLock, Store

__all__ = ["AppServices", "build_services", "make_client", "open_services"]

logger = logging.getLogger("genpro_desktop.core")


@dataclass
class AppServices:
    """Every long-lived core service the GUI and the CLI share."""

    client: GenClient
    downloader: Downloader
    store: Store
    scheduler: PollScheduler
    events: EventHub
    tracker: JobTracker
    publisher: PublishService
    clock: Clock
    # Issue 18: renders started elsewhere (the owner starts it and sets the open engines), and
    # the expected cost of a render.
    render_watcher: RenderWatcher
    render_costs: RenderCostEstimator
    lock: InstanceLock | None = None
    _scratch: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    _closed: bool = field(default=False, init=False)

    @functools.cached_property
    def poster(self) -> PostService:
        """Multi-platform posts through GEN's schedule API (the tracker's `posts` part)."""
        from genpro_desktop.core.publishing.posts import PostService

        return PostService(self.tracker.posts, self.store, self.clock)

    @functools.cached_property
    def calendar(self) -> PostsCalendar:
        """GEN's scheduled and recent posts merged with ours (issue 17's posts calendar); its
        owner calls `start()` and `set_active()`; closed with the services."""
        from genpro_desktop.core.publishing.calendar import PostsCalendar

        return PostsCalendar(
            lambda: self.client,
            self.scheduler,
            self.clock,
            self.store,
            self.tracker.posts,
            self.poster,
            agent_id=lambda: self.client.agent_id,
            subscribe=self.events.subscribe,
        )

    async def aclose(self) -> None:
        """Close tracker -> downloader -> client -> store, then release the lock; safe twice."""
        if self._closed:
            return
        self._closed = True
        calendar = self.__dict__.get("calendar")  # only when something asked for it
        steps = (
            *((calendar.aclose,) if calendar is not None else ()),
            self.render_watcher.aclose,
            self.tracker.aclose,
            self.downloader.aclose,
            self.client.aclose,
            self.store.aclose,
        )
        first_error: BaseException | None = None
        for step in steps:
            try:
                await step()
            except Exception as exc:  # keep closing the rest; report the first failure
                logger.exception("Closing a core service failed")
                first_error = first_error or exc
        if self.lock is not None:
            self.lock.release()
        if self._scratch is not None:
            self._scratch.cleanup()
        if first_error is not None:
            raise first_error


class ClientOptions(TypedDict, total=False):
    """The settings of a `GenClient` besides its key (`GenClient`'s defaults where left out)."""

    base_url: str
    publish_base_url: str | None
    agent_id: str | None
    path_prefix: PathPrefix
    transport: httpx.AsyncBaseTransport | None
    clock: Clock | None
    user_agent: str | None


def make_client(*, api_key: str | Secret, **options: Unpack[ClientOptions]) -> GenClient:
    """The one place a `GenClient` is built (the services, the CLI, the desktop app's key check).

    `transport=None` is httpx's own; `build_services` passes the shared aiohttp one. Raises what
    `GenClient` raises for an unusable key or an unsafe URL (it builds nothing that needs
    closing before it has checked them).
    """
    return GenClient(api_key=api_key, **options)


def build_services(
    *,
    api_key: str | Secret,
    store: Store | None = None,
    download_dir: Path | None = None,
    auto_download: bool = False,
    max_concurrent: int | None = None,
    **client_options: Unpack[ClientOptions],
) -> AppServices:
    """Build the service graph around `store` (without one: a throwaway session store).

    `max_concurrent`: the poll scheduler's limit (None: its default); `client_options` are the
    API client's, except that its clock and transport are the services' own by default."""
    from genpro_desktop.core.downloads import Downloader, Reconnects
    from genpro_desktop.core.http.aiohttp_transport import preferred_transport
    from genpro_desktop.core.jobs import EventHub, JobTracker, PollScheduler
    from genpro_desktop.core.jobs.scheduler import DEFAULT_MAX_CONCURRENT
    from genpro_desktop.core.publishing.service import PublishService
    from genpro_desktop.core.render_cost import RenderCostEstimator
    from genpro_desktop.core.render_watch import RenderWatcher
    from genpro_desktop.core.store import Store

    if max_concurrent is None:
        max_concurrent = DEFAULT_MAX_CONCURRENT
    clock = client_options.get("clock") or SystemClock()
    client_options["clock"] = clock
    if client_options.get("transport") is None:
        # Half the event-loop CPU per request of httpx's own transport (bench/responsiveness.py:
        # 500 polling renders); same errors. With a proxy configured, httpx's own.
        client_options["transport"] = preferred_transport()
    # The client first: it validates the key and URL, and builds nothing that needs closing.
    client = make_client(api_key=api_key, **client_options)
    scratch: tempfile.TemporaryDirectory[str] | None = None
    if store is None:
        scratch = tempfile.TemporaryDirectory(prefix="genpro-session-")
        store = Store.open(Path(scratch.name) / "genpro.sqlite3")
    # Reconnect back-offs sleep on the services' clock (virtual in the CLI tests).
    downloader = Downloader(reconnects=Reconnects(clock=clock))
    scheduler = PollScheduler(clock, max_concurrent=max_concurrent)
    events = EventHub()
    tracker = JobTracker(
        client,
        store,
        downloader,
        scheduler,
        clock,
        events,
        download_dir=download_dir or Path.home() / "Downloads",
        auto_download=auto_download,
    )
    publisher = PublishService(tracker, store, clock)
    watcher = RenderWatcher(client, tracker, scheduler, clock, store)
    costs = RenderCostEstimator(client, store.typical_execution_cost)
    return AppServices(
        client=client,
        downloader=downloader,
        store=store,
        scheduler=scheduler,
        events=events,
        tracker=tracker,
        publisher=publisher,
        clock=clock,
        render_watcher=watcher,
        render_costs=costs,
        _scratch=scratch,
    )


async def open_services(
    paths: AppPaths,
    *,
    api_key: str | Secret,
    lock: bool = True,
    program: str | None = None,
    auto_download: bool = False,
    download_dir: Path | None = None,
    **client_options: Unpack[ClientOptions],
) -> AppServices:
    """Take the instance lock, open the store, build everything and resume unfinished jobs.

    `program`: the name written into the lock's note (None: the desktop app's);
    `client_options` as for `build_services`."""
    from genpro_desktop.core.store import InstanceLock, InstanceLockedError, Store
    from genpro_desktop.core.store.instance_lock import DESKTOP_PROGRAM

    instance_lock: InstanceLock | None = None
    if lock:
        instance_lock = InstanceLock.default(paths, program=program or DESKTOP_PROGRAM)
        if not instance_lock.acquire():
            raise InstanceLockedError(instance_lock.holder_info(), path=instance_lock.path)
    try:
        # Opening runs migrations and an fsync or two: keep it off the event loop.
        store = await asyncio.to_thread(Store.default, paths)
    except BaseException:
        if instance_lock is not None:
            instance_lock.release()
        raise
    try:
        services = build_services(
            api_key=api_key,
            store=store,
            download_dir=download_dir or paths.downloads_dir,
            auto_download=auto_download,
            **client_options,
        )
    except BaseException:
        await store.aclose()
        if instance_lock is not None:
            instance_lock.release()
        raise
    services.lock = instance_lock
    try:
        await services.tracker.start()
    except BaseException:
        await services.aclose()
        raise
    return services
