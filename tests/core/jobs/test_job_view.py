"""The Qt-free job view both front ends use: one overdue rule, titles, actions, relations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from genpro_desktop.cli.jobview import elapsed_text, job_json, note
from genpro_desktop.core.jobs.model import (
    JobKind,
    JobState,
    LocalJob,
    PostPlatform,
    RenderOrigin,
    new_job_id,
)
from genpro_desktop.core.jobs.view import (
    BatchProgress,
    JobAction,
    JobFilter,
    JobIndex,
    KindFilter,
    StatusFilter,
    allowed_actions,
    batch_progress,
    describe,
    is_overdue,
    job_engine,
    job_title,
    kind_group,
    local_file,
    post_summary,
    publish_jobs,
    render_of,
    search_text,
    status_group,
    tally_batch,
    video_url,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def job(
    state: JobState = JobState.PROCESSING, kind: JobKind = JobKind.RENDER, **fields: Any
) -> LocalJob:
    return LocalJob(
        id=new_job_id(),
        kind=kind,
        state=state,
        agent_id="4711",
        created_at=T0,
        updated_at=T0,
        **fields,
    )


def test_one_overdue_rule_running_jobs_past_one_and_a_half_times_typical() -> None:
    running = job(JobState.PROCESSING)
    assert not is_overdue(running, 15, 10)
    assert is_overdue(running, 15.1, 10)
    assert not is_overdue(running, 1000, None)
    # Queued (not started), parked (waiting for the user) and finished jobs are never overdue.
    assert not is_overdue(job(JobState.QUEUED, JobKind.DOWNLOAD), 1000, 10)
    assert not is_overdue(job(JobState.NEEDS_ATTENTION), 1000, 10)
    assert not is_overdue(job(JobState.COMPLETED), 1000, 10)


def test_the_cli_uses_the_same_overdue_rule_as_the_gui() -> None:
    queued = job(JobState.QUEUED, JobKind.DOWNLOAD)
    later = T0 + timedelta(seconds=100)
    assert "overdue" not in elapsed_text(queued, later, typical=10)
    assert elapsed_text(job(JobState.PROCESSING), later, typical=10).endswith(" overdue")


def test_a_post_is_titled_with_its_platforms_and_summarised_per_platform() -> None:
    post = job(
        JobState.PROCESSING,
        JobKind.POST,
        title="Spring launch",
        remote_id="p1",
        post_platforms=(
            PostPlatform("tiktok", status="published"),
            PostPlatform("instagram", status="publishing"),
        ),
    )
    assert job_title(post) == "Post to TikTok, Instagram · Spring launch"
    assert describe(post) == job_title(post)
    assert post_summary(post) == "tiktok published · instagram publishing"
    untitled = job(JobState.PENDING, JobKind.POST, remote_id="p2", platform="youtube")
    assert job_title(untitled) == "Post to YouTube · p2"


def test_relations_from_a_render_to_its_file_url_and_publish_jobs() -> None:
    render = job(JobState.COMPLETED, output_url="https://cdn.example/v.mp4", remote_id="g1")
    download = job(
        JobState.DOWNLOADED, JobKind.DOWNLOAD, parent_id=render.id, target_path="/tmp/v.mp4"
    )
    publish = job(JobState.COMPLETED, JobKind.PUBLISH, parent_id=render.id, post_id="tt1")
    jobs = JobIndex([publish, download, render])
    assert local_file(render, jobs) is not None
    assert str(local_file(render, jobs)) == "/tmp/v.mp4"
    assert video_url(download, jobs) == "https://cdn.example/v.mp4"
    assert render_of(download, jobs) is render
    assert publish_jobs(render, jobs) == [publish]
    allowed = allowed_actions(render, jobs)
    assert {JobAction.OPEN, JobAction.COPY_URL, JobAction.PUBLISH} <= allowed
    assert JobAction.OPEN not in allowed_actions(render, JobIndex([render]))
    assert JobAction.COPY_POST_ID in allowed_actions(publish, jobs)


def test_the_cli_lists_its_verbs_in_a_fixed_order() -> None:
    parked = job(JobState.OUTCOME_UNKNOWN, idempotency_key="k")
    assert job_json(parked)["actions"] == ["retry", "dismiss"]
    done = job(JobState.COMPLETED, output_url="https://cdn.example/v.mp4", remote_id="g1")
    assert job_json(done)["actions"] == ["download", "publish"]


def test_a_posts_note_in_the_cli_is_its_per_platform_summary() -> None:
    post = job(
        JobState.PROCESSING,
        JobKind.POST,
        title="Spring launch",
        post_platforms=(PostPlatform("tiktok", status="published"), PostPlatform("x")),
    )
    assert note(post) == "tiktok published · x accepted"


# -- the queue: titles, batches, filters, search ---------------------------------------------


def render_of_row(state: JobState = JobState.PROCESSING, **fields: Any) -> LocalJob:
    values: dict[str, Any] = {
        "engine_id": "77",
        "cell_id": "c5",
        "title": "Spring launch · row 5",
        **RenderOrigin(
            engine_title="Spring launch",
            row_number=5,
            row_text="  Summer sale:\nevery sneaker 30% off this weekend only, in every store  ",
        ).fields(),
    }
    values.update(fields)
    return job(state, **values)


def test_a_render_is_titled_with_its_engine_row_and_the_start_of_the_rows_text() -> None:
    render = render_of_row()
    title = job_title(render)
    assert title == "Spring launch · row 5 · “Summer sale: every sneaker 30% off this…”"
    assert describe(render) == title
    # Without an engine title (not known yet) the engine id stands in.
    bare = render_of_row(engine_title=None)
    assert job_title(bare).startswith("engine 77 · row 5 · “Summer sale")


def test_downloads_and_posts_say_their_kind_platforms_and_their_renders_row() -> None:
    render = render_of_row(JobState.COMPLETED)
    download = job(
        JobState.DOWNLOADING,
        JobKind.DOWNLOAD,
        parent_id=render.id,
        engine_id="77",
        engine_title=render.engine_title,
        row_number=render.row_number,
        row_text=render.row_text,
        target_path="/tmp/v.mp4",
    )
    post = job(
        JobState.PROCESSING,
        JobKind.POST,
        parent_id=render.id,
        title="TikTok: summer",
        post_platforms=(PostPlatform("tiktok"), PostPlatform("youtube")),
    )
    jobs = JobIndex([post, download, render])
    assert job_title(download).startswith("Download · Spring launch · row 5 · “Summer")
    assert job_title(post, jobs).startswith("Post to TikTok, YouTube · Spring launch · row 5")
    # Without its render at hand a post keeps its own label.
    assert job_title(post) == "Post to TikTok, YouTube · TikTok: summer"
    assert job_engine(post, jobs) == ("77", "Spring launch")


def test_status_groups_split_active_attention_and_finished() -> None:
    assert status_group(job(JobState.PROCESSING)) is StatusFilter.ACTIVE
    assert status_group(job(JobState.QUEUED, JobKind.DOWNLOAD)) is StatusFilter.ACTIVE
    assert status_group(job(JobState.OUTCOME_UNKNOWN)) is StatusFilter.ATTENTION
    assert status_group(job(JobState.NEEDS_ATTENTION)) is StatusFilter.ATTENTION
    assert status_group(job(JobState.FAILED)) is StatusFilter.ATTENTION
    assert status_group(job(JobState.PROCESSING, unknown_count=1)) is StatusFilter.ATTENTION
    partly = job(
        JobState.COMPLETED,
        JobKind.POST,
        post_platforms=(PostPlatform("tiktok", "published"), PostPlatform("x", "failed")),
    )
    assert status_group(partly) is StatusFilter.ATTENTION
    assert status_group(job(JobState.COMPLETED)) is StatusFilter.FINISHED
    assert status_group(job(JobState.STOPPED)) is StatusFilter.FINISHED
    assert kind_group(job(JobState.COMPLETED, JobKind.PUBLISH)) is KindFilter.POST


def test_a_filter_matches_state_kind_engine_and_every_search_word() -> None:
    render = render_of_row()
    other = job(JobState.COMPLETED, engine_id="88", title="Other engine · row 1")
    hay = search_text(render)
    assert JobFilter().is_empty
    assert JobFilter().matches(render, hay, "77")
    assert JobFilter(status=StatusFilter.ACTIVE).matches(render, hay, "77")
    assert not JobFilter(status=StatusFilter.FINISHED).matches(render, hay, "77")
    assert JobFilter(kind=KindFilter.RENDER).matches(render, hay, "77")
    assert not JobFilter(kind=KindFilter.POST).matches(render, hay, "77")
    assert JobFilter(engine_id="77").matches(render, hay, "77")
    assert not JobFilter(engine_id="77").matches(other, search_text(other), "88")
    # Search: engine title, row text, ids; every word must be found, case does not matter.
    assert JobFilter(text="SNEAKER spring").matches(render, hay, "77")
    assert JobFilter(text=render.id[:6]).matches(render, hay, "77")
    assert not JobFilter(text="sneaker autumn").matches(render, hay, "77")
    post = job(JobState.PENDING, JobKind.POST, post_platforms=(PostPlatform("instagram"),))
    assert JobFilter(text="instagram").matches(post, search_text(post), None)


def test_batch_progress_counts_done_and_estimates_the_time_left_from_typical() -> None:
    started = [render_of_row(JobState.PROCESSING, batch_id="b1") for _ in range(5)]
    finished = [render_of_row(JobState.COMPLETED, batch_id="b1") for _ in range(2)]
    failed = render_of_row(JobState.FAILED, batch_id="b1")
    members = [*started, *finished, failed]
    elapsed = {job.id: 30.0 for job in members}
    elapsed[started[0].id] = 60.0  # started earlier: ends first
    progress = batch_progress(members, lambda j: elapsed[j.id], typical=270.0)
    assert (progress.total, progress.done, progress.failed) == (8, 3, 1)
    # The renders run side by side: the batch ends with the last one, 270 - 30 s from now.
    assert progress.seconds_left == 240.0
    assert progress.summary() == "3 of 8 done · 1 failed · about 4 min left"
    # Without history there is no estimate; past the typical duration, no made-up figure.
    assert batch_progress(members, lambda j: 30.0, None).summary() == "3 of 8 done · 1 failed"
    late = batch_progress(members, lambda j: 400.0, 270.0)
    assert late.seconds_left is None
    assert late.overdue
    assert late.summary().endswith("taking longer than usual")
    done = batch_progress(finished, lambda j: 0.0, 270.0)
    assert done.finished
    assert done.summary() == "2 of 2 done"


def test_a_batch_tally_kept_while_time_passes_gives_what_a_fresh_pass_gives() -> None:
    # The Jobs panel keeps a batch's tally until a member changes and asks it for the progress
    # on every frame: later, it must say exactly what a new pass over the batch would.
    started = [render_of_row(JobState.PROCESSING, batch_id="b1") for _ in range(4)]
    parked = render_of_row(JobState.NEEDS_ATTENTION, batch_id="b1")
    members = [*started, parked, render_of_row(JobState.STOPPED, batch_id="b1")]
    began = {job.id: float(index * 7) for index, job in enumerate(members)}
    now = {"t": 40.0}

    def elapsed(job: LocalJob) -> float:
        return now["t"] - began[job.id]

    tally = tally_batch(members, elapsed)
    assert tally.youngest is started[-1]
    for moment in (40.0, 100.0, 250.0, 400.0):
        now["t"] = moment
        for typical in (None, 120.0, 300.0):
            assert tally.progress(elapsed, typical) == batch_progress(members, elapsed, typical)
    idle = tally_batch([parked], elapsed)
    assert idle.youngest is None
    assert idle.progress(elapsed, 300.0) == BatchProgress(1, 0, 0, 1, None, False)


def test_a_cut_row_text_does_not_end_on_a_separator() -> None:
    render = render_of_row(row_text="The cheapest way to learn a language · Start with the result")
    assert job_title(render).endswith("“The cheapest way to learn a language…”")
