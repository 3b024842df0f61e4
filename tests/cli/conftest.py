"""Fixtures for the CLI tests (helpers live in clikit.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from clikit import Cli

from genpro_desktop.simulator import DEMO_API_KEY, ManualClock, Simulator


@pytest.fixture
def cli(
    sim: Simulator,
    sim_clock: ManualClock,
    isolated_data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Cli:
    """A signed-in CLI (GEN_API_KEY = the demo key, agent 4711) pointed at the simulator."""
    monkeypatch.setenv("GEN_API_KEY", DEMO_API_KEY)
    monkeypatch.setenv("GEN_AGENT_ID", "4711")
    monkeypatch.delenv("TZ", raising=False)
    return Cli(sim, sim_clock, capsys)


@pytest.fixture
def data_files(isolated_data_dir: Path) -> Callable[[], list[Path]]:
    """Every file the CLI wrote under GENPRO_DATA_DIR."""

    def files() -> list[Path]:
        return sorted(p for p in isolated_data_dir.rglob("*") if p.is_file())

    return files
