"""The publish dialog: a platform section, the schedule, inline checks, then one confirmed post.

Used on a GEN without the schedule API (GEN's legacy TikTok-only `publish_content`); the
composer replaces it everywhere else. Its "When" section is the composer's (`WhenPicker`, without
GEN's next free slot, which only the schedule API has). Checks come from the Qt-free core
(`validate_publish`, `resolve_schedule`): errors block the
Publish button, warnings only inform. Submitting asks for a final confirmation, then goes through
`PublishService.publish`; the button is single-flight, and the core's duplicate guard is shown as
a question with an explicit "Post again anyway". The dialog is opened with `run_dialog` (never
`exec()`); `job` holds the publish job once it was sent.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field

from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
)

from genpro_desktop.core.api import GenError
from genpro_desktop.core.jobs import LocalJob
from genpro_desktop.core.publishing import (
    DuplicatePublishError,
    PublishError,
    PublishForm,
    PublishRequest,
    PublishValidationError,
    ResolvedSchedule,
    validate_publish,
)
from genpro_desktop.core.store import StoreError
from genpro_desktop.gui.dialogs.posting_dialog import PostingContext, PostingDialog
from genpro_desktop.gui.dialogs.publish_fields import PLATFORMS, PlatformFields, TikTokFields
from genpro_desktop.gui.dialogs.when_picker import WhenPicker

SUMMARY_CAPTION_CHARS = 80


@dataclass(frozen=True)
class PublishDraft:
    """What the dialog starts from: the completed render and what the app knows about it."""

    agent_id: str
    media_url: str
    thumbnail_url: str | None = None
    source_job_id: str | None = None
    hashtags: list[str] = field(default_factory=lambda: list[str]())
    cover_path: str | None = None
    cover_ms: int | None = None


class PublishDialog(PostingDialog):
    """Post a completed render; `job` is the publish job after a successful submit."""

    def __init__(self, draft: PublishDraft, context: PostingContext) -> None:
        super().__init__("publishDialog", "Publish video", context)
        self.draft = draft
        self.job: LocalJob | None = None
        self._failure: list[tuple[str, bool]] = []  # why the last submit was not sent

        self.platform_combo = QComboBox()
        self.platform_combo.setObjectName("platformCombo")
        self.fields: PlatformFields = TikTokFields(
            thumbnail_url=draft.thumbnail_url, hashtags=draft.hashtags
        )
        for platform in PLATFORMS:
            self.platform_combo.addItem(platform.label, platform.platform)
        self.platform_combo.setEnabled(len(PLATFORMS) > 1)
        self.fields.changed.connect(self.refresh)

        self.when = WhenPicker(
            self._services.clock, self._zone, next_slot=False, later_label="Schedule for"
        )
        self.when.changed.connect(self.refresh)
        self.schedule_issue = QLabel()
        self.schedule_issue.setObjectName("scheduleIssue")
        self.schedule_issue.setWordWrap(True)

        self.cover_label = QLabel()
        self.cover_label.setObjectName("coverNote")
        self.cover_label.setWordWrap(True)
        self._show_cover()
        self.general_issue = QLabel()
        self.general_issue.setObjectName("generalIssue")
        self.general_issue.setWordWrap(True)

        self.make_buttons("Publish…", "submitPublish")

        form = QFormLayout()
        form.addRow("Platform", self.platform_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.fields)
        layout.addWidget(QLabel("<b>When</b>"))
        layout.addWidget(self.when)
        layout.addWidget(self.schedule_issue)
        layout.addWidget(self.cover_label)
        layout.addWidget(self.general_issue)
        layout.addWidget(self.buttons)
        self.resize(560, 520)
        self.refresh()

    @property
    def resolved(self) -> ResolvedSchedule | None:
        """The chosen time as GEN receives it (None: now)."""
        return self.when.resolved

    # -- validation ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-run the checks, show them next to their fields, enable Publish when allowed."""
        now = self._services.clock.wall()
        values = self.fields.values()
        messages: dict[str, list[tuple[str, bool]]] = defaultdict(list)
        schedule_error = self.when.resolve(now)
        report = validate_publish(
            PublishForm(
                media_url=self.draft.media_url,
                description=values.caption,
                title=values.title,
                thumbnail_url=values.thumbnail_url,
                scheduled_time=self.resolved.utc if self.resolved is not None else None,
            ),
            now,
        )
        for issue in report.errors:
            messages[issue.field].append((issue.message, True))
        for issue in report.warnings:
            messages[issue.field].append((issue.message, False))
        if schedule_error is not None:
            messages["scheduled_time"].insert(0, (str(schedule_error), True))
        self.fields.show_issues(messages)
        self._show_label(self.schedule_issue, messages.get("scheduled_time", []))
        self._show_label(self.general_issue, messages.get("media_url", []))
        self.submit_button.setEnabled(
            not self.submitting
            and report.ok
            and schedule_error is None
            and not self.fields.blocks_submit()
        )

    @staticmethod
    def _show_label(label: QLabel, items: list[tuple[str, bool]]) -> None:
        label.setVisible(bool(items))
        label.setText("\n".join(text for text, _ in items))
        error = any(is_error for _, is_error in items)
        label.setStyleSheet("color: #d64545;" if error else "color: #b8860b;")

    def _show_cover(self) -> None:
        draft = self.draft
        if draft.cover_path is None or draft.cover_ms is None:
            self.cover_label.setVisible(False)
            return
        pixmap = QPixmap(draft.cover_path)
        seconds = draft.cover_ms / 1000
        note = (
            f"Cover frame chosen at {seconds:.2f} s, saved to {html.escape(draft.cover_path)}. "
            "GEN takes the cover only as a link, so the post uses the cover image URL above."
        )
        if not pixmap.isNull():
            self.cover_label.setPixmap(pixmap.scaledToHeight(96))
            self.cover_label.setToolTip(note)
        else:
            self.cover_label.setText(note)

    # -- submit ----------------------------------------------------------------------------

    def request(self) -> PublishRequest:
        """The publish request as the dialog stands."""
        values = self.fields.values()
        local = self.when.scheduled_local()
        return PublishRequest(
            agent_id=self.draft.agent_id,
            media_url=self.draft.media_url,
            caption=values.caption,
            platform=self.fields.platform,
            title=values.title,
            thumbnail_url=values.thumbnail_url,
            scheduled_local=local,
            schedule_tz=self._zone if local is not None else None,
            source_job_id=self.draft.source_job_id,
        )

    def summary(self) -> str:
        """The final question: where, when and with which caption."""
        caption = " ".join(self.fields.values().caption.split())
        if len(caption) > SUMMARY_CAPTION_CHARS:
            caption = caption[: SUMMARY_CAPTION_CHARS - 1] + "…"
        return f"Post this video to {self.fields.label} {self.when.when_text()} as “{caption}”?"

    async def _submit(self) -> None:
        self._failure = []
        try:
            request = self.request()
            question = self.summary()
            if not await self._prompts.confirm(
                "Publish", question, accept="Post", details="GEN posts it with your account."
            ):
                return
            try:
                job = await self._services.publisher.publish(request)
            except DuplicatePublishError as exc:
                again = await self._prompts.confirm(
                    "Already posted",
                    "This video with this caption was already sent.",
                    accept="Post again anyway",
                    details=str(exc),
                )
                if not again:
                    return
                job = await self._services.publisher.publish(request, allow_duplicate=True)
            self.job = job
            self.accept()
        except PublishValidationError as exc:
            self._failure = [(issue.message, True) for issue in exc.report.errors]
        except (PublishError, GenError, StoreError, ValueError) as exc:
            self._failure = [(f"Not published: {exc}", True)]

    def _settle(self) -> None:
        if self.job is not None:
            return
        self.refresh()
        if self._failure:
            self._show_label(self.general_issue, self._failure)
