"""publish / publish-status: local validation first, then one POST, then polling."""

from __future__ import annotations

import json

from clikit import Cli, InterruptingClock

from genpro_desktop.simulator import Simulator, faults

MEDIA = "https://cdn.gen.pro/outputs/render_880001.mp4"
PUBLISH_KEYS = {"user_job_id", "status", "post_id", "failed_reason", "job_id"}


def _sent_data(sim: Simulator) -> dict:
    body = json.loads(sim.journal.last("POST", r"/user_jobs").body)
    assert body["user_job_type"] == "publish_content"
    assert isinstance(body["data"], str)  # GEN wants a JSON *string*
    return json.loads(body["data"])


def test_publish_now(cli: Cli, sim: Simulator):
    result = cli(
        "publish", "--legacy", "--media-url", MEDIA, "--description", "Demo #gen", "--json"
    )
    assert result.code == 0, result.err
    obj = result.only_json()
    assert set(obj) == PUBLISH_KEYS | {"api"}  # `api` added by issue 16
    assert obj["api"] == "legacy"
    assert obj["status"] == "pending"
    data = _sent_data(sim)
    assert data["schedule_type"] == "now"
    assert data["description"] == "Demo #gen"
    assert data["media_url"] == MEDIA
    assert f"genpro publish-status {obj['user_job_id']} --wait" in result.err


def test_publish_scheduled_is_sent_as_utc_z(cli: Cli, sim: Simulator):
    # The sim (and the CLI's injected clock) say it is 2026-11-27 12:00 UTC.
    result = cli(
        "publish",
        "--legacy",
        "--media-url",
        MEDIA,
        "--description",
        "Later",
        "--at",
        "2026-11-28T09:30:00+01:00",
        "--json",
    )
    assert result.code == 0, result.err
    data = _sent_data(sim)
    assert data["schedule_type"] == "scheduled"
    assert data["scheduled_time"] == "2026-11-28T08:30:00Z"
    assert "2026-11-28T08:30:00Z" in result.err


def test_publish_naive_time_uses_the_local_zone(cli: Cli, sim: Simulator, monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    result = cli(
        "publish",
        "--legacy",
        "--media-url",
        MEDIA,
        "--description",
        "x",
        "--at",
        "2026-11-28 09:30",
    )
    assert result.code == 0, result.err
    assert _sent_data(sim)["scheduled_time"] == "2026-11-28T08:30:00Z"


def test_publish_wait_reports_the_post_id(cli: Cli, sim: Simulator):
    result = cli(
        "publish", "--legacy", "--media-url", MEDIA, "--description", "Go", "--wait", "--json"
    )
    assert result.code == 0, result.err
    obj = result.only_json()
    assert obj["status"] == "completed"
    assert obj["post_id"]
    # The tracker polls publish jobs from 5 s (+-20 %), backing off x1.5 up to 60 s.
    assert 4.0 <= sim.journal.find("GET", r"/user_jobs/")[0].sim_time <= 6.0


def test_publish_wait_keeps_waiting_through_unknown_statuses(cli: Cli, sim: Simulator):
    sim.faults.add("GET", r"/user_jobs/", faults.unknown_status("in_moderation"), times=6)
    result = cli(
        "publish", "--legacy", "--media-url", MEDIA, "--description", "Go", "--wait", "--json"
    )
    assert result.code == 0, result.err
    obj = result.only_json()
    assert obj["status"] == "completed"
    assert obj["post_id"]
    assert sim.journal.count("GET", r"/user_jobs/") >= 7


def test_publish_status_human_and_failure(cli: Cli, sim: Simulator):
    sim.state.script_publish("failed", failed_reason="TikTok rejected the video")
    created = cli(
        "publish", "--legacy", "--media-url", MEDIA, "--description", "x", "--json"
    ).only_json()
    result = cli("publish-status", created["user_job_id"], "--wait")
    assert result.code == 1
    assert "TikTok rejected the video" in result.out
    done = cli("publish-status", created["user_job_id"], "--json")
    assert done.code == 1
    assert done.only_json()["failed_reason"] == "TikTok rejected the video"


def test_publish_status_completed(cli: Cli):
    created = cli(
        "publish", "--legacy", "--media-url", MEDIA, "--description", "x", "--json"
    ).only_json()
    result = cli("publish-status", created["user_job_id"], "--wait")
    assert result.code == 0
    assert "Post id" in result.out


def test_bad_at_is_refused_before_any_request(cli: Cli, sim: Simulator):
    result = cli(
        "publish", "--legacy", "--media-url", MEDIA, "--description", "x", "--at", "tomorrow-ish"
    )
    assert result.code == 2
    assert "--at" in result.err
    assert sim.journal.count("*", r"/v1/") == 0


def test_past_at_is_refused(cli: Cli, sim: Simulator):
    result = cli(
        "publish",
        "--legacy",
        "--media-url",
        MEDIA,
        "--description",
        "x",
        "--at",
        "2020-01-01T00:00Z",
        "--json",
    )
    assert result.code == 2
    assert result.only_json()["error_code"] == "usage_error"
    assert sim.journal.count("*", r"/v1/") == 0


def test_too_long_description_counts_emoji_as_two(cli: Cli, sim: Simulator):
    too_long = "🎬" * 1101  # 1,101 characters but 2,202 UTF-16 units
    result = cli("publish", "--legacy", "--media-url", MEDIA, "--description", too_long)
    assert result.code == 2
    assert "too long" in result.err
    assert sim.journal.count("*", r"/v1/") == 0
    fits = "🎬" * 1100
    assert cli("publish", "--legacy", "--media-url", MEDIA, "--description", fits).code == 0


def test_no_active_credit_purchase_exits_4(cli: Cli, sim: Simulator):
    sim.state.active_credit_purchase = False
    result = cli("publish", "--legacy", "--media-url", MEDIA, "--description", "x", "--json")
    assert result.code == 4
    assert result.only_json()["error_code"] == "no_active_credit_purchase"


def test_publish_outcome_unknown_exits_7(cli: Cli, sim: Simulator):
    sim.faults.add("POST", r"/user_jobs", faults.apply_then_status(500))
    result = cli("publish", "--legacy", "--media-url", MEDIA, "--description", "x", "--json")
    assert result.code == 7
    assert result.only_json()["idempotency_key"]
    assert sim.journal.count("POST", r"/user_jobs") == 1


def test_the_same_post_twice_is_refused_unless_allowed(cli: Cli, sim: Simulator):
    first = cli(
        "publish", "--legacy", "--media-url", MEDIA, "--description", "Same  #gen", "--json"
    )
    assert first.code == 0, first.err
    # Same caption up to spacing and case: still the same post.
    again = cli("publish", "--legacy", "--media-url", MEDIA, "--description", "same #GEN", "--json")
    assert again.code == 2
    obj = again.only_json()
    assert obj["error_code"] == "duplicate_publish"
    assert obj["duplicates"] == [first.only_json()["job_id"]]
    assert "--allow-duplicate" in again.err
    assert sim.journal.count("POST", r"/user_jobs") == 1
    allowed = cli(
        "publish",
        "--legacy",
        "--media-url",
        MEDIA,
        "--description",
        "same #GEN",
        "--allow-duplicate",
    )
    assert allowed.code == 0, allowed.err
    assert sim.journal.count("POST", r"/user_jobs") == 2
    other = cli("publish", "--legacy", "--media-url", MEDIA, "--description", "Another caption")
    assert other.code == 0
    help_text = cli("publish", "--help", base_url=None)
    assert "--allow-duplicate" in help_text.out


def test_publish_wait_timeout_exits_8(cli: Cli, sim: Simulator):
    sim.state.script_publish(pending_s=100, done_s=900)
    result = cli(
        "publish",
        "--legacy",
        "--media-url",
        MEDIA,
        "--description",
        "x",
        "--wait",
        "--timeout",
        "20",
        "--json",
    )
    assert result.code == 8
    obj = result.only_json()
    assert obj["error_code"] == "timeout"
    assert f"genpro publish-status {obj['user_job_id']} --wait" in result.err


def test_ctrl_c_while_waiting_for_a_post(cli: Cli):
    result = cli(
        "publish",
        "--legacy",
        "--media-url",
        MEDIA,
        "--description",
        "x",
        "--wait",
        "--json",
        clock=InterruptingClock(cli.sim_clock),
    )
    assert result.code == 130
    obj = result.only_json()
    assert f"genpro publish-status {obj['user_job_id']} --wait" in result.err
