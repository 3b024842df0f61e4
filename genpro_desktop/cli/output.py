"""Human and --json emitters.

Human mode: results (tables, summaries) go to stdout, messages and progress to stderr.
--json mode: stdout carries exactly one JSON object per line and nothing else; every human
message (progress, hints, warnings) still goes to stderr so scripts can read stdout safely.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from rich.console import Console, RenderableType
from rich.text import Text

from genpro_desktop.cli.exit_codes import CliError, ExitCode
from genpro_desktop.core.api import JobStatus
from genpro_desktop.core.renders import decimal_text as decimal_text  # one formatter for both

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


def _json_default(value: object) -> object:
    """Serialise the few non-JSON types the core hands us."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return str(value)


class ProgressLine:
    """Live status of one wait: a rich spinner on a terminal, one line per change otherwise."""

    def __init__(self, output: Output, progress: Progress | None, label: str) -> None:
        self._output = output
        self._progress = progress
        self._label = label
        self._last: str | None = None
        self._task = progress.add_task(label, total=None) if progress is not None else None

    def update(self, status: str, elapsed: float) -> None:
        """Show the latest status; elapsed is seconds since the wait began."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=f"{self._label}: {status}")
            return
        if status != self._last:
            self._output.info(f"{self._label}: {status} ({elapsed:.0f} s)")
        self._last = status


class Output:
    """Where everything the CLI says goes; one instance per invocation."""

    def __init__(self, *, json_mode: bool, stdout: TextIO, stderr: TextIO) -> None:
        self.json_mode = json_mode
        self._stdout = stdout
        self.console = Console(file=stdout, highlight=False, soft_wrap=False)
        self.err = Console(file=stderr, highlight=False, soft_wrap=True)

    # -- stdout -----------------------------------------------------------------------------

    def emit(self, obj: dict[str, Any]) -> None:
        """Write one JSON object as one line on stdout (--json mode only)."""
        if self.json_mode:
            line = json.dumps(obj, default=_json_default, ensure_ascii=False, sort_keys=False)
            self._stdout.write(line + "\n")
            self._stdout.flush()

    def show(self, renderable: RenderableType) -> None:
        """Print a human result (table, summary) on stdout; silent in --json mode."""
        if not self.json_mode:
            self.console.print(renderable)

    def result(self, text: str, style: str | None = None) -> None:
        """Print one plain human result line on stdout (no markup); silent in --json mode."""
        if not self.json_mode:
            self.console.print(Text(text, style=style or ""))

    def lines(self, lines: Iterable[str], *, chunk: int = 500) -> None:
        """Write plain result lines to stdout as they come (human mode only), in chunks."""
        if self.json_mode:
            return
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= chunk:
                self._stdout.write("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            self._stdout.write("\n".join(batch) + "\n")
        self._stdout.flush()

    def report(self, text: str, style: str | None = None) -> None:
        """A result line meant for people: stdout, or stderr in --json mode (stdout is JSON)."""
        if self.json_mode:
            self.info(text, style)
        else:
            self.result(text, style)

    # -- stderr -----------------------------------------------------------------------------

    def info(self, text: str, style: str | None = None) -> None:
        """A human message on stderr (both modes); text is never parsed as markup."""
        self.err.print(Text(text, style=style or ""))

    def warn(self, text: str) -> None:
        """A warning on stderr."""
        self.info(f"Warning: {text}", style="yellow")

    def error(self, err: CliError) -> None:
        """Report a failure: a message (and hint) on stderr, the error object in --json mode."""
        if err.exit_code == ExitCode.INTERRUPTED:
            self.info(err.message, style="yellow")  # the user asked for it: not an error
        else:
            self.info(f"Error: {err.message}", style="bold red")
        if err.hint:
            self.info(err.hint)
        self.emit(err.to_json())

    @contextmanager
    def progress(self, label: str) -> Iterator[ProgressLine]:
        """Live progress for a wait: spinner + elapsed time on a terminal, no fake percentage."""
        if not self.err.is_terminal:
            yield ProgressLine(self, None, label)
            return
        # Imported here: scripts and pipes (no terminal) never pay for the live display.
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, console=self.err, transient=True) as progress:
            yield ProgressLine(self, progress, label)


class DownloadBar:
    """Byte progress of downloads: one real bar per download when the size is known (terminal
    only; elsewhere a no-op)."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, report: DownloadReport, key: str = "", label: str = "Downloading") -> None:
        """Progress callback: `key` tells concurrent downloads apart."""
        if self._progress is None:
            return
        task = self._tasks.get(key)
        if task is None:
            task = self._tasks[key] = self._progress.add_task(label, total=None)
        self._progress.update(task, completed=report.bytes, total=report.total)


class DownloadReport(Protocol):
    """The fields of core.downloads.progress.DownloadProgress this module reads."""

    @property
    def bytes(self) -> int: ...

    @property
    def total(self) -> int | None: ...


@contextmanager
def download_bar(output: Output) -> Iterator[DownloadBar]:
    """Download progress bars on a terminal; a no-op callback otherwise."""
    if not output.err.is_terminal:
        yield DownloadBar(None)
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    with Progress(*columns, console=output.err, transient=True) as progress:
        yield DownloadBar(progress)


def remote_status_exit(
    out: Output, noun: str, remote_id: str, status: JobStatus, raw: str | None
) -> int:
    """Exit code for a job read straight from GEN: 1 when failed or stopped.

    A status this app does not know is not an ending (GEN adds statuses without notice and the
    job may still be running): it is shown as GEN sent it, with exit 0 like pending/processing.
    """
    if status is JobStatus.UNKNOWN:
        out.info(
            f"{noun} {remote_id}: GEN says `{raw}`, a status this app does not know; it is not "
            "taken as finished (follow it with --wait).",
            style="yellow",
        )
        return ExitCode.OK
    if status in (JobStatus.FAILED, JobStatus.STOPPED):
        return ExitCode.JOB_FAILED
    return ExitCode.OK
