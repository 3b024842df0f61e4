"""Publishing helpers that need no network: TikTok pre-flight checks and schedule parsing."""

from genpro_desktop.core.publishing.schedule import (
    ScheduleError,
    format_utc,
    parse_schedule,
    zone_name,
)
from genpro_desktop.core.publishing.validation import (
    MIN_SCHEDULE_LEAD,
    TIKTOK_CAPTION_LIMIT,
    Issue,
    PublishFields,
    PublishForm,
    ValidationReport,
    utf16_length,
    validate_publish,
)

__all__ = [
    "MIN_SCHEDULE_LEAD",
    "TIKTOK_CAPTION_LIMIT",
    "Issue",
    "PublishFields",
    "PublishForm",
    "ScheduleError",
    "ValidationReport",
    "format_utc",
    "parse_schedule",
    "utf16_length",
    "validate_publish",
    "zone_name",
]
