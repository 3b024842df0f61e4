"""The composer's per-platform sections: what the schedule API takes for each platform.

Each section is shown while its platform's chip is checked. The TikTok section follows TikTok's
Direct Post rules for posting apps (publishing-research.md 2.1): the account is named, the
privacy level has no default, comments/duets/stitches are off until the user turns them on, the
commercial content disclosure uses TikTok's wording (branded content cannot be "Only me"), and
the Music Usage Confirmation sentence is always visible.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.core.api.schedule_types import LinkedInOptions, YouTubeOptions
from genpro_desktop.core.publishing import TikTokSettings

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


class PlatformSection(QGroupBox):
    """Base of a platform's options; `changed` fires on every edit."""

    platform = ""
    changed = Signal()

    def request_fields(self) -> dict[str, Any]:
        """Extra request fields this section adds to the post."""
        return {}


class TikTokSection(PlatformSection):
    """Account, privacy (no default), interaction toggles (off), commercial disclosure, consent."""

    platform = "tiktok"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("TikTok", parent)
        self.setObjectName("tiktokSection")
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
        form = QFormLayout(self)
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
        super().__init__("YouTube", parent)
        self.setObjectName("youtubeSection")
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
        form = QFormLayout(self)
        form.addRow(QLabel("YouTube needs a title (the Title field above)."))
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
        super().__init__("Instagram", parent)
        self.setObjectName("instagramSection")
        self.music_combo = QComboBox()
        self.music_combo.setObjectName("instagramMusic")
        self.music_combo.addItem("Keep the video's own sound", None)
        self.music_combo.addItem("Let GEN add trending music", "auto")
        self.music_combo.addItem("No added music", "none")
        form = QFormLayout(self)
        form.addRow("Music", self.music_combo)
        self.music_combo.currentIndexChanged.connect(self.changed)

    def request_fields(self) -> dict[str, Any]:
        mode = self.music_combo.currentData()
        return {"instagram_music": {"mode": mode}} if mode else {}


class LinkedInSection(PlatformSection):
    """Who sees the LinkedIn post (`linkedin_options.visibility`)."""

    platform = "linkedin"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("LinkedIn", parent)
        self.setObjectName("linkedinSection")
        self.visibility_combo = QComboBox()
        self.visibility_combo.setObjectName("linkedinVisibility")
        for value, label in (
            ("public", "Anyone"),
            ("connections", "Connections only"),
            ("loggedin", "Signed-in LinkedIn members"),
        ):
            self.visibility_combo.addItem(label, value)
        form = QFormLayout(self)
        form.addRow("Visibility", self.visibility_combo)
        self.visibility_combo.currentIndexChanged.connect(self.changed)

    def request_fields(self) -> dict[str, Any]:
        return {"linkedin_options": LinkedInOptions(visibility=self.visibility_combo.currentData())}


def make_sections() -> dict[str, PlatformSection]:
    """One section per platform that has options of its own (Facebook and X take only the
    shared caption, title and media)."""
    sections: list[PlatformSection] = [
        TikTokSection(),
        YouTubeSection(),
        InstagramSection(),
        LinkedInSection(),
    ]
    return {s.platform: s for s in sections}
