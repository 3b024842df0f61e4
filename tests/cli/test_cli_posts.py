"""Multi-platform publishing (schedule API): platforms, accounts, publish, posts, post, edits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clikit import Cli

from genpro_desktop.simulator import Simulator

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


def _creates(sim: Simulator) -> list[dict]:
    return [
        json.loads(e.body)
        for e in sim.journal.entries
        if e.method == "POST" and e.path.endswith("/schedule/with-post")
    ]


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
    assert obj["api"] == "schedule" and obj["status"] == "published"
    (entry,) = obj["platforms"]
    assert set(entry) == PLATFORM_KEYS
    assert entry["platform"] == platform and entry["status"] == "published"
    assert entry["post_url"].startswith(URL_START[platform])
    assert entry["platform_post_id"] in entry["post_url"] or platform == "instagram"
    (sent,) = _creates(sim)
    assert sent["platform"] == [platform] and sent["strict"] is True
