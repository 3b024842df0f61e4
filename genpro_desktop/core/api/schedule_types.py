"""Tolerant models for GEN's schedule API (gen-api.md 11.1): requests, posts, platform rules.

Responses keep unknown fields (`model_extra`) and never fail on an unknown status: the raw
worker status is kept as GEN sent it, and `normalized_status` values we do not know become
`UNKNOWN`. Ids arrive as int or string and are kept as strings.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from genpro_desktop.core.api._coerce import (
    Id,
    ModelList,
    OptionalBool,
    OptionalId,
    OptionalInt,
    OptionalModel,
    Text,
    Timestamp,
)
from genpro_desktop.core.api.types import WireModel

Platform = Literal["tiktok", "instagram", "facebook", "youtube", "x", "linkedin"]
PLATFORMS: tuple[Platform, ...] = ("tiktok", "instagram", "facebook", "youtube", "x", "linkedin")
ScheduleType = Literal["now", "specific_time", "next_available"]
MediaType = Literal["VIDEO", "IMAGE", "REELS", "TWEET_VIDEO"]
TikTokPrivacy = Literal[
    "PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"
]
TIKTOK_PRIVACY_LEVELS: tuple[TikTokPrivacy, ...] = (
    "PUBLIC_TO_EVERYONE",
    "MUTUAL_FOLLOW_FRIENDS",
    "FOLLOWER_OF_CREATOR",
    "SELF_ONLY",
)


def _text_list(value: object) -> list[str] | None:
    """A list of strings from whatever GEN sent: scalars kept as text, objects by a name key."""
    if value is None:
        return None
    items = cast(list[object], value) if isinstance(value, list) else [value]
    found: list[str] = []
    for item in items:
        if isinstance(item, dict):
            named = cast(dict[str, object], item)
            item = named.get("platform") or named.get("url") or named.get("name")
        if isinstance(item, str | int) and not isinstance(item, bool):
            found.append(str(item))
    return found


TextList = Annotated[list[str] | None, BeforeValidator(_text_list)]


class NormalizedStatus(StrEnum):
    """A platform's progress: accepted -> publishing -> published | failed (else UNKNOWN)."""

    ACCEPTED = "accepted"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        """Published or failed: this platform will not change any more."""
        return self in (NormalizedStatus.PUBLISHED, NormalizedStatus.FAILED)

    @classmethod
    def parse(cls, value: object) -> NormalizedStatus:
        """The status for a raw value; anything unknown -> UNKNOWN (never an error)."""
        if isinstance(value, str):
            try:
                return cls(value.strip().lower())
            except ValueError:
                return cls.UNKNOWN
        return cls.UNKNOWN


def _normalise_status(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    fields = dict(cast(dict[str, Any], data))
    fields["normalized_status"] = NormalizedStatus.parse(fields.get("normalized_status"))
    return fields


class PostPlatformStatus(WireModel):
    """One platform's state within a scheduled post."""

    platform: Text = None
    status: Text = None  # the raw worker status, kept as sent
    normalized_status: NormalizedStatus = NormalizedStatus.UNKNOWN
    platform_post_id: OptionalId = None
    post_url: Text = None
    published_at: Timestamp = None
    error: Text = None
    error_code: Text = None
    failed_step: Text = None
    warning: Text = None
    scheduled_time: Text = None  # formatted with the X-Timezone-Offset, e.g. "... -07:00"
    platform_options: Any = None

    _normalise = model_validator(mode="before")(_normalise_status)


class SkippedPlatform(WireModel):
    """A platform left out of a non-strict post, and why."""

    platform: Text = None
    reason: Text = None


class ScheduledPost(WireModel):
    """`GET /schedule/post/{id}` (and each item of the list)."""

    id: Id
    agent_id: OptionalId = None
    status: Text = None  # raw, e.g. "scheduled" / "success"
    schedule_type: Text = None
    scheduled_time: Text = None
    media_type: Text = None
    media_url: Text = None
    media_urls: TextList = None
    description: Text = None
    title: Text = None
    thumbnail_url: Text = None
    platform_options: Any = None
    platforms_status: ModelList[PostPlatformStatus] = Field(
        default_factory=lambda: list[PostPlatformStatus]()
    )

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: Any) -> Any:
        if isinstance(data, dict):
            fields = cast(dict[str, Any], data)
            if "id" not in fields and "post_id" in fields:
                return {**fields, "id": fields["post_id"]}
        return cast(object, data)

    def platform(self, name: str) -> PostPlatformStatus | None:
        """The status entry for platform `name`, if GEN listed it."""
        return next((p for p in self.platforms_status if p.platform == name), None)

    @property
    def is_settled(self) -> bool:
        """True once every listed platform is published or failed (and at least one is listed)."""
        statuses = self.platforms_status
        return bool(statuses) and all(p.normalized_status.is_terminal for p in statuses)


class ScheduleCreated(WireModel):
    """`POST /schedule/with-post`: accepted and queued (asynchronous even for `now`)."""

    post_id: Id
    message: Text = None
    platforms: TextList = None
    platforms_status: ModelList[PostPlatformStatus] = Field(
        default_factory=lambda: list[PostPlatformStatus]()
    )
    platforms_skipped: ModelList[SkippedPlatform] = Field(
        default_factory=lambda: list[SkippedPlatform]()
    )
    status_url: Text = None
    idempotent_replay: OptionalBool = None
    post: OptionalModel[ScheduledPost] = None

    @model_validator(mode="before")
    @classmethod
    def _post_id(cls, data: Any) -> Any:
        if isinstance(data, dict):
            fields = cast(dict[str, Any], data)
            if fields.get("post_id") is None:
                post = fields.get("post")
                nested = cast(dict[str, Any], post).get("id") if isinstance(post, dict) else None
                if nested is not None:
                    return {**fields, "post_id": nested}
                if fields.get("id") is not None:
                    return {**fields, "post_id": fields["id"]}
        return cast(object, data)


class PlatformRule(WireModel):
    """One platform's live rules from `GET /schedule/platforms` (shape not fully documented).

    Every limit is optional; missing ones fall back to the built-in table in core/publishing.
    """

    platform: Text = None
    caption_limit: OptionalInt = None
    title_limit: OptionalInt = None
    title_required: OptionalBool = None
    max_media: OptionalInt = None
    max_hashtags: OptionalInt = None
    media_required: OptionalBool = None

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = dict(cast(dict[str, Any], data))
        aliases = {
            "platform": ("name", "id"),
            "caption_limit": ("max_caption_length", "description_limit", "caption_max"),
            "title_limit": ("max_title_length", "title_max"),
            "max_media": ("max_media_items", "media_max"),
            "max_hashtags": ("hashtag_limit", "max_hashtag_count"),
        }
        for target, sources in aliases.items():
            if fields.get(target) is None:
                for source in sources:
                    if fields.get(source) is not None:
                        fields[target] = fields[source]
                        break
        return fields


class PlatformRules(WireModel):
    """`GET /schedule/platforms`: `{platforms: [PublishPlatformRule]}` (or a bare list)."""

    platforms: ModelList[PlatformRule] = Field(default_factory=lambda: list[PlatformRule]())

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"platforms": cast(list[object], data)}
        if isinstance(data, dict):
            fields = cast(dict[str, Any], data)
            platforms = fields.get("platforms")
            if isinstance(platforms, dict):
                # {platforms: {tiktok: {...}}}: the name as the key.
                named = cast(dict[str, Any], platforms)
                return {
                    **fields,
                    "platforms": [
                        {"platform": k, **cast(dict[str, Any], v)}
                        for k, v in named.items()
                        if isinstance(v, dict)
                    ],
                }
        return cast(object, data)

    def get(self, platform: str) -> PlatformRule | None:
        """The rule for `platform`, if GEN listed it."""
        return next((r for r in self.platforms if r.platform == platform), None)


class UploadedAsset(WireModel):
    """`POST /social/upload_asset`: where the uploaded file can be fetched from."""

    url: Text = None
    cdn_url: Text = None
    asset_id: OptionalId = None
    content_resource_id: OptionalId = None
    asset_registered: OptionalBool = None

    @property
    def public_url(self) -> str | None:
        """The URL to pass as `media_url` / `thumbnail_url` (url, else cdn_url)."""
        return self.url or self.cdn_url


class ThreadSegment(BaseModel):
    """One tweet of an X thread (each at most 280 characters)."""

    model_config = ConfigDict(extra="forbid")

    text: str
    media_urls: list[str] | None = None


class YouTubeOptions(BaseModel):
    """`youtube_options`; unset fields are not sent (GEN's defaults apply)."""

    model_config = ConfigDict(extra="allow")

    visibility: Literal["public", "unlisted", "private"] | None = None
    shorts: bool | None = None
    tags: list[str] | None = None
    made_for_kids: bool | None = None
    notify_subscribers: bool | None = None
    category_id: int | str | None = None


class LinkedInOptions(BaseModel):
    """`linkedin_options`."""

    model_config = ConfigDict(extra="allow")

    visibility: Literal["public", "connections", "loggedin"] | None = None
    alt_text: list[str] | None = None


class SchedulePostRequest(BaseModel):
    """The body of `POST /schedule/with-post`; fields left as None are not sent.

    The client always sends `strict: true` unless told otherwise (recommended for API
    clients: a platform that cannot take the content is a 422, never a silent skip).
    """

    model_config = ConfigDict(extra="forbid")

    agent_id: str | None = None  # filled from the client's agent when left out
    platform: list[str]
    schedule_type: ScheduleType | None = None
    scheduled_time: str | None = None  # ISO-8601 UTC, in the future
    media_type: MediaType | None = None
    media_url: str | None = None
    media_urls: list[str] | None = None
    description: str | None = None
    title: str | None = None
    thumbnail_url: str | None = None
    thread: list[ThreadSegment] | None = None
    reply_to_tweet_id: str | None = None
    tiktok_privacy_level: TikTokPrivacy | None = None
    tiktok_disable_comment: bool | None = None
    tiktok_disable_duet: bool | None = None
    tiktok_disable_stitch: bool | None = None
    tiktok_disclose_commercial_content: bool | None = None
    tiktok_your_brand: bool | None = None
    tiktok_branded_content: bool | None = None
    instagram_music: dict[str, Any] | None = None
    youtube_options: YouTubeOptions | None = None
    linkedin_options: LinkedInOptions | None = None
    strict: bool = True

    def to_body(self) -> dict[str, Any]:
        """The JSON body: None fields dropped, `strict` always present."""
        body = self.model_dump(mode="json", exclude_none=True)
        body["strict"] = self.strict
        return body


class PostUpdate(BaseModel):
    """The body of `PATCH /schedule/post/{id}`: only the fields that change."""

    model_config = ConfigDict(extra="allow")

    platform: list[str] | None = None
    schedule_type: ScheduleType | None = None
    scheduled_time: str | None = None
    media_url: str | None = None
    media_urls: list[str] | None = None
    description: str | None = None
    title: str | None = None
    thumbnail_url: str | None = None
    tiktok_privacy_level: TikTokPrivacy | None = None
    youtube_options: YouTubeOptions | None = None
    linkedin_options: LinkedInOptions | None = None

    def to_body(self) -> dict[str, Any]:
        """Only the fields that were set."""
        return self.model_dump(mode="json", exclude_none=True)


_ACCOUNT_STATES_ON = frozenset({"connected", "active", "ok", "valid", "enabled", "linked"})
_ACCOUNT_STATES_OFF = frozenset(
    {"disconnected", "expired", "revoked", "inactive", "disabled", "error", "invalid"}
)


class ConnectedAccount(WireModel):
    """One social account of the agent, read tolerantly (the route is undocumented).

    `connected` is None when GEN lists the account without saying whether it works.
    """

    platform: Text = None
    handle: Text = None
    connected: OptionalBool = None

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = dict(cast(dict[str, Any], data))
        for source in ("platform", "provider", "network", "type", "social", "name"):
            value = fields.get(source)
            if isinstance(value, str) and value.strip().lower() in PLATFORMS:
                fields["platform"] = value.strip().lower()
                break
        if fields.get("handle") is None:
            for source in ("username", "account_name", "display_name", "screen_name"):
                if fields.get(source) is not None:
                    fields["handle"] = fields[source]
                    break
        if fields.get("connected") is None:
            for source in ("is_connected", "active", "is_active", "valid"):
                if isinstance(fields.get(source), bool):
                    fields["connected"] = fields[source]
                    break
            else:
                status = fields.get("status") or fields.get("state")
                if isinstance(status, str):
                    word = status.strip().lower()
                    if word in _ACCOUNT_STATES_ON:
                        fields["connected"] = True
                    elif word in _ACCOUNT_STATES_OFF:
                        fields["connected"] = False
        return fields


class ConnectedAccounts(WireModel):
    """The agent's connected social accounts: `{accounts: [...]}`, a bare list, or
    `{platforms: {tiktok: {...} | true}}`; entries naming no known platform are dropped."""

    accounts: ModelList[ConnectedAccount] = Field(default_factory=lambda: list[ConnectedAccount]())

    @model_validator(mode="before")
    @classmethod
    def _shapes(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"accounts": cast(list[object], data)}
        if not isinstance(data, dict):
            return data
        fields = cast(dict[str, Any], data)
        for key in ("accounts", "connected_accounts", "socials", "connections", "data"):
            value = fields.get(key)
            if isinstance(value, list):
                return {**fields, "accounts": cast(list[object], value)}
        for key in ("platforms", "accounts", "connected"):
            value = fields.get(key)
            if isinstance(value, dict):
                named = cast(dict[str, Any], value)
                items: list[dict[str, Any]] = []
                for name, entry in named.items():
                    if isinstance(entry, dict):
                        items.append({**cast(dict[str, Any], entry), "platform": name})
                    elif isinstance(entry, bool):
                        items.append({"platform": name, "connected": entry})
                return {**fields, "accounts": items}
        return cast(object, data)

    @property
    def known(self) -> list[ConnectedAccount]:
        """The accounts naming one of GEN's platforms."""
        return [a for a in self.accounts if a.platform in PLATFORMS]

    def connected_platforms(self) -> list[str]:
        """Platforms with an account GEN does not call disconnected, in GEN's platform order."""
        names = {a.platform for a in self.known if a.connected is not False}
        return [p for p in PLATFORMS if p in names]
