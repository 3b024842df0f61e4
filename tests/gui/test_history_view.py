"""Jobs > History…: every job (hidden and old ones too) with search and paging; an earlier
download reopens in the preview, in its folder and in the composer; a file that is gone is said
so (issue 19). Only the desktop-services call (open_url) is a stand-in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from guikit import OpenedUrls, until
from PySide6.QtCore import QModelIndex, QUrl

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.store import Store
from genpro_desktop.gui import history
from genpro_desktop.gui.app import DesktopApp
from genpro_desktop.gui.dialogs.composer import PostComposer
from genpro_desktop.gui.history import HistoryPresenter

MakeApp = Callable[..., Any]
T0 = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def _job(n: int, kind: JobKind, state: JobState, **fields: Any) -> LocalJob:
    at = T0 + timedelta(minutes=n)
    return LocalJob(
        id=new_job_id(),
        kind=kind,
        state=state,
        agent_id="4711",
        created_at=at,
        updated_at=at,
        finished_at=at,
        **fields,
    )


@pytest.fixture
def video(isolated_data_dir: Path) -> Path:
    folder = isolated_data_dir / "Videos"
    folder.mkdir(parents=True)
    path = folder / "avatar_row7_880707.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42")  # the app only opens it; never decoded here
    return path


@pytest.fixture
def old_jobs(video: Path, isolated_data_dir: Path) -> dict[str, LocalJob]:
    render = _job(
        0,
        JobKind.RENDER,
        JobState.COMPLETED,
        remote_id="880707",
        engine_id="9101",
        title="TikTok Talking Avatar · row 7",
        output_url="https://cdn.example/outputs/render_880707.mp4",
    )
    download = _job(
        1, JobKind.DOWNLOAD, JobState.DOWNLOADED, parent_id=render.id, target_path=str(video)
    )
    gone = _job(
        2,
        JobKind.DOWNLOAD,
        JobState.DOWNLOADED,
        target_path=str(isolated_data_dir / "Videos" / "deleted_row2.mp4"),
    )
    others = {f"other {n}": _job(10 + n, JobKind.RENDER, JobState.FAILED) for n in range(4)}
    return {"render": render, "download": download, "gone": gone, **others}


async def _open_history(
    make_app: MakeApp, jobs: dict[str, LocalJob], data_dir: Path
) -> tuple[DesktopApp, HistoryPresenter]:
    store = Store.open(data_dir / "data" / "genpro.sqlite3")
    try:
        for job in jobs.values():
            await store.save_job(job)
        # Removed from the Jobs panel long ago: only the history shows them now.
        await store.hide_jobs([jobs["render"].id, jobs["download"].id, jobs["gone"].id])
    finally:
        await store.aclose()
    app: DesktopApp = await make_app()
    assert app.window is not None
    app.window.history_action.trigger()
    presenter = app.history
    assert presenter is not None
    await _idle(app)
    return app, presenter


async def _idle(app: DesktopApp) -> None:
    assert app.flow is not None
    assert app.flow.session is not None
    await app.flow.session.tasks.wait_idle()


def _shown(presenter: HistoryPresenter) -> list[str]:
    model = presenter.dialog.model
    ids: list[str] = []
    for row in range(model.rowCount()):
        entry = model.entry(row)
        assert entry is not None
        ids.append(entry.job.id)
    return ids


async def _search(app: DesktopApp, presenter: HistoryPresenter, text: str) -> list[str]:
    presenter.dialog.search_edit.setText(text)
    presenter.dialog.search_edit.returnPressed.emit()
    await _idle(app)
    return _shown(presenter)


async def _click(app: DesktopApp, presenter: HistoryPresenter, job: LocalJob, name: str) -> None:
    dialog = presenter.dialog
    dialog.table.selectRow(_shown(presenter).index(job.id))
    assert dialog.buttons[name].isEnabled()
    dialog.buttons[name].click()
    await _idle(app)


async def test_history_lists_hidden_jobs_and_finds_them_by_file_name_id_and_row(
    make_app: MakeApp,
    signed_in: object,
    isolated_data_dir: Path,
    old_jobs: dict[str, LocalJob],
) -> None:
    app, presenter = await _open_history(make_app, old_jobs, isolated_data_dir)
    assert app.window is not None
    panel_ids = {job.id for job in app.window.jobs_panel.model.jobs()}
    assert old_jobs["download"].id not in panel_ids  # hidden from the panel...
    assert set(_shown(presenter)) >= {job.id for job in old_jobs.values()}  # ...not from here
    state = presenter.dialog.model.index(_shown(presenter).index(old_jobs["download"].id), 3)
    assert "removed from the list" in str(state.data())

    assert await _search(app, presenter, "row7_880707") == [old_jobs["download"].id]
    assert await _search(app, presenter, "880707") == [
        old_jobs["download"].id,
        old_jobs["render"].id,
    ]
    assert await _search(app, presenter, "TALKING row 7") == [old_jobs["render"].id]
    assert await _search(app, presenter, "no such thing") == []
    assert "No job matches" in presenter.dialog.note_label.text()


async def test_an_old_download_reopens_in_the_preview_its_folder_and_the_player(
    make_app: MakeApp,
    signed_in: object,
    isolated_data_dir: Path,
    old_jobs: dict[str, LocalJob],
    video: Path,
    opened_urls: OpenedUrls,
) -> None:
    app, presenter = await _open_history(make_app, old_jobs, isolated_data_dir)
    assert app.preview is not None
    assert app.window is not None

    await _click(app, presenter, old_jobs["download"], "preview")
    assert app.preview.preview.source == video  # in the app's own preview
    assert app.window.preview_dock.isVisible()
    assert app.preview.preview.publish_button.isEnabled()  # publishes the download's render

    await _click(app, presenter, old_jobs["download"], "show_in_folder")
    assert opened_urls[-1] == QUrl.fromLocalFile(str(video.parent))
    await _click(app, presenter, old_jobs["render"], "open")  # a render opens its download
    assert opened_urls[-1] == QUrl.fromLocalFile(str(video))

    before = len(opened_urls)
    await _click(app, presenter, old_jobs["gone"], "open")
    await _click(app, presenter, old_jobs["gone"], "preview")
    assert len(opened_urls) == before  # nothing opened, nothing crashed
    note = presenter.dialog.note_label.text()
    assert note.startswith("The file is no longer there:")
    assert "deleted_row2.mp4" in note
    assert app.preview.preview.source == video  # the preview kept what it had


async def test_publishing_an_old_render_opens_the_composer(
    make_app: MakeApp,
    signed_in: object,
    isolated_data_dir: Path,
    old_jobs: dict[str, LocalJob],
) -> None:
    app, presenter = await _open_history(make_app, old_jobs, isolated_data_dir)
    preview = app.preview
    assert preview is not None
    await _click(app, presenter, old_jobs["download"], "publish")
    await until(lambda: isinstance(preview.dialog, PostComposer), what="the composer")
    composer = preview.dialog
    assert isinstance(composer, PostComposer)
    assert composer.draft.source_job_id == old_jobs["render"].id
    composer.reject()
    await until(lambda: preview.dialog is None, what="the composer to close")


async def test_pages_load_on_demand(
    make_app: MakeApp,
    signed_in: object,
    isolated_data_dir: Path,
    old_jobs: dict[str, LocalJob],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(history, "PAGE_SIZE", 3)
    reads: list[tuple[int, str | None]] = []
    page = Store.history_page

    async def counted(
        self: Store, search: str = "", *, limit: int = 200, older_than: str | None = None
    ) -> list[Any]:
        reads.append((limit, older_than))
        return await page(self, search, limit=limit, older_than=older_than)

    monkeypatch.setattr(Store, "history_page", counted)
    app, presenter = await _open_history(make_app, old_jobs, isolated_data_dir)
    model = presenter.dialog.model
    # The table asked for pages until it was full (7 jobs fit): three reads of one page each.
    await until(lambda: not model.canFetchMore(QModelIndex()), what="the last page")
    await _idle(app)
    assert [limit for limit, _after in reads] == [4, 4, 4]  # a page and one to see if more
    assert reads[0][1] is None
    assert reads[1][1] == _shown(presenter)[2]  # each page starts after the last one shown
    assert _shown(presenter) == [
        job.id for job in sorted(old_jobs.values(), key=lambda j: j.created_at, reverse=True)
    ]
    model.fetchMore(QModelIndex())  # nothing older: no read
    await _idle(app)
    assert len(reads) == 3


async def test_signing_out_closes_the_history_with_its_session(
    make_app: MakeApp,
    signed_in: object,
    isolated_data_dir: Path,
    old_jobs: dict[str, LocalJob],
) -> None:
    app, presenter = await _open_history(make_app, old_jobs, isolated_data_dir)
    dialog = presenter.dialog
    assert dialog.isVisible()
    assert app.flow is not None
    closed: list[int] = []
    dialog.finished.connect(closed.append)

    await app.flow.sign_out()

    assert closed  # no window left whose buttons reach a closed session
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()
    assert app.history is None
    assert app.window is not None
    app.window.history_action.trigger()  # signed out: nothing to show, and it says so
    assert app.history is None
