"""Multi-platform pre-flight checks for the schedule API, run before any request (Qt-free).

Text rules come from GEN's live rules (`GET /schedule/platforms`) when the client has them,
and from the built-in table of gen-api.md 11.1 otherwise (`RuleBook.builtin()`):

| platform  | caption | title          | media                 | other                      |
|-----------|---------|----------------|-----------------------|----------------------------|
| tiktok    | 2,200   | ignored        | 1 (required)          | privacy level required     |
| instagram | 2,200   | ignored        | 1-10 (required)       | at most 30 hashtags        |
| facebook  | 63,206  | 255            | 1 (required)          |                            |
| youtube   | 5,000   | 100, required  | 1 (required)          | tags >= 2 chars, 400 total |
| x         | 280     | ignored        | up to 4               | 280 per thread segment     |
| linkedin  | 3,000   | 400            | up to 9               |                            |

Shared text must fit the strictest chosen platform: each platform that refuses it is an error
naming that platform. Lengths are counted in UTF-16 code units (TikTok's count; the strictest
reading for the others). TikTok Direct Post rules (publishing-research.md section 2.1): a
privacy level is required and never defaulted; commercial disclosure needs Your brand and/or
Branded content; branded content cannot be private.

Video checks (`check_video`) compare a probed local file with each platform's video limits.
TikTok's limits are documented (publishing-research.md 2.2) and block; the other platforms'
numbers are their published guidance, not confirmed through GEN, so they only warn.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from genpro_desktop.core.api.schedule_types import (
    TIKTOK_PRIVACY_LEVELS,
    PlatformRules,
    SchedulePostRequest,
    ThreadSegment,
    YouTubeOptions,
)
from genpro_desktop.core.jobs.view import PLATFORM_LABELS
from genpro_desktop.core.publishing.media_probe import VideoInfo
from genpro_desktop.core.publishing.schedule import format_utc
from genpro_desktop.core.publishing.validation import (
    TIKTOK_CAPTION_LIMIT,
    Issue,
    ValidationReport,
    check_schedule,
    utf16_length,
)

LABELS: Mapping[str, str] = PLATFORM_LABELS
TWEET_LIMIT = 280
YOUTUBE_TAGS_TOTAL = 400
_HASHTAG = re.compile(r"(?<!\w)#\w+")


@dataclass(frozen=True)
class VideoLimits:
    """A platform's limits for one video; `blocking` False turns violations into warnings."""

    min_duration_s: float | None = None
    max_duration_s: float | None = None
    max_bytes: int | None = None
    min_side_px: int | None = None
    max_side_px: int | None = None
    min_fps: float | None = None
    max_fps: float | None = None
    codecs: frozenset[str] = frozenset()
    min_aspect: float | None = None  # width / height
    max_aspect: float | None = None
    blocking: bool = True


@dataclass(frozen=True)
class PlatformRule:
    """One platform's text, media and video rules."""

    platform: str
    caption_limit: int
    title_limit: int | None
    title_required: bool
    max_media: int
    media_required: bool
    max_hashtags: int | None = None
    video: VideoLimits = field(default_factory=VideoLimits)

    @property
    def label(self) -> str:
        """The platform's display name."""
        return LABELS.get(self.platform, self.platform)


_GB = 1024**3
_MB = 1024**2
_H264_HEVC = frozenset({"h264", "hevc"})

BUILTIN_RULES: Mapping[str, PlatformRule] = {
    # publishing-research.md 2.2: MP4/WebM/MOV, H.264/H.265/VP8/VP9, 23-60 fps, 360-4096 px,
    # <= 4 GB, 3 s to 10 min (the creator's own cap may be lower).
    "tiktok": PlatformRule(
        "tiktok",
        TIKTOK_CAPTION_LIMIT,
        None,
        False,
        1,
        True,
        video=VideoLimits(
            3,
            600,
            4 * _GB,
            360,
            4096,
            23,
            60,
            frozenset({"h264", "hevc", "vp8", "vp9"}),
        ),
    ),
    # Instagram Reels guidance (unconfirmed through GEN): 3 s-15 min, 1 GB, 23-60 fps.
    "instagram": PlatformRule(
        "instagram",
        2200,
        None,
        False,
        10,
        True,
        max_hashtags=30,
        video=VideoLimits(3, 900, _GB, None, 1920, 23, 60, _H264_HEVC, 0.01, 10, blocking=False),
    ),
    "facebook": PlatformRule(
        "facebook",
        63206,
        255,
        False,
        1,
        True,
        video=VideoLimits(1, 4 * 3600, 4 * _GB, None, None, None, 60, blocking=False),
    ),
    "youtube": PlatformRule(
        "youtube",
        5000,
        100,
        True,
        1,
        True,
        video=VideoLimits(1, 12 * 3600, 256 * _GB, None, None, None, 60, blocking=False),
    ),
    # X media guidance: 0.5-140 s, 512 MB, <= 1920 px, <= 60 fps, H.264.
    "x": PlatformRule(
        "x",
        TWEET_LIMIT,
        None,
        False,
        4,
        False,
        video=VideoLimits(
            0.5, 140, 512 * _MB, 32, 1920, None, 60, frozenset({"h264"}), 1 / 3, 3, blocking=False
        ),
    ),
    "linkedin": PlatformRule(
        "linkedin",
        3000,
        400,
        False,
        9,
        False,
        video=VideoLimits(3, 30 * 60, 5 * _GB, 256, 4096, 10, 60, blocking=False),
    ),
}


@dataclass(frozen=True)
class RuleBook:
    """The rules in force: GEN's live ones merged over the built-in table."""

    rules: Mapping[str, PlatformRule]
    live: bool = False

    @classmethod
    def builtin(cls) -> RuleBook:
        """The documented table (gen-api.md 11.1), used when GEN's rules are not available."""
        return cls(dict(BUILTIN_RULES))

    @classmethod
    def from_live(cls, live: PlatformRules) -> RuleBook:
        """GEN's live rules; any limit GEN does not state keeps its built-in value."""
        merged = dict(BUILTIN_RULES)
        for item in live.platforms:
            name = item.platform
            if name is None:
                continue
            base = merged.get(name) or PlatformRule(name, 2200, None, False, 1, False)
            merged[name] = replace(
                base,
                caption_limit=_positive(item.caption_limit, base.caption_limit),
                title_limit=_positive(item.title_limit, base.title_limit),
                title_required=(
                    base.title_required if item.title_required is None else item.title_required
                ),
                max_media=_positive(item.max_media, base.max_media),
                media_required=(
                    base.media_required if item.media_required is None else item.media_required
                ),
                max_hashtags=_positive(item.max_hashtags, base.max_hashtags),
            )
        return cls(merged, live=True)

    def get(self, platform: str) -> PlatformRule | None:
        """The rule for `platform`, or None for a platform GEN does not list."""
        return self.rules.get(platform)


def _positive(value: int | None, fallback: Any) -> Any:
    return value if value is not None and value > 0 else fallback


@dataclass(frozen=True)
class TikTokSettings:
    """TikTok Direct Post choices; nothing is pre-selected (TikTok's UX rules 2b, 2c, 3a)."""

    privacy_level: str | None = None  # never defaulted: the user must pick one
    allow_comment: bool = False
    allow_duet: bool = False
    allow_stitch: bool = False
    disclose_commercial: bool = False
    your_brand: bool = False
    branded_content: bool = False

    def request_fields(self) -> dict[str, Any]:
        """The `tiktok_*` fields of the request (GEN's polarity is "disable")."""
        return {
            "tiktok_privacy_level": self.privacy_level,
            "tiktok_disable_comment": not self.allow_comment,
            "tiktok_disable_duet": not self.allow_duet,
            "tiktok_disable_stitch": not self.allow_stitch,
            "tiktok_disclose_commercial_content": self.disclose_commercial,
            "tiktok_your_brand": self.disclose_commercial and self.your_brand,
            "tiktok_branded_content": self.disclose_commercial and self.branded_content,
        }


@dataclass(frozen=True)
class PostDraft:
    """What the user wants to post, before it becomes a `SchedulePostRequest`."""

    platforms: Sequence[str]
    description: str = ""
    title: str | None = None
    media_url: str | None = None
    has_local_media: bool = False  # a local file that will be uploaded first
    extra_media_urls: Sequence[str] = ()
    thumbnail_url: str | None = None
    scheduled_time: datetime | None = None  # None: now or next_available
    thread: Sequence[str] = ()
    tiktok: TikTokSettings = field(default_factory=TikTokSettings)
    youtube: YouTubeOptions | None = None

    def to_request(
        self, *, agent_id: str | None = None, next_available: bool = False
    ) -> SchedulePostRequest:
        """The request body (strict), once `validate_post` found no errors."""
        schedule_type = "specific_time" if self.scheduled_time is not None else "now"
        if self.scheduled_time is None and next_available:
            schedule_type = "next_available"
        fields: dict[str, Any] = {}
        if "tiktok" in self.platforms:
            fields.update(self.tiktok.request_fields())
        return SchedulePostRequest(
            agent_id=agent_id,
            platform=list(self.platforms),
            schedule_type=schedule_type,
            scheduled_time=(
                None if self.scheduled_time is None else format_utc(self.scheduled_time)
            ),
            media_url=self.media_url,
            media_urls=list(self.extra_media_urls) or None,
            description=self.description or None,
            title=self.title or None,
            thumbnail_url=self.thumbnail_url,
            thread=[ThreadSegment(text=t) for t in self.thread] or None,
            youtube_options=self.youtube if "youtube" in self.platforms else None,
            **fields,
        )


def validate_post(
    draft: PostDraft, now: datetime, rules: RuleBook | None = None
) -> ValidationReport:
    """Every rule of every chosen platform, checked before anything is sent to GEN."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    book = rules or RuleBook.builtin()
    report = ValidationReport()
    chosen = list(dict.fromkeys(draft.platforms))
    if not chosen:
        report.errors.append(Issue("platform", "required", "Choose at least one platform."))
    for name in chosen:
        rule = book.get(name)
        if rule is None:
            report.errors.append(
                Issue("platform", "unsupported", f"GEN cannot post to {name!r}.", name)
            )
            continue
        _check_text(draft, rule, report)
        _check_media(draft, rule, report)
        if name == "tiktok":
            _check_tiktok(draft.tiktok, report)
        if name == "youtube":
            _check_youtube(draft, report)
        if name == "x":
            _check_thread(draft.thread, report)
    if draft.scheduled_time is not None:
        check_schedule(draft.scheduled_time, now, report)
    return report


def strictest(platforms: Iterable[str], rules: RuleBook | None = None) -> PlatformRule | None:
    """The chosen platform with the smallest caption limit (what shared text must fit)."""
    book = rules or RuleBook.builtin()
    found = [r for p in platforms if (r := book.get(p)) is not None]
    return min(found, key=lambda r: r.caption_limit, default=None)


def _check_text(draft: PostDraft, rule: PlatformRule, report: ValidationReport) -> None:
    name, label = rule.platform, rule.label
    caption = draft.description
    length = utf16_length(caption)
    text_only = not rule.media_required and not draft.media_url and not draft.has_local_media
    if text_only and not caption.strip() and not draft.thread:
        report.errors.append(
            Issue("description", "required", f"{label} needs text for a post without media.", name)
        )
    if length > rule.caption_limit and not (name == "x" and draft.thread):
        shared = len(set(draft.platforms)) > 1
        report.errors.append(
            Issue(
                "description",
                "too_long",
                f"The caption is {length:,} characters; {label} allows {rule.caption_limit:,}."
                + (" Shared text must fit the strictest platform you chose." if shared else ""),
                name,
            )
        )
    if rule.max_hashtags is not None:
        count = len(_HASHTAG.findall(caption))
        if count > rule.max_hashtags:
            report.errors.append(
                Issue(
                    "description",
                    "too_many_hashtags",
                    f"{label} allows at most {rule.max_hashtags} hashtags; "
                    f"the caption has {count}.",
                    name,
                )
            )
    title = (draft.title or "").strip()
    if rule.title_required and not title:
        report.errors.append(Issue("title", "required", f"{label} requires a title.", name))
    if rule.title_limit is None:
        if title:
            report.warnings.append(
                Issue("title", "title_ignored", f"{label} does not use the title.", name)
            )
    elif utf16_length(title) > rule.title_limit:
        report.errors.append(
            Issue(
                "title",
                "too_long",
                f"The title is {utf16_length(title):,} characters; {label} allows "
                f"{rule.title_limit:,}.",
                name,
            )
        )


def _check_media(draft: PostDraft, rule: PlatformRule, report: ValidationReport) -> None:
    name, label = rule.platform, rule.label
    has_first = bool(draft.media_url) or draft.has_local_media
    count = (1 if has_first else 0) + len(draft.extra_media_urls)
    if rule.media_required and not has_first:
        report.errors.append(Issue("media_url", "required", f"{label} needs a video.", name))
    if count > rule.max_media:
        report.errors.append(
            Issue(
                "media_urls",
                "too_many_media",
                f"{label} takes at most {rule.max_media} media items ({count} chosen).",
                name,
            )
        )
    for field_name, url in (("media_url", draft.media_url), ("thumbnail_url", draft.thumbnail_url)):
        if url and urlsplit(url).scheme.lower() not in ("http", "https"):
            report.errors.append(
                Issue(field_name, "invalid_url", "Media must be an http:// or https:// link.", name)
            )


def _check_tiktok(settings: TikTokSettings, report: ValidationReport) -> None:
    field_name = "tiktok_privacy_level"
    if settings.privacy_level is None:
        report.errors.append(
            Issue(field_name, "required", "Choose who can see the TikTok post.", "tiktok")
        )
    elif settings.privacy_level not in TIKTOK_PRIVACY_LEVELS:
        report.errors.append(
            Issue(
                field_name,
                "invalid",
                f"{settings.privacy_level!r} is not a TikTok privacy level.",
                "tiktok",
            )
        )
    if settings.disclose_commercial and not (settings.your_brand or settings.branded_content):
        report.errors.append(
            Issue(
                "tiktok_disclose_commercial_content",
                "disclosure_incomplete",
                "Commercial content disclosure is on: choose Your brand, Branded content or both.",
                "tiktok",
            )
        )
    branded = settings.disclose_commercial and settings.branded_content
    if branded and settings.privacy_level == "SELF_ONLY":
        report.errors.append(
            Issue(
                field_name,
                "branded_private",
                "Branded content visibility cannot be set to private.",
                "tiktok",
            )
        )


def _check_youtube(draft: PostDraft, report: ValidationReport) -> None:
    tags = (draft.youtube.tags if draft.youtube is not None else None) or []
    if any(len(tag.strip()) < 2 for tag in tags):
        report.errors.append(
            Issue(
                "youtube_options.tags",
                "tag_too_short",
                "Each YouTube tag needs at least 2 characters.",
                "youtube",
            )
        )
    if sum(len(tag) for tag in tags) > YOUTUBE_TAGS_TOTAL:
        report.errors.append(
            Issue(
                "youtube_options.tags",
                "tags_too_long",
                f"YouTube tags are limited to {YOUTUBE_TAGS_TOTAL} characters in total.",
                "youtube",
            )
        )
    url = draft.thumbnail_url
    if url:
        parts = urlsplit(url)
        if parts.scheme.lower() != "https" or not parts.path.lower().endswith(
            (".jpg", ".jpeg", ".png")
        ):
            report.warnings.append(
                Issue(
                    "thumbnail_url",
                    "thumbnail_unusable",
                    "YouTube only takes an https .jpg/.jpeg/.png cover under 2 MB; "
                    "it will make its own.",
                    "youtube",
                )
            )


def _check_thread(thread: Sequence[str], report: ValidationReport) -> None:
    for index, text in enumerate(thread):
        length = utf16_length(text)
        if not text.strip() or length > TWEET_LIMIT:
            report.errors.append(
                Issue(
                    f"thread.{index}.text",
                    "tweet_length",
                    f"Tweet {index + 1} has {length} characters; each must have 1 to "
                    f"{TWEET_LIMIT}.",
                    "x",
                )
            )


def check_video(
    info: VideoInfo, platforms: Iterable[str], rules: RuleBook | None = None
) -> ValidationReport:
    """A probed local video against each chosen platform's video limits."""
    book = rules or RuleBook.builtin()
    report = ValidationReport()
    for name in dict.fromkeys(platforms):
        rule = book.get(name)
        if rule is not None:
            _check_one_video(info, rule, report)
    return report


def _check_one_video(info: VideoInfo, rule: PlatformRule, report: ValidationReport) -> None:
    limits = rule.video
    label = rule.label
    found: list[tuple[str, str]] = []

    def bound(
        code: str,
        value: float | None,
        limit: float | None,
        at_least: bool,
        say: Callable[[float, float], str],
    ) -> None:
        """An issue `code` when `value` is under (`at_least`) or over `limit`, worded by `say`
        from the limit and the value; no issue where either is unknown."""
        if value is None or limit is None:
            return
        if (value < limit) if at_least else (value > limit):
            found.append((code, say(limit, value)))

    bound(
        "too_short",
        info.duration_s,
        limits.min_duration_s,
        True,
        lambda least, seconds: (
            f"{label} needs at least {least:g} s (the video is {seconds:.1f} s)."
        ),
    )
    bound(
        "too_long",
        info.duration_s,
        limits.max_duration_s,
        False,
        lambda most, seconds: (
            f"{label} takes at most {most / 60:g} min (the video is {seconds / 60:.1f} min)."
        ),
    )
    bound(
        "too_big",
        info.size_bytes,
        limits.max_bytes,
        False,
        lambda most, size: (
            f"{label} takes files up to {most / _MB:,.0f} MB (this one is {size / _MB:,.0f} MB)."
        ),
    )
    if info.width and info.height:
        short, long = sorted((info.width, info.height))
        picture = f"{info.width}x{info.height}"
        bound(
            "resolution_too_low",
            short,
            limits.min_side_px,
            True,
            lambda least, _: (
                f"{label} needs at least {least} px per side (the video is {picture})."
            ),
        )
        bound(
            "resolution_too_high",
            long,
            limits.max_side_px,
            False,
            lambda most, _: f"{label} takes at most {most} px per side (the video is {picture}).",
        )
        aspect = info.width / info.height
        if (limits.min_aspect is not None and aspect < limits.min_aspect) or (
            limits.max_aspect is not None and aspect > limits.max_aspect
        ):
            found.append(("aspect_ratio", f"{label} does not take a {picture} picture."))
    bound(
        "frame_rate",
        info.fps,
        limits.min_fps,
        True,
        lambda least, fps: f"{label} needs at least {least:g} fps (the video has {fps:.3g}).",
    )
    bound(
        "frame_rate",
        info.fps,
        limits.max_fps,
        False,
        lambda most, fps: f"{label} takes at most {most:g} fps (the video has {fps:.3g}).",
    )
    if limits.codecs and info.codec is not None and info.codec not in limits.codecs:
        wanted = ", ".join(sorted(limits.codecs))
        found.append(("codec", f"{label} takes {wanted} video, not {info.codec}."))
    target = report.errors if limits.blocking else report.warnings
    target.extend(Issue("media", code, message, rule.platform) for code, message in found)
    if rule.platform == "tiktok" and info.width and info.height and info.width >= info.height:
        report.warnings.append(
            Issue("media", "not_vertical", "TikTok shows vertical (9:16) video best.", "tiktok")
        )
