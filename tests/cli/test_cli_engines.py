"""engines (list, --add, --remove) and engine ENGINE_ID."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from clikit import Cli

from genpro_desktop.cli.commands.engines import NO_LIST_MESSAGE, parse_engine_ref
from genpro_desktop.cli.exit_codes import CliError
from genpro_desktop.simulator import ManualClock, Simulator


@pytest.fixture
def no_list_cli(cli: Cli, sim_clock: ManualClock) -> Iterator[Cli]:
    """The CLI pointed at a simulator without the engine list route (GEN documents none)."""
    with Simulator(clock=sim_clock, list_route=False) as bare:
        cli.sim = bare
        yield cli


def test_engines_from_the_list_route(cli: Cli):
    result = cli("engines", "--json")
    assert result.code == 0
    lines = result.json_lines()
    assert [e["id"] for e in lines] == ["9101", "9102", "9103"]
    assert {e["source"] for e in lines} == {"server"}
    assert set(lines[0]) == {"id", "title", "source", "agent_id"}
    human = cli("engines")
    assert "TikTok Montage" in human.out
    assert NO_LIST_MESSAGE not in human.err


def test_engines_without_a_list_route_fall_back_and_say_so(no_list_cli: Cli):
    result = no_list_cli("engines")
    assert result.code == 0
    assert NO_LIST_MESSAGE in " ".join(result.err.split())
    assert "9101" in result.out  # the agent's setup engine
    added = no_list_cli("engines", "--add", "https://gen.pro/4711/vidsheet/9103?tab=rows")
    assert added.code == 0, added.err
    assert "TikTok VO B-roll" in added.out
    listed = no_list_cli("engines", "--json").json_lines()
    assert [(e["id"], e["source"]) for e in listed] == [("9101", "setup"), ("9103", "saved")]
    removed = no_list_cli("engines", "--remove", "9103")
    assert removed.code == 0
    assert [e["id"] for e in no_list_cli("engines", "--json").json_lines()] == ["9101"]


def test_saved_engines_are_per_agent(no_list_cli: Cli):
    assert no_list_cli("engines", "--add", "9102").code == 0
    other = no_list_cli("engines", "--remove", "9102", "--agent", "5000", "--json")
    assert other.only_json()["removed"] is False


def test_adding_an_engine_that_does_not_exist_exits_4(cli: Cli):
    result = cli("engines", "--add", "424242", "--json")
    assert result.code == 4
    assert result.only_json()["http_status"] in (404, 422)


def test_adding_garbage_is_a_usage_error(cli: Cli, sim: Simulator):
    result = cli("engines", "--add", "https://example.com/vidsheet/12")
    assert result.code == 2
    assert sim.journal.count("GET", r"/vidsheet/") == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9101", "9101"),
        (" 9101 ", "9101"),
        ("https://gen.pro/4711/vidsheet/9101", "9101"),
        ("https://app.gen.pro/engines/77?view=grid", "77"),
        ("gen.pro/4711/autocontentengine/55/rows/3", "55"),
        ("https://gen.pro/editor?project_id=808", "808"),
        ("https://gen.pro/4711/9102", "9102"),
        ("3f2b8c1e-5a6d-4e7f-8a9b-0c1d2e3f4a5b", "3f2b8c1e-5a6d-4e7f-8a9b-0c1d2e3f4a5b"),
    ],
)
def test_parse_engine_ref(text: str, expected: str):
    assert parse_engine_ref(text) == expected


@pytest.mark.parametrize(
    "text", ["", "my engine", "https://evil.example/vidsheet/1", "https://gen.pro/settings"]
)
def test_parse_engine_ref_rejects(text: str):
    with pytest.raises(CliError):
        parse_engine_ref(text)


def test_engine_table_marks_the_final_video_cell(cli: Cli):
    result = cli("engine", "9101")
    assert result.code == 0
    assert "Render cell" in result.out
    assert "41005" in result.out  # row 1's final-video cell
    assert "completed" in result.out
    assert "not rendered" in result.out
    assert "genpro render 9101 CELL_ID" in result.err


def test_engine_json_one_object_per_row(cli: Cli):
    rows = cli("engine", "9101", "--json").json_lines()
    assert len(rows) == 5
    first = rows[0]
    assert first["engine_id"] == "9101"
    assert first["final_video_cell_id"] == "41005"
    assert first["take_status"] == "completed"
    assert [c["column"] for c in first["cells"]][:2] == ["TEXT 1", "TEXT 2"]
    assert rows[2]["take_status"] is None


def test_engine_shows_a_running_render(cli: Cli):
    cli("render", "9101", "41017")
    rows = cli("engine", "9101", "--json").json_lines()
    assert rows[2]["take_status"] == "pending"


def test_engine_not_found_exits_4(cli: Cli):
    assert cli("engine", "424242").code == 4


def test_engine_needs_an_agent(cli: Cli, monkeypatch: pytest.MonkeyPatch, sim: Simulator):
    monkeypatch.delenv("GEN_AGENT_ID")
    result = cli("engine", "9101", "--json")
    assert result.code == 2
    assert result.only_json()["error_code"] == "missing_agent"
    assert "genpro agents --set-default" in result.err
    assert sim.journal.count("*", r"/v1/") == 0
