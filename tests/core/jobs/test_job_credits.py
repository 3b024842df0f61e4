"""A render's credits explained: GEN's reservation and how it was settled (issue 19)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from genpro_desktop.cli.jobview import job_json, note
from genpro_desktop.core.jobs.model import FailureKind, JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.jobs.view import RENDER_RESERVATION, credit_facts

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def render(state: JobState, **fields: Any) -> LocalJob:
    values: dict[str, Any] = {"remote_id": "880001", "kind": JobKind.RENDER, **fields}
    return LocalJob(
        id=new_job_id(),
        state=state,
        agent_id="4711",
        created_at=T0,
        updated_at=T0,
        **values,
    )


def test_a_completed_render_shows_the_reservation_and_its_reconciliation():
    facts = credit_facts(render(JobState.COMPLETED, execution_cost=Decimal("47.5")))
    assert facts is not None
    assert facts.summary == "reserved ~50, charged 47.5"
    assert (facts.reserved, facts.charged, facts.returned) == (
        RENDER_RESERVATION,
        Decimal("47.5"),
        Decimal("2.5"),
    )
    assert facts.settled
    assert not facts.refunded
    assert "charged 47.5 when it finished (2.5 given back)" in facts.note


def test_a_render_dearer_than_reserved_says_the_extra():
    facts = credit_facts(render(JobState.COMPLETED, execution_cost=Decimal("62")))
    assert facts is not None
    assert facts.returned == Decimal("-12")
    assert "(12 more than reserved)" in facts.note


def test_a_stopped_render_says_it_was_refunded():
    facts = credit_facts(render(JobState.STOPPED, execution_cost=Decimal("0.0")))
    assert facts is not None
    assert facts.refunded
    assert facts.charged == 0
    assert facts.summary == "stopped: reserved ~50, refunded"
    assert "refunds the credits it reserved (~50) in full: nothing is charged" in facts.note
    failed = credit_facts(render(JobState.FAILED, failed_reason="bad clip"))
    assert failed is not None
    assert failed.refunded
    assert failed.summary == "failed: reserved ~50, refunded"


def test_a_running_render_holds_the_reservation_until_it_ends():
    facts = credit_facts(render(JobState.PROCESSING))
    assert facts is not None
    assert facts.summary == "reserved ~50"
    assert not facts.settled
    assert facts.charged is None


def test_a_completed_render_without_a_reported_cost_is_not_made_up():
    facts = credit_facts(render(JobState.COMPLETED))
    assert facts is not None
    assert facts.charged is None
    assert not facts.settled
    assert facts.summary == "reserved ~50, cost not reported"


def test_no_credit_facts_where_gen_never_started_anything():
    never = render(JobState.FAILED, remote_id=None, failure=FailureKind.REFUSED)
    assert credit_facts(never) is None
    assert credit_facts(render(JobState.SUBMITTING, remote_id=None)) is None
    download = render(JobState.DOWNLOADED, kind=JobKind.DOWNLOAD)
    assert credit_facts(download) is None


def test_jobs_json_gains_a_credits_object_and_keeps_execution_cost():
    obj = job_json(render(JobState.COMPLETED, execution_cost=Decimal("47.5")))
    assert obj["execution_cost"] == "47.5"
    assert obj["credits"] == {
        "reserved": "50",
        "reserved_is_estimate": True,
        "charged": "47.5",
        "returned": "2.5",
        "refunded": False,
        "settled": True,
        "summary": "reserved ~50, charged 47.5",
    }
    stopped = job_json(render(JobState.STOPPED, execution_cost=Decimal("0")))
    assert stopped["credits"]["refunded"] is True
    assert job_json(render(JobState.DOWNLOADED, kind=JobKind.DOWNLOAD))["credits"] is None


def test_the_jobs_table_note_of_a_finished_render_is_its_credit_summary():
    assert note(render(JobState.COMPLETED, execution_cost=Decimal("47.5"))) == (
        "reserved ~50, charged 47.5"
    )
    assert note(render(JobState.STOPPED)) == "stopped: reserved ~50, refunded"
    assert note(render(JobState.FAILED, failed_reason="bad clip")) == "bad clip"  # reason first
    assert note(render(JobState.PROCESSING)) == ""
