"""jobs and resume: they read the durable local job history, which does not exist yet."""

from __future__ import annotations

import argparse
from typing import Any

from genpro_desktop.cli.context import Context
from genpro_desktop.cli.exit_codes import usage_error

_NOT_YET = (
    "not available yet: `genpro {command}` needs the local job history, which a later version "
    "adds. Until then, follow a render with `genpro status GENERATION_ID --wait` and a publish "
    "job with `genpro publish-status USER_JOB_ID --wait`."
)


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add jobs and resume."""
    p = subparsers.add_parser(
        "jobs",
        parents=parents,
        help="list local render/publish jobs (not available yet)",
        description="List the renders and publish jobs started from this computer. Not "
        "available yet: it needs the durable local job history; it exits with code 2 until then.",
    )
    p.set_defaults(handler=run_jobs)

    p = subparsers.add_parser(
        "resume",
        parents=parents,
        help="follow jobs left unfinished (not available yet)",
        description="Follow jobs left unfinished by an earlier run. Not available yet: it needs "
        "the durable local job history; it exits with code 2 until then.",
    )
    p.add_argument("--wait", action="store_true", help="wait until they finish")
    p.set_defaults(handler=run_resume)


async def run_jobs(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro jobs`: refuses honestly (exit 2) until the job store exists."""
    raise usage_error(_NOT_YET.format(command="jobs"))


async def run_resume(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro resume`: refuses honestly (exit 2) until the job store exists."""
    raise usage_error(_NOT_YET.format(command="resume"))
