"""Keeping the API key safe: the base-URL policy, the `Secret` wrapper and log redaction."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
import weakref
from typing import Final, NoReturn
from urllib.parse import urlsplit

import httpx

from genpro_desktop.core.api.errors import UnsafeURLError

MASK: Final = "********"
# httpx logs on "httpx"; httpcore logs on child loggers, and a logger's filters are not
# consulted for records of its children, so each one gets the filter.
REDACTED_LOGGERS: Final = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "genpro_desktop.core.api",
)
_LOOPBACK_NAMES: Final = frozenset({"localhost"})


class Secret:
    """An API key that never shows itself in repr/str/format and refuses to be pickled."""

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError("Secret wraps a str")
        self._value = value

    def reveal(self) -> str:
        """The secret itself; call only where it is sent (the request header)."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled or copied")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("a Secret cannot be pickled or copied")


def validate_base_url(url: str) -> str:
    """The normalised base URL, or UnsafeURLError: https anywhere, http only on loopback."""
    if not isinstance(url, str) or not url.strip():  # pyright: ignore[reportUnnecessaryIsInstance]
        raise UnsafeURLError("The API address is empty.")
    text = url.strip()
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" for ch in text):
        raise UnsafeURLError("The API address contains spaces, control characters or '\\'.")
    try:
        parsed = httpx.URL(text)
        split = urlsplit(text)
        split_port = split.port  # raises ValueError on a malformed port
    except (httpx.InvalidURL, ValueError) as exc:
        raise UnsafeURLError(f"The API address is not a valid URL: {_shown(text)}.") from exc
    scheme = parsed.scheme.lower()
    if scheme not in ("https", "http"):
        raise UnsafeURLError(f"The API address must start with https:// (got {_shown(text)}).")
    if parsed.userinfo or split.username is not None or "@" in split.netloc:
        raise UnsafeURLError("The API address must not contain a user name or password.")
    host = parsed.host
    if not host or not split.hostname:
        raise UnsafeURLError(f"The API address has no host: {_shown(text)}.")
    if parsed.query or parsed.fragment or split.query or split.fragment:
        raise UnsafeURLError("The API address must not contain a query (?) or fragment (#).")
    if scheme == "http":
        # Two parsers must agree on the host before the loopback exemption applies.
        default_port = 80  # httpx drops an explicit default port, urlsplit keeps it
        if host.lower() != split.hostname.lower() or (parsed.port or default_port) != (
            split_port or default_port
        ):
            raise UnsafeURLError(f"The API address is ambiguous: {_shown(text)}.")
        if not is_loopback_host(host):
            raise UnsafeURLError(
                "Plain http:// would send the API key unencrypted; use https:// "
                f"(http:// is only allowed for this computer, e.g. localhost). Got {_shown(text)}."
            )
    return str(parsed.copy_with(scheme=scheme)).rstrip("/")


def is_loopback_host(host: str) -> bool:
    """True for `localhost`, 127.0.0.0/8 and ::1, comparing the parsed host, never a prefix."""
    name = host.strip("[]").lower()
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _shown(text: str) -> str:
    """A URL as shown in a message: bounded, and without anything that looks like credentials."""
    try:
        split = urlsplit(text)
        if split.username is not None or split.password is not None:
            text = split._replace(netloc=split.netloc.rsplit("@", 1)[-1]).geturl()
    except ValueError:
        pass
    return text if len(text) <= 120 else text[:117] + "..."


_HEADER_VALUE = re.compile(
    r"""(?ix)
    ((?:x-api-key|authorization|proxy-authorization)
     ['"]?\s*[:=,]\s*\(?\s*(?:b?['"])?(?:(?:bearer|basic|token)\s+)?)
    ([^'"\s,)\]}]+)
    """
)


class RedactingFilter(logging.Filter):
    """Scrubs live `Secret` values and x-api-key/authorization header values from log records."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: weakref.WeakSet[Secret] = weakref.WeakSet()

    def add_secret(self, secret: Secret) -> None:
        """Redact this secret's value from now on (for as long as the Secret object lives)."""
        self._secrets.add(secret)

    def redact(self, text: str) -> str:
        """`text` with every known secret and header value replaced by a mask."""
        for secret in list(self._secrets):
            value = secret.reveal()
            if value:
                text = text.replace(value, MASK)
        return _HEADER_VALUE.sub(lambda m: m.group(1) + MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with secrets removed; never drops a record."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not break logging
            message = str(record.msg)
        redacted = self.redact(message)
        if redacted != message or record.args:
            record.msg = redacted
            record.args = None
        return True


REDACTOR: Final = RedactingFilter()


def install_redaction(secret: Secret | None = None) -> RedactingFilter:
    """Put the shared RedactingFilter on httpx/httpcore/our loggers (idempotent)."""
    if secret is not None:
        REDACTOR.add_secret(secret)
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if REDACTOR not in logger.filters:
            logger.addFilter(REDACTOR)
    return REDACTOR


def redact(text: str) -> str:
    """`text` with every secret the shared filter knows about masked."""
    return REDACTOR.redact(text)
