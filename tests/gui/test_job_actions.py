"""One dispatcher for every action on a job (issue 15): panel, shortcuts, preview use it."""

from __future__ import annotations

from jobkit import make_job

from genpro_desktop.core.jobs import LocalJob
from genpro_desktop.gui.job_actions import JobAction, JobActionDispatcher
from genpro_desktop.gui.models.job_list_model import JobListModel


def test_an_action_reaches_the_handler_registered_for_it_with_the_listed_job() -> None:
    model = JobListModel()
    job = make_job()
    model.set_jobs([job])
    dispatcher = JobActionDispatcher(model)
    calls: list[tuple[str, JobAction, str]] = []

    def jobs(action: JobAction, found: LocalJob) -> None:
        calls.append(("jobs", action, found.id))

    def preview(action: JobAction, found: LocalJob) -> None:
        calls.append(("preview", action, found.id))

    dispatcher.register([JobAction.STOP, JobAction.RETRY], jobs)
    dispatcher.register([JobAction.PUBLISH], preview)

    assert dispatcher.dispatch("stop", job.id)  # the panel's signal carries the value
    assert dispatcher.dispatch(JobAction.PUBLISH, job.id)
    assert not dispatcher.dispatch(JobAction.DOWNLOAD, job.id)  # no one does it
    assert not dispatcher.dispatch(JobAction.STOP, "no-such-job")
    assert calls == [("jobs", JobAction.STOP, job.id), ("preview", JobAction.PUBLISH, job.id)]


def test_an_unregistered_handler_gets_nothing_more() -> None:
    model = JobListModel()
    job = make_job()
    model.set_jobs([job])
    dispatcher = JobActionDispatcher(model)
    calls: list[JobAction] = []

    def handler(action: JobAction, _job: LocalJob) -> None:
        calls.append(action)

    dispatcher.register([JobAction.STOP], handler)
    dispatcher.unregister(handler)

    assert not dispatcher.dispatch(JobAction.STOP, job.id)
    assert calls == []
