"""jobs / resume / retry / dismiss, the single-instance lock, and waiting through the tracker."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from clikit import Cli

from genpro_desktop.core.paths import app_paths
from genpro_desktop.core.store import InstanceLock
from genpro_desktop.simulator import RENDER_DONE_S, Simulator, faults

ENGINE = "9101"
CELL = "41017"
OTHER_CELL = "41023"
MEDIA = "https://cdn.gen.pro/outputs/render_880001.mp4"


class Terminal(io.StringIO):
    """A stdin that claims to be a terminal (retry asks for confirmation there)."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def desktop_app(isolated_data_dir: Path) -> Iterator[InstanceLock]:
    """The desktop app holding the single-instance lock of the data folder."""
    lock = InstanceLock.default(app_paths())
    assert lock.acquire()
    yield lock
    lock.release()


def _outcome_unknown_render(cli: Cli, sim: Simulator) -> dict:
    """A render whose POST GEN applied but whose answer was lost (exit 7)."""
    sim.faults.add("POST", r"/render$", faults.apply_then_status(502))
    result = cli("render", ENGINE, CELL, "--wait", "--json")
    assert result.code == 7, result.err
    return result.only_json()


# -- jobs -----------------------------------------------------------------------------------


def test_jobs_on_a_fresh_install(cli: Cli):
    result = cli("jobs")
    assert result.code == 0
    assert result.out == ""
    assert "No jobs in the local history" in result.err


def test_jobs_lists_renders_downloads_and_publishes(cli: Cli, tmp_path: Path):
    render = cli("render", ENGINE, CELL, "--download", f"{tmp_path}/", "--json").only_json()
    publish = cli(
        "publish", "--legacy", "--media-url", MEDIA, "--description", "Hi", "--json"
    ).only_json()
    listed = cli("jobs", "--json")
    assert listed.code == 0
    jobs = listed.json_lines()
    assert [job["kind"] for job in jobs] == ["publish", "download", "render"]  # newest first
    by_kind = {job["kind"]: job for job in jobs}
    assert by_kind["render"]["remote_id"] == render["generation_id"]
    assert by_kind["render"]["state"] == "completed"
    assert by_kind["render"]["execution_cost"] == "47.5"
    assert by_kind["render"]["actions"] == ["download", "publish"]
    assert by_kind["download"]["state"] == "downloaded"
    assert by_kind["download"]["parent_id"] == by_kind["render"]["id"]
    assert by_kind["download"]["target_path"] == render["path"]
    assert by_kind["publish"]["remote_id"] == publish["user_job_id"]
    assert by_kind["publish"]["caption"] == "Hi"
    human = cli("jobs")
    assert human.code == 0
    for job in jobs:
        assert job["id"][:8] in human.out
    assert "downloaded" in human.out


def test_jobs_filters(cli: Cli, sim: Simulator):
    cli("render", ENGINE, CELL, "--wait")
    sim.state.script_render("failed", failed_reason="Layer 2 has no media")
    cli("render", ENGINE, OTHER_CELL, "--wait")
    failed = cli("jobs", "--state", "failed", "--json").json_lines()
    assert [job["failed_reason"] for job in failed] == ["Layer 2 has no media"]
    both = cli("jobs", "--state", "failed", "--state", "completed", "--json").json_lines()
    assert len(both) == 2
    assert cli("jobs", "--kind", "publish", "--json").out == ""
    assert len(cli("jobs", "--limit", "1", "--json").json_lines()) == 1
    assert cli("jobs", "--state", "nonsense").code == 2
    assert cli("jobs", "--limit", "0").code == 2


def test_jobs_are_readable_while_the_desktop_app_tracks(
    cli: Cli, sim: Simulator, desktop_app: InstanceLock
):
    desktop_app.release()
    started = cli("render", ENGINE, CELL, "--json").only_json()
    assert desktop_app.acquire()
    listed = cli("jobs")
    assert listed.code == 0, listed.err
    assert started["job_id"][:8] in listed.out
    assert "read-only" in listed.err
    # A single read from GEN still works; tracking commands are refused, nothing is sent.
    assert cli("status", started["generation_id"]).code == 0
    posts = sim.journal.count("POST", r"/render$")
    refused = cli("render", ENGINE, OTHER_CELL, "--json")
    assert refused.code == 2
    obj = refused.only_json()
    assert obj["error_code"] == "instance_locked"
    assert "genpro-desktop (pid" in obj["error"]
    assert obj["holder_pid"] is not None
    assert sim.journal.count("POST", r"/render$") == posts
    for command in (["resume"], ["status", started["generation_id"], "--wait"]):
        assert cli(*command).code == 2


def test_publishing_while_the_desktop_app_tracks_is_refused_without_a_request(
    cli: Cli, sim: Simulator, desktop_app: InstanceLock
):
    """Row 22: a second instance never sends the publish the first one owns."""
    for extra in ([], ["--wait"], ["--allow-duplicate"]):
        refused = cli(
            "publish",
            "--legacy",
            "--media-url",
            MEDIA,
            "--description",
            "Hi #gen",
            "--json",
            *extra,
        )
        assert refused.code == 2, refused.err
        assert refused.only_json()["error_code"] == "instance_locked"
    assert sim.journal.count("POST", r"/user_jobs$") == 0
    assert desktop_app.held


# -- resume ---------------------------------------------------------------------------------


def test_resume_with_nothing_to_do(cli: Cli):
    result = cli("resume", "--wait")
    assert result.code == 0
    assert "Nothing to resume" in result.out


def test_resume_wait_finishes_renders_left_running(cli: Cli, sim: Simulator):
    # Long enough to be unfinished at any read `resume` (without --wait) may make.
    sim.state.script_render(pending_s=2, done_s=60)
    sim.state.script_render(pending_s=2, done_s=60)
    first = cli("render", ENGINE, CELL, "--json").only_json()
    second = cli("render", ENGINE, OTHER_CELL, "--json").only_json()
    assert {first["status"], second["status"]} == {"pending"}
    peek = cli("resume", "--json")  # without --wait: one read each, then report
    assert peek.code == 0, peek.err
    assert {job["state"] for job in peek.json_lines()} <= {"pending", "processing"}
    assert "resume --wait" in peek.err
    result = cli("resume", "--wait", "--json")
    assert result.code == 0, result.err
    jobs = result.json_lines()
    assert {job["remote_id"] for job in jobs} == {first["generation_id"], second["generation_id"]}
    assert {job["state"] for job in jobs} == {"completed"}
    assert sim.journal.count("POST", r"/render$") == 2  # resuming never re-sends
    human = cli("resume")
    assert "Nothing to resume" in human.out


def test_outcome_unknown_then_resume_retry_and_dismiss(cli: Cli, sim: Simulator):
    lost = _outcome_unknown_render(cli, sim)
    key = lost["idempotency_key"]
    job_id = lost["job_id"]
    listed = cli("jobs", "--json").only_json()
    assert listed["state"] == "outcome_unknown"
    assert listed["actions"] == ["retry", "dismiss"]

    resumed = cli("resume")
    assert resumed.code == 7
    said = " ".join(resumed.out.split())
    assert "Needs your attention" in said
    assert f"genpro retry {job_id[:8]}" in said
    assert f"genpro engine {ENGINE}" in said

    refused = cli("retry", job_id[:8])  # not a terminal and no --yes: nothing happens
    assert refused.code == 2
    assert "--yes" in refused.err
    assert sim.journal.count("POST", r"/render$") == 1

    retried = cli("retry", job_id[:8], "--yes", "--wait", "--json")
    assert retried.code == 0, retried.err
    obj = retried.only_json()
    assert obj["status"] == "completed"
    posts = sim.journal.find("POST", r"/render$")
    assert [p.headers.get("Idempotency-Key") for p in posts] == [key, key]
    charged = [e for e in sim.state.ledger() if e.kind == "precharge"]
    assert len(charged) == 1  # GEN replayed the render it had started: charged once
    assert cli("resume").code == 0

    again = _outcome_unknown_render(cli, sim)
    assert cli("dismiss", again["job_id"]).code == 0
    assert cli("jobs", "--state", "dismissed", "--json").only_json()["id"] == again["job_id"]
    assert cli("dismiss", again["job_id"]).code == 2  # already dismissed
    assert cli("resume").code == 0


def test_retry_asks_on_a_terminal(cli: Cli, sim: Simulator):
    lost = _outcome_unknown_render(cli, sim)
    asked: list[str] = []

    def no(question: str) -> bool:
        asked.append(question)
        return False

    declined = cli("retry", lost["job_id"], stdin=Terminal(), confirm=no)
    assert declined.code == 2
    assert "Not retried" in declined.err
    assert "render again" in asked[0]
    assert sim.journal.count("POST", r"/render$") == 1
    accepted = cli("retry", lost["job_id"], stdin=Terminal(), confirm=lambda _q: True)
    assert accepted.code == 0, accepted.err
    assert sim.journal.count("POST", r"/render$") == 2


def test_job_references(cli: Cli, sim: Simulator):
    done = cli("render", ENGINE, CELL, "--wait", "--json").only_json()
    by_remote = cli("dismiss", done["generation_id"])
    assert by_remote.code == 2  # found by its GEN id, but a completed job is not dismissable
    assert "only a job that waits for you" in by_remote.err
    assert cli("retry", "zzzz-nope").code == 2
    assert "No job" in cli("retry", "zzzz-nope").err
    assert cli("retry", done["job_id"][:8], "--yes").code == 2  # completed: nothing to retry


# -- waiting through the tracker ------------------------------------------------------------


def test_status_wait_adopts_a_generation_started_elsewhere(cli: Cli, sim: Simulator):
    started = cli("render", ENGINE, CELL, "--json").only_json()
    # Another computer's render: not in this history yet.
    foreign = sim.state.render("4711", ENGINE, OTHER_CELL)
    gid = str(foreign.body["generation_id"])
    cli.sim_clock.advance(RENDER_DONE_S + 1)
    result = cli("status", gid, "--wait", "--json")
    assert result.code == 0, result.err
    assert result.only_json()["status"] == "completed"
    remotes = {job["remote_id"] for job in cli("jobs", "--json").json_lines()}
    assert remotes == {gid, started["generation_id"]}


def test_status_wait_of_an_unknown_generation_tracks_nothing(cli: Cli):
    result = cli("status", "123456789", "--wait", "--json")
    assert result.code == 4
    assert cli("jobs", "--json").out == ""


def test_publish_status_wait_reports_the_post(cli: Cli):
    created = cli(
        "publish", "--legacy", "--media-url", MEDIA, "--description", "x", "--json"
    ).only_json()
    result = cli("publish-status", created["user_job_id"], "--wait", "--json")
    assert result.code == 0, result.err
    obj = result.only_json()
    assert obj["post_id"]
    assert obj["job_id"] == created["job_id"]  # the same local job, not a second one


def test_ctrl_c_while_resuming_keeps_the_jobs(cli: Cli, sim: Simulator):
    from clikit import InterruptingClock

    started = cli("render", ENGINE, CELL, "--json").only_json()
    result = cli("resume", "--wait", clock=InterruptingClock(cli.sim_clock, after=2))
    assert result.code == 130
    assert "genpro resume --wait" in result.err
    assert "Traceback" not in result.err
    job = cli("jobs", "--json").only_json()
    assert job["remote_id"] == started["generation_id"]
    assert job["state"] in ("pending", "processing")


class TerminalOutput(io.StringIO):
    """A stderr that claims to be a terminal, so the live displays (rich) are used."""

    def isatty(self) -> bool:
        return True


def test_live_displays_on_a_terminal(cli: Cli, tmp_path: Path):
    """A spinner while rendering, then a byte bar while downloading (one live display at a
    time), and one line per change for several jobs."""
    err = TerminalOutput()
    result = cli("render", ENGINE, CELL, "--download", f"{tmp_path}/", stderr=err)
    assert result.code == 0, err.getvalue()
    assert "Saved to" in result.out
    assert "Error" not in err.getvalue()
    cli("render", ENGINE, OTHER_CELL)
    resumed = cli("resume", "--wait", stderr=TerminalOutput())
    assert resumed.code == 0


def test_status_wait_reads_a_parked_job_again(cli: Cli, sim: Simulator):
    sim.state.script_render(pending_s=2, done_s=60)
    started = cli("render", ENGINE, CELL, "--json").only_json()
    gid = started["generation_id"]
    gone = faults.status(404, body={"error": "not found", "error_code": "not_found"})
    # Every read of this command is refused: the resumed poll and the status read may both ask.
    sim.faults.add("GET", r"/generations/\d+$", gone, times=100)
    parked = cli("status", gid, "--wait", "--json")
    assert parked.code == 1
    assert parked.json_lines()[-1]["error_code"] == "needs_attention"
    assert cli("jobs", "--json").only_json()["state"] == "needs_attention"
    sim.faults.clear()
    again = cli("status", gid, "--wait", "--json")  # GEN answers normally now
    assert again.code == 0, again.err
    assert again.only_json()["status"] == "completed"


# -- unreadable job records (issue 14 item 3) -------------------------------------------------


def _damage(job_id: str, data: str = '{"id": 5, "state": "archived"') -> None:
    """Make a stored job's record undecodable (as a crash or a newer version would)."""
    import sqlite3

    from genpro_desktop.core.store import DB_FILENAME

    conn = sqlite3.connect(app_paths().data_dir / DB_FILENAME)
    try:
        with conn:
            conn.execute("UPDATE jobs SET data = ? WHERE id = ?", (data, job_id))
    finally:
        conn.close()


def test_an_unreadable_publish_is_listed_and_still_refused_as_a_duplicate(cli: Cli, sim: Simulator):
    args = ("publish", "--legacy", "--media-url", MEDIA, "--description", "same #GEN", "--json")
    first = cli(*args).only_json()
    _damage(first["job_id"])
    listed = cli("jobs", "--json")
    assert listed.code == 0
    [row] = [line for line in listed.json_lines() if line["id"] == first["job_id"]]
    assert row["unreadable"] is True
    assert row["kind"] == "publish"
    assert row["remote_id"] == first["user_job_id"]
    assert row["dedupe_key"]
    assert "cannot be read" in cli("jobs").err
    again = cli(*args)
    assert again.code == 2, again.err
    assert again.only_json()["error_code"] == "duplicate_publish"
    assert sim.journal.count("POST", r"/user_jobs$") == 1  # the post did not go out again


def test_resume_keeps_following_the_gen_id_of_an_unreadable_render(cli: Cli, sim: Simulator):
    started = cli("render", ENGINE, CELL, "--json").only_json()
    _damage(started["job_id"])
    result = cli("resume", "--wait", "--json")
    assert f"Unreadable record {started['job_id'][:8]}" in result.err
    followed = [
        line
        for line in result.json_lines()
        if line.get("remote_id") == started["generation_id"] and not line.get("unreadable")
    ]
    assert followed, result.out
    assert followed[-1]["state"] == "completed"
    assert sim.journal.count("POST", r"/render$") == 1


# -- retry past GEN's idempotency window (issue 14 item 2) ------------------------------------


def test_retry_past_the_idempotency_window_needs_force(cli: Cli, sim: Simulator, sim_clock):
    sim.faults.add("POST", r"/render$", faults.status(502))  # GEN never created it
    lost = cli("render", ENGINE, CELL, "--json")
    assert lost.code == 7, lost.err
    job_id = lost.only_json()["job_id"]
    sim_clock.advance(25 * 3600)  # a day later: GEN has forgotten the idempotency key
    refused = cli("retry", job_id, "--yes", "--json")
    assert refused.code == 2, refused.err
    obj = refused.only_json()
    assert obj["error_code"] == "duplicate_risk"
    assert "no longer protects against a duplicate" in obj["error"]
    assert "--force" in refused.err
    assert sim.journal.count("GET", r"/cells/\d+$") == 1  # it looked on GEN first
    assert sim.journal.count("POST", r"/render$") == 1  # nothing re-sent
    asked: list[str] = []

    def yes(question: str) -> bool:
        asked.append(question)
        return True

    forced = cli("retry", job_id, "--force", stdin=Terminal(), confirm=yes)
    assert forced.code == 0, forced.err
    assert "no longer protects against a duplicate" in asked[0]
    assert sim.journal.count("POST", r"/render$") == 2


def test_retry_past_the_window_follows_the_render_gen_already_started(
    cli: Cli, sim: Simulator, sim_clock
):
    lost = _outcome_unknown_render(cli, sim)  # GEN created it; the answer was lost
    sim_clock.advance(25 * 3600)
    found = cli("retry", lost["job_id"], "--yes", "--json")
    assert found.code == 0, found.err
    assert "Found on GEN" in found.err
    assert found.only_json()["generation_id"]
    assert sim.journal.count("POST", r"/render$") == 1  # not charged a second time


def test_jobs_names_a_render_by_its_engine_row_and_text(cli: Cli, monkeypatch: pytest.MonkeyPatch):
    """A render started from the desktop grid keeps its engine, row and the row's text: the
    CLI's list shows the same title as the Jobs panel, and --json adds the fields."""
    import asyncio
    from datetime import UTC, datetime

    from genpro_desktop.core.jobs import JobKind, JobState, LocalJob, RenderOrigin
    from genpro_desktop.core.store import Store

    now = datetime.now(UTC)
    origin = RenderOrigin("Spring launch", 5, "Summer sale on every sneaker", batch_id="b7")
    job = LocalJob(
        id="a1b2c3d4e5f6",
        kind=JobKind.RENDER,
        state=JobState.COMPLETED,
        agent_id="4711",
        created_at=now,
        updated_at=now,
        remote_id="880001",
        engine_id=ENGINE,
        cell_id=CELL,
        title="Spring launch · row 5",
        **origin.fields(),  # type: ignore[arg-type]
    )

    async def save() -> None:
        async with Store.default(app_paths()) as store:
            await store.save_job(job)

    asyncio.run(save())
    monkeypatch.setenv("COLUMNS", "200")  # the table on one line per job
    human = cli("jobs")
    assert human.code == 0, human.err
    assert "Spring launch · row 5 · “Summer sale on every sneaker”" in human.out
    listed = cli("jobs", "--json").only_json()
    assert listed["title"] == "Spring launch · row 5"  # the stored field keeps its name
    assert (listed["engine_title"], listed["row_number"], listed["batch_id"]) == (
        "Spring launch",
        5,
        "b7",
    )
    assert listed["row_text"] == "Summer sale on every sneaker"
