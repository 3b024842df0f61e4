"""render, status, stop, download: the render -> track -> download path (gen-api.md 7-9).

Renders, waits and downloads go through the core tracker (write-ahead intent, one POST, durable
state, resumable downloads). `status` without --wait and `stop` are single requests to GEN, so
they also work while the desktop app holds the single-instance lock.
"""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from genpro_desktop.cli.context import Context
from genpro_desktop.cli.downloading import destination, download_render
from genpro_desktop.cli.exit_codes import CliError, ExitCode, usage_error
from genpro_desktop.cli.ids import engine_id, gen_id
from genpro_desktop.cli.jobview import (
    STATE_STYLES,
    credits_json,
    credits_object,
    short_id,
    state_text,
)
from genpro_desktop.cli.output import decimal_text, remote_status_exit
from genpro_desktop.cli.submission import note_new_job, raise_if_not_started
from genpro_desktop.cli.waiting import WaitSpec, needs_attention, status_text, wait_for_job
from genpro_desktop.core.api import (
    Generation,
    JobCannotBeStoppedError,
    JobStatus,
    NotFoundError,
    OutcomeUnknownError,
)
from genpro_desktop.core.downloads import format_bytes
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.view import CreditFacts, credit_facts, render_credit_facts

if TYPE_CHECKING:
    from genpro_desktop.core.services import AppServices

_STATUS_STYLES = {
    JobStatus.COMPLETED: "green",
    JobStatus.FAILED: "red",
    JobStatus.STOPPED: "yellow",
    JobStatus.UNKNOWN: "magenta",
}


def positive_seconds(text: str) -> float:
    """argparse type for --timeout: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {text!r}")
    return value


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add render, status, stop and download."""
    p = subparsers.add_parser(
        "render",
        parents=parents,
        help="start rendering a row's final video (charged)",
        description="Start rendering the final video of one row. This is charged (about 50 "
        "credits per 30 s video; failed or stopped renders are refunded). CELL_ID is the row's "
        "final-video cell, shown by `genpro engine ENGINE_ID`. The request is never re-sent "
        "automatically once it may have reached GEN.",
    )
    p.add_argument("engine_id", metavar="ENGINE_ID", type=engine_id)
    p.add_argument("cell_id", metavar="CELL_ID", type=gen_id)
    p.add_argument("--wait", action="store_true", help="wait until the render finishes")
    p.add_argument(
        "--download",
        metavar="PATH_OR_DIR",
        help="when done, download the video to this file or folder (implies --wait)",
    )
    _add_timeout(p)
    p.set_defaults(handler=run_render)

    p = subparsers.add_parser(
        "status",
        parents=parents,
        help="show a generation's status (optionally wait for it)",
        description="Show a generation's status, video URL and cost. Exit code 1 when it "
        "failed, was stopped, or has a status the CLI does not know.",
    )
    p.add_argument("generation_id", metavar="GENERATION_ID", type=gen_id)
    p.add_argument("--wait", action="store_true", help="wait until it finishes")
    _add_timeout(p)
    p.set_defaults(handler=run_status)

    p = subparsers.add_parser(
        "stop",
        parents=parents,
        help="stop a running generation (its pre-charge is refunded)",
        description="Ask GEN to stop a generation, then re-read it to show what GEN reports.",
    )
    p.add_argument("generation_id", metavar="GENERATION_ID", type=gen_id)
    p.set_defaults(handler=run_stop)

    p = subparsers.add_parser(
        "download",
        parents=parents,
        help="download a completed generation's video",
        description="Download a completed generation's MP4 from GEN's CDN (the API key is never "
        "sent there) and verify it. An existing file is never overwritten: a numbered name is "
        "used instead. Default folder: the current directory.",
    )
    p.add_argument("generation_id", metavar="GENERATION_ID", type=gen_id)
    p.add_argument("dest", metavar="PATH_OR_DIR", nargs="?", default=None)
    p.set_defaults(handler=run_download)


def _add_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        metavar="S",
        type=positive_seconds,
        default=None,
        help="with --wait: give up waiting after S seconds (exit 8; the job keeps going)",
    )


# -- commands -------------------------------------------------------------------------------


async def run_render(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro render ENGINE_ID CELL_ID`: start a render, optionally wait and download."""
    from genpro_desktop.core.jobs import JobActionError

    agent = await ctx.require_agent()
    target = destination(args.download) if args.download is not None else None
    services = await ctx.services()
    check = f"`genpro engine {args.engine_id}` (the row's current take)"
    hint = CliError(
        "Interrupted while starting the render; it may or may not have started.",
        ExitCode.INTERRUPTED,
        error_code="interrupted",
        hint=f"Check {check}; `genpro jobs` lists it and `genpro retry JOB` re-sends it with "
        "the same idempotency key.",
    )
    with ctx.interrupt_hint(hint), note_new_job(services, hint):
        try:
            job = await services.tracker.submit_render(args.engine_id, args.cell_id, agent_id=agent)
        except JobActionError as exc:  # a local mistake: nothing was recorded or sent
            raise usage_error(str(exc)) from exc
    raise_if_not_started(job, check=check)
    gid = job.remote_id or ""
    if target is None and not args.wait:
        ctx.out.result(f"Render started: generation {gid} ({job.state.value}).")
        ctx.out.info(f"Follow it with `genpro status {gid} --wait` (local job {short_id(job.id)}).")
        ctx.out.emit(generation_json(job))
        return ExitCode.OK
    ctx.out.info(f"Render started: generation {gid}. Waiting for it (Ctrl-C stops waiting only).")
    job = await _wait(ctx, services, job, args.timeout)
    return await _finish(ctx, services, job, download=target)


async def run_status(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro status GENERATION_ID`: show one generation, or follow it through the tracker."""
    gid = args.generation_id
    if not args.wait:
        # A read: straight from GEN, so it works while the desktop app tracks jobs.
        client = await ctx.client()
        gen = await client.generations.get(gid)
        return _show_generation(ctx, gen)
    agent = await ctx.agent_id()
    services = await ctx.services()
    if await services.store.find_by_remote(JobKind.RENDER, gid) is None:
        # Read once first: an unknown id is refused here (exit 4) instead of being tracked.
        await services.client.generations.get(gid)
    job = await services.tracker.adopt_generation(gid, agent_id=agent)
    if job.is_parked:
        try:
            job = await services.tracker.refresh(job.id)  # asked again: read GEN once more
        except NotFoundError:
            # GEN still does not find the job it gave us: it stays parked (needs attention,
            # exit 1), whichever read saw the 404 first: the resumed poll or this one.
            job = await services.tracker.get(job.id)
    job = await _wait(ctx, services, job, args.timeout)
    return await _finish(ctx, services, job, download=None)


async def run_stop(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro stop GENERATION_ID`: stop a generation, then re-read it."""
    gid = args.generation_id
    client = await ctx.client()
    try:
        await client.generations.stop(gid)
    except JobCannotBeStoppedError as exc:
        raise CliError(
            str(exc),
            ExitCode.API_REFUSED,
            error_code=exc.error_code,
            http_status=exc.status_code,
            hint=f"It has probably finished already; see `genpro status {gid}`.",
        ) from exc
    except OutcomeUnknownError as exc:
        raise CliError(
            f"{exc} The stop may or may not have been applied; nothing was re-sent.",
            ExitCode.OUTCOME_UNKNOWN,
            error_code="outcome_unknown",
            hint=f"Check with `genpro status {gid}`.",
            extra={"idempotency_key": exc.idempotency_key, "generation_id": gid},
        ) from exc
    # A stop request alone does not prove the job stopped (gen-api.md 7.5): show what GEN says now.
    # The tracker (this CLI's next tracking command, or the desktop app) records it on its next
    # read of the job.
    gen = await client.generations.get(gid)
    if gen.status is JobStatus.STOPPED:
        ctx.out.info(
            "Stopped. GEN refunds a stopped render's pre-charge; `genpro credits` shows it."
        )
    else:
        ctx.out.info(f"Stop requested; GEN now reports {status_text(gen)}.")
    _report_generation(ctx, gen)
    return ExitCode.OK


async def run_download(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro download GENERATION_ID [PATH_OR_DIR]`: download a completed generation's video."""
    gid = args.generation_id
    agent = await ctx.agent_id()
    services = await ctx.services()
    gen = await services.client.generations.get(gid)
    if gen.status in (JobStatus.FAILED, JobStatus.STOPPED):
        ctx.out.info(f"Nothing to download: generation {gid} {gen.status.value}.")
        return _show_generation(ctx, gen)
    if gen.status is not JobStatus.COMPLETED:
        raise usage_error(
            f"Generation {gid} is {status_text(gen)}; there is nothing to download yet.",
            hint=f"Wait for it with `genpro status {gid} --wait`, then download again.",
        )
    job = await services.tracker.adopt_generation(gid, agent_id=agent)
    if job.is_parked:
        job = await services.tracker.refresh(job.id)  # GEN says completed now: take it
    # A newly adopted job is read at once; waiting turns it into the completed local job.
    job = await services.tracker.wait(job.id)
    return await _finish(ctx, services, job, download=destination(args.dest))


# -- shared ---------------------------------------------------------------------------------


async def _wait(
    ctx: Context, services: AppServices, job: LocalJob, limit: float | None
) -> LocalJob:
    spec = WaitSpec.of(job, "Generation", "genpro status", limit, "generation_id")
    return await wait_for_job(ctx, services, job, spec)


async def _finish(
    ctx: Context, services: AppServices, job: LocalJob, *, download: Path | None
) -> int:
    """Report a render job (downloading it first when asked) and return the exit code."""
    gid = job.remote_id or job.id
    if job.state is JobState.NEEDS_ATTENTION:
        _report(ctx, job, None)
        spec = WaitSpec("Generation", gid, f"genpro status {gid}")
        raise needs_attention(spec, job)
    if job.state is JobState.OUTCOME_UNKNOWN:
        raise_if_not_started(job, check="the row in the GEN app")
    if job.state in (JobState.FAILED, JobState.STOPPED, JobState.DISMISSED):
        _report(ctx, job, None)
        return ExitCode.JOB_FAILED
    saved = None
    if download is not None and job.state is JobState.COMPLETED:
        saved = await download_render(ctx, services, job, download)
    _report(ctx, job, saved)
    return ExitCode.OK


def generation_json(job: LocalJob, saved: LocalJob | None = None) -> dict[str, Any]:
    """The --json object for render/status/download, from the local job."""
    status = job.state.value
    if job.state is JobState.NEEDS_ATTENTION or job.status_unknown:
        status = "unknown" if job.raw_status else job.state.value
    obj: dict[str, Any] = {
        "generation_id": job.remote_id,
        "status": status,
        "failed_reason": job.failed_reason,
        "url": job.output_url,
        "thumbnail_url": job.thumbnail_url,
        "execution_cost": decimal_text(job.execution_cost),
    }
    obj["credits"] = credits_json(job)
    if (job.state is JobState.NEEDS_ATTENTION or job.status_unknown) and job.raw_status:
        obj["raw_status"] = job.raw_status
    obj["job_id"] = job.id
    if saved is not None:
        obj.update(path=saved.target_path, sha256=saved.sha256, bytes=saved.bytes_done)
    return obj


def _report(ctx: Context, job: LocalJob, saved: LocalJob | None) -> None:
    ctx.out.emit(generation_json(job, saved))
    grid = _show_outcome(
        ctx,
        f"Generation {job.remote_id}",
        (state_text(job), STATE_STYLES.get(job.state, "")),
        reason=job.failed_reason,
        video=job.output_url,
        thumbnail=job.thumbnail_url,
        cost=job.execution_cost,
    )
    facts = credit_facts(job)
    if facts is not None:
        grid.add_row("Credits", Text(facts.note))
    if saved is not None:
        grid.add_row("Saved to", Text(saved.target_path or ""))
        grid.add_row("Size", format_bytes(saved.bytes_done))
        grid.add_row("SHA-256", saved.sha256 or "")
    grid.add_row("Local job", short_id(job.id))
    ctx.out.show(grid)


def _show_outcome(
    ctx: Context,
    label: str,
    state: tuple[str, str],
    *,
    reason: str | None,
    video: str | None,
    thumbnail: str | None,
    cost: Decimal | None,
) -> Table:
    """Print "<label>: <state>" and return a grid holding the render's result rows."""
    text, style = state
    ctx.out.show(Text.assemble(f"{label}: ", (text, f"bold {style}".strip())))
    grid = _grid()
    if reason:
        grid.add_row("Reason", Text(reason))
    if video:
        grid.add_row("Video", Text(video))
    if thumbnail:
        grid.add_row("Thumbnail", Text(thumbnail))
    cost_text = decimal_text(cost)
    if cost_text is not None:
        grid.add_row("Cost", f"{cost_text} credits")
    return grid


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def api_generation_json(gen: Generation) -> dict[str, Any]:
    """The --json object for status/stop straight from GEN (no local job involved)."""
    obj: dict[str, Any] = {
        "generation_id": gen.id,
        "status": gen.status.value,
        "failed_reason": gen.failed_reason,
        "url": gen.video_url,
        "thumbnail_url": gen.thumbnail_url,
        "execution_cost": decimal_text(gen.execution_cost),
    }
    obj["credits"] = credits_object(_gen_credits(gen))
    if gen.status is JobStatus.UNKNOWN:
        obj["raw_status"] = gen.raw_status
    return obj


def _gen_credits(gen: Generation) -> CreditFacts | None:
    """GEN's reservation and settlement of a generation read straight from GEN."""
    if gen.status is JobStatus.UNKNOWN:
        return None
    return render_credit_facts(JobState(gen.status.value), gen.execution_cost)


def _show_generation(ctx: Context, gen: Generation) -> int:
    """Report a generation read from GEN; exit 1 when failed, stopped or unknown."""
    _report_generation(ctx, gen)
    return remote_status_exit(ctx.out, "Generation", gen.id, gen.status, gen.raw_status)


def _report_generation(ctx: Context, gen: Generation) -> None:
    ctx.out.emit(api_generation_json(gen))
    grid = _show_outcome(
        ctx,
        f"Generation {gen.id}",
        (status_text(gen), _STATUS_STYLES.get(gen.status, "")),
        reason=gen.failed_reason,
        video=gen.video_url,
        thumbnail=gen.thumbnail_url,
        cost=gen.execution_cost,
    )
    facts = _gen_credits(gen)
    if facts is not None:
        grid.add_row("Credits", Text(facts.note))
    if grid.row_count:
        ctx.out.show(grid)
