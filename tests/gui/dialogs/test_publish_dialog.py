"""The publish dialog's checks: the UTF-16 caption counter, past times, DST gaps and overlaps,
the exact UTC instant and offset it will send, single-flight submit and the duplicate guard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from guikit import FakePrompts
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from genpro_desktop.core.publishing import TIKTOK_CAPTION_LIMIT
from genpro_desktop.core.publishing.hashtags import suggest_hashtags
from genpro_desktop.core.store import StoreError
from genpro_desktop.gui.app import DesktopApp
from genpro_desktop.gui.dialogs.posting_dialog import PostingContext
from genpro_desktop.gui.dialogs.publish_dialog import PublishDialog, PublishDraft
from genpro_desktop.gui.dialogs.publish_fields import TikTokFields
from genpro_desktop.gui.dialogs.when_picker import local_text
from genpro_desktop.gui.session import Session
from genpro_desktop.simulator import Simulator

MakeApp = Callable[..., Any]
MEDIA = "https://cdn.gen.pro/outputs/render_880001.mp4"
THUMB = "https://cdn.gen.pro/thumbnails/render_880001.jpg"
ZONE = "Europe/Berlin"  # the fake clock starts at 2026-11-27 12:00 UTC = 13:00 CET


class ScriptedPrompts(FakePrompts):
    """Answers by dialog title (default: yes)."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: dict[str, bool] = {}

    async def confirm(self, title: str, text: str, *, accept: str, details: str = "") -> bool:
        self.asked.append((title, text, details))
        return self.answers.get(title, True)


def _session(app: DesktopApp) -> Session:
    assert app.flow is not None
    assert app.flow.session is not None
    return app.flow.session


def _dialog(app: DesktopApp, prompts: FakePrompts, **draft: Any) -> PublishDialog:
    session = _session(app)
    values: dict[str, Any] = {"agent_id": "4711", "media_url": MEDIA, "thumbnail_url": THUMB}
    values.update(draft)
    context = PostingContext(session.services, ZONE, prompts, session.tasks, app.window)
    dialog = PublishDialog(PublishDraft(**values), context)
    dialog.show()
    return dialog


def _fields(dialog: PublishDialog) -> TikTokFields:
    assert isinstance(dialog.fields, TikTokFields)
    return dialog.fields


async def test_caption_counts_utf16_and_over_the_limit_blocks(
    make_app: MakeApp, signed_in: object, prompts: FakePrompts
) -> None:
    dialog = _dialog(await make_app(), prompts)
    fields = _fields(dialog)
    assert not dialog.submit_button.isEnabled(), "a caption is required"
    assert "caption" in fields.caption_issue.text().lower()
    fields.caption_edit.setPlainText("Sunset 🌅")
    assert fields.counter_label.text().startswith("9 / 2,200")
    assert dialog.submit_button.isEnabled()
    fields.caption_edit.setPlainText("😀" * (TIKTOK_CAPTION_LIMIT // 2))
    assert fields.counter_label.text().startswith("2,200 / 2,200")
    assert dialog.submit_button.isEnabled()
    fields.caption_edit.setPlainText("😀" * (TIKTOK_CAPTION_LIMIT // 2) + "a")
    assert fields.counter_label.text().startswith("2,201 / 2,200")
    assert not dialog.submit_button.isEnabled()
    assert "too long" in fields.caption_issue.text()
    assert fields.thumbnail_edit.text() == THUMB, "the cover URL defaults to the thumbnail"
    dialog.reject()


async def test_schedule_shows_utc_and_offset_and_refuses_the_past(
    make_app: MakeApp, signed_in: object, prompts: FakePrompts
) -> None:
    dialog = _dialog(await make_app(), prompts)
    _fields(dialog).caption_edit.setPlainText("later")
    dialog.when.later_radio.setChecked(True)
    dialog.when.set_local_time(datetime(2026, 12, 1, 9, 30))
    assert dialog.resolved is not None
    assert dialog.resolved.utc == datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    text = dialog.when.instant_label.text()
    utc = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    # The composer's "When": the user's own format (never ISO), the zone's offset, the UTC time.
    assert f"{local_text(utc, ZONE)} CET in {ZONE} (UTC+01:00)" in text
    assert f"= {local_text(utc, 'UTC')} UTC" in text
    assert "2026-12-01T" not in text
    assert not dialog.when.slot_radio.isVisible(), "no next free slot without the schedule API"
    assert dialog.submit_button.isEnabled()
    assert f"on {local_text(utc, ZONE)} CET ({local_text(utc, 'UTC')} UTC)" in dialog.summary()

    dialog.when.set_local_time(datetime(2026, 11, 27, 12, 30))  # 11:30 UTC, before "now"
    assert not dialog.submit_button.isEnabled()
    assert "in the past" in dialog.schedule_issue.text()
    assert "2026-11-27" not in dialog.schedule_issue.text()
    assert dialog.schedule_issue.isVisible()
    dialog.when.now_radio.setChecked(True)
    assert dialog.submit_button.isEnabled()
    assert "now" in dialog.summary()
    dialog.reject()


async def test_dst_gap_and_overlap_are_explained_with_choices(
    make_app: MakeApp, signed_in: object, prompts: FakePrompts
) -> None:
    dialog = _dialog(await make_app(), prompts)
    _fields(dialog).caption_edit.setPlainText("spring")
    dialog.when.later_radio.setChecked(True)
    dialog.when.set_local_time(datetime(2027, 3, 28, 2, 30))
    assert "does not exist" in dialog.schedule_issue.text()
    assert not dialog.submit_button.isEnabled()
    assert len(dialog.when.alternative_buttons) == 2
    # Said in the user's own format, never as ISO strings (those are the CLI's).
    shown = [dialog.schedule_issue.text(), *(b.text() for b in dialog.when.alternative_buttons)]
    assert not [text for text in shown if "2027-03-28" in text], shown
    gap = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)  # 01:30 CET, before the jump
    assert dialog.when.alternative_buttons[0].text() == (
        f"Use {local_text(gap, ZONE)} CET ({local_text(gap, 'UTC', with_date=False)} UTC)"
    )
    dialog.when.alternative_buttons[0].click()
    assert dialog.submit_button.isEnabled()
    assert dialog.resolved is not None
    assert dialog.resolved.utc.tzinfo is not None

    dialog.when.set_local_time(datetime(2027, 10, 31, 2, 30))
    assert "happens twice" in dialog.schedule_issue.text()
    assert not dialog.submit_button.isEnabled()
    dialog.when.alternative_buttons[1].click()
    assert dialog.resolved is not None
    assert dialog.resolved.utc == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert dialog.resolved.offset_minutes == 60
    assert "UTC+01:00" in dialog.when.instant_label.text()
    dialog.reject()


async def test_double_click_posts_once(
    make_app: MakeApp, signed_in: object, prompts: FakePrompts, sim: Simulator
) -> None:
    app = await make_app()
    dialog = _dialog(app, prompts)
    _fields(dialog).caption_edit.setPlainText("Once only #demo")
    QTest.mouseDClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    dialog.submit_button.click()
    dialog.submit()
    await _session(app).tasks.wait_idle()
    assert sim.journal.count("POST", r"/user_jobs") == 1
    assert dialog.job is not None
    assert dialog.result() == PublishDialog.DialogCode.Accepted
    assert prompts.asked[0][1] == "Post this video to TikTok now as “Once only #demo”?"


async def test_duplicate_is_refused_until_posted_again_anyway(
    make_app: MakeApp, signed_in: object, sim: Simulator
) -> None:
    prompts = ScriptedPrompts()
    app = await make_app(prompts=prompts)
    first = _dialog(app, prompts)
    _fields(first).caption_edit.setPlainText("Same caption")
    first.submit()
    await _session(app).tasks.wait_idle()
    assert first.job is not None

    again = _dialog(app, prompts)
    _fields(again).caption_edit.setPlainText("Same caption")
    prompts.answers["Already posted"] = False
    again.submit()
    await _session(app).tasks.wait_idle()
    assert prompts.asked[-1][0] == "Already posted"
    assert "Not published" in prompts.asked[-1][2]
    assert again.job is None
    assert again.isVisible()
    assert sim.journal.count("POST", r"/user_jobs") == 1

    prompts.answers["Already posted"] = True
    again.submit()
    await _session(app).tasks.wait_idle()
    assert again.job is not None
    assert again.job.id != first.job.id
    assert sim.journal.count("POST", r"/user_jobs") == 2


def test_hashtag_suggestions_come_from_the_row_text() -> None:
    texts = ["Morning routine #wellness for busy people", "Stretching tips", ""]
    tags = suggest_hashtags(texts)
    assert tags[0] == "#wellness"
    assert "#stretching" in tags
    assert "#routine" in tags
    assert len(tags) == len({tag.lower() for tag in tags})


def test_jobs_panel_explains_publish_outcomes(qapp: object) -> None:
    from jobkit import finished, make_job

    from genpro_desktop.core.jobs import JobKind, JobState
    from genpro_desktop.gui.models.job_list_model import JobListModel
    from genpro_desktop.gui.widgets.jobs_panel import JobAction, JobsPanel

    model = JobListModel()
    panel = JobsPanel(model)
    render = finished(make_job(), JobState.COMPLETED, output_url=MEDIA)
    lost = make_job(JobState.OUTCOME_UNKNOWN, kind=JobKind.PUBLISH, parent_id=render.id)
    failed = finished(
        make_job(kind=JobKind.PUBLISH, minutes=1), JobState.FAILED, failed_reason="TikTok said no"
    )
    posted = finished(make_job(kind=JobKind.PUBLISH, minutes=2), JobState.COMPLETED, post_id="7459")
    model.set_jobs([render, lost, failed, posted])
    panel.select_job(render.id)
    assert panel.actions_by_name[JobAction.PUBLISH].isEnabled()
    panel.select_job(lost.id)
    assert not panel.actions_by_name[JobAction.PUBLISH].isEnabled()
    assert "Check the TikTok account before retrying" in panel.detail_label.text()
    panel.select_job(failed.id)
    assert "TikTok said no" in panel.detail_label.text()
    panel.select_job(posted.id)
    assert "7459" in panel.detail_label.text()
    assert panel.actions_by_name[JobAction.COPY_POST_ID].isEnabled()
    panel.deleteLater()
    model.deleteLater()


async def test_a_publish_that_cannot_be_recorded_says_why_and_sends_nothing(
    make_app: MakeApp,
    signed_in: object,
    prompts: FakePrompts,
    sim: Simulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = await make_app()
    store = _session(app).services.store

    async def disk_full(job: object) -> None:
        raise StoreError("database or disk is full")

    monkeypatch.setattr(store, "record_intent", disk_full)
    dialog = _dialog(app, prompts)
    _fields(dialog).caption_edit.setPlainText("Not today")
    dialog.submit()
    await _session(app).tasks.wait_idle()
    assert dialog.job is None
    assert sim.journal.count("POST", r"/user_jobs") == 0
    # The reason stays on screen after the checks ran again (they used to wipe it).
    assert "Not published: database or disk is full" in dialog.general_issue.text()
    assert dialog.submit_button.isEnabled()
    dialog.reject()
