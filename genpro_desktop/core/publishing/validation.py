"""Pre-flight checks for a TikTok publish, run before anything is sent to GEN.

Pure functions: the clock (``now``) and the time zone are always passed in. Every limit below
cites where it comes from; a rule without a documented number is at most a warning.

- Caption: at most 2,200 UTF-16 code units (TikTok Direct Post reference, mission-anchors.md
  section 5; GEN's docs say "~2,200 chars", gen-api.md 11.2). Emoji outside the BMP count 2.
- Description is required (gen-api.md 11.2: ``description`` is "yes" required).
- ``media_url`` must be a public URL GEN can fetch at post time (gen-api.md 11.2); TikTok pulls
  media over HTTPS only (mission-anchors.md section 5, "Pull from URL"), so http:// is a warning.
- ``scheduled_time`` must be in the future (gen-api.md 3.5 and 11.2). We also want at least
  ``MIN_SCHEDULE_LEAD`` ahead, our own margin for clock skew and request latency.
- TikTok ignores ``title`` (gen-api.md 11.1 per-platform table): a warning, not an error.
- Caption and URLs are refused when they carry control characters (NUL, ESC, DEL, C1, a bare
  CR ...): they are never what the user meant and a terminal or log would show them garbled.
  Line breaks and tabs in a caption are fine. URLs must not contain whitespace or CR/LF, nor a
  user name or password (``https://user:pass@host``: GEN would pass the credentials on).
- No maximum scheduling horizon and no hashtag limit are documented for TikTok, so none is
  enforced.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from genpro_desktop.core.publishing.schedule import ScheduleError, format_utc, parse_schedule

TIKTOK_CAPTION_LIMIT = 2200
MIN_SCHEDULE_LEAD = timedelta(minutes=1)

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
]


def utf16_length(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units (characters above U+FFFF count 2)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with one field; ``message`` is a sentence for the user."""

    field: str
    code: str
    message: str
    platform: str | None = None  # the platform whose rule this is (multi-platform checks)


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """Errors block publishing; warnings are shown but do not."""

    errors: list[Issue] = field(default_factory=lambda: list[Issue]())
    warnings: list[Issue] = field(default_factory=lambda: list[Issue]())

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self.errors

    def for_field(self, name: str) -> list[Issue]:
        """Return the errors, then the warnings, about field ``name``."""
        return [issue for issue in (*self.errors, *self.warnings) if issue.field == name]


class PublishFields(Protocol):
    """What ``validate_publish`` reads; ``PublishForm`` and ``core.api.PublishContent`` fit."""

    @property
    def media_url(self) -> str:
        """The video URL GEN will hand to TikTok."""
        ...

    @property
    def description(self) -> str:
        """The caption."""
        ...

    @property
    def title(self) -> str | None:
        """Optional title (ignored by TikTok)."""
        ...

    @property
    def thumbnail_url(self) -> str | None:
        """Optional cover image URL."""
        ...

    @property
    def scheduled_time(self) -> datetime | None:
        """When to post (aware), or None for now."""
        ...


@dataclass(frozen=True, slots=True)
class PublishForm:
    """What the user entered in the publish dialog or on the command line."""

    media_url: str
    description: str
    title: str | None = None
    thumbnail_url: str | None = None
    scheduled_time: datetime | None = None


def validate_publish(form: PublishFields, now: datetime) -> ValidationReport:
    """Check a publish request against TikTok's and GEN's documented rules at time ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    report = ValidationReport()
    _check_caption(form.description, report)
    _check_url("media_url", "video URL", form.media_url, report, required=True)
    _check_url("thumbnail_url", "thumbnail URL", form.thumbnail_url, report, required=False)
    if form.title is not None and form.title.strip():
        report.warnings.append(
            Issue("title", "title_ignored", "TikTok does not show a title; only the caption.")
        )
    if form.scheduled_time is not None:
        _check_schedule(form.scheduled_time, now, report)
    return report


def _check_caption(description: str, report: ValidationReport) -> None:
    if not description.strip():
        report.errors.append(
            Issue("description", "required", "Write a caption: TikTok posts need a description.")
        )
        return
    bad = _control_chars(description.replace("\r\n", "\n"), allowed="\n\t")
    if bad:
        report.errors.append(
            Issue(
                "description",
                "control_characters",
                f"The caption contains control characters ({bad}); only line breaks and tabs "
                "are allowed.",
            )
        )
    length = utf16_length(description)
    if length > TIKTOK_CAPTION_LIMIT:
        report.errors.append(
            Issue(
                "description",
                "too_long",
                f"The caption is too long: {length:,} / {TIKTOK_CAPTION_LIMIT:,} characters "
                "(emoji count as 2).",
            )
        )


def _check_url(
    name: str, label: str, url: str | None, report: ValidationReport, *, required: bool
) -> None:
    if url is None or not url.strip():
        if required:
            report.errors.append(Issue(name, "required", f"A {label} is required."))
        return
    text = url.strip()
    bad = _control_chars(url, allowed="")  # a trailing CR/LF too: it would be sent as is
    if bad or any(char.isspace() for char in text):
        shown = f" ({bad})" if bad else ""
        report.errors.append(
            Issue(
                name,
                "invalid_url",
                f"The {label} contains spaces, line breaks or control characters{shown}.",
            )
        )
        return
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
        has_userinfo = parts.username is not None or "@" in parts.netloc
    except ValueError:
        report.errors.append(Issue(name, "invalid_url", f"The {label} is not a valid link."))
        return
    if has_userinfo:
        report.errors.append(
            Issue(
                name,
                "url_credentials",
                f"The {label} must not contain a user name or password (the part before '@').",
            )
        )
    elif parts.scheme.lower() not in ("http", "https") or not hostname:
        report.errors.append(
            Issue(name, "invalid_url", f"The {label} must be an http:// or https:// link.")
        )
    elif parts.scheme.lower() == "http":
        report.warnings.append(
            Issue(
                name,
                "not_https",
                f"TikTok fetches media over HTTPS only; this {label} uses http:// "
                "and may be refused.",
            )
        )


def check_schedule(scheduled: datetime, now: datetime, report: ValidationReport) -> None:
    """Add the scheduled-time problems (naive, past, under a minute ahead) to ``report``."""
    _check_schedule(scheduled, now, report)


def _control_chars(text: str, *, allowed: str) -> str:
    """The control characters in ``text`` (other than ``allowed``) as escapes, e.g. "\\x1b"."""
    found = sorted(
        {char for char in text if unicodedata.category(char) == "Cc" and char not in allowed}
    )
    return ", ".join(repr(char)[1:-1] for char in found[:5])


def _check_schedule(scheduled: datetime, now: datetime, report: ValidationReport) -> None:
    if scheduled.tzinfo is None:
        report.errors.append(
            Issue(
                "scheduled_time",
                "naive_time",
                "The scheduled time has no time zone; choose one so it is not misread.",
            )
        )
        return
    if scheduled <= now:
        report.errors.append(
            Issue("scheduled_time", "in_past", "The scheduled time is in the past.")
        )
    elif scheduled - now < MIN_SCHEDULE_LEAD:
        report.errors.append(
            Issue(
                "scheduled_time",
                "too_soon",
                "Schedule at least a minute ahead, or publish now instead.",
            )
        )
