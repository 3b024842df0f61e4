"""render / status / stop / download against the simulator, with the wait driven by hand."""

from __future__ import annotations

import hashlib
import itertools
import json
import socket
from pathlib import Path

from clikit import Cli, InterruptingClock

from genpro_desktop.simulator import Simulator, faults

ENGINE = "9101"
FRESH_CELL = "41017"  # row 3 of engine 9101: never rendered
GEN_KEYS = {
    "generation_id",
    "status",
    "failed_reason",
    "url",
    "thumbnail_url",
    "execution_cost",
    "job_id",
    "credits",  # GEN's reservation and its settlement (issue 19); see test_cli_credits.py
}


def test_render_without_wait_prints_the_generation_and_sends_one_post(cli: Cli, sim: Simulator):
    result = cli("render", ENGINE, FRESH_CELL, "--json")
    assert result.code == 0
    obj = result.only_json()
    assert set(obj) == GEN_KEYS
    assert obj["status"] == "pending"
    assert sim.journal.count("POST", r"/render$") == 1
    assert f"genpro status {obj['generation_id']} --wait" in result.err


def test_render_human_output(cli: Cli):
    result = cli("render", ENGINE, FRESH_CELL)
    assert result.code == 0
    assert "Render started: generation" in result.out


def test_render_wait_reads_a_first_render_when_gen_says_it_may_be_done(cli: Cli, sim: Simulator):
    result = cli("render", ENGINE, FRESH_CELL, "--wait", "--json")
    assert result.code == 0
    obj = result.only_json()
    assert obj["status"] == "completed"
    assert obj["execution_cost"] == "47.5"
    assert obj["url"].endswith(".mp4")
    assert obj["thumbnail_url"]
    # No history: the first read at 15 s (13.5-15 s), where GEN's published render times start
    # to say a render may be done; this one completed at 8 s (sim clock).
    polls = sim.journal.find("GET", r"/generations/")
    assert 13.5 <= polls[0].sim_time <= 15.0  # GEN's "pending" answer stood in for a read at 0
    assert len(polls) == 1


def test_a_first_render_is_read_every_few_seconds_then_backs_off_to_15_s(cli: Cli, sim: Simulator):
    sim.state.script_render(pending_s=10, done_s=1200)
    result = cli("render", ENGINE, FRESH_CELL, "--wait", "--json")
    assert result.code == 0
    polls = [entry.sim_time for entry in sim.journal.find("GET", r"/generations/")]
    gaps = [later - earlier for earlier, later in itertools.pairwise(polls)]
    # Through GEN's published render times and well past them (4 x 120 s): 3.6-4.4 s apart.
    early = [gap for at, gap in zip(polls, gaps, strict=False) if at < 475.0]
    assert all(3.6 - 1e-9 <= gap <= 4.4 + 1e-9 for gap in early)
    assert max(gaps) <= 15.0 * 1.2 + 1e-9  # then backing off, capped at 15 s, +-20 % jitter
    assert max(gaps) >= 15.0 * 0.8
    assert len(polls) < 0.6 * 1200 / 2  # 1200 s with 2 s polls would be 600


def test_render_wait_and_download_verifies_the_file(cli: Cli, tmp_path: Path):
    target = tmp_path / "videos"
    result = cli("render", ENGINE, FRESH_CELL, "--download", f"{target}/", "--json")
    assert result.code == 0, result.err
    obj = result.only_json()
    assert set(obj) == GEN_KEYS | {"path", "sha256", "bytes"}
    saved = Path(obj["path"])
    assert saved.parent == target
    data = saved.read_bytes()
    assert len(data) == obj["bytes"]
    assert hashlib.sha256(data).hexdigest() == obj["sha256"]


def test_render_download_human_output(cli: Cli, tmp_path: Path):
    result = cli("render", ENGINE, FRESH_CELL, "--download", str(tmp_path))
    assert result.code == 0, result.err
    assert "completed" in result.out
    assert "Saved to" in result.out
    assert list(tmp_path.glob("*.mp4"))


def test_scripted_failure_exits_1_with_the_reason(cli: Cli, sim: Simulator):
    sim.state.script_render("failed", failed_reason="Layer 2 has no media")
    result = cli("render", ENGINE, FRESH_CELL, "--wait", "--json")
    assert result.code == 1
    obj = result.only_json()
    assert obj["status"] == "failed"
    assert obj["failed_reason"] == "Layer 2 has no media"
    human = cli("status", obj["generation_id"])
    assert human.code == 1
    assert "Layer 2 has no media" in human.out


def test_timeout_exits_8_and_says_how_to_resume(cli: Cli, sim: Simulator):
    sim.state.script_render(pending_s=10, done_s=600)
    result = cli("render", ENGINE, FRESH_CELL, "--wait", "--timeout", "30", "--json")
    assert result.code == 8
    obj = result.only_json()
    assert obj["exit_code"] == 8
    assert obj["error_code"] == "timeout"
    assert 30.0 in cli.clock.sleeps
    assert cli.clock.now() == 30.0  # the wait ended at the timeout, not at a later poll
    assert f"genpro status {obj['generation_id']} --wait" in result.err


def test_render_wait_keeps_waiting_through_unknown_statuses(cli: Cli, sim: Simulator):
    # Ten reads of a status GEN added without notice: the render runs on and completes.
    sim.faults.add("GET", r"/generations/", faults.unknown_status("queued_for_render"), times=10)
    result = cli("render", ENGINE, FRESH_CELL, "--wait", "--json")
    assert result.code == 0, result.err
    assert result.only_json()["status"] == "completed"
    assert sim.journal.count("GET", r"/generations/") >= 11


def test_unknown_status_once_is_tolerated(cli: Cli, sim: Simulator):
    started = cli("render", ENGINE, FRESH_CELL, "--json").only_json()
    sim.faults.add("GET", r"/generations/", faults.unknown_status("queued_for_gpu"), times=2)
    result = cli("status", started["generation_id"], "--wait", "--json")
    assert result.code == 0
    assert result.only_json()["status"] == "completed"


def test_render_wait_on_an_unknown_status_ends_only_at_the_timeout(cli: Cli, sim: Simulator):
    sim.faults.add("GET", r"/generations/", faults.unknown_status("queued_for_render"), times=10**6)
    result = cli("render", ENGINE, FRESH_CELL, "--wait", "--timeout", "120", "--json")
    assert result.code == 8, result.err
    obj = result.only_json()
    assert obj["error_code"] == "timeout"
    assert obj["status"] == "unknown"
    assert obj["raw_status"] == "queued_for_render"
    assert cli.clock.now() == 120.0
    assert "GEN says `queued_for_render`" in result.err
    # Flagged in the history, never hidden, and the user may give up on it.
    (job,) = cli("jobs", "--json").json_lines()
    assert job["state"] in ("pending", "processing")
    assert job["status_unknown"] is True
    assert job["raw_status"] == "queued_for_render"
    assert "dismiss" in job["actions"]
    table = cli("jobs")
    assert "GEN says `queued_for_render`" in table.out
    dismissed = cli("dismiss", job["id"], "--json")
    assert dismissed.code == 0, dismissed.err
    assert dismissed.only_json()["state"] == "dismissed"


def test_status_with_an_unknown_status_is_not_a_failure(cli: Cli, sim: Simulator):
    started = cli("render", ENGINE, FRESH_CELL, "--json").only_json()
    sim.faults.add("GET", r"/generations/", faults.unknown_status("on_hold"))
    result = cli("status", started["generation_id"], "--json")
    assert result.code == 0
    obj = result.only_json()
    assert obj["status"] == "unknown"
    assert obj["raw_status"] == "on_hold"
    assert "GEN says `on_hold`" in result.err


def test_invalid_response_exits_5(cli: Cli, sim: Simulator):
    started = cli("render", ENGINE, FRESH_CELL, "--json").only_json()
    sim.faults.add("GET", r"/generations/", faults.html(), times=10)
    result = cli("status", started["generation_id"], "--json")
    assert result.code == 5
    assert result.only_json()["error_code"] == "invalid_response"


def test_ctrl_c_human_message(cli: Cli):
    result = cli("render", ENGINE, FRESH_CELL, "--wait", clock=InterruptingClock(cli.sim_clock))
    assert result.code == 130
    assert "was not stopped" in result.err
    assert "--wait" in result.err
    assert "Traceback" not in result.err


def test_status_without_wait(cli: Cli):
    started = cli("render", ENGINE, FRESH_CELL, "--json").only_json()
    result = cli("status", started["generation_id"], "--json")
    assert result.code == 0
    assert result.only_json()["status"] == "pending"


def test_outcome_unknown_exits_7_and_never_resends(cli: Cli, sim: Simulator):
    sim.faults.add("POST", r"/render$", faults.apply_then_status(502))
    result = cli("render", ENGINE, FRESH_CELL, "--wait", "--json")
    assert result.code == 7
    obj = result.only_json()
    assert obj["exit_code"] == 7
    assert obj["error_code"] == "outcome_unknown"
    assert obj["idempotency_key"]
    assert obj["idempotency_key"] in result.err
    assert f"genpro engine {ENGINE}" in result.err
    assert sim.journal.count("POST", r"/render$") == 1
    assert sim.journal.count("GET", r"/generations/") == 0


def test_insufficient_credits_exits_4_with_the_error_code(cli: Cli, sim: Simulator):
    sim.state.set_balance(10)
    result = cli("render", ENGINE, FRESH_CELL, "--json")
    assert result.code == 4
    obj = result.only_json()
    assert obj["http_status"] == 422
    assert obj["error_code"] in {"insufficient_credits_for_job", "insufficient_credits"}
    human = cli("render", ENGINE, FRESH_CELL)
    assert human.code == 4
    assert "Error:" in human.err


def test_unknown_generation_exits_4(cli: Cli):
    result = cli("status", "123456789", "--json")
    assert result.code == 4
    assert result.only_json()["http_status"] == 404


def test_server_errors_after_retries_exit_5(cli: Cli, sim: Simulator):
    started = cli("render", ENGINE, FRESH_CELL, "--json").only_json()
    sim.faults.add("GET", r"/generations/", faults.status(503), times=20)
    result = cli("status", started["generation_id"], "--json")
    assert result.code == 5
    obj = result.only_json()
    assert obj["http_status"] == 503
    assert sim.journal.count("GET", r"/generations/") >= 2  # the READ retry policy ran


def test_unreachable_api_exits_5(cli: Cli):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = cli("status", "1", "--json", base_url=f"http://127.0.0.1:{port}/v1")
    assert result.code == 5
    assert result.only_json()["error_code"] == "unreachable"


def test_download_verification_failure_exits_6_and_leaves_nothing(
    cli: Cli, sim: Simulator, tmp_path: Path
):
    done = cli("render", ENGINE, FRESH_CELL, "--wait", "--json").only_json()
    sim.faults.add("GET", r"^/cdn/", faults.html(), times=5)
    target = tmp_path / "out"
    target.mkdir()
    result = cli("download", done["generation_id"], str(target), "--json")
    assert result.code == 6
    assert result.only_json()["error_code"] == "verification_failed"
    assert list(target.iterdir()) == []


def test_download_completed_generation(cli: Cli, tmp_path: Path):
    done = cli("render", ENGINE, FRESH_CELL, "--wait", "--json").only_json()
    result = cli("download", done["generation_id"], str(tmp_path / "clip.mp4"), "--json")
    assert result.code == 0, result.err
    obj = result.only_json()
    assert obj["path"] == str(tmp_path / "clip.mp4")
    assert (tmp_path / "clip.mp4").stat().st_size == obj["bytes"]
    again = cli("download", done["generation_id"], str(tmp_path / "clip.mp4"), "--json")
    assert again.only_json()["path"] != obj["path"]  # never overwrites silently


def test_download_defaults_to_the_current_directory(cli: Cli, tmp_path: Path, monkeypatch):
    done = cli("render", ENGINE, FRESH_CELL, "--wait", "--json").only_json()
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    result = cli("download", done["generation_id"])
    assert result.code == 0, result.err
    assert [p.suffix for p in here.iterdir()] == [".mp4"]


def test_download_of_a_pending_generation_is_refused(cli: Cli, sim: Simulator, tmp_path: Path):
    # Unfinished whatever the resumed poll task does meanwhile (its next read is ~15 s away).
    sim.state.script_render(pending_s=2, done_s=60)
    started = cli("render", ENGINE, FRESH_CELL, "--json").only_json()
    target = tmp_path / "out"
    target.mkdir()
    result = cli("download", started["generation_id"], str(target))
    assert result.code == 2
    assert "nothing to download yet" in result.err
    assert list(target.iterdir()) == []


def test_download_of_a_failed_generation_exits_1(cli: Cli, sim: Simulator, tmp_path: Path):
    sim.state.script_render("failed")
    failed = cli("render", ENGINE, FRESH_CELL, "--wait", "--json").only_json()
    result = cli("download", failed["generation_id"], str(tmp_path))
    assert result.code == 1
    assert "Nothing to download" in result.err


def test_stop_a_running_render(cli: Cli, sim: Simulator):
    started = cli("render", ENGINE, FRESH_CELL, "--json").only_json()
    result = cli("stop", started["generation_id"], "--json")
    assert result.code == 0
    assert result.only_json()["status"] == "stopped"
    assert sim.journal.count("POST", r"/stop$") == 1
    human = cli("stop", started["generation_id"])
    assert human.code == 4  # already stopped: GEN refuses
    assert "genpro status" in human.err


def test_ctrl_c_while_waiting_does_not_stop_the_render(cli: Cli, sim: Simulator):
    sim.state.script_render(pending_s=2, done_s=60)
    clock = InterruptingClock(cli.sim_clock, after=2)
    result = cli("render", ENGINE, FRESH_CELL, "--wait", "--json", clock=clock)
    assert result.code == 130
    obj = result.only_json()
    assert obj["exit_code"] == 130
    gid = obj["generation_id"]
    assert f"genpro status {gid} --wait" in result.err
    assert sim.journal.count("POST", r"/stop$") == 0
    assert sim.state.render_status(gid) != "stopped"


def test_json_lines_are_the_only_stdout(cli: Cli):
    result = cli("render", ENGINE, FRESH_CELL, "--wait", "--json")
    for line in result.out.splitlines():
        json.loads(line)


# -- local mistakes are not remote outcomes (issue 14 item 4) ----------------------------------


def _job_rows(cli: Cli) -> list[dict[str, object]]:
    listing = cli("jobs", "--all", "--json")
    assert listing.code == 0
    return [json.loads(line) for line in listing.out.splitlines() if line.strip()]


def test_an_empty_or_non_utf8_id_exits_2_before_any_intent_is_recorded(cli: Cli, sim: Simulator):
    # "\udcff" is how Python hands over an argv byte that is not valid UTF-8.
    for engine, cell in ((ENGINE, ""), ("  ", FRESH_CELL), (ENGINE, "41\udcff"), (ENGINE, "..")):
        result = cli("render", engine, cell, "--json")
        assert result.code == 2, (engine, cell, result.err)
        assert "Render started" not in result.out
        assert "may have started" not in result.err
    assert sim.journal.count("POST", r"/render$") == 0
    assert _job_rows(cli) == []  # no intent left behind to stay "outcome unknown" for ever


def test_a_crash_while_submitting_is_a_failure_never_a_start(cli: Cli, sim: Simulator, monkeypatch):
    from genpro_desktop.core.api.resources.renders import Renders

    async def broken(self: object, *args: object, **kwargs: object) -> object:
        raise UnicodeEncodeError("utf-8", "x", 0, 1, "a bug inside the client")

    monkeypatch.setattr(Renders, "create", broken)
    result = cli("render", ENGINE, FRESH_CELL, "--json")
    assert result.code != 0
    assert "Render started" not in result.out + result.err
    [row] = _job_rows(cli)
    assert row["state"] != "submitting"
    assert "internal error" in str(row["attention_reason"] or row["failed_reason"])
