"""Notifications: one per finished job, one per batch, errors as toasts with Details."""

from __future__ import annotations

from jobkit import finished, make_job, moved
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from genpro_desktop.core.jobs import JobState
from genpro_desktop.gui.notifications import Notifier
from genpro_desktop.gui.widgets.toast import ToastArea


def _notifier(qtbot: QtBot) -> tuple[Notifier, ToastArea]:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.resize(800, 600)
    window.show()
    toasts = ToastArea(window)
    return Notifier(toasts, window), toasts


def test_one_message_per_finished_job_and_none_while_running(qtbot: QtBot) -> None:
    notifier, toasts = _notifier(qtbot)
    job = make_job(JobState.PENDING)
    notifier.job_changed(job)
    notifier.job_changed(moved(job, JobState.PROCESSING))
    assert notifier.history == []
    done = finished(job, JobState.COMPLETED)
    notifier.job_changed(done)
    notifier.job_changed(done)  # the same job reported twice is announced once
    assert [n.title for n in notifier.history] == ["Render completed"]
    if not notifier.uses_tray:
        assert len(toasts.toasts) == 1


def test_a_batch_is_announced_once_when_its_last_job_ends(qtbot: QtBot) -> None:
    notifier, _toasts = _notifier(qtbot)
    jobs = [make_job(minutes=m) for m in range(3)]
    notifier.track_batch("batch-1", [job.id for job in jobs])
    notifier.job_changed(finished(jobs[0], JobState.COMPLETED))
    notifier.job_changed(finished(jobs[1], JobState.FAILED, failed_reason="no GPU"))
    assert notifier.history == []
    notifier.job_changed(finished(jobs[2], JobState.COMPLETED))
    assert len(notifier.history) == 1
    message = notifier.history[0]
    assert message.title == "3 renders finished"
    assert message.message == "2 completed, 1 failed"
    assert message.severity == "error"


def test_error_toasts_stay_and_show_details_on_request(qtbot: QtBot) -> None:
    toasts = _notifier(qtbot)[1]
    toast = toasts.show_toast("Download failed", severity="error", details="HTTP 410 Gone")
    assert toast.details_button.isVisible()
    assert not toast.details_label.isVisible()
    toast.details_button.click()
    assert toast.details_label.isVisible()
    assert toast.details_label.text() == "HTTP 410 Gone"
    toast.dismiss()
    assert toasts.toasts == []
