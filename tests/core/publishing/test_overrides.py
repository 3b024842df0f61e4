"""Per-platform caption/title overrides become one schedule post per distinct text (GEN takes
one description and one title per post)."""

from __future__ import annotations

from datetime import UTC, datetime

from genpro_desktop.core.publishing import PostDraft, validate_post
from genpro_desktop.core.publishing.overrides import (
    Override,
    PostGroup,
    describe_groups,
    group_posts,
)

_NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def test_no_override_is_one_post_with_the_shared_text() -> None:
    groups = group_posts(["youtube", "tiktok", "instagram"], "Hi", "Launch", {})
    assert groups == [PostGroup(("tiktok", "instagram", "youtube"), "Hi", "Launch")]
    assert describe_groups(groups) == ""


def test_a_youtube_caption_override_splits_youtube_into_its_own_post() -> None:
    groups = group_posts(
        ["tiktok", "instagram", "youtube"], "Hi", "Launch", {"youtube": Override(caption="Long")}
    )
    assert [(g.platforms, g.caption, g.title) for g in groups] == [
        (("tiktok", "instagram"), "Hi", "Launch"),
        (("youtube",), "Long", "Launch"),
    ]
    assert describe_groups(groups) == (
        "2 posts: TikTok + Instagram with the shared caption; YouTube with its own caption"
    )


def test_an_override_equal_to_the_shared_caption_does_not_split() -> None:
    groups = group_posts(["tiktok", "youtube"], "Hi", "T", {"youtube": Override(caption="Hi")})
    assert len(groups) == 1


def test_platforms_with_the_same_override_share_a_post() -> None:
    short = Override(caption="Short")
    groups = group_posts(
        ["tiktok", "x", "linkedin", "facebook"], "Long text", None, {"x": short, "linkedin": short}
    )
    assert [g.platforms for g in groups] == [("tiktok", "facebook"), ("x", "linkedin")]
    assert "X + LinkedIn with their own caption" in describe_groups(groups)


def test_a_title_override_splits_only_title_platforms_and_title_blind_ones_follow() -> None:
    # TikTok ignores the title: it stays with the shared post; YouTube's own title splits it.
    groups = group_posts(
        ["tiktok", "youtube", "facebook"], "Hi", "Shared", {"youtube": Override(title="Own")}
    )
    assert [(g.platforms, g.title) for g in groups] == [
        (("tiktok", "facebook"), "Shared"),
        (("youtube",), "Own"),
    ]
    assert "YouTube with the shared caption and its own title" in describe_groups(groups)
    # Alone with YouTube, TikTok rides along with YouTube's title rather than split a post.
    (only,) = group_posts(["tiktok", "youtube"], "Hi", None, {"youtube": Override(title="Own")})
    assert only.platforms == ("tiktok", "youtube")
    assert only.title == "Own"


def test_one_platform_over_its_limit_is_not_told_about_shared_text() -> None:
    report = validate_post(PostDraft(["x"], "d" * 281, media_url="https://a/v.mp4"), _NOW)
    assert report.errors[0].message.endswith("X allows 280.")
    shared = validate_post(PostDraft(["x", "tiktok"], "d" * 281, media_url="https://a/v.mp4"), _NOW)
    assert "Shared text must fit" in shared.errors[0].message
