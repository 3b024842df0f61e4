"""core.api.errors: mapping (status, body) to the error tree with readable messages."""

from __future__ import annotations

import pytest

from genpro_desktop.core.api import (
    APIStatusError,
    AuthenticationError,
    GenError,
    InsufficientCreditsError,
    JobCannotBeStoppedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    UnprocessableError,
)
from genpro_desktop.core.api.errors import error_from_response, extract_error


def test_the_documented_credit_error_reads_as_a_sentence() -> None:
    error = error_from_response(
        422,
        {
            "error": "Insufficient credits for this job",
            "error_code": "insufficient_credits_for_job",
        },
    )
    assert isinstance(error, InsufficientCreditsError)
    assert str(error) == (
        "GEN refused the request: Insufficient credits for this job "
        "(insufficient_credits_for_job, HTTP 422)"
    )
    assert error.error == "Insufficient credits for this job"
    assert error.error_code == "insufficient_credits_for_job"
    assert error.body == {
        "error": "Insufficient credits for this job",
        "error_code": "insufficient_credits_for_job",
    }


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (401, {"error": "Invalid API key", "error_code": "unauthorized"}, AuthenticationError),
        (403, {"error": "No", "error_code": "permission_denied"}, PermissionDeniedError),
        (403, None, PermissionDeniedError),
        (
            404,
            {"error": "Spreadsheet not found", "error_code": "spreadsheet_not_found"},
            NotFoundError,
        ),
        (422, {"error": "x", "error_code": "validation_error"}, UnprocessableError),
        (422, {"error": "x", "error_code": "usable_gen_credit_required"}, InsufficientCreditsError),
        (422, {"error": "x", "error_code": "no_active_credit_purchase"}, InsufficientCreditsError),
        (422, {"error": "x", "error_code": "insufficient_credits"}, InsufficientCreditsError),
        (422, {"error": "done", "error_code": "job_cannot_be_stopped"}, JobCannotBeStoppedError),
        (429, None, RateLimitedError),
        (500, None, ServerError),
        (502, "<html>Bad gateway</html>", ServerError),
        (503, {"error": "Maintenance"}, ServerError),
        (409, {"error": "Conflict", "error_code": "idempotency_conflict"}, APIStatusError),
        (400, None, APIStatusError),
        (302, None, APIStatusError),
    ],
)
def test_status_and_body_map_to_the_right_class(status: int, body: object, cls: type) -> None:
    error = error_from_response(status, body)
    assert type(error) is cls
    assert isinstance(error, GenError)
    assert error.status_code == status
    assert f"HTTP {status}" in str(error)


def test_route_level_404_names_no_error_code() -> None:
    routed = error_from_response(404, {"status": 404, "error": "Not Found"}, request_line="GET /x")
    assert isinstance(routed, NotFoundError)
    assert routed.route_level
    assert str(routed) == "GEN has no such endpoint (GET /x) (HTTP 404)"
    html = error_from_response(404, None)
    assert isinstance(html, NotFoundError)
    assert html.route_level
    lookup = error_from_response(404, {"error": "Generation not found", "error_code": "not_found"})
    assert isinstance(lookup, NotFoundError)
    assert not lookup.route_level
    assert str(lookup) == "GEN could not find it: Generation not found (not_found, HTTP 404)"


@pytest.mark.parametrize(
    ("body", "text", "code"),
    [
        ({"error": "E", "error_code": "c"}, "E", "c"),
        (
            {"detail": {"error": "Platform rules", "error_code": "platform_validation_failed"}},
            "Platform rules",
            "platform_validation_failed",
        ),
        ({"detail": "Just text"}, "Just text", None),
        (
            {"detail": [{"msg": "field required"}, {"msg": "too long"}]},
            "field required; too long",
            None,
        ),
        ({"error": {"message": "nested", "code": "n"}}, "nested", "n"),
        ({"message": "only message"}, "only message", None),
        ({"error": "  lots   of\n whitespace "}, "lots of whitespace", None),
        ({}, None, None),
        ([], None, None),
        ("text", None, None),
        (None, None, None),
    ],
)
def test_extract_error_handles_every_documented_shape(
    body: object, text: str | None, code: str | None
) -> None:
    assert extract_error(body) == (text, code)


def test_long_server_texts_are_bounded() -> None:
    error = error_from_response(422, {"error": "x" * 5000, "error_code": "validation_error"})
    assert len(str(error)) < 400


def test_rate_limit_message_says_when_to_retry() -> None:
    error = error_from_response(429, {"error": "Slow down"}, retry_after=120)
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 120
    assert (
        str(error) == "GEN is limiting the request rate: Slow down; try again in 120 s (HTTP 429)"
    )


def test_redirect_message_names_the_target() -> None:
    error = error_from_response(302, None, location="https://elsewhere.example/v1/me")
    assert "redirect to https://elsewhere.example/v1/me" in str(error)
    assert "not follow" in str(error)
