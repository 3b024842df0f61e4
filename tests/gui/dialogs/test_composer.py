"""The post composer over the simulator: per-platform checks, TikTok's Direct Post rules, the
cover frame upload, a three-platform post to its links, a failed platform posted again, and
per-platform caption overrides (their counters, their blocking, one schedule post per text)."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from guikit import FakePrompts, OpenedUrls, SimDrivenClock, until
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtTest import QTest

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.core.store import StoreError
from genpro_desktop.gui.app import DesktopApp
from genpro_desktop.gui.dialogs.composer import PostComposer
from genpro_desktop.gui.dialogs.composer_sections import (
    CaptionOverride,
    TikTokSection,
    YouTubeSection,
)
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
    composer.when.later_radio.setChecked(True)
    tomorrow = composer.when.scheduled_local()
    assert tomorrow is not None
    composer.when.set_local_time(tomorrow.replace(tzinfo=None) + timedelta(days=1))
    assert composer.resolved is not None
    shown = composer.when.instant_label.text()
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


def _override(composer: PostComposer, platform: str) -> CaptionOverride:
    return composer.sections[platform].override


def _issues(composer: PostComposer) -> str:
    return html.unescape(composer.issues_label.text())


async def test_overrides_change_the_counters_and_the_blocking_per_platform(
    make_app: MakeApp, signed_in: object, tracker_clock: SimDrivenClock
) -> None:
    app: DesktopApp = await make_app()
    composer = await _open(app, await _render(app, tracker_clock))
    assert composer.isVisible()
    size = composer.size()
    _choose(composer, "tiktok", "youtube", "x")
    _tiktok(composer).privacy_combo.setCurrentIndex(0)
    composer.title_edit.setText("Launch day")
    long_caption = "Launch day " + "x" * 280
    composer.caption_edit.setPlainText(long_caption)
    # Shared: X's 280 is the strictest and blocks.
    assert "X is the strictest" in composer.counter_label.text()
    assert "X allows 280" in _issues(composer)
    assert not composer.submit_button.isEnabled()

    # X gets its own caption, starting from the shared one: still too long, now as X's own.
    x = _override(composer, "x")
    assert not x.body.isVisibleTo(composer)
    x.toggle.setChecked(True)
    assert x.body.isVisibleTo(composer)
    assert x.caption_edit.toPlainText() == long_caption
    assert x.counter_label.text() == "X 291 / 280"
    assert "X's own caption: The caption is 291 characters; X allows 280." in (_issues(composer))
    assert not composer.submit_button.isEnabled()
    # The shared text no longer counts against X: TikTok is the strictest that takes it.
    assert "TikTok is the strictest" in composer.counter_label.text()
    assert "X: own caption" in composer.counter_label.text()

    # A short X caption unblocks; the split into two posts is said under the checks.
    x.caption_edit.setPlainText("Launch day #demo")
    assert x.counter_label.text() == "X 16 / 280"
    assert "X allows" not in _issues(composer)
    assert composer.submit_button.isEnabled(), _issues(composer)
    assert "2 posts: TikTok + YouTube with the shared caption; X with its own caption" in _issues(
        composer
    )

    # YouTube's own title: empty blocks YouTube only, named as its own.
    youtube = _override(composer, "youtube")
    assert youtube.uses_title
    assert not x.uses_title
    youtube.toggle.setChecked(True)
    assert youtube.title_edit.text() == "Launch day", "starts from the shared title"
    assert composer.submit_button.isEnabled(), "the same text is still one post"
    assert "2 posts" in _issues(composer)
    youtube.title_edit.setText("")
    assert "YouTube's own title: YouTube requires a title." in _issues(composer)
    assert not composer.submit_button.isEnabled()
    youtube.toggle.setChecked(False)
    assert composer.submit_button.isEnabled()

    # Back to the shared caption: X blocks again.
    x.toggle.setChecked(False)
    assert "X allows 280" in _issues(composer)
    assert not composer.submit_button.isEnabled()
    # Overrides and messages came and went; the dialog kept its size.
    layout = composer.layout()
    assert layout is not None
    x.toggle.setChecked(True)
    layout.activate()
    assert composer.size() == size
    composer.reject()


async def test_a_youtube_override_sends_two_tracked_posts_once(
    make_app: MakeApp,
    signed_in: object,
    tracker_clock: SimDrivenClock,
    prompts: FakePrompts,
    sim: Simulator,
) -> None:
    app: DesktopApp = await make_app()
    assert app.window is not None
    render = await _render(app, tracker_clock)
    composer = await _open(app, render)
    _choose(composer, "tiktok", "instagram", "youtube")
    _tiktok(composer).privacy_combo.setCurrentIndex(0)
    composer.caption_edit.setPlainText("Launch day #demo")
    composer.title_edit.setText("Launch day")
    youtube = _override(composer, "youtube")
    youtube.toggle.setChecked(True)
    youtube.caption_edit.setPlainText("Launch day: the whole story, with chapters #demo")
    assert composer.submit_button.isEnabled(), _issues(composer)

    # Single flight: a double click, another click and Enter make one submit of both posts.
    presenter = app.preview
    assert presenter is not None
    asked = len(prompts.asked)
    QTest.mouseDClick(composer.submit_button, Qt.MouseButton.LeftButton)
    composer.submit_button.click()
    composer.submit()
    await until(lambda: presenter.dialog is None, what="the composer to close")
    assert len(prompts.asked) == asked + 1, "one question, one submit"
    summary = prompts.asked[-1][1]
    assert (
        "2 posts: TikTok + Instagram with the shared caption; YouTube with its own caption"
        in summary
    )
    assert "TikTok + Instagram: “Launch day #demo”" in summary
    assert "YouTube: “Launch day: the whole story, with chapters #demo”" in summary
    assert sim.journal.count("POST", r"/schedule/with-post") == 2
    bodies = {tuple(r.body["platform"]): r.body for r in sim.schedule.posts.values()}
    assert set(bodies) == {("tiktok", "instagram"), ("youtube",)}
    assert bodies[("tiktok", "instagram")]["description"] == "Launch day #demo"
    assert bodies[("youtube",)]["description"] == (
        "Launch day: the whole story, with chapters #demo"
    )
    assert bodies[("youtube",)]["title"] == "Launch day"
    assert "tiktok_privacy_level" not in bodies[("youtube",)]
    assert bodies[("tiktok", "instagram")]["tiktok_privacy_level"] == "PUBLIC_TO_EVERYONE"

    # Each post is its own tracked job, both from the render; both reach their links.
    first, second = composer.jobs
    assert [p.platform for p in first.post_platforms] == ["tiktok", "instagram"]
    assert [p.platform for p in second.post_platforms] == ["youtube"]
    assert first.parent_id == second.parent_id == render.id
    for job in composer.jobs:
        settled = await _settled(app, tracker_clock, job.id)
        assert settled.remote_id is not None
        assert all(p.status == "published" and p.post_url for p in settled.post_platforms)

    # The duplicate warning is still per platform, whatever the caption.
    again = await _open(app, render)
    note = again.existing_label.text()
    for label in ("TikTok", "Instagram", "YouTube"):
        assert f"Already on {label}" in note
    assert again.chosen() == []
    _choose(again, "youtube")
    again.title_edit.setText("Launch day")
    again.caption_edit.setPlainText("Something else entirely")
    prompts.answer = False
    again.submit_button.click()
    await until(lambda: not again.submitting, what="the refused submit")
    assert "It is already on YouTube" in prompts.asked[-1][1]
    assert "TikTok" not in prompts.asked[-1][1]
    assert sim.journal.count("POST", r"/schedule/with-post") == 2
    again.reject()


async def test_a_post_that_cannot_be_recorded_stops_there_and_keeps_the_sent_one(
    make_app: MakeApp,
    signed_in: object,
    tracker_clock: SimDrivenClock,
    sim: Simulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app: DesktopApp = await make_app()
    assert app.flow is not None
    assert app.flow.session is not None
    store = app.flow.session.services.store
    render = await _render(app, tracker_clock)
    composer = await _open(app, render)
    _choose(composer, "tiktok", "x")
    _tiktok(composer).privacy_combo.setCurrentIndex(0)
    composer.caption_edit.setPlainText("Launch day #demo")
    x = _override(composer, "x")
    x.toggle.setChecked(True)
    x.caption_edit.setPlainText("Launch #demo")
    recorded = store.record_intent
    calls: list[str] = []

    async def disk_full_the_second_time(job: LocalJob) -> None:
        calls.append(job.id)
        if len(calls) == 2:
            raise StoreError("database or disk is full")
        await recorded(job)

    monkeypatch.setattr(store, "record_intent", disk_full_the_second_time)
    composer.submit_button.click()
    await until(lambda: len(calls) == 2 and not composer.submitting, what="the stopped submit")
    # TikTok went out and is tracked; X was not sent (no intent, no POST) and is not retried.
    assert sim.journal.count("POST", r"/schedule/with-post") == 1
    (sent,) = composer.jobs
    assert [p.platform for p in sent.post_platforms] == ["tiktok"]
    assert composer.isVisible()
    text = _issues(composer)
    assert "Sent to TikTok" in text
    assert "The post to X was not sent: database or disk is full" in text
    assert "Post sends X only" in text
    assert composer.chosen() == ["x"], "the sent platform is unchecked"
    assert "Already on TikTok" in composer.existing_label.text()
    assert composer.submit_button.isEnabled()

    # The user decides: Post again sends X alone, once.
    monkeypatch.setattr(store, "record_intent", recorded)
    presenter = app.preview
    assert presenter is not None
    composer.submit_button.click()
    await until(lambda: presenter.dialog is None, what="the composer to close")
    assert sim.journal.count("POST", r"/schedule/with-post") == 2
    assert sim.schedule.posts[max(sim.schedule.posts)].body["platform"] == ["x"]
    assert sim.schedule.posts[max(sim.schedule.posts)].body["description"] == "Launch #demo"
    assert [[p.platform for p in j.post_platforms] for j in composer.jobs] == [["tiktok"], ["x"]]
    current = app.window.jobs_panel.current_job() if app.window else None
    assert current is not None
    assert current.id == sent.id
