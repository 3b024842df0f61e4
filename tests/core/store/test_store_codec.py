"""LocalJob <-> JSON/row: every field survives exactly, unknown fields are ignored."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.store import Store
from genpro_desktop.core.store.codec import job_from_json, job_to_json, job_to_row, sort_key

_ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
)


def _strategy_for(hint: object) -> st.SearchStrategy[Any]:
    """A strategy for one annotated LocalJob field; unknown types fail loudly."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) is typing.Union or isinstance(hint, types.UnionType):
        concrete = [arg for arg in args if arg is not type(None)]
        assert len(concrete) == 1, f"no strategy for {hint!r}"
        return st.none() | _strategy_for(concrete[0])
    if hint is str:
        return st.text(max_size=40)
    if hint is int:
        return st.integers()
    if hint is float:
        return st.floats(allow_nan=False, allow_infinity=False)
    if hint is Decimal:
        return st.decimals(allow_nan=False)
    if hint is datetime:
        return st.datetimes(timezones=_ZONES)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return st.sampled_from(list(hint))
    if typing.get_origin(hint) is tuple and args and dataclasses.is_dataclass(args[0]):
        record = typing.cast(type[Any], args[0])
        hints = typing.get_type_hints(record)
        fields = {f.name: _strategy_for(hints[f.name]) for f in dataclasses.fields(record)}
        return st.lists(st.builds(record, **fields), max_size=3).map(tuple)
    raise AssertionError(f"add a strategy for LocalJob fields of type {hint!r}")


_HINTS = typing.get_type_hints(LocalJob)
local_jobs = st.builds(
    LocalJob,
    **{field.name: _strategy_for(_HINTS[field.name]) for field in dataclasses.fields(LocalJob)},
)


def _assert_identical(left: LocalJob, right: LocalJob) -> None:
    assert left == right
    for field in dataclasses.fields(LocalJob):
        a, b = getattr(left, field.name), getattr(right, field.name)
        assert type(a) is type(b), field.name
        if isinstance(a, Decimal):
            assert str(a) == str(b), field.name  # 47.50 stays 47.50, not 47.5
        if isinstance(a, datetime):
            assert a.isoformat() == b.isoformat(), field.name  # offset and microseconds kept


@given(job=local_jobs)
def test_every_field_round_trips_through_json(job: LocalJob) -> None:
    _assert_identical(job_from_json(job_to_json(job)), job)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(job=local_jobs)
def test_every_field_round_trips_through_the_store(tmp_path: Path, job: LocalJob) -> None:
    job = dataclasses.replace(job, id=new_job_id())  # generated ids may repeat across examples

    async def round_trip() -> LocalJob | None:
        async with Store.open(tmp_path / "roundtrip.sqlite3") as store:
            await store.save_job(job)
            return await store.get_job(job.id)

    stored = asyncio.run(round_trip())
    assert stored is not None
    _assert_identical(stored, job)


def test_decimals_and_datetimes_are_stored_as_exact_text() -> None:
    at = datetime(2026, 3, 29, 1, 30, 15, 120, tzinfo=timezone(timedelta(hours=2)))
    job = LocalJob(
        id="j1",
        kind=JobKind.RENDER,
        state=JobState.COMPLETED,
        agent_id=None,
        created_at=at,
        updated_at=at,
        execution_cost=Decimal("47.50"),
    )
    document = json.loads(job_to_json(job))
    assert document["execution_cost"] == "47.50"
    assert document["created_at"] == "2026-03-29T01:30:15.000120+02:00"
    assert document["kind"] == "render"
    assert document["state"] == "completed"
    row = job_to_row(job)
    assert row.created_at == "2026-03-28T23:30:15.000120"  # UTC, sortable
    assert row.finished_at is None


def test_sort_key_orders_instants_across_offsets() -> None:
    early = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=5)))  # 07:00 UTC
    late = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert sort_key(early) < sort_key(late)


def test_unknown_fields_are_ignored_and_missing_ones_defaulted() -> None:
    at = "2026-11-27T12:00:00.000000+00:00"
    newer = {
        "id": "j1",
        "kind": "download",
        "state": "queued",
        "agent_id": "4711",
        "created_at": at,
        "updated_at": at,
        "bytes_total": 1000,
        "a_field_from_the_future": {"nested": True},
    }
    job = job_from_json(json.dumps(newer))
    assert job.kind is JobKind.DOWNLOAD
    assert job.state is JobState.QUEUED
    assert job.bytes_total == 1000
    assert job.bytes_done == 0  # missing: default
    assert job.execution_cost is None


def test_missing_required_fields_come_from_the_fallback_or_fail() -> None:
    document = json.dumps({"created_at": "2026-11-27T12:00:00+00:00", "updated_at": None})
    with pytest.raises(ValueError, match="'id'"):
        job_from_json(document)
    with pytest.raises(ValueError, match="not a JSON object"):
        job_from_json("[1, 2]")


async def test_rows_written_by_an_older_or_newer_version_still_load(
    store: Store, db_path: Path
) -> None:
    at = "2026-11-27T12:00:00.000000+00:00"
    legacy = {"created_at": at, "updated_at": at, "title": "old row", "colour": "blue"}
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            conn.execute(
                "INSERT INTO jobs (id, kind, state, agent_id, remote_id, parent_id, dedupe_key,"
                " created_at, updated_at, finished_at, data)"
                " VALUES ('old1', 'render', 'pending', '4711', 'g9', NULL, NULL, ?, ?, NULL, ?)",
                (at, at, json.dumps(legacy)),
            )
            conn.execute(
                "INSERT INTO jobs (id, kind, state, agent_id, remote_id, parent_id, dedupe_key,"
                " created_at, updated_at, finished_at, data)"
                " VALUES ('new1', 'render', 'archived', NULL, NULL, NULL, NULL, ?, ?, NULL, ?)",
                (at, at, json.dumps({**legacy, "state": "archived"})),
            )
    finally:
        conn.close()
    job = await store.get_job("old1")
    assert job is not None
    assert (job.id, job.kind, job.state, job.remote_id, job.title) == (
        "old1",
        JobKind.RENDER,
        JobState.PENDING,
        "g9",
        "old row",
    )
    # A state this version does not know is skipped, not fatal for the whole list.
    assert [listed.id for listed in await store.list_jobs()] == ["old1"]
