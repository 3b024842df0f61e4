"""Multi-platform publishing (schedule API): platforms, accounts, publish, posts, post, edits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clikit import Cli

from genpro_desktop.simulator import Simulator, faults
from genpro_desktop.simulator.seed import AGENT_ID

MEDIA = "https://cdn.gen.pro/outputs/render_880001.mp4"
POST_KEYS = {"post_id", "api", "status", "scheduled_time", "platforms", "skipped", "job_id"}
PLATFORM_KEYS = {
    "platform",
    "status",
    "post_url",
    "platform_post_id",
    "error",
    "error_code",
    "failed_step",
    "warning",
}
# What each platform needs beyond the video and a caption.
EXTRA = {
    "tiktok": ["--tiktok-privacy", "public"],
    "instagram": [],
    "facebook": [],
    "youtube": ["--title", "A title", "--youtube-shorts"],
    "x": [],
    "linkedin": ["--linkedin-visibility", "public"],
}
URL_START = {
    "tiktok": "https://www.tiktok.com/@democreator/video/",
    "instagram": "https://www.instagram.com/reel/",
    "facebook": "https://www.facebook.com/democreator/videos/",
    "youtube": "https://www.youtube.com/shorts/",
    "x": "https://x.com/democreator/status/",
    "linkedin": "https://www.linkedin.com/feed/update/urn:li:share:",
}


CREATE = r"/schedule/with-post$"
SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample" / "render.mp4"


def _creates(sim: Simulator) -> list[dict]:
    return [json.loads(e.body) for e in sim.journal.find("POST", CREATE)]


def publish(cli: Cli, *extra: str, platform: str = "tiktok", caption: str = "Demo #gen"):
    return cli(
        "publish",
        "--media-url",
        MEDIA,
        "--description",
        caption,
        "--platform",
        platform,
        *extra,
        "--json",
    )


@pytest.mark.parametrize("platform", list(EXTRA))
def test_each_platform_is_published_with_its_post_url(cli: Cli, sim: Simulator, platform: str):
    result = publish(cli, *EXTRA[platform], "--wait", platform=platform)
    assert result.code == 0, result.err
    obj = result.only_json()
    assert set(obj) == POST_KEYS
    assert obj["api"] == "schedule"
    assert obj["status"] == "published"
    (entry,) = obj["platforms"]
    assert set(entry) == PLATFORM_KEYS
    assert entry["platform"] == platform
    assert entry["status"] == "published"
    assert entry["post_url"].startswith(URL_START[platform])
    assert entry["platform_post_id"] in entry["post_url"] or platform == "instagram"
    (sent,) = _creates(sim)
    assert sent["platform"] == [platform]
    assert sent["strict"] is True


# -- validation: refused locally (exit 2) or by GEN (exit 4), nothing posted ----------------

LONG = "x" * 281


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--platform", "tiktok"], "TikTok requires the creator to choose"),
        (["--platform", "x", "--description", LONG], "x: The caption is 281 characters"),
        (
            ["--platform", "instagram", "--description", " ".join(f"#t{i}" for i in range(31))],
            "instagram: Instagram allows at most 30 hashtags",
        ),
        (["--platform", "youtube"], "youtube: YouTube requires a title"),
        (["--platform", "youtube", "--title", "t" * 101], "youtube: The title is 101 characters"),
        (
            ["--platform", "youtube", "--title", "T", "--youtube-tags", "ok,a"],
            "at least 2 characters",
        ),
        (["--platform", "facebook", "--title", "t" * 256], "Facebook allows 255"),
        (["--platform", "linkedin", "--title", "t" * 401], "LinkedIn allows 400"),
        (
            ["--tiktok-privacy", "private", "--tiktok-disclose", "branded"],
            "Branded content visibility cannot be set to private",
        ),
        (["--tiktok-privacy", "public", "--tiktok-allow", "likes"], "--tiktok-allow: likes"),
        (["--platform", "myspace"], "GEN cannot post to myspace"),
        (["--tiktok-privacy", "public", "--at", "2020-01-01T00:00Z"], "in the past"),
        (["--tiktok-privacy", "public", "--at", "2026-12-01T10:00Z", "--next-slot"], "exclude"),
        (["--platform", "tiktok,x", "--legacy"], "--legacy posts to TikTok only"),
        (
            ["--platform", "facebook", "--thumbnail-url", "ftp://example.com/c.png"],
            "facebook: Media must be an http:// or https:// link",
        ),
    ],
)
def test_every_rule_is_checked_before_sending(cli: Cli, sim: Simulator, args: list[str], says: str):
    base = ["publish", "--media-url", MEDIA, "--json"]
    if "--description" not in args:
        base += ["--description", "Demo"]
    result = cli(*base, *args)
    assert result.code == 2, result.err
    assert says in result.only_json()["error"]
    assert sim.journal.count("POST", CREATE) == 0
    assert sim.journal.count("POST", r"/user_jobs") == 0


def test_gen_refusal_names_the_platform_and_field_exit_4(cli: Cli, sim: Simulator):
    sim.schedule.disconnect(AGENT_ID, "linkedin")
    result = publish(cli, "--tiktok-privacy", "public", platform="tiktok,linkedin")
    assert result.code == 4, result.err
    err = result.only_json()
    assert err["http_status"] == 422
    assert err["error_code"] == "platform_validation_failed"
    assert "linkedin: platform: No LinkedIn account is connected" in err["error"]
    assert len(sim.schedule.posts) == 0


# -- progress, partial failure, the duplicate guard -----------------------------------------


def test_partial_failure_exits_1_and_names_the_platform(cli: Cli, sim: Simulator):
    sim.schedule.script_platform(
        "youtube", error="Upload rejected", error_code="media_fetch_failed", failed_step="upload"
    )
    result = publish(
        cli, "--tiktok-privacy", "followers", "--title", "T", "--wait", platform="tiktok,youtube"
    )
    assert result.code == 1, result.err
    obj = result.only_json()
    assert obj["status"] == "partial"
    by = {p["platform"]: p for p in obj["platforms"]}
    assert by["tiktok"]["status"] == "published"
    assert by["tiktok"]["post_url"]
    assert by["youtube"] == {
        **by["youtube"],
        "status": "failed",
        "error": "Upload rejected",
        "error_code": "media_fetch_failed",
        "failed_step": "upload",
        "post_url": None,
    }
    # The TikTok half was posted: the same video and caption to TikTok is a duplicate now,
    # while YouTube (failed) may be tried again.
    again = publish(cli, "--tiktok-privacy", "followers", platform="tiktok")
    assert again.code == 2
    assert again.only_json()["error_code"] == "duplicate_publish"
    retry = publish(cli, "--title", "T", platform="youtube")
    assert retry.code == 0, retry.err
    assert len(_creates(sim)) == 2


def test_the_duplicate_guard_covers_each_platform_and_the_legacy_path(cli: Cli, sim: Simulator):
    legacy = cli("publish", "--legacy", "--media-url", MEDIA, "--description", "Same #gen")
    assert legacy.code == 0, legacy.err
    refused = publish(
        cli, "--tiktok-privacy", "public", platform="instagram,tiktok", caption="same  #GEN"
    )
    assert refused.code == 2
    assert refused.only_json()["error_code"] == "duplicate_publish"
    assert _creates(sim) == []
    allowed = publish(
        cli,
        "--tiktok-privacy",
        "public",
        "--allow-duplicate",
        platform="instagram,tiktok",
        caption="same #GEN",
    )
    assert allowed.code == 0, allowed.err
    assert len(_creates(sim)) == 1


# -- scheduling, edits, cancel ---------------------------------------------------------------


def test_schedule_then_edit_then_cancel(cli: Cli, sim: Simulator):
    created = publish(cli, "--tiktok-privacy", "public", "--at", "2026-11-28T09:30:00+01:00")
    assert created.code == 0, created.err
    obj = created.only_json()
    assert obj["status"] == "scheduled"
    assert obj["scheduled_time"] == "2026-11-28T08:30:00Z"
    pid = obj["post_id"]
    assert _creates(sim)[0]["scheduled_time"] == "2026-11-28T08:30:00Z"

    edited = cli(
        "post-edit", pid, "--description", "New words", "--at", "2026-11-29T10:00Z", "--json"
    )
    assert edited.code == 0, edited.err
    assert edited.only_json()["scheduled_time"] == "2026-11-29T10:00:00Z"
    patch = json.loads(sim.journal.last("PATCH", rf"/schedule/post/{pid}$").body)
    assert patch == {
        "description": "New words",
        "schedule_type": "specific_time",
        "scheduled_time": "2026-11-29T10:00:00Z",
    }

    cancelled = cli("post-cancel", pid, "--json")
    assert cancelled.code == 0, cancelled.err
    assert cancelled.only_json()["status"] == "cancelled"
    assert sim.journal.count("DELETE", rf"/schedule/post/{pid}$") == 1
    jobs = cli("jobs", "--kind", "post", "--json").json_lines()
    assert [job["state"] for job in jobs] == ["stopped"]
    assert jobs[0]["post_platforms"][0]["platform"] == "tiktok"
    assert jobs[0]["post_platforms"][0]["status"] == "cancelled"
    # Cancelled before it was sent: the same post may be made again.
    assert publish(cli, "--tiktok-privacy", "public").code == 0


def test_edit_is_refused_once_the_post_was_sent(cli: Cli, sim: Simulator, sim_clock):
    created = publish(cli, "--tiktok-privacy", "public", "--at", "2026-11-27T12:30:00Z")
    pid = created.only_json()["post_id"]
    sim_clock.advance(3600)
    refused = cli("post-edit", pid, "--description", "Too late", "--json")
    assert refused.code == 4, refused.err
    err = refused.only_json()
    assert err["http_status"] == 422
    assert "already been sent" in err["error"]
    cancel = cli("post-cancel", pid, "--json")
    assert cancel.code == 4


# -- outcome unknown, idempotent replay --------------------------------------------------


def test_outcome_unknown_then_retry_is_an_idempotent_replay(cli: Cli, sim: Simulator):
    sim.faults.add("POST", CREATE, faults.apply_then_status(500))
    lost = publish(cli, "--tiktok-privacy", "public")
    assert lost.code == 7, lost.err
    err = lost.only_json()
    assert err["error_code"] == "outcome_unknown"
    assert len(sim.schedule.posts) == 1  # GEN applied it; the answer was lost
    retried = cli("retry", err["job_id"], "--yes", "--wait", "--json")
    assert retried.code == 0, retried.err
    obj = retried.only_json()
    assert obj["status"] == "published"
    keys = [e.headers.get("Idempotency-Key") for e in sim.journal.find("POST", CREATE)]
    assert keys == [err["idempotency_key"]] * 2
    assert len(sim.schedule.posts) == 1  # replayed, not posted twice
    assert obj["post_id"] == str(next(iter(sim.schedule.posts)))


# -- uploads, legacy fallback, reads ---------------------------------------------------------


def test_a_local_video_and_cover_are_uploaded_and_posted(cli: Cli, sim: Simulator, tmp_path: Path):
    cover = tmp_path / "cover.png"
    cover.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    result = cli(
        "publish",
        "--file",
        str(SAMPLE),
        "--cover",
        str(cover),
        "--description",
        "Mine",
        "--platform",
        "tiktok,youtube",
        "--tiktok-privacy",
        "public",
        "--title",
        "T",
        "--wait",
        "--json",
    )
    assert result.code == 0, result.err
    # The simulator's CDN is http://127.0.0.1: YouTube keeps the post and warns about the cover.
    youtube = {p["platform"]: p for p in result.only_json()["platforms"]}["youtube"]
    assert youtube["status"] == "published"
    assert youtube["warning"].startswith("thumbnail_failed")
    assert "youtube: thumbnail_failed" in result.err
    uploads = sim.journal.find("POST", r"/social/upload_asset$")
    assert len(uploads) == 2
    (sent,) = _creates(sim)
    assert sent["media_url"].endswith(".mp4")
    assert "/cdn/assets/" in sent["media_url"]
    assert sent["thumbnail_url"].endswith(".png")
    stored = {name: data for name, (data, _kind) in sim.schedule.assets.items()}
    assert stored[sent["media_url"].rsplit("/", 1)[1]] == SAMPLE.read_bytes()


def test_a_local_file_that_breaks_a_tiktok_limit_is_not_uploaded(
    cli: Cli, sim: Simulator, tmp_path: Path
):
    bogus = tmp_path / "clip.mp4"
    bogus.write_bytes(b"not a video")
    result = cli(
        "publish",
        "--file",
        str(bogus),
        "--description",
        "x",
        "--tiktok-privacy",
        "public",
        "--json",
    )
    assert result.code == 2
    assert sim.journal.count("POST", r"/social/upload_asset$") == 0


def test_without_the_schedule_api_tiktok_falls_back_to_the_legacy_path(cli: Cli, sim: Simulator):
    sim.schedule.enabled = False
    result = publish(cli, "--wait")
    assert result.code == 0, result.err
    obj = result.only_json()
    assert obj["api"] == "legacy"
    assert obj["status"] == "completed"
    assert obj["user_job_id"]
    assert "legacy user_jobs path" in result.err
    assert sim.journal.count("POST", r"/user_jobs") == 1
    other = publish(cli, platform="tiktok,instagram", caption="Other")
    assert other.code == 4
    err = other.only_json()
    assert err["error_code"] == "schedule_unavailable"
    assert "need GEN's schedule API" in err["error"]
    assert sim.journal.count("POST", r"/user_jobs") == 1


def test_platforms_accounts_posts_and_post(cli: Cli, sim: Simulator):
    rules = cli("platforms", "--json").only_json()
    assert rules["source"] == "gen"
    assert [r["platform"] for r in rules["platforms"]][:6] == list(EXTRA)

    sim.schedule.disconnect(AGENT_ID, "x")
    accounts = cli("accounts", "--json").only_json()
    assert accounts["known"] is True
    assert accounts["connected"] == ["tiktok", "instagram", "facebook", "youtube", "linkedin"]
    sim.faults.add("GET", r"/social/accounts$", faults.html())
    page = cli("accounts", "--json")
    assert page.code == 0
    assert page.only_json()["known"] is False
    sim.schedule.accounts_route = False
    unknown = cli("accounts", "--json")
    assert unknown.code == 0
    assert unknown.only_json()["known"] is False
    assert "did not say" in unknown.err

    first = publish(cli, "--tiktok-privacy", "public").only_json()["post_id"]
    second = publish(cli, "--title", "T", platform="youtube", caption="Two").only_json()["post_id"]
    listed = cli("posts", "--json").json_lines()
    assert [o["post_id"] for o in listed] == [first, second]
    assert set(listed[0]) == POST_KEYS - {"job_id"}
    assert listed[0]["scheduled_time"] == "2026-11-27T12:00:00Z"
    only = cli("posts", "--platform", "youtube", "--json").json_lines()
    assert [o["post_id"] for o in only] == [second]

    shown = cli("post", first, "--wait", "--json")
    assert shown.code == 0, shown.err
    assert shown.only_json()["platforms"][0]["status"] == "published"
    missing = cli("post", "999999", "--json")
    assert missing.code == 4


# -- retry past GEN's 24-hour idempotency window ---------------------------------------------


def test_a_retry_past_24_h_follows_the_post_gen_lists(cli: Cli, sim: Simulator, sim_clock):
    sim.faults.add("POST", CREATE, faults.apply_then_status(500))
    lost = publish(cli, "--tiktok-privacy", "public").only_json()
    sim_clock.advance(25 * 3600)
    retried = cli("retry", lost["job_id"], "--yes", "--json")
    assert retried.code == 0, retried.err
    assert "Found on GEN" in retried.err
    assert retried.only_json()["post_id"] == str(next(iter(sim.schedule.posts)))
    assert len(_creates(sim)) == 1  # followed, never re-sent
    assert sim.journal.count("GET", r"/schedule/posts$") >= 1


def test_a_retry_past_24_h_without_the_post_on_gen_needs_force(cli: Cli, sim: Simulator, sim_clock):
    sim.faults.add("POST", CREATE, faults.status(502))
    lost = publish(cli, "--tiktok-privacy", "public").only_json()
    assert lost["error_code"] == "outcome_unknown"
    sim_clock.advance(25 * 3600)
    refused = cli("retry", lost["job_id"], "--yes", "--json")
    assert refused.code == 2
    assert refused.only_json()["error_code"] == "duplicate_risk"
    assert len(_creates(sim)) == 1
    forced = cli("retry", lost["job_id"], "--yes", "--force", "--json")
    assert forced.code == 0, forced.err
    assert len(_creates(sim)) == 2
    assert len(sim.schedule.posts) == 1


def test_a_post_left_running_is_resumed_and_odd_answers_never_end_its_tracking(
    cli: Cli, sim: Simulator
):
    created = publish(cli, "--tiktok-privacy", "public").only_json()
    assert created["status"] == "scheduled"
    # The next run resumes the stored job (no new POST) through HTML pages, a status this app
    # does not know, and a 500 with no retries left, until every platform settles.
    sim.faults.add("GET", r"/schedule/post/", faults.html(), times=3)
    sim.faults.add("GET", r"/schedule/post/", faults.unknown_status("in_review"), times=2)
    sim.faults.add("GET", r"/schedule/post/", faults.status(500), times=4)
    resumed = cli("resume", "--wait", "--json")
    assert resumed.code == 0, resumed.err
    (job,) = resumed.json_lines()
    assert job["kind"] == "post"
    assert job["state"] == "completed"
    shown = cli("post", created["post_id"], "--json").only_json()
    assert shown["status"] == "published"
    assert len(_creates(sim)) == 1


def test_waiting_past_the_timeout_exits_8_and_the_post_keeps_going(cli: Cli, sim: Simulator):
    result = publish(
        cli, "--tiktok-privacy", "public", "--at", "2026-11-28T09:00Z", "--wait", "--timeout", "30"
    )
    assert result.code == 8, result.err
    err = result.only_json()
    assert err["error_code"] == "timeout"
    assert err["post_id"]
    assert f"genpro post {err['post_id']} --wait" in result.err


def test_next_slot_takes_the_time_gen_picks(cli: Cli, sim: Simulator):
    result = publish(cli, "--tiktok-privacy", "public", "--next-slot")
    assert result.code == 0, result.err
    obj = result.only_json()
    assert _creates(sim)[0]["schedule_type"] == "next_available"
    # The simulator's clock starts at 2026-11-27 12:00 UTC; the agent's slots are 9, 13, 18 h.
    assert obj["scheduled_time"] == "2026-11-27T13:00:00Z"
    assert obj["status"] == "scheduled"


def test_a_downloaded_render_is_checked_before_it_is_posted(
    cli: Cli, sim: Simulator, tmp_path: Path
):
    render = cli("render", "9101", "41017", "--download", f"{tmp_path}/", "--json")
    assert render.code == 0, render.err
    url = render.only_json()["url"]
    checked = cli(
        "publish", "--media-url", url, "--description", "Mine", "--platform", "x", "--json"
    )
    assert checked.code == 0, checked.err
    assert "no local copy" not in checked.err
    unknown = cli(
        "publish", "--media-url", MEDIA, "--description", "Other", "--platform", "x", "--json"
    )
    assert "Video not checked against the platforms' limits: no local copy." in unknown.err


def test_unreadable_rules_fall_back_to_the_documented_ones(cli: Cli, sim: Simulator):
    sim.faults.add("GET", r"/schedule/platforms$", faults.status(503), times=4)
    result = publish(cli, "--tiktok-privacy", "public")
    assert result.code == 0, result.err
    assert "checked against the documented rules" in result.err
    assert len(_creates(sim)) == 1
