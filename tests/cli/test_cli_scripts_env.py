"""Issue 14 items 5-7: scripts, a hostile environment, and the error contract.

Each test pins one behaviour that used to end in exit 70, a traceback, a silent wrong default
or a garbled message.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from clikit import Cli

from genpro_desktop.cli.commands.publishing import local_zone
from genpro_desktop.cli.exit_codes import ExitCode, from_gen_error
from genpro_desktop.core.api.errors import error_from_response
from genpro_desktop.core.jobs.download_runner import _with_resume_note  # pyright: ignore[reportPrivateUsage]
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.paths import app_paths
from genpro_desktop.core.store import Store, StoreOpenError
from genpro_desktop.simulator import DEMO_API_KEY, Simulator, faults

MEDIA = "https://cdn.gen.pro/outputs/render_880001.mp4"
ROOT = Path(__file__).resolve().parents[2]


class _ClosedPipe(io.StringIO):
    """A stdout whose reader has gone away (`genpro ... | head -1` after head exited)."""

    def write(self, s: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def _saved_jobs(data_dir: Path, jobs: list[LocalJob]) -> None:
    import asyncio

    async def save() -> None:
        store = Store.default(app_paths({"GENPRO_DATA_DIR": str(data_dir)}))
        try:
            for job in jobs:
                await store.save_job(job)
        finally:
            await store.aclose()

    asyncio.run(save())


def _job(i: int, **fields: object) -> LocalJob:
    created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
    values: dict[str, object] = {
        "id": new_job_id(),
        "kind": JobKind.RENDER,
        "state": JobState.COMPLETED,
        "agent_id": "4711",
        "created_at": created,
        "updated_at": created,
        "finished_at": created,
        "remote_id": str(880000 + i),
        "title": f"Row {i}",
    }
    values.update(fields)
    return LocalJob(**values)  # pyright: ignore[reportArgumentType]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEN_", "PYTEST"))}
    env.update(extra)
    return env


# -- item 5: scripts ------------------------------------------------------------------------


def test_a_closed_stdout_ends_quietly_in_process(cli: Cli, isolated_data_dir: Path):
    result = cli("engines", "--json", stdout=_ClosedPipe())
    assert result.code == ExitCode.STDOUT_CLOSED == 141
    assert "Internal error" not in result.err
    assert not (isolated_data_dir / "logs" / "genpro-cli-crash.log").exists()


def test_a_closed_stdout_ends_quietly_in_a_real_pipe(tmp_path: Path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "genpro_desktop.cli", "--demo", "engines", "--json"],
        env=_env(GENPRO_DATA_DIR=str(tmp_path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    proc.stdout.close()  # `| head -0`: the reader is gone before the first line
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 141, err
    assert b"Internal error" not in err
    assert b"Traceback" not in err
    assert b"Exception ignored" not in err
    assert not (tmp_path / "logs" / "genpro-cli-crash.log").exists()


def test_a_401_while_waiting_exits_3_instead_of_waiting_for_ever(cli: Cli, sim: Simulator):
    sim.faults.add("GET", r"/generations/", faults.status(401), times=1000)
    result = cli("render", "9101", "41017", "--wait", "--json")
    assert result.code == ExitCode.AUTH, result.err
    obj = result.only_json()
    assert obj["error_code"] == "unauthorized"
    assert obj["generation_id"]
    assert "genpro login" in result.err
    assert f"genpro status {obj['generation_id']} --wait" in result.err


def test_an_empty_base_url_option_is_refused(cli: Cli, sim: Simulator):
    result = cli("engines", "--json", base_url="")
    assert result.code == ExitCode.USAGE
    assert "--base-url is empty" in result.only_json()["error"]
    assert sim.journal.count() == 0


def test_an_empty_base_url_variable_is_refused(
    cli: Cli, sim: Simulator, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("GEN_API_BASE_URL", "")
    result = cli("engines", base_url=None)
    assert result.code == ExitCode.USAGE
    assert "GEN_API_BASE_URL is set but empty" in result.err
    assert sim.journal.count() == 0


def test_a_posix_tz_rule_is_honoured():
    zone = local_zone({"TZ": "UTC+3"})  # POSIX: three hours behind UTC
    assert datetime(2026, 7, 1, 12, tzinfo=zone).utcoffset() == timedelta(hours=-3)
    rule = local_zone({"TZ": "CET-1CEST,M3.5.0,M10.5.0/3"})
    assert datetime(2026, 1, 15, 12, tzinfo=rule).utcoffset() == timedelta(hours=1)
    assert datetime(2026, 7, 15, 12, tzinfo=rule).utcoffset() == timedelta(hours=2)


def test_publish_at_a_local_time_uses_a_posix_tz(
    cli: Cli, sim: Simulator, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TZ", "UTC+3")
    local = (cli.sim_clock.wall() + timedelta(days=1)).replace(second=0, microsecond=0)
    local_text = (local - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")  # wall time at UTC-3
    result = cli(
        "publish", "--legacy", "--media-url", MEDIA, "--description", "tz", "--at", local_text
    )
    assert result.code == 0, result.err
    data = json.loads(json.loads(sim.journal.last("POST", r"/user_jobs").body)["data"])
    assert data["scheduled_time"] == local.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("tz", ["Mars/Olympus", "not a zone", "Europe/Nowhere"])
def test_an_unknown_tz_is_refused_not_read_as_utc(
    cli: Cli, sim: Simulator, monkeypatch: pytest.MonkeyPatch, tz: str
):
    monkeypatch.setenv("TZ", tz)
    at = (cli.sim_clock.wall() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    result = cli("publish", "--media-url", MEDIA, "--description", "x", "--at", at, "--json")
    assert result.code == ExitCode.USAGE, result.err
    assert "TZ=" in result.only_json()["error"]
    assert sim.journal.count("POST", r"/user_jobs") == 0


def test_an_unknown_tz_does_not_matter_when_at_has_an_offset(
    cli: Cli, sim: Simulator, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TZ", "Mars/Olympus")
    at = (cli.sim_clock.wall() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:00Z")
    result = cli("publish", "--legacy", "--media-url", MEDIA, "--description", "x", "--at", at)
    assert result.code == 0, result.err


def test_a_huge_jobs_limit_is_a_usage_error(cli: Cli):
    result = cli("jobs", "--limit", "9" * 30, "--json")
    assert result.code == ExitCode.USAGE
    assert "--all" in result.only_json()["error"]


@pytest.mark.parametrize(
    "args",
    [
        ("publish", "--media-url", MEDIA, "--description", "caf\udce9"),
        ("publish", "--media-url", MEDIA + "?\udcff", "--description", "x"),
        ("--agent", "47\udcff", "engines"),
    ],
)
def test_arguments_that_are_not_utf8_are_usage_errors(cli: Cli, sim: Simulator, args: tuple[str]):
    result = cli(*args, "--json")
    assert result.code == ExitCode.USAGE, result.err
    assert "not valid UTF-8" in result.only_json()["error"]
    assert sim.journal.count() == 0


def test_an_agent_variable_that_is_not_utf8_is_a_usage_error(
    cli: Cli, sim: Simulator, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("GEN_AGENT_ID", "47\udcff")
    result = cli("engines", "--json")
    assert result.code == ExitCode.USAGE, result.err
    assert "GEN_AGENT_ID" in result.only_json()["error"]


def test_a_bogus_keyring_backend_is_exit_3(cli: Cli, monkeypatch: pytest.MonkeyPatch):
    import keyring.core

    from genpro_desktop.core.credentials import KeyringCredentialStore

    monkeypatch.delenv("GEN_API_KEY")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no.such.Backend")
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    cli.store = KeyringCredentialStore()
    result = cli("whoami", "--json")
    assert result.code == ExitCode.AUTH, result.err
    obj = result.only_json()
    assert obj["error_code"] == "no_api_key"
    assert "PYTHON_KEYRING_BACKEND='no.such.Backend'" in obj["error"]


# -- item 6: environment ------------------------------------------------------------------


def test_an_unwritable_log_folder_is_one_quiet_line(cli: Cli, isolated_data_dir: Path):
    (isolated_data_dir / "logs" / "genpro-cli.log").mkdir(parents=True)  # cannot be opened
    result = cli("jobs")
    assert result.code == 0
    assert "Traceback" not in result.err
    assert "Logging error" not in result.err
    assert result.err.count("cannot be written") == 1


def test_a_new_history_is_announced(cli: Cli):
    result = cli("jobs")
    assert result.code == 0
    assert "Starting a new local job history" in result.err


def test_an_emptied_history_is_reported(cli: Cli, isolated_data_dir: Path):
    _saved_jobs(isolated_data_dir, [_job(1)])
    assert cli("jobs").code == 0
    (isolated_data_dir / "data" / "genpro.sqlite3").write_bytes(b"")
    result = cli("jobs")
    assert result.code == 0
    assert "is empty (0 bytes)" in result.err


def test_a_deleted_history_is_reported(cli: Cli, isolated_data_dir: Path):
    _saved_jobs(isolated_data_dir, [_job(1)])
    assert cli("jobs").code == 0
    (isolated_data_dir / "data" / "genpro.sqlite3").unlink()
    result = cli("jobs")
    assert result.code == 0
    assert "is gone" in result.err


def test_jobs_lists_a_history_that_cannot_be_opened_for_writing(
    cli: Cli, isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    _saved_jobs(isolated_data_dir, [_job(1)])
    real_open = Store.open.__func__  # pyright: ignore[reportFunctionMemberAccess]

    def read_only_disk(cls: type[Store], path: Path, *, read_only: bool = False) -> Store:
        if not read_only:  # what a read-only file or mount gives a read-write open
            raise StoreOpenError(f"Could not open the job database at {path}: read-only.")
        return real_open(cls, path, read_only=True)

    monkeypatch.setattr(Store, "open", classmethod(read_only_disk))
    result = cli("jobs", "--json")
    assert result.code == 0, result.err
    assert [obj["remote_id"] for obj in result.json_lines()] == ["880001"]


def test_sigterm_removes_the_demo_folder(tmp_path: Path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    command = ["--demo", "render", "9101", "41017", "--wait", "--json"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "genpro_desktop.cli", *command],
        env=_env(GENPRO_DATA_DIR=str(tmp_path / "data"), TMPDIR=str(scratch)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stderr is not None
    for raw in proc.stderr:  # wait (on the pipe, not a timer) until the render is followed
        if b"Render " in raw:
            break
    assert list(scratch.glob("genpro-demo-*")), "the demo folder should exist while waiting"
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.TERMINATED == 143
    assert json.loads(out.decode().splitlines()[-1])["error_code"] == "terminated"
    assert list(scratch.glob("genpro-demo-*")) == []


# -- item 7: contract and wording ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (500, None, "server_error"),
        (503, {"error": "down"}, "server_error"),
        (429, None, "rate_limited"),
        (400, {"error": "bad"}, "bad_request"),
        (401, None, "unauthorized"),  # an HTML 401 page decodes to no body
        (403, None, "forbidden"),
        (404, None, "route_not_found"),
        (302, None, "redirect_refused"),
        (418, None, "http_error"),
    ],
)
def test_every_api_error_has_an_error_code(status: int, body: object, code: str):
    err = from_gen_error(error_from_response(status, body))
    assert err.to_json()["error_code"] == code
    assert err.to_json()["http_status"] == status


def test_gens_own_error_code_wins(cli: Cli):
    err = from_gen_error(error_from_response(404, {"error": "x", "error_code": "not_found"}))
    assert err.error_code == "not_found"


def test_a_server_error_after_retries_has_an_error_code(cli: Cli, sim: Simulator):
    sim.faults.add("GET", r"/agents/", faults.status(500), times=100)
    result = cli("credits", "--json")
    assert result.code == ExitCode.UNREACHABLE
    assert result.only_json()["error_code"] == "server_error"


@pytest.mark.parametrize(
    "args",
    [
        ("render", "-1", "41017"),
        ("render", "9101", "-5"),
        ("engines", "--add", "-5"),
        ("engine", "-5"),
        ("status", "-5"),
        ("agents", "--set-default", "-1"),
    ],
)
def test_ids_are_checked_the_same_way_everywhere(cli: Cli, sim: Simulator, args: tuple[str]):
    result = cli(*args, "--json")
    assert result.code == ExitCode.USAGE, result.err
    assert "not a" in result.only_json()["error"]
    assert sim.journal.count() == 0


def test_a_refused_render_id_records_no_job(cli: Cli):
    assert cli("render", "-1", "41017").code == ExitCode.USAGE
    assert cli("jobs", "--json").json_lines() == []


def test_an_unknown_publish_outcome_hint_reads_once(cli: Cli, sim: Simulator):
    sim.faults.add("POST", r"/user_jobs", faults.apply_then_status(500))
    result = cli("publish", "--legacy", "--media-url", MEDIA, "--description", "x")
    assert result.code == ExitCode.OUTCOME_UNKNOWN
    assert "Check TikTok" in result.err
    assert "Check Check" not in result.err
    assert ".." not in result.err


def test_the_partial_file_is_mentioned_once():
    once = _with_resume_note("Connection lost; the partial file was kept", kept=True)
    assert once.count("partial file") == 1
    assert once.endswith("retry to resume")
    plain = _with_resume_note("Connection lost", kept=True)
    assert plain == "Connection lost (the partial file is kept; retry to resume)"


def test_jobs_gives_advice_the_pointed_command_can_follow(cli: Cli, isolated_data_dir: Path):
    failed_download = _job(
        1,
        kind=JobKind.DOWNLOAD,
        state=JobState.FAILED,
        failed_reason="Connection lost",
        target_path="/tmp/x.mp4",
        part_path="/tmp/.x.mp4.part",
        remote_id=None,
    )
    _saved_jobs(isolated_data_dir, [failed_download])
    result = cli("jobs")
    assert "need your attention" in result.err
    assert f"genpro retry {failed_download.id[:8]}" in result.err
    # `genpro resume` only picks up unfinished jobs: it would say "Nothing to resume" here.
    assert "genpro resume" not in result.err


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--description", "hi \x1b[31mred"),
        ("--description", "nul\x00"),
        ("--media-url", MEDIA + "\r\nX-Evil: 1"),
        ("--media-url", "https://user:secret@cdn.gen.pro/x.mp4"),
        ("--thumbnail-url", "https://cdn.gen.pro/x.jpg\n"),
    ],
)
def test_control_characters_and_userinfo_are_refused_before_sending(
    cli: Cli, sim: Simulator, flag: str, value: str
):
    args = {"--media-url": MEDIA, "--description": "x", flag: value}
    result = cli("publish", *[item for pair in args.items() for item in pair], "--json")
    assert result.code == ExitCode.USAGE, result.err
    assert sim.journal.count("POST", r"/user_jobs") == 0


def test_line_breaks_in_a_caption_are_fine(cli: Cli):
    result = cli(
        "publish", "--legacy", "--media-url", MEDIA, "--description", "line 1\nline 2\ttab"
    )
    assert result.code == 0, result.err


def test_an_absurdly_long_key_is_refused(cli: Cli, sim: Simulator, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GEN_API_KEY", DEMO_API_KEY + "x" * 600)
    result = cli("whoami", "--json")
    assert result.code == ExitCode.AUTH
    assert result.only_json()["error_code"] == "invalid_api_key"
    assert sim.journal.count() == 0


def test_a_long_job_list_is_streamed_not_laid_out_as_one_table(cli: Cli, isolated_data_dir: Path):
    _saved_jobs(isolated_data_dir, [_job(i) for i in range(250)])
    result = cli("jobs", "--all")
    assert result.code == 0
    lines = result.out.splitlines()
    assert len(lines) == 251  # a header and one line per job, no table frame
    assert lines[0].split()[:3] == ["Job", "Kind", "State"]
    assert "880249" in lines[1]  # newest first
    assert not any(ch in result.out for ch in "│┃━─")


def test_docs_list_every_exit_code_and_every_cli_error_code():
    import re

    from genpro_desktop.cli import exit_codes

    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    exit_table = docs.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented_exits = {int(m) for m in re.findall(r"^\| (\d+) \|", exit_table, re.M)}
    assert documented_exits == {int(code) for code in ExitCode}
    source = "\n".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "genpro_desktop" / "cli").rglob("*.py")
    )
    codes = set(re.findall(r'error_code="([a-z_]+)"', source))
    codes |= set(exit_codes._STATUS_CODES.values()) | set(exit_codes._EXIT_CODES.values())  # pyright: ignore[reportPrivateUsage]
    codes |= {"route_not_found", "redirect_refused", "server_error", "http_error", "refused"}
    missing = sorted(code for code in codes if f"`{code}`" not in docs)
    assert missing == []


def test_an_empty_publish_host_variable_is_refused(
    cli: Cli, sim: Simulator, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("GEN_PUBLISH_BASE_URL", " ")
    result = cli("engines", "--json")
    assert result.code == ExitCode.USAGE
    assert "GEN_PUBLISH_BASE_URL is set but empty" in result.only_json()["error"]
    assert sim.journal.count() == 0


def test_a_plain_http_publish_host_is_refused_before_anything_is_sent(
    cli: Cli, sim: Simulator, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("GEN_PUBLISH_BASE_URL", "http://10.0.0.8/v1")
    result = cli("engines", "--json")
    assert result.code == ExitCode.USAGE
    assert "Refusing GEN_PUBLISH_BASE_URL" in result.only_json()["error"]
    assert sim.journal.count() == 0
