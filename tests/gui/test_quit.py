"""Quitting while renders run says they go on at GEN and are picked up at the next start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guikit import FakePrompts
from jobkit import make_job

from genpro_desktop.core.jobs import JobState
from genpro_desktop.gui.app import DesktopApp

MakeApp = Callable[..., Any]


async def test_quitting_with_renders_running_says_they_continue_on_gen(
    make_app: MakeApp, signed_in: object, prompts: FakePrompts
) -> None:
    app: DesktopApp = await make_app()
    window = app.window
    assert window is not None
    assert app.flow is not None
    assert app.flow.session is not None
    await app.flow.session.tasks.wait_idle()  # the account and engines have loaded
    closed: list[bool] = []
    window.closed.connect(lambda: closed.append(True))
    window.jobs_panel.model.upsert(make_job(JobState.PROCESSING))
    window.jobs_panel.model.upsert(make_job(JobState.COMPLETED, minutes=1))

    prompts.answer = False  # "Cancel": the window stays
    window.close()
    await app.tasks.wait_idle()
    assert window.isVisible()
    assert not closed
    _title, text, details = prompts.asked[-1]
    assert text == "1 render is still running on GEN."
    assert "continue on GEN" in details
    assert "picks them up at the next start" in details

    prompts.answer = True
    window.close()
    await app.tasks.wait_idle()
    assert closed == [True]
    assert not window.isVisible()


async def test_quitting_with_nothing_running_does_not_ask(
    make_app: MakeApp, signed_in: object, prompts: FakePrompts
) -> None:
    app: DesktopApp = await make_app()
    window = app.window
    assert window is not None
    assert app.flow is not None
    assert app.flow.session is not None
    await app.flow.session.tasks.wait_idle()  # the account and engines have loaded
    window.jobs_panel.model.upsert(make_job(JobState.DOWNLOADED))
    window.close()
    assert not window.isVisible()
    assert prompts.asked == []
