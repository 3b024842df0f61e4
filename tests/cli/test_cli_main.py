"""Parsing, usage errors, internal errors, secrecy of the key, simulate, and a real process."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from clikit import Cli, SimDrivenClock

from genpro_desktop.cli import main as main_module
from genpro_desktop.cli.commands import account
from genpro_desktop.cli.context import Runtime
from genpro_desktop.cli.main import main
from genpro_desktop.core.credentials import MemoryCredentialStore
from genpro_desktop.simulator import DEMO_API_KEY, ManualClock, Simulator, faults

SECRET = "gen_pat_TOPSECRET_1234567890abcdef"


def test_help_exits_0(cli: Cli):
    result = cli("--help", base_url=None)
    assert result.code == 0
    for command in ("login", "render", "publish-status", "simulate", "jobs"):
        assert command in result.out
    assert "exit codes" in result.out


def test_version(cli: Cli):
    result = cli("--version", base_url=None)
    assert result.code == 0
    assert result.out.startswith("genpro ")


def test_unknown_command_is_a_usage_error(cli: Cli):
    result = cli("fly", base_url=None)
    assert result.code == 2
    assert "usage: genpro" in result.err
    assert result.out == ""


def test_usage_error_with_json_prints_an_error_object(cli: Cli):
    result = cli("status", "--json", base_url=None)  # GENERATION_ID missing
    assert result.code == 2
    obj = result.only_json()
    assert obj["exit_code"] == 2
    assert obj["error_code"] == "usage_error"
    assert set(obj) >= {"error", "error_code", "http_status", "exit_code"}


def test_bad_timeout_is_a_usage_error(cli: Cli):
    assert cli("status", "1", "--wait", "--timeout", "-3").code == 2


def test_plain_http_off_loopback_is_refused_before_anything(cli: Cli, sim: Simulator):
    result = cli("whoami", "--json", base_url="http://api.gen.pro/v1")
    assert result.code == 2
    assert "unencrypted" in result.only_json()["error"]
    assert sim.journal.count() == 0


def test_base_url_from_the_environment(cli: Cli, sim: Simulator, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GEN_API_BASE_URL", sim.base_url)
    result = cli("whoami", "--json", base_url=None)
    assert result.code == 0
    assert result.only_json()["base_url"] == sim.base_url
    monkeypatch.setenv("GEN_API_BASE_URL", "http://10.0.0.8/v1")
    assert cli("whoami", base_url=None).code == 2


def test_global_options_work_before_and_after_the_command(cli: Cli, sim: Simulator):
    before = cli("--json", "--agent", "4711", "credits")
    after = cli("credits", "--agent", "4711", "--json", "--prefix", "vidsheet")
    assert before.only_json() == after.only_json()


def test_fixed_prefix_is_used(cli: Cli, sim: Simulator):
    assert cli("engine", "9101", "--prefix", "autocontentengine").code == 0
    assert sim.journal.count("GET", r"^/v1/autocontentengine/9101") == 1
    assert sim.journal.count("GET", r"^/v1/vidsheet/") == 0


def test_internal_error_is_one_line_plus_a_log_file(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, isolated_data_dir: Path
):
    async def broken(ctx, args):
        await ctx.client()
        raise RuntimeError(f"boom with {DEMO_API_KEY} inside")

    monkeypatch.setattr(account, "run_whoami", broken)
    result = cli("whoami")
    assert result.code == 70
    assert "Traceback" not in result.err
    assert "Internal error: RuntimeError: boom" in result.err
    assert DEMO_API_KEY not in result.err
    crash = isolated_data_dir / "logs" / main_module.CRASH_FILE_NAME
    assert str(crash) in " ".join(result.err.split()) or crash.name in result.err
    text = crash.read_text("utf-8")
    assert "Traceback" in text
    assert "RuntimeError" in text
    assert DEMO_API_KEY not in text


def test_internal_error_json(cli: Cli, monkeypatch: pytest.MonkeyPatch):
    async def broken(ctx, args):
        raise ValueError("unexpected")

    monkeypatch.setattr(account, "run_credits", broken)
    obj = cli("credits", "--json").only_json()
    assert obj["exit_code"] == 70
    assert obj["error_code"] == "internal_error"
    assert obj["log_file"]


def test_the_key_never_appears_in_output_or_files(
    isolated_data_dir: Path,
    sim_clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    data_files: Callable[[], list[Path]],
    tmp_path: Path,
):
    """Drive many paths (success, 401, 5xx, outcome unknown, crash) with a distinctive key."""
    seen = io.StringIO()
    with Simulator(api_key=SECRET, clock=sim_clock) as secret_sim:
        monkeypatch.setenv("GEN_AGENT_ID", "4711")
        store = MemoryCredentialStore()

        def run(*args: str, stdin: str = "") -> int:
            runtime = Runtime(
                clock=SimDrivenClock(sim_clock),
                credential_store=store,
                stdin=io.StringIO(stdin),
            )
            code = main(["--base-url", secret_sim.base_url, *args], runtime=runtime)
            captured = capsys.readouterr()
            seen.write(captured.out + captured.err)
            return code

        assert run("login", stdin=SECRET + "\n") == 0
        assert run("whoami") == 0
        assert run("whoami", "--json") == 0
        assert run("render", "9101", "41017", "--wait", "--download", str(tmp_path)) == 0
        secret_sim.faults.add("GET", r"/me$", faults.status(503), times=10)
        assert run("whoami", "--json") == 5
        secret_sim.faults.clear()
        secret_sim.faults.add("POST", r"/render$", faults.apply_then_status(502))
        assert run("render", "9101", "41023", "--json") == 7
        monkeypatch.setenv("GEN_API_KEY", SECRET + "x")
        assert run("whoami") == 3
        monkeypatch.delenv("GEN_API_KEY")

        async def broken(ctx, args):
            await ctx.client()
            raise RuntimeError(f"leaky {SECRET}")

        monkeypatch.setattr(account, "run_whoami", broken)
        assert run("whoami") == 70
        assert run("logout") == 0
    text = seen.getvalue()
    assert "Signed in as" in text
    assert SECRET not in text
    files = data_files()
    assert any(p.name == main_module.LOG_FILE_NAME for p in files)
    assert any(p.name == main_module.CRASH_FILE_NAME for p in files)
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path


def test_simulate_serves_until_interrupted(cli: Cli):
    answers: list[int] = []

    async def use_it(base_url: str) -> None:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{base_url}/me", headers={"X-API-Key": DEMO_API_KEY})
            answers.append(response.status_code)

    result = cli("simulate", "--json", base_url=None, serve_until_interrupted=use_it)
    assert result.code == 0, result.err
    assert answers == [200]
    obj = result.only_json()
    assert obj["api_key"] == DEMO_API_KEY
    assert obj["base_url"].startswith("http://127.0.0.1:")
    assert "Simulator stopped" in result.err


def test_simulate_human_output(cli: Cli):
    async def stop_at_once(base_url: str) -> None:
        return None

    result = cli("simulate", "--speed", "4", base_url=None, serve_until_interrupted=stop_at_once)
    assert result.code == 0
    assert "GEN simulator serving at http://127.0.0.1:" in result.out
    assert DEMO_API_KEY in result.out


def test_simulate_on_a_busy_port_is_a_usage_error(cli: Cli, sim: Simulator):
    result = cli("simulate", "--port", str(sim.port), base_url=None)
    assert result.code == 2
    assert "Could not start the simulator" in result.err


def test_demo_in_process(cli: Cli, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("GEN_API_KEY")
    monkeypatch.delenv("GEN_AGENT_ID")
    result = cli("--demo", "credits", "--json", base_url=None)
    assert result.code == 0, result.err
    assert result.only_json()["agent_id"] == "4711"
    assert "Demo mode" in result.err


def test_module_entry_point_end_to_end(tmp_path: Path):
    """A real process: `python -m genpro_desktop.cli --demo engines --json`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"GEN_API_KEY", "GEN_AGENT_ID", "GEN_API_BASE_URL"}
    }
    env["GENPRO_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-m", "genpro_desktop.cli", "--demo", "engines", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [obj["id"] for obj in lines] == ["9101", "9102", "9103"]
    assert "Traceback" not in done.stderr


def test_demo_render_and_download_in_a_real_process(tmp_path: Path):
    """`--demo` tracks its jobs in a throwaway store: the real history stays untouched."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"GEN_API_KEY", "GEN_AGENT_ID", "GEN_API_BASE_URL"}
    }
    data = tmp_path / "data"
    env["GENPRO_DATA_DIR"] = str(data)
    out = tmp_path / "videos"
    command = ["--demo", "render", "9101", "41017", "--download", f"{out}/", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "genpro_desktop.cli", *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    obj = json.loads(done.stdout)
    assert obj["status"] == "completed"
    assert Path(obj["path"]).parent == out
    assert Path(obj["path"]).stat().st_size == obj["bytes"]
    assert not (data / "data" / "genpro.sqlite3").exists()
    assert "Traceback" not in done.stderr
