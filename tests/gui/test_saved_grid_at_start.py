"""Start-up draws the last engine's grid from its saved copy, marked as one, before the session
opens; GEN's answer replaces it in place (no reset, selection kept). Another agent's copy, a
broken one, or one with no session to refresh it is never shown."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from guikit import FakePrompts, OpenedUrls, SimDrivenClock, until
from PySide6.QtCore import Qt

from genpro_desktop.core.credentials import MemoryCredentialStore
from genpro_desktop.core.grid_snapshot import GridSnapshot, GridSnapshotStore
from genpro_desktop.core.paths import app_paths
from genpro_desktop.gui.app import DesktopApp, LaunchOptions
from genpro_desktop.gui.browser_presenter import STILL_LOADING
from genpro_desktop.gui.models.engine_table_model import EngineTableModel
from genpro_desktop.simulator import Simulator

MakeApp = Callable[..., Any]
AGENT = "4711"


def _texts(model: EngineTableModel) -> list[list[tuple[str, str]]]:
    return [
        [
            (
                str(model.index(r, c).data(Qt.ItemDataRole.DisplayRole)),
                str(model.index(r, c).data(Qt.ItemDataRole.ToolTipRole)),
            )
            for c in range(model.columnCount())
        ]
        for r in range(model.rowCount())
    ]


def _store(data_dir: Path) -> GridSnapshotStore:
    return GridSnapshotStore(app_paths({"GENPRO_DATA_DIR": str(data_dir)}).cache_dir)


async def _first_run(make_app: MakeApp, sim: Simulator) -> tuple[list[list[Any]], str]:
    """A run that opens the first engine, selects its third row and quits."""
    app: DesktopApp = await make_app()
    assert app.window is not None
    assert app.flow is not None
    assert app.flow.session is not None
    await app.flow.session.tasks.wait_idle()
    browser = app.window.browser
    browser.select_rows([2])
    texts = _texts(browser.engine_table_model)
    row_id = browser.engine_table_model.grid_row(2).row_id
    await app.aclose()
    return texts, row_id


class Starting:
    """A second run of the app, started as a task so its start can be watched step by step."""

    def __init__(
        self,
        sim: Simulator,
        credentials: MemoryCredentialStore,
        clock: SimDrivenClock,
        prompts: FakePrompts,
        urls: OpenedUrls,
    ) -> None:
        self.app = DesktopApp(
            LaunchOptions(base_url=sim.base_url, agent_id=None),
            credentials=credentials,
            clock=clock,
            prompts=prompts,
            open_url=urls,
        )
        self.task = asyncio.ensure_future(self.app.start())
        self.saved_copies: list[GridSnapshot] = []

    async def window_model(self) -> EngineTableModel:
        await until(lambda: self.app.window is not None or self.task.done(), what="the window")
        assert self.app.window is not None
        model = self.app.window.browser.engine_table_model
        original = model.show_snapshot

        def spy(snapshot: GridSnapshot) -> None:
            self.saved_copies.append(snapshot)
            original(snapshot)

        model.show_snapshot = spy  # type: ignore[method-assign]
        return model

    async def aclose(self) -> None:
        if not self.task.done():
            await self.task
        await self.app.aclose()


@pytest.fixture
def starting(
    sim: Simulator,
    credentials: MemoryCredentialStore,
    tracker_clock: SimDrivenClock,
    prompts: FakePrompts,
    opened_urls: OpenedUrls,
) -> Callable[[], Starting]:
    return lambda: Starting(sim, credentials, tracker_clock, prompts, opened_urls)


async def test_the_last_grid_is_drawn_from_its_copy_then_replaced_in_place(
    make_app: MakeApp,
    signed_in: object,
    sim: Simulator,
    isolated_data_dir: Path,
    starting: Callable[[], Starting],
) -> None:
    texts, selected_row = await _first_run(make_app, sim)
    assert _store(isolated_data_dir).load(sim.base_url, AGENT) is not None

    run = starting()
    model = await run.window_model()
    await until(lambda: model.snapshot is not None, what="the saved copy")
    assert run.app.flow is None or run.app.flow.session is None  # before the session opened
    window = run.app.window
    assert window is not None
    assert not window.on_welcome_page
    browser = window.browser
    assert _texts(model) == texts  # the same words, the final videos' included
    assert "saved copy from" in browser.engine_title.text()
    assert "refreshing from GEN" in browser.engine_title.text()
    assert browser.selected_rows() == [2]  # as at the close
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))

    await run.task
    assert run.app.flow is not None
    assert run.app.flow.session is not None
    await run.app.flow.session.tasks.wait_idle()
    assert model.snapshot is None  # GEN's answer is shown
    assert resets == []  # in place: no flicker through an empty grid
    assert browser.selected_rows() == [2]
    assert model.grid_row(2).row_id == selected_row
    assert "saved copy" not in browser.engine_title.text()
    assert _texts(model) == texts
    await run.aclose()


async def test_render_waits_for_gen_while_the_copy_is_shown(
    make_app: MakeApp, signed_in: object, sim: Simulator, isolated_data_dir: Path
) -> None:
    app: DesktopApp = await make_app()
    assert app.window is not None
    assert app.flow is not None
    assert app.flow.session is not None
    session = app.flow.session
    await session.tasks.wait_idle()
    model = app.window.browser.engine_table_model
    copy = model.snapshot_of(sim.base_url, AGENT)
    assert copy is not None
    model.show_snapshot(copy)
    assert await session.browser.render_rows([0]) == []
    assert await session.browser.take_action(0, "download") is None
    assert STILL_LOADING in app.window.statusBar().currentMessage()
    assert session.services.store is not None
    assert await session.services.store.list_jobs() == []  # nothing submitted, nothing spent


async def test_another_agents_copy_is_not_shown(
    make_app: MakeApp,
    signed_in: object,
    sim: Simulator,
    isolated_data_dir: Path,
    starting: Callable[[], Starting],
) -> None:
    await _first_run(make_app, sim)
    store = _store(isolated_data_dir)
    mine = store.load(sim.base_url, AGENT)
    assert mine is not None
    store.path_for(sim.base_url, AGENT).unlink()
    # Only another agent of this account has a copy: the remembered agent (4711) has none.
    store.save(GridSnapshot(**{**mine.__dict__, "agent_id": "999"}))

    run = starting()
    model = await run.window_model()
    await run.task
    assert run.saved_copies == []
    assert run.app.flow is not None
    assert run.app.flow.session is not None
    await run.app.flow.session.tasks.wait_idle()
    assert model.snapshot is None
    assert model.rowCount() > 0
    await run.aclose()


async def test_a_broken_copy_is_ignored(
    make_app: MakeApp,
    signed_in: object,
    sim: Simulator,
    isolated_data_dir: Path,
    starting: Callable[[], Starting],
) -> None:
    await _first_run(make_app, sim)
    _store(isolated_data_dir).path_for(sim.base_url, AGENT).write_text("{", encoding="utf-8")
    run = starting()
    model = await run.window_model()
    await run.task
    assert run.saved_copies == []
    assert run.app.flow is not None
    assert run.app.flow.session is not None
    await run.app.flow.session.tasks.wait_idle()
    assert model.rowCount() > 0
    assert model.snapshot is None
    # The broken file was replaced by a good copy when the engine opened.
    assert _store(isolated_data_dir).load(sim.base_url, AGENT) is not None
    await run.aclose()


async def test_without_a_session_the_copy_goes_away(
    make_app: MakeApp,
    signed_in: MemoryCredentialStore,
    sim: Simulator,
    isolated_data_dir: Path,
    starting: Callable[[], Starting],
) -> None:
    await _first_run(make_app, sim)
    signed_in.delete()  # the key is gone: the next start shows the welcome page
    run = starting()
    model = await run.window_model()
    await run.task
    window = run.app.window
    assert window is not None
    assert window.on_welcome_page
    assert model.snapshot is None
    assert model.rowCount() == 0
    await run.aclose()


async def test_signing_out_deletes_the_copies(
    make_app: MakeApp, signed_in: object, sim: Simulator, isolated_data_dir: Path
) -> None:
    app: DesktopApp = await make_app()
    assert app.flow is not None
    assert app.flow.session is not None
    await app.flow.session.tasks.wait_idle()
    store = _store(isolated_data_dir)
    assert store.load(sim.base_url, AGENT) is not None
    await app.flow.sign_out(keep_key=True)
    assert store.load(sim.base_url, AGENT) is None
