"""The post composer over the simulator: per-platform checks, TikTok's Direct Post rules, the
cover frame upload, a three-platform post to its links, and a failed platform posted again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from guikit import FakePrompts, OpenedUrls, SimDrivenClock, until
from PySide6.QtGui import QColor, QGuiApplication, QImage

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.gui.app import DesktopApp
from genpro_desktop.gui.dialogs.composer import PostComposer
from genpro_desktop.gui.dialogs.composer_sections import TikTokSection, YouTubeSection
from genpro_desktop.gui.job_actions import JobAction
from genpro_desktop.simulator import Simulator
from genpro_desktop.simulator.seed import AGENT_ID

MakeApp = Callable[..., Any]


async def _render(app: DesktopApp, clock: SimDrivenClock) -> LocalJob:
    assert app.flow is not None
    assert app.flow.session is not None
    assert app.window is not None
    session, model = app.flow.session, app.window.jobs_panel.model
    await session.browser.choose_agent("4711")
    await session.browser.open_engine("9101")
    (job,) = await session.browser.render_rows([0])
    clock.advance(15)
    await until(
        lambda: (found := model.find(job.id)) is not None and found.state is JobState.COMPLETED,
        model.dataChanged,
        what="the render",
    )
    found = model.find(job.id)
    assert found is not None
    return found


async def _open(app: DesktopApp, render: LocalJob) -> PostComposer:
    presenter = app.preview
    assert presenter is not None
    presenter.request_publish(render)
    await until(lambda: isinstance(presenter.dialog, PostComposer), what="the composer")
    composer = presenter.dialog
    assert isinstance(composer, PostComposer)
    await composer.loaded.wait()
    return composer


def _tiktok(composer: PostComposer) -> TikTokSection:
    section = composer.sections["tiktok"]
    assert isinstance(section, TikTokSection)
    return section


def _choose(composer: PostComposer, *platforms: str) -> None:
    for name, chip in composer.chips.items():
        chip.setChecked(name in platforms)


async def _post(app: DesktopApp, composer: PostComposer) -> LocalJob:
    presenter = app.preview
    assert presenter is not None
    assert composer.submit_button.isEnabled(), composer.issues_label.text()
    composer.submit_button.click()
    await until(lambda: presenter.dialog is None, what="the composer to close")
    assert composer.job is not None
    return composer.job


async def _settled(app: DesktopApp, clock: SimDrivenClock, job_id: str) -> LocalJob:
    assert app.window is not None
    model = app.window.jobs_panel.model
    clock.advance(60)
    await until(
        lambda: (
            (f := model.find(job_id)) is not None and all(p.is_terminal for p in f.post_platforms)
        ),
        model.dataChanged,
        what="the post to settle",
    )
    found = model.find(job_id)
    assert found is not None
    return found


async def test_composer_checks_each_platform_and_tiktok_direct_post_rules(
    make_app: MakeApp, signed_in: object, tracker_clock: SimDrivenClock, sim: Simulator
) -> None:
    sim.schedule.disconnect(AGENT_ID, "linkedin")
    app: DesktopApp = await make_app()
    composer = await _open(app, await _render(app, tracker_clock))
    tiktok = _tiktok(composer)

    # Connected or not, and how to connect.
    assert "not connected" in composer.chips["linkedin"].text()
    assert "Connect LinkedIn" in composer.chips["linkedin"].toolTip()
    assert "democreator" in tiktok.account_label.text()
    # TikTok: nothing chosen for the user; no privacy blocks the post.
    assert composer.chosen() == ["tiktok"]
    composer.caption_edit.setPlainText("Launch day #demo")
    settings = tiktok.settings()
    assert settings.privacy_level is None
    assert not (settings.allow_comment)
    assert not (settings.allow_duet)
    assert not (settings.allow_stitch)
    assert not settings.disclose_commercial
    assert not composer.submit_button.isEnabled()
    assert "Choose who can see the TikTok post" in composer.issues_label.text()
    assert "Music Usage Confirmation" in tiktok.consent_label.text()
    # Branded content: "Only me" cannot be picked (and is dropped when it was).
    tiktok.privacy_combo.setCurrentIndex(tiktok.privacy_combo.findData("SELF_ONLY"))
    assert composer.submit_button.isEnabled()
    tiktok.disclose_box.setChecked(True)
    assert not composer.submit_button.isEnabled(), "disclosure needs Your brand or Branded"
    tiktok.branded_box.setChecked(True)
    assert not tiktok.only_me_enabled()
    assert tiktok.privacy_combo.currentIndex() == -1
    assert "Paid partnership" in tiktok.label_note.text()
    assert "Branded Content Policy" in tiktok.consent_label.text()
    tiktok.privacy_combo.setCurrentIndex(tiktok.privacy_combo.findData("PUBLIC_TO_EVERYONE"))
    assert composer.submit_button.isEnabled()

    # YouTube needs a title; X counts the shared caption against its 280.
    composer.chips["youtube"].setChecked(True)
    assert not composer.submit_button.isEnabled()
    assert "YouTube requires a title." in composer.issues_label.text()
    composer.title_edit.setText("Launch day")
    assert composer.submit_button.isEnabled()
    composer.chips["x"].setChecked(True)
    composer.caption_edit.setPlainText("x" * 281)
    assert "X is the strictest" in composer.counter_label.text()
    assert "X allows 280" in composer.issues_label.text()
    assert not composer.submit_button.isEnabled()
    composer.caption_edit.setPlainText("Launch day #demo")
    assert composer.submit_button.isEnabled()
    # A platform without an account blocks, saying how to connect it.
    composer.chips["linkedin"].setChecked(True)
    assert not composer.submit_button.isEnabled()
    assert "Connect LinkedIn to this agent in GEN" in composer.issues_label.text()
    composer.reject()


async def test_three_platform_post_with_cover_then_a_failed_platform_posted_again(
    make_app: MakeApp,
    signed_in: object,
    tracker_clock: SimDrivenClock,
    prompts: FakePrompts,
    sim: Simulator,
    tmp_path: Path,
    opened_urls: OpenedUrls,
) -> None:
    app: DesktopApp = await make_app()
    assert app.preview is not None
    render = await _render(app, tracker_clock)
    cover = tmp_path / "cover.png"
    image = QImage(90, 160, QImage.Format.Format_RGB32)
    image.fill(QColor("orange"))
    assert image.save(str(cover))
    assert app.window is not None
    app.window.jobs_panel.select_job(render.id)
    app.preview.preview.cover_chosen.emit(1500, str(cover))
    sim.schedule.script_platform("youtube", "failed", error_code="media_fetch_failed")

    composer = await _open(app, render)
    assert composer.uses_cover_frame()
    assert not composer.existing_label.isVisible()
    _choose(composer, "tiktok", "instagram", "youtube")
    tiktok = _tiktok(composer)
    tiktok.privacy_combo.setCurrentIndex(tiktok.privacy_combo.findData("FOLLOWER_OF_CREATOR"))
    youtube = composer.sections["youtube"]
    assert isinstance(youtube, YouTubeSection)
    youtube.tags_edit.setText("demo, launch")
    composer.caption_edit.setPlainText("Launch day #demo")
    composer.title_edit.setText("Launch day")
    job = await _post(app, composer)

    assert "TikTok, Instagram, YouTube" in prompts.asked[-1][1]
    assert sim.journal.count("POST", r"/social/upload_asset") == 1
    (record,) = sim.schedule.posts.values()
    assert record.body["thumbnail_url"].endswith("/assets/asset_1.png")
    assert record.body["tiktok_privacy_level"] == "FOLLOWER_OF_CREATOR"
    assert record.body["tiktok_disable_comment"] is True
    assert record.body["youtube_options"]["tags"] == ["demo", "launch"]
    assert record.body["title"] == "Launch day"
    posted = await _settled(app, tracker_clock, job.id)
    by_platform = {p.platform: p for p in posted.post_platforms}
    assert by_platform["tiktok"].status == "published"
    assert by_platform["tiktok"].post_url
    assert by_platform["instagram"].status == "published"
    assert by_platform["instagram"].post_url
    assert by_platform["youtube"].status == "failed"

    # One notification for the post, naming each platform.
    assert app.flow is not None
    assert app.notifier is not None
    notes = [n for n in app.notifier.history if n.title.startswith("Post")]
    assert len(notes) == 1
    assert "TikTok published; Instagram published; YouTube failed" in notes[-1].message
    # The Jobs panel: each platform with its link or GEN's reason, Open / Copy link.
    assert app.window is not None
    panel = app.window.jobs_panel
    panel.select_job(job.id)
    detail = panel.detail_label.text()
    assert "Open on TikTok" in detail
    assert by_platform["tiktok"].post_url in detail
    assert "YouTube: failed" in detail
    open_post = panel.actions_by_name[JobAction.OPEN_POST_LINK]
    assert open_post.isEnabled()
    assert open_post.text() == "Open on TikTok"
    open_post.trigger()
    panel.actions_by_name[JobAction.COPY_POST_LINK].trigger()
    assert app.flow.session is not None
    await app.flow.session.tasks.wait_idle()
    assert opened_urls[-1].toString() == by_platform["tiktok"].post_url
    assert by_platform["instagram"].post_url in QGuiApplication.clipboard().text()

    # Reopened on the same render: the published platforms are named and left unchecked; the
    # failed one is not, so it could be posted again from here.
    again = await _open(app, render)
    note = again.existing_label.text()
    assert "Already on TikTok" in note
    assert "Already on Instagram" in note
    assert "YouTube" not in note
    assert by_platform["tiktok"].post_url in note
    assert again.chosen() == []
    again.reject()
    await until(lambda: app.preview is not None and app.preview.dialog is None, what="closed")

    # The failed platform posted again on its own from the Jobs panel, after confirmation.
    panel.select_job(job.id)
    retry_action = panel.actions_by_name[JobAction.RETRY_FAILED_PLATFORMS]
    assert retry_action.isEnabled()
    retry_action.trigger()
    await until(lambda: sim.journal.count("POST", r"/schedule/with-post") == 2, what="the repost")
    await app.flow.session.tasks.wait_idle()
    assert "YouTube" in prompts.asked[-1][1]
    reposts = [j for j in panel.model.jobs() if j.kind is JobKind.POST and j.id != job.id]
    (retry,) = reposts
    assert [p.platform for p in retry.post_platforms] == ["youtube"]
    assert retry.parent_id == render.id
    assert sim.schedule.posts[max(sim.schedule.posts)].body["platform"] == ["youtube"]
    done = await _settled(app, tracker_clock, retry.id)
    assert [p.status for p in done.post_platforms] == ["published"]


async def test_same_video_with_one_character_changed_is_flagged_before_posting(
    make_app: MakeApp,
    signed_in: object,
    tracker_clock: SimDrivenClock,
    prompts: FakePrompts,
    sim: Simulator,
) -> None:
    app: DesktopApp = await make_app()
    render = await _render(app, tracker_clock)
    first = await _open(app, render)
    # The caption starts from the engine's template over the row's text cells.
    (column, text), *_ = first.draft.row_cells.items()
    assert first.template_edit.text() == f"{{{column}}} {{hashtags}}"
    assert first.caption_edit.toPlainText().startswith(" ".join(text.split()))
    assert first.draft.hashtags
    assert all(tag.startswith("#") for tag in first.draft.hashtags)
    first.template_edit.setText("{hashtags} #mine")
    first.template_button.click()
    assert first.caption_edit.toPlainText() == " ".join([*first.draft.hashtags, "#mine"])
    _tiktok(first).privacy_combo.setCurrentIndex(0)
    first.caption_edit.setPlainText("Launch day")
    await _post(app, first)

    second = await _open(app, render)
    assert second.template_edit.text() == "{hashtags} #mine", "kept for the engine"
    assert "Already on TikTok since" in second.existing_label.text()
    assert second.chosen() == [], "a platform the video is on starts unchecked"
    _choose(second, "tiktok")
    _tiktok(second).privacy_combo.setCurrentIndex(0)
    second.caption_edit.setPlainText("Launch day!")
    prompts.answer = False
    second.submit_button.click()
    await until(lambda: not second.submitting, what="the refused submit")
    assert "It is already on TikTok" in prompts.asked[-1][1]
    assert sim.journal.count("POST", r"/schedule/with-post") == 1
    second.reject()


async def test_a_post_scheduled_for_tomorrow_stays_scheduled_with_its_local_time(
    make_app: MakeApp, signed_in: object, tracker_clock: SimDrivenClock, sim: Simulator
) -> None:
    app: DesktopApp = await make_app()
    render = await _render(app, tracker_clock)
    composer = await _open(app, render)
    _tiktok(composer).privacy_combo.setCurrentIndex(0)
    composer.caption_edit.setPlainText("Tomorrow")
    composer.later_radio.setChecked(True)
    tomorrow = composer.scheduled_local()
    assert tomorrow is not None
    composer.set_local_time(tomorrow.replace(tzinfo=None) + timedelta(days=1))
    assert composer.resolved is not None
    shown = composer.instant_label.text()
    assert "UTC" in shown
    assert "T" not in shown.replace("UTC", ""), f"no raw ISO time: {shown}"
    job = await _post(app, composer)
    (record,) = sim.schedule.posts.values()
    assert record.body["schedule_type"] == "specific_time"
    tracker_clock.advance(10)
    assert app.window is not None
    panel = app.window.jobs_panel
    await until(
        lambda: (f := panel.model.find(job.id)) is not None and f.remote_id is not None,
        panel.model.dataChanged,
        what="GEN's answer",
    )
    found = panel.model.find(job.id)
    assert found is not None
    assert found.state is JobState.PENDING
    panel.select_job(job.id)
    assert "Scheduled for" in panel.detail_label.text()
    assert app.notifier is not None
    assert not [n for n in app.notifier.history if n.title.startswith("Post")]
