"""Fixtures for the black-box crash tests (helpers live in crashkit.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from crashkit import ForkServer, Genpro, LoopReport, forking_supported, scrubbed_env, simulator


@pytest.fixture(scope="session")
def pycache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One bytecode cache for every `genpro` subprocess of the session."""
    return tmp_path_factory.mktemp("pycache")


@pytest.fixture(scope="session")
def forks() -> Iterator[ForkServer | None]:
    """The warm interpreter every `genpro` run of the session is forked from (None: exec each)."""
    if not forking_supported():
        yield None
        return
    server = ForkServer(scrubbed_env())
    yield server
    server.close()


@pytest.fixture
def lanes(
    tmp_path: Path, pycache: Path, forks: ForkServer | None
) -> Iterator[Callable[[int], list[Genpro]]]:
    """`lanes(n)`: n independent (simulator, data folder) pairs, one per worker thread."""
    with ExitStack() as stack:

        def make(count: int) -> list[Genpro]:
            made: list[Genpro] = []
            for index in range(count):
                sim = stack.enter_context(simulator())
                made.append(Genpro(sim, tmp_path / f"lane{index}", pycache, forks))
            return made

        yield make


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Iterator[LoopReport]:
    """A loop summary printed after the test (visible with -s or in -rA output)."""
    summary = LoopReport(scenario=request.node.name)
    yield summary
    print(summary.line())
