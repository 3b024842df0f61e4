"""The context menu of a job in the Jobs panel: every action the job allows right now.

The items are the panel's own `QAction`s (the same ones the toolbar and the Jobs menu show), so a
menu item, a toolbar button and a shortcut all reach the app's one `JobActionDispatcher` through
`JobsPanel.action_requested`, and show the same text and shortcut. Which ones appear comes from
the core's `allowed_actions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu, QWidget

from genpro_desktop.core.jobs import LocalJob
from genpro_desktop.core.jobs.view import JobAction, allowed_actions, post_links

if TYPE_CHECKING:
    from genpro_desktop.gui.widgets.jobs_panel import JobsPanel

# Groups of the menu, in order; a separator between groups that show something.
MENU_GROUPS: tuple[tuple[JobAction, ...], ...] = (
    (JobAction.OPEN, JobAction.SHOW_IN_FOLDER, JobAction.DOWNLOAD, JobAction.PUBLISH),
    (JobAction.STOP, JobAction.RETRY, JobAction.RETRY_FAILED_PLATFORMS, JobAction.KEEP_WAITING),
    (
        JobAction.COPY_URL,
        JobAction.COPY_POST_ID,
        JobAction.OPEN_POST_LINK,
        JobAction.COPY_POST_LINK,
    ),
    (JobAction.DISMISS, JobAction.REMOVE),
)


def menu_actions(job: LocalJob, panel: JobsPanel) -> list[JobAction | None]:
    """The actions `job` allows, grouped as the menu shows them (None: a separator)."""
    allowed = allowed_actions(job, panel.model)
    # Dismiss and "Remove from list" are one item (the panel's Remove, worded per job).
    allowed.discard(JobAction.DISMISS)
    items: list[JobAction | None] = []
    for group in MENU_GROUPS:
        shown = [a for a in group if a in allowed and a in panel.actions_by_name]
        if shown and items:
            items.append(None)
        items.extend(shown)
    return items


def job_context_menu(job: LocalJob, panel: JobsPanel, parent: QWidget | None = None) -> QMenu:
    """A menu of the panel's actions that `job` (the panel's current job) allows."""
    menu = QMenu(parent or panel)
    menu.setObjectName("jobContextMenu")
    # A post published on several platforms: an Open and a Copy item for each of them.
    opens, copies = panel.post_link_actions(job, menu) if len(post_links(job)) > 1 else ([], [])
    per_platform = {JobAction.OPEN_POST_LINK: opens, JobAction.COPY_POST_LINK: copies}
    for item in menu_actions(job, panel):
        if item is None:
            menu.addSeparator()
        elif per_platform.get(item):
            menu.addActions(per_platform[item])
        else:
            menu.addAction(panel.actions_by_name[item])
    return menu
