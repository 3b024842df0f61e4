"""The schedule API's tolerant models and the 422 `detail` wrapper in the error tree (unit)."""

from __future__ import annotations

import pytest

from genpro_desktop.core.api import (
    NormalizedStatus,
    NotFoundError,
    PlatformRules,
    PlatformValidationError,
    ScheduleCreated,
    ScheduledPost,
    SchedulePostRequest,
    UnprocessableError,
)
from genpro_desktop.core.api.errors import error_from_response
from genpro_desktop.core.api.resources.schedule import is_schedule_refusal
from genpro_desktop.core.api.schedule_types import PLATFORMS

DOC_422 = {
    "detail": {
        "error": "YouTube requires a title",
        "error_code": "platform_validation_failed",
        "platform": "youtube",
        "field": "title",
        "errors": [
            {"platform": "youtube", "field": "title", "error": "YouTube requires a title"},
            {
                "platform": "youtube",
                "field": "youtube_options.visibility",
                "error": "bad visibility",
            },
        ],
    }
}


def test_the_documented_422_body_keeps_platform_field_and_every_problem() -> None:
    error = error_from_response(422, DOC_422)
    assert isinstance(error, PlatformValidationError)
    assert (error.platform, error.field, error.error_code) == (
        "youtube",
        "title",
        "platform_validation_failed",
    )
    assert [p.field for p in error.problems] == ["title", "youtube_options.visibility"]
    assert str(error).startswith("GEN refused the request: YouTube requires a title")


def test_a_detail_naming_a_field_without_a_known_code_is_still_a_platform_error() -> None:
    error = error_from_response(
        422, {"detail": {"error": "too long", "error_code": "x_new_code", "field": "description"}}
    )
    assert isinstance(error, PlatformValidationError)
    assert error.field == "description"
    assert error.platform is None
    assert [(p.platform, p.field, p.error) for p in error.problems] == [
        (None, "description", "too long")
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"error": "Validation failed", "error_code": "validation_error"},
        {"detail": [{"loc": ["body", "platform"], "msg": "field required"}]},
        None,
    ],
)
def test_other_422_shapes_stay_plain_unprocessable(body: object) -> None:
    error = error_from_response(422, body)
    assert type(error) is UnprocessableError


@pytest.mark.parametrize(
    ("body", "specific"),
    [
        ({"status": 404, "error": "Not Found"}, False),
        ({"error": "Not Found", "error_code": "not_found"}, False),
        ({"detail": "Not Found"}, False),
        (None, False),
        ({"error": "Scheduled post not found", "error_code": "post_not_found"}, True),
        ({"detail": {"error": "gone", "platform": "tiktok"}}, True),
    ],
)
def test_which_404s_prove_the_schedule_route_exists(body: object, specific: bool) -> None:
    error = error_from_response(404, body)
    assert isinstance(error, NotFoundError)
    assert is_schedule_refusal(error) is specific


def test_unknown_statuses_are_tolerated_and_raw_values_kept() -> None:
    post = ScheduledPost.model_validate(
        {
            "id": 48213,
            "status": "weird_new_state",
            "platforms_status": [
                {"platform": "tiktok", "status": "queued_v2", "normalized_status": "thinking"},
                {"platform": "x", "status": "success", "normalized_status": "published"},
                "not an object",
            ],
            "new_field": 1,
        }
    )
    assert post.id == "48213"
    assert post.status == "weird_new_state"
    tiktok = post.platform("tiktok")
    assert tiktok is not None
    assert (tiktok.status, tiktok.normalized_status) == ("queued_v2", NormalizedStatus.UNKNOWN)
    assert not post.is_settled
    assert post.model_extra == {"new_field": 1}


def test_the_create_response_finds_its_post_id() -> None:
    created = ScheduleCreated.model_validate({"post": {"id": 7, "platforms_status": []}})
    assert created.post_id == "7"
    assert created.platforms_skipped == []
    assert created.idempotent_replay is None


def test_platform_rules_accept_a_list_a_mapping_or_other_field_names() -> None:
    as_list = PlatformRules.model_validate([{"name": "x", "max_caption_length": 280}])
    as_map = PlatformRules.model_validate({"platforms": {"x": {"caption_limit": 280}}})
    for rules in (as_list, as_map):
        rule = rules.get("x")
        assert rule is not None
        assert rule.caption_limit == 280


def test_the_request_body_is_strict_and_drops_unset_fields() -> None:
    body = SchedulePostRequest(platform=["tiktok"], description="hi").to_body()
    assert body == {"platform": ["tiktok"], "description": "hi", "strict": True}


def test_odd_list_shapes_never_fail_a_create_that_succeeded() -> None:
    # A parse failure after a 200 would turn a created post into "outcome unknown".
    created = ScheduleCreated.model_validate(
        {
            "post_id": 9,
            "platforms": [{"platform": "tiktok"}, "x", None],
            "post": {"id": 9, "media_urls": "https://cdn/a.jpg"},
        }
    )
    assert created.platforms == ["tiktok", "x"]
    assert created.post is not None
    assert created.post.media_urls == ["https://cdn/a.jpg"]


# -- connected accounts (undocumented route: every plausible shape, never a crash) ----------


@pytest.mark.parametrize(
    ("payload", "connected"),
    [
        (
            {"accounts": [{"platform": "tiktok", "username": "me", "status": "connected"}]},
            ["tiktok"],
        ),
        (
            [{"provider": "YouTube", "is_connected": True}, {"type": "x", "active": False}],
            ["youtube"],
        ),
        (
            {"platforms": {"instagram": True, "facebook": False, "linkedin": {"name": "Co"}}},
            ["instagram", "linkedin"],
        ),
        ({"data": [{"social": "tiktok", "state": "expired"}, {"name": "myspace"}]}, []),
        ({"connected_accounts": [{"network": "linkedin", "display_name": "Co"}]}, ["linkedin"]),
    ],
)
def test_connected_accounts_are_read_from_any_plausible_shape(
    payload: object, connected: list[str]
) -> None:
    from genpro_desktop.core.api import ConnectedAccounts

    accounts = ConnectedAccounts.model_validate(payload)
    assert accounts.connected_platforms() == connected
    assert all(a.platform in PLATFORMS for a in accounts.known)
