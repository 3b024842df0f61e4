"""Ctrl-C reaches the command even when the test run itself was started with SIGINT ignored.

A background job of a non-interactive shell (`pytest &` in a script, some CI runners) inherits
SIGINT as ignored; the Ctrl-C tests must still see the command interrupted, and the run's own
disposition must be left as it was.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
from clikit import Cli, InterruptingClock

from genpro_desktop.simulator import Simulator

ENGINE = "9101"
FRESH_CELL = "41017"


@pytest.fixture
def sigint_ignored() -> Iterator[None]:
    """This process ignores SIGINT, as one started in the background by `sh -c '... &'` does."""
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.usefixtures("sigint_ignored")
def test_ctrl_c_is_delivered_when_the_test_run_ignores_sigint(cli: Cli, sim: Simulator):
    sim.state.script_render(pending_s=2, done_s=60)  # still running at the second wait
    clock = InterruptingClock(cli.sim_clock, after=2)
    result = cli("render", ENGINE, FRESH_CELL, "--wait", "--json", clock=clock)
    assert clock.pressed
    assert result.code == 130
    assert sim.journal.count("POST", r"/stop$") == 0
    # The run's own disposition is back once the command has returned.
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_the_default_handler_is_put_back_after_a_command(cli: Cli):
    before = signal.getsignal(signal.SIGINT)
    assert cli("whoami", "--json").code == 0
    assert signal.getsignal(signal.SIGINT) is before
