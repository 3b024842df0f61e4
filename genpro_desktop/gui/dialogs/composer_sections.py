"""The composer's per-platform sections: what the schedule API takes for each platform.

Each section is shown while its platform's chip is checked and starts with the platform's caption
override ("Customize for YouTube"): off, the platform takes the shared caption and title; on, it
gets its own, starting from the shared text, with a live counter against its own limit. The
TikTok section follows TikTok's
Direct Post rules for posting apps (publishing-research.md 2.1): the account is named, the
privacy level has no default, comments/duets/stitches are off until the user turns them on, the
commercial content disclosure uses TikTok's wording (branded content cannot be "Only me"), and
the Music Usage Confirmation sentence is always visible.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.core.api.schedule_types import LinkedInOptions, YouTubeOptions
from genpro_desktop.core.publishing import PlatformRule, TikTokSettings, utf16_length
from genpro_desktop.core.publishing.overrides import Override
from genpro_desktop.core.publishing.platforms import BUILTIN_RULES, LABELS

TIKTOK_PRIVACY: tuple[tuple[str, str], ...] = (
    ("PUBLIC_TO_EVERYONE", "Everyone"),
    ("MUTUAL_FOLLOW_FRIENDS", "Friends (followers you follow back)"),
    ("FOLLOWER_OF_CREATOR", "Followers"),
    ("SELF_ONLY", "Only me"),
)
PRIVACY_PLACEHOLDER = "Choose who can see this video…"
BRANDED_PRIVATE = "Branded content cannot be posted as “Only me”."
MUSIC_CONSENT = "By posting, you agree to TikTok's Music Usage Confirmation."
MUSIC_CONSENT_BRANDED = (
    "By posting, you agree to TikTok's Branded Content Policy and Music Usage Confirmation."
)
PROCESSING_NOTICE = (
    "TikTok can take a few minutes to process the video before it shows on your profile."
)


OVER_LIMIT_STYLE = "color: #d64545; font-weight: bold;"


class CaptionOverride(QWidget):
    """A platform's own caption (and title, where it uses one); `changed` fires on every edit."""

    changed = Signal()

    def __init__(self, platform: str, *, uses_title: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        label = LABELS.get(platform, platform)
        self.platform = platform
        self.uses_title = uses_title
        # Where a new override starts: the shared caption and title (set by the composer).
        self.start_from: Callable[[], tuple[str, str | None]] | None = None
        self.toggle = QCheckBox(f"Customize for {label}")
        self.toggle.setObjectName(f"override_{platform}")
        what = "caption and title" if uses_title else "caption"
        self.toggle.setToolTip(
            f"Give {label} its own {what}, starting from the shared one. A platform with its "
            "own text goes to GEN as a separate post."
        )
        self.caption_edit = QPlainTextEdit()
        self.caption_edit.setObjectName("overrideCaption")
        self.caption_edit.setTabChangesFocus(True)
        self.caption_edit.setFixedHeight(70)
        self.counter_label = QLabel()
        self.counter_label.setObjectName("overrideCounter")
        self.counter_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("overrideTitle")
        self.title_edit.setPlaceholderText(f"{label}'s own title")
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.caption_edit)
        body.addWidget(self.counter_label)
        if uses_title:
            body.addWidget(self.title_edit)
        self.body.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.body)
        self.toggle.toggled.connect(self._on_toggled)
        self.caption_edit.textChanged.connect(self.changed)
        self.title_edit.textChanged.connect(self.changed)

    @property
    def active(self) -> bool:
        """Whether the platform has its own text."""
        return self.toggle.isChecked()

    def override(self) -> Override | None:
        """The platform's own text, or None when it takes the shared text."""
        if not self.active:
            return None
        title = self.title_edit.text() if self.uses_title else None
        return Override(caption=self.caption_edit.toPlainText(), title=title)

    def show_count(self, rule: PlatformRule | None) -> None:
        """The override's length against the platform's caption limit."""
        length = utf16_length(self.caption_edit.toPlainText())
        if rule is None:
            self.counter_label.setText(f"{length:,} characters")
            return
        over = length > rule.caption_limit
        self.counter_label.setText(f"{rule.label} {length:,} / {rule.caption_limit:,}")
        self.counter_label.setStyleSheet(OVER_LIMIT_STYLE if over else "")

    def _on_toggled(self, on: bool) -> None:
        if on and self.start_from is not None:
            caption, title = self.start_from()
            self.caption_edit.setPlainText(caption)
            self.title_edit.setText(title or "")
        self.body.setVisible(on)
        self.changed.emit()


class PlatformSection(QGroupBox):
    """Base of a platform's options, under its caption override; `changed` fires on every
    edit. Subclasses add their options to `form`."""

    platform = ""
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(LABELS.get(self.platform, self.platform), parent)
        self.setObjectName(f"{self.platform}Section")
        rule = BUILTIN_RULES.get(self.platform)
        self.override = CaptionOverride(
            self.platform, uses_title=rule is not None and rule.title_limit is not None
        )
        self.override.changed.connect(self.changed)
        self.form = QFormLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.override)
        layout.addLayout(self.form)

    def request_fields(self) -> dict[str, Any]:
        """Extra request fields this section adds to the post."""
        return {}


class FacebookSection(PlatformSection):
    """Facebook takes the caption, the title and the video (no options of its own)."""

    platform = "facebook"


class XSection(PlatformSection):
    """X takes the caption and the video (280 characters per post)."""

    platform = "x"


class TikTokSection(PlatformSection):
    """Account, privacy (no default), interaction toggles (off), commercial disclosure, consent."""

    platform = "tiktok"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account_label = QLabel("Account: checking…")
        self.account_label.setObjectName("tiktokAccount")
        self.privacy_combo = QComboBox()
        self.privacy_combo.setObjectName("tiktokPrivacy")
        self.privacy_combo.setPlaceholderText(PRIVACY_PLACEHOLDER)
        for value, label in TIKTOK_PRIVACY:
            self.privacy_combo.addItem(label, value)
        self.privacy_combo.setCurrentIndex(-1)
        self.comment_box = QCheckBox("Allow comments")
        self.comment_box.setObjectName("tiktokComment")
        self.duet_box = QCheckBox("Allow Duet")
        self.duet_box.setObjectName("tiktokDuet")
        self.stitch_box = QCheckBox("Allow Stitch")
        self.stitch_box.setObjectName("tiktokStitch")
        self.disclose_box = QCheckBox("Disclose video content")
        self.disclose_box.setObjectName("tiktokDisclose")
        self.disclose_box.setToolTip(
            "Turn on to disclose that this video promotes goods or services in exchange for "
            "something of value."
        )
        self.brand_box = QCheckBox("Your brand")
        self.brand_box.setObjectName("tiktokYourBrand")
        self.branded_box = QCheckBox("Branded content")
        self.branded_box.setObjectName("tiktokBranded")
        self.label_note = QLabel()
        self.label_note.setObjectName("tiktokLabelNote")
        self.label_note.setWordWrap(True)
        self.consent_label = QLabel(MUSIC_CONSENT)
        self.consent_label.setObjectName("tiktokConsent")
        self.consent_label.setWordWrap(True)

        toggles = QVBoxLayout()
        for box in (self.comment_box, self.duet_box, self.stitch_box):
            toggles.addWidget(box)
        disclosure = QVBoxLayout()
        disclosure.addWidget(self.disclose_box)
        disclosure.addWidget(self.brand_box)
        disclosure.addWidget(self.branded_box)
        disclosure.addWidget(self.label_note)
        form = self.form
        form.addRow(self.account_label)
        form.addRow("Who can see it", self.privacy_combo)
        form.addRow("Interactions", toggles)
        form.addRow("Commercial content", disclosure)
        form.addRow(self.consent_label)
        self.privacy_combo.currentIndexChanged.connect(self._on_edit)
        for box in (
            self.comment_box,
            self.duet_box,
            self.stitch_box,
            self.disclose_box,
            self.brand_box,
            self.branded_box,
        ):
            box.toggled.connect(self._on_edit)
        self._on_edit()

    def set_account(self, handle: str | None, connected: bool | None) -> None:
        """Name the account the post goes to (as far as GEN says)."""
        if connected is False:
            text = "Account: no TikTok account is connected to this agent."
        elif handle:
            text = f"Posts to the TikTok account @{handle.lstrip('@')}."
        else:
            text = "Posts to the TikTok account connected to this agent in GEN."
        self.account_label.setText(text)

    def settings(self) -> TikTokSettings:
        """The user's TikTok choices (privacy None until picked)."""
        privacy = (
            self.privacy_combo.currentData() if self.privacy_combo.currentIndex() >= 0 else None
        )
        return TikTokSettings(
            privacy_level=privacy,
            allow_comment=self.comment_box.isChecked(),
            allow_duet=self.duet_box.isChecked(),
            allow_stitch=self.stitch_box.isChecked(),
            disclose_commercial=self.disclose_box.isChecked(),
            your_brand=self.brand_box.isChecked(),
            branded_content=self.branded_box.isChecked(),
        )

    def only_me_enabled(self) -> bool:
        """Whether "Only me" can be picked (not with branded content)."""
        model = self.privacy_combo.model()
        assert isinstance(model, QStandardItemModel)
        item = model.item(len(TIKTOK_PRIVACY) - 1)
        return item is not None and item.isEnabled()

    def _on_edit(self, *_args: object) -> None:
        disclose = self.disclose_box.isChecked()
        self.brand_box.setEnabled(disclose)
        self.branded_box.setEnabled(disclose)
        branded = disclose and self.branded_box.isChecked()
        brand = disclose and self.brand_box.isChecked()
        model = self.privacy_combo.model()
        assert isinstance(model, QStandardItemModel)
        only_me = model.item(len(TIKTOK_PRIVACY) - 1)
        if only_me is not None:
            only_me.setEnabled(not branded)
            only_me.setToolTip(BRANDED_PRIVATE if branded else "")
        if branded and self.privacy_combo.currentData() == "SELF_ONLY":
            self.privacy_combo.setCurrentIndex(-1)
        if branded:
            note = "Your video will be labeled as “Paid partnership”."
        elif brand:
            note = "Your video will be labeled as “Promotional content”."
        elif disclose:
            note = "Choose Your brand, Branded content or both."
        else:
            note = ""
        self.label_note.setText(note)
        self.label_note.setVisible(bool(note))
        self.consent_label.setText(MUSIC_CONSENT_BRANDED if branded else MUSIC_CONSENT)
        self.changed.emit()


class YouTubeSection(PlatformSection):
    """Visibility, Shorts and tags (the title is the composer's shared Title field)."""

    platform = "youtube"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.visibility_combo = QComboBox()
        self.visibility_combo.setObjectName("youtubeVisibility")
        for value, label in (
            ("public", "Public"),
            ("unlisted", "Unlisted"),
            ("private", "Private"),
        ):
            self.visibility_combo.addItem(label, value)
        self.shorts_box = QCheckBox("Post as a Short")
        self.shorts_box.setObjectName("youtubeShorts")
        self.shorts_box.setChecked(True)
        self.tags_edit = QLineEdit()
        self.tags_edit.setObjectName("youtubeTags")
        self.tags_edit.setPlaceholderText("comma, separated, tags")
        form = self.form
        form.addRow(QLabel("YouTube needs a title (the Title field, or its own above)."))
        form.addRow("Visibility", self.visibility_combo)
        form.addRow("", self.shorts_box)
        form.addRow("Tags", self.tags_edit)
        self.visibility_combo.currentIndexChanged.connect(self.changed)
        self.shorts_box.toggled.connect(self.changed)
        self.tags_edit.textChanged.connect(self.changed)

    def options(self) -> YouTubeOptions:
        """`youtube_options` as chosen."""
        tags = [t.strip() for t in self.tags_edit.text().split(",") if t.strip()]
        return YouTubeOptions(
            visibility=self.visibility_combo.currentData(),
            shorts=self.shorts_box.isChecked(),
            tags=tags or None,
        )


class InstagramSection(PlatformSection):
    """Instagram's music mode (`instagram_music`)."""

    platform = "instagram"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.music_combo = QComboBox()
        self.music_combo.setObjectName("instagramMusic")
        self.music_combo.addItem("Keep the video's own sound", None)
        self.music_combo.addItem("Let GEN add trending music", "auto")
        self.music_combo.addItem("No added music", "none")
        self.form.addRow("Music", self.music_combo)
        self.music_combo.currentIndexChanged.connect(self.changed)

    def request_fields(self) -> dict[str, Any]:
        mode = self.music_combo.currentData()
        return {"instagram_music": {"mode": mode}} if mode else {}


class LinkedInSection(PlatformSection):
    """Who sees the LinkedIn post (`linkedin_options.visibility`)."""

    platform = "linkedin"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.visibility_combo = QComboBox()
        self.visibility_combo.setObjectName("linkedinVisibility")
        for value, label in (
            ("public", "Anyone"),
            ("connections", "Connections only"),
            ("loggedin", "Signed-in LinkedIn members"),
        ):
            self.visibility_combo.addItem(label, value)
        self.form.addRow("Visibility", self.visibility_combo)
        self.visibility_combo.currentIndexChanged.connect(self.changed)

    def request_fields(self) -> dict[str, Any]:
        return {"linkedin_options": LinkedInOptions(visibility=self.visibility_combo.currentData())}


def make_sections() -> dict[str, PlatformSection]:
    """One section per platform, in GEN's order (Facebook's and X's hold only the override)."""
    sections: list[PlatformSection] = [
        TikTokSection(),
        InstagramSection(),
        FacebookSection(),
        YouTubeSection(),
        XSection(),
        LinkedInSection(),
    ]
    return {s.platform: s for s in sections}
