"""jobs, resume, retry, dismiss: the durable local job history (core.store + core.jobs).

`jobs` only reads, so it works while the desktop app tracks jobs (the store is then opened
read-only). `resume`, `retry` and `dismiss` act on jobs, so they take the single-instance lock
through the core services, whose tracker resumes every unfinished job as it starts.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from genpro_desktop.cli.context import Context
from genpro_desktop.cli.exit_codes import CliError, ExitCode, usage_error
from genpro_desktop.cli.jobview import (
    MIN_ID_PREFIX,
    attention_lines,
    describe,
    job_json,
    jobs_lines,
    jobs_table,
    needs_user,
    short_id,
    state_text,
)
from genpro_desktop.cli.waiting import WaitSpec, job_label, wait_for_job, wait_for_jobs
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob

if TYPE_CHECKING:
    from genpro_desktop.core.services import AppServices
    from genpro_desktop.core.store import Store, UnreadableJob

DEFAULT_LIMIT = 50
MAX_LIMIT = 1_000_000  # SQLite's LIMIT overflows past 2**63; --all means "every job"
# Above this many rows the human list is written line by line instead of as one rich table
# (rich lays a table out in full first: ~1 ms a row, 10,000 jobs took 15 s).
TABLE_ROWS = 200
# How many jobs that need the user `jobs` lists with what to do; --state shows the rest.
ATTENTION_SHOWN = 5


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    if value > MAX_LIMIT:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_LIMIT:,}, got {text}; --all shows every job"
        )
    return value


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add jobs, resume, retry and dismiss."""
    p = subparsers.add_parser(
        "jobs",
        parents=parents,
        help="list the renders, downloads and publishes started from this computer",
        description="List the local job history, newest first: renders, downloads and publish "
        "jobs with their state, GEN id and what needs your attention. Works while the desktop "
        "app is running (read-only). --json: one object per job with every stored field.",
    )
    p.add_argument(
        "--state",
        action="append",
        choices=[state.value for state in JobState],
        metavar="STATE",
        help="only jobs in this state (repeatable): " + ", ".join(s.value for s in JobState),
    )
    p.add_argument(
        "--kind",
        action="append",
        choices=[kind.value for kind in JobKind],
        help="only this kind of job (repeatable)",
    )
    p.add_argument(
        "--limit",
        type=_limit,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"show at most N jobs (default {DEFAULT_LIMIT})",
    )
    p.add_argument("--all", action="store_true", help="show every job (no limit)")
    p.set_defaults(handler=run_jobs)

    p = subparsers.add_parser(
        "resume",
        parents=parents,
        help="pick up unfinished jobs and list those that need you",
        description="Pick up every unfinished job: renders and publish jobs are read again "
        "from GEN, interrupted downloads continue from their partial file, and requests whose "
        "answer was lost are marked 'outcome unknown' (never re-sent automatically). Lists "
        "the jobs that need your attention with what to do. Exit 7 if any outcome is unknown, "
        "1 if any job needs attention or failed, else 0.",
    )
    p.add_argument("--wait", action="store_true", help="follow them until they finish")
    p.set_defaults(handler=run_resume)

    p = subparsers.add_parser(
        "retry",
        parents=parents,
        help="send a render/publish again (same idempotency key) or continue a download",
        description="Retry one job (JOB: its local id or a unique prefix, see `genpro jobs`). "
        "A render or publish whose outcome is unknown, or that never reached GEN, is sent "
        "again with the SAME idempotency key, so GEN answers with the job it already started "
        "instead of charging or posting twice. A failed download continues from its partial "
        "file. Asks for confirmation on a terminal; --yes confirms in scripts. GEN honours "
        "an idempotency key for 24 hours only: past that, a render is first looked for among "
        "its cell's renders on GEN (and followed if found); otherwise GEN no longer protects "
        "against a duplicate and the retry is refused (exit 2, duplicate_risk) unless --force.",
    )
    p.add_argument("job", metavar="JOB")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--force",
        action="store_true",
        help="send again even past GEN's 24-hour idempotency window, accepting that it may "
        "be charged or posted a second time",
    )
    p.add_argument("--wait", action="store_true", help="wait until the job finishes")
    p.set_defaults(handler=run_retry)

    p = subparsers.add_parser(
        "dismiss",
        parents=parents,
        help="stop showing a job that needs attention (outcome unknown / needs attention)",
        description="Mark a parked job (outcome unknown or needs attention) as dismissed: you "
        "have checked it yourself. Nothing is sent to GEN.",
    )
    p.add_argument("job", metavar="JOB")
    p.set_defaults(handler=run_dismiss)


# -- jobs -----------------------------------------------------------------------------------


async def run_jobs(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro jobs`: the local job history (read-only)."""
    store = await ctx.job_store()
    kinds = [JobKind(k) for k in args.kind] if args.kind else None
    states = [JobState(s) for s in args.state] if args.state else None
    limit = None if args.all else args.limit
    jobs = await store.list_jobs(kinds=kinds, states=states, limit=limit)
    # The same window as the list (plus every unfinished job): deciding that a record is
    # unreadable means decoding it, which for a long history takes seconds.
    unreadable = [
        record
        for record in await store.unreadable_jobs(newest=limit, kinds=kinds, states=states)
        if (not args.kind or record.kind in args.kind)
        and (not args.state or record.state in args.state)
    ]
    for job in jobs:
        ctx.out.emit(job_json(job))
    for record in unreadable:
        ctx.out.emit(unreadable_json(record))
    if unreadable:
        ctx.out.show(unreadable_table(unreadable))
        ctx.out.info(unreadable_note(unreadable))
    if not jobs:
        filtered = " matching those filters" if kinds or states else ""
        more = " readable" if unreadable else ""
        ctx.out.info(f"No{more} jobs{filtered} in the local history ({store.path}).")
        return ExitCode.OK
    if not ctx.out.json_mode:
        typical = {kind: await store.typical_duration(kind) for kind in JobKind}
        now = ctx.clock.wall()
        if len(jobs) <= TABLE_ROWS:
            ctx.out.show(jobs_table(jobs, now, typical))
        else:
            ctx.out.lines(jobs_lines(jobs, now, typical))
    if limit is not None and len(jobs) == limit:
        ctx.out.info(f"Showing the newest {limit}; --all shows every job.")
    if store.read_only:
        ctx.out.info("Another genpro process is tracking jobs; this list is read-only.")
    _attention_advice(ctx, [job for job in jobs if needs_user(job)])
    return ExitCode.OK


def unreadable_json(record: UnreadableJob) -> dict[str, Any]:
    """The --json object of a job whose record cannot be read: what its indexed columns say."""
    return {
        "id": record.id,
        "kind": record.kind,
        "state": record.state,
        "agent_id": record.agent_id,
        "remote_id": record.remote_id,
        "dedupe_key": record.dedupe_key,
        "created_at": record.created_at.isoformat() if record.created_at else None,
        "unreadable": True,
        "error": record.error,
        "actions": [],
    }


def unreadable_table(records: Sequence[UnreadableJob]) -> Table:
    """The jobs whose record cannot be read, with what is known of them."""
    table = Table(header_style="bold", title="Unreadable job records")
    table.add_column("Job", no_wrap=True, style="cyan")
    table.add_column("Kind", no_wrap=True)
    table.add_column("State", no_wrap=True)
    table.add_column("GEN id", no_wrap=True)
    table.add_column("Dedupe key", overflow="fold")
    table.add_column("Why", overflow="fold")
    for record in records:
        table.add_row(
            short_id(record.id),
            Text(record.kind),
            Text(f"unreadable ({record.state})", style="bold magenta"),
            Text(record.remote_id or ""),
            Text(record.dedupe_key or ""),
            Text(record.error),
        )
    return table


def unreadable_note(records: Sequence[UnreadableJob]) -> str:
    """What an unreadable record means for the user."""
    return (
        f"{len(records)} job record(s) cannot be read (damaged, or written by a newer "
        "genpro-desktop). They are kept as they are; a GEN id shown is still followed by "
        "`genpro resume`, and a post with that dedupe key is still refused as a duplicate."
    )


def _attention_advice(ctx: Context, attention: Sequence[LocalJob]) -> None:
    """What to do about the jobs that need the user, job by job (not a pointer elsewhere:
    `resume` only lists unfinished jobs, and a failed download or unsent POST is finished)."""
    if not attention:
        return
    ctx.out.info(f"{len(attention)} job(s) need your attention:")
    for job in attention[:ATTENTION_SHOWN]:
        for line in attention_lines(job):
            ctx.out.info(f"  {line}")
    if len(attention) > ATTENTION_SHOWN:
        ctx.out.info(
            f"  ... and {len(attention) - ATTENTION_SHOWN} more (they are among `genpro jobs "
            "--state outcome_unknown --state needs_attention --state failed`)."
        )


# -- resume ---------------------------------------------------------------------------------


async def run_resume(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro resume [--wait]`: resume every unfinished job and list those that need the user."""
    hint = CliError(
        "Stopped; unfinished jobs keep going on GEN and stay in the local history.",
        ExitCode.INTERRUPTED,
        error_code="interrupted",
        hint="Resume with `genpro resume --wait`.",
    )
    with ctx.interrupt_hint(hint):
        return await _resume(ctx, args)


async def _resume(ctx: Context, args: argparse.Namespace) -> int:
    # Read what is unfinished before the tracker starts: its first reads may finish a job at
    # once (GEN completed it while nothing watched), and that job must still be reported.
    before = await (await ctx.job_store()).active_jobs()
    services = await ctx.services()  # starting the tracker resumes everything
    # ...and what starting it added (jobs that follow an unreadable record's GEN id).
    seen = {job.id for job in before}
    unfinished = [
        *before,
        *(job for job in await services.store.active_jobs() if job.id not in seen),
    ]
    running = [job for job in unfinished if job.is_active]
    if running:
        ctx.out.info(f"Resumed {len(running)} unfinished job(s):")
        for job in running:
            ctx.out.info(f"  {job_label(job)}: {state_text(job)} — {describe(job)}")
    if args.wait and running:
        ctx.out.info("Following them until they finish (Ctrl-C stops waiting only).")
        await wait_for_jobs(ctx, services, running)
    elif not args.wait:
        for job in running:
            await _refresh(services, job)
    ids = {job.id for job in unfinished}
    final = [await services.tracker.get(job_id) for job_id in ids]
    final.sort(key=lambda job: job.created_at)
    unreadable = await services.store.unreadable_jobs()
    for record in unreadable:
        ctx.out.emit(unreadable_json(record))
        ctx.out.report(
            f"Unreadable record {short_id(record.id)}: {record.kind} {record.state}"
            + (f", GEN id {record.remote_id}" if record.remote_id else "")
            + f" ({record.error})"
        )
    if unreadable:
        ctx.out.report(unreadable_note(unreadable))
    return _report_resume(ctx, final, waited=args.wait)


async def _refresh(services: AppServices, job: LocalJob) -> None:
    """Read a render/publish once from GEN (resume without --wait shows current states)."""
    from genpro_desktop.core.api import GenError
    from genpro_desktop.core.jobs import JobActionError

    if job.kind is JobKind.DOWNLOAD or job.remote_id is None:
        return
    with contextlib.suppress(GenError, JobActionError):
        await services.tracker.refresh(job.id)  # on failure the tracker keeps its cadence


def _report_resume(ctx: Context, jobs: Sequence[LocalJob], *, waited: bool) -> int:
    for job in jobs:
        ctx.out.emit(job_json(job))
    if not jobs:
        ctx.out.report("Nothing to resume: every job in the local history is finished.")
        return ExitCode.OK
    done = [job for job in jobs if job.state in (JobState.COMPLETED, JobState.DOWNLOADED)]
    still = [job for job in jobs if job.is_active]
    attention = [job for job in jobs if needs_user(job)]
    failed = [job for job in jobs if job.state in (JobState.FAILED, JobState.STOPPED)]
    if done:
        ctx.out.report(f"Finished: {len(done)} job(s).")
        for job in done:
            ctx.out.report(
                f"  {short_id(job.id)} {job.kind.value} {state_text(job)}: {describe(job)}"
            )
    if still:
        verb = "Still running" if waited else "In progress"
        ctx.out.report(f"{verb}: {len(still)} job(s); `genpro resume --wait` follows them.")
    if attention:
        ctx.out.report(f"Needs your attention: {len(attention)} job(s).")
        for job in attention:
            for line in attention_lines(job):
                ctx.out.report(f"  {line}")
    shown = {job.id for job in attention}
    unshown = [job for job in failed if job.id not in shown]
    if unshown:
        ctx.out.report(f"Failed or stopped: {len(unshown)} job(s).")
    for job in unshown:
        ctx.out.report(
            f"  {short_id(job.id)} {job.kind.value} {state_text(job)}: "
            f"{job.failure_note or describe(job)}"
        )
    if any(job.state is JobState.OUTCOME_UNKNOWN for job in jobs):
        return ExitCode.OUTCOME_UNKNOWN
    if attention or failed:
        return ExitCode.JOB_FAILED
    return ExitCode.OK


# -- retry and dismiss ----------------------------------------------------------------------


async def find_job(store: Store, ref: str) -> LocalJob:
    """A job by local id, unique local id prefix, or GEN id (generation / user job)."""
    ref = ref.strip()
    job = await store.get_job(ref)
    if job is not None:
        return job
    for kind in (JobKind.RENDER, JobKind.PUBLISH, JobKind.POST):
        job = await store.find_by_remote(kind, ref)
        if job is not None:
            return job
    if len(ref) >= MIN_ID_PREFIX:
        matches = await store.jobs_with_id_prefix(ref.lower())
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise usage_error(
                f"{ref!r} matches {len(matches)} jobs; give more of the id.",
                hint="`genpro jobs` shows the ids.",
            )
    raise usage_error(
        f"No job {ref!r} in the local history.",
        hint="`genpro jobs` lists jobs; use the Job column (or any unique start of it).",
    )


def _confirm(ctx: Context, job: LocalJob, yes: bool, *, expired: bool = False) -> None:
    if yes:
        return
    stdin = ctx.runtime.inp()
    try:
        interactive = stdin.isatty()
    except (AttributeError, ValueError, OSError):
        interactive = False
    what = {
        JobKind.RENDER: "render again (charged only if GEN did not start it before)",
        JobKind.PUBLISH: "send the post again (GEN replays it if it already has it)",
        JobKind.POST: "send the post again (GEN replays it if it already has it)",
        JobKind.DOWNLOAD: "continue the download",
    }[job.kind]
    if expired:
        what = {
            JobKind.RENDER: "render again; GEN's 24-hour idempotency window has passed, so GEN "
            "no longer protects against a duplicate and it may be charged twice",
            JobKind.PUBLISH: "send the post again; GEN's 24-hour idempotency window has passed, "
            "so GEN no longer protects against a duplicate and it may be posted twice",
            JobKind.POST: "send the post again; GEN's 24-hour idempotency window has passed, "
            "so GEN no longer protects against a duplicate and it may be posted twice",
        }.get(job.kind, what)
    if not interactive:
        raise usage_error(
            f"Retrying job {short_id(job.id)} would {what}; nothing was done.",
            hint="Confirm with --yes.",
        )
    ask = ctx.runtime.confirm or _ask
    if not ask(f"Retry {job.kind.value} {short_id(job.id)} ({describe(job)}) and {what}? [y/N] "):
        raise CliError("Not retried.", ExitCode.USAGE, error_code="not_confirmed")


def _ask(question: str) -> bool:
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


_RETRYABLE = (
    "a job whose outcome is unknown, a render or publish that never reached GEN, or a failed "
    "download can be retried"
)
_DISMISSABLE = (
    "a job that waits for you (outcome unknown or needs attention) or whose status GEN reports "
    "as one this app does not know can be dismissed"
)


async def _job_that(
    services: AppServices, ref: str, allowed: Callable[[LocalJob], bool], only: str
) -> LocalJob:
    """The job `ref` names, when the action is `allowed` for it; else exit 2: "only `only`"."""
    job = await find_job(services.store, ref)
    if not allowed(job):
        raise usage_error(f"Job {short_id(job.id)} is {state_text(job)}; only {only}.")
    return job


async def run_retry(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro retry JOB`: user-confirmed re-send (same idempotency key) or download resume."""
    from genpro_desktop.cli.commands.publishing import publish_json
    from genpro_desktop.cli.commands.renders import generation_json
    from genpro_desktop.cli.submission import raise_if_not_started
    from genpro_desktop.core.jobs import DuplicateRiskError, JobActionError

    services = await ctx.services()
    job = await _job_that(services, args.job, LocalJob.can_retry, _RETRYABLE)
    expired = job.kind is not JobKind.DOWNLOAD and (
        job.state is JobState.OUTCOME_UNKNOWN and services.tracker.idempotency_expired(job)
    )
    _confirm(ctx, job, args.yes, expired=expired and args.force)
    try:
        job = await services.tracker.retry(job.id, force=args.force)
    except DuplicateRiskError as exc:
        raise CliError(
            str(exc).replace(" (--force in the CLI)", ""),
            ExitCode.USAGE,
            error_code="duplicate_risk",
            hint=f"Nothing was sent. `genpro retry {short_id(job.id)} --force` sends it anyway.",
            extra={"job_id": job.id, "idempotency_key": job.idempotency_key},
        ) from exc
    except JobActionError as exc:
        raise usage_error(str(exc)) from exc
    if job.kind is JobKind.DOWNLOAD:
        return await _follow_download(ctx, services, job)
    check = "the job on GEN"
    raise_if_not_started(job, check=check)
    if services.tracker.found_on_gen(job.id):
        ctx.out.info(
            f"Found on GEN (GEN id {job.remote_id}, started after this job was sent); "
            "following it, nothing was re-sent."
        )
    else:
        ctx.out.info(f"Sent again with the same idempotency key: GEN id {job.remote_id}.")
    if args.wait:
        noun = {JobKind.RENDER: "Generation", JobKind.POST: "Post"}.get(job.kind, "Publish job")
        spec = WaitSpec(noun, job.remote_id or job.id, "genpro resume")
        job = await wait_for_job(ctx, services, job, spec)
    if job.kind is JobKind.POST:
        from genpro_desktop.cli.commands.posts import post_json

        obj = post_json(job)
    else:
        obj = generation_json(job) if job.kind is JobKind.RENDER else publish_json(job)
    ctx.out.emit(obj)
    ctx.out.result(f"{job_label(job)}: {state_text(job)} — {describe(job)}")
    if job.state in (JobState.FAILED, JobState.STOPPED, JobState.NEEDS_ATTENTION):
        return ExitCode.JOB_FAILED
    return ExitCode.OK


async def _follow_download(ctx: Context, services: AppServices, job: LocalJob) -> int:
    spec = WaitSpec("Download", short_id(job.id), "genpro resume", id_field="job_id")
    job = await wait_for_job(ctx, services, job, spec)
    ctx.out.emit(job_json(job))
    ctx.out.result(f"{job_label(job)}: {state_text(job)} — {job.target_path or describe(job)}")
    return ExitCode.OK if job.state is JobState.DOWNLOADED else ExitCode.UNREACHABLE


async def run_dismiss(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro dismiss JOB`: the user has dealt with a parked job."""
    from genpro_desktop.core.jobs import JobActionError

    services = await ctx.services()
    job = await _job_that(services, args.job, LocalJob.can_dismiss, _DISMISSABLE)
    try:
        job = await services.tracker.dismiss(job.id)
    except JobActionError as exc:
        raise usage_error(str(exc)) from exc
    ctx.out.emit(job_json(job))
    ctx.out.result(f"Dismissed {job.kind.value} {short_id(job.id)}: {describe(job)}.")
    return ExitCode.OK
