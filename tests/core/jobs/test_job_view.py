"""The Qt-free job view both front ends use: one overdue rule, titles, actions, relations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from genpro_desktop.cli.jobview import elapsed_text, job_json, note
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, PostPlatform, new_job_id
from genpro_desktop.core.jobs.view import (
    JobAction,
    JobIndex,
    allowed_actions,
    describe,
    is_overdue,
    job_title,
    local_file,
    post_summary,
    publish_jobs,
    render_of,
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
    assert job_title(post) == "Spring launch · tiktok, instagram"
    assert describe(post) == job_title(post)
    assert post_summary(post) == "tiktok published · instagram publishing"
    untitled = job(JobState.PENDING, JobKind.POST, remote_id="p2", platform="youtube")
    assert job_title(untitled) == "Post · p2 · youtube"


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
