"""renders ENGINE_ID [--cell], engine's latest render per row, download of any take (issue 18)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from clikit import Cli

from genpro_desktop.core.resources import resource_path
from genpro_desktop.simulator import Simulator

RENDER_FIELDS = [
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


def test_renders_json_one_object_per_render_newest_first(cli: Cli, sim: Simulator):
    result = cli("renders", "9103", "--json")
    assert result.code == 0, result.err
    takes = result.json_lines()
    assert [list(t) for t in takes] == [RENDER_FIELDS] * 3
    assert [t["status"] for t in takes] == ["completed", "failed", "completed"]
    created = [t["created_at"] for t in takes]
    assert created == sorted(created, reverse=True)
    assert {(t["engine_id"], t["row"], t["cell_id"]) for t in takes} == {("9103", 1, "41059")}
    newest = takes[0]
    assert newest["url"].endswith(f"render_{newest['generation_id']}.mp4")
    assert newest["thumbnail_url"].endswith(".jpg")
    assert newest["execution_cost"] == "47.5"
    assert takes[1]["url"] is None
    assert sim.journal.count("POST", r".") == 0  # a read only


def test_renders_of_one_cell(cli: Cli):
    takes = cli("renders", "9101", "--cell", "41011", "--json").json_lines()
    assert [(t["row"], t["cell_id"]) for t in takes] == [(2, "41011")]
    empty = cli("renders", "9101", "--cell", "41017", "--json")
    assert empty.code == 0
    assert empty.out == ""
    assert "No renders yet for cell 41017" in empty.err


def test_renders_of_a_cell_that_is_not_a_final_video_cell_is_a_usage_error(cli: Cli):
    result = cli("renders", "9101", "--cell", "41001", "--json")
    assert result.code == 2
    assert result.only_json()["error_code"] == "usage_error"
    assert "not a final-video cell" in result.err


def test_renders_human_table_marks_the_current_take(cli: Cli):
    result = cli("renders", "9103")
    assert result.code == 0
    assert "880007 *" in result.out
    assert "880006" in result.out
    assert "failed" in result.out
    assert "the take GEN shows in the cell" in result.out
    assert "genpro download GENERATION_ID" in result.err


def test_renders_lists_a_render_started_elsewhere(cli: Cli, sim: Simulator):
    started = sim.state.start_render_elsewhere(9102, 3)
    first = cli("renders", "9102", "--json").json_lines()[0]
    assert (first["generation_id"], first["row"], first["status"]) == (str(started), 3, "pending")
    assert first["url"] is None


def test_renders_of_an_unknown_engine_exits_4(cli: Cli):
    assert cli("renders", "424242").code == 4


def test_engine_shows_each_rows_latest_render(cli: Cli):
    rows = cli("engine", "9103", "--json").json_lines()
    latest = rows[0]["latest_render"]
    assert latest["generation_id"] == "880007"
    assert latest["status"] == "completed"
    assert latest["url"].endswith("render_880007.mp4")
    assert [r["latest_render"] for r in rows[1:]] == [None] * 5
    human = cli("engine", "9103")
    assert "Latest render per row" in human.out
    assert "880007" in human.out
    assert "render_880007.mp4" in "".join(human.out.split())  # folded across lines
    assert "genpro renders 9103" in human.err


def test_engine_latest_render_is_the_newest_take_even_while_running(cli: Cli, sim: Simulator):
    started = sim.state.start_render_elsewhere(9103, 1)
    row = cli("engine", "9103", "--json").json_lines()[0]
    assert row["take_status"] == "completed"  # GEN still shows the finished take
    assert (row["latest_render"]["generation_id"], row["latest_render"]["status"]) == (
        str(started),
        "pending",
    )


def test_download_an_earlier_take_never_rendered_here(cli: Cli, tmp_path: Path, sim: Simulator):
    oldest = cli("renders", "9103", "--json").json_lines()[-1]
    target = tmp_path / "take.mp4"
    result = cli("download", oldest["generation_id"], str(target), "--json")
    assert result.code == 0, result.err
    saved = result.only_json()
    assert saved["generation_id"] == oldest["generation_id"]
    assert saved["path"] == str(target)
    sample = resource_path("sample/render.mp4").read_bytes()
    assert saved["sha256"] == hashlib.sha256(sample).hexdigest()
    assert sim.journal.count("POST", r".") == 0  # no new render, nothing charged
