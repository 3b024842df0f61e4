"""Waiting for a generation or a publish job: polling with back-off, progress and timeouts.

GEN documents no progress percentage or ETA (gen-api.md 7.4), so the live display shows only a
spinner, the elapsed time and the latest status. Time comes from the injected `Clock`, so tests
drive a whole wait without sleeping.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Protocol, TypeVar

from genpro_desktop.cli.context import Context
from genpro_desktop.cli.exit_codes import CliError, ExitCode
from genpro_desktop.core.api import JobStatus

# A status GEN sends that we do not know is shown as-is; this many in a row ends the wait.
UNKNOWN_STATUS_LIMIT = 3


@dataclass(frozen=True)
class Backoff:
    """Poll delays: `initial`, then x`factor` each time, capped at `maximum` seconds."""

    initial: float
    factor: float
    maximum: float

    def delays(self) -> Iterator[float]:
        """The infinite sequence of delays."""
        delay = self.initial
        while True:
            yield delay
            delay = min(self.maximum, delay * self.factor)


GENERATION_POLL = Backoff(initial=2.0, factor=1.5, maximum=15.0)
PUBLISH_POLL = Backoff(initial=5.0, factor=1.5, maximum=60.0)


class HasStatus(Protocol):
    """A generation or a user job: anything with a normalised and a raw status."""

    @property
    def status(self) -> JobStatus: ...

    @property
    def raw_status(self) -> str | None: ...


T = TypeVar("T", bound=HasStatus)


def status_text(item: HasStatus) -> str:
    """The status in words, naming the raw value when GEN sent one we don't know."""
    if item.status is JobStatus.UNKNOWN:
        return f"unknown ({item.raw_status!r})"
    return item.status.value


@dataclass(frozen=True)
class WaitSpec:
    """What is being waited for, for messages: e.g. ("Generation", "123", "genpro status 123")."""

    noun: str
    item_id: str
    resume_command: str
    backoff: Backoff
    timeout: float | None = None
    id_field: str = "generation_id"


async def wait_until_done(
    ctx: Context,
    fetch: Callable[[], Awaitable[T]],
    *,
    spec: WaitSpec,
    first: T | None = None,
) -> T:
    """Poll `fetch` until the item is completed/failed/stopped.

    Raises CliError with exit 8 when `spec.timeout` elapses and exit 1 after
    UNKNOWN_STATUS_LIMIT unknown statuses in a row. Errors from `fetch` propagate unchanged.
    While waiting, Ctrl-C makes main() print how to resume (the job itself is not stopped).
    """
    with ctx.interrupt_hint(_interrupted(spec)):
        return await _poll(ctx, fetch, spec, first)


async def _poll(
    ctx: Context, fetch: Callable[[], Awaitable[T]], spec: WaitSpec, first: T | None
) -> T:
    clock = ctx.clock
    start = clock.now()
    delays = spec.backoff.delays()
    current = first if first is not None else await fetch()
    unknown_streak = 0
    with ctx.out.progress(f"{spec.noun} {spec.item_id}") as progress:
        while True:
            elapsed = clock.now() - start
            progress.update(status_text(current), elapsed)
            if current.status.is_terminal:
                return current
            if current.status is JobStatus.UNKNOWN:
                unknown_streak += 1
                if unknown_streak >= UNKNOWN_STATUS_LIMIT:
                    raise _needs_attention(spec, current)
            else:
                unknown_streak = 0
            delay = next(delays)
            if spec.timeout is not None:
                remaining = spec.timeout - elapsed
                if remaining <= 0:
                    raise _timed_out(spec, current)
                delay = min(delay, remaining)
            await clock.sleep(delay)
            current = await fetch()


def _needs_attention(spec: WaitSpec, current: HasStatus) -> CliError:
    raw = current.raw_status
    return CliError(
        f"{spec.noun} {spec.item_id} needs attention: GEN reported the unknown status {raw!r} "
        f"{UNKNOWN_STATUS_LIMIT} times in a row, so the CLI stopped waiting.",
        ExitCode.JOB_FAILED,
        error_code="needs_attention",
        hint=f"Check it in the GEN app, or later with `{spec.resume_command}`.",
        extra={spec.id_field: spec.item_id, "status": "unknown", "raw_status": raw},
    )


def _timed_out(spec: WaitSpec, current: HasStatus) -> CliError:
    return CliError(
        f"Stopped waiting after {spec.timeout:g} s; {spec.noun.lower()} {spec.item_id} is still "
        f"{status_text(current)} and keeps going on GEN.",
        ExitCode.TIMEOUT,
        error_code="timeout",
        hint=f"Resume with `{spec.resume_command} --wait`.",
        extra={spec.id_field: spec.item_id, "status": current.status.value},
    )


def _interrupted(spec: WaitSpec) -> CliError:
    return CliError(
        f"Stopped waiting; {spec.noun.lower()} {spec.item_id} was not stopped and keeps going "
        "on GEN.",
        ExitCode.INTERRUPTED,
        error_code="interrupted",
        hint=f"Resume with `{spec.resume_command} --wait`.",
        extra={spec.id_field: spec.item_id},
    )
