"""Validation of the legacy `publish_content` user job, as documented in gen-api.md 11.2."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

TIKTOK_CAPTION_LIMIT = 2200
PLATFORMS = frozenset({"tiktok"})
SCHEDULE_TYPES = frozenset({"now", "scheduled"})
MEDIA_TYPES = frozenset({"VIDEO", "IMAGE"})


def utf16_units(text: str) -> int:
    """Length in UTF-16 code units (how TikTok counts caption characters)."""
    return len(text.encode("utf-16-le")) // 2


def _http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def parse_utc(value: str) -> datetime | None:
    """Parse an ISO-8601 time that states UTC (Z or +00:00); None when it does not."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() != UTC.utcoffset(None):
        return None
    return moment.astimezone(UTC)


def validate_publish_data(raw: Any, now: datetime) -> tuple[dict[str, Any], list[str]]:
    """Decode and check `data`; returns the decoded object and a list of problems."""
    if not isinstance(raw, str):
        return {}, ["data must be a JSON-encoded string, not " + type(raw).__name__]
    try:
        data = json.loads(raw)
    except ValueError:
        return {}, ["data is not valid JSON"]
    if not isinstance(data, dict):
        return {}, ["data must encode a JSON object"]
    errors: list[str] = []
    platform = data.get("platform")
    if platform not in PLATFORMS:
        errors.append(f"platform {platform!r} is not supported (only tiktok)")
    if not _http_url(data.get("media_url")):
        errors.append("media_url must be an http(s) URL")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        errors.append("description is required")
    elif (units := utf16_units(description)) > TIKTOK_CAPTION_LIMIT:
        errors.append(f"description is too long ({units}/{TIKTOK_CAPTION_LIMIT})")
    if "title" in data and not isinstance(data["title"], str):
        errors.append("title must be a string")
    if data.get("media_type", "VIDEO") not in MEDIA_TYPES:
        errors.append("media_type must be VIDEO or IMAGE")
    if data.get("thumbnail_url") is not None and not _http_url(data["thumbnail_url"]):
        errors.append("thumbnail_url must be an http(s) URL")
    offset = data.get("timezone_offset")
    if offset is not None and (isinstance(offset, bool) or not isinstance(offset, int)):
        errors.append("timezone_offset must be an integer number of minutes")
    schedule_type = data.get("schedule_type")
    if schedule_type not in SCHEDULE_TYPES:
        errors.append("schedule_type must be 'now' or 'scheduled'")
    elif schedule_type == "scheduled":
        errors.extend(_check_schedule(data.get("scheduled_time"), now))
    return data, errors


def _check_schedule(value: Any, now: datetime) -> list[str]:
    if not isinstance(value, str) or not value:
        return ["scheduled_time is required when schedule_type is 'scheduled'"]
    moment = parse_utc(value)
    if moment is None:
        return ["scheduled_time must be an ISO-8601 time in UTC"]
    if moment <= now:
        return ["scheduled_time must be in the future"]
    return []
