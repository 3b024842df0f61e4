"""Tells the user when jobs finish: one system tray message per job, or per batch of renders.

A batch (several rows rendered at once) gets a single summary when its last job finishes or
needs attention, never one message per row. Without a system tray (some Linux desktops, the
offscreen test platform) the same message goes to a toast in the window.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.view import job_title
from genpro_desktop.gui.theme import STATE_LABELS, app_icon
from genpro_desktop.gui.widgets.jobs_panel import platform_label
from genpro_desktop.gui.widgets.toast import Severity, ToastArea

TRAY_MESSAGE_MS = 8000


@dataclass(frozen=True)
class Notification:
    """One message the user was shown."""

    title: str
    message: str
    severity: Severity


@dataclass
class _Batch:
    job_ids: set[str]
    outcomes: dict[str, LocalJob]


_OUTCOMES: dict[JobState, str] = {
    JobState.COMPLETED: "completed",
    JobState.DOWNLOADED: "finished",
    JobState.FAILED: "failed",
    JobState.STOPPED: "stopped",
    JobState.OUTCOME_UNKNOWN: "needs your decision",
    JobState.NEEDS_ATTENTION: "needs attention",
}


def _severity(jobs: Iterable[LocalJob]) -> Severity:
    states = {job.state for job in jobs}
    if JobState.FAILED in states:
        return "error"
    if states & {JobState.OUTCOME_UNKNOWN, JobState.NEEDS_ATTENTION}:
        return "warning"
    return "info"


def _is_done(job: LocalJob) -> bool:
    return (job.is_terminal and job.state is not JobState.DISMISSED) or job.is_parked


class Notifier(QObject):
    """Turns finished jobs into tray messages (or toasts), one per job or per batch."""

    notified = Signal(str, str)  # title, message

    def __init__(self, toasts: ToastArea, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._toasts = toasts
        self._batches: dict[str, _Batch] = {}
        self._batch_of: dict[str, str] = {}
        self._announced: set[str] = set()
        self.history: list[Notification] = []
        self._tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(app_icon(), self)
            self._tray.setToolTip("GEN Desktop")
            self._tray.show()

    @property
    def uses_tray(self) -> bool:
        """True when messages go to the system tray."""
        return self._tray is not None

    def track_batch(self, batch_id: str, job_ids: Iterable[str]) -> None:
        """Jobs started together: announce them once, when the last one is done."""
        ids = set(job_ids)
        if len(ids) < 2:
            return
        self._batches[batch_id] = _Batch(ids, {})
        for job_id in ids:
            self._batch_of[job_id] = batch_id

    def job_changed(self, job: LocalJob) -> None:
        """Feed every job update; only the first time a job is done counts."""
        if not _is_done(job) or job.id in self._announced:
            return
        self._announced.add(job.id)
        batch_id = self._batch_of.get(job.id)
        if batch_id is None:
            self._announce_job(job)
            return
        batch = self._batches[batch_id]
        batch.outcomes[job.id] = job
        if batch.job_ids <= batch.outcomes.keys():
            self._announce_batch(list(batch.outcomes.values()))
            for job_id in batch.job_ids:
                self._batch_of.pop(job_id, None)
            del self._batches[batch_id]

    def _announce_job(self, job: LocalJob) -> None:
        what = {
            JobKind.RENDER: "Render",
            JobKind.DOWNLOAD: "Download",
            JobKind.PUBLISH: "Post",
            JobKind.POST: "Post",
        }
        outcome = _OUTCOMES.get(job.state, STATE_LABELS.get(job.state, job.state.value))
        title = f"{what[job.kind]} {outcome}"
        message = job_title(job)
        if job.state is JobState.FAILED and job.failed_reason:
            message += f": {job.failure_note}"
        if job.kind is JobKind.POST and job.post_platforms:
            message = "; ".join(
                f"{platform_label(p.platform)} {p.status}"
                + (f" ({p.error})" if p.status == "failed" and p.error else "")
                for p in job.post_platforms
            )
        self.show(title, message, _severity([job]))

    def _announce_batch(self, jobs: list[LocalJob]) -> None:
        counts: dict[str, int] = {}
        for job in jobs:
            label = STATE_LABELS.get(job.state, job.state.value)
            counts[label] = counts.get(label, 0) + 1
        summary = ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
        self.show(f"{len(jobs)} renders finished", summary, _severity(jobs))

    def show(self, title: str, message: str, severity: Severity = "info") -> None:
        """Show a message in the tray, or as a toast when there is no tray."""
        self.history.append(Notification(title, message, severity))
        if self._tray is not None:
            icon = {
                "info": QSystemTrayIcon.MessageIcon.Information,
                "warning": QSystemTrayIcon.MessageIcon.Warning,
                "error": QSystemTrayIcon.MessageIcon.Critical,
            }[severity]
            self._tray.showMessage(title, message, icon, TRAY_MESSAGE_MS)
        else:
            self._toasts.show_toast(f"{title}: {message}", severity=severity)
        self.notified.emit(title, message)

    def close(self) -> None:
        """Remove the tray icon."""
        if self._tray is not None:
            self._tray.hide()
            self._tray.deleteLater()
            self._tray = None
