"""The single request path: headers, send, retry, error mapping and bounded JSON decoding."""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import sys
import uuid
from collections.abc import Callable, Mapping
from typing import IO, Any, Final, TypeVar, cast

import httpx
from pydantic import ValidationError

from genpro_desktop.core.api._clock import Clock, SystemClock
from genpro_desktop.core.api._constants import (
    API_KEY_HEADER,
    CONNECT_TIMEOUT,
    IDEMPOTENCY_HEADER,
    MAX_JSON_BYTES,
    POOL_TIMEOUT,
    READ_TIMEOUT,
    USER_AGENT,
    WRITE_TIMEOUT,
)
from genpro_desktop.core.api._prefix import (
    PREFIX_MEMORY,
    PrefixMemory,
    confirms_prefix,
    might_be_missing_route,
    most_telling,
    prefix_candidates,
    worth_checking_other,
)
from genpro_desktop.core.api._retry import (
    RequestKind,
    RetryPolicy,
    parse_retry_after,
    run_with_retries,
)
from genpro_desktop.core.api._security import Secret, install_redaction, redact, validate_base_url
from genpro_desktop.core.api.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    GenError,
    InvalidResponseError,
    MissingAgentError,
    OutcomeUnknownError,
    error_from_response,
)

T = TypeVar("T")
logger = logging.getLogger("genpro_desktop.core.api")


def remember_missing_sniffio() -> None:
    """Make httpcore's per-request `import sniffio` fail at once when sniffio is not installed.

    httpcore tries `import sniffio` several times per request; without the package every failed
    attempt searches sys.path again (~50 us each, a quarter of a poll's CPU on the GUI thread).
    A `None` entry in sys.modules is Python's documented way to say "not importable", so the
    import fails the same way, only without the search. Nothing changes when sniffio is there.
    """
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        cast(dict[str, Any], sys.modules)["sniffio"] = None


remember_missing_sniffio()


class SetCookieOnlyCookies(httpx.Cookies):
    """httpx's cookie store, which looks at a response only when it sets a cookie.

    httpx hands every response to its cookie jar, wrapping it and its request in urllib
    objects first (~0.1 ms of GUI-thread CPU per render poll, most of it parsing the URL again);
    a response without `Set-Cookie`/`Set-Cookie2` gives the jar nothing to store. Responses
    that set cookies are handled exactly as before.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        """Store the cookies `response` sets (none: nothing to do)."""
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


@functools.lru_cache(maxsize=4096)
def parsed_url(text: str) -> httpx.URL:
    """`text` as an `httpx.URL`, parsed once: httpx parses a URL string again on every request
    (~0.1 ms of GUI-thread CPU per render poll), and each poll reads the same URL as the last.
    `httpx.URL` is immutable, so one object serves every request. (Our URLs never carry the
    key: it travels in a header.)"""
    return httpx.URL(text)


_NEVER_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_OUTCOME_SUBJECT: Final = {
    RequestKind.CHARGED: "whether it started (and was charged)",
    RequestKind.PUBLISH: "whether the post was created",
    RequestKind.ACTION: "whether it took effect",
}


class _NoBody:
    """Marker for "send no body" (None would be the JSON value null)."""


NO_BODY: Final = _NoBody()
# A multipart/form-data body: (form fields, {field: (file name, open binary file, type)}).
Multipart = tuple[Mapping[str, str], Mapping[str, tuple[str, IO[bytes], str]]]


class BaseClient:
    """Owns the one httpx.AsyncClient for an origin and sends every GEN request."""

    def __init__(
        self,
        *,
        api_key: Secret,
        base_url: str,
        agent_id: str | None,
        path_prefix: str,
        transport: httpx.AsyncBaseTransport | None,
        retry: RetryPolicy | None,
        clock: Clock | None,
        user_agent: str | None,
        prefix_memory: PrefixMemory | None,
    ) -> None:
        self.base_url = validate_base_url(base_url)
        prefix_candidates(path_prefix, None)  # validates the setting before anything is built
        self.path_prefix = path_prefix
        self.agent_id = agent_id
        self._key = api_key
        self._policy = retry or RetryPolicy()
        self._clock: Clock = clock or SystemClock()
        self._prefixes = prefix_memory if prefix_memory is not None else PREFIX_MEMORY
        install_redaction(api_key)
        self._http = httpx.AsyncClient(
            headers={"User-Agent": user_agent or USER_AGENT, "Accept": "application/json"},
            timeout=httpx.Timeout(
                connect=CONNECT_TIMEOUT, read=READ_TIMEOUT, write=WRITE_TIMEOUT, pool=POOL_TIMEOUT
            ),
            follow_redirects=False,  # a redirect could carry the key header to another origin
            transport=transport,
            # Proxy settings are honoured for https only: through a proxy, plain http to a
            # loopback simulator would hand the key to the proxy in clear text.
            trust_env=self.base_url.startswith("https://"),
        )
        # No public way to give the client a cookie store of another class (its `cookies`
        # setter copies into a plain one); tests/core/api/test_api_cookies_sim.py checks it.
        self._http._cookies = SetCookieOnlyCookies()  # pyright: ignore[reportPrivateUsage]

    @property
    def prefix_memory(self) -> PrefixMemory:
        """Where the working sheet prefix is remembered."""
        return self._prefixes

    def resolve_agent(self, agent_id: str | None) -> str:
        """The explicit agent id, else the client default, else MissingAgentError."""
        chosen = agent_id if agent_id is not None else self.agent_id
        if chosen is None or not str(chosen).strip():
            raise MissingAgentError()
        return str(chosen)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def sheet_request(
        self,
        method: str,
        subpath: str,
        *,
        kind: RequestKind,
        parse: Callable[[object], T],
        agent_id: str,
        idempotency_key: str | None = None,
        allow_405: bool = False,
    ) -> T:
        """A request under the sheet prefix; with `auto`, checks the other prefix on a 404
        that may mean a missing route (the rules are in _prefix.py)."""
        auto = self.path_prefix == "auto"
        remembered = self._prefixes.get(self.base_url) if auto else None
        proven = self._prefixes.confirmed(self.base_url) if auto else None
        candidates = prefix_candidates(self.path_prefix, remembered)
        key = self._idempotency_key(kind, idempotency_key)
        missed: APIStatusError | None = None
        for index, prefix in enumerate(candidates):
            try:
                result = await self.request(
                    method,
                    prefix + subpath,
                    kind=kind,
                    parse=parse,
                    params={"agent_id": agent_id},
                    idempotency_key=key,
                )
            except APIStatusError as exc:
                if not auto:
                    raise
                if confirms_prefix(exc, allow_405=allow_405):
                    self._prefixes.remember(self.base_url, prefix)
                    raise
                last = index + 1 == len(candidates)
                confirmed = prefix == proven
                if not last and worth_checking_other(exc, confirmed=confirmed, allow_405=allow_405):
                    # A 404 means nothing was applied: the other prefix gets the same
                    # request, once, with the same idempotency key.
                    missed = exc
                    continue
                if missed is not None and might_be_missing_route(exc, allow_405=allow_405):
                    raise most_telling(missed, exc) from None
                raise
            if auto:
                self._prefixes.remember(self.base_url, prefix)
            return result
        raise AssertionError("unreachable: the last candidate returns or raises")

    async def request(
        self,
        method: str,
        path: str,
        *,
        kind: RequestKind,
        parse: Callable[[object], T],
        params: Mapping[str, str] | None = None,
        json_body: object = NO_BODY,
        idempotency_key: str | None = None,
        multipart: Multipart | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send `method /path` under the retry policy for `kind` and parse the JSON answer.

        `multipart` (form fields, files) sends a multipart/form-data body instead of JSON;
        `headers` adds request headers (never the key or Idempotency-Key, which are set here).
        """
        key = self._idempotency_key(kind, idempotency_key)

        async def attempt() -> T:
            return await self._attempt(
                method, path, kind, parse, params, json_body, key, multipart, headers
            )

        try:
            return await run_with_retries(
                attempt,
                kind=kind,
                policy=self._policy,
                clock=self._clock,
                description=f"{method} /{path}",
            )
        except GenError as exc:
            if key is not None:
                exc.idempotency_key = key
            raise

    def _idempotency_key(self, kind: RequestKind, given: str | None) -> str | None:
        if not kind.sends_idempotency_key:
            return None
        return given if given else str(uuid.uuid4())

    async def _attempt(
        self,
        method: str,
        path: str,
        kind: RequestKind,
        parse: Callable[[object], T],
        params: Mapping[str, str] | None,
        json_body: object,
        key: str | None,
        multipart: Multipart | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> T:
        headers = {**(extra_headers or {}), API_KEY_HEADER: self._key.reveal()}
        if key is not None:
            headers[IDEMPOTENCY_HEADER] = key
        content = None
        if not isinstance(json_body, _NoBody):
            content = json.dumps(json_body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        form, files = multipart if multipart is not None else (None, None)
        request = self._http.build_request(
            method,
            parsed_url(f"{self.base_url}/{path}"),
            params=params,
            content=content,
            headers=headers,
            data=form,
            files=files,
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, method, path, kind, key) from exc
        try:
            raw = await _read_limited(response)
        except httpx.DecodingError as exc:
            # A broken Content-Encoding: the body arrived but cannot be read.
            raw = exc
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, method, path, kind, key) from exc
        finally:
            await response.aclose()
        logger.debug("%s /%s -> HTTP %s", method, path, response.status_code)
        return self._interpret(response, raw, method, path, kind, parse, key)

    def _interpret(
        self,
        response: httpx.Response,
        raw: bytes | Exception | None,
        method: str,
        path: str,
        kind: RequestKind,
        parse: Callable[[object], T],
        key: str | None,
    ) -> T:
        status = response.status_code
        if 200 <= status < 300:
            try:
                return _parse(parse, _decode(raw, response, method, path), method, path, status)
            except InvalidResponseError as exc:
                _scrub(exc)
                if kind is RequestKind.READ:
                    raise
                raise self._outcome_unknown(str(exc), method, path, kind, key) from exc
        body = _decode_quietly(raw)
        retry_after = parse_retry_after(
            response.headers.get("Retry-After"),
            date_header=response.headers.get("Date"),
            now=self._clock.wall(),
        )
        error = error_from_response(
            status,
            body,
            retry_after=retry_after,
            request_line=f"{method} /{path}",
            location=response.headers.get("Location"),
        )
        _scrub(error)
        if kind is not RequestKind.READ and status >= 500:
            raise self._outcome_unknown(str(error), method, path, kind, key) from error
        raise error

    def _transport_error(
        self,
        exc: httpx.HTTPError,
        method: str,
        path: str,
        kind: RequestKind,
        key: str | None,
    ) -> GenError:
        reason = redact(str(exc).strip())[:200] or type(exc).__name__
        never_sent = isinstance(exc, _NEVER_SENT)
        if kind is not RequestKind.READ and not never_sent:
            return self._outcome_unknown(
                f"the connection failed after it was sent ({reason})", method, path, kind, key
            )
        origin = httpx.URL(self.base_url).copy_with(path="/")
        if isinstance(exc, httpx.ConnectTimeout):
            message = f"Could not connect to GEN at {origin} within {CONNECT_TIMEOUT:.0f} s."
        elif isinstance(exc, httpx.PoolTimeout):
            message = f"Too many requests to GEN are waiting; none started in {POOL_TIMEOUT:.0f} s."
        elif isinstance(exc, httpx.ConnectError):
            message = f"Could not connect to GEN at {origin}: {reason}."
        elif isinstance(exc, httpx.ReadTimeout):
            message = f"GEN did not answer within {READ_TIMEOUT:.0f} s ({method} /{path})."
        elif isinstance(exc, httpx.TimeoutException):
            message = f"The request to GEN timed out ({method} /{path}): {reason}."
        else:
            message = f"The connection to GEN failed ({method} /{path}): {reason}."
        cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        return cls(message, maybe_sent=not never_sent)

    def _outcome_unknown(
        self, why: str, method: str, path: str, kind: RequestKind, key: str | None
    ) -> OutcomeUnknownError:
        subject = _OUTCOME_SUBJECT.get(kind, "whether it took effect")
        message = (
            f"GEN may have received {method} /{path}, but {why.rstrip('.')}; "
            f"it is unknown {subject}. Check before trying again"
        )
        message += f"; a retry must reuse idempotency key {key}." if key is not None else "."

        return OutcomeUnknownError(message, method=method, path=path, idempotency_key=key)

    def __repr__(self) -> str:
        return f"BaseClient(base_url={self.base_url!r})"


async def _read_limited(response: httpx.Response) -> bytes | None:
    """The body, or None when it is larger than MAX_JSON_BYTES (decoded size)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_JSON_BYTES:
        return None
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.aiter_bytes():
        total += len(chunk)
        if total > MAX_JSON_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(
    raw: bytes | Exception | None, response: httpx.Response, method: str, path: str
) -> object:
    status = response.status_code
    where = f"{method} /{path}, HTTP {status}"
    if raw is None:
        raise InvalidResponseError(
            f"GEN's answer was larger than {MAX_JSON_BYTES // (1024 * 1024)} MB, "
            f"so it was not read ({where}).",
            status_code=status,
        )
    if isinstance(raw, Exception):
        raise InvalidResponseError(
            f"GEN's answer could not be decoded ({where}).", status_code=status
        )
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        kind = response.headers.get("Content-Type", "no content type").split(";")[0].strip()
        raise InvalidResponseError(
            f"GEN sent an answer that is not valid JSON ({kind}; {where}).", status_code=status
        ) from exc


def _decode_quietly(raw: bytes | Exception | None) -> object:
    if not isinstance(raw, bytes) or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _parse(parse: Callable[[object], T], payload: object, method: str, path: str, status: int) -> T:
    try:
        return parse(payload)
    except InvalidResponseError:
        raise
    except ValidationError as exc:
        first = exc.errors()[0] if exc.error_count() else None
        detail = ""
        if first is not None:
            loc = ".".join(str(part) for part in first["loc"]) or "body"
            detail = f": {loc}: {first['msg']}"
        raise InvalidResponseError(
            f"GEN's answer to {method} /{path} did not have the expected shape{detail}.",
            status_code=status,
        ) from exc
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise InvalidResponseError(
            f"GEN's answer to {method} /{path} did not have the expected shape ({exc}).",
            status_code=status,
        ) from exc


def _scrub(error: GenError) -> None:
    """Mask any secret GEN might have echoed back before the error reaches a user or a log."""
    error.message = redact(error.message)
    error.args = (error.message,)
    if isinstance(error, APIStatusError) and error.error is not None:
        error.error = redact(error.error)
