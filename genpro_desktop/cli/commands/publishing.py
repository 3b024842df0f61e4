"""publish and publish-status: TikTok publishing through GEN's user_jobs (gen-api.md 11.2)."""

from __future__ import annotations

import argparse
import os
import uuid
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.table import Table
from rich.text import Text

from genpro_desktop.cli.commands.renders import positive_seconds
from genpro_desktop.cli.context import Context
from genpro_desktop.cli.exit_codes import CliError, ExitCode, usage_error
from genpro_desktop.cli.waiting import PUBLISH_POLL, WaitSpec, status_text, wait_until_done
from genpro_desktop.core.api import JobStatus, OutcomeUnknownError, PublishContent, UserJob
from genpro_desktop.core.publishing import (
    PublishForm,
    ScheduleError,
    format_utc,
    parse_schedule,
    validate_publish,
    zone_name,
)


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add publish and publish-status."""
    p = subparsers.add_parser(
        "publish",
        parents=parents,
        help="publish a video to TikTok through GEN (now or scheduled)",
        description="Publish a video to the TikTok account connected to the agent in the GEN "
        "app. The request is checked locally first (caption at most 2,200 UTF-16 units, where "
        "emoji count 2; --at in the future); a refusal exits 2 and sends nothing. The request "
        "is never re-sent automatically once it may have reached GEN.",
    )
    p.add_argument("--media-url", required=True, metavar="URL", help="public video URL")
    p.add_argument("--description", required=True, metavar="TEXT", help="the caption")
    p.add_argument("--title", metavar="T", help="title (TikTok does not show it)")
    p.add_argument("--thumbnail-url", metavar="URL", help="cover image URL")
    p.add_argument(
        "--at",
        metavar="ISO8601",
        help="schedule: ISO-8601 with an offset (2026-11-28T09:30:00+01:00, ...Z) or a local "
        "time (2026-11-28 09:30, in this computer's time zone); sent as UTC. Default: now",
    )
    p.add_argument("--wait", action="store_true", help="wait until the post is published")
    p.add_argument(
        "--timeout",
        metavar="S",
        type=positive_seconds,
        help="with --wait: give up waiting after S seconds (exit 8; the job keeps going)",
    )
    p.add_argument(
        "--allow-duplicate",
        action="store_true",
        help="accepted for forward compatibility; it has no effect yet: the duplicate guard "
        "needs the local job history, which a later version adds",
    )
    p.set_defaults(handler=run_publish)

    p = subparsers.add_parser(
        "publish-status",
        parents=parents,
        help="show a publish job's status and post id",
        description="Show a publish job's status, and the TikTok post id once published. Exit "
        "code 1 when it failed.",
    )
    p.add_argument("user_job_id", metavar="USER_JOB_ID")
    p.add_argument("--wait", action="store_true", help="wait until it finishes")
    p.add_argument(
        "--timeout",
        metavar="S",
        type=positive_seconds,
        help="with --wait: give up waiting after S seconds (exit 8)",
    )
    p.set_defaults(handler=run_publish_status)


def local_zone(env: Any = os.environ) -> tzinfo:
    """This computer's time zone: TZ, else /etc/localtime's IANA name, else the current offset."""
    candidates: list[str] = []
    if env.get("TZ"):
        candidates.append(str(env["TZ"]).lstrip(":"))
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return datetime.now().astimezone().tzinfo or UTC


def _check_request(ctx: Context, args: argparse.Namespace) -> PublishContent:
    """Validate locally; exit 2 (nothing sent) on any error."""
    now = ctx.clock.wall()
    scheduled: datetime | None = None
    if args.at is not None:
        zone = local_zone(ctx.runtime.env)
        try:
            scheduled = parse_schedule(args.at, now, zone)
        except ScheduleError as exc:
            raise usage_error(f"--at: {exc}") from exc
        ctx.out.info(
            f"Scheduled for {format_utc(scheduled)} "
            f"({scheduled.astimezone(zone).strftime('%Y-%m-%d %H:%M')} {zone_name(zone)})."
        )
    form = PublishForm(
        media_url=args.media_url,
        description=args.description,
        title=args.title,
        thumbnail_url=args.thumbnail_url,
        scheduled_time=scheduled,
    )
    report = validate_publish(form, now)
    for issue in report.warnings:
        ctx.out.warn(issue.message)
    if report.errors:
        first, *rest = report.errors
        message = " ".join(issue.message for issue in (first, *rest))
        raise usage_error(f"Not published, nothing was sent: {message}")
    return PublishContent(
        media_url=args.media_url,
        description=args.description,
        title=args.title,
        thumbnail_url=args.thumbnail_url,
        scheduled_time=scheduled,
    )


async def run_publish(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro publish`: validate, create the publish job, optionally wait for the post id."""
    request = _check_request(ctx, args)
    agent = ctx.require_agent()
    client = await ctx.client()
    key = str(uuid.uuid4())
    check = "Check TikTok (or the GEN app) for the post before publishing again."
    hint = CliError(
        "Interrupted while sending the publish request; it may or may not have been accepted.",
        ExitCode.INTERRUPTED,
        error_code="interrupted",
        hint=check,
        extra={"idempotency_key": key},
    )
    try:
        with ctx.interrupt_hint(hint):
            created = await client.user_jobs.create_publish(
                request, agent_id=agent, idempotency_key=key
            )
    except OutcomeUnknownError as exc:
        used = exc.idempotency_key or key
        raise CliError(
            f"{exc} The post may have been queued; nothing was re-sent.",
            ExitCode.OUTCOME_UNKNOWN,
            error_code="outcome_unknown",
            hint=f"{check} Idempotency key: {used}",
            extra={"idempotency_key": used},
        ) from exc
    job_id = created.user_job_id
    if not args.wait:
        ctx.out.result(f"Publish job {job_id} created.")
        ctx.out.info(f"Follow it with `genpro publish-status {job_id} --wait`.")
        ctx.out.emit(
            {"user_job_id": job_id, "status": "pending", "post_id": None, "failed_reason": None}
        )
        return ExitCode.OK
    ctx.out.info(f"Publish job {job_id} created. Waiting for it (Ctrl-C stops waiting only).")
    # GEN queues a new publish job as pending; the first GET comes after 5 s.
    queued = UserJob.model_validate({"id": job_id, "status": "pending"})
    job = await _wait(ctx, job_id, agent, args.timeout, first=queued)
    return _finish(ctx, job)


async def run_publish_status(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro publish-status USER_JOB_ID`: show (or wait for) a publish job."""
    agent = ctx.require_agent()
    client = await ctx.client()
    job = await client.user_jobs.get(args.user_job_id, agent_id=agent)
    if args.wait:
        job = await _wait(ctx, args.user_job_id, agent, args.timeout, first=job)
    return _finish(ctx, job)


async def _wait(
    ctx: Context, job_id: str, agent: str, limit: float | None, first: UserJob | None = None
) -> UserJob:
    client = await ctx.client()
    spec = WaitSpec(
        noun="Publish job",
        item_id=job_id,
        resume_command=f"genpro publish-status {job_id}",
        backoff=PUBLISH_POLL,
        timeout=limit,
        id_field="user_job_id",
    )

    async def fetch() -> UserJob:
        return await client.user_jobs.get(job_id, agent_id=agent)

    return await wait_until_done(ctx, fetch, spec=spec, first=first)


def publish_json(job: UserJob) -> dict[str, Any]:
    """The --json object for publish/publish-status."""
    obj: dict[str, Any] = {
        "user_job_id": job.id,
        "status": job.status.value,
        "post_id": job.post_id,
        "failed_reason": job.failed_reason,
    }
    if job.status is JobStatus.UNKNOWN:
        obj["raw_status"] = job.raw_status
    return obj


def _finish(ctx: Context, job: UserJob) -> int:
    ctx.out.emit(publish_json(job))
    style = {"completed": "green", "failed": "red", "stopped": "yellow"}.get(job.status.value, "")
    ctx.out.show(
        Text.assemble(f"Publish job {job.id}: ", (status_text(job), f"bold {style}".strip()))
    )
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    if job.post_id:
        grid.add_row("Post id", Text(job.post_id))
    if job.failed_reason:
        grid.add_row("Reason", Text(job.failed_reason))
    if grid.row_count:
        ctx.out.show(grid)
    if job.status is JobStatus.UNKNOWN:
        ctx.out.info(
            f"Publish job {job.id} needs attention: GEN reports the unknown status "
            f"{job.raw_status!r}.",
            style="magenta",
        )
        return ExitCode.JOB_FAILED
    if job.status in (JobStatus.FAILED, JobStatus.STOPPED):
        return ExitCode.JOB_FAILED
    return ExitCode.OK
