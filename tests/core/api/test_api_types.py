"""core.api.types: tolerant coercion of ids, money, timestamps and statuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from genpro_desktop.core.api import (
    Cell,
    Engine,
    Generation,
    JobStatus,
    Organization,
    PublishContent,
    PublishJobCreated,
    RenderStarted,
    StopResult,
    UserJob,
)

KNOWN = ["pending", "processing", "completed", "failed", "stopped"]

ids = st.one_of(st.integers(min_value=0, max_value=10**15), st.text(min_size=1, max_size=20))
costs = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2, allow_nan=False)
moments = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=(d.microsecond // 1000) * 1000))
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10))
json_values = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


def _id_text(value: int | str) -> str:
    return str(value)


@given(generation_id=ids, cost=costs, as_string=st.booleans())
def test_ids_become_strings_and_costs_become_decimals(
    generation_id: int | str, cost: Decimal, as_string: bool
) -> None:
    raw_cost: Any = str(cost) if as_string else float(cost)
    gen = Generation.model_validate(
        {"id": generation_id, "status": "completed", "execution_cost": raw_cost}
    )
    assert gen.id == _id_text(generation_id)
    assert gen.execution_cost == cost


@given(moment=moments, form=st.sampled_from(["iso", "iso_offset", "seconds", "ms", "ms_text"]))
def test_timestamps_in_every_form_become_aware_utc(moment: datetime, form: str) -> None:
    raw: Any = {
        "iso": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
        "iso_offset": moment.astimezone(timezone(timedelta(hours=-7))).isoformat(),
        "seconds": moment.timestamp(),
        "ms": round(moment.timestamp() * 1000),
        "ms_text": str(round(moment.timestamp() * 1000)),
    }[form]
    gen = Generation.model_validate({"id": 1, "status": "pending", "created_at": raw})
    assert gen.created_at is not None
    assert gen.created_at.tzinfo is not None
    assert abs((gen.created_at - moment).total_seconds()) < 0.002


@given(raw=st.text(max_size=15))
def test_unknown_statuses_become_unknown_and_keep_the_raw_value(raw: str) -> None:
    gen = Generation.model_validate({"id": 1, "status": raw})
    if raw.strip().lower() in KNOWN:
        assert gen.status.value == raw.strip().lower()
    else:
        assert gen.status is JobStatus.UNKNOWN
        assert not gen.status.is_terminal
    assert gen.raw_status == raw


@pytest.mark.parametrize("raw", [None, 3, 1.5, ["completed"], {"state": "completed"}, True])
def test_non_text_statuses_are_unknown_never_completed(raw: object) -> None:
    gen = Generation.model_validate({"id": 1, "status": raw})
    assert gen.status is JobStatus.UNKNOWN


@given(extra=st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=4))
def test_extra_fields_are_kept_and_never_break_parsing(extra: dict[str, Any]) -> None:
    body = {**extra, "id": 5, "status": "processing"}
    gen = Generation.model_validate(body)
    assert gen.id == "5"
    assert gen.status is JobStatus.PROCESSING


@given(
    outputs=st.one_of(
        st.none(),
        st.just([]),
        st.lists(st.one_of(st.none(), st.integers(), st.fixed_dictionaries({})), max_size=3),
    )
)
def test_odd_output_resources_are_tolerated(outputs: object) -> None:
    gen = Generation.model_validate({"id": 1, "status": "completed", "output_resources": outputs})
    assert gen.video_url is None


def test_terminal_statuses() -> None:
    assert {s for s in JobStatus if s.is_terminal} == {
        JobStatus.COMPLETED,
        JobStatus.FAILED,
        JobStatus.STOPPED,
    }


def test_generation_video_url_prefers_the_first_video_output() -> None:
    gen = Generation.model_validate(
        {
            "id": 9000,
            "status": "completed",
            "output_resources": [
                {"id": 1, "url": "https://cdn.gen.pro/outputs/a.jpg", "object_type": "image"},
                {
                    "id": 2,
                    "url": "https://cdn.gen.pro/outputs/b",
                    "object_type": "VIDEO",
                    "thumbnail_url": "https://cdn.gen.pro/thumbnails/b.jpg",
                },
                {"id": 3, "url": "https://cdn.gen.pro/outputs/c.mp4"},
            ],
        }
    )
    assert gen.video_url == "https://cdn.gen.pro/outputs/b"
    assert gen.thumbnail_url == "https://cdn.gen.pro/thumbnails/b.jpg"


def test_unparsable_money_and_times_become_none() -> None:
    gen = Generation.model_validate(
        {"id": 1, "execution_cost": "n/a", "created_at": "yesterday", "updated_at": {"x": 1}}
    )
    assert gen.execution_cost is None
    assert gen.created_at is None
    assert gen.updated_at is None


def test_a_missing_id_is_an_error() -> None:
    with pytest.raises(ValidationError):
        Generation.model_validate({"status": "completed"})


def test_organization_balance_shapes() -> None:
    org = Organization.model_validate(
        {
            "id": 301,
            "available_credit": {"generic": "500.5", "aura": 0},
            "credit": 500,
            "credit_plan": {"id": 9, "name": "Creator", "cycle": "monthly"},
        }
    )
    assert org.available_credit is not None
    assert org.available_credit.generic == Decimal("500.5")
    assert org.credit_plan is not None
    assert org.credit_plan.id == "9"
    flat = Organization.model_validate({"id": "x", "available_credit": 12, "credit_plan": "gold"})
    assert flat.available_credit is not None
    assert flat.available_credit.generic == Decimal(12)
    assert flat.credit_plan is None


def _engine(cells: list[dict[str, Any]], *, final_role: bool = True) -> Engine:
    columns = [
        {
            "id": 3,
            "title": "FINAL VIDEO",
            "type": "video",
            "column_role": "final_video" if final_role else "video",
            "position": 2,
        },
        {"id": 1, "title": "TEXT 1", "type": "text", "column_role": "ingredient", "position": 0},
        {"id": 2, "title": "VIDEO", "type": "video", "column_role": "video", "position": 1},
    ]
    return Engine.model_validate(
        {
            "id": 7,
            "spreadsheet_columns": columns,
            "spreadsheet_rows": [{"id": 70, "spreadsheet_cells": cells}],
        }
    )


def test_final_video_cell_by_cell_role_first() -> None:
    engine = _engine([{"id": 11}, {"id": 12, "role": "final_video"}, {"id": 13}])
    assert engine.final_video_cell(engine.spreadsheet_rows[0]) == Cell.model_validate(
        {"id": 12, "role": "final_video"}
    )


def test_final_video_cell_by_column_id() -> None:
    engine = _engine([{"id": 13, "column_id": 3}, {"id": 11, "column_id": 1}])
    cell = engine.final_video_cell(engine.spreadsheet_rows[0])
    assert cell is not None
    assert cell.id == "13"


def test_final_video_cell_by_column_position_order() -> None:
    engine = _engine([{"id": 11}, {"id": 12}, {"id": 13}])
    column = engine.final_video_column()
    assert column is not None
    assert column.id == "3"
    cell = engine.final_video_cell(engine.spreadsheet_rows[0])
    assert cell is not None
    assert cell.id == "13"


def test_no_final_video_column_means_no_cell() -> None:
    engine = _engine([{"id": 11}, {"id": 12}, {"id": 13}], final_role=False)
    assert engine.final_video_column() is None
    assert engine.final_video_cell(engine.spreadsheet_rows[0]) is None


def test_cell_values_of_any_shape_become_text() -> None:
    cell = Cell.model_validate({"id": 1, "value": 42, "user_jobs": None, "video_layers": {}})
    assert cell.value == "42"
    assert cell.user_jobs == []
    assert cell.video_layers == []


def test_render_started_and_stop_result_shapes() -> None:
    started = RenderStarted.model_validate({"generation_id": 880001, "status": "pending"})
    assert (started.generation_id, started.status) == ("880001", JobStatus.PENDING)
    full = StopResult.model_validate({"id": 9, "status": "stopped", "output_resources": []})
    assert (full.generation_id, full.status) == ("9", JobStatus.STOPPED)
    odd = StopResult.model_validate({"generation_id": "9", "status": "halted"})
    assert odd.status is JobStatus.UNKNOWN
    assert odd.raw_status == "halted"


def test_publish_job_created_accepts_both_documented_shapes() -> None:
    assert PublishJobCreated.model_validate({"user_job_id": 12}).user_job_id == "12"
    sdk = PublishJobCreated.model_validate(
        {"id": 13, "user_job_type": "publish_content", "status": "pending"}
    )
    assert sdk.user_job_id == "13"


@pytest.mark.parametrize(
    ("result", "post_id"),
    [
        ({"post_id": "7459234123456"}, "7459234123456"),
        ({"post_id": 7459234123456}, "7459234123456"),
        ('{"post_id": "77"}', "77"),
        ("not json", None),
        (None, None),
        ([1], None),
    ],
)
def test_user_job_post_id(result: object, post_id: str | None) -> None:
    job = UserJob.model_validate({"id": 1, "status": "completed", "result": result})
    assert job.post_id == post_id


def test_publish_content_now() -> None:
    data = PublishContent(media_url="https://cdn.gen.pro/a.mp4", description="Hi #gen").to_data()
    assert data == {
        "platform": "tiktok",
        "media_url": "https://cdn.gen.pro/a.mp4",
        "description": "Hi #gen",
        "media_type": "VIDEO",
        "schedule_type": "now",
    }


def test_publish_content_scheduled_is_sent_in_utc() -> None:
    when = datetime(2026, 12, 1, 9, 30, 15, 999, tzinfo=timezone(timedelta(hours=2)))
    request = PublishContent(
        media_url="https://cdn.gen.pro/a.mp4",
        description="Later",
        title="T",
        thumbnail_url="https://cdn.gen.pro/t.jpg",
        scheduled_time=when,
        timezone_offset=120,
    )
    data = request.to_data()
    assert data["schedule_type"] == "scheduled"
    assert data["scheduled_time"] == "2026-12-01T07:30:15Z"
    assert data["title"] == "T"
    assert data["thumbnail_url"] == "https://cdn.gen.pro/t.jpg"
    assert data["timezone_offset"] == 120


def test_publish_content_refuses_a_naive_schedule() -> None:
    with pytest.raises(ValidationError):
        PublishContent(media_url="u", description="d", scheduled_time=datetime(2026, 12, 1))
