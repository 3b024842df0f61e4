"""From a completed render in the Jobs panel to a TikTok post id, through the real window, on a
GEN without the schedule API (the legacy TikTok-only dialog; the composer is test_composer.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guikit import FakePrompts, SimDrivenClock, until
from PySide6.QtGui import QGuiApplication

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.gui.app import DesktopApp
from genpro_desktop.gui.dialogs.publish_dialog import PublishDialog
from genpro_desktop.gui.dialogs.publish_fields import TikTokFields
from genpro_desktop.gui.widgets.jobs_panel import JobAction
from genpro_desktop.simulator import Simulator

MakeApp = Callable[..., Any]


async def _completed_render(app: DesktopApp, clock: SimDrivenClock) -> LocalJob:
    assert app.flow is not None
    assert app.flow.session is not None
    assert app.window is not None
    session, window = app.flow.session, app.window
    await session.browser.choose_agent("4711")
    await session.browser.open_engine("9101")
    (job,) = await session.browser.render_rows([0])
    model = window.jobs_panel.model
    clock.advance(15)
    await until(
        lambda: (found := model.find(job.id)) is not None and found.state is JobState.COMPLETED,
        model.dataChanged,
        what="the render",
    )
    found = model.find(job.id)
    assert found is not None
    return found


async def test_publish_from_the_jobs_panel_to_a_post_id(
    make_app: MakeApp,
    signed_in: object,
    tracker_clock: SimDrivenClock,
    prompts: FakePrompts,
    sim: Simulator,
) -> None:
    sim.schedule.enabled = False
    app: DesktopApp = await make_app()
    assert app.window is not None
    assert app.preview is not None
    window, presenter = app.window, app.preview
    panel = window.jobs_panel
    render = await _completed_render(app, tracker_clock)
    panel.select_job(render.id)
    assert presenter.preview.publish_button.isEnabled()
    # Before any download the preview shows the thumbnail, not a video.
    assert not presenter.preview.play_button.isEnabled()
    publish = panel.actions_by_name[JobAction.PUBLISH]
    assert publish.isEnabled()
    publish.trigger()
    await until(lambda: presenter.dialog is not None, what="the publish dialog")
    dialog = presenter.dialog
    assert isinstance(dialog, PublishDialog)
    assert dialog.draft.media_url == render.output_url
    assert dialog.draft.source_job_id == render.id
    fields = dialog.fields
    assert isinstance(fields, TikTokFields)
    assert fields.thumbnail_edit.text() == (render.thumbnail_url or "")
    fields.caption_edit.setPlainText("Launch day 🚀 #demo")
    dialog.submit_button.click()
    await until(lambda: presenter.dialog is None, what="the dialog to close")
    publishes = [job for job in panel.model.jobs() if job.kind is JobKind.PUBLISH]
    assert len(publishes) == 1
    (sent,) = publishes
    assert sent.parent_id == render.id
    assert sim.journal.count("POST", r"/user_jobs") == 1
    current = panel.current_job()
    assert current is not None
    assert current.id == sent.id, "the new publish job is selected"

    tracker_clock.advance(30)
    await until(
        lambda: (f := panel.model.find(sent.id)) is not None and f.state is JobState.COMPLETED,
        panel.model.dataChanged,
        what="the post",
    )
    posted = panel.model.find(sent.id)
    assert posted is not None
    assert posted.post_id
    panel.select_job(posted.id)
    assert posted.post_id in panel.detail_label.text()
    copy = panel.actions_by_name[JobAction.COPY_POST_ID]
    assert copy.isEnabled()
    copy.trigger()
    assert app.flow is not None
    assert app.flow.session is not None
    await app.flow.session.tasks.wait_idle()
    assert QGuiApplication.clipboard().text() == posted.post_id
