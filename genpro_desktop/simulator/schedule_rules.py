"""The schedule API's platform rules and request validation (gen-api.md 11.1), as GEN checks them.

`validate_post` returns the problems of a `POST /schedule/with-post` (or a PATCH merged onto a
post) as `(platform | None, field, message)`; a problem without a platform is about the whole
request. The route turns them into GEN's 422 `detail` wrapper, or skips platforms (strict false).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlsplit

from genpro_desktop.simulator.publish import parse_utc

PLATFORMS = ("tiktok", "instagram", "facebook", "youtube", "x", "linkedin")
LABELS = {
    "tiktok": "TikTok",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "youtube": "YouTube",
    "x": "X",
    "linkedin": "LinkedIn",
}
SCHEDULE_TYPES = ("now", "specific_time", "next_available")
MEDIA_TYPES = ("VIDEO", "IMAGE", "REELS", "TWEET_VIDEO")
PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
TWEET_LIMIT = 280
YOUTUBE_TAGS_TOTAL = 400
IDEMPOTENCY_KEY_MAX = 128
_HASHTAG = re.compile(r"(?<!\w)#\w+")


@dataclass(frozen=True)
class Rule:
    """One platform's limits (the per-platform table of gen-api.md 11.1)."""

    platform: str
    caption_limit: int
    title_limit: int | None
    title_required: bool
    max_media: int
    media_required: bool
    max_hashtags: int | None = None
    min_carousel: int | None = None

    def wire(self) -> dict[str, Any]:
        """How `GET /schedule/platforms` lists it (field names: ours, shape unconfirmed)."""
        return {
            "platform": self.platform,
            "label": LABELS[self.platform],
            "caption_limit": self.caption_limit,
            "title_limit": self.title_limit,
            "title_required": self.title_required,
            "max_media": self.max_media,
            "media_required": self.media_required,
            "max_hashtags": self.max_hashtags,
        }


RULES: dict[str, Rule] = {
    "tiktok": Rule("tiktok", 2200, None, False, 1, True),
    "instagram": Rule("instagram", 2200, None, False, 10, True, max_hashtags=30, min_carousel=2),
    "facebook": Rule("facebook", 63206, 255, False, 1, True),
    "youtube": Rule("youtube", 5000, 100, True, 1, True),
    "x": Rule("x", TWEET_LIMIT, None, False, 4, False),
    "linkedin": Rule("linkedin", 3000, 400, False, 9, False),
}

Problem = tuple[str | None, str, str]


def _http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _bool_or_none(body: dict[str, Any], name: str) -> list[Problem]:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        return [(None, name, f"{name} must be true or false")]
    return []


def validate_request(body: dict[str, Any], now: datetime) -> list[Problem]:
    """Problems with the request as a whole (no platform named)."""
    problems: list[Problem] = []
    platforms = body.get("platform")
    if not isinstance(platforms, list) or not platforms:
        problems.append((None, "platform", "platform must list at least one platform"))
    else:
        for name in cast(list[object], platforms):
            if name not in PLATFORMS:
                problems.append(
                    (None, "platform", f"Unsupported platform {name!r}; use one of {PLATFORMS}")
                )
    schedule_type = body.get("schedule_type", "next_available")
    if schedule_type not in SCHEDULE_TYPES:
        problems.append(
            (None, "schedule_type", "schedule_type must be now, specific_time or next_available")
        )
    elif schedule_type == "specific_time":
        value = body.get("scheduled_time")
        moment = parse_utc(value) if isinstance(value, str) else None
        if not isinstance(value, str) or not value:
            problems.append(
                (None, "scheduled_time", "scheduled_time is required for specific_time")
            )
        elif moment is None:
            problems.append((None, "scheduled_time", "scheduled_time must be ISO-8601 UTC"))
        elif moment <= now:
            problems.append((None, "scheduled_time", "scheduled_time must be in the future"))
    if body.get("media_type", "VIDEO") not in MEDIA_TYPES:
        problems.append((None, "media_type", f"media_type must be one of {MEDIA_TYPES}"))
    for name in ("media_url", "thumbnail_url"):
        if body.get(name) is not None and not _http_url(body[name]):
            problems.append((None, name, f"{name} must be an http(s) URL"))
    urls = body.get("media_urls")
    if urls is not None and (
        not isinstance(urls, list) or not all(_http_url(u) for u in cast(list[object], urls))
    ):
        problems.append((None, "media_urls", "media_urls must be a list of http(s) URLs"))
    for name in ("description", "title"):
        if body.get(name) is not None and not isinstance(body[name], str):
            problems.append((None, name, f"{name} must be a string"))
    for name in (
        "tiktok_disable_comment",
        "tiktok_disable_duet",
        "tiktok_disable_stitch",
        "tiktok_disclose_commercial_content",
        "tiktok_your_brand",
        "tiktok_branded_content",
        "strict",
    ):
        problems += _bool_or_none(body, name)
    return problems


def validate_platform(platform: str, body: dict[str, Any]) -> list[Problem]:
    """What `platform`'s rules refuse in `body`."""
    rule = RULES[platform]
    label = LABELS[platform]
    problems: list[Problem] = []

    def refuse(field: str, message: str) -> None:
        problems.append((platform, field, message))

    description = body.get("description") if isinstance(body.get("description"), str) else None
    title = body.get("title") if isinstance(body.get("title"), str) else None
    media_url = body.get("media_url")
    extra = body.get("media_urls") if isinstance(body.get("media_urls"), list) else []
    media_count = (1 if media_url else 0) + len(cast(list[object], extra))
    thread = body.get("thread")
    if rule.media_required and not media_url:
        refuse("media_url", f"{label} needs a media_url")
    if not rule.media_required and not media_count and not description and not thread:
        refuse("description", f"{label} needs a description for a text-only post")
    if media_count > rule.max_media:
        refuse("media_urls", f"{label} takes at most {rule.max_media} media items")
    if rule.min_carousel and 1 < media_count < rule.min_carousel:
        refuse("media_urls", f"An {label} carousel needs {rule.min_carousel} to 10 items")
    if description is not None and len(description) > rule.caption_limit:
        refuse(
            "description",
            f"{label} captions are limited to {rule.caption_limit} characters "
            f"({len(description)} given)",
        )
    if rule.max_hashtags is not None and description is not None:
        count = len(_HASHTAG.findall(description))
        if count > rule.max_hashtags:
            refuse("description", f"{label} allows at most {rule.max_hashtags} hashtags ({count})")
    if rule.title_required and not (title or "").strip():
        refuse("title", f"{label} requires a title")
    if rule.title_limit is not None and title is not None and len(title) > rule.title_limit:
        refuse("title", f"{label} titles are limited to {rule.title_limit} characters")
    if platform == "x":
        problems += _x(thread)
    if platform == "tiktok":
        problems += _tiktok(body)
    if platform == "youtube":
        problems += _youtube(body.get("youtube_options"))
    if platform == "linkedin":
        options = body.get("linkedin_options")
        if isinstance(options, dict):
            visibility = cast(dict[str, Any], options).get("visibility")
            if visibility is not None and visibility not in ("public", "connections", "loggedin"):
                refuse(
                    "linkedin_options.visibility",
                    "LinkedIn visibility must be public, connections or loggedin",
                )
    return problems


def _x(thread: object) -> list[Problem]:
    if thread is None:
        return []
    if not isinstance(thread, list):
        return [("x", "thread", "thread must be a list of {text, media_urls}")]
    problems: list[Problem] = []
    for index, segment in enumerate(cast(list[object], thread)):
        text = cast(dict[str, Any], segment).get("text") if isinstance(segment, dict) else None
        if not isinstance(text, str) or not text:
            problems.append(("x", f"thread.{index}.text", "Each thread segment needs text"))
        elif len(text) > TWEET_LIMIT:
            problems.append(
                ("x", f"thread.{index}.text", f"Each tweet is limited to {TWEET_LIMIT} characters")
            )
    return problems


def _tiktok(body: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    privacy = body.get("tiktok_privacy_level")
    if privacy is None:
        problems.append(("tiktok", "tiktok_privacy_level", "TikTok requires a privacy level"))
    elif privacy not in PRIVACY_LEVELS:
        problems.append(
            (
                "tiktok",
                "tiktok_privacy_level",
                f"tiktok_privacy_level must be one of {PRIVACY_LEVELS}",
            )
        )
    disclose = body.get("tiktok_disclose_commercial_content") is True
    brand = body.get("tiktok_your_brand") is True
    branded = body.get("tiktok_branded_content") is True
    if disclose and not (brand or branded):
        problems.append(
            (
                "tiktok",
                "tiktok_disclose_commercial_content",
                "Commercial content disclosure needs Your brand or Branded content",
            )
        )
    if branded and privacy == "SELF_ONLY":
        problems.append(
            (
                "tiktok",
                "tiktok_privacy_level",
                "Branded content visibility cannot be set to private.",
            )
        )
    return problems


def _youtube(options: object) -> list[Problem]:
    if options is None:
        return []
    if not isinstance(options, dict):
        return [("youtube", "youtube_options", "youtube_options must be an object")]
    fields = cast(dict[str, Any], options)
    problems: list[Problem] = []
    visibility = fields.get("visibility")
    if visibility is not None and visibility not in ("public", "unlisted", "private"):
        problems.append(
            (
                "youtube",
                "youtube_options.visibility",
                "YouTube visibility must be public, unlisted or private",
            )
        )
    tags = fields.get("tags")
    if tags is not None:
        items = cast(list[object], tags) if isinstance(tags, list) else None
        if items is None or not all(isinstance(t, str) and len(t) >= 2 for t in items):
            problems.append(
                ("youtube", "youtube_options.tags", "Each YouTube tag needs at least 2 characters")
            )
        elif sum(len(cast(str, t)) for t in items) > YOUTUBE_TAGS_TOTAL:
            problems.append(
                (
                    "youtube",
                    "youtube_options.tags",
                    f"YouTube tags are limited to {YOUTUBE_TAGS_TOTAL} characters in total",
                )
            )
    return problems


def thumbnail_warning(platform: str, body: dict[str, Any]) -> str | None:
    """YouTube uploads `thumbnail_url` (https, .jpg/.jpeg/.png); a bad one is only a warning."""
    url = body.get("thumbnail_url")
    if platform != "youtube" or not isinstance(url, str):
        return None
    parts = urlsplit(url)
    if parts.scheme != "https":
        return "thumbnail_failed: YouTube only fetches thumbnails over https"
    if not parts.path.lower().endswith((".jpg", ".jpeg", ".png")):
        return "thumbnail_failed: YouTube thumbnails must be .jpg, .jpeg or .png"
    return None
