"""`genpro` entry point: parse, run one command in an event loop, map every outcome to an exit code.

No traceback ever reaches the terminal: expected failures become one message (and a JSON error
object with --json); anything unexpected becomes "Internal error: ..." plus the path of a log
file holding the traceback, and exit code 70.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path

from genpro_desktop.cli.context import Context, GlobalOptions, Runtime, store_error
from genpro_desktop.cli.exit_codes import CliError, ExitCode, from_gen_error, usage_error
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
    except BrokenPipeError:  # stdout's reader went away (`genpro ... | head -1`)
        return _stdout_closed(runtime)
    except Exception as exc:  # a bug before the context existed; still no traceback
        early.info(f"Internal error: {type(exc).__name__}: {exc}", style="bold red")
        return int(ExitCode.INTERNAL)


def _stdout_closed(runtime: Runtime) -> int:
    """End quietly when the reader of stdout has gone: nothing more can be said there.

    The real stdout is pointed at the null device so the interpreter's final flush does not
    complain about the closed pipe either.
    """
    stream = runtime.out()
    if stream is sys.stdout or stream is sys.__stdout__:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
    _LOG.info("stdout was closed by its reader; stopped quietly")
    return int(ExitCode.STDOUT_CLOSED)


def _undecodable(arguments: Sequence[str]) -> CliError | None:
    """An argument that is not valid UTF-8 (Python keeps its bytes as lone surrogates)."""
    for position, arg in enumerate(arguments, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            try:
                raw = arg.encode("utf-8", "surrogateescape")  # the bytes as typed
            except UnicodeEncodeError:
                raw = arg.encode("utf-8", "backslashreplace")
            shown = repr(raw)[2:-1]
            return usage_error(
                f"Argument {position} ({shown[:80]}) is not valid UTF-8 text; nothing was done.",
                hint="Check the terminal's or the script's character encoding (UTF-8 expected).",
            )
    return None


def _main(arguments: list[str], runtime: Runtime, early: Output) -> int:
    bad = _undecodable(arguments)
    if bad is not None:
        early.error(bad)
        return int(bad.exit_code)
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
    except BrokenPipeError:
        code = _stdout_closed(runtime)
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
    terminated = _on_sigterm_cancel()
    try:
        return int(await args.handler(ctx, args))
    except asyncio.CancelledError:
        if not terminated():
            raise
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        # SIGTERM: unwind like Ctrl-C so the finally below closes everything (and --demo's
        # throwaway folder is removed); jobs stay in the history for `genpro resume`.
        _LOG.info("terminated by SIGTERM")
        ctx.out.error(
            CliError(
                "Terminated; unfinished jobs stay in the local history.",
                ExitCode.TERMINATED,
                error_code="terminated",
                hint="Pick them up with `genpro resume --wait`.",
            )
        )
        return int(ExitCode.TERMINATED)
    except BrokenPipeError:
        raise
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


def _on_sigterm_cancel() -> Callable[[], bool]:
    """Make SIGTERM cancel the running command (so cleanup runs); returns "was it SIGTERM?"."""
    task = asyncio.current_task()
    fired = False

    def on_term() -> None:
        nonlocal fired
        fired = True
        if task is not None:
            task.cancel()

    loop = asyncio.get_running_loop()
    # Not on Windows, nor outside the main thread: there SIGTERM keeps its default.
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGTERM, on_term)
    return lambda: fired


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


class _QuietFileHandler(RotatingFileHandler):
    """The log file handler; a write that fails detaches it with one stderr line, no traceback."""

    def __init__(self, path: Path, on_failure: Callable[[OSError | Exception], None]) -> None:
        super().__init__(path, maxBytes=1_000_000, backupCount=2, encoding="utf-8")
        self._on_failure = on_failure

    def handleError(self, record: logging.LogRecord) -> None:
        """Instead of logging's two-screen traceback per record: stop logging, say so once."""
        del record
        exc = sys.exc_info()[1]
        self._on_failure(exc if isinstance(exc, Exception) else OSError("write failed"))


class _FileLog:
    """INFO-level log of `genpro_desktop.*` to <log dir>/genpro-cli.log for one invocation.

    Logging is a convenience: when the log folder cannot be written, one line on stderr says so
    and the command runs unlogged.
    """

    def __init__(self, ctx: Context) -> None:
        self._handler: logging.Handler | None = None
        self._out = ctx.out
        self._logger = logging.getLogger("genpro_desktop")
        self._old_level = self._logger.level
        path = ctx.paths.log_dir / LOG_FILE_NAME
        try:
            ctx.paths.log_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
            handler = _QuietFileHandler(path, self._failed)
        except OSError as exc:
            self._warn(path, exc)
            return
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(_RedactFilter(ctx))
        self._handler = handler
        self._path = path
        self._logger.addHandler(handler)
        if self._logger.level == logging.NOTSET or self._logger.level > logging.INFO:
            self._logger.setLevel(logging.INFO)

    def _warn(self, path: Path, exc: BaseException) -> None:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        self._out.info(f"Note: the log file {path} cannot be written ({reason}); not logging.")

    def _failed(self, exc: BaseException) -> None:
        handler, self._handler = self._handler, None
        if handler is None:
            return  # already reported
        self._logger.removeHandler(handler)
        with contextlib.suppress(Exception):
            handler.close()
        self._warn(self._path, exc)

    def close(self) -> None:
        """Detach and close the handler, restoring the logger's level."""
        if self._handler is not None:
            self._logger.removeHandler(self._handler)
            self._handler.close()
            self._handler = None
        self._logger.setLevel(self._old_level)
