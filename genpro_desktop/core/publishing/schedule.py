"""Turn what the user typed into the UTC instant GEN expects, and explain DST surprises.

GEN takes ``scheduled_time`` as ISO-8601 UTC (gen-api.md 3.5). Users think in wall-clock time
in a time zone, where a daylight-saving change makes some local times impossible (the clocks
skip them) and others ambiguous (they happen twice). Silently picking one is how schedulers
end up an hour off (mission-anchors.md section 0 item 7), so both cases are errors that say
what happened and offer the instants the user may have meant.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

_HAS_TIME = re.compile(r"\d[Tt ]\d{1,2}")
_EXAMPLE = "2026-11-28 09:30, or ISO-8601 with an offset such as 2026-11-28T09:30:00Z"


class ScheduleError(ValueError):
    """The text is not a usable future time; ``str()`` says why and what to type instead."""

    def __init__(self, message: str, *, alternatives: tuple[datetime, ...] = ()) -> None:
        super().__init__(message)
        # UTC instants the user may have meant (DST gap or overlap), earliest first.
        self.alternatives = alternatives


def format_utc(dt: datetime) -> str:
    """Return an aware datetime as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (what GEN expects)."""
    if dt.tzinfo is None:
        raise ValueError("format_utc needs a timezone-aware datetime")
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zone_name(tz: tzinfo) -> str:
    """Return an IANA key such as ``Europe/Berlin`` when there is one, else the zone's name."""
    key = getattr(tz, "key", None)
    return key if isinstance(key, str) else str(tz)


def parse_schedule(text: str, now: datetime, tz: tzinfo) -> datetime:
    """Parse ISO-8601 with offset/Z, or naive local time in ``tz``, into a future UTC datetime."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    raw = text.strip()
    if not raw:
        raise ScheduleError(f"Enter a date and time, for example {_EXAMPLE}.")
    try:
        # fromisoformat takes "Z" but not the lowercase "z" that ISO-8601 also allows.
        parsed = datetime.fromisoformat(re.sub(r"(?<=\d)z$", "Z", raw))
    except ValueError:
        raise ScheduleError(f"Could not read {raw!r} as a date and time; use {_EXAMPLE}.") from None
    if not _HAS_TIME.search(raw):
        raise ScheduleError(f"{raw!r} has no time of day; use {_EXAMPLE}.")

    instant = parsed.astimezone(UTC) if parsed.tzinfo is not None else _resolve_local(parsed, tz)
    if instant <= now:
        shown = instant.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        current = now.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        raise ScheduleError(
            f"{shown} ({zone_name(tz)}) is in the past; it is now {current}. "
            "Choose a later time, or publish now."
        )
    return instant


def _resolve_local(naive: datetime, tz: tzinfo) -> datetime:
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    before, after = first.utcoffset(), second.utcoffset()
    if before is None or after is None:
        raise ValueError(f"time zone {tz!r} gives no UTC offset")
    if before == after:
        return first.astimezone(UTC)

    # PEP 495: inside a gap fold=0 applies the offset from before the change, so the instant
    # lands after the gap; inside an overlap fold=0 is the first of the two occurrences.
    first_utc, second_utc = first.astimezone(UTC), second.astimezone(UTC)
    change = _transition(min(first_utc, second_utc), max(first_utc, second_utc), tz)
    from_clock = (change + before).strftime("%H:%M")
    to_clock = (change + after).strftime("%H:%M")
    wall = naive.strftime("%Y-%m-%d %H:%M")
    zone = zone_name(tz)
    shift = _describe(abs(after - before))
    options = tuple(sorted((first_utc, second_utc)))
    spelled = " or ".join(_spell(option, tz) for option in options)

    if first_utc.astimezone(tz).replace(tzinfo=None) != naive:
        raise ScheduleError(
            f"{wall} does not exist in {zone}: the clocks jump forward {shift} from "
            f"{from_clock} to {to_clock} (daylight saving time). Did you mean {spelled}?",
            alternatives=options,
        )
    raise ScheduleError(
        f"{wall} happens twice in {zone}: the clocks go back {shift} from {from_clock} to "
        f"{to_clock}. Say which one you mean: {spelled}.",
        alternatives=options,
    )


def _transition(low: datetime, high: datetime, tz: tzinfo) -> datetime:
    """Return the first UTC second at which ``tz`` uses the offset it has at ``high``."""
    low_offset = low.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == low_offset:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0, tzinfo=None)


def _spell(instant: datetime, tz: tzinfo) -> str:
    local = instant.astimezone(tz)
    return f"{local.isoformat(timespec='minutes')} ({local.tzname()})"


def _describe(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" + ("s" if hours != 1 else "")
    return f"{minutes} minutes"
