""" "Clear finished" can be undone (Jobs > Undo, Ctrl+Z, the toast's Undo) and asks first when it
would hide many; undo brings back exactly the jobs it hid (issue 19)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from guikit import FakePrompts, until

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.store import Store
from genpro_desktop.gui.app import DesktopApp
from genpro_desktop.gui.jobs_presenter import CLEAR_ASK_OVER

MakeApp = Callable[..., Any]
T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _job(n: int, state: JobState = JobState.FAILED) -> LocalJob:
    at = T0 + timedelta(seconds=n)
    done = state in (JobState.FAILED, JobState.COMPLETED)
    return LocalJob(
        id=new_job_id(),
        kind=JobKind.RENDER,
        state=state,
        agent_id="4711",
        created_at=at,
        updated_at=at,
        finished_at=at if done else None,
        remote_id=str(880000 + n),
        failed_reason="Layer 2 clip could not be fetched" if state is JobState.FAILED else None,
    )


async def _stored(data_dir: Path, jobs: list[LocalJob], hidden: list[str] = []) -> None:  # noqa: B006
    store = Store.open(data_dir / "data" / "genpro.sqlite3")
    try:
        for job in jobs:
            await store.save_job(job)
        await store.hide_jobs(hidden)
    finally:
        await store.aclose()


async def _hidden_in_store(app: DesktopApp) -> set[str]:
    assert app.flow is not None
    assert app.flow.session is not None
    return await app.flow.session.services.store.hidden_job_ids()


def _listed(app: DesktopApp) -> set[str]:
    assert app.window is not None
    return {job.id for job in app.window.jobs_panel.model.jobs()}


async def test_clear_then_undo_from_the_toast_and_the_menu_restores_exactly_those_jobs(
    make_app: MakeApp, signed_in: object, isolated_data_dir: Path, prompts: FakePrompts
) -> None:
    earlier = _job(0, JobState.COMPLETED)  # removed in an earlier session: stays removed
    finished = [_job(n) for n in range(1, 4)]
    await _stored(isolated_data_dir, [earlier, *finished], hidden=[earlier.id])
    app: DesktopApp = await make_app()
    window = app.window
    assert window is not None
    assert app.flow is not None
    assert app.flow.session is not None
    tasks = app.flow.session.tasks
    assert _listed(app) >= {job.id for job in finished}
    assert not window.undo_clear_action.isEnabled()

    window.clear_finished_action.trigger()
    await tasks.wait_idle()
    assert not _listed(app) & {job.id for job in finished}
    assert await _hidden_in_store(app) == {earlier.id, *(job.id for job in finished)}
    assert prompts.asked == []  # three jobs: no question
    assert window.undo_clear_action.isEnabled()
    toast = window.toasts.toasts[-1]
    assert toast.text == "3 finished jobs cleared"
    assert toast.action_button is not None
    assert toast.action_button.text() == "Undo"

    toast.action_button.click()
    await tasks.wait_idle()
    assert _listed(app) >= {job.id for job in finished}
    assert earlier.id not in _listed(app)
    assert await _hidden_in_store(app) == {earlier.id}
    assert not window.undo_clear_action.isEnabled()  # one undo per clear

    window.clear_finished_action.trigger()
    await tasks.wait_idle()
    window.undo_clear_action.trigger()  # Jobs > Undo clear finished (Ctrl+Z)
    await tasks.wait_idle()
    assert await _hidden_in_store(app) == {earlier.id}
    assert _listed(app) >= {job.id for job in finished}


async def test_clearing_many_asks_first_saying_how_many(
    make_app: MakeApp, signed_in: object, isolated_data_dir: Path, prompts: FakePrompts
) -> None:
    many = [_job(n) for n in range(CLEAR_ASK_OVER + 5)]
    running = _job(100, JobState.PROCESSING)
    await _stored(isolated_data_dir, [*many, running])
    app: DesktopApp = await make_app()
    window = app.window
    assert window is not None
    assert app.flow is not None
    assert app.flow.session is not None
    tasks = app.flow.session.tasks

    prompts.answer = False
    window.clear_finished_action.trigger()
    await tasks.wait_idle()
    title, text, details = prompts.asked[-1]
    assert (title, text) == ("Clear finished", f"Take {len(many)} finished jobs off the list?")
    assert "History" in details
    assert "Undo" in details
    assert _listed(app) >= {job.id for job in many}  # "Cancel" hides nothing
    assert await _hidden_in_store(app) == set()

    prompts.answer = True
    window.clear_finished_action.trigger()
    await tasks.wait_idle()
    assert not _listed(app) & {job.id for job in many}
    assert running.id in _listed(app)  # running jobs are never cleared
    assert len(await _hidden_in_store(app)) == len(many)

    window.undo_clear_action.trigger()
    await tasks.wait_idle()
    assert _listed(app) >= {job.id for job in many}
    assert await _hidden_in_store(app) == set()


async def test_the_emptied_list_says_the_jobs_were_cleared_and_where_they_are(
    make_app: MakeApp, signed_in: object, isolated_data_dir: Path
) -> None:
    finished = [_job(n) for n in range(1, 3)]
    await _stored(isolated_data_dir, finished)
    app: DesktopApp = await make_app()
    window = app.window
    assert window is not None
    assert app.flow is not None
    assert app.flow.session is not None
    tasks = app.flow.session.tasks
    panel = window.jobs_panel
    await until(lambda: _listed(app) >= {job.id for job in finished}, what="the jobs")

    window.clear_finished_action.trigger()
    await tasks.wait_idle()
    assert panel.model.rowCount() == 0
    assert not panel.empty_label.isHidden()
    text = panel.empty_label.text()
    assert "No jobs yet" not in text
    assert "2 finished jobs were cleared" in text
    assert "History" in text
    assert "#undo" in text  # Undo offered while it can be done

    panel.empty_label.linkActivated.emit("#undo")
    await tasks.wait_idle()
    assert _listed(app) >= {job.id for job in finished}

    window.clear_finished_action.trigger()
    await tasks.wait_idle()
    panel.empty_label.linkActivated.emit("#history")
    assert app.history is not None
    assert app.history.dialog.isVisible()
    app.history.dialog.close()

    assert app.flow.session is not None
    app.flow.session.jobs.detach()  # the session ends: nothing to undo with any more
    assert "#undo" not in panel.empty_label.text()
    assert "2 finished jobs were cleared" in panel.empty_label.text()
