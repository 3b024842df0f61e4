"""Feeds the posts calendar view from the session's `PostsCalendar` and runs its actions.

The core calendar reads GEN only while this view is shown (`set_active`), so a hidden tab costs
no requests. Moves, edits and cancels run in the session's tasks; a refusal is shown with the
core's sentence and nothing is lost (the edit dialog keeps what was typed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from genpro_desktop.core.publishing.calendar import CalendarActionError, PostsCalendar
from genpro_desktop.core.publishing.platforms import LABELS
from genpro_desktop.gui.asyncqt import run_dialog
from genpro_desktop.gui.calendar.edit_dialog import PostEditDialog
from genpro_desktop.gui.calendar.view import PostsCalendarView
from genpro_desktop.gui.prompts import Prompts
from genpro_desktop.gui.session import Session
from genpro_desktop.gui.status import StatusLine

__all__ = ["CalendarPresenter", "CalendarViews"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CalendarViews:
    """What the calendar presenter works with."""

    calendar: PostsCalendarView
    status: StatusLine
    dialog_parent: QWidget


class CalendarPresenter(QObject):
    """Binds the view to the current session's calendar; see the module docstring."""

    def __init__(
        self,
        views: CalendarViews,
        prompts: Prompts,
        *,
        session: Callable[[], Session | None],
        zone: Callable[[], str],
        open_url: Callable[[QUrl], object],
    ) -> None:
        super().__init__(views.calendar)
        self._views = views
        self._view = views.calendar
        self._prompts = prompts
        self._session = session
        self._zone = zone
        self._open_url = open_url
        self._calendar: PostsCalendar | None = None
        self._bound_to: Session | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.dialog: PostEditDialog | None = None
        view = self._view
        view.visibility_changed.connect(self._visibility_changed)
        view.range_changed.connect(self._range_changed)
        view.move_requested.connect(self._move_requested)
        view.edit_requested.connect(self._edit_requested)
        view.cancel_requested.connect(self._cancel_requested)
        view.open_requested.connect(self._open)
        view.copy_requested.connect(self._copy)
        view.refresh_requested.connect(self._refresh_requested)

    @property
    def calendar(self) -> PostsCalendar | None:
        """The core calendar of the session the view is bound to."""
        return self._calendar

    def _zone_info(self) -> ZoneInfo:
        try:
            return ZoneInfo(self._zone())
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def bind(self) -> PostsCalendar | None:
        """Follow the current session's calendar (a new session: a new one); None signed out."""
        session = self._session()
        if session is not None and session is self._bound_to and self._calendar is not None:
            return self._calendar
        self.unbind()
        if session is None:
            return None
        calendar = session.services.calendar
        self._bound_to = session
        self._calendar = calendar
        calendar.set_zone(self._zone_info())
        self._unsubscribe = calendar.subscribe(self._posts_changed)
        self._view.set_clock(session.services.clock.wall(), calendar.zone)
        calendar.set_range(*self._view.visible_range())
        calendar.start()
        return calendar

    def unbind(self) -> None:
        """Stop following a calendar (signed out, or another session)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = None
        if self._calendar is not None:
            self._calendar.set_active(False)
        self._calendar = None
        self._bound_to = None

    # -- view -> core ----------------------------------------------------------------------

    def _visibility_changed(self, visible: bool) -> None:
        calendar = self.bind() if visible else self._calendar
        if calendar is not None:
            calendar.set_active(visible)

    def _range_changed(self, first: date, last: date) -> None:
        calendar = self.bind()
        if calendar is not None:
            calendar.set_range(first, last)

    def _posts_changed(self) -> None:
        calendar, session = self._calendar, self._bound_to
        if calendar is None or session is None:
            return
        now = session.services.clock.wall()
        self._view.set_clock(now, calendar.zone)
        self._view.set_problem(calendar.last_error)
        self._view.set_posts(calendar.posts(), now)

    def _spawn(self, work: Coroutine[Any, Any, Any], name: str) -> None:
        session = self._bound_to
        if session is None:
            work.close()
            return
        session.tasks.spawn(work, name=name)

    def _refresh_requested(self) -> None:
        calendar = self.bind()
        if calendar is not None:
            self._spawn(calendar.refresh(), "calendar-refresh")

    def _move_requested(self, key: str, day: date) -> None:
        if self.bind() is not None:
            self._spawn(self.move(key, day), "calendar-move")

    def _edit_requested(self, key: str) -> None:
        if self.bind() is not None:
            self._spawn(self.edit(key), "calendar-edit")

    def _cancel_requested(self, key: str) -> None:
        if self.bind() is not None:
            self._spawn(self.cancel(key), "calendar-cancel")

    # -- actions ---------------------------------------------------------------------------

    async def move(self, key: str, day: date) -> bool:
        """Move the post to `day` (time of day kept); False when it did not happen."""
        calendar = self._calendar
        if calendar is None:
            return False
        try:
            moved = await calendar.move(key, day)
        except CalendarActionError as exc:
            self._refused(str(exc))
            return False
        if moved is not None:
            self._view.select(moved.key)
        self._views.status.show_status("Post moved; GEN has the new time.")
        return True

    async def edit(self, key: str) -> PostEditDialog | None:
        """Open the edit dialog for the post; it closes once GEN took the change."""
        calendar, session = self._calendar, self._bound_to
        post = calendar.post(key) if calendar is not None else None
        if calendar is None or session is None or post is None:
            return None
        clock = session.services.clock

        async def save(caption: str | None, when: datetime | None) -> str | None:
            try:
                await calendar.edit(key, caption=caption, when=when)
            except CalendarActionError as exc:
                return str(exc)
            self._views.status.show_status("Post changed; GEN has the new version.")
            return None

        zone = getattr(calendar.zone, "key", None) or "UTC"
        dialog = PostEditDialog(
            post, zone, clock.wall, save, session.tasks, self._views.dialog_parent
        )
        self.dialog = dialog
        try:
            await run_dialog(dialog)
        finally:
            self.dialog = None
            dialog.deleteLater()
        return dialog

    async def cancel(self, key: str) -> bool:
        """Ask, then delete the post on GEN; False when not cancelled."""
        calendar = self._calendar
        post = calendar.post(key) if calendar is not None else None
        if calendar is None or post is None:
            return False
        where = ", ".join(LABELS.get(p.platform, p.platform) for p in post.platforms)
        caption = " ".join(post.caption.split())[:80]
        sure = await self._prompts.confirm(
            "Cancel post",
            f"Cancel this post to {where}? It will not be published.",
            accept="Cancel post",
            details=f"“{caption}” — {self._view.describe(post).splitlines()[0]}. GEN deletes "
            "the scheduled post; this cannot be undone (post it again from the composer).",
        )
        if not sure:
            return False
        try:
            await calendar.cancel(key)
        except CalendarActionError as exc:
            self._refused(str(exc))
            return False
        self._views.status.show_status("Post cancelled; nothing was published.")
        return True

    def _refused(self, text: str) -> None:
        self._view.set_problem(text)
        self._views.status.show_error(text)

    def _open(self, url: str) -> None:
        self._open_url(QUrl(url))

    def _copy(self, url: str) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(url)
        self._views.status.show_status("Link copied.")
