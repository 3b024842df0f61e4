"""publish and publish-status: TikTok publishing through GEN's user_jobs (gen-api.md 11.2).

`publish` goes through the core PublishService (local checks, the duplicate guard, one in-flight
submission per post) and the tracker (write-ahead intent, one POST, durable state).
"""

from __future__ import annotations

import argparse
import os
import re
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.table import Table
from rich.text import Text

from genpro_desktop.cli.commands import posts
from genpro_desktop.cli.commands.renders import positive_seconds
from genpro_desktop.cli.context import Context
from genpro_desktop.cli.exit_codes import CliError, ExitCode, usage_error
from genpro_desktop.cli.ids import gen_id
from genpro_desktop.cli.jobview import short_id, state_text
from genpro_desktop.cli.output import remote_status_exit
from genpro_desktop.cli.submission import note_new_job, raise_if_not_started
from genpro_desktop.cli.waiting import WaitSpec, needs_attention, status_text, wait_for_job
from genpro_desktop.core.api import JobStatus, UserJob
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob
from genpro_desktop.core.publishing import (
    PublishForm,
    ScheduleError,
    format_utc,
    parse_schedule,
    validate_publish,
    zone_name,
)

if TYPE_CHECKING:
    from genpro_desktop.core.publishing.service import DuplicatePublishError as _Duplicate
    from genpro_desktop.core.services import AppServices


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add publish and publish-status."""
    p = subparsers.add_parser(
        "publish",
        parents=parents,
        help="publish a video to TikTok, Instagram, YouTube, ... through GEN (now or scheduled)",
        description="Publish a video to the accounts connected to the agent in the GEN app, "
        "through GEN's schedule API (one post, one or more platforms), or to TikTok through the "
        "legacy user_jobs path (--legacy, or automatically when the server has no schedule "
        "API). The request is checked locally first against every chosen platform's rules; a "
        "refusal exits 2 and sends nothing. The request is never re-sent automatically once it "
        "may have reached GEN, and the same post twice is refused unless --allow-duplicate.",
    )
    media = p.add_mutually_exclusive_group(required=True)
    media.add_argument("--media-url", metavar="URL", help="public video URL")
    posts.add_file_argument(media)
    p.add_argument("--description", metavar="TEXT", help="the caption")
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
        help="post even though the same video with the same caption and schedule was already "
        "published or is pending from this computer (refused otherwise, exit 2)",
    )
    posts.add_publish_arguments(p)
    p.set_defaults(handler=run_publish)

    p = subparsers.add_parser(
        "publish-status",
        parents=parents,
        help="show a publish job's status and post id",
        description="Show a publish job's status, and the TikTok post id once published. Exit "
        "code 1 when it failed.",
    )
    p.add_argument("user_job_id", metavar="USER_JOB_ID", type=gen_id)
    p.add_argument("--wait", action="store_true", help="wait until it finishes")
    p.add_argument(
        "--timeout",
        metavar="S",
        type=positive_seconds,
        help="with --wait: give up waiting after S seconds (exit 8)",
    )
    p.set_defaults(handler=run_publish_status)


def local_zone(env: Any = os.environ) -> tzinfo:
    """This computer's time zone: TZ, else /etc/localtime's IANA name, else the current offset.

    TZ may be an IANA name (`Europe/Berlin`) or a POSIX rule (`UTC+3`, `CET-1CEST,M3.5.0,
    M10.5.0/3`; as in POSIX, `UTC+3` is three hours *behind* UTC). A TZ that is neither is a
    usage error (exit 2): scheduling in some other zone than the one asked for would post at
    the wrong time.
    """
    raw = env.get("TZ")
    if raw:
        return _zone_from_tz(str(raw))
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            try:
                return ZoneInfo(target.split("zoneinfo/", 1)[1])
            except (ZoneInfoNotFoundError, ValueError):
                pass
    return datetime.now().astimezone().tzinfo or UTC


# A POSIX TZ rule: a name of 3+ letters (or <+03>-style), then a mandatory offset.
_POSIX_TZ = re.compile(r"^(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)[+-]?\d{1,2}(?::\d{2}){0,2}")


def _zone_from_tz(raw: str) -> tzinfo:
    name = raw.strip().lstrip(":")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    if _POSIX_TZ.match(name):
        from dateutil.tz import tzstr

        try:
            return tzstr(name, posix_offset=True)
        except (ValueError, TypeError, AttributeError):
            pass
    raise usage_error(
        f"TZ={raw!r} is neither a time zone name nor a POSIX time zone rule, so --at cannot "
        "be read in it; nothing was sent.",
        hint="Set TZ to a name such as Europe/Berlin (or a rule such as UTC-3), unset it to "
        "use the system zone, or give --at with an offset (2026-11-28T09:30:00+01:00).",
    )


def _has_offset(text: str) -> bool:
    """Whether --at names its own UTC offset (...Z, ...+01:00), so no local zone is needed."""
    try:
        return datetime.fromisoformat(re.sub(r"(?<=\d)z$", "Z", text.strip())).tzinfo is not None
    except ValueError:
        return False


def _schedule(ctx: Context, args: argparse.Namespace) -> tuple[datetime | None, str | None]:
    """--at as an aware local time plus the IANA zone it was meant in (exit 2 if unreadable)."""
    if args.at is None:
        return None, None
    try:
        zone = local_zone(ctx.runtime.env)
    except CliError:
        if not _has_offset(args.at):
            raise
        zone = UTC  # the instant is given in full; an unusable TZ only changes how it is shown
    try:
        scheduled = parse_schedule(args.at, ctx.clock.wall(), zone)
    except ScheduleError as exc:
        raise usage_error(f"--at: {exc}") from exc
    local = scheduled.astimezone(zone)
    name = getattr(zone, "key", None)
    ctx.out.info(
        f"Scheduled for {format_utc(scheduled)} "
        f"({local.strftime('%Y-%m-%d %H:%M')} {zone_name(zone)})."
    )
    # Without an IANA name (a bare offset), the instant is kept in UTC.
    return (local, name) if isinstance(name, str) else (scheduled, None)


async def run_publish(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro publish`: the schedule API (posts.py), or this legacy path for TikTok."""
    return await posts.run_post_publish(ctx, args, run_legacy_publish)


async def run_legacy_publish(ctx: Context, args: argparse.Namespace) -> int:
    """Legacy publish: validate, refuse duplicates, create the publish job, optionally wait."""
    from genpro_desktop.core.publishing.service import (
        DuplicatePublishError,
        PublishError,
        PublishRequest,
        PublishValidationError,
    )

    scheduled, zone = _schedule(ctx, args)
    agent = await ctx.require_agent()
    request = PublishRequest(
        agent_id=agent,
        media_url=args.media_url,
        caption=args.description,
        title=args.title,
        thumbnail_url=args.thumbnail_url,
        scheduled_local=scheduled,
        schedule_tz=zone,
    )
    services = await ctx.services()
    # raise_if_not_started writes "Check {check}. Then ..." around this.
    check = "TikTok (or the GEN app) for the post"
    hint = CliError(
        "Interrupted while sending the publish request; it may or may not have been accepted.",
        ExitCode.INTERRUPTED,
        error_code="interrupted",
        hint=f"Check {check} before publishing again. `genpro jobs --kind publish` lists it.",
    )
    try:
        with ctx.interrupt_hint(hint), note_new_job(services, hint):
            job = await services.publisher.publish(request, allow_duplicate=args.allow_duplicate)
    except PublishValidationError as exc:
        for issue in exc.report.warnings:
            ctx.out.warn(issue.message)
        raise usage_error(str(exc)) from exc
    except PublishError as exc:  # the duplicate guard: DuplicatePublishError
        raise (
            _duplicate(exc) if isinstance(exc, DuplicatePublishError) else usage_error(str(exc))
        ) from exc
    for issue in _warnings(ctx, args):
        ctx.out.warn(issue)
    raise_if_not_started(job, check=check)
    uid = job.remote_id or ""
    if not args.wait:
        ctx.out.result(f"Publish job {uid} created.")
        ctx.out.info(
            f"Follow it with `genpro publish-status {uid} --wait` (local job {short_id(job.id)})."
        )
        ctx.out.emit({**publish_json(job), "api": "legacy"})
        return ExitCode.OK
    ctx.out.info(f"Publish job {uid} created. Waiting for it (Ctrl-C stops waiting only).")
    job = await _wait(ctx, services, job, args.timeout)
    return _finish(ctx, job, api="legacy")


def _warnings(ctx: Context, args: argparse.Namespace) -> list[str]:
    """Non-blocking remarks (shown after a successful submit): ignored title, http:// media."""
    form = PublishForm(
        media_url=args.media_url,
        description=args.description,
        title=args.title,
        thumbnail_url=args.thumbnail_url,
        scheduled_time=None,
    )
    return [issue.message for issue in validate_publish(form, ctx.clock.wall()).warnings]


def _duplicate(exc: _Duplicate) -> CliError:
    return CliError(
        str(exc),
        ExitCode.USAGE,
        error_code="duplicate_publish",
        hint="Nothing was sent. Post it again anyway with --allow-duplicate.",
        extra={"duplicates": [job.id for job in exc.existing]},
    )


async def run_publish_status(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro publish-status USER_JOB_ID`: show a publish job, or follow it (tracker)."""
    agent = await ctx.require_agent()
    uid = args.user_job_id
    if not args.wait:
        client = await ctx.client()
        remote = await client.user_jobs.get(uid, agent_id=agent)
        return _show_user_job(ctx, remote)
    services = await ctx.services()
    if await services.store.find_by_remote(JobKind.PUBLISH, uid) is None:
        await services.client.user_jobs.get(uid, agent_id=agent)  # an unknown id exits 4 here
    job = await services.tracker.adopt_user_job(uid, agent_id=agent)
    if job.is_parked:
        job = await services.tracker.refresh(job.id)  # asked again: read GEN once more
    job = await _wait(ctx, services, job, args.timeout)
    return _finish(ctx, job)


async def _wait(
    ctx: Context, services: AppServices, job: LocalJob, limit: float | None
) -> LocalJob:
    spec = WaitSpec.of(job, "Publish job", "genpro publish-status", limit, "user_job_id")
    job = await wait_for_job(ctx, services, job, spec)
    if job.state is JobState.NEEDS_ATTENTION:
        ctx.out.emit(publish_json(job))
        raise needs_attention(spec, job)
    return job


def publish_json(job: LocalJob) -> dict[str, Any]:
    """The --json object for publish/publish-status from the local job."""
    status = job.state.value
    if (job.state is JobState.NEEDS_ATTENTION or job.status_unknown) and job.raw_status:
        status = "unknown"
    obj: dict[str, Any] = {
        "user_job_id": job.remote_id,
        "status": status,
        "post_id": job.post_id,
        "failed_reason": job.failed_reason,
    }
    if (job.state is JobState.NEEDS_ATTENTION or job.status_unknown) and job.raw_status:
        obj["raw_status"] = job.raw_status
    obj["job_id"] = job.id
    return obj


def _finish(ctx: Context, job: LocalJob, *, api: str | None = None) -> int:
    if job.state is JobState.OUTCOME_UNKNOWN:
        raise_if_not_started(job, check="TikTok (or the GEN app) for the post")
    ctx.out.emit({**publish_json(job), "api": api} if api else publish_json(job))
    _show(ctx, job.remote_id, state_text(job), job.state.value, job.post_id, job.failed_reason)
    if job.state in (JobState.FAILED, JobState.STOPPED, JobState.DISMISSED):
        return ExitCode.JOB_FAILED
    return ExitCode.OK


def api_publish_json(job: UserJob) -> dict[str, Any]:
    """The --json object for publish-status straight from GEN."""
    obj: dict[str, Any] = {
        "user_job_id": job.id,
        "status": job.status.value,
        "post_id": job.post_id,
        "failed_reason": job.failed_reason,
    }
    if job.status is JobStatus.UNKNOWN:
        obj["raw_status"] = job.raw_status
    return obj


def _show_user_job(ctx: Context, job: UserJob) -> int:
    ctx.out.emit(api_publish_json(job))
    _show(ctx, job.id, status_text(job), job.status.value, job.post_id, job.failed_reason)
    return remote_status_exit(ctx.out, "Publish job", job.id, job.status, job.raw_status)


def _show(
    ctx: Context,
    uid: str | None,
    text: str,
    state: str,
    post_id: str | None,
    failed_reason: str | None,
) -> None:
    style = {"completed": "green", "failed": "red", "stopped": "yellow"}.get(state, "")
    ctx.out.show(Text.assemble(f"Publish job {uid}: ", (text, f"bold {style}".strip())))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    if post_id:
        grid.add_row("Post id", Text(post_id))
    if failed_reason:
        grid.add_row("Reason", Text(failed_reason))
    if grid.row_count:
        ctx.out.show(grid)
