"""The renders of an engine's final-video cells (issue 18), read over real sockets."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from genpro_desktop.core.api import GenClient, JobStatus
from genpro_desktop.core.api.types import Engine
from genpro_desktop.core.renders import engine_renders, foreign_renders, list_renders
from genpro_desktop.simulator import RENDER_COST, Simulator, faults


async def test_several_takes_newest_first_with_the_current_one_marked(client: GenClient):
    takes = await list_renders(client, "9103")
    assert [t.status for t in takes] == [
        JobStatus.COMPLETED,
        JobStatus.FAILED,
        JobStatus.COMPLETED,
    ]
    assert {t.row for t in takes} == {1}
    times = [t.created_at for t in takes if t.created_at is not None]
    assert len(times) == 3
    assert times == sorted(times, reverse=True)
    newest, failed, oldest = takes
    assert newest.is_current
    assert not failed.is_current
    assert not oldest.is_current
    assert newest.url
    assert newest.url.endswith(".mp4")
    assert newest.thumbnail_url
    assert newest.execution_cost == RENDER_COST
    assert failed.url is None
    assert failed.failed_reason
    assert len({newest.generation_id, failed.generation_id, oldest.generation_id}) == 3


async def test_latest_per_row_and_earlier_takes(client: GenClient):
    rows = engine_renders(await client.engines.get("9103"))
    assert [r.row for r in rows] == list(range(1, 7))
    first = rows[0]
    assert first.latest is not None
    assert first.latest.status is JobStatus.COMPLETED
    assert first.current is first.latest
    assert first.latest_video is first.latest
    assert len(first.takes) == 3
    assert all(r.cell_id for r in rows)  # found by column position: this engine has no roles
    assert all(r.takes == [] and r.latest is None for r in rows[1:])


async def test_one_cell_and_every_cell_newest_first_across_rows(sim: Simulator, client: GenClient):
    everything = await list_renders(client, "9101")
    assert [t.row for t in everything] == [1, 2]  # the seed rendered row 1 a day after row 2
    cell = everything[0].cell_id
    only = await list_renders(client, "9101", cell_id=cell)
    assert [t.cell_id for t in only] == [cell]
    started = sim.state.start_render_elsewhere(9101, 5)
    newest = (await list_renders(client, "9101"))[0]
    assert (newest.generation_id, newest.row, newest.status) == (
        str(started),
        5,
        JobStatus.PENDING,
    )


async def test_json_object_has_exactly_the_issue_fields(client: GenClient):
    take = (await list_renders(client, "9102"))[0]
    assert list(take.to_json()) == [
        "engine_id",
        "row",
        "cell_id",
        "generation_id",
        "status",
        "url",
        "thumbnail_url",
        "created_at",
        "execution_cost",
    ]


def odd_engine() -> dict[str, Any]:
    """Shapes GEN's docs allow or disagree about: missing, null, id-less and foreign items."""
    columns = [
        {"id": 1, "title": "TEXT", "type": "text", "column_role": "ingredient", "position": 1},
        {"id": 2, "title": "FINAL", "type": "video", "column_role": "final_video", "position": 2},
    ]

    def row(row_id: int, final: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": row_id,
            "position": row_id,
            "spreadsheet_cells": [{"id": row_id * 10 + 1, "value": "hook"}, final],
        }

    video = {"url": "https://cdn.gen.pro/o/a.mp4", "thumbnail_url": None, "object_type": "Video"}
    return {
        "id": "77",
        "title": "Odd",
        "spreadsheet_columns": columns,
        "spreadsheet_rows": [
            row(1, {"id": 12}),  # neither field at all
            row(2, {"id": 22, "default_user_job": None, "user_jobs": None}),
            row(
                3,
                {
                    "id": 32,
                    # The current take is missing from the history GEN sent.
                    "default_user_job": {
                        "id": 903,
                        "status": "completed",
                        "output_resources": [video],
                        "execution_cost": 52.5,
                        "created_at_ts": 1_767_000_000_000,
                    },
                    "user_jobs": [
                        {"id": 901, "status": "failed", "created_at": "2025-12-01T10:00:00Z"},
                        {"status": "completed"},  # no id: cannot be followed, skipped
                        "not-a-take",
                        {"id": "902", "status": "brand_new_state"},
                    ],
                },
            ),
            row(4, {"id": 42, "default_user_job": {"status": "completed"}, "user_jobs": "x"}),
        ],
    }


async def test_odd_shapes_from_the_server_are_read_not_refused(sim: Simulator, client: GenClient):
    sim.faults.add("GET", r"/9101$", faults.status(200, odd_engine()))
    rows = engine_renders(await client.engines.get("9101"))
    assert [r.takes for r in rows[:2]] == [[], []]
    assert rows[3].takes == []
    assert rows[3].cell_id == "42"
    takes = rows[2].takes
    assert [t.generation_id for t in takes] == ["903", "901", "902"]
    current = takes[0]
    assert current.is_current
    assert current.url == "https://cdn.gen.pro/o/a.mp4"
    assert current.execution_cost == Decimal("52.5")
    assert current.created_at == datetime.fromtimestamp(1_767_000_000, UTC)
    unknown = takes[2]
    assert unknown.status is JobStatus.UNKNOWN
    assert unknown.status_text == "unknown: brand_new_state"
    assert unknown.created_at is None
    assert unknown.to_json()["created_at"] is None


def test_foreign_renders_leaves_out_the_known_ids() -> None:
    engine = Engine.model_validate(odd_engine())
    assert [t.generation_id for t in foreign_renders(engine, ["903", "902"])] == ["901"]
    assert foreign_renders(engine, ["901", "902", "903"]) == []


async def test_render_again_question_only_for_a_row_with_a_finished_video(client: GenClient):
    from genpro_desktop.core.render_cost import CostEstimate, render_again_question

    rows = engine_renders(await client.engines.get("9102"))
    estimate = CostEstimate(Decimal("47.5"), "history", 3)
    done, failed, never = rows[0], rows[1], rows[2]
    assert done.latest_video is not None
    assert done.latest_video.created_at is not None
    day = done.latest_video.created_at.astimezone().date().isoformat()
    assert render_again_question(done, estimate) == (
        f"This row already has a final video from {day}. Render again for about 47.5 credits?"
    )
    assert render_again_question(failed, estimate) is None  # its only take failed
    assert render_again_question(never, estimate) is None
    custom = render_again_question(done, estimate, local_date=lambda moment: "Monday")
    assert custom is not None
    assert custom.startswith("This row already has a final video from Monday.")
