"""Every job has a context menu with every action it allows; each item reaches the app's one
dispatcher with that job; the Jobs menu holds the same actions, enabled by the selection
(issue 19)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from jobkit import make_job
from PySide6.QtGui import QAction

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.model import PostPlatform
from genpro_desktop.core.jobs.view import allowed_actions
from genpro_desktop.gui.job_actions import JobAction, JobActionDispatcher
from genpro_desktop.gui.models.engine_list_model import EngineListModel
from genpro_desktop.gui.models.engine_table_model import EngineTableModel
from genpro_desktop.gui.models.job_list_model import JobListModel
from genpro_desktop.gui.widgets.jobs_panel import JobsPanel
from genpro_desktop.gui.widgets.main_window import MainWindow

VIDEO = "https://cdn.example/render_1.mp4"


def _jobs() -> dict[str, LocalJob]:
    render = make_job(JobState.COMPLETED, output_url=VIDEO, execution_cost=Decimal("47.5"))
    return {
        "running render": make_job(JobState.PROCESSING, minutes=1),
        "completed render": render,
        "downloaded file": make_job(
            JobState.DOWNLOADED,
            kind=JobKind.DOWNLOAD,
            minutes=2,
            parent_id=render.id,
            target_path="/tmp/genpro-tests/row1.mp4",
        ),
        "failed download": make_job(
            JobState.FAILED, kind=JobKind.DOWNLOAD, minutes=3, parent_id=render.id
        ),
        "outcome unknown": make_job(JobState.OUTCOME_UNKNOWN, minutes=4),
        "needs attention": make_job(
            JobState.NEEDS_ATTENTION, minutes=5, attention_reason="taking much longer"
        ),
        "partly failed post": make_job(
            JobState.COMPLETED,
            kind=JobKind.POST,
            minutes=6,
            post_id="7301",
            post_request='{"platform": ["tiktok", "youtube"]}',
            post_platforms=(
                PostPlatform("tiktok", status="published", post_url="https://tiktok.com/@me/1"),
                PostPlatform("youtube", status="failed", error="quota"),
            ),
        ),
    }


@pytest.fixture
def panel(qapp: object) -> JobsPanel:
    model = JobListModel()
    model.set_jobs(_jobs().values())
    panel = JobsPanel(model)
    panel.resize(600, 900)
    panel.show()
    return panel


def _menu_of(panel: JobsPanel, job: LocalJob) -> list[JobAction]:
    index = panel.proxy.index_of(job.id)
    menu = panel.context_menu_at(panel.list_view.visualRect(index).center())
    assert menu is not None
    current = panel.current_job()
    assert current is not None
    assert current.id == job.id
    names = [a.objectName().removeprefix("job_") for a in menu.actions() if not a.isSeparator()]
    menu.deleteLater()
    return [JobAction(name) for name in names]


@pytest.mark.parametrize("case", list(_jobs()))
def test_the_context_menu_offers_every_allowed_action_and_each_reaches_the_dispatcher(
    panel: JobsPanel, case: str
) -> None:
    dispatcher = JobActionDispatcher(panel.model)
    panel.action_requested.connect(dispatcher.dispatch)
    calls: list[tuple[JobAction, str]] = []
    dispatcher.register(JobAction, lambda action, job: calls.append((action, job.id)))
    job = _find(panel, case)

    offered = _menu_of(panel, job)

    allowed = allowed_actions(job, panel.model)
    # Dismiss is the Remove item worded "Dismiss" for a job waiting for a decision.
    assert set(offered) == allowed - {JobAction.DISMISS}
    assert offered  # every job has something to do
    for action in offered:
        panel.actions_by_name[action].trigger()
    assert calls == [(action, job.id) for action in offered]


def _row(case: str) -> int:
    minutes = {
        "running render": 1,
        "completed render": 0,
        "downloaded file": 2,
        "failed download": 3,
        "outcome unknown": 4,
        "needs attention": 5,
        "partly failed post": 6,
    }[case]
    return minutes + 1


def test_the_context_menu_names_what_each_job_allows(panel: JobsPanel) -> None:
    by_case = {case: _find(panel, case) for case in _jobs()}
    assert _menu_of(panel, by_case["running render"]) == [JobAction.STOP]
    assert _menu_of(panel, by_case["completed render"]) == [
        JobAction.OPEN,
        JobAction.SHOW_IN_FOLDER,
        JobAction.DOWNLOAD,
        JobAction.PUBLISH,
        JobAction.COPY_URL,
        JobAction.REMOVE,
    ]
    assert _menu_of(panel, by_case["failed download"]) == [
        JobAction.RETRY,
        JobAction.COPY_URL,
        JobAction.REMOVE,
    ]
    assert _menu_of(panel, by_case["outcome unknown"]) == [JobAction.RETRY, JobAction.REMOVE]
    assert panel.actions_by_name[JobAction.REMOVE].text() == "Dismiss"
    assert JobAction.RETRY_FAILED_PLATFORMS in _menu_of(panel, by_case["partly failed post"])


def _find(panel: JobsPanel, case: str) -> LocalJob:
    title = f"TikTok Talking Avatar · row {_row(case)}"
    return next(job for job in panel.model.jobs() if job.title == title)


def test_the_jobs_menu_holds_the_panels_actions_enabled_by_the_selection(qapp: object) -> None:
    model = JobListModel()
    window = MainWindow(model, EngineListModel(), EngineTableModel())
    model.set_jobs(_jobs().values())
    panel = window.jobs_panel
    in_menu = {a.objectName(): a for a in window.jobs_menu.actions() if not a.isSeparator()}
    for action_id, action in panel.actions_by_name.items():
        if action_id is not JobAction.DISMISS:
            assert in_menu[f"job_{action_id.value}"] is action  # the very same QAction
    assert not any(a.isEnabled() for a in panel.actions_by_name.values())  # nothing selected

    panel.select_job(_find(panel, "running render").id)
    enabled = {a for a, action in panel.actions_by_name.items() if action.isEnabled()}
    assert enabled == {JobAction.STOP}
    assert in_menu["job_stop"].shortcut().toString() == "Ctrl+."

    panel.select_job(_find(panel, "completed render").id)
    enabled = {a for a, action in panel.actions_by_name.items() if action.isEnabled()}
    assert enabled == allowed_actions(_find(panel, "completed render"), model)
    assert JobAction.STOP not in enabled
    for name in ("clearFinishedAction", "undoClearAction", "historyAction"):
        assert name in in_menu
    assert not in_menu["undoClearAction"].isEnabled()  # nothing cleared yet
    window.deleteLater()


def _posted_everywhere() -> LocalJob:
    return make_job(
        JobState.COMPLETED,
        kind=JobKind.POST,
        minutes=9,
        post_id="7302",
        post_request='{"platform": ["tiktok", "youtube", "instagram"]}',
        post_platforms=(
            PostPlatform("tiktok", status="published", post_url="https://tiktok.com/@me/2"),
            PostPlatform("youtube", status="published", post_url="https://youtu.be/abc"),
            PostPlatform("instagram", status="failed", error="token expired"),
        ),
    )


def _link_items(actions: list[QAction]) -> dict[str, QAction]:
    return {a.text(): a for a in actions if "link" in a.objectName()}


def test_a_post_on_several_platforms_offers_open_and_copy_for_each(qapp: object) -> None:
    model = JobListModel()
    post = _posted_everywhere()
    model.set_jobs([post])
    window = MainWindow(model, EngineListModel(), EngineTableModel())
    panel = window.jobs_panel
    panel.resize(600, 900)
    panel.show()
    opened: list[str] = []
    copied: list[tuple[str, str]] = []
    panel.link_activated.connect(opened.append)
    panel.post_link_copy_requested.connect(lambda name, url: copied.append((name, url)))

    index = panel.proxy.index_of(post.id)
    menu = panel.context_menu_at(panel.list_view.visualRect(index).center())
    assert menu is not None
    in_context = _link_items(menu.actions())
    assert set(in_context) == {
        "Open on TikTok",
        "Open on YouTube",
        "Copy TikTok link",
        "Copy YouTube link",
    }
    in_context["Open on YouTube"].trigger()
    in_context["Copy TikTok link"].trigger()
    assert opened == ["https://youtu.be/abc"]
    assert copied == [("TikTok", "https://tiktok.com/@me/2")]

    window.jobs_menu.aboutToShow.emit()
    in_menu = _link_items(window.jobs_menu.actions())
    assert set(in_menu) == set(in_context)
    in_menu["Open on TikTok"].trigger()
    in_menu["Copy YouTube link"].trigger()
    assert opened[-1] == "https://tiktok.com/@me/2"
    assert copied[-1] == ("YouTube", "https://youtu.be/abc")
    window.jobs_menu.aboutToShow.emit()  # shown again: still one item per platform
    assert len(_link_items(window.jobs_menu.actions())) == 4
    menu.deleteLater()
    window.deleteLater()
