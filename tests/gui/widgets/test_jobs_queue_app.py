"""The queue in the running app, over the simulator: "Render selected" records one batch whose
renders say which engine and row they are (issue 19), and the Jobs panel groups them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guikit import SimDrivenClock, until

from genpro_desktop.core.jobs import JobKind
from genpro_desktop.gui.app import DesktopApp
from genpro_desktop.gui.models.job_list_model import RowPaint, RowPaintRole
from genpro_desktop.gui.widgets.job_delegate import starts_batch

MakeApp = Callable[..., Any]


async def test_render_selected_starts_one_batch_named_by_engine_row_and_text(
    make_app: MakeApp, signed_in: object, tracker_clock: SimDrivenClock
) -> None:
    app: DesktopApp = await make_app()
    window = app.window
    assert window is not None
    assert app.flow is not None
    session = app.flow.session
    assert session is not None
    await session.tasks.wait_idle()
    browser = window.browser
    browser.select_engine("9101")
    await session.tasks.wait_idle()
    grid = browser.engine_table_model.grid
    browser.select_rows([2, 3, 4])
    browser.render_selected_button.click()
    panel = window.jobs_panel
    await until(lambda: panel.model.rowCount() == 3, what="three renders in the Jobs panel")
    renders = [job for job in panel.model.jobs() if job.kind is JobKind.RENDER]
    assert sorted(job.row_number or 0 for job in renders) == [3, 4, 5]
    assert {job.engine_title for job in renders} == {grid.title}
    batch_ids = {job.batch_id for job in renders}
    assert len(batch_ids) == 1
    assert None not in batch_ids
    for job in renders:
        row_text = grid.rows[(job.row_number or 0) - 1].text
        assert job.row_text == " ".join(row_text.split())[:120]
        title = panel.model.data(panel.model.index(panel.model.row_of(job.id)))
        assert title.startswith(f"{grid.title} · row {job.row_number} · “")
    # Kept in the store, so the next start groups and names them the same way.
    stored = await session.services.store.get_job(renders[0].id)
    assert stored is not None
    assert (stored.batch_id, stored.row_number) == (renders[0].batch_id, renders[0].row_number)
    # One header, on the batch's first row, in the grid's row order.
    first = panel.proxy.index(0, 0)
    assert starts_batch(first)
    paint = first.data(RowPaintRole)
    assert isinstance(paint, RowPaint)
    assert paint.job.row_number == 3
    assert paint.batch_title == f"Batch of 3 renders · {grid.title}"
    assert paint.batch is not None
    assert paint.batch.summary().startswith("0 of 3 done")
    # GEN finishes them: the header counts them done.
    batch_id = renders[0].batch_id or ""

    def finished() -> bool:
        tracker_clock.advance(2.0)
        progress = panel.model.batch_progress(batch_id)
        return progress is not None and progress.finished

    await until(finished, what="the batch to finish")
    assert panel.proxy.index(0, 0).data(RowPaintRole).batch.summary() == "3 of 3 done"
