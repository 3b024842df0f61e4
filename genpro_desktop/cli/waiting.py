"""Waiting for jobs through the tracker: its events drive the display, `tracker.wait()` the end.

The CLI never polls GEN itself: the tracker (core.jobs) owns one task per job and the poll plan
(renders read around their expected finish, publish jobs from 5 s backing off to 60 s). This module
subscribes to the tracker's events to show a spinner with the elapsed time and the latest state
on a terminal (one stderr line per change otherwise), and a byte bar for downloads. GEN documents
no progress percentage for renders, so none is shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from genpro_desktop.cli.context import Context
from genpro_desktop.cli.exit_codes import CliError, ExitCode
from genpro_desktop.cli.jobview import KIND_NOUN, short_id, state_text
from genpro_desktop.cli.output import DownloadBar, ProgressLine, download_bar
from genpro_desktop.core.api import JobStatus

if TYPE_CHECKING:
    from genpro_desktop.core.jobs.events import JobEvent
    from genpro_desktop.core.jobs.model import LocalJob
    from genpro_desktop.core.services import AppServices


class HasStatus(Protocol):
    """A generation or a user job: anything with a normalised and a raw status."""

    @property
    def status(self) -> JobStatus: ...

    @property
    def raw_status(self) -> str | None: ...


def status_text(item: HasStatus) -> str:
    """A GEN status in words, naming the raw value when GEN sent one we don't know."""
    if item.status is JobStatus.UNKNOWN:
        return f"unknown ({item.raw_status!r})"
    return item.status.value


@dataclass(frozen=True)
class WaitSpec:
    """What is being waited for, for messages: e.g. ("Generation", "123", "genpro status 123")."""

    noun: str
    item_id: str
    resume_command: str
    timeout: float | None = None
    id_field: str = "generation_id"

    @classmethod
    def of(
        cls, job: LocalJob, noun: str, command: str, limit: float | None, id_field: str
    ) -> WaitSpec:
        """Waiting for `job`'s item on GEN (named by its GEN id, else the local one), which
        `command ID` looks at again."""
        item_id = job.remote_id or job.id
        return cls(noun, item_id, f"{command} {item_id}", limit, id_field)


async def wait_for_job(
    ctx: Context, services: AppServices, job: LocalJob, spec: WaitSpec
) -> LocalJob:
    """Wait (through the tracker) until `job` is finished or needs the user.

    Exit 8 (`timeout`) when `spec.timeout` elapses; Ctrl-C makes main() print how to resume. The
    job itself is never stopped by the CLI giving up.
    """
    from genpro_desktop.core.jobs.book import WaitTimeout

    live = _live(ctx, services, [job], single=True)
    with ctx.interrupt_hint(interrupted(spec)), live as key_refused:
        try:
            return await _unless_key_refused(
                services.tracker.wait(job.id, timeout=spec.timeout), key_refused, spec
            )
        except WaitTimeout:
            latest = await services.tracker.get(job.id)
            raise timed_out(spec, latest) from None


async def wait_for_jobs(ctx: Context, services: AppServices, jobs: Sequence[LocalJob]) -> None:
    """Wait until every job is finished or parked, showing one line per change (resume)."""
    hint = CliError(
        "Stopped waiting; the jobs keep going on GEN and stay in the local history.",
        ExitCode.INTERRUPTED,
        error_code="interrupted",
        hint="Resume with `genpro resume --wait`.",
    )
    spec = WaitSpec("Jobs", "", "genpro resume")
    with ctx.interrupt_hint(hint), _live(ctx, services, jobs, single=False) as key_refused:
        # One after the other: the tracker works on all of them meanwhile, so this takes as
        # long as the slowest job, without a helper task per job.
        for job in jobs:
            await _unless_key_refused(services.tracker.wait(job.id), key_refused, spec)


async def _unless_key_refused(
    wait: Awaitable[LocalJob], key_refused: asyncio.Future[str], spec: WaitSpec
) -> LocalJob:
    """`wait`, unless GEN refuses the key first: exit 3 instead of waiting for ever.

    The tracker pauses every job on a 401/403 until the key works again, which in the desktop
    app means "until the user signs in again". A CLI process cannot change its key, so the
    pause would never end.
    """
    if key_refused.done() and not key_refused.cancelled():
        close = getattr(wait, "close", None)
        if close is not None:
            close()  # never awaited: no "coroutine was never awaited" warning
        raise key_refused_error(spec, key_refused.result())
    # The wait runs in this task (no helper task): cancelling it is how the refusal ends it.
    task = asyncio.current_task()
    refused = False

    def on_refused(future: asyncio.Future[str]) -> None:
        nonlocal refused
        if not future.cancelled() and task is not None:
            refused = True
            task.cancel()

    key_refused.add_done_callback(on_refused)
    try:
        return await wait
    except asyncio.CancelledError:
        if not refused or task is None:
            raise
        task.uncancel()
        raise key_refused_error(spec, key_refused.result()) from None
    finally:
        key_refused.remove_done_callback(on_refused)


def key_refused_error(spec: WaitSpec, detail: str) -> CliError:
    """Exit 3: GEN stopped accepting the key while waiting; the job itself keeps going."""
    what = f"{spec.noun.lower()} {spec.item_id}".strip() if spec.item_id else "the jobs"
    return CliError(
        f"Stopped waiting: {detail.rstrip('.')}. This process cannot sign in again, so "
        f"{what} keeps going on GEN without being followed here.",
        ExitCode.AUTH,
        error_code="unauthorized",
        hint=f"Check the key with `genpro login` (or GEN_API_KEY), then resume with "
        f"`{spec.resume_command} --wait`.",
        extra={spec.id_field: spec.item_id} if spec.item_id else None,
    )


def job_label(job: LocalJob) -> str:
    """ "Render 3f2a9c1b (generation 880001)" for progress lines."""
    label = f"{KIND_NOUN[job.kind]} {short_id(job.id)}"
    if job.remote_id:
        label += f" ({job.remote_id})"
    return label


@contextmanager
def _live(
    ctx: Context, services: AppServices, jobs: Sequence[LocalJob], *, single: bool
) -> Iterator[asyncio.Future[str]]:
    """Show progress of `jobs` from tracker events while the block runs; yields a future
    that resolves (with GEN's message) if GEN refuses the key meanwhile."""
    key_refused: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    watched = {job.id: job for job in jobs}
    start = ctx.clock.now()
    last: dict[str, str] = {}
    downloads = [job for job in jobs if job.kind.value == "download"]
    label = job_label(jobs[0]) if single and jobs else "Jobs"
    with ExitStack() as stack:
        # rich allows one live display at a time: a byte bar for downloads, else a spinner.
        if downloads:
            bar = stack.enter_context(download_bar(ctx.out))
            line = ProgressLine(ctx.out, None, label)
        else:
            bar = DownloadBar(None)
            line = stack.enter_context(ctx.out.progress(label))

        def on_event(event: JobEvent) -> None:
            job = event.job
            if job is None:
                if event.type == "tracker_paused" and services.scheduler.auth_paused:
                    if not key_refused.done():
                        key_refused.set_result(event.detail or "GEN refused the API key")
                elif event.type == "tracker_paused" and event.detail:
                    ctx.out.info(f"Tracking paused: {event.detail}", style="yellow")
                elif event.type == "tracker_resumed":
                    ctx.out.info("Tracking resumed.")
                return
            if job.id not in watched:
                return
            if event.type == "download_progress":
                if event.progress is not None:
                    bar(event.progress, job.id, job_label(job))
                    reconnect = event.progress.reconnect
                    if reconnect is not None:
                        # On stderr whatever it is (a terminal, a pipe, a log): it explains a pause.
                        ctx.out.info(
                            f"{job_label(job)}: {reconnect.describe()} in {reconnect.delay:.0f} s",
                            style="yellow",
                        )
                return
            # One line per state change (a download's percentage is the bar's business), and
            # one when GEN starts (or stops) reporting a status this app does not know.
            key = change_key(job)
            if last.get(job.id) == key:
                return
            last[job.id] = key
            text = state_text(job)
            elapsed = ctx.clock.now() - start
            if single:
                line.update(text, elapsed)
            else:
                ctx.out.info(f"{job_label(job)}: {text} ({elapsed:.0f} s)")

        for job in jobs:
            last[job.id] = change_key(job)
            if single:
                line.update(state_text(job), 0.0)
        unsubscribe = services.events.subscribe(on_event)
        if services.scheduler.auth_paused and not key_refused.done():
            # Paused before we subscribed (a 401 while the tracker resumed jobs).
            key_refused.set_result(services.scheduler.pause_reason or "GEN refused the API key")
        try:
            yield key_refused
        finally:
            unsubscribe()
            if not key_refused.done():
                key_refused.cancel()


def change_key(job: LocalJob) -> str:
    """What a progress line changes on: the state, and GEN's word while it is unknown."""
    return f"{job.state.value}:{job.raw_status}" if job.status_unknown else job.state.value


def needs_attention(spec: WaitSpec, job: LocalJob) -> CliError:
    """Exit 1 for a job the tracker parked as needs_attention (404, deadline, ...)."""
    reason = job.attention_reason or "GEN reported something the CLI cannot act on"
    extra: dict[str, object] = {spec.id_field: spec.item_id, "status": "unknown"}
    if job.raw_status:
        extra["raw_status"] = job.raw_status
    return CliError(
        f"{spec.noun} {spec.item_id} needs attention: {reason}.",
        ExitCode.JOB_FAILED,
        error_code="needs_attention",
        hint=f"Check it in the GEN app or with `{spec.resume_command}`; "
        f"`genpro dismiss {short_id(job.id)}` removes it from the attention list.",
        extra={**extra, "job_id": job.id},
    )


def timed_out(spec: WaitSpec, job: LocalJob) -> CliError:
    """Exit 8: `--timeout` elapsed; the job keeps going on GEN (and in the local history)."""
    return CliError(
        f"Stopped waiting after {spec.timeout:g} s; {spec.noun.lower()} {spec.item_id} is still "
        f"{state_text(job)} and keeps going on GEN.",
        ExitCode.TIMEOUT,
        error_code="timeout",
        hint=f"Resume with `{spec.resume_command} --wait` (or `genpro resume --wait`).",
        extra={spec.id_field: spec.item_id, **status_fields(job), "job_id": job.id},
    )


def status_fields(job: LocalJob) -> dict[str, object]:
    """`status` for JSON, as "unknown" plus GEN's `raw_status` while GEN's word is unknown."""
    if job.status_unknown:
        return {"status": "unknown", "raw_status": job.raw_status}
    return {"status": job.state.value}


def interrupted(spec: WaitSpec) -> CliError:
    """What Ctrl-C while waiting reports (exit 130): the job was not stopped."""
    return CliError(
        f"Stopped waiting; {spec.noun.lower()} {spec.item_id} was not stopped and keeps going "
        "on GEN.",
        ExitCode.INTERRUPTED,
        error_code="interrupted",
        hint=f"Resume with `{spec.resume_command} --wait` (or `genpro resume --wait`).",
        extra={spec.id_field: spec.item_id},
    )
