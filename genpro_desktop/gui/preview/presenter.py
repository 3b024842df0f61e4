"""Connects the Jobs panel to the preview pane and opens the publish dialog.

Selecting a job shows its render: the downloaded MP4 when there is one, else the generation's
thumbnail with what is happening. "Publish…" (Jobs panel or preview) opens the publish dialog for
the current render; the publish job then shows up in the Jobs panel like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QModelIndex, QObject
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from genpro_desktop.core.api import GenError
from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.view import is_downloading, local_file, render_of
from genpro_desktop.core.publishing.captions import default_template
from genpro_desktop.core.publishing.hashtags import suggest_hashtags
from genpro_desktop.gui.asyncqt import TaskRegistry, run_dialog
from genpro_desktop.gui.dialogs.composer import ComposerDraft, PostComposer
from genpro_desktop.gui.dialogs.posting_dialog import PostingContext
from genpro_desktop.gui.dialogs.publish_dialog import PublishDialog, PublishDraft
from genpro_desktop.gui.job_actions import JobAction, JobActionDispatcher
from genpro_desktop.gui.models.engine_table_model import EngineTableModel
from genpro_desktop.gui.models.job_list_model import JobListModel
from genpro_desktop.gui.preview.video_preview import VideoPreview
from genpro_desktop.gui.prompts import Prompts
from genpro_desktop.gui.session import Session
from genpro_desktop.gui.status import StatusLine
from genpro_desktop.gui.thumbnail_cache import ThumbnailFeed
from genpro_desktop.gui.widgets.jobs_panel import JobsPanel

log = logging.getLogger(__name__)


def system_zone() -> str:
    """The user's IANA time zone (UTC when the system's cannot be read)."""
    from PySide6.QtCore import QTimeZone

    name = bytes(QTimeZone.systemTimeZoneId().data()).decode(errors="ignore")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


@dataclass(frozen=True)
class PreviewViews:
    """What the preview presenter works with: the pane, the Jobs panel and its model (which job
    is current), the grid model (the row's texts become hashtags), the action dispatcher (it does
    Publish), the thumbnail feed, the status line and the publish dialog's parent."""

    preview: VideoPreview
    panel: JobsPanel
    jobs: JobListModel
    grid: EngineTableModel
    actions: JobActionDispatcher
    thumbnails: ThumbnailFeed
    status: StatusLine
    dialog_parent: QWidget


class PreviewPresenter(QObject):
    """Feeds the preview from the current job; runs the publish dialog."""

    def __init__(
        self,
        views: PreviewViews,
        tasks: TaskRegistry,
        prompts: Prompts,
        *,
        session: Callable[[], Session | None],
        zone: Callable[[], str] = system_zone,
    ) -> None:
        super().__init__(views.preview)
        self._panel = views.panel
        self._jobs = views.jobs
        self._grid = views.grid
        self._status = views.status
        self._dialog_parent = views.dialog_parent
        self._actions = views.actions
        self._preview = preview = views.preview
        self._tasks = tasks
        self._prompts = prompts
        self._session = session
        self._zone = zone
        self._render_id: str | None = None
        self._shown: LocalJob | None = None  # the render whose video or poster is shown
        self._cover: tuple[int, str] | None = None
        self.dialog: PublishDialog | PostComposer | None = None
        self._panel.list_view.selectionModel().currentChanged.connect(self._on_current_changed)
        self._jobs.job_changed.connect(self._on_job_changed)
        self._actions.register([JobAction.PUBLISH], self._on_action)
        views.thumbnails.thumbnail_ready.connect(self._on_thumbnail_ready)
        preview.publish_requested.connect(self._on_preview_publish)
        preview.cover_chosen.connect(self._on_cover)

    @property
    def preview(self) -> VideoPreview:
        """The preview pane this presenter feeds."""
        return self._preview

    # -- which render ----------------------------------------------------------------------

    def current_render(self) -> LocalJob | None:
        """The render behind the selected job (a download's or publish's parent)."""
        job = self._panel.current_job()
        return render_of(job, self._jobs) if job is not None else None

    def _on_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self.show_render(self.current_render())

    def _on_job_changed(self, job_id: str) -> None:
        render = self.current_render()
        changed = self._jobs.find(job_id)
        if render is not None and changed is not None and render.id in (job_id, changed.parent_id):
            self.show_render(render)

    def show_render(self, render: LocalJob | None) -> None:
        """Play the render's download, or show its thumbnail and why there is no video yet."""
        preview = self._preview
        if render is None or render.id != self._render_id:
            self._cover = None
        self._render_id = render.id if render is not None else None
        self._shown = render
        preview.publish_button.setEnabled(render is not None and render.can_publish())
        if render is None:
            preview.set_media(None, message="Select a render to preview it")
            return
        path = local_file(render, self._jobs)
        if path is not None:
            preview.set_media(path)
            return
        preview.set_media(None, poster=self._thumbnail(render), message=self._waiting(render))

    def show_file(self, render: LocalJob | None, path: Path) -> None:
        """Play an earlier download (Jobs > History's Preview); Publish then posts `render`."""
        self._cover = None
        self._render_id = render.id if render is not None else None
        self._shown = render
        self._preview.publish_button.setEnabled(render is not None and render.can_publish())
        self._preview.set_media(path)

    def _waiting(self, render: LocalJob) -> str:
        if is_downloading(render, self._jobs):
            return "Downloading…"
        if render.state is JobState.COMPLETED:
            return "Download it to play it here"
        if render.is_active:
            return "Rendering…"
        return "No video"

    def _thumbnail(self, render: LocalJob) -> QImage | None:
        session = self._session()
        if session is None or not render.thumbnail_url:
            return None
        pixmap = session.thumbnails.lookup(render.thumbnail_url)
        return pixmap.toImage() if pixmap is not None else None

    def _on_thumbnail_ready(self, url: str, _image: QImage) -> None:
        current = self.current_render()
        if current is not None and current.thumbnail_url == url:
            self._preview.set_poster(self._thumbnail(current), self._waiting(current))

    def _on_cover(self, ms: int, path: str) -> None:
        self._cover = (ms, path)

    # -- publishing ------------------------------------------------------------------------

    def _on_action(self, action: JobAction, job: LocalJob) -> None:
        if action is JobAction.PUBLISH:
            self.request_publish(job)

    def _on_preview_publish(self) -> None:
        render = self._shown or self.current_render()
        if render is None:
            return
        # A render from Jobs > History may not be on the list: publish it directly.
        if not self._actions.dispatch(JobAction.PUBLISH, render.id):
            self.request_publish(render)

    def request_publish(self, render: LocalJob) -> None:
        """Open the publish dialog for a completed render (one dialog at a time)."""
        if self.dialog is not None or not render.can_publish() or self._tasks.closed:
            return
        self._tasks.spawn(self.publish(render), name="publish-dialog")

    def draft_for(self, render: LocalJob) -> PublishDraft:
        """The dialog's starting point for `render`."""
        assert render.output_url is not None
        cover = self._cover if self._render_id == render.id else None
        return PublishDraft(
            agent_id=render.agent_id or "",
            media_url=render.output_url,
            thumbnail_url=render.thumbnail_url,
            source_job_id=render.id,
            hashtags=suggest_hashtags(self._row_texts(render)),
            cover_ms=cover[0] if cover else None,
            cover_path=cover[1] if cover else None,
        )

    def _row_texts(self, render: LocalJob) -> list[str]:
        grid = self._grid.grid
        if render.engine_id != grid.engine_id:
            return []
        for row in grid.rows:
            if row.final_video_cell_id == render.cell_id:
                return [c.value for c in row.cells if c and c.value and c.media_type is None]
        return []

    def composer_draft_for(self, render: LocalJob, session: Session) -> ComposerDraft:
        """The composer's starting point for `render`: its downloaded file (probed), the row's
        text cells and the engine's caption template, hashtags from the row and the engine's
        earlier captions."""
        base = self.draft_for(render)
        cells = self._row_cells(render)
        template: str | None = None
        if cells and render.engine_id:
            saved = session.prefs_store.caption_template(render.engine_id)
            template = saved or default_template(list(cells))
        texts = [*cells.values(), *self._earlier_captions(render)]
        return ComposerDraft(
            agent_id=base.agent_id,
            media_url=base.media_url,
            thumbnail_url=base.thumbnail_url,
            source_job_id=base.source_job_id,
            hashtags=suggest_hashtags(texts) if cells else base.hashtags,
            cover_ms=base.cover_ms,
            cover_path=base.cover_path,
            local_file=local_file(render, self._jobs),
            row_cells=cells,
            template=template,
        )

    def _row_cells(self, render: LocalJob) -> dict[str, str]:
        """The render's row text cells by column title, in column order."""
        grid = self._grid.grid
        if render.engine_id != grid.engine_id:
            return {}
        for row in grid.rows:
            if row.final_video_cell_id == render.cell_id:
                return {
                    column.title: cell.value
                    for column, cell in zip(grid.columns, row.cells, strict=False)
                    if cell and cell.value and cell.media_type is None and column.title
                }
        return {}

    def _earlier_captions(self, render: LocalJob) -> list[str]:
        """Captions of earlier posts of the same engine's renders (newest first)."""
        found: list[str] = []
        for job in self._jobs.jobs():
            if job.kind not in (JobKind.POST, JobKind.PUBLISH) or not job.caption:
                continue
            parent = self._jobs.find(job.parent_id) if job.parent_id else None
            if parent is not None and parent.engine_id == render.engine_id:
                found.append(job.caption)
        return found

    def _context(self, session: Session) -> PostingContext:
        return PostingContext(
            session.services, self._zone(), self._prompts, session.tasks, self._dialog_parent
        )

    async def publish(self, render: LocalJob) -> LocalJob | None:
        """Run the composer (the legacy TikTok dialog when GEN has no schedule API); returns
        the post or publish job when one was sent."""
        session = self._session()
        if session is None:
            return None
        services = session.services
        try:
            schedule_api = await services.client.schedule.available()
        except GenError:
            schedule_api = True  # the composer says what is wrong when it loads
        if not schedule_api:
            return await self._publish_legacy(render, session)
        draft = self.composer_draft_for(render, session)
        composer = PostComposer(draft, self._context(session))
        self.dialog = composer
        try:
            composer.start()
            await run_dialog(composer)
            jobs = list(composer.jobs)
            template = composer.template_edit.text()
        finally:
            self.dialog = None
            composer.deleteLater()
        if not jobs:
            return None
        if draft.template is not None and render.engine_id:
            session.prefs_store.save_caption_template(render.engine_id, template)
        self._panel.select_job(jobs[0].id)
        notices = {n for job in jobs if (n := PostComposer.processing_notice(job))}
        posts = f"{len(jobs)} posts" if len(jobs) > 1 else "the post"
        self._status.show_status(
            f"Sent to GEN for posting; follow {posts} in the Jobs panel. {' '.join(notices)}"
        )
        return jobs[0]

    async def _publish_legacy(self, render: LocalJob, session: Session) -> LocalJob | None:
        dialog = PublishDialog(self.draft_for(render), self._context(session))
        self.dialog = dialog
        try:
            await run_dialog(dialog)
            job = dialog.job
        finally:
            self.dialog = None
            dialog.deleteLater()
        if job is not None:
            self._panel.select_job(job.id)
            self._status.show_status("Sent to GEN for posting; follow it in the Jobs panel")
        return job
