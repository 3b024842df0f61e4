"""Shared fixtures: a simulator on a real socket, a client bound to it, a fake clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Generator, Iterator

import pytest
from hypothesis import settings

from genpro_desktop.core.api import PREFIX_MEMORY, GenClient
from genpro_desktop.core.clock import FakeClock
from genpro_desktop.simulator import DEMO_API_KEY, ManualClock, Simulator

# Qt widgets in tests never need a screen; CI sets this too.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Hypothesis fails an example that takes over 200 ms of wall time. On a shared or busy machine
# (two workers, other jobs) a store example doing real fsyncs went over that: wall time says
# nothing about the property under test, so no deadline (the 180 s pytest-timeout still applies).
settings.register_profile("genpro", deadline=None)
settings.load_profile("genpro")

# Test processes by default: the suite waits on sockets and child processes much of the time, so
# two workers keep two cores busy; more than two buys little and costs a collection each.
DEFAULT_WORKERS = 2


def _cores() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, object, object]:
    """The whole suite (`uv run pytest`, no paths) runs on min(2, cores) pytest-xdist workers.

    Here rather than `-n 2` in addopts, so that `-p no:xdist` still works (pytest would refuse
    an unknown `-n`). Left alone: a run of chosen paths (starting workers costs more than a few
    files take), an explicit -n/--dist/--tx (`-n 0` runs serially, `-n 2` distributes chosen
    paths), --pdb, --trace, a single core, and the workers themselves.
    """
    option = config.option
    explicit = (
        getattr(option, "numprocesses", None) is not None
        or getattr(option, "dist", "no") != "no"
        or getattr(option, "tx", None)
    )
    wanted = min(DEFAULT_WORKERS, _cores())
    if (
        config.pluginmanager.hasplugin("xdist")
        and not hasattr(config, "workerinput")
        and not explicit
        and config.args_source is not pytest.Config.ArgsSource.ARGS
        and not (option.usepdb or getattr(option, "trace", False))
        and wanted > 1
    ):
        option.numprocesses = wanted
        option.dist = "loadgroup"
    return (yield)


@pytest.fixture(autouse=True)
def _forget_remembered_prefixes() -> Iterator[None]:
    """Ports are reused between tests, so a prefix remembered for one base URL must not leak."""
    PREFIX_MEMORY.clear()
    yield
    PREFIX_MEMORY.clear()


@pytest.fixture
def isolated_data_dir(tmp_path, monkeypatch):
    """Every test gets its own GENPRO_DATA_DIR and no GEN_API_KEY from the environment."""
    data = tmp_path / "genpro-data"
    monkeypatch.setenv("GENPRO_DATA_DIR", str(data))
    monkeypatch.delenv("GEN_API_KEY", raising=False)
    monkeypatch.delenv("GEN_AGENT_ID", raising=False)
    monkeypatch.delenv("GEN_API_BASE_URL", raising=False)
    return data


@pytest.fixture
def sim_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(sim_clock: ManualClock) -> Iterator[Simulator]:
    """A simulator serving on 127.0.0.1 in a background thread, on a manual clock."""
    with Simulator(clock=sim_clock) as simulator:
        yield simulator


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def client(sim: Simulator, fake_clock: FakeClock) -> AsyncIterator[GenClient]:
    """A GenClient talking to the simulator over a real socket; retries sleep on the fake clock."""
    async with GenClient(
        api_key=DEMO_API_KEY, base_url=sim.base_url, agent_id="4711", clock=fake_clock
    ) as gen:
        yield gen
