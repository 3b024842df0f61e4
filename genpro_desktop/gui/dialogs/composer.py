"""The post composer: one render to several platforms through GEN's schedule API.

Platforms are checkable chips that say whether the agent has an account there; the caption is
shared and counted against the limit of every chosen platform that takes it (the strictest one
shown under it); each platform has a section (`composer_sections`) that starts with its caption
override ("Customize for YouTube") and holds its options. GEN takes one description and title per
post, so platforms whose text differs go out as separate posts (`group_posts`), each validated,
recorded and tracked on its own; the summary says how the post splits. Checks come from the
Qt-free core: `validate_post` for the text and options, `check_video` on the downloaded file
(probed off the GUI thread), `resolve_schedule` for the time (through `WhenPicker`). Errors
block Post, warnings inform. On open the composer loads GEN's live rules and the connected
accounts, probes the file, and looks for earlier posts of the same video (by render or media
URL, whatever the caption), naming each platform it is already on; such platforms start
unchecked.

Submit asks once with a summary, uploads the chosen cover frame once, then hands each post to
`PostService.publish` in turn (single-flight; the caption-level duplicate guard is a second
question, asked once for all posts). A post that fails to go out stops the rest: those already
sent stay sent and are unchecked, nothing is re-sent on its own, and Post sends only what is
left. The dialog is opened with `run_dialog`; `jobs` holds the post jobs sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.core.api import GenError
from genpro_desktop.core.api.schedule_types import SchedulePostRequest
from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.core.publishing import (
    DuplicatePublishError,
    MediaProbeError,
    PostDraft,
    PublishError,
    ResolvedSchedule,
    RuleBook,
    ValidationReport,
    VideoInfo,
    check_video,
    probe_video_async,
    strictest,
    utf16_length,
    validate_post,
)
from genpro_desktop.core.publishing.captions import fill_template
from genpro_desktop.core.publishing.overrides import (
    Override,
    PostGroup,
    describe_groups,
    group_posts,
)
from genpro_desktop.core.publishing.platforms import LABELS
from genpro_desktop.core.store import StoreError
from genpro_desktop.gui.dialogs.caption_widgets import HashtagRow, add_hashtag, caption_editor
from genpro_desktop.gui.dialogs.composer_sections import (
    OVER_LIMIT_STYLE,
    PROCESSING_NOTICE,
    PlatformSection,
    TikTokSection,
    YouTubeSection,
    make_sections,
)
from genpro_desktop.gui.dialogs.posting_dialog import PostingContext, PostingDialog
from genpro_desktop.gui.dialogs.publish_dialog import PublishDraft
from genpro_desktop.gui.dialogs.when_picker import WhenPicker, local_text

PLATFORM_ORDER: tuple[str, ...] = tuple(LABELS)
CONNECT_HINT = (
    "Connect {label} to this agent in GEN (app.gen.pro: your agent's Socials), then reopen this "
    "dialog."
)
CHIP_STYLE = (
    "QPushButton { border: 1px solid #8a8f98; border-radius: 11px; padding: 3px 12px; }"
    "QPushButton:checked { background: #2f6fde; color: white; border-color: #2f6fde; }"
)
SUMMARY_CAPTION_CHARS = 80
_ENDED = frozenset({"failed", "skipped"})


@dataclass(frozen=True)
class ComposerDraft(PublishDraft):
    """What the composer starts from: the render as the TikTok-only dialog has it, plus its
    file, its row's text and the engine's caption template."""

    caption: str = ""
    local_file: Path | None = None  # the downloaded render, for the media checks
    row_cells: dict[str, str] = field(default_factory=lambda: dict[str, str]())  # title: text
    template: str | None = None  # the engine's caption template (None: no row to fill from)


@dataclass(frozen=True)
class ExistingPost:
    """An earlier post of the same video on one platform."""

    platform: str
    job: LocalJob
    since: datetime
    url: str | None
    scheduled: bool


def existing_posts(
    jobs: Sequence[LocalJob], media_url: str, source_job_id: str | None, now: datetime
) -> dict[str, ExistingPost]:
    """Per platform, the newest earlier post of this render or media URL that did not fail
    (whatever its caption); `scheduled` when it is due after `now`."""
    found: dict[str, ExistingPost] = {}
    for job in sorted(jobs, key=lambda j: j.created_at):
        same = (source_job_id is not None and job.parent_id == source_job_id) or (
            job.media_url == media_url
        )
        if not same or job.state in (JobState.STOPPED, JobState.DISMISSED):
            continue
        scheduled = job.scheduled_utc is not None and job.scheduled_utc > now
        since = job.scheduled_utc if scheduled and job.scheduled_utc else job.created_at
        if job.kind is JobKind.POST:
            for platform in job.post_platforms:
                # A failed post may still have gone out on some platforms: those count.
                gone = platform.status in _ENDED
                if gone or (job.state is JobState.FAILED and platform.status != "published"):
                    continue
                found[platform.platform] = ExistingPost(
                    platform.platform, job, since, platform.post_url, scheduled
                )
        elif job.kind is JobKind.PUBLISH and job.state is not JobState.FAILED:
            found["tiktok"] = ExistingPost("tiktok", job, since, None, scheduled)
    return found


class PostComposer(PostingDialog):
    """Post a completed render to several platforms; `job` is the post job once sent."""

    def __init__(self, draft: ComposerDraft, context: PostingContext) -> None:
        super().__init__("postComposer", "Post video", context)
        self.jobs: list[LocalJob] = []
        self.draft = draft
        self.rules = RuleBook.builtin()
        self.connected: dict[str, tuple[bool | None, str | None]] = {}
        self.existing: dict[str, ExistingPost] = {}
        self.media_report = ValidationReport()
        self.media_note = ""
        self.media_info: VideoInfo | None = None
        self.report = ValidationReport()
        self.loaded = asyncio.Event()
        self._failure: str | None = None  # why the last submit did not (fully) go out

        # -- platforms
        self.chips: dict[str, QPushButton] = {}
        chips_row = QHBoxLayout()
        for name in PLATFORM_ORDER:
            chip = QPushButton(LABELS[name])
            chip.setObjectName(f"chip_{name}")
            chip.setCheckable(True)
            chip.setStyleSheet(CHIP_STYLE)
            chip.setChecked(name == "tiktok")
            chip.toggled.connect(self._on_platforms_changed)
            self.chips[name] = chip
            chips_row.addWidget(chip)
        chips_row.addStretch(1)
        self.accounts_label = QLabel("Checking which accounts this agent has connected…")
        self.accounts_label.setObjectName("accountsNote")
        self.accounts_label.setWordWrap(True)
        self.existing_label = QLabel()
        self.existing_label.setObjectName("existingNote")
        self.existing_label.setWordWrap(True)
        self.existing_label.setOpenExternalLinks(True)
        self.existing_label.setVisible(False)

        # -- shared text
        self.caption_edit = caption_editor(draft.caption)
        self.caption_edit.setFixedHeight(90)
        self.counter_label = QLabel()
        self.counter_label.setObjectName("captionCounter")
        self.counter_label.setWordWrap(True)
        self.hashtags = HashtagRow(draft.hashtags, self.caption_edit)
        self.template_edit = QLineEdit(draft.template or "")
        self.template_edit.setObjectName("captionTemplate")
        self.template_edit.setToolTip(
            "Column titles in braces are replaced by the row's text, {hashtags} by the "
            "suggestions; kept for this engine when you post."
        )
        self.template_button = QPushButton("Fill caption")
        self.template_button.setObjectName("fillCaption")
        self.template_button.clicked.connect(self.fill_caption)
        template_row = QHBoxLayout()
        template_row.setContentsMargins(0, 0, 0, 0)
        template_row.addWidget(self.template_edit, 1)
        template_row.addWidget(self.template_button)
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("titleEdit")
        self.title_edit.setPlaceholderText("Used by YouTube (required), Facebook and LinkedIn")

        # -- cover
        self.cover_box = QCheckBox()
        self.cover_box.setObjectName("useCoverFrame")
        self.cover_preview = QLabel()
        self.cover_preview.setObjectName("coverPreview")
        self.thumbnail_edit = QLineEdit(draft.thumbnail_url or "")
        self.thumbnail_edit.setObjectName("thumbnailEdit")
        self.thumbnail_edit.setPlaceholderText("https://… a cover that is already online")
        cover_row = QHBoxLayout()
        cover_row.setContentsMargins(0, 0, 0, 0)
        cover_row.addWidget(self.cover_preview)
        cover_row.addWidget(self.cover_box, 1)
        self._show_cover()

        # -- sections
        self.sections: dict[str, PlatformSection] = make_sections()
        sections_box = QWidget()
        sections_layout = QVBoxLayout(sections_box)
        sections_layout.setContentsMargins(0, 0, 0, 0)
        for section in self.sections.values():
            section.changed.connect(self.refresh)
            section.override.start_from = self._shared_text
            sections_layout.addWidget(section)
        sections_layout.addStretch(1)

        # -- when
        self.when = WhenPicker(self._services.clock, self._zone, next_slot=True)
        self.when.setObjectName("whenPicker")

        # -- messages: a fixed-height area, so the dialog keeps its size as they come and go
        self.issues_label = QLabel()
        self.issues_label.setObjectName("composerIssues")
        self.issues_label.setWordWrap(True)
        self.issues_label.setTextFormat(Qt.TextFormat.RichText)
        self.issues_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        issues_area = QScrollArea()
        issues_area.setWidget(self.issues_label)
        issues_area.setWidgetResizable(True)
        issues_area.setFixedHeight(96)

        self.make_buttons("Post…", "submitPost")

        form = QFormLayout()
        form.addRow("Post to", chips_row)
        form.addRow("", self.accounts_label)
        form.addRow("", self.existing_label)
        if draft.template is not None:
            form.addRow("From the row", template_row)
        form.addRow("Caption", self.caption_edit)
        form.addRow("", self.counter_label)
        if draft.hashtags:
            form.addRow("Suggested", self.hashtags)
        form.addRow("Title", self.title_edit)
        form.addRow("Cover", cover_row)
        form.addRow("Cover image URL", self.thumbnail_edit)
        form.addRow("When", self.when)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(form)
        left_layout.addStretch(1)
        self.sections_scroll = scroll = QScrollArea()
        scroll.setWidget(sections_box)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(400)
        columns = QHBoxLayout()
        columns.addWidget(left, 3)
        columns.addWidget(scroll, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(issues_area)
        layout.addWidget(self.buttons)
        self.resize(960, 660)

        if draft.template is not None and not draft.caption:
            self.fill_caption()
        self.caption_edit.textChanged.connect(self.refresh)
        self.title_edit.textChanged.connect(self.refresh)
        self.thumbnail_edit.textChanged.connect(self.refresh)
        self.cover_box.toggled.connect(self.refresh)
        self.when.changed.connect(self.refresh)
        self._on_platforms_changed()

    # -- loading ---------------------------------------------------------------------------

    def start(self) -> asyncio.Task[Any]:
        """Load GEN's rules and accounts, earlier posts of this video, and probe the file;
        the loading stops when the dialog closes."""
        task = self._tasks.spawn(self._load(), name="composer-load")
        self.finished.connect(lambda _result: task.cancel())
        return task

    async def _load(self) -> None:
        try:
            await asyncio.gather(
                self._load_rules(), self._load_accounts(), self._load_existing(), self._probe()
            )
        except asyncio.CancelledError:
            self.loaded.set()
            raise
        self.loaded.set()
        self.refresh()

    async def _load_rules(self) -> None:
        try:
            self.rules = RuleBook.from_live(await self._services.client.schedule.platforms())
        except GenError:
            self.rules = RuleBook.builtin()

    async def _load_accounts(self) -> None:
        try:
            accounts = await self._services.client.schedule.accounts(agent_id=self.draft.agent_id)
        except GenError as exc:
            self.accounts_label.setText(f"Could not read the connected accounts: {exc}")
            return
        if accounts is None:
            self.accounts_label.setText(
                "GEN does not say which accounts are connected; a platform without one is "
                "refused when you post."
            )
            return
        known = {a.platform: a for a in accounts.known}
        for name in PLATFORM_ORDER:
            account = known.get(name)
            if account is None:
                self.connected[name] = (False, None)
            else:
                self.connected[name] = (account.connected is not False, account.handle)
        tiktok = self.connected.get("tiktok", (None, None))
        section = self.sections["tiktok"]
        assert isinstance(section, TikTokSection)
        section.set_account(tiktok[1], tiktok[0])
        missing = [LABELS[n] for n, (ok, _h) in self.connected.items() if not ok]
        self.accounts_label.setText(
            "Not connected: " + ", ".join(missing) + ". Hover a platform to see how to connect it."
            if missing
            else "All platforms are connected to this agent."
        )
        for name, chip in self.chips.items():
            ok, handle = self.connected.get(name, (None, None))
            if ok is False:
                chip.setText(f"{LABELS[name]} (not connected)")
                chip.setToolTip(CONNECT_HINT.format(label=LABELS[name]))
                chip.setChecked(False)
            elif ok:
                chip.setToolTip(f"Connected as @{handle}" if handle else "Connected")

    async def _load_existing(self) -> None:
        try:
            jobs = await self._services.store.list_jobs(kinds=[JobKind.POST, JobKind.PUBLISH])
        except StoreError:
            return
        self.existing = existing_posts(
            jobs, self.draft.media_url, self.draft.source_job_id, self._services.clock.wall()
        )
        lines: list[str] = []
        for name, post in self.existing.items():
            label = LABELS.get(name, name)
            verb = "Scheduled on" if post.scheduled else "Already on"
            when = local_text(post.since, self._zone)
            link = f' - <a href="{post.url}">open it</a>' if post.url else ""
            lines.append(
                f"{verb} {label} {'for' if post.scheduled else 'since'} {when}{link}. "
                f"Check {label} above to post it again."
            )
            self.chips[name].setChecked(False)
        self.existing_label.setText("<br>".join(lines))
        self.existing_label.setVisible(bool(lines))

    async def _probe(self) -> None:
        path = self.draft.local_file
        if path is None:
            self.media_note = (
                "The video was not checked against each platform's limits: download the render "
                "first (Jobs panel, Download) to have it checked."
            )
            return
        try:
            self.media_info = await probe_video_async(path)
        except MediaProbeError as exc:
            self.media_note = f"The downloaded video could not be checked: {exc}"
            return
        self.media_note = ""

    # -- editing ---------------------------------------------------------------------------

    def chosen(self) -> list[str]:
        """The checked platforms, in GEN's order."""
        return [name for name, chip in self.chips.items() if chip.isChecked()]

    def fill_caption(self) -> None:
        """Replace the caption with the template filled from the row."""
        text = fill_template(self.template_edit.text(), self.draft.row_cells, self.draft.hashtags)
        self.caption_edit.setPlainText(text)

    def add_hashtag(self, tag: str) -> None:
        """Append `tag` to the caption unless it is already there."""
        add_hashtag(self.caption_edit, tag)

    def _on_platforms_changed(self, *_args: object) -> None:
        chosen = set(self.chosen())
        for name, section in self.sections.items():
            section.setVisible(name in chosen)
        self.refresh()

    def _show_cover(self) -> None:
        path = self.draft.cover_path
        if path is None or self.draft.cover_ms is None:
            self.cover_box.setText("No frame chosen (use “Set as cover” in the preview).")
            self.cover_box.setChecked(False)
            self.cover_box.setEnabled(False)
            self.cover_preview.setVisible(False)
            return
        seconds = self.draft.cover_ms / 1000
        self.cover_box.setText(f"Use the frame at {seconds:.2f} s (uploaded to GEN when you post)")
        self.cover_box.setChecked(True)
        pixmap = QPixmap(path)
        if not pixmap.isNull():
            self.cover_preview.setPixmap(pixmap.scaledToHeight(64))

    def uses_cover_frame(self) -> bool:
        """Whether the chosen preview frame is uploaded as the cover."""
        return self.cover_box.isEnabled() and self.cover_box.isChecked()

    # -- schedule --------------------------------------------------------------------------

    @property
    def resolved(self) -> ResolvedSchedule | None:
        """The chosen time as GEN receives it (None: now or GEN's next free slot)."""
        return self.when.resolved

    # -- validation ------------------------------------------------------------------------

    def _shared_text(self) -> tuple[str, str | None]:
        return self.caption_edit.toPlainText(), self.title_edit.text().strip() or None

    def overrides(self) -> dict[str, Override]:
        """The chosen platforms' own texts (customized ones only)."""
        found: dict[str, Override] = {}
        for name in self.chosen():
            own = self.sections[name].override.override()
            if own is not None:
                found[name] = own
        return found

    def groups(self) -> list[PostGroup]:
        """The schedule posts this composer sends: one per distinct caption and title."""
        caption, title = self._shared_text()
        return group_posts(self.chosen(), caption, title, self.overrides(), self.rules)

    def post_draft(self, group: PostGroup | None = None) -> PostDraft:
        """One post as the composer stands (`group`: its platforms and text; None: every chosen
        platform with the shared text)."""
        if group is None:
            caption, title = self._shared_text()
            group = PostGroup(tuple(self.chosen()), caption, title)
        platforms = list(group.platforms)
        tiktok = self.sections["tiktok"]
        youtube = self.sections["youtube"]
        assert isinstance(tiktok, TikTokSection)
        assert isinstance(youtube, YouTubeSection)
        thumbnail = None if self.uses_cover_frame() else self.thumbnail_edit.text().strip() or None
        return PostDraft(
            platforms=platforms,
            description=group.caption,
            title=group.title,
            media_url=self.draft.media_url,
            thumbnail_url=thumbnail,
            scheduled_time=self.resolved.utc if self.resolved is not None else None,
            tiktok=tiktok.settings(),
            youtube=youtube.options() if "youtube" in platforms else None,
        )

    def refresh(self) -> None:
        """Re-run every check, show it, enable Post only when nothing blocks."""
        now = self._services.clock.wall()
        schedule_error = self.when.resolve(now)
        chosen = self.chosen()
        groups = self.groups()
        self.report = self._validate(now)
        info = self.media_info
        self.media_report = check_video(info, chosen, self.rules) if info else ValidationReport()
        self._show_counters(chosen)
        lines: list[str] = []
        if schedule_error is not None:
            lines.append(_line(str(schedule_error), True))
        for issue in [*self.report.errors, *self.media_report.errors]:
            lines.append(_line(_prefixed(issue.platform, issue.message), True))
        for issue in [*self.report.warnings, *self.media_report.warnings]:
            lines.append(_line(_prefixed(issue.platform, issue.message), False))
        for name in chosen:
            if self.connected.get(name, (None, None))[0] is False:
                lines.append(_line(CONNECT_HINT.format(label=LABELS[name]), True))
        for issue in self.media_report.errors:
            lines.append(_line(_fix(issue.platform), False))
        if self.media_note:
            lines.append(_line(self.media_note, False))
        elif info is not None and chosen and self.media_report.ok:
            lines.append(_ok(_fits(info, chosen)))
        if len(groups) > 1:
            lines.append(_note(describe_groups(groups) + "."))
        self.issues_label.setText("<br>".join(lines) or _ok("Ready to post."))
        self.submit_button.setEnabled(self.can_submit(schedule_error is None))

    def can_submit(self, schedule_ok: bool = True) -> bool:
        """Nothing blocks: no error, a schedule that resolves, every platform connected."""
        disconnected = any(self.connected.get(n, (None, None))[0] is False for n in self.chosen())
        return (
            not self.submitting
            and schedule_ok
            and self.report.ok
            and self.media_report.ok
            and not disconnected
        )

    def _checked_texts(self) -> list[PostGroup]:
        """What `_validate` checks: the platforms on the shared text together, and each
        customized platform on its own text (every rule is per platform, so this covers the
        posts that are sent, and names a platform's own text as its own)."""
        caption, title = self._shared_text()
        own = self.overrides()
        shared = tuple(n for n in self.chosen() if n not in own)
        checks = [PostGroup(shared, caption, title)] if shared or not own else []
        for name, text in own.items():
            uses_title = self.sections[name].override.uses_title
            own_title = (text.title or "").strip() or None if uses_title else title
            checks.append(
                PostGroup(
                    (name,),
                    text.caption if text.caption is not None else caption,
                    own_title,
                    own_caption=True,
                    own_title=uses_title,
                )
            )
        return checks

    def _validate(self, now: datetime) -> ValidationReport:
        """Every platform's checks on its text, each issue once; own text is named so."""
        report = ValidationReport()
        seen: set[tuple[str, str, str, str | None]] = set()
        for group in self._checked_texts():
            checked = validate_post(self.post_draft(group), now, self.rules)
            for issues, into in (
                (checked.errors, report.errors),
                (checked.warnings, report.warnings),
            ):
                for issue in issues:
                    own = (issue.field == "description" and group.own_caption) or (
                        issue.field == "title" and group.own_title
                    )
                    if own and issue.platform:
                        what = "caption" if issue.field == "description" else "title"
                        label = LABELS.get(issue.platform, issue.platform)
                        issue = replace(issue, message=f"{label}'s own {what}: {issue.message}")
                    key = (issue.field, issue.code, issue.message, issue.platform)
                    if key not in seen:
                        seen.add(key)
                        into.append(issue)
        return report

    def _show_counters(self, chosen: list[str]) -> None:
        """The shared caption against the strictest platform that takes it; each override
        against its own platform's limit."""
        length = utf16_length(self.caption_edit.toPlainText())
        own = {n for n in chosen if self.sections[n].override.active}
        for name in chosen:
            if name in own:
                self.sections[name].override.show_count(self.rules.get(name))
        shared = [n for n in chosen if n not in own]
        strict = strictest(shared, self.rules)
        tail = [f"{LABELS[n]}: own caption" for n in chosen if n in own]
        if strict is None:
            self.counter_label.setText(" · ".join([f"{length:,} characters", *tail]))
            self.counter_label.setStyleSheet("")
            return
        over = length > strict.caption_limit
        parts = [
            f"{LABELS[n]} {length:,}/{rule.caption_limit:,}"
            for n in shared
            if (rule := self.rules.get(n)) is not None
        ]
        self.counter_label.setText(
            f"{length:,} / {strict.caption_limit:,} ({strict.label} is the strictest; emoji "
            f"count as 2) · " + " · ".join([*parts, *tail])
        )
        self.counter_label.setStyleSheet(OVER_LIMIT_STYLE if over else "")

    # -- submit ----------------------------------------------------------------------------

    def request(self, group: PostGroup | None = None) -> SchedulePostRequest:
        """One post's schedule-API request as the composer stands (before the cover upload);
        `group` None: every chosen platform with the shared text."""
        draft = self.post_draft(group)
        request = draft.to_request(
            agent_id=self.draft.agent_id, next_available=self.when.next_available()
        )
        extra: dict[str, Any] = {}
        for name in draft.platforms:
            section = self.sections.get(name)
            if section is not None:
                extra.update(section.request_fields())
        return request.model_copy(update=extra) if extra else request

    def summary(self) -> str:
        """The final question: where, when, with which caption (each post's when the platforms
        split into several), and what is posted again."""
        groups = self.groups()
        if len(groups) > 1:
            posts = "; ".join(
                f"{' + '.join(LABELS[n] for n in g.platforms)}: “{_short(g.caption)}”"
                for g in groups
            )
            text = (
                f"Post this video {self.when.when_text()} as {describe_groups(groups)}? "
                f"Captions: {posts}."
            )
        else:
            where = ", ".join(LABELS[n] for n in self.chosen())
            caption = _short(self.caption_edit.toPlainText())
            text = f"Post this video to {where} {self.when.when_text()} as “{caption}”?"
        again = [LABELS[n] for n in self.chosen() if n in self.existing]
        if again:
            text += f" It is already on {', '.join(again)}: this posts it there again."
        if self.uses_cover_frame():
            text += " The chosen cover frame is uploaded to GEN first."
        return text

    @property
    def job(self) -> LocalJob | None:
        """The first post job sent (see `jobs` for all of them)."""
        return self.jobs[0] if self.jobs else None

    async def _submit(self) -> None:
        services = self._services
        sent: list[LocalJob] = []
        self._failure = None
        try:
            groups = self.groups()
            requests = [self.request(group) for group in groups]
            if not await self._prompts.confirm(
                "Post", self.summary(), accept="Post", details="GEN posts it with your accounts."
            ):
                return
            local = self.when.scheduled_local()
            jobs = [
                services.poster.build_job(
                    request,
                    agent_id=self.draft.agent_id,
                    media_identity=self.draft.media_url,
                    scheduled_utc=self.resolved.utc if self.resolved is not None else None,
                    schedule_tz=self._zone if local is not None else None,
                    source_job_id=self.draft.source_job_id,
                )
                for request in requests
            ]
            existing: list[LocalJob] = []
            for job in jobs:
                existing += await services.poster.duplicates(job)
            allow = False
            if existing:
                allow = await self._prompts.confirm(
                    "Already posted",
                    "This video with this caption was already sent to these platforms.",
                    accept="Post again anyway",
                    details=str(DuplicatePublishError(existing)),
                )
                if not allow:
                    return
            if self.uses_cover_frame() and self.draft.cover_path is not None:
                asset = await services.client.schedule.upload_asset(
                    Path(self.draft.cover_path), agent_id=self.draft.agent_id
                )
                requests = [
                    r.model_copy(update={"thumbnail_url": asset.public_url}) for r in requests
                ]
            for group, job, request in zip(groups, jobs, requests, strict=True):
                try:
                    sent.append(await services.poster.publish(job, request, allow_duplicate=allow))
                except (PublishError, GenError, StoreError, ValueError, OSError) as exc:
                    if not sent:
                        raise
                    self._failure = await self._partly_sent(sent, group, exc)
                    return
            self.jobs.extend(sent)
            self.accept()
        except (PublishError, GenError, StoreError, ValueError, OSError) as exc:
            self._failure = f"Not posted: {exc}"

    def _settle(self) -> None:
        """After a submit: the checks again, and why it did not (fully) go out."""
        if self.result() == QDialog.DialogCode.Accepted.value:
            return
        self.refresh()
        if self._failure is not None:
            self.issues_label.setText(
                _line(self._failure, True) + "<br>" + self.issues_label.text()
            )

    async def _partly_sent(self, sent: list[LocalJob], failed: PostGroup, exc: Exception) -> str:
        """Some posts went out, one did not: keep what went out (unchecked and named as
        already there, never re-sent); returns what to tell the user."""
        self.jobs.extend(sent)
        went = [p.platform for job in sent for p in job.post_platforms]
        left = [n for n in self.chosen() if n not in went]
        for name in went:
            self.chips[name].setChecked(False)
        await self._load_existing()
        names = " + ".join(LABELS.get(n, n) for n in went)
        failed_names = " + ".join(LABELS.get(n, n) for n in failed.platforms)
        waiting = " + ".join(LABELS.get(n, n) for n in left)
        return (
            f"Sent to {names} (follow it in the Jobs panel). The post to {failed_names} was "
            f"not sent: {exc} Nothing is re-sent on its own: Post sends {waiting} only."
        )

    @staticmethod
    def processing_notice(job: LocalJob) -> str | None:
        """What to tell the user after posting (TikTok processes videos for a while)."""
        names = [p.platform for p in job.post_platforms]
        return PROCESSING_NOTICE if "tiktok" in names else None


def _short(text: str) -> str:
    caption = " ".join(text.split())
    if len(caption) > SUMMARY_CAPTION_CHARS:
        caption = caption[: SUMMARY_CAPTION_CHARS - 1] + "…"
    return caption


def _prefixed(platform: str | None, message: str) -> str:
    label = LABELS.get(platform or "", platform or "")
    if not platform or message.startswith(label):
        return message
    return f"{label}: {message}"


def _fix(platform: str | None) -> str:
    label = LABELS.get(platform or "", platform or "")
    return f"{label}: uncheck it, or render a version that fits its limits, then post again."


def _fits(info: VideoInfo, chosen: list[str]) -> str:
    size = f", {info.width}x{info.height}" if info.width and info.height else ""
    length = f"{info.duration_s:.1f} s" if info.duration_s is not None else "video"
    names = ", ".join(LABELS.get(n, n) for n in chosen)
    return f"The downloaded video ({length}{size}) fits {names}."


def _ok(text: str) -> str:
    import html

    return f'<span style="color:#2e8b57">✔ {html.escape(text)}</span>'


def _note(text: str) -> str:
    import html

    return f"<span>ℹ {html.escape(text)}</span>"


def _line(text: str, error: bool) -> str:
    import html

    color = "#d64545" if error else "#b8860b"
    mark = "✖" if error else "⚠"
    return f'<span style="color:{color}">{mark} {html.escape(text)}</span>'
