"""Jobs removed from the jobs panel stay removed in the next session, however many there are
(issue 15: stored per job in the store, not as a capped list of ids in the settings)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.store import Store
from genpro_desktop.gui.app import DesktopApp
from genpro_desktop.gui.widgets.jobs_panel import JobAction

MakeApp = Callable[..., Any]
T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _finished(n: int) -> LocalJob:
    at = T0 + timedelta(seconds=n)
    return LocalJob(
        id=new_job_id(),
        kind=JobKind.RENDER,
        state=JobState.FAILED,
        agent_id="4711",
        created_at=at,
        updated_at=at,
        finished_at=at,
        remote_id=str(880000 + n),
        failed_reason="Layer 2 clip could not be fetched",
    )


def _db(data_dir: Path) -> Path:
    return data_dir / "data" / "genpro.sqlite3"


async def test_removed_jobs_stay_hidden_in_the_next_session(
    make_app: MakeApp, signed_in: object, isolated_data_dir: Path
) -> None:
    jobs = [_finished(n) for n in range(3)]
    store = Store.open(_db(isolated_data_dir))
    try:
        for job in jobs:
            await store.save_job(job)
        await store.hide_jobs([jobs[0].id])  # removed in an earlier session
    finally:
        await store.aclose()

    app: DesktopApp = await make_app()
    assert app.window is not None
    assert app.flow is not None
    assert app.flow.session is not None
    model = app.window.jobs_panel.model
    assert {model.job(row).id for row in range(model.rowCount())} == {jobs[1].id, jobs[2].id}
    app.window.jobs_panel.select_job(jobs[1].id)
    remove = app.window.jobs_panel.actions_by_name[JobAction.REMOVE]
    assert remove.isEnabled()
    remove.trigger()
    await app.flow.session.tasks.wait_idle()
    assert {model.job(row).id for row in range(model.rowCount())} == {jobs[2].id}
    await app.aclose()

    store = Store.open(_db(isolated_data_dir))
    try:
        assert await store.hidden_job_ids() == {jobs[0].id, jobs[1].id}
        assert await store.get_job(jobs[1].id) is not None  # history keeps it
    finally:
        await store.aclose()
