"""The real window against the simulator: render a row, watch it, download it, stop one, see a
failure, survive a 401, and pick an unfinished job up again after a restart.

The tracker runs on `SimDrivenClock`: its sleeps wait until the test advances time, and the
simulator's clock moves with it, so each poll happens exactly when the test says.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from guikit import FakePrompts, OpenedUrls, SimDrivenClock, turns, until
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.store import Store
from genpro_desktop.gui import jobs_presenter
from genpro_desktop.gui.app import DesktopApp
from genpro_desktop.gui.dialogs.sign_in_dialog import SignInDialog
from genpro_desktop.gui.models.job_list_model import ProgressRole
from genpro_desktop.gui.session import Session
from genpro_desktop.gui.widgets.final_video_delegate import FinalVideoDelegate
from genpro_desktop.gui.widgets.job_delegate import chip_label, status_line
from genpro_desktop.gui.widgets.jobs_panel import JobAction
from genpro_desktop.gui.widgets.main_window import MainWindow
from genpro_desktop.simulator import DEMO_API_KEY, Simulator, faults

MakeApp = Callable[..., Any]


def _parts(app: DesktopApp) -> tuple[MainWindow, Session]:
    assert app.window is not None
    assert app.flow is not None
    assert app.flow.session is not None
    return app.window, app.flow.session


async def _open_engine(app: DesktopApp, engine_id: str = "9101") -> None:
    window, session = _parts(app)
    combo = window.account_bar.agent_combo
    index = combo.findData("4711")
    assert index >= 0, "the agent picker lists Demo Creator"
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    await session.tasks.wait_idle()
    window.browser.select_engine(engine_id)
    await session.tasks.wait_idle()
    assert window.browser.engine_table_model.grid.engine_id == engine_id


async def _click_render(app: DesktopApp, row: int) -> LocalJob:
    window, session = _parts(app)
    view = window.browser.final_video_view
    model = window.browser.engine_table_model
    index = model.index(row, model.final_video_column)
    view.scrollTo(index)
    button = FinalVideoDelegate.button_rect(view.visualRect(index))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=button.center())
    await session.tasks.wait_idle()
    job = model.live_job(row)
    assert job is not None, "the click started a render"
    return job


def _job(app: DesktopApp, job_id: str) -> LocalJob:
    window, _session = _parts(app)
    job = window.jobs_panel.model.find(job_id)
    assert job is not None
    return job


async def _wait_state(app: DesktopApp, job_id: str, *states: JobState) -> LocalJob:
    window, _session = _parts(app)
    model = window.jobs_panel.model
    await until(
        lambda: (found := model.find(job_id)) is not None and found.state in states,
        model.dataChanged,
        model.rowsInserted,
        model.modelReset,
        what=f"job {job_id[:8]} to reach {', '.join(s.value for s in states)}",
    )
    return _job(app, job_id)


async def _act(app: DesktopApp, action: JobAction, job_id: str) -> None:
    window, session = _parts(app)
    window.jobs_panel.select_job(job_id)
    qaction = window.jobs_panel.actions_by_name[action]
    assert qaction.isEnabled(), f"{action.value} is enabled for this job"
    qaction.trigger()
    await session.tasks.wait_idle()


async def test_render_a_row_watch_it_complete_download_it_and_see_the_credits(
    make_app: MakeApp,
    signed_in: object,
    tracker_clock: SimDrivenClock,
    opened_urls: OpenedUrls,
    isolated_data_dir: Path,
    sim: Simulator,
) -> None:
    # Still processing at the first read (15 s without history), done by the next one.
    sim.state.script_render(pending_s=2, done_s=18)
    app: DesktopApp = await make_app()
    window, session = _parts(app)
    await _open_engine(app)
    credits_before = window.account_bar.credits_label.text()
    assert credits_before == "Credits: 500  ·  Aura: 120"

    seen: list[JobState] = []
    model = window.jobs_panel.model

    def record(*_args: object) -> None:
        for job in model.jobs():
            if job.kind is JobKind.RENDER and (not seen or seen[-1] is not job.state):
                seen.append(job.state)

    model.dataChanged.connect(record)
    model.rowsInserted.connect(record)
    job = await _click_render(app, 0)
    record()
    assert _job(app, job.id).state is JobState.PENDING
    assert window.browser.engine_table_model.data(
        window.browser.engine_table_model.index(
            0, window.browser.engine_table_model.final_video_column
        )
    ).startswith("Rendering 0:00")  # its clock (issue 18): GEN's 30-120 s, no history yet

    tracker_clock.advance(15)
    await _wait_state(app, job.id, JobState.PROCESSING)
    tracker_clock.advance(10)
    done = await _wait_state(app, job.id, JobState.COMPLETED)
    assert seen[-3:] == [JobState.PENDING, JobState.PROCESSING, JobState.COMPLETED]
    assert done.execution_cost is not None
    await session.tasks.wait_idle()  # the refresh of credits and grid the completion started
    assert window.account_bar.credits_label.text().startswith("Credits: 452.5")

    fractions: list[float] = []

    def watch_progress(top: Any, _bottom: Any, *_roles: Any) -> None:
        progress = model.data(top, ProgressRole)
        if progress is not None and progress.total:
            fractions.append(progress.bytes / progress.total)

    model.dataChanged.connect(watch_progress)
    await _act(app, JobAction.DOWNLOAD, job.id)
    download = model.children_of(job.id)[0]
    finished = await _wait_state(app, download.id, JobState.DOWNLOADED, JobState.FAILED)
    assert finished.state is JobState.DOWNLOADED, finished.failed_reason
    assert fractions
    assert fractions[-1] == 1.0
    assert finished.target_path is not None
    target = Path(finished.target_path)
    assert await asyncio.to_thread(target.is_file)
    assert target.is_relative_to(isolated_data_dir)

    await _act(app, JobAction.OPEN, job.id)
    assert [url.toLocalFile() for url in opened_urls] == [str(target)]
    await _act(app, JobAction.SHOW_IN_FOLDER, download.id)
    assert opened_urls[-1].toLocalFile() == str(target.parent)


async def test_render_selected_asks_first_with_the_count_and_typical_cost(
    make_app: MakeApp, signed_in: object, prompts: FakePrompts, tracker_clock: SimDrivenClock
) -> None:
    app: DesktopApp = await make_app()
    window, session = _parts(app)
    await _open_engine(app, "9102")
    window.browser.select_rows([0, 1, 2])
    assert window.browser.render_selected_button.isEnabled()
    assert window.browser.render_selected_button.text() == "Render selected (3)"
    prompts.answer = False
    window.browser.render_selected_button.click()
    await session.tasks.wait_idle()
    assert prompts.asked[-1][1] == "Render 3 videos of TikTok Montage: rows 1, 2 and 3?"
    # No history yet and no price from GEN: GEN's documented figure, said as such.
    assert (
        "about 150 credits for 3 renders (50 each, GEN's documented price)"
        in (prompts.asked[-1][2])
    )
    assert window.jobs_panel.model.rowCount() == 0
    prompts.answer = True
    window.browser.render_selected_button.click()
    await session.tasks.wait_idle()
    renders = [j for j in window.jobs_panel.model.jobs() if j.kind is JobKind.RENDER]
    assert len(renders) == 3
    tracker_clock.advance(15)
    for job in renders:
        await _wait_state(app, job.id, JobState.COMPLETED)
    notifier = app.notifier
    assert notifier is not None
    batch = [n for n in notifier.history if n.title == "3 renders finished"]
    assert len(batch) == 1
    # With completed renders in history, the next batch's question quotes their cost.
    window.browser.select_rows([3, 0])
    window.browser.render_selected_button.click()
    await session.tasks.wait_idle()
    assert prompts.asked[-1][1] == "Render 2 videos of TikTok Montage: rows 1 and 4?"
    assert (
        "about 95 credits for 2 renders (47.5 each, your last 3 renders)" in (prompts.asked[-1][2])
    )


async def test_stop_a_render(
    make_app: MakeApp, signed_in: object, tracker_clock: SimDrivenClock, sim: Simulator
) -> None:
    sim.state.script_render(pending_s=2, done_s=60)
    app: DesktopApp = await make_app()
    window, _session = _parts(app)
    await _open_engine(app)
    job = await _click_render(app, 1)
    tracker_clock.advance(15)
    await _wait_state(app, job.id, JobState.PROCESSING)
    await _act(app, JobAction.STOP, job.id)
    stopped = await _wait_state(app, job.id, JobState.STOPPED)
    assert stopped.is_terminal
    assert sim.journal.count("POST", r"/stop") == 1
    assert not window.jobs_panel.actions_by_name[JobAction.STOP].isEnabled()


async def test_a_failed_render_shows_its_reason(
    make_app: MakeApp, signed_in: object, tracker_clock: SimDrivenClock, sim: Simulator
) -> None:
    reason = "The avatar clip could not be generated: face not detected"
    sim.state.script_render("failed", failed_reason=reason)
    app: DesktopApp = await make_app()
    window, _session = _parts(app)
    await _open_engine(app)
    job = await _click_render(app, 2)
    tracker_clock.advance(15)
    failed = await _wait_state(app, job.id, JobState.FAILED)
    assert failed.failed_reason == reason
    window.jobs_panel.select_job(job.id)
    assert reason in window.jobs_panel.detail_label.text()
    row = window.jobs_panel.model.row_of(job.id)
    tooltip = window.jobs_panel.model.index(row).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip == reason
    assert app.notifier is not None
    assert app.notifier.history[-1].severity == "error"
    assert reason in app.notifier.history[-1].message


async def test_an_unknown_gen_status_is_flagged_and_tracked_until_it_completes(
    make_app: MakeApp, signed_in: object, tracker_clock: SimDrivenClock, sim: Simulator
) -> None:
    sim.faults.add("GET", r"/generations/", faults.unknown_status("queued_for_render"), times=1)
    app: DesktopApp = await make_app()
    window, _session = _parts(app)
    model = window.jobs_panel.model
    await _open_engine(app)
    job = await _click_render(app, 1)
    tracker_clock.advance(15)  # the first read (one read per advance: the tracker sleeps again)
    await until(
        lambda: (found := model.find(job.id)) is not None and found.status_unknown,
        model.dataChanged,
        what="the job to be flagged with GEN's unknown status",
    )
    flagged = _job(app, job.id)
    assert flagged.is_active
    row = model.row_of(job.id)
    tooltip = model.index(row).data(Qt.ItemDataRole.ToolTipRole)
    assert "GEN says `queued_for_render`" in tooltip
    assert chip_label(flagged) == "unknown status"
    line = status_line(flagged, elapsed=3, typical=None, overdue=False, progress=None)
    assert line.startswith("GEN says `queued_for_render`")
    window.jobs_panel.select_job(job.id)
    assert window.jobs_panel.actions_by_name[JobAction.REMOVE].isEnabled()
    # Still tracked: once GEN answers with a status it knows, the render completes.
    tracker_clock.advance(600)
    done = await _wait_state(app, job.id, JobState.COMPLETED)
    assert not done.status_unknown
    assert sim.journal.count("GET", r"/generations/\d+$") == 2


async def test_a_401_mid_session_pauses_tracking_and_asks_to_sign_in_again(
    make_app: MakeApp, signed_in: object, tracker_clock: SimDrivenClock, sim: Simulator
) -> None:
    app: DesktopApp = await make_app()
    window, session = _parts(app)
    await _open_engine(app)
    job = await _click_render(app, 0)
    sim.faults.add("GET", r"/generations/", faults.status(401))
    tracker_clock.advance(15)
    await until(lambda: window.banner.isVisible(), what="the sign-in-again banner")
    assert session.services.scheduler.auth_paused
    assert window.jobs_panel.status_label.isVisible()
    assert "paused" in window.jobs_panel.status_label.text().lower()
    polls_while_paused = sim.journal.count("GET", r"/generations/")
    tracker_clock.advance(60)
    await turns(20)
    assert sim.journal.count("GET", r"/generations/") == polls_while_paused

    window.banner_button.click()
    await until(
        lambda: (found := window.findChild(SignInDialog)) is not None and found.isVisible(),
        what="the sign-in dialog",
    )
    dialog = window.findChild(SignInDialog)
    assert dialog is not None
    dialog.form.key_edit.setText(DEMO_API_KEY)
    dialog.form.sign_in_button.click()
    await app.tasks.wait_idle()
    assert not window.banner.isVisible()
    new_session = _parts(app)[1]
    assert new_session is not session
    tracker_clock.advance(15)
    done = await _wait_state(app, job.id, JobState.COMPLETED)
    assert done.id == job.id


async def test_sign_in_again_explains_why_with_the_reason_the_flow_kept(
    make_app: MakeApp, signed_in: object
) -> None:
    app: DesktopApp = await make_app()
    window, _session = _parts(app)
    assert app.flow is not None
    app.flow.on_auth_lost("HTTP 401: key revoked")
    assert window.banner.isVisible()
    window.banner_label.setText("")  # the reason lives in the flow, not in the label

    window.banner_button.click()
    await until(
        lambda: (found := window.findChild(SignInDialog)) is not None and found.isVisible(),
        what="the sign-in dialog",
    )
    dialog = window.findChild(SignInDialog)
    assert dialog is not None
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert any("HTTP 401: key revoked" in text for text in texts)
    dialog.reject()
    await app.tasks.wait_idle()


async def test_after_a_restart_the_unfinished_job_resumes_in_the_panel(
    make_app: MakeApp, signed_in: object, tracker_clock: SimDrivenClock, isolated_data_dir: Path
) -> None:
    first: DesktopApp = await make_app()
    await _open_engine(first)
    job = await _click_render(first, 0)
    await first.aclose()
    stored = await _read_job(isolated_data_dir, job.id)
    assert stored is not None
    assert stored.state is JobState.PENDING

    second: DesktopApp = await make_app()
    window, _session = _parts(second)
    resumed = _job(second, job.id)
    assert resumed.state is JobState.PENDING
    await _open_engine(second)
    grid = window.browser.engine_table_model
    assert grid.live_job(0) is not None
    assert grid.index(0, grid.final_video_column).data().startswith("Rendering 0:00")
    tracker_clock.advance(15)
    done = await _wait_state(second, job.id, JobState.COMPLETED)
    assert done.remote_id == job.remote_id
    assert window.jobs_panel.model.rowCount() == 1


async def _read_job(data_dir: Path, job_id: str) -> LocalJob | None:
    """Read a job from the store the way the CLI does while no app holds the lock."""
    path = data_dir / "data" / "genpro.sqlite3"
    store = await asyncio.to_thread(Store.open, path, read_only=True)
    try:
        return await store.get_job(job_id)
    finally:
        await store.aclose()


async def test_a_lost_answer_is_pinned_on_top_and_a_confirmed_retry_reuses_the_key(
    make_app: MakeApp,
    signed_in: object,
    tracker_clock: SimDrivenClock,
    sim: Simulator,
    prompts: FakePrompts,
) -> None:
    app: DesktopApp = await make_app()
    window, _session = _parts(app)
    await _open_engine(app)
    first = await _click_render(app, 0)
    tracker_clock.advance(15)
    await _wait_state(app, first.id, JobState.COMPLETED)
    sim.faults.add("POST", r"/render$", faults.apply_then_status(500))
    lost = await _click_render(app, 1)
    lost = await _wait_state(app, lost.id, JobState.OUTCOME_UNKNOWN)
    panel = window.jobs_panel
    assert panel.model.job(0).id == lost.id, "the parked job is pinned above newer ones"
    panel.select_job(lost.id)
    assert panel.choice_buttons[JobAction.RETRY].isVisible()
    assert panel.choice_buttons[JobAction.REMOVE].isVisible()
    assert "idempotency key" in panel.detail_label.text()

    panel.choice_buttons[JobAction.RETRY].click()
    await _parts(app)[1].tasks.wait_idle()
    assert prompts.asked[-1][0] == "Retry"
    assert "not charged again" in prompts.asked[-1][2]
    posts = [e for e in sim.journal.requests if e.method == "POST" and e.path.endswith("/render")]
    keys = [e.headers.get("Idempotency-Key") or e.headers.get("idempotency-key") for e in posts]
    assert keys[-1] == keys[-2] == lost.idempotency_key
    tracker_clock.advance(15)
    done = await _wait_state(app, lost.id, JobState.COMPLETED)
    assert panel.model.job(0).id != lost.id or not done.is_parked


async def test_a_retry_past_the_idempotency_window_asks_again_before_a_possible_duplicate(
    make_app: MakeApp,
    signed_in: object,
    tracker_clock: SimDrivenClock,
    sim: Simulator,
    prompts: FakePrompts,
) -> None:
    app: DesktopApp = await make_app()
    window, session = _parts(app)
    await _open_engine(app)
    sim.faults.add("POST", r"/render$", faults.status(500))  # GEN never created it
    lost = await _click_render(app, 1)
    lost = await _wait_state(app, lost.id, JobState.OUTCOME_UNKNOWN)
    tracker_clock.advance(25 * 3600)  # a day later, on both sides: GEN has forgotten the key
    renders = [e for e in sim.journal.requests if e.path.endswith("/render")]
    panel = window.jobs_panel
    panel.select_job(lost.id)
    answers = iter([True, False])  # "yes" to the retry, then "no" to the duplicate warning

    async def answer(title: str, text: str, *, accept: str, details: str = "") -> bool:
        prompts.asked.append((title, text, details))
        return next(answers)

    prompts.asked.clear()  # the Render click's cost question
    prompts.confirm = answer  # type: ignore[method-assign]
    panel.choice_buttons[JobAction.RETRY].click()
    await session.tasks.wait_idle()
    assert len(prompts.asked) == 2
    _title, text, details = prompts.asked[-1]
    assert "GEN no longer protects" in text
    assert "no longer protects against a duplicate" in details
    assert [e for e in sim.journal.requests if e.path.endswith("/render")] == renders
    assert _job(app, lost.id).state is JobState.OUTCOME_UNKNOWN


async def test_the_panel_shows_recent_history_and_older_jobs_on_demand(
    make_app: MakeApp,
    signed_in: object,
    isolated_data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs_presenter, "HISTORY_LIMIT", 3)
    store = await asyncio.to_thread(Store.open, isolated_data_dir / "data" / "genpro.sqlite3")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    history = [
        LocalJob(
            id=new_job_id(),
            kind=JobKind.RENDER,
            state=JobState.COMPLETED,
            agent_id="4711",
            created_at=start + timedelta(minutes=i),
            updated_at=start + timedelta(minutes=i, seconds=40),
            finished_at=start + timedelta(minutes=i, seconds=40),
            title=f"History {i}",
        )
        for i in range(7)
    ]
    try:
        for job in history:
            await store.save_job(job)
    finally:
        await store.aclose()

    app: DesktopApp = await make_app()
    window, session = _parts(app)
    panel = window.jobs_panel
    shown = lambda: {panel.model.job(row).id for row in range(panel.model.rowCount())}  # noqa: E731
    assert shown() == {job.id for job in history[4:]}  # the newest page only
    assert panel.older_action.isEnabled()
    panel.older_action.trigger()
    await session.tasks.wait_idle()
    assert shown() == {job.id for job in history[1:]}
    assert panel.older_action.isEnabled()
    panel.older_action.trigger()
    await session.tasks.wait_idle()
    assert shown() == {job.id for job in history}
    assert not panel.older_action.isEnabled()  # a short page: nothing older is left
