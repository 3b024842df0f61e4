"""Downloading a completed render through the tracker, and what a failed download means."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from genpro_desktop.cli.context import Context
from genpro_desktop.cli.exit_codes import CliError, ExitCode
from genpro_desktop.cli.jobview import short_id
from genpro_desktop.cli.waiting import WaitSpec, wait_for_job
from genpro_desktop.core.jobs.model import JobState, LocalJob

if TYPE_CHECKING:
    from genpro_desktop.core.services import AppServices


def destination(raw: str | None) -> Path:
    """Where to download: a file or folder path; "out/" (trailing separator) makes a new folder."""
    if raw is None:
        return Path.cwd()
    path = Path(raw).expanduser()
    if raw.endswith(("/", "\\")) and not path.exists():
        path.mkdir(parents=True, exist_ok=True)
    return path


async def download_render(
    ctx: Context, services: AppServices, render: LocalJob, dest: Path
) -> LocalJob:
    """Download a completed render through the tracker (resumable) and wait for the file."""
    gid = render.remote_id or render.id
    if not render.can_download():
        raise CliError(
            f"Generation {gid} completed but GEN returned no video URL to download.",
            ExitCode.UNREACHABLE,
            error_code="no_output",
            extra={"generation_id": gid},
        )
    job = await services.tracker.download(render.id, dest)
    spec = WaitSpec(
        noun="Download",
        item_id=short_id(job.id),
        resume_command="genpro resume",
        id_field="job_id",
    )
    job = await wait_for_job(ctx, services, job, spec)
    if job.state is JobState.DOWNLOADED:
        return job
    retry = f"`genpro retry {short_id(job.id)}`"
    extra = {"generation_id": gid, "job_id": job.id}
    reason = job.failed_reason or "the download did not finish"
    if job.part_path is None and job.bytes_done == 0 and _looks_unverified(reason):
        raise CliError(
            f"The download failed verification and was deleted: {reason}",
            ExitCode.VERIFICATION,
            error_code="verification_failed",
            hint=f"The generation itself is fine; try again later with {retry}.",
            extra=extra,
        )
    if job.part_path is None and job.bytes_done == 0 and _refused_target(reason):
        # Nothing was requested: the target is a link or a device (the core refuses both).
        raise CliError(reason, ExitCode.USAGE, error_code="usage_error", extra=extra)
    if "not enough free space" in reason:
        raise CliError(reason, ExitCode.USAGE, error_code="insufficient_space", extra=extra)
    raise CliError(
        f"The download failed: {reason}",
        ExitCode.UNREACHABLE,
        error_code="download_failed",
        hint=f"The generation itself is fine; {retry} continues it.",
        extra=extra,
    )


# How core.downloads words a DownloadVerificationError (the tracker keeps the message; a job
# that failed verification also has no partial file left).
_VERIFICATION_WORDS = ("not an MP4", "web page", "not a video", "limit")


# How core.downloads words a refused target (a symbolic link, a device).
_REFUSED_TARGET_WORDS = ("is a symbolic link; refusing", "is not a regular file")


def _refused_target(reason: str) -> bool:
    return any(word in reason for word in _REFUSED_TARGET_WORDS)


def _looks_unverified(reason: str) -> bool:
    return any(word in reason for word in _VERIFICATION_WORDS)
