"""What the batch confirmation and the status line say about credits (Qt-free, issue 19)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.render_cost import CostEstimate, batch_question, settled_message

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DOCUMENTED = CostEstimate(Decimal(50), "documented")


def render(state: JobState, title: str = "Avatar · row 3", **fields: Any) -> LocalJob:
    values: dict[str, Any] = {"remote_id": "880001", "title": title, **fields}
    return LocalJob(
        id=new_job_id(),
        kind=JobKind.RENDER,
        state=state,
        agent_id="4711",
        created_at=T0,
        updated_at=T0,
        **values,
    )


def test_the_batch_question_names_rows_cost_balance_after_and_existing_videos():
    question = batch_question("Avatar", [1, 2, 3], [1, 2], DOCUMENTED, Decimal("1000"))
    assert question.text == "Render 3 videos of Avatar: rows 1, 2 and 3?"
    lines = question.details.splitlines()
    assert lines[0] == (
        "Expected cost: about 150 credits for 3 renders (50 each, GEN's documented price)."
    )
    assert lines[1] == "Balance after: about 850 credits (now 1000)."
    assert lines[2].startswith("Warning: 2 of these rows already have a final video (rows 1 and")
    assert question.balance_after == Decimal(850)
    assert not question.over_balance


def test_a_batch_over_the_balance_says_gen_will_refuse_the_rest():
    question = batch_question("Avatar", [4, 5, 6], [], DOCUMENTED, Decimal("120"))
    assert question.over_balance
    assert "Your balance is 120 credits, less than that" in question.details
    assert "Warning" not in question.details


def test_a_long_batch_names_twelve_rows_and_counts_the_rest_and_an_unknown_balance():
    rows = list(range(1, 21))
    question = batch_question("Avatar", rows, [7], DOCUMENTED, None)
    assert question.text.endswith("rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 8 more?")
    assert "Balance after: unknown" in question.details
    assert "Warning: 1 of these rows already has a final video (row 7)" in question.details
    assert question.balance_after is None


def test_the_status_line_after_renders_finish():
    done = render(JobState.COMPLETED, execution_cost=Decimal("47.5"))
    assert settled_message([done], Decimal("952.5")) == (
        "Avatar · row 3: charged 47.5 credits (reserved ~50) · balance 952.5 credits"
    )
    stopped = render(JobState.STOPPED, execution_cost=Decimal(0))
    assert settled_message([stopped], None) == (
        "Avatar · row 3 stopped: its reserved credits are refunded · balance unknown"
    )
    batch = [done, stopped, render(JobState.COMPLETED, execution_cost=Decimal("40"))]
    assert settled_message(batch, Decimal("900")) == (
        "3 renders finished: charged 87.5 credits, 1 refunded · balance 900 credits"
    )
