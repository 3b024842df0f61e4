"""Publishing: TikTok pre-flight checks, schedule parsing, the duplicate guard and the service
that turns a request into exactly one tracked publish (``PublishService``)."""

from genpro_desktop.core.publishing.dedupe import (
    DEDUPE_SCHEME,
    dedupe_key,
    normalise_caption,
    normalise_media_url,
    normalise_schedule,
)
from genpro_desktop.core.publishing.schedule import (
    ScheduleError,
    format_utc,
    parse_schedule,
    zone_name,
)
from genpro_desktop.core.publishing.service import (
    SUPPORTED_PLATFORMS,
    DuplicatePublishError,
    PublishError,
    PublishHistory,
    PublishRequest,
    PublishService,
    PublishTracker,
    PublishValidationError,
    ResolvedSchedule,
    WallClock,
    resolve_schedule,
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
    "DEDUPE_SCHEME",
    "MIN_SCHEDULE_LEAD",
    "SUPPORTED_PLATFORMS",
    "TIKTOK_CAPTION_LIMIT",
    "DuplicatePublishError",
    "Issue",
    "PublishError",
    "PublishFields",
    "PublishForm",
    "PublishHistory",
    "PublishRequest",
    "PublishService",
    "PublishTracker",
    "PublishValidationError",
    "ResolvedSchedule",
    "ScheduleError",
    "ValidationReport",
    "WallClock",
    "dedupe_key",
    "format_utc",
    "normalise_caption",
    "normalise_media_url",
    "normalise_schedule",
    "parse_schedule",
    "resolve_schedule",
    "utf16_length",
    "validate_publish",
    "zone_name",
]
