"""TikTok pre-flight checks, schedule parsing and UTC formatting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genpro_desktop.core.publishing import (
    TIKTOK_CAPTION_LIMIT,
    PublishForm,
    ScheduleError,
    format_utc,
    parse_schedule,
    utf16_length,
    validate_publish,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
VIDEO = "https://cdn.gen.pro/outputs/render_880001.mp4"


def zone(key: str) -> ZoneInfo:
    try:
        return ZoneInfo(key)
    except ZoneInfoNotFoundError:
        pytest.skip(f"time zone data for {key} is not installed (pip install tzdata)")


def form(**changes: object) -> PublishForm:
    fields: dict[str, object] = {"media_url": VIDEO, "description": "Launch day #gen"}
    fields.update(changes)
    return PublishForm(**fields)  # type: ignore[arg-type]


def codes(issues: list) -> list[tuple[str, str]]:
    return [(issue.field, issue.code) for issue in issues]


# -- utf16_length ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("", 0),
        ("abc", 3),
        ("é", 1),
        ("日本語", 3),
        ("😀", 2),
        ("👍🏽", 4),  # emoji + skin-tone modifier, both astral
        ("👨‍👩‍👧", 8),  # three astral emoji joined by two ZWJ (BMP)
        ("𝐀b", 3),
    ],
)
def test_utf16_length_table(text: str, units: int) -> None:
    assert utf16_length(text) == units


@given(st.text())
def test_utf16_length_matches_the_encoder(text: str) -> None:
    assert utf16_length(text) == len(text.encode("utf-16-le", "surrogatepass")) // 2


# -- validate_publish -----------------------------------------------------------------------


def test_a_plain_publish_now_is_ok() -> None:
    report = validate_publish(form(), NOW)
    assert report.ok
    assert report.errors == []
    assert report.warnings == []


@pytest.mark.parametrize("description", ["", "   \n\t"])
def test_description_is_required(description: str) -> None:
    report = validate_publish(form(description=description), NOW)
    assert not report.ok
    assert codes(report.errors) == [("description", "required")]


def test_caption_limit_counts_utf16_units() -> None:
    at_limit = "😀" * (TIKTOK_CAPTION_LIMIT // 2)  # 2,200 units, 1,100 characters
    assert validate_publish(form(description=at_limit), NOW).ok
    over = validate_publish(form(description=at_limit + "a"), NOW)
    assert codes(over.errors) == [("description", "too_long")]
    assert "2,201 / 2,200" in over.errors[0].message


def test_caption_message_states_the_count() -> None:
    report = validate_publish(form(description="x" * 2214), NOW)
    assert "2,214 / 2,200" in report.errors[0].message
    assert report.for_field("description") == report.errors


@pytest.mark.parametrize(
    "url", ["", "ftp://cdn.gen.pro/v.mp4", "javascript:alert(1)", "/local/file.mp4", "https://"]
)
def test_media_url_must_be_http_or_https(url: str) -> None:
    report = validate_publish(form(media_url=url), NOW)
    assert [field for field, _ in codes(report.errors)] == ["media_url"]


def test_http_media_url_is_only_a_warning() -> None:
    report = validate_publish(form(media_url="http://127.0.0.1:8080/cdn/outputs/r.mp4"), NOW)
    assert report.ok
    assert codes(report.warnings) == [("media_url", "not_https")]


def test_thumbnail_url_is_optional_but_checked() -> None:
    assert validate_publish(form(thumbnail_url=None), NOW).ok
    assert validate_publish(form(thumbnail_url="https://cdn.gen.pro/t.jpg"), NOW).ok
    report = validate_publish(form(thumbnail_url="file:///etc/passwd"), NOW)
    assert codes(report.errors) == [("thumbnail_url", "invalid_url")]


def test_a_title_is_allowed_with_a_warning() -> None:
    report = validate_publish(form(title="Launch"), NOW)
    assert report.ok
    assert codes(report.warnings) == [("title", "title_ignored")]
    assert validate_publish(form(title="  "), NOW).warnings == []


@pytest.mark.parametrize(
    ("offset", "code"),
    [
        (timedelta(minutes=-5), "in_past"),
        (timedelta(0), "in_past"),
        (timedelta(seconds=30), "too_soon"),
        (timedelta(seconds=59), "too_soon"),
    ],
)
def test_schedule_must_be_at_least_a_minute_ahead(offset: timedelta, code: str) -> None:
    report = validate_publish(form(scheduled_time=NOW + offset), NOW)
    assert codes(report.errors) == [("scheduled_time", code)]


@pytest.mark.parametrize("offset", [timedelta(minutes=1), timedelta(days=30)])
def test_schedule_in_the_future_is_ok(offset: timedelta) -> None:
    assert validate_publish(form(scheduled_time=NOW + offset), NOW).ok


def test_schedule_in_another_zone_compares_instants() -> None:
    tokyo = timezone(timedelta(hours=9))
    ahead = (NOW + timedelta(minutes=10)).astimezone(tokyo)
    assert validate_publish(form(scheduled_time=ahead), NOW).ok


def test_naive_schedule_is_an_error() -> None:
    report = validate_publish(form(scheduled_time=datetime(2026, 12, 1, 9, 0)), NOW)
    assert codes(report.errors) == [("scheduled_time", "naive_time")]


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        validate_publish(form(), datetime(2026, 11, 27, 12, 0))


def test_errors_are_collected_together() -> None:
    report = validate_publish(
        form(description="", media_url="nope", scheduled_time=NOW - timedelta(hours=1)), NOW
    )
    assert sorted(field for field, _ in codes(report.errors)) == [
        "description",
        "media_url",
        "scheduled_time",
    ]


def test_the_api_publish_request_can_be_validated_directly() -> None:
    from genpro_desktop.core.api import PublishContent

    request = PublishContent(
        media_url=VIDEO, description="", scheduled_time=NOW + timedelta(minutes=5)
    )
    assert codes(validate_publish(request, NOW).errors) == [("description", "required")]


# -- parse_schedule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-28T09:30:00Z", datetime(2026, 11, 28, 9, 30, tzinfo=UTC)),
        ("2026-11-28T09:30Z", datetime(2026, 11, 28, 9, 30, tzinfo=UTC)),
        ("2026-11-28T10:30:00+01:00", datetime(2026, 11, 28, 9, 30, tzinfo=UTC)),
        ("2026-11-28 04:30-05:00", datetime(2026, 11, 28, 9, 30, tzinfo=UTC)),
        ("  2026-11-28T09:30:00z ", datetime(2026, 11, 28, 9, 30, tzinfo=UTC)),
    ],
)
def test_parse_schedule_with_offset(text: str, expected: datetime) -> None:
    parsed = parse_schedule(text, now=NOW, tz=zone("Europe/Berlin"))
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("2026-11-28 10:30", "Europe/Berlin", datetime(2026, 11, 28, 9, 30, tzinfo=UTC)),
        ("2026-11-28T10:30", "Europe/Berlin", datetime(2026, 11, 28, 9, 30, tzinfo=UTC)),
        ("2027-07-01 10:30:15", "Europe/Berlin", datetime(2027, 7, 1, 8, 30, 15, tzinfo=UTC)),
        ("2026-12-01 09:00", "America/New_York", datetime(2026, 12, 1, 14, 0, tzinfo=UTC)),
        ("2026-12-01 09:00", "Asia/Kolkata", datetime(2026, 12, 1, 3, 30, tzinfo=UTC)),
    ],
)
def test_parse_schedule_naive_local_time(text: str, key: str, expected: datetime) -> None:
    assert parse_schedule(text, NOW, zone(key)) == expected


def test_parse_schedule_explains_a_dst_gap() -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(ScheduleError) as caught:
        parse_schedule("2026-03-29 02:30", now=now, tz=zone("Europe/Berlin"))
    message = str(caught.value)
    assert "does not exist in Europe/Berlin" in message
    assert "jump forward 1 hour from 02:00 to 03:00" in message
    assert "2026-03-29T01:30+01:00" in message
    assert "2026-03-29T03:30+02:00" in message
    assert caught.value.alternatives == (
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    )


def test_parse_schedule_explains_an_ambiguous_time() -> None:
    now = datetime(2026, 10, 1, tzinfo=UTC)
    with pytest.raises(ScheduleError) as caught:
        parse_schedule("2026-11-01 01:30", now=now, tz=zone("America/New_York"))
    message = str(caught.value)
    assert "happens twice in America/New_York" in message
    assert "go back 1 hour from 02:00 to 01:00" in message
    assert "2026-11-01T01:30-04:00 (EDT)" in message
    assert "2026-11-01T01:30-05:00 (EST)" in message
    assert caught.value.alternatives == (
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
    )
    # Each suggestion, typed back with its offset, is accepted.
    assert (
        parse_schedule("2026-11-01T01:30-05:00", now, zone("America/New_York"))
        == (caught.value.alternatives[1])
    )


def test_parse_schedule_half_hour_dst_shift() -> None:
    with pytest.raises(ScheduleError, match="30 minutes from 02:00 to 02:30"):
        parse_schedule("2026-10-04 02:15", NOW.replace(month=1), zone("Australia/Lord_Howe"))


def test_parse_schedule_refuses_the_past() -> None:
    with pytest.raises(ScheduleError, match=r"2026-11-27 12:59 \(Europe/Berlin\) is in the past"):
        parse_schedule("2026-11-27 12:59", NOW, zone("Europe/Berlin"))  # 11:59 UTC
    with pytest.raises(ScheduleError, match="in the past"):
        parse_schedule("2026-11-27T12:00:00Z", NOW, UTC)  # exactly now


@pytest.mark.parametrize("text", ["", "tomorrow", "2026-13-01 10:00", "2026-11-28", "10:30"])
def test_parse_schedule_refuses_unreadable_text(text: str) -> None:
    with pytest.raises(ScheduleError, match=r"2026-11-28 09:30"):
        parse_schedule(text, NOW, UTC)


def test_parse_schedule_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_schedule("2026-11-28T09:30Z", datetime(2026, 11, 27), UTC)


def test_schedule_error_is_a_value_error() -> None:
    assert issubclass(ScheduleError, ValueError)


@given(
    st.datetimes(
        min_value=datetime(2026, 11, 28),
        max_value=datetime(2099, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7)), timezone(timedelta(0))]),
    )
)
def test_parse_schedule_round_trips_format_utc(moment: datetime) -> None:
    text = format_utc(moment)
    assert parse_schedule(text, NOW, UTC) == moment.astimezone(UTC).replace(microsecond=0)


# -- format_utc -----------------------------------------------------------------------------


def test_format_utc() -> None:
    berlin = datetime(2026, 11, 28, 10, 30, 15, 999_999, tzinfo=timezone(timedelta(hours=1)))
    assert format_utc(berlin) == "2026-11-28T09:30:15Z"
    assert format_utc(NOW) == "2026-11-27T12:00:00Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_utc(datetime(2026, 11, 28, 9, 30))
