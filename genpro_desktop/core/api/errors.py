"""The GEN client's error tree; every message is a sentence a user can act on.

```
GenError                               base; str(e) is a clear user-facing sentence, never the key
├── UnsafeURLError (also ValueError)   plain http off loopback, bad scheme, credentials in URL
├── MissingAgentError                  agent-scoped call with no agent id
├── APIConnectionError                 could not reach GEN (DNS, refused, reset, TLS); .maybe_sent
│   └── APITimeoutError
├── OutcomeUnknownError                CHARGED/PUBLISH/ACTION request may have been applied
├── InvalidResponseError               2xx but the body is not the JSON we need; .status_code
└── APIStatusError                     .status_code, .error, .error_code, .body, .retry_after
    ├── AuthenticationError            401
    ├── PermissionDeniedError          403
    ├── NotFoundError                  404 (.route_level: the route itself is missing)
    │   └── ScheduleUnavailableError   the schedule API's routes are missing on this server
    ├── UnprocessableError             422
    │   ├── PlatformValidationError    a platform's rules refuse the post (.platform, .field)
    │   ├── InsufficientCreditsError   insufficient_credits_for_job, usable_gen_credit_required, ...
    │   └── JobCannotBeStoppedError    job_cannot_be_stopped
    ├── RateLimitedError               429 (.retry_after seconds or None)
    └── ServerError                    5xx
```
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, cast

from genpro_desktop.core.api._constants import MAX_ERROR_TEXT

CREDIT_ERROR_CODES = frozenset(
    {
        "insufficient_credits_for_job",
        "usable_gen_credit_required",
        "no_active_credit_purchase",
        "insufficient_credits",
    }
)


class GenError(Exception):
    """Base of every error the GEN client raises; `str(e)` is a user-facing sentence."""

    # Set on errors raised by CHARGED/PUBLISH requests so a user-confirmed retry can reuse it.
    idempotency_key: str | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UnsafeURLError(GenError, ValueError):
    """The base URL would put the key at risk (plain http off loopback, credentials, bad scheme)."""


class MissingAgentError(GenError):
    """An agent-scoped call was made without an agent id."""

    def __init__(
        self,
        message: str = "No agent is selected; choose an agent (or pass --agent) and try again.",
    ) -> None:
        super().__init__(message)


class APIConnectionError(GenError):
    """GEN could not be reached; `maybe_sent` says whether the request may have left the machine."""

    def __init__(self, message: str, *, maybe_sent: bool = True) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class APITimeoutError(APIConnectionError):
    """GEN did not answer in time."""


class OutcomeUnknownError(GenError):
    """A CHARGED/PUBLISH/ACTION request may have been applied; check before retrying."""

    def __init__(
        self, message: str, *, method: str, path: str, idempotency_key: str | None
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.idempotency_key = idempotency_key


class InvalidResponseError(GenError):
    """GEN answered, but not with the JSON the client needs."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class APIStatusError(GenError):
    """GEN answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error: str | None = None,
        error_code: str | None = None,
        body: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error = error
        self.error_code = error_code
        self.body = body
        self.retry_after = retry_after


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong, expired or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key's user may not do this (role too low, or no access to the agent)."""


class NotFoundError(APIStatusError):
    """404: the object does not exist, or the route itself is missing (`route_level`)."""

    @property
    def route_level(self) -> bool:
        """True when the 404 names no error_code, i.e. the server has no such route."""
        return self.error_code is None


class UnprocessableError(APIStatusError):
    """422: validation, credit or business-rule refusal."""


@dataclass(frozen=True)
class FieldProblem:
    """One refusal inside a schedule 422: which platform, which field (dot notation), why."""

    platform: str | None
    field: str | None
    error: str


class PlatformValidationError(UnprocessableError):
    """422 from the schedule API naming a platform or field (`detail` wrapper, gen-api.md 11.1).

    `platform` and `field` are the first refusal's; `problems` lists every one GEN sent.
    """

    @property
    def detail(self) -> dict[str, Any]:
        """The object inside `detail` (or the body itself when GEN sent no wrapper)."""
        body = self.body or {}
        inner = body.get("detail")
        return cast(dict[str, Any], inner) if isinstance(inner, dict) else body

    @property
    def platform(self) -> str | None:
        """The platform whose rule refused the post, when GEN named one."""
        return _code_of(self.detail.get("platform"))

    @property
    def field(self) -> str | None:
        """The refused field, e.g. `title` or `youtube_options.visibility`."""
        return _code_of(self.detail.get("field"))

    @property
    def problems(self) -> list[FieldProblem]:
        """Every refusal GEN listed (`errors[]`), or the single one it named."""
        found: list[FieldProblem] = []
        raw = self.detail.get("errors")
        for item in cast(list[object], raw) if isinstance(raw, list) else []:
            if isinstance(item, dict):
                entry = cast(dict[str, object], item)
                text = _clean_text(_message_of(entry)) or "refused"
                found.append(
                    FieldProblem(
                        _code_of(entry.get("platform")), _code_of(entry.get("field")), text
                    )
                )
        if not found:
            found.append(FieldProblem(self.platform, self.field, self.error or "refused"))
        return found


class ScheduleUnavailableError(NotFoundError):
    """The server has no schedule API (its routes answer a route-level 404).

    Nothing was applied; callers may fall back to the legacy `user_jobs` publish path.
    """


class InsufficientCreditsError(UnprocessableError):
    """422 with a credit error code: the workspace lacks credits for this."""


class JobCannotBeStoppedError(UnprocessableError):
    """422 job_cannot_be_stopped: the generation has already finished."""


class RateLimitedError(APIStatusError):
    """429: GEN asks the client to slow down; `retry_after` is in seconds when known."""


class ServerError(APIStatusError):
    """5xx: GEN failed on its side."""


_WHITESPACE = re.compile(r"\s+")


def _clean_text(value: object) -> str | None:
    """A one-line, bounded rendering of a server-supplied text, or None when there is none."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value
    elif isinstance(value, list):
        parts = [_clean_text(_message_of(item)) for item in cast(list[object], value)]
        text = "; ".join(p for p in parts if p)
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    text = _WHITESPACE.sub(" ", text).strip()
    if not text:
        return None
    if len(text) > MAX_ERROR_TEXT:
        text = text[: MAX_ERROR_TEXT - 3] + "..."
    return text


def _message_of(item: object) -> object:
    if isinstance(item, dict):
        mapping = cast(dict[str, object], item)
        for key in ("error", "message", "msg", "detail"):
            if mapping.get(key) is not None:
                return mapping[key]
    return cast(object, item)


def _code_of(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:100]
    return None


def extract_error(body: object) -> tuple[str | None, str | None]:
    """GEN's error text and error_code from `{error, error_code}` or `{detail: ...}` bodies."""
    if not isinstance(body, dict):
        return None, None
    mapping = cast(dict[str, object], body)
    code = _code_of(mapping.get("error_code")) or _code_of(mapping.get("code"))
    error: object = mapping.get("error")
    if isinstance(error, dict):
        nested = cast(dict[str, object], error)
        code = code or _code_of(nested.get("error_code")) or _code_of(nested.get("code"))
        error = _message_of(nested)
    detail = mapping.get("detail")
    if isinstance(detail, dict):
        nested = cast(dict[str, object], detail)
        code = code or _code_of(nested.get("error_code")) or _code_of(nested.get("code"))
        if error is None:
            error = _message_of(nested)
    elif error is None and detail is not None:
        error = detail
    if error is None:
        error = mapping.get("message")
    return _clean_text(error), code


_LEADS: dict[int, str] = {
    401: "GEN did not accept the API key",
    403: "GEN denied access",
    404: "GEN could not find it",
    422: "GEN refused the request",
    429: "GEN is limiting the request rate",
}


def error_from_response(
    status_code: int,
    body: object,
    *,
    retry_after: float | None = None,
    request_line: str | None = None,
    location: str | None = None,
) -> APIStatusError:
    """Map a non-2xx status and its (decoded or None) body to the matching error class."""
    text, code = extract_error(body)
    body_dict = cast(dict[str, Any], body) if isinstance(body, dict) else None
    cls = _class_for(status_code, code, body_dict)
    shown = text
    lead = _LEADS.get(status_code, "GEN refused the request")
    if cls is ServerError:
        lead = "GEN had a server error"
    elif 300 <= status_code < 400:
        target = f" to {location[:200]}" if location else ""
        lead = f"GEN answered with a redirect{target}, which the client does not follow"
    elif cls is NotFoundError and code is None:
        # A 404 without an error_code comes from the router, not from the object lookup.
        lead = "GEN has no such endpoint"
        if request_line:
            lead += f" ({request_line})"
        shown = None  # the router's "Not Found" page says nothing more
    message = lead
    if shown:
        message += f": {shown}"
    if retry_after is not None:
        message += f"; try again in {retry_after:.0f} s"
    message += f" ({code}, HTTP {status_code})" if code else f" (HTTP {status_code})"
    return cls(
        message,
        status_code=status_code,
        error=text,
        error_code=code,
        body=body_dict,
        retry_after=retry_after,
    )


def _class_for(status_code: int, code: str | None, body: object = None) -> type[APIStatusError]:
    if status_code == 401:
        return AuthenticationError
    if status_code == 403:
        return PermissionDeniedError
    if status_code == 404:
        return NotFoundError
    if status_code == 422 or (code in CREDIT_ERROR_CODES and 400 <= status_code < 500):
        if code in CREDIT_ERROR_CODES:
            return InsufficientCreditsError
        if code == "job_cannot_be_stopped":
            return JobCannotBeStoppedError
        if code == "platform_validation_failed" or _names_platform(body):
            return PlatformValidationError
        return UnprocessableError
    if status_code == 429:
        return RateLimitedError
    if status_code >= 500:
        return ServerError
    return APIStatusError


def _names_platform(body: object) -> bool:
    """True for a schedule-API refusal: `detail` is an object naming a platform or field."""
    if not isinstance(body, dict):
        return False
    detail = cast(dict[str, object], body).get("detail")
    if not isinstance(detail, dict):
        return False
    inner = cast(dict[str, object], detail)
    return inner.get("platform") is not None or inner.get("field") is not None
