"""core.api._security: the base-URL policy, the Secret wrapper and log redaction."""

from __future__ import annotations

import copy
import logging
import pickle

import pytest

from genpro_desktop.core.api import (
    GenClient,
    GenError,
    RedactingFilter,
    Secret,
    UnsafeURLError,
    install_redaction,
    validate_base_url,
)
from genpro_desktop.core.api._security import REDACTED_LOGGERS, REDACTOR

CANARY = "gen_pat_canary_5f1d0c2b9a"


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://api.gen.pro/v1", "https://api.gen.pro/v1"),
        ("https://api.gen.pro/v1/", "https://api.gen.pro/v1"),
        ("HTTPS://API.GEN.PRO/v1", "https://api.gen.pro/v1"),
        ("https://evil.example:8443/v1", "https://evil.example:8443/v1"),
        ("http://localhost:8080/v1", "http://localhost:8080/v1"),
        ("http://localhost:80/v1", "http://localhost/v1"),
        ("HTTP://LOCALHOST", "http://localhost"),
        ("http://127.0.0.1:5000/v1", "http://127.0.0.1:5000/v1"),
        ("http://127.8.9.10/v1", "http://127.8.9.10/v1"),
        ("http://[::1]:8080/v1", "http://[::1]:8080/v1"),
    ],
)
def test_allowed_base_urls(url: str, normalised: str) -> None:
    assert validate_base_url(url + "\n") == normalised  # a pasted trailing newline is harmless
    assert validate_base_url(url) == normalised


@pytest.mark.parametrize(
    "url",
    [
        "http://api.gen.pro/v1",
        "http://127.0.0.1.evil.example/v1",
        "http://localhost.evil.example/v1",
        "http://localhost:80@evil.example/v1",
        "http://127.0.0.1@evil.example/v1",
        "https://user:pass@api.gen.pro/v1",
        "https://token@api.gen.pro/v1",
        "http://evil.example\\@127.0.0.1/v1",
        "http://0x7f000001/v1",
        "http://2130706433/v1",
        "http://[::ffff:8.8.8.8]/v1",
        "http://10.0.0.1/v1",
        "http://192.168.1.20/v1",
        "ftp://api.gen.pro/v1",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "api.gen.pro/v1",
        "https:///v1",
        "https://api.gen.pro/v1?key=x",
        "https://api.gen.pro/v1#frag",
        "http://localhost:99999/v1",
        "http://local host/v1",
        "https://api.gen.pro/\nv1",
        "",
        "   ",
    ],
)
def test_refused_base_urls(url: str) -> None:
    with pytest.raises(UnsafeURLError) as info:
        validate_base_url(url)
    assert isinstance(info.value, ValueError)
    assert "user:pass" not in str(info.value)
    assert "token@" not in str(info.value)


def test_unsafe_url_is_refused_by_the_client_before_anything_is_built() -> None:
    with pytest.raises(UnsafeURLError, match="https://"):
        GenClient(api_key=CANARY, base_url="http://api.gen.pro/v1")


@pytest.mark.parametrize("key", ["", "   ", "gen_pat abc", "gen_pat_\nX-Evil: 1", "gen_pat_é"])
def test_unusable_keys_are_refused_without_echoing_them(key: str) -> None:
    with pytest.raises(GenError) as info:
        GenClient(api_key=key, base_url="https://api.gen.pro/v1")
    if key.strip():
        assert key not in str(info.value)


def test_secret_never_shows_itself() -> None:
    secret = Secret(CANARY)
    shown = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>40}",
        format(secret, ""),
    ]
    assert all(CANARY not in text for text in shown)
    assert repr(secret) == "Secret('********')"
    assert secret.reveal() == CANARY
    assert secret == Secret(CANARY)
    assert secret != Secret("other")
    assert hash(secret) == hash(Secret(CANARY))
    assert CANARY not in repr([secret, {"key": secret}])


@pytest.mark.parametrize("operation", [pickle.dumps, copy.copy, copy.deepcopy])
def test_secret_cannot_be_pickled_or_copied(operation: object) -> None:
    with pytest.raises(TypeError):
        operation(Secret(CANARY))  # type: ignore[operator]


async def test_client_repr_shows_the_base_url_only() -> None:
    async with GenClient(api_key=CANARY, base_url="https://api.gen.pro/v1/") as client:
        assert repr(client) == "GenClient(base_url='https://api.gen.pro/v1')"
        assert CANARY not in repr(vars(client))


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("httpx", logging.DEBUG, __file__, 1, msg, args, None)


def test_redacting_filter_scrubs_known_secrets_and_header_values() -> None:
    redactor = RedactingFilter()
    secret = Secret(CANARY)
    redactor.add_secret(secret)
    record = _record("sent %s with headers %r", CANARY, [(b"X-API-Key", b"gen_pat_other")])
    assert redactor.filter(record)
    message = record.getMessage()
    assert CANARY not in message
    assert "gen_pat_other" not in message
    assert "********" in message
    plain = _record("X-API-Key: abc123 Authorization: Bearer tok456 ok")
    redactor.filter(plain)
    assert "abc123" not in plain.getMessage()
    assert "tok456" not in plain.getMessage()
    assert plain.getMessage().endswith("ok")


def test_redaction_forgets_secrets_that_no_longer_exist() -> None:
    redactor = RedactingFilter()
    redactor.add_secret(Secret("short-lived-secret"))
    record = _record("short-lived-secret")
    redactor.filter(record)
    assert record.getMessage() == "short-lived-secret"


def test_install_redaction_is_idempotent_and_covers_httpcore_children() -> None:
    install_redaction()
    install_redaction(Secret(CANARY))
    for name in REDACTED_LOGGERS:
        filters = logging.getLogger(name).filters
        assert filters.count(REDACTOR) == 1
    assert "httpcore.http11" in REDACTED_LOGGERS
