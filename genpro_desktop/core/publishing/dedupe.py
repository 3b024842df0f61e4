"""The duplicate-publish fingerprint (mission-anchors.md pain point 5, fault matrix row 22).

A publish is "the same" as an earlier one when the agent, the platform, the video, the caption
and the schedule are the same once the differences a person would not notice are removed:

- caption: Unicode NFC, case-folded, every run of whitespace collapsed to one space, trimmed;
- media URL: scheme and host lower-cased, default port dropped, fragment dropped, query
  parameters sorted, and URL-signing parameters (``X-Amz-*``, ``X-Goog-*``, ``Expires``,
  ``Signature``, ``Key-Pair-Id``, ``Policy``, ``token``, Azure ``sig``/``se``/...) dropped, since
  a re-signed link to the same file is the same video;
- schedule: the UTC minute (``2026-11-28T08:30Z``), or ``now``;
- platform: case-folded; agent id: trimmed.

The key is the SHA-256 of those fields with a scheme version, so it is opaque and fixed-length.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DEDUPE_SCHEME = "genpro-publish-dedupe/1"

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SIGNING_PARAMS = frozenset(
    {
        "expires",
        "signature",
        "key-pair-id",
        "policy",
        "token",
        # Azure shared access signatures.
        "sig",
        "se",
        "st",
        "sp",
        "sv",
        "sr",
        "spr",
        "skoid",
        "sktid",
    }
)
_SIGNING_PREFIXES = ("x-amz-", "x-goog-")


def normalise_caption(caption: str) -> str:
    """NFC, case-folded, whitespace collapsed: what makes two captions "the same"."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", caption).casefold())
    return " ".join(folded.split())


def normalise_media_url(url: str) -> str:
    """The URL without differences that do not change which file it names."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    query = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_signing_param(name)
    )
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def normalise_schedule(scheduled_utc: datetime | None) -> str:
    """The scheduled UTC minute, or ``"now"``; a naive time is refused."""
    if scheduled_utc is None:
        return "now"
    if scheduled_utc.tzinfo is None:
        raise ValueError("the scheduled time must be timezone-aware")
    return scheduled_utc.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def dedupe_key(
    agent_id: str | int | None,
    platform: str,
    media_url: str,
    caption: str,
    scheduled_utc: datetime | None,
) -> str:
    """The fingerprint of a publish: equal for publishes a person would call the same."""
    fields = [
        DEDUPE_SCHEME,
        "" if agent_id is None else str(agent_id).strip(),
        platform.strip().casefold(),
        normalise_media_url(media_url),
        normalise_caption(caption),
        normalise_schedule(scheduled_utc),
    ]
    encoded = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def _is_signing_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SIGNING_PARAMS or lowered.startswith(_SIGNING_PREFIXES)
