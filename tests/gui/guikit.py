"""GUI test helpers: a tracker clock driven with the simulator's, waiting on Qt signals, fakes.

Async GUI tests wait with `until(...)`, which re-checks a condition whenever a Qt signal fires:
pytest-qt's blocking waits would spin a nested Qt loop inside a running asyncio task, which
qasync forbids.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QUrl, SignalInstance

from genpro_desktop.core.clock import FakeClock
from genpro_desktop.simulator import ManualClock


class SimDrivenClock(FakeClock):
    """The tracker's clock in GUI tests: its time and the simulator's move together.

    Sleepers wait until the test calls `advance(seconds)`, which moves both clocks, so each poll
    happens exactly when the test says: pending, then processing, then completed.
    """

    def __init__(self, sim_clock: ManualClock) -> None:
        super().__init__()
        self.sim_clock = sim_clock
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, float(seconds))
        self.sleeps.append(seconds)
        wake_at = self.now() + seconds
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((wake_at, future))
        try:
            await future
        finally:
            self._sleepers = [(t, f) for t, f in self._sleepers if f is not future]

    def advance(self, seconds: float) -> None:
        super().advance(seconds)
        self.sim_clock.advance(seconds)
        for wake_at, future in list(self._sleepers):
            if wake_at <= self.now() and not future.done():
                future.set_result(None)


async def until(
    predicate: Callable[[], bool],
    *signals: SignalInstance,
    within: float = 20.0,
    what: str = "condition",
) -> None:
    """Wait until `predicate()` holds, re-checking it whenever one of `signals` fires.

    Without signals the condition is re-checked on every turn of the event loop (for things
    with no signal of their own, such as a banner appearing); never on a timer.
    """
    if predicate():
        return
    if not signals:
        try:
            async with asyncio.timeout(within):
                while not predicate():
                    await next_turn()
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None
        return
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def check(*_args: Any) -> None:
        if not future.done() and predicate():
            future.set_result(None)

    for signal in signals:
        signal.connect(check)
    try:
        async with asyncio.timeout(within):
            await future
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None
    finally:
        for signal in signals:
            signal.disconnect(check)


async def next_turn() -> None:
    """Resume after the event loop has run everything that was ready (one loop turn)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()
    loop.call_soon(future.set_result, None)
    await future


async def turns(count: int) -> None:
    """Let the event loop run `count` times (for asserting that something does NOT happen)."""
    for _ in range(count):
        await next_turn()


class FakePrompts:
    """Answers every confirmation with `answer` and records what was asked."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.choice: int | None = 0  # what `choose` answers (None: cancelled)
        self.asked: list[tuple[str, str, str]] = []

    async def confirm(self, title: str, text: str, *, accept: str, details: str = "") -> bool:
        self.asked.append((title, text, details))
        return self.answer

    async def choose(
        self, title: str, text: str, choices: Sequence[str], *, details: str = ""
    ) -> int | None:
        self.asked.append((title, text, details))
        return self.choice


class OpenedUrls(list[QUrl]):
    """Records what the app asked the desktop to open."""

    def __call__(self, url: QUrl) -> bool:
        self.append(url)
        return True
