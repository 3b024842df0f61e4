"""core.browse: the engine listing fallback and the rows x columns grid."""

from __future__ import annotations

from typing import Any

from genpro_desktop.core.api import Engine, GenClient, JobStatus
from genpro_desktop.core.browse import build_grid, list_engines
from genpro_desktop.simulator import DEMO_API_KEY, Simulator


def _engine(cells_have_column_ids: bool) -> Engine:
    columns = [
        {
            "id": 3,
            "title": "FINAL VIDEO",
            "type": "video",
            "column_role": "final_video",
            "position": 2,
        },
        {"id": 1, "title": "TEXT 1", "type": "text", "column_role": "ingredient", "position": 0},
        {"id": 2, "title": "VIDEO", "type": "video", "column_role": "video", "position": 1},
    ]
    cells: list[dict[str, Any]] = [
        {"id": 11, "value": "Hook line", "cell_role": "content"},
        {"id": 12, "value": "https://cdn.gen.pro/outputs/a.mp4", "cell_role": "content"},
        {
            "id": 13,
            "value": None,
            "cell_role": "final_video",
            "default_user_job": {"id": 900, "status": "rendering_v2"},
        },
    ]
    if cells_have_column_ids:
        for cell, column_id in zip(cells, (1, 2, 3), strict=True):
            cell["column_id"] = column_id
        cells.reverse()  # order must not matter when ids are present
    return Engine.model_validate(
        {
            "id": 7,
            "title": "Demo",
            "spreadsheet_columns": columns,
            "spreadsheet_rows": [{"id": 70, "position": 0, "spreadsheet_cells": cells}],
        }
    )


def test_grid_orders_columns_by_position_and_marks_the_final_video_column() -> None:
    grid = build_grid(_engine(cells_have_column_ids=False))
    assert [c.title for c in grid.columns] == ["TEXT 1", "VIDEO", "FINAL VIDEO"]
    assert [c.is_final_video for c in grid.columns] == [False, False, True]
    row = grid.rows[0]
    assert row.final_video_cell_id == "13"
    assert row.cells[0].display_text == "Hook line"
    assert row.cells[1].display_text == "[video]"


def test_grid_matches_cells_by_column_id_when_gen_sends_one() -> None:
    grid = build_grid(_engine(cells_have_column_ids=True))
    assert [cell.cell_id for cell in grid.rows[0].cells] == ["11", "12", "13"]


def test_an_unknown_take_status_is_shown_with_gens_own_word() -> None:
    cell = build_grid(_engine(cells_have_column_ids=False)).rows[0].cells[2]
    assert cell.take_status is JobStatus.UNKNOWN
    assert cell.take_status_text == "unknown: rendering_v2"
    assert "unknown: rendering_v2" in cell.tooltip


async def test_listing_uses_the_servers_list_route_when_it_has_one(client: GenClient) -> None:
    listing = await list_engines(client, saved=["999"])
    assert listing.server_lists_engines
    assert [e.source for e in listing.entries[:-1]] == ["server"] * (len(listing.entries) - 1)
    assert listing.entries[-1].engine_id == "999"
    assert listing.entries[-1].source_label == "saved by you"


async def test_without_a_list_route_the_setup_engine_and_saved_engines_are_listed() -> None:
    with Simulator(list_route=False) as sim:
        async with GenClient(api_key=DEMO_API_KEY, base_url=sim.base_url, agent_id="4711") as gen:
            agent = await gen.agents.get("4711")
            setup_id = agent.agent_setup_project_id
            assert setup_id is not None
            listing = await list_engines(gen, saved=["555", setup_id])
    assert not listing.server_lists_engines
    # The setup engine comes first and is not repeated when the user also saved it.
    assert [(e.engine_id, e.source) for e in listing.entries] == [
        (setup_id, "setup"),
        ("555", "saved"),
    ]
