"""Feeds the browser from the core: account, workspaces and agents, credits, engines, renders.

Reads go through the client, renders through the tracker; nothing here polls. Every coroutine
started from a widget signal is spawned on the session's `TaskRegistry`. A newer request always
wins over an older, slower one (the engine the user clicked last is the one shown).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtWidgets import QAbstractItemView

from genpro_desktop.core.api import AuthenticationError, GenError
from genpro_desktop.core.browse import list_engines
from genpro_desktop.core.engine_reference import parse_engine_reference
from genpro_desktop.core.grid_snapshot import GridSnapshotStore
from genpro_desktop.core.jobs import JobKind, JobState, LocalJob, RenderOrigin
from genpro_desktop.core.jobs.view import credit_facts
from genpro_desktop.core.render_cost import (
    CostEstimate,
    batch_question,
    render_again_question,
    settled_message,
)
from genpro_desktop.core.renders import decimal_text
from genpro_desktop.core.services import AppServices
from genpro_desktop.core.sign_in import display_name
from genpro_desktop.core.store import StoreError
from genpro_desktop.gui.asyncqt import TaskRegistry
from genpro_desktop.gui.grid_snapshot_view import snapshot_note
from genpro_desktop.gui.job_actions import JobAction, JobActionDispatcher
from genpro_desktop.gui.models.engine_list_model import EngineListModel
from genpro_desktop.gui.models.engine_table_model import EngineTableModel
from genpro_desktop.gui.preferences import LastView, PreferenceStore
from genpro_desktop.gui.prompts import Prompts
from genpro_desktop.gui.status import StatusLine
from genpro_desktop.gui.widgets.account_bar import AccountBar
from genpro_desktop.gui.widgets.engine_browser import EngineBrowser
from genpro_desktop.gui.widgets.jobs_panel import JobsPanel

STILL_LOADING = "The engine is still loading from GEN; try again in a moment."
log = logging.getLogger(__name__)

NO_LIST_NOTE = (
    "GEN has no engine list for this server; showing the agent's setup engine and the engines "
    "you added."
)


@dataclass(frozen=True)
class BrowserViews:
    """What the browser presenter works with: two views, their two models, the status line."""

    account_bar: AccountBar
    browser: EngineBrowser
    engines: EngineListModel
    grid: EngineTableModel
    status: StatusLine
    # Preview / Download / Publish of a take GEN already has: the job goes to the Jobs panel
    # (and so to the preview) and its download and publish through the one dispatcher.
    panel: JobsPanel | None = None
    actions: JobActionDispatcher | None = None


class BrowserPresenter:
    """Loads what the browser shows and turns Render clicks into tracker submissions."""

    def __init__(
        self,
        views: BrowserViews,
        services: AppServices,
        tasks: TaskRegistry,
        prefs: PreferenceStore,
        prompts: Prompts,
        *,
        on_auth_lost: Callable[[str], None],
        on_batch_started: Callable[[str, list[str]], None],
        snapshots: GridSnapshotStore | None = None,
        account: str | None = None,
    ) -> None:
        """`snapshots`: where the grid is saved at each engine's opening, for the next start,
        as `account`'s ("demo" or the API base URL); None: not saved."""
        self._status = views.status
        self._bar = views.account_bar
        self._browser = views.browser
        self._engines = views.engines
        self._grid = views.grid
        self._panel = views.panel
        self._actions = views.actions
        self._snapshots = snapshots
        self._account = account
        self._services = services
        self._tasks = tasks
        self._prefs = prefs
        self._prompts = prompts
        self._on_auth_lost = on_auth_lost
        self._on_batch_started = on_batch_started
        self._wanted_engine: str | None = None
        self._restore: LastView | None = prefs.last_view()  # until the first engine opens
        self._expected_cost = ""  # what the last render asked about was expected to cost
        self._credits_request = 0
        # Renders that finished and whose charge the status line has not reported yet: one
        # balance request covers all that finish meanwhile (a batch ends in one or two reads).
        self._settling: list[LocalJob] = []
        self._settle_task: asyncio.Task[None] | None = None
        self._reloaded_for: set[str] = set()  # adopted renders the engine was read again for
        self._connections = [
            (self._browser.engine_selected, self._on_engine_selected),
            (self._browser.add_engine_requested, self._on_add_engine_requested),
            (self._browser.refresh_requested, self._on_refresh_requested),
            (self._browser.render_requested, self._on_render_requested),
            (self._browser.take_action_requested, self._on_take_action_requested),
            (self._browser.row_activated, self._on_row_activated),
            (self._bar.workspace_chosen, self._on_workspace_chosen),
            (self._bar.agent_chosen, self._on_agent_chosen),
        ]
        for signal, slot in self._connections:
            signal.connect(slot)

    def detach(self) -> None:
        """Stop listening to the views (the session is closing)."""
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections = []

    # -- loading -------------------------------------------------------------------------

    async def load(self) -> None:
        """Who is signed in, their workspaces and agents, then the chosen agent's engines."""
        client = self._services.client
        self._status.show_status("Loading your account…")
        try:
            me = await client.me.get()
            self._bar.show_user(f"Signed in as {display_name(me)}")
            workspaces = await client.workspaces.list()
        except GenError as exc:
            self._report(exc)
            return
        remembered_workspace, remembered_agent = self._prefs.last_agent()
        workspace_ids = [w.id for w in workspaces]
        workspace = remembered_workspace if remembered_workspace in workspace_ids else None
        workspace = workspace or (workspace_ids[0] if workspace_ids else None)
        self._bar.set_workspaces(workspaces, workspace)
        await self._load_agents(workspace, prefer=client.agent_id or remembered_agent)

    async def _load_agents(self, workspace_id: str | None, *, prefer: str | None) -> None:
        try:
            agents = await self._services.client.agents.list(workspace_id)
        except GenError as exc:
            self._report(exc)
            return
        agent_ids = [a.id for a in agents]
        agent = prefer if prefer in agent_ids else (agent_ids[0] if agent_ids else prefer)
        self._bar.set_agents(agents, agent)
        if agent is None:
            self._status.show_status("This workspace has no agents yet.", error=True)
            return
        await self.choose_agent(agent)

    async def choose_agent(self, agent_id: str) -> None:
        """Make `agent_id` the client's agent; reload its credits and engines."""
        saved = self._grid.snapshot
        if saved is not None and saved.agent_id != agent_id:
            self._drop_snapshot()  # another agent's saved grid is never shown as this one's
        self._services.client.agent_id = agent_id
        self._prefs.remember_agent(self._bar.current_workspace_id(), agent_id)
        await asyncio.gather(
            self.refresh_credits(), self.load_engines(), self.refresh_typical_render()
        )

    async def refresh_credits(self) -> Decimal | None:
        """Ask GEN for the workspace's balance (a newer answer always wins); the generic
        credits, or None when GEN could not say."""
        self._credits_request += 1
        request = self._credits_request
        try:
            balance = await self._services.client.credit_balance()
        except GenError as exc:
            if request == self._credits_request:
                self._bar.show_credits(None, problem=str(exc))
            if isinstance(exc, AuthenticationError):
                self._on_auth_lost(str(exc))
            return None
        if request == self._credits_request:
            self._bar.show_credits(balance)
        return balance.generic

    async def refresh_typical_render(self) -> None:
        """How long renders typically take here (history), for the grid's running renders."""
        try:
            typical = await self._services.tracker.typical_duration(JobKind.RENDER)
        except StoreError:
            typical = None
        self._grid.set_typical_render(typical)

    async def load_engines(self, *, select: str | None = None) -> None:
        """The agent's engines: GEN's list, or its setup engine plus the saved ones."""
        agent_id = self._services.client.agent_id
        if agent_id is None:
            return
        self._status.show_status("Loading engines…")
        try:
            saved = await self._services.store.saved_engines(agent_id)
            listing = await list_engines(self._services.client, agent_id=agent_id, saved=saved)
        except (GenError, StoreError) as exc:
            self._report(exc)
            return
        model = self._engines
        model.set_entries(listing.entries)
        self._browser.show_engines_note(None if listing.server_lists_engines else NO_LIST_NOTE)
        self._status.show_status(f"{len(listing.entries)} engines")
        restore = self._restore
        if select is None and restore is not None and restore.agent_id == agent_id:
            select = restore.engine_id
        saved = self._grid.snapshot
        if saved is not None:
            listed = any(entry.engine_id == saved.engine_id for entry in listing.entries)
            if listed and select is None:
                select = saved.engine_id  # the engine already drawn from the saved copy
            elif not listed or select != saved.engine_id:
                self._drop_snapshot()
        self._browser.select_engine(select)

    async def open_engine(self, engine_id: str, *, keep_view: bool = False) -> None:
        """Show one engine in the grid; a refresh keeps the selection and the scroll position."""
        self._wanted_engine = engine_id
        if not keep_view:
            self._status.show_status(f"Loading engine {engine_id}…")
        try:
            engine = await self._services.client.engines.get(engine_id)
        except GenError as exc:
            if self._wanted_engine == engine_id:
                self._report(exc)
            return
        if self._wanted_engine != engine_id:
            return
        view = self._browser.engine_table_view
        model = self._grid
        selected_ids = [model.grid_row(r).row_id for r in self._browser.selected_rows()]
        scroll = (view.verticalScrollBar().value(), view.horizontalScrollBar().value())
        from_saved_copy = model.snapshot is not None
        kept = model.set_engine(engine)
        if not kept and keep_view:
            rows = [model.row_for_id(row_id) for row_id in selected_ids]
            self._browser.select_rows([r for r in rows if r >= 0])
            view.verticalScrollBar().setValue(scroll[0])
            view.horizontalScrollBar().setValue(scroll[1])
        if from_saved_copy and kept:
            self._restore = None  # restored with the saved copy; the user may have moved since
        elif not keep_view:
            self._restore_position(engine_id)
        grid = model.grid
        self._browser.show_engine_title(grid.title or f"Engine {engine_id}", len(grid.rows))
        if not keep_view:
            await self.save_snapshot()
        self._watch(engine_id)
        if not keep_view:
            self._status.show_status(f"Engine {grid.title or engine_id} loaded")

    async def save_snapshot(self) -> None:
        """Save the grid as shown now, to draw at the next start before GEN answers."""
        store, account = self._snapshots, self._account
        agent_id = self._services.client.agent_id
        if store is None or account is None or agent_id is None:
            return
        build = self._grid.snapshot_builder(account, agent_id)
        if build is None:
            return
        try:
            await asyncio.to_thread(lambda: store.save(build()))
        except OSError as exc:  # a cache: the app works without it
            log.warning("could not save the grid for the next start: %s", exc)

    def _drop_snapshot(self) -> None:
        """Stop showing a saved grid that GEN's answer will not replace."""
        if self._grid.snapshot is not None:
            self._grid.set_engine(None)
            self._browser.show_engine_title("", 0)

    def _restore_position(self, engine_id: str) -> None:
        """Once, on the engine open at the last close: scroll and select as then."""
        restore, self._restore = self._restore, None
        if restore is None or restore.engine_id != engine_id:
            return
        view, model = self._browser.engine_table_view, self._grid
        top = model.row_for_id(restore.top_row_id) if restore.top_row_id else -1
        if top >= 0:
            view.scrollTo(model.index(top, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        selected = model.row_for_id(restore.selected_row_id) if restore.selected_row_id else -1
        if selected >= 0:
            self._browser.select_rows([selected])

    # -- renders -------------------------------------------------------------------------

    async def render_rows(self, rows: list[int]) -> list[LocalJob]:
        """Submit a render of each row's final video; a batch is confirmed first."""
        model = self._grid
        grid = model.grid
        if model.snapshot is not None:
            self._status.show_error(STILL_LOADING)  # a saved copy: takes and videos unknown
            return []
        if grid.engine_id is None:
            return []
        targets = [
            (row, model.grid_row(row).final_video_cell_id)
            for row in rows
            if 0 <= row < len(grid.rows)
        ]
        missing = [row + 1 for row, cell in targets if cell is None]
        targets = [(row, cell) for row, cell in targets if cell is not None]
        if missing:
            self._status.show_error(
                f"Row {', '.join(map(str, missing))} has no final-video cell to render."
            )
        if not targets:
            return []
        if not await self._confirm_cost([row for row, _cell in targets]):
            return []
        title = grid.title or f"Engine {grid.engine_id}"
        agent_id = self._services.client.agent_id
        tracker = self._services.tracker
        batch_id = uuid.uuid4().hex if len(targets) > 1 else None
        submissions = [
            tracker.submit_render(
                grid.engine_id,
                cell_id,
                agent_id=agent_id,
                title=f"{title} · row {row + 1}",
                origin=RenderOrigin(
                    engine_title=grid.title or None,
                    row_number=row + 1,
                    row_text=model.grid_row(row).text,
                    batch_id=batch_id,
                ),
            )
            for row, cell_id in targets
        ]
        results = await asyncio.gather(*submissions, return_exceptions=True)
        jobs = [job for job in results if isinstance(job, LocalJob)]
        errors = [exc for exc in results if isinstance(exc, BaseException)]
        if len(jobs) > 1:
            self._on_batch_started(batch_id or uuid.uuid4().hex, [job.id for job in jobs])
        for job in jobs:
            model.show_job(job)
        if errors:
            self._status.show_error(
                f"{_count(len(errors), 'render')} could not be started", str(errors[0])
            )
        else:
            self._status.show_status(
                f"Started {_count(len(jobs), 'render')}: {self._expected_cost}"
            )
        return jobs

    async def _confirm_cost(self, rows: list[int]) -> bool:
        """Every render shows what it will cost first; a row with a video asks "again?".

        The spend limits in Settings refuse a batch or a day that would go over them; a single
        render estimated below the "without asking" figure starts at once (never over a video)."""
        estimate = await self._services.render_costs.estimate()
        self._expected_cost = estimate.describe(len(rows))
        prefs = self._prefs.load()
        expected = estimate.total(len(rows))
        if prefs.batch_limit > 0 and len(rows) > 1 and expected > _dec(prefs.batch_limit):
            self._status.show_error(
                f"Not started: {len(rows)} renders would cost {estimate.describe(len(rows))}, "
                f"over your limit of {_shown(prefs.batch_limit)} credits per batch (Settings)."
            )
            return False
        if prefs.daily_limit > 0:
            spent = await self._spent_today(estimate)
            if spent + expected > _dec(prefs.daily_limit):
                self._status.show_error(
                    f"Not started: about {_shown(spent)} credits spent on renders today; "
                    f"{estimate.describe(len(rows))} more would pass your daily limit of "
                    f"{_shown(prefs.daily_limit)} credits (Settings)."
                )
                return False
        if len(rows) == 1:
            row = rows[0]
            renders = self._grid.row_renders(row)
            again = render_again_question(renders, estimate) if renders is not None else None
            text = again or f"Render row {row + 1} for {estimate.describe(1)}?"
            if again is None and 0 < estimate.credits < _dec(prefs.confirm_below):
                return True  # below the "without asking" figure; the status line shows the cost
            return await self._prompts.confirm(
                "Render again" if again else "Render",
                text,
                accept="Render again" if again else "Render",
                details=_cost_details(estimate, 1),
            )
        with_video = [
            row + 1
            for row in rows
            if (renders := self._grid.row_renders(row)) is not None and renders.latest_video
        ]
        balance = await self.refresh_credits()  # free (a GET): the balance after, as of now
        grid = self._grid.grid
        question = batch_question(
            grid.title or f"engine {grid.engine_id}",
            [row + 1 for row in rows],
            with_video,
            estimate,
            balance,
        )
        return await self._prompts.confirm(
            "Render selected rows",
            question.text,
            accept=f"Render {len(rows)}",
            details=question.details,
        )

    async def _spent_today(self, estimate: CostEstimate) -> Decimal:
        """Credits our renders started today cost (the estimate for those still running)."""
        midnight = (
            self._services.clock.wall()
            .astimezone()
            .replace(hour=0, minute=0, second=0, microsecond=0)
        )
        try:
            jobs = await self._services.store.list_jobs(kinds=[JobKind.RENDER], limit=1000)
        except StoreError:
            return Decimal(0)
        return sum(
            (
                job.execution_cost if job.execution_cost is not None else estimate.credits
                for job in jobs
                if job.idempotency_key is not None  # ours, not adopted
                and job.created_at >= midnight
                and not job.never_started_on_gen
            ),
            Decimal(0),
        )

    # -- takes GEN already has -----------------------------------------------------------

    async def take_action(self, row: int, action: str) -> LocalJob | None:
        """Preview, download or publish the row's chosen finished take, with no new render.

        The take is adopted (`adopt_generation` only reads GEN, and returns the job that already
        tracks it), so it shows in the Jobs panel; the download and the publish dialog are the
        same ones a render of ours gets."""
        if self._grid.snapshot is not None:
            self._status.show_error(STILL_LOADING)
            return None
        take = self._grid.chosen_take(row)
        grid = self._grid.grid
        if take is None or grid.engine_id is None:
            self._status.show_error(f"Row {row + 1} has no finished video yet.")
            return None
        tracker = self._services.tracker
        title = f"{grid.title or f'Engine {grid.engine_id}'} · row {row + 1}"
        try:
            job = await tracker.adopt_generation(
                take.generation_id,
                agent_id=self._services.client.agent_id,
                title=title,
                engine_id=grid.engine_id,
                cell_id=take.cell_id or None,
            )
            if not job.is_terminal and not job.is_parked:
                self._status.show_status(f"Reading row {row + 1}'s video from GEN…")
                job = await tracker.wait(job.id)
        except (GenError, StoreError) as exc:
            self._report(exc, prefix=f"Row {row + 1}'s video could not be opened")
            return None
        if job.output_url is None or job.state not in (JobState.COMPLETED, JobState.DOWNLOADED):
            reason = job.failed_reason or job.attention_reason or job.state.value
            self._status.show_error(f"Row {row + 1}'s video is not available: {reason}")
            return job
        if self._panel is not None:
            self._panel.select_job(job.id)
        if action == "download" or (action == "preview" and job.state is JobState.COMPLETED):
            self._dispatch(JobAction.DOWNLOAD, job)
        elif action == "publish":
            self._dispatch(JobAction.PUBLISH, job)
        return job

    def _dispatch(self, action: JobAction, job: LocalJob) -> None:
        if self._actions is None or not self._actions.dispatch(action, job.id):
            self._status.show_error(f"Could not {action.value} this video right now; try again.")

    def _watch(self, engine_id: str) -> None:
        """Renders of the open engine started elsewhere (GEN's web app, MCP) join the panel."""
        watcher = self._services.render_watcher
        watcher.set_engines([engine_id])
        # Only with the loop running: Qt can step this coroutine from a bare processEvents
        # (no running loop), where starting a task is impossible.
        if not watcher.running and self._tasks.can_spawn:
            watcher.start()

    # -- job feedback --------------------------------------------------------------------

    def job_changed(self, job: LocalJob) -> None:
        """A render moved on: show it on its row; when it finished, say what it cost with the
        refreshed balance (one read for renders finishing together) and reload the grid."""
        if job.kind is not JobKind.RENDER:
            return
        self._grid.show_job(job)
        if self._unlisted_adoption(job):
            # A render started elsewhere: read the engine again so its cell counts the time
            # from GEN's start (the take's), not from when this app noticed it.
            self._reloaded_for.add(job.id)
            self._tasks.spawn(self.open_engine(job.engine_id or "", keep_view=True), name="reload")
        if job.is_terminal and job.state is not JobState.DISMISSED and self._tasks.can_spawn:
            self._settling = [j for j in self._settling if j.id != job.id] + [job]
            if self._settle_task is None:
                self._settle_task = self._tasks.spawn(self._settle_credits(), name="settle")
            if job.engine_id is not None and job.engine_id == self._wanted_engine:
                self._tasks.spawn(self.open_engine(job.engine_id, keep_view=True), name="reload")

    def _unlisted_adoption(self, job: LocalJob) -> bool:
        """An adopted render (no idempotency key: not sent by us) running on the open engine
        whose take the grid does not list yet (looked at once per job)."""
        if (
            job.idempotency_key is not None
            or not job.is_active
            or job.engine_id is None
            or job.engine_id != self._wanted_engine
            or job.id in self._reloaded_for
            or not self._tasks.can_spawn
        ):
            return False
        row = next(
            (
                r
                for r in range(len(self._grid.grid.rows))
                if self._grid.grid_row(r).final_video_cell_id == job.cell_id
            ),
            -1,
        )
        renders = self._grid.row_renders(row) if row >= 0 else None
        takes = renders.takes if renders is not None else []
        return row >= 0 and all(take.generation_id != job.remote_id for take in takes)

    async def _settle_credits(self) -> None:
        """Read the balance once for the renders that finished, show what they cost; renders
        finishing during the read are covered by one more read."""
        try:
            while self._settling:
                await asyncio.sleep(0)  # renders finished by the same poll round join in
                done, self._settling = self._settling, []
                balance = await self.refresh_credits()
                message = settled_message(done, balance)
                self._status.show_status(message)
                last = credit_facts(done[-1])
                if last is not None:
                    self._bar.credits_label.setToolTip(
                        f"The workspace's available credits\nLast render: {last.note}"
                    )
                await self.refresh_typical_render()
        finally:
            self._settle_task = None

    # -- add engine ----------------------------------------------------------------------

    async def add_engine(self, text: str) -> None:
        """Check that the engine exists for this agent, save it, list and open it."""
        engine_id = parse_engine_reference(text)
        agent_id = self._services.client.agent_id
        if engine_id is None:
            self._status.show_error(
                f"Not an engine ID or gen.pro link: {text[:80]}",
                "Paste the number from the engine's address in the GEN app, or the whole link.",
            )
            return
        if agent_id is None:
            self._status.show_error("Choose an agent first.")
            return
        try:
            engine = await self._services.client.engines.get(engine_id)
            await self._services.store.save_engine(agent_id, engine.id)
        except (GenError, StoreError) as exc:
            self._report(exc, prefix=f"Engine {engine_id} could not be added")
            return
        self._browser.add_engine_edit.clear()
        await self.load_engines(select=engine.id)

    # -- slots ---------------------------------------------------------------------------

    def _on_engine_selected(self, engine_id: str) -> None:
        self._tasks.spawn(self.open_engine(engine_id), name=f"open-engine-{engine_id}")

    def _on_refresh_requested(self) -> None:
        engine_id = self._browser.current_engine_id()
        if engine_id is not None:
            self._tasks.spawn(self.open_engine(engine_id, keep_view=True), name="refresh")

    def _on_add_engine_requested(self, text: str) -> None:
        self._tasks.spawn(self.add_engine(text), name="add-engine")

    def _on_render_requested(self, rows: list[int]) -> None:
        self._tasks.spawn(self.render_rows(rows), name="render")

    def _on_take_action_requested(self, row: int, action: str) -> None:
        self._tasks.spawn(self.take_action(row, action), name=f"take-{action}")

    def _on_row_activated(self, row: int) -> None:
        """Selecting a row shows its render in the preview when the Jobs panel tracks one: our
        latest render of the row, else the job of its chosen take (nothing is adopted here)."""
        self._browser.show_row_detail(row)
        if self._panel is None:
            return
        live = self._grid.live_job(row)
        take = self._grid.chosen_take(row)
        job_id = live.id if live is not None else None
        if job_id is None and take is not None:
            job_id = next(
                (
                    job.id
                    for job in self._panel.model.jobs()
                    if job.kind is JobKind.RENDER and job.remote_id == take.generation_id
                ),
                None,
            )
        if job_id is not None:
            self._panel.select_job(job_id)

    def _on_workspace_chosen(self, workspace_id: str) -> None:
        self._tasks.spawn(self._load_agents(workspace_id, prefer=None), name="agents")

    def _on_agent_chosen(self, agent_id: str) -> None:
        self._tasks.spawn(self.choose_agent(agent_id), name="choose-agent")

    def _report(self, exc: Exception, *, prefix: str | None = None) -> None:
        saved = self._grid.snapshot
        if saved is not None:  # the saved copy stays, said to be one that could not be refreshed
            note = snapshot_note(saved, refreshing=False)
            self._browser.show_engine_title(saved.title, len(saved.rows), note=note)
        if isinstance(exc, AuthenticationError):
            self._on_auth_lost(str(exc))
        message = f"{prefix}: {exc}" if prefix else str(exc)
        self._status.show_error(message)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _dec(credits: float) -> Decimal:
    """A Settings figure (a float from a spin box) as credits."""
    return Decimal(str(round(credits, 1)))


def _shown(credits: Decimal | float) -> str:
    """Credits as people write them: "100", "47.5"."""
    return decimal_text(Decimal(str(credits))) or "0"


def _cost_details(estimate: CostEstimate, count: int) -> str:
    noun = "it" if count == 1 else "each one"
    expected = estimate.describe(count)
    return (
        f"{expected[0].upper()}{expected[1:]}. Credits are charged when GEN starts {noun}; "
        "the real cost shows when the render finishes."
    )
