"""render, status, stop, download: the render -> poll -> download path (gen-api.md 7-9)."""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from genpro_desktop.cli.context import Context
from genpro_desktop.cli.exit_codes import CliError, ExitCode, usage_error
from genpro_desktop.cli.output import decimal_text, download_bar
from genpro_desktop.cli.waiting import GENERATION_POLL, WaitSpec, status_text, wait_until_done
from genpro_desktop.core.api import (
    Generation,
    JobCannotBeStoppedError,
    JobStatus,
    OutcomeUnknownError,
)
from genpro_desktop.core.downloads import (
    DownloadError,
    DownloadResult,
    DownloadVerificationError,
    InsufficientSpaceError,
    format_bytes,
    safe_filename,
)

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
    p.add_argument("engine_id", metavar="ENGINE_ID")
    p.add_argument("cell_id", metavar="CELL_ID")
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
    p.add_argument("generation_id", metavar="GENERATION_ID")
    p.add_argument("--wait", action="store_true", help="wait until it finishes")
    _add_timeout(p)
    p.set_defaults(handler=run_status)

    p = subparsers.add_parser(
        "stop",
        parents=parents,
        help="stop a running generation (its pre-charge is refunded)",
        description="Ask GEN to stop a generation, then re-read it to show what GEN reports.",
    )
    p.add_argument("generation_id", metavar="GENERATION_ID")
    p.set_defaults(handler=run_stop)

    p = subparsers.add_parser(
        "download",
        parents=parents,
        help="download a completed generation's video",
        description="Download a completed generation's MP4 from GEN's CDN (the API key is never "
        "sent there) and verify it. An existing file is never overwritten: a numbered name is "
        "used instead. Default folder: the current directory.",
    )
    p.add_argument("generation_id", metavar="GENERATION_ID")
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
    agent = ctx.require_agent()
    client = await ctx.client()
    key = str(uuid.uuid4())
    check = f"`genpro engine {args.engine_id}` (the row's current take)"
    hint = CliError(
        "Interrupted while starting the render; it may or may not have started.",
        ExitCode.INTERRUPTED,
        error_code="interrupted",
        hint=f"Check {check} before rendering again.",
        extra={"idempotency_key": key},
    )
    try:
        with ctx.interrupt_hint(hint):
            started = await client.renders.create(
                args.engine_id, args.cell_id, agent_id=agent, idempotency_key=key
            )
    except OutcomeUnknownError as exc:
        raise CliError(
            f"{exc} The render may have started (and been charged); nothing was re-sent.",
            ExitCode.OUTCOME_UNKNOWN,
            error_code="outcome_unknown",
            hint=f"Check {check} before rendering again. Idempotency key: "
            f"{exc.idempotency_key or key}",
            extra={"idempotency_key": exc.idempotency_key or key},
        ) from exc
    gid = started.generation_id
    # GEN answers {generation_id, status: "pending"}; a missing status means the same. This
    # stands in for the first poll, so the first GET comes after 2 s.
    created = Generation.model_validate({"id": gid, "status": started.raw_status or "pending"})
    if args.download is None and not args.wait:
        ctx.out.result(f"Render started: generation {gid} ({status_text(created)}).")
        ctx.out.info(f"Follow it with `genpro status {gid} --wait`.")
        ctx.out.emit(
            {
                "generation_id": gid,
                "status": created.status.value,
                "failed_reason": None,
                "url": None,
                "thumbnail_url": None,
                "execution_cost": None,
            }
        )
        return ExitCode.OK
    ctx.out.info(f"Render started: generation {gid}. Waiting for it (Ctrl-C stops waiting only).")
    gen = await _wait(ctx, gid, args.timeout, first=created)
    target = destination(args.download) if args.download is not None else None
    return await _finish(ctx, gen, download=target)


async def run_status(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro status GENERATION_ID`: show (or wait for) one generation."""
    client = await ctx.client()
    gen = await client.generations.get(args.generation_id)
    if args.wait:
        gen = await _wait(ctx, args.generation_id, args.timeout, first=gen)
    return await _finish(ctx, gen, download=None)


async def run_stop(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro stop GENERATION_ID`: stop a generation, then re-read it."""
    client = await ctx.client()
    gid = args.generation_id
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
    gen = await client.generations.get(gid)
    if gen.status is JobStatus.STOPPED:
        ctx.out.info(
            "Stopped. GEN refunds a stopped render's pre-charge; `genpro credits` shows it."
        )
    else:
        ctx.out.info(f"Stop requested; GEN now reports {status_text(gen)}.")
    _report(ctx, gen, None)
    return ExitCode.OK


async def run_download(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro download GENERATION_ID [PATH_OR_DIR]`: download a completed generation's video."""
    client = await ctx.client()
    gid = args.generation_id
    gen = await client.generations.get(gid)
    if gen.status in (JobStatus.FAILED, JobStatus.STOPPED):
        ctx.out.info(f"Nothing to download: generation {gid} {gen.status.value}.")
        return await _finish(ctx, gen, download=None)
    if gen.status is not JobStatus.COMPLETED:
        raise usage_error(
            f"Generation {gid} is {status_text(gen)}; there is nothing to download yet.",
            hint=f"Wait for it with `genpro status {gid} --wait`, then download again.",
        )
    return await _finish(ctx, gen, download=destination(args.dest))


# -- shared ---------------------------------------------------------------------------------


async def _wait(
    ctx: Context, gid: str, limit: float | None, first: Generation | None = None
) -> Generation:
    client = await ctx.client()
    spec = WaitSpec(
        noun="Generation",
        item_id=gid,
        resume_command=f"genpro status {gid}",
        backoff=GENERATION_POLL,
        timeout=limit,
    )
    return await wait_until_done(ctx, lambda: client.generations.get(gid), spec=spec, first=first)


async def _finish(ctx: Context, gen: Generation, *, download: Path | None) -> int:
    """Report a generation (downloading it first when asked) and return the exit code."""
    if gen.status is JobStatus.UNKNOWN:
        _report(ctx, gen, None)
        ctx.out.info(
            f"Generation {gen.id} needs attention: GEN reports the unknown status "
            f"{gen.raw_status!r}.",
            style="magenta",
        )
        return ExitCode.JOB_FAILED
    if gen.status in (JobStatus.FAILED, JobStatus.STOPPED):
        _report(ctx, gen, None)
        return ExitCode.JOB_FAILED
    saved = None
    if download is not None and gen.status is JobStatus.COMPLETED:
        saved = await _download(ctx, gen, download)
    _report(ctx, gen, saved)
    return ExitCode.OK


def destination(raw: str | None) -> Path:
    """Where to download: a file or folder path; "out/" (trailing separator) makes a new folder."""
    if raw is None:
        return Path.cwd()
    path = Path(raw).expanduser()
    if raw.endswith(("/", "\\")) and not path.exists():
        path.mkdir(parents=True, exist_ok=True)
    return path


async def _download(ctx: Context, gen: Generation, dest: Path) -> DownloadResult:
    url = gen.video_url
    retry = f"`genpro download {gen.id} {dest}`"
    if not url:
        raise CliError(
            f"Generation {gen.id} completed but GEN returned no video URL to download.",
            ExitCode.UNREACHABLE,
            error_code="no_output",
            extra={"generation_id": gen.id},
        )
    downloader = await ctx.downloader()
    try:
        with download_bar(ctx.out) as bar:
            return await downloader.download(
                url, dest, suggested_name=safe_filename(None, None, gen.id), progress=bar
            )
    except DownloadVerificationError as exc:
        raise CliError(
            f"The download failed verification and was deleted: {exc}",
            ExitCode.VERIFICATION,
            error_code="verification_failed",
            hint=f"The generation itself is fine; try again later with {retry}.",
            extra={"generation_id": gen.id},
        ) from exc
    except InsufficientSpaceError as exc:
        raise CliError(
            str(exc),
            ExitCode.USAGE,
            error_code="insufficient_space",
            extra={"generation_id": gen.id},
        ) from exc
    except DownloadError as exc:
        raise CliError(
            f"The download failed: {exc}",
            ExitCode.UNREACHABLE,
            error_code="download_failed",
            hint=f"The generation itself is fine; try again with {retry}.",
            extra={"generation_id": gen.id},
        ) from exc


def generation_json(gen: Generation, saved: DownloadResult | None = None) -> dict[str, Any]:
    """The --json object for render/status/stop/download."""
    obj: dict[str, Any] = {
        "generation_id": gen.id,
        "status": gen.status.value,
        "failed_reason": gen.failed_reason,
        "url": gen.video_url,
        "thumbnail_url": gen.thumbnail_url,
        "execution_cost": decimal_text(gen.execution_cost),
    }
    if gen.status is JobStatus.UNKNOWN:
        obj["raw_status"] = gen.raw_status
    if saved is not None:
        obj.update(path=str(saved.path), sha256=saved.sha256, bytes=saved.bytes)
    return obj


def _report(ctx: Context, gen: Generation, saved: DownloadResult | None) -> None:
    ctx.out.emit(generation_json(gen, saved))
    style = _STATUS_STYLES.get(gen.status, "")
    title = Text.assemble(f"Generation {gen.id}: ", (status_text(gen), f"bold {style}".strip()))
    ctx.out.show(title)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    if gen.failed_reason:
        grid.add_row("Reason", Text(gen.failed_reason))
    if gen.video_url:
        grid.add_row("Video", Text(gen.video_url))
    if gen.thumbnail_url:
        grid.add_row("Thumbnail", Text(gen.thumbnail_url))
    cost = decimal_text(gen.execution_cost)
    if cost is not None:
        grid.add_row("Cost", f"{cost} credits")
    if saved is not None:
        grid.add_row("Saved to", Text(str(saved.path)))
        grid.add_row("Size", format_bytes(saved.bytes))
        grid.add_row("SHA-256", saved.sha256)
    if grid.row_count:
        ctx.out.show(grid)
