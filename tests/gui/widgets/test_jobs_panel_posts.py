"""The Jobs panel shows a post job through the shared job view: platforms and their states."""

from __future__ import annotations

from jobkit import make_job

from genpro_desktop.core.jobs import JobKind, JobState
from genpro_desktop.core.jobs.model import PostPlatform
from genpro_desktop.gui.models.job_list_model import JobListModel
from genpro_desktop.gui.widgets.jobs_panel import JobsPanel


def test_a_post_shows_its_platforms_in_the_title_and_each_state_in_the_details(
    qapp: object,
) -> None:
    model = JobListModel()
    panel = JobsPanel(model)
    post = make_job(
        JobState.PROCESSING,
        kind=JobKind.POST,
        title="Spring launch",
        post_platforms=(
            PostPlatform("tiktok", status="published"),
            PostPlatform("youtube", status="failed"),
        ),
    )
    model.set_jobs([post])
    assert model.data(model.index(0)) == "Post to TikTok, YouTube · Spring launch"
    panel.select_job(post.id)
    details = panel.detail_label.text()  # one line per platform, with its state (issue 17)
    assert "TikTok: published" in details
    assert "YouTube: failed: GEN gave no reason" in details
    panel.deleteLater()
    model.deleteLater()
