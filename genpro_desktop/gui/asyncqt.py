"""The GUI's asyncio glue: owned tasks, awaiting Qt signals, and dialogs without `exec()`.

Every task a widget starts is held by a `TaskRegistry`, so none is garbage-collected mid-flight and
none outlives the window ("Task was destroyed but it is pending" never happens on shutdown).
Dialogs are opened with `open()` and awaited through their `finished` signal: `exec()` inside a
coroutine would start a nested event loop that re-enters qasync.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QDialog

log = logging.getLogger(__name__)


class TaskRegistry:
    """Holds the GUI's background tasks; reports their failures; cancels them all on `aclose`."""

    def __init__(self, on_error: Callable[[BaseException], None] | None = None) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_error = on_error
        self._closed = False

    def spawn(
        self, coro: Coroutine[Any, Any, Any], *, name: str | None = None
    ) -> asyncio.Task[Any]:
        """Start `coro` as an owned task; an exception in it goes to `on_error`, not to the void."""
        if self._closed:
            coro.close()
            raise RuntimeError("the app is shutting down; no new tasks")
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coro.close()  # never leave a coroutine un-awaited (a warning, an error in tests)
            raise
        task = loop.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._on_done)
        return task

    def _on_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            if self._on_error is not None:
                self._on_error(exc)
            else:
                log.error("background task %s failed", task.get_name(), exc_info=exc)

    @property
    def active(self) -> int:
        """How many owned tasks are still running."""
        return len(self._tasks)

    @property
    def can_spawn(self) -> bool:
        """True when `spawn` would work: not closed, and called with the event loop running."""
        if self._closed:
            return False
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    @property
    def closed(self) -> bool:
        """True once `aclose` started: no new tasks are accepted."""
        return self._closed

    async def wait_idle(self) -> None:
        """Wait until every task running now (and any they start meanwhile) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel every owned task and wait for all of them to finish."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


class SignalWaiter:
    """Connects to a Qt signal now and lets the caller await its next emission later."""

    def __init__(self, signal: SignalInstance) -> None:
        self._signal = signal
        self._future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()
        signal.connect(self._receive)

    def _receive(self, *args: Any) -> None:
        if not self._future.done():
            self._future.set_result(args)

    async def wait(self) -> tuple[Any, ...]:
        """Return the arguments of the first emission since this waiter was made."""
        try:
            return await self._future
        finally:
            self._signal.disconnect(self._receive)


async def run_dialog(dialog: QDialog) -> int:
    """Show `dialog` window-modally and return its result code once it closes (no `exec()`)."""
    waiter = SignalWaiter(dialog.finished)
    dialog.open()
    try:
        (result,) = await waiter.wait()
    except asyncio.CancelledError:
        dialog.reject()
        raise
    return int(result)
