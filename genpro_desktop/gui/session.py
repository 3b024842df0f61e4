"""One signed-in (or demo) session: the core services and the presenters bound to them.

Opening a session opens the store, takes the single-instance lock and resumes unfinished jobs
(`core.services.open_services`); closing it detaches the presenters, cancels the session's GUI
tasks and closes the services in order. Signing out, signing in again after a 401 and leaving
the demo each close one session and (maybe) open another; the window stays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from genpro_desktop.core.api import Secret
from genpro_desktop.core.clock import Clock
from genpro_desktop.core.grid_snapshot import GridSnapshotStore, snapshot_account
from genpro_desktop.core.paths import AppPaths
from genpro_desktop.core.services import AppServices, open_services
from genpro_desktop.gui.asyncqt import TaskRegistry
from genpro_desktop.gui.browser_presenter import BrowserPresenter, BrowserViews
from genpro_desktop.gui.jobs_presenter import JobsPresenter, JobsViews, UrlOpener
from genpro_desktop.gui.notifications import Notifier
from genpro_desktop.gui.preferences import Preferences, PreferenceStore
from genpro_desktop.gui.prompts import Prompts
from genpro_desktop.gui.thumbnail_cache import ThumbnailCache, ThumbnailFeed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionConfig:
    """Everything that decides which GEN account a session talks to, and where it keeps state."""

    api_key: Secret
    base_url: str
    agent_id: str | None
    paths: AppPaths
    demo: bool = False
    publish_base_url: str | None = None  # the schedule API's host; None: base_url


@dataclass
class SessionContext:
    """The app-wide pieces a session borrows (it owns none of them)."""

    browser_views: BrowserViews
    jobs_views: JobsViews
    thumbnail_feed: ThumbnailFeed
    prefs_store: PreferenceStore
    preferences: Callable[[], Preferences]
    prompts: Prompts
    notifier: Notifier
    on_auth_lost: Callable[[str], None]
    open_url: UrlOpener
    clock: Clock | None = None


class Session:
    """Core services plus the browser and jobs presenters for one account."""

    def __init__(self, config: SessionConfig, services: AppServices, ctx: SessionContext) -> None:
        self.config = config
        self.services = services
        self._ctx = ctx
        self.tasks = TaskRegistry(on_error=self._on_task_error)
        self.thumbnails = ThumbnailCache(
            config.paths.cache_dir, self.tasks, feed=ctx.thumbnail_feed
        )
        ctx.browser_views.grid.set_thumbnail_lookup(self.thumbnails.lookup)
        ctx.browser_views.grid.set_now(services.clock.wall)
        ctx.jobs_views.jobs.set_elapsed_clock(services.tracker.elapsed)
        # The demo's workspace and agent must not become the user's remembered ones.
        prefs_store = ctx.prefs_store.demo_view() if config.demo else ctx.prefs_store
        self.prefs_store = prefs_store  # the composer keeps caption templates per engine here
        self.browser = BrowserPresenter(
            ctx.browser_views,
            services,
            self.tasks,
            prefs_store,
            ctx.prompts,
            on_auth_lost=ctx.on_auth_lost,
            on_batch_started=ctx.notifier.track_batch,
            snapshots=GridSnapshotStore(config.paths.cache_dir),
            account=snapshot_account(config.base_url, demo=config.demo),
        )
        self.jobs = JobsPresenter(
            ctx.jobs_views,
            services,
            self.tasks,
            ctx.prompts,
            ctx.notifier,
            preferences=ctx.preferences,
            on_job_changed=self.browser.job_changed,
            open_url=ctx.open_url,
        )
        self.jobs.auth_lost.connect(ctx.on_auth_lost)
        self._closed = False

    @classmethod
    async def open(cls, config: SessionConfig, ctx: SessionContext) -> Session:
        """Open the services (store, lock, tracker resumed) and bind the presenters to them."""
        prefs = ctx.preferences()
        services = await open_services(
            config.paths,
            api_key=config.api_key,
            base_url=config.base_url,
            publish_base_url=config.publish_base_url,
            agent_id=config.agent_id,
            path_prefix=prefs.path_prefix,
            clock=ctx.clock,
            download_dir=prefs.download_dir,
            auto_download=prefs.auto_download,
        )
        return cls(config, services, ctx)

    async def start(self) -> None:
        """Show the job history and live jobs, then load the account and engines."""
        self.jobs.attach()
        await self.jobs.load_history()
        job_id = self.prefs_store.last_view().job_id  # the job selected at the last close
        if job_id is not None:
            self._ctx.jobs_views.panel.select_job(job_id)
        await self.browser.load()

    def apply_preferences(self, prefs: Preferences) -> None:
        """Settings that take effect at once: where and whether to download."""
        tracker = self.services.tracker
        tracker.download_dir = prefs.download_dir
        tracker.auto_download = prefs.auto_download

    async def aclose(self) -> None:
        """Detach from the views, cancel this session's tasks, close the services."""
        if self._closed:
            return
        self._closed = True
        self.browser.detach()
        self.jobs.detach()
        self.jobs.auth_lost.disconnect(self._ctx.on_auth_lost)
        await self.tasks.aclose()
        self._ctx.browser_views.grid.set_thumbnail_lookup(None)
        try:
            await self.thumbnails.aclose()
        finally:
            await self.services.aclose()

    def _on_task_error(self, exc: BaseException) -> None:
        log.error("background task failed", exc_info=exc)
        self._ctx.browser_views.status.show_error(f"Something went wrong: {exc}", repr(exc))
