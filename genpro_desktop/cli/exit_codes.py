"""Exit codes of `genpro` and the mapping from core errors to them.

The table is part of the CLI's public contract (docs/cli.md): scripts branch on these numbers.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from genpro_desktop.core.api import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    GenError,
    InvalidResponseError,
    MissingAgentError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    UnprocessableError,
    UnsafeURLError,
)


class ExitCode(IntEnum):
    """Process exit codes; see docs/cli.md for the user-facing table."""

    OK = 0
    JOB_FAILED = 1  # the job ended failed or stopped, or needs attention (unknown status)
    USAGE = 2  # bad arguments or a local refusal before any request was sent
    AUTH = 3  # no API key, or the key was rejected (401/403)
    API_REFUSED = 4  # the API refused the request (404/422, insufficient credits, ...)
    UNREACHABLE = 5  # connection errors, 5xx or 429 after retries, invalid responses
    VERIFICATION = 6  # a downloaded file failed verification; nothing was left at the target
    OUTCOME_UNKNOWN = 7  # a charged/publish/stop request may have been applied; nothing re-sent
    TIMEOUT = 8  # --timeout elapsed while waiting
    INTERNAL = 70  # a bug: sysexits EX_SOFTWARE, distinct from every network outcome
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
    STDOUT_CLOSED = 141  # the reader of stdout went away (128 + SIGPIPE), e.g. `| head -1`
    TERMINATED = 143  # SIGTERM (128 + SIGTERM): cleaned up, jobs stay in the history


# The error_code of a failure GEN sent no code for, by HTTP status (docs/cli.md lists them).
_STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "payload_too_large",
    422: "unprocessable",
    429: "rate_limited",
}
# ... and of a failure with no HTTP status at all, by exit code.
_EXIT_CODES: dict[int, str] = {
    1: "job_failed",
    2: "usage_error",
    3: "auth_error",
    4: "refused",
    5: "unreachable",
    6: "verification_failed",
    7: "outcome_unknown",
    8: "timeout",
    70: "internal_error",
    130: "interrupted",
    141: "stdout_closed",
    143: "terminated",
}


def status_error_code(status: int | None, *, route_level: bool = False) -> str | None:
    """The CLI's own error_code for an HTTP status GEN sent without one (None: no status)."""
    if status is None:
        return None
    if status == 404 and route_level:
        return "route_not_found"
    if 300 <= status < 400:
        return "redirect_refused"
    if status >= 500:
        return "server_error"
    return _STATUS_CODES.get(status, "http_error")


class CliError(Exception):
    """A failure the CLI reports as one message plus an exit code (and a JSON error object)."""

    def __init__(
        self,
        message: str,
        exit_code: ExitCode,
        *,
        error_code: str | None = None,
        http_status: int | None = None,
        hint: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        # Never null in JSON: GEN's code, else one derived from the HTTP status or exit code.
        self.error_code = (
            error_code or status_error_code(http_status) or _EXIT_CODES.get(int(exit_code), "error")
        )
        self.http_status = http_status
        self.hint = hint
        self.extra = dict(extra or {})

    def to_json(self) -> dict[str, Any]:
        """The --json error object: error, error_code, http_status, exit_code (+ extras)."""
        return {
            "error": self.message,
            "error_code": self.error_code,
            "http_status": self.http_status,
            "exit_code": int(self.exit_code),
            **self.extra,
        }


def usage_error(message: str, *, hint: str | None = None) -> CliError:
    """A usage error or local refusal (exit 2, nothing sent)."""
    return CliError(message, ExitCode.USAGE, error_code="usage_error", hint=hint)


def from_gen_error(exc: GenError) -> CliError:
    """Translate a core.api error into the CLI's message, exit code and JSON fields."""
    message = str(exc)
    if isinstance(exc, UnsafeURLError):
        return CliError(message, ExitCode.USAGE, error_code="unsafe_url")
    if isinstance(exc, MissingAgentError):
        return CliError(
            message,
            ExitCode.USAGE,
            error_code="missing_agent",
            hint="Pass --agent ID, set GEN_AGENT_ID, or run `genpro agents --set-default ID`.",
        )
    if isinstance(exc, OutcomeUnknownError):
        return CliError(
            message,
            ExitCode.OUTCOME_UNKNOWN,
            error_code="outcome_unknown",
            extra={"idempotency_key": exc.idempotency_key},
        )
    if isinstance(exc, APIStatusError):
        status = exc.status_code
        route_level = isinstance(exc, NotFoundError) and exc.route_level
        code = exc.error_code or status_error_code(status, route_level=route_level)
        if isinstance(exc, AuthenticationError | PermissionDeniedError):
            hint = "Check the key with `genpro login`, or set GEN_API_KEY."
            return CliError(message, ExitCode.AUTH, error_code=code, http_status=status, hint=hint)
        if isinstance(exc, RateLimitedError | ServerError) or status >= 500:
            return CliError(message, ExitCode.UNREACHABLE, error_code=code, http_status=status)
        if isinstance(exc, NotFoundError | UnprocessableError) or 400 <= status < 500:
            return CliError(message, ExitCode.API_REFUSED, error_code=code, http_status=status)
        return CliError(message, ExitCode.UNREACHABLE, error_code=code, http_status=status)
    if isinstance(exc, InvalidResponseError):
        return CliError(
            message,
            ExitCode.UNREACHABLE,
            error_code="invalid_response",
            http_status=exc.status_code,
        )
    if isinstance(exc, APIConnectionError):
        return CliError(message, ExitCode.UNREACHABLE, error_code="unreachable")
    return CliError(message, ExitCode.UNREACHABLE, error_code="api_error")
