"""The posts calendar in the real window over the simulator (issue 17): a post made in GEN's web
app appears; it is dragged to another day, edited and cancelled; a refused edit is explained
with nothing lost; reading is in windows of at most 60 days and does not storm.

The app's clock is `SimDrivenClock`: the calendar's refresh task sleeps until the test advances
time, so the number of list requests per simulated minute is exact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from guikit import FakePrompts, OpenedUrls, SimDrivenClock, turns, until
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtTest import QTest

from genpro_desktop.core.publishing.calendar import windows_for
from genpro_desktop.gui.app import DesktopApp
from genpro_desktop.gui.calendar.presenter import CalendarPresenter
from genpro_desktop.gui.calendar.view import MIME_POST, PostsCalendarView
from genpro_desktop.simulator import ManualClock, Simulator

MakeApp = Callable[..., Any]
LIST = r"/schedule/posts$"


def _calendar(app: DesktopApp) -> tuple[PostsCalendarView, CalendarPresenter]:
    assert app.window is not None
    assert app.calendar is not None
    view = app.window.calendar_view
    assert isinstance(view, PostsCalendarView)
    return view, app.calendar


async def _open(app: DesktopApp) -> PostsCalendarView:
    """View > Posts calendar, then wait for GEN's first answer."""
    assert app.window is not None
    assert app.flow is not None
    assert app.flow.session is not None
    await app.flow.session.tasks.wait_idle()  # the agent is chosen
    app.window.calendar_action.trigger()
    view, presenter = _calendar(app)
    assert view.isVisible()
    await until(lambda: presenter.calendar is not None and bool(view.cards), what="posts shown")
    return view


def _reads(sim: Simulator) -> list[tuple[date, date]]:
    return [
        (date.fromisoformat(e.query["start_date"]), date.fromisoformat(e.query["end_date"]))
        for e in sim.journal.find("GET", LIST)
    ]


def _drop(view: PostsCalendarView, key: str, day: date) -> None:
    """Drop the dragged post `key` on `day`'s cell: the cell's own drag-enter and drop handlers
    with the mime data a card's drag carries (Qt delivers drops only inside a real drag)."""
    cell = view.cells[day]
    data = QMimeData()
    data.setData(MIME_POST, key.encode())
    where = QPointF(cell.width() / 2, cell.height() / 2)
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(where.toPoint(), Qt.DropAction.MoveAction, data, buttons, keys)
    cell.dragEnterEvent(enter)
    assert enter.isAccepted()
    cell.dropEvent(QDropEvent(where, Qt.DropAction.MoveAction, data, buttons, keys))


async def test_a_post_made_elsewhere_is_dragged_edited_then_cancelled(
    make_app: MakeApp, signed_in: object, sim: Simulator, prompts: FakePrompts
) -> None:
    wall = sim.clock.wall()
    at = (wall + timedelta(days=1)).replace(hour=15, minute=0)
    post_id = sim.schedule.add_post_elsewhere(
        ["tiktok", "youtube"], at, description="From GEN's web app"
    )
    app = await make_app()
    view = await _open(app)
    key = f"gen:{post_id}"
    card = view.cards[key]
    assert not card.post.made_here  # made elsewhere, and it is in the calendar
    assert [chip.platform for chip in card.chips] == ["tiktok", "youtube"]
    assert {chip.state for chip in card.chips} == {"scheduled"}
    assert card.time_label.text() != at.isoformat()  # the locale's format, never ISO
    assert card.draggable

    # Drag it two days later (in the month grid): PATCH scheduled_time, same time of day.
    view.set_mode("month")
    await until(lambda: key in view.cards, what="the month grid")
    target = card.post.local_time(view.zone).date() + timedelta(days=2)
    _drop(view, key, target)
    moved_at = at + timedelta(days=2)
    record = sim.schedule.posts[post_id]
    await until(
        lambda: record.body.get("scheduled_time") == moved_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        what="GEN has the new time",
    )
    await until(lambda: key in view.cards, what="card redrawn")
    await until(
        lambda: view.cards[key].post.local_time(view.zone).date() == target, what="moved card"
    )

    # Edit the caption through the dialog (the exact UTC instant is shown).
    view.select(key)
    assert view.edit_button.isEnabled()
    QTest.mouseClick(view.edit_button, Qt.MouseButton.LeftButton)
    _, presenter = _calendar(app)
    await until(lambda: presenter.dialog is not None, what="the edit dialog")
    dialog = presenter.dialog
    assert dialog is not None
    assert "UTC" in dialog.instant_label.text()
    dialog.caption_edit.setPlainText("Reworded in the calendar")
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: presenter.dialog is None, what="the dialog closes once GEN took it")
    assert record.body["description"] == "Reworded in the calendar"

    # Cancel, after confirming.
    await until(lambda: key in view.cards, what="card back")
    view.select(key)
    QTest.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    await until(lambda: post_id in sim.schedule.deleted, what="GEN deleted the post")
    await until(lambda: key not in view.cards, what="the post leaves the calendar")
    assert prompts.asked[-1][0] == "Cancel post"
    assert "TikTok, YouTube" in prompts.asked[-1][1]


async def test_a_refused_edit_is_explained_and_keeps_what_was_typed(
    make_app: MakeApp, signed_in: object, sim: Simulator, sim_clock: ManualClock
) -> None:
    post_id = sim.schedule.add_post_elsewhere(
        ["tiktok"], sim.clock.wall() + timedelta(minutes=5), description="Soon"
    )
    app = await make_app()
    view = await _open(app)
    key = f"gen:{post_id}"
    view.select(key)
    QTest.mouseClick(view.edit_button, Qt.MouseButton.LeftButton)
    _, presenter = _calendar(app)
    await until(lambda: presenter.dialog is not None, what="the edit dialog")
    dialog = presenter.dialog
    assert dialog is not None
    sim_clock.advance(6 * 60)  # GEN sent it meanwhile (the app has not re-read yet)
    dialog.caption_edit.setPlainText("Too late, but kept")
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: dialog.problem_label.isVisible(), what="the refusal shown")
    assert "already sent" in dialog.problem_label.text()
    assert dialog.caption_edit.toPlainText() == "Too late, but kept"  # nothing lost
    assert presenter.dialog is dialog  # still open
    assert sim.schedule.posts[post_id].body["description"] == "Soon"
    dialog.reject()
    await until(lambda: presenter.dialog is None, what="dialog closed")


async def test_links_open_and_copy_and_filters_hide_posts(
    make_app: MakeApp, signed_in: object, sim: Simulator, opened_urls: OpenedUrls
) -> None:
    wall = sim.clock.wall()
    sim.schedule.script_platform("x", "failed", error="Duplicate post")
    out = sim.schedule.add_post_elsewhere(["tiktok", "x"], wall - timedelta(hours=2))
    later = sim.schedule.add_post_elsewhere(["linkedin"], wall + timedelta(hours=5))
    app = await make_app()
    view = await _open(app)
    card = view.cards[f"gen:{out}"]
    assert {c.platform: c.state for c in card.chips} == {"tiktok": "published", "x": "failed"}
    assert not card.draggable  # already out
    view.select(f"gen:{out}")
    assert not view.edit_button.isEnabled()
    assert "already sent" in view.edit_button.toolTip()
    QTest.mouseClick(view.copy_button, Qt.MouseButton.LeftButton)
    link = QGuiApplication.clipboard().text()
    assert link.startswith("https://www.tiktok.com/@democreator/video/")
    QTest.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    assert [u.toString() for u in opened_urls] == [link]
    view.set_filters(states=["scheduled"])
    assert set(view.cards) == {f"gen:{later}"}
    view.set_filters(states=["published", "failed", "scheduled"], platforms=["x"])
    assert set(view.cards) == {f"gen:{out}"}


async def test_reading_uses_60_day_windows_and_does_not_storm(
    make_app: MakeApp, signed_in: object, sim: Simulator, tracker_clock: SimDrivenClock
) -> None:
    sim.schedule.add_post_elsewhere(["tiktok"], sim.clock.wall() + timedelta(days=1))
    app = await make_app()
    view = await _open(app)
    view.set_mode("month")
    windows = len(windows_for(*view.visible_range()))
    await until(lambda: len(_reads(sim)) >= windows, what="the month read")
    calendar = _calendar(app)[1].calendar
    assert calendar is not None
    await until(lambda: calendar.sleeping_since == tracker_clock.now(), what="calendar idle")
    first = len(_reads(sim))
    assert all((b - a).days < 60 for a, b in _reads(sim))
    # Ten simulated minutes open: one read per window every two minutes.
    for minute in range(1, 11):
        tracker_clock.advance(60)
        expected = first + windows * (minute // 2)
        await until(lambda e=expected: len(_reads(sim)) >= e, what=f"reads at minute {minute}")
        await until(lambda: calendar.sleeping_since == tracker_clock.now(), what="calendar idle")
    assert len(_reads(sim)) == first + windows * 5  # about 1 request a minute for a month
    # Hidden (the Engines tab): nothing is read, however long.
    assert app.window is not None
    app.window.browser_tabs.setCurrentIndex(0)
    assert not view.isVisible()
    hidden = len(_reads(sim))
    await until(
        lambda: calendar.sleeping_since is not None and calendar.next_wake is None,
        what="hidden: asleep with no timer",
    )
    asleep = calendar.sleeping_since
    for _ in range(10):
        tracker_clock.advance(60)
        await turns(3)
    assert calendar.sleeping_since == asleep  # no timer while hidden: it was never woken
    assert len(_reads(sim)) == hidden
    app.window.calendar_action.trigger()  # shown again: stale, read at once
    await until(lambda: len(_reads(sim)) >= hidden + windows, what="the read when shown")
    assert len(_reads(sim)) == hidden + windows
    assert all((b - a).days < 60 for a, b in _reads(sim))
