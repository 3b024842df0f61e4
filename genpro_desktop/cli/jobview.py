"""How local jobs look on the terminal and in --json: one place for tables, JSON and advice."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, cast

from rich.table import Table
from rich.text import Text

from genpro_desktop.cli.output import decimal_text
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.view import KIND_NOUN as KIND_NOUN
from genpro_desktop.core.jobs.view import (
    CreditFacts,
    JobIndex,
    credit_facts,
    is_overdue,
    post_summary,
)
from genpro_desktop.core.jobs.view import cli_actions as actions
from genpro_desktop.core.jobs.view import describe as describe

SHORT_ID_LENGTH = 8
# The shortest local id prefix `retry`/`dismiss` accept (git-style abbreviations).
MIN_ID_PREFIX = 4

STATE_STYLES: dict[JobState, str] = {
    JobState.COMPLETED: "green",
    JobState.DOWNLOADED: "green",
    JobState.FAILED: "red",
    JobState.STOPPED: "yellow",
    JobState.DISMISSED: "dim",
    JobState.OUTCOME_UNKNOWN: "bold magenta",
    JobState.NEEDS_ATTENTION: "bold magenta",
}
UNKNOWN_STATUS_STYLE = "bold yellow"

# What a job's GEN id is called in JSON and messages.
REMOTE_FIELD = {
    JobKind.RENDER: "generation_id",
    JobKind.PUBLISH: "user_job_id",
    JobKind.POST: "post_id",
}


def short_id(job_id: str) -> str:
    """The abbreviated local id shown in tables (commands accept any unique prefix)."""
    return job_id[:SHORT_ID_LENGTH]


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):  # a post's platforms: plain objects
        items = cast(tuple[object, ...], value)
        return [
            dataclasses.asdict(item)
            if dataclasses.is_dataclass(item) and not isinstance(item, type)
            else item
            for item in items
        ]
    return value


def job_json(job: LocalJob) -> dict[str, Any]:
    """The `genpro jobs --json` object: every stored field (stable names) plus `actions`."""
    obj = {f.name: _plain(getattr(job, f.name)) for f in dataclasses.fields(job)}
    obj["status_unknown"] = job.status_unknown
    obj["actions"] = actions(job)
    obj["credits"] = credits_json(job)
    return obj


def credits_json(job: LocalJob) -> dict[str, Any] | None:
    """A render's credits in --json: GEN's reservation (its documented estimate: GEN does not
    report it per render), what it charged (`execution_cost`), what came back, whether it was
    refunded in full (failed or stopped) and settled; None for other jobs and for a render GEN
    never started."""
    return credits_object(credit_facts(job))


def credits_object(facts: CreditFacts | None) -> dict[str, Any] | None:
    """The --json `credits` object of `credits_json` from the facts (None stays None)."""
    if facts is None:
        return None
    return {
        "reserved": decimal_text(facts.reserved),
        "reserved_is_estimate": True,
        "charged": decimal_text(facts.charged),
        "returned": decimal_text(facts.returned),
        "refunded": facts.refunded,
        "settled": facts.settled,
        "summary": facts.summary,
    }


def state_text(job: LocalJob) -> str:
    """The state in words, with the raw value for an unknown GEN status."""
    if job.status_unknown and not job.is_parked:
        # Flagged, never hidden: GEN's own word (the job is still tracked).
        return f"GEN says `{job.raw_status}` (unknown status)"
    text = job.state.value.replace("_", " ")
    if job.state is JobState.DOWNLOADING and job.bytes_total:
        text += f" {min(100, job.bytes_done * 100 // job.bytes_total)}%"
    return text


def state_style(job: LocalJob) -> str:
    """The rich style of a job's state (a flagged unknown status stands out)."""
    if job.status_unknown and not job.is_parked:
        return UNKNOWN_STATUS_STYLE
    return STATE_STYLES.get(job.state, "")


def note(job: LocalJob) -> str:
    """The reason shown beside a job (failure, attention, or result)."""
    if job.state is JobState.NEEDS_ATTENTION:
        reason = job.attention_reason or "needs attention"
        if job.raw_status:
            reason += f" (GEN said {job.raw_status!r})"
        return reason
    if job.state is JobState.OUTCOME_UNKNOWN:
        return job.failed_reason or job.attention_reason or "GEN's answer was lost"
    if job.failed_reason and job.state in (JobState.FAILED, JobState.STOPPED):
        return job.failure_note or job.failed_reason
    if job.kind is JobKind.PUBLISH and job.post_id:
        return f"post {job.post_id}"
    if job.kind is JobKind.POST and job.post_platforms:
        return post_summary(job)
    if job.kind is JobKind.DOWNLOAD and job.state is JobState.DOWNLOADED:
        return job.target_path or ""
    facts = credit_facts(job)
    if facts is not None and job.is_terminal:
        return facts.summary  # "reserved ~50, charged 47.5", "stopped: reserved ~50, refunded"
    return ""


def _when(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def duration_text(seconds: float) -> str:
    """A short human duration: "45 s", "3 min", "2 h 5 min"."""
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def elapsed_text(job: LocalJob, now: datetime, typical: float | None) -> str:
    """Elapsed time of an unfinished job, with the usual duration from local history."""
    if job.is_terminal or job.is_parked:
        return ""
    elapsed = (now - job.created_at).total_seconds()
    text = duration_text(elapsed)
    if typical is not None:
        text += f" (usually {duration_text(typical)})"
        if is_overdue(job, elapsed, typical):
            text += " overdue"
    return text


def jobs_table(
    jobs: Sequence[LocalJob], now: datetime, typical: dict[JobKind, float | None]
) -> Table:
    """The human `genpro jobs` table, newest first."""
    table = Table(header_style="bold")
    table.add_column("Job", no_wrap=True, style="cyan")
    table.add_column("Kind", no_wrap=True)
    table.add_column("State", no_wrap=True)
    table.add_column("What", overflow="fold")
    table.add_column("GEN id", no_wrap=True)
    table.add_column("Started", no_wrap=True, style="dim")
    table.add_column("Note", overflow="fold")
    index = JobIndex(jobs)  # a post is named after its render's row when both are listed
    for job in jobs:
        running = elapsed_text(job, now, typical.get(job.kind))
        table.add_row(
            short_id(job.id),
            job.kind.value,
            Text(state_text(job), style=state_style(job)),
            Text(describe(job, index)),
            Text(job.remote_id or ""),
            _when(job.created_at),
            Text(running or _short_note(job)),
        )
    return table


_COLUMNS = ("Job", "Kind", "State", "What", "GEN id", "Started", "Note")
_WHAT_WIDTH = 40  # the long list cuts "What" here; --json has every field in full


def jobs_lines(
    jobs: Sequence[LocalJob], now: datetime, typical: dict[JobKind, float | None]
) -> Iterator[str]:
    """The human list for many jobs as plain aligned lines, produced one job at a time.

    The same columns as `jobs_table`, without rich's layout pass over every row (which made
    10,000 jobs take 15 s): widths come from a cheap scan of the short columns.
    """
    kind_w = max(len(_COLUMNS[1]), *(len(job.kind.value) for job in jobs))
    state_w = max(len(_COLUMNS[2]), *(len(state_text(job)) for job in jobs))
    gen_w = max(len(_COLUMNS[4]), *(len(job.remote_id or "") for job in jobs))
    widths = (SHORT_ID_LENGTH, kind_w, state_w, _WHAT_WIDTH, gen_w, 16)

    def row(cells: Sequence[str]) -> str:
        fixed = "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=False))
        return f"{fixed}  {cells[-1]}".rstrip()

    yield row(_COLUMNS)
    index = JobIndex(jobs)
    for job in jobs:
        what = " ".join(describe(job, index).split())
        if len(what) > _WHAT_WIDTH:
            what = what[: _WHAT_WIDTH - 1] + "…"
        running = elapsed_text(job, now, typical.get(job.kind))
        yield row(
            (
                short_id(job.id),
                job.kind.value,
                state_text(job),
                what,
                job.remote_id or "",
                _when(job.created_at),
                " ".join((running or _short_note(job)).split()),
            )
        )


def _short_note(job: LocalJob) -> str:
    """The table's note: outcome-unknown reasons are long; `resume` and --json give them."""
    if job.state is JobState.OUTCOME_UNKNOWN:
        return "GEN's answer was lost: check GEN, then retry or dismiss"
    return note(job)


def advice(job: LocalJob) -> str:
    """What the user can do about a parked or retryable job, with the exact commands."""
    jid = short_id(job.id)
    if job.state is JobState.OUTCOME_UNKNOWN and job.kind is JobKind.RENDER:
        where = f"`genpro engine {job.engine_id}`" if job.engine_id else "the GEN app"
        return (
            f"GEN may or may not have started this render (and charged for it). Check the row's "
            f"current take with {where}. Then either `genpro retry {jid}` (it re-sends with the "
            f"same idempotency key, so GEN answers with the render it already started instead of "
            f"charging twice) or `genpro dismiss {jid}`."
        )
    if job.state is JobState.OUTCOME_UNKNOWN and job.kind in (JobKind.PUBLISH, JobKind.POST):
        where = "the accounts" if job.kind is JobKind.POST else "TikTok"
        return (
            f"The post may or may not have been queued. Check {where} or the GEN app first. Then "
            f"either `genpro retry {jid}` (same idempotency key) or `genpro dismiss {jid}`."
        )
    if job.state is JobState.NEEDS_ATTENTION:
        follow = ""
        if job.remote_id and job.kind is JobKind.RENDER:
            follow = f"See `genpro status {job.remote_id}`; "
        elif job.remote_id and job.kind is JobKind.PUBLISH:
            follow = f"See `genpro publish-status {job.remote_id}`; "
        elif job.remote_id and job.kind is JobKind.POST:
            follow = f"See `genpro post {job.remote_id}`; "
        return f"{follow}`genpro dismiss {jid}` when you are done with it."
    if job.kind is JobKind.DOWNLOAD and job.can_retry():
        return f"`genpro retry {jid}` continues the download where it stopped."
    if job.can_retry():
        return f"Nothing reached GEN; `genpro retry {jid}` sends it again."
    return ""


def attention_lines(job: LocalJob) -> list[str]:
    """Two lines for the "needs your attention" list: what happened, then what to do."""
    head = f"{short_id(job.id)} {job.kind.value} {state_text(job)}: {describe(job)}"
    reason = note(job)
    lines = [f"{head} — {reason}" if reason else head]
    hint = advice(job)
    if hint:
        lines.append(f"  {hint}")
    return lines


def needs_user(job: LocalJob) -> bool:
    """Parked jobs, and failures the user can retry (an unsent POST, a broken download)."""
    return job.is_parked or (job.state is JobState.FAILED and job.can_retry())
