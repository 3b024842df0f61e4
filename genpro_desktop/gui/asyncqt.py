"""Owned asyncio tasks for the GUI: every task a widget starts is held here, cancelled on quit.

This is the only place the GUI creates tasks, so none is garbage-collected mid-flight and none
outlives the window ("Task was destroyed but it is pending" never happens on shutdown).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

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
        task = asyncio.get_running_loop().create_task(coro, name=name)
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

    async def aclose(self) -> None:
        """Cancel every owned task and wait for all of them to finish."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
