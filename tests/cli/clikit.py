"""CLI test kit: run `main([...])` in-process against the simulator, with time driven by hand."""

from __future__ import annotations

import asyncio
import heapq
import io
import itertools
import json
import signal
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from genpro_desktop.cli.context import Runtime
from genpro_desktop.cli.main import main
from genpro_desktop.core.credentials import CredentialStore, MemoryCredentialStore
from genpro_desktop.simulator import ManualClock, Simulator


class SimDrivenClock:
    """A core.clock.Clock on virtual time that also moves the simulator's clock.

    Sleeps resolve in deadline order, and only once every other task of the loop (except the
    command's main task) is itself asleep on this clock and no work handed to a thread (a store
    read or write, any task's, the main task's too) is still running: a poll waiting for an HTTP
    answer or the command reading the store after its wait ended holds time still, so the order
    of events is what real time would give, without any real waiting. A sleep that is cancelled
    (e.g. the tracker closing) never moves time.
    """

    TICK_S = 0.0005  # real seconds between checks

    def __init__(self, sim_clock: ManualClock) -> None:
        self.sim_clock = sim_clock
        self._now = 0.0
        self.sleeps: list[float] = []
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._asleep: set[asyncio.Future[None]] = set()
        self._seq = itertools.count()
        self._ticker: asyncio.Task[None] | None = None
        self._in_threads: set[asyncio.Future[Any]] = set()
        self._watched: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()

    def now(self) -> float:
        """Virtual seconds elapsed."""
        return self._now

    def wall(self) -> datetime:
        """The simulator's wall time, so 'the future' means the same to both sides."""
        return self.sim_clock.wall()

    async def sleep(self, seconds: float) -> None:
        """Sleep `seconds` of virtual time (resolved by the ticker, in deadline order)."""
        seconds = max(0.0, float(seconds))
        self.sleeps.append(seconds)
        loop = asyncio.get_running_loop()
        wake: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._heap, (self._now + seconds, next(self._seq), wake))
        self._asleep.add(wake)
        if self._ticker is None or self._ticker.done() or self._ticker.get_loop() is not loop:
            self._watch_threads(loop)
            self._ticker = loop.create_task(self._tick(), name="sim-driven-clock")
        try:
            await wake
        finally:
            self._asleep.discard(wake)
            if not wake.done():
                wake.cancel()
        self.woke(len(self.sleeps))

    def woke(self, count: int) -> None:
        """Hook for subclasses: called after a sleep ended normally."""

    def _watch_threads(self, loop: asyncio.AbstractEventLoop) -> None:
        """Count the loop's run_in_executor work (asyncio.to_thread, the store's thread) as
        running until it is done. Without it, time could jump while the command's main task
        (which the ticker never waits for) reads the store, e.g. right after a timeout."""
        if loop in self._watched:
            return
        self._watched.add(loop)
        original = loop.run_in_executor

        def run_in_executor(executor: Any, func: Callable[..., Any], *args: Any) -> Any:
            future = original(executor, func, *args)
            self._in_threads.add(future)
            future.add_done_callback(self._in_threads.discard)
            return future

        loop.run_in_executor = run_in_executor  # pyright: ignore[reportAttributeAccessIssue]

    async def _tick(self) -> None:
        me = asyncio.current_task()
        while True:
            await asyncio.sleep(self.TICK_S)
            while self._heap and self._heap[0][2].done():
                heapq.heappop(self._heap)
            busy = self._in_threads or _something_ready(asyncio.get_running_loop())
            if not self._heap or busy or not self._everyone_asleep(me):
                continue
            deadline, _, wake = heapq.heappop(self._heap)
            if deadline > self._now:
                self.sim_clock.advance(deadline - self._now)
                self._now = deadline
            wake.set_result(None)

    def _everyone_asleep(self, me: asyncio.Task[None] | None) -> bool:
        for task in asyncio.all_tasks():
            if task is me or task.done() or _is_main(task):
                continue
            waiter = getattr(task, "_fut_waiter", None)
            if waiter is None or waiter not in self._asleep:
                return False
        return True


def _something_ready(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether callbacks are queued to run (a task just woken, e.g. the main task after its wait
    timed out, has not reached its next await yet): time stands still until they ran."""
    return bool(getattr(loop, "_ready", None))


def _is_main(task: asyncio.Task[object]) -> bool:
    """The command's own task (main._run): it waits on the tracker, not on the clock."""
    return getattr(task.get_coro(), "__qualname__", "") == "_run"


class InterruptingClock(SimDrivenClock):
    """Presses Ctrl-C when the `after`-th sleep ends: a real SIGINT, which asyncio.run turns
    into cancelling the command's main task and then KeyboardInterrupt, as in a terminal."""

    def __init__(self, sim_clock: ManualClock, after: int = 1) -> None:
        super().__init__(sim_clock)
        self.after = after
        self.pressed = False

    def woke(self, count: int) -> None:
        """Interrupt once the count is reached."""
        if count >= self.after and not self.pressed:
            self.pressed = True
            signal.raise_signal(signal.SIGINT)


@contextmanager
def sigint_as_in_a_terminal() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt while the block runs, as in a `genpro` started from a
    terminal, and gets its earlier disposition back afterwards.

    A process started with SIGINT ignored (a background job of a non-interactive shell, some CI
    runners) keeps it ignored, so the Ctrl-C the tests press would be lost; and asyncio.run
    only turns SIGINT into cancelling the command while Python's default handler is installed.
    """
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        # None: the earlier handler was not set from Python; the default is the closest.
        signal.signal(signal.SIGINT, signal.SIG_DFL if before is None else before)


@dataclass
class CliResult:
    """What one `genpro` invocation returned and printed."""

    code: int
    out: str
    err: str

    def json_lines(self) -> list[dict[str, Any]]:
        """stdout parsed as JSON lines (every line must be one object)."""
        lines = [line for line in self.out.splitlines() if line.strip()]
        parsed = [json.loads(line) for line in lines]
        assert all(isinstance(obj, dict) for obj in parsed)
        return parsed

    def only_json(self) -> dict[str, Any]:
        """The single JSON object on stdout."""
        lines = self.json_lines()
        assert len(lines) == 1, self.out
        return lines[0]


class Cli:
    """Runs `genpro` in-process with an injected runtime; remembers the last clock."""

    def __init__(self, sim: Simulator, sim_clock: ManualClock, capsys: Any) -> None:
        self.sim = sim
        self.sim_clock = sim_clock
        self.capsys = capsys
        self.store: CredentialStore = MemoryCredentialStore()
        self.clock: SimDrivenClock = SimDrivenClock(sim_clock)

    def __call__(
        self,
        *args: str,
        base_url: str | None = "sim",
        clock: SimDrivenClock | None = None,
        stdin: io.StringIO | None = None,
        **runtime: Any,
    ) -> CliResult:
        """`genpro --base-url SIM args...`; pass base_url=None to leave it out."""
        self.clock = clock or SimDrivenClock(self.sim_clock)
        prefix = ["--base-url", self.sim.base_url] if base_url == "sim" else []
        if base_url not in ("sim", None):
            prefix = ["--base-url", base_url]
        rt = Runtime(
            clock=self.clock,
            credential_store=self.store,
            stdin=stdin or io.StringIO(""),
            **runtime,
        )
        with sigint_as_in_a_terminal():
            code = main([*prefix, *args], runtime=rt)
        captured = self.capsys.readouterr()
        return CliResult(code, captured.out, captured.err)
