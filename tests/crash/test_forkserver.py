"""The fork server stands in for `python -m genpro_desktop.cli`: a forked run must answer the same
(exit code, stdout, stderr) and die of a SIGKILL the same way."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest
from crashkit import ENGINE, ForkServer, Genpro, simulator

from genpro_desktop.simulator import faults

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the fork server is Linux only")


# Read-only commands, one of each kind of answer: GEN's data as JSON (with a hint on stderr), a
# usage error (exit 2, shaped as JSON), a new local history.
COMMANDS = (
    ("engines", "--json"),
    ("render", "no-such-engine", "1", "--json"),
    ("jobs", "--json"),
)


def test_a_forked_run_answers_like_python_m(
    tmp_path: Path, pycache: Path, forks: ForkServer | None
):
    if forks is None:
        pytest.skip("runs are not forked here (GENPRO_CRASH_EXEC)")
    with simulator() as sim:
        for args in COMMANDS:
            answers: list[tuple[int, str, str]] = []
            for how, server in (("exec", None), ("fork", forks)):
                data = tmp_path / how / "-".join(args)
                done = Genpro(sim, data, pycache, server).run(*args)
                # Each run has its own data folder, named in some messages.
                answers.append((done.code, done.out, done.err.replace(str(data), "DATA")))
            assert answers[0] == answers[1], args
            assert "Traceback" not in answers[1][2]


def test_a_forked_run_is_killed_like_a_subprocess(tmp_path: Path, forks: ForkServer | None):
    if forks is None:
        pytest.skip("runs are not forked here (GENPRO_CRASH_EXEC)")
    with simulator() as sim:
        genpro = Genpro(sim, tmp_path, forks=forks)
        sim.faults.add("POST", r"/render$", faults.hold("held"))
        process = genpro.start("render", ENGINE, "41005", "--json")
        assert sim.faults.wait_held("held", timeout=30)
        assert process.kill() == -signal.SIGKILL
        sim.faults.release("held", drop=True)
    assert genpro.newest("render")["state"] == "submitting"  # the intent it left behind
