"""`genpro` entry point: parse, run one command in an event loop, map every outcome to an exit code.

No traceback ever reaches the terminal: expected failures become one message (and a JSON error
object with --json); anything unexpected becomes "Internal error: ..." plus the path of a log
file holding the traceback, and exit code 70.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path

from genpro_desktop.cli.context import Context, GlobalOptions, Runtime, store_error
from genpro_desktop.cli.exit_codes import CliError, ExitCode, from_gen_error
from genpro_desktop.cli.output import Output
from genpro_desktop.cli.parser import build_parser
from genpro_desktop.cli.settings import PRIVATE_DIR_MODE
from genpro_desktop.core.api import GenError

LOG_FILE_NAME = "genpro-cli.log"
CRASH_FILE_NAME = "genpro-cli-crash.log"
_LOG = logging.getLogger("genpro_desktop.cli")


def main(argv: Sequence[str] | None = None, *, runtime: Runtime | None = None) -> int:
    """Run `genpro` with `argv` (default: sys.argv[1:]) and return the process exit code."""
    runtime = runtime or Runtime()
    arguments = list(sys.argv[1:] if argv is None else argv)
    # --json must shape even a usage error, which happens before parsing has finished.
    early = Output(json_mode=_wants_json(arguments), stdout=runtime.out(), stderr=runtime.err())
    try:
        return _main(arguments, runtime, early)
    except KeyboardInterrupt:  # Ctrl-C before or after the event loop ran
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:  # a bug before the context existed; still no traceback
        early.info(f"Internal error: {type(exc).__name__}: {exc}", style="bold red")
        return int(ExitCode.INTERNAL)


def _main(arguments: list[str], runtime: Runtime, early: Output) -> int:
    try:
        args = build_parser().parse_args(arguments)
    except CliError as err:
        early.error(err)
        return int(err.exit_code)
    except SystemExit as exc:  # --help and --version exit 0 through argparse
        return exc.code if isinstance(exc.code, int) else int(ExitCode.USAGE)
    options = GlobalOptions(
        base_url=args.base_url,
        agent=args.agent,
        json=args.json,
        demo=args.demo,
        prefix=args.prefix,
    )
    output = Output(json_mode=options.json, stdout=runtime.out(), stderr=runtime.err())
    ctx = Context(options, runtime, output)
    log = _FileLog(ctx)
    code = int(ExitCode.INTERNAL)
    try:
        _LOG.info("genpro %s", args.command)
        code = asyncio.run(_run(ctx, args))
    except KeyboardInterrupt:
        err = ctx.on_interrupt or CliError(
            "Interrupted.", ExitCode.INTERRUPTED, error_code="interrupted"
        )
        output.error(err)
        code = int(ExitCode.INTERRUPTED)
    except Exception as exc:  # the promise: no traceback on the terminal, ever
        code = _internal_error(ctx, args.command, exc)
    finally:
        _LOG.info("genpro %s exited with %s", args.command, code)
        log.close()
    return code


def _wants_json(arguments: Sequence[str]) -> bool:
    for arg in arguments:
        if arg == "--":
            return False
        if arg == "--json":
            return True
    return False


async def _run(ctx: Context, args: argparse.Namespace) -> int:
    try:
        return int(await args.handler(ctx, args))
    except CliError as err:
        ctx.out.error(err)
        return int(err.exit_code)
    except GenError as exc:
        err = from_gen_error(exc)
        ctx.out.error(err)
        return int(err.exit_code)
    except Exception as exc:
        err = _core_error(exc)
        if err is None:
            raise
        ctx.out.error(err)
        return int(err.exit_code)
    finally:
        await ctx.aclose()


def _core_error(exc: Exception) -> CliError | None:
    """Expected failures of the job engine as CLI errors; None for anything else (a bug)."""
    from genpro_desktop.core.jobs import JobActionError, UnknownJobError
    from genpro_desktop.core.store import StoreError

    if isinstance(exc, StoreError):
        return store_error(exc)
    if isinstance(exc, JobActionError | UnknownJobError):
        return CliError(str(exc), ExitCode.USAGE, error_code="usage_error")
    return None


def _redact(ctx: Context, text: str) -> str:
    for secret in ctx.secrets:
        if secret:
            text = text.replace(secret, "********")
    return text


def _internal_error(ctx: Context, command: str, exc: BaseException) -> int:
    detail = _redact(ctx, "".join(traceback.format_exception(exc)))
    where: Path | None = None
    try:
        ctx.paths.log_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        where = ctx.paths.log_dir / CRASH_FILE_NAME
        with where.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now(UTC).isoformat()} genpro {command}\n")
            handle.write(detail + "\n")
    except OSError:
        where = None
    summary = _redact(ctx, f"{type(exc).__name__}: {exc}").splitlines()[0][:300]
    message = f"Internal error: {summary}"
    err = CliError(
        message,
        ExitCode.INTERNAL,
        error_code="internal_error",
        extra={"log_file": str(where) if where else None},
    )
    ctx.out.info(message, style="bold red")
    ctx.out.info(
        f"Details: {where}" if where else "Details could not be written to the log folder."
    )
    ctx.out.emit(err.to_json())
    return int(ExitCode.INTERNAL)


class _RedactFilter(logging.Filter):
    """Masks this run's secrets in every record written to the CLI's log file."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self._ctx = ctx

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _redact(self._ctx, message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        return True


class _FileLog:
    """INFO-level log of `genpro_desktop.*` to <log dir>/genpro-cli.log for one invocation."""

    def __init__(self, ctx: Context) -> None:
        self._handler: logging.Handler | None = None
        self._logger = logging.getLogger("genpro_desktop")
        self._old_level = self._logger.level
        try:
            ctx.paths.log_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
            handler = RotatingFileHandler(
                ctx.paths.log_dir / LOG_FILE_NAME,
                maxBytes=1_000_000,
                backupCount=2,
                encoding="utf-8",
                delay=True,
            )
        except OSError:
            return  # logging is a convenience; an unwritable log folder must not stop the CLI
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(_RedactFilter(ctx))
        self._handler = handler
        self._logger.addHandler(handler)
        if self._logger.level == logging.NOTSET or self._logger.level > logging.INFO:
            self._logger.setLevel(logging.INFO)

    def close(self) -> None:
        """Detach and close the handler, restoring the logger's level."""
        if self._handler is not None:
            self._logger.removeHandler(self._handler)
            self._handler.close()
            self._handler = None
        self._logger.setLevel(self._old_level)
