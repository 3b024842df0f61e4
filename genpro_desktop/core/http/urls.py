"""URL helpers shared by every fetch of a public link (downloads, thumbnails).

``is_loopback_host`` parses the host and never compares string prefixes, so
``http://localhost:80@evil.example`` and ``http://127.0.0.1.evil.example`` are not loopback.
"""

from __future__ import annotations

import ipaddress

import httpx

__all__ = ["display_url", "is_loopback_host"]


def display_url(url: httpx.URL | str) -> str:
    """Return ``url`` without user info, query or fragment, fit for messages and logs."""
    try:
        parsed = httpx.URL(str(url))
    except httpx.InvalidURL:
        return "(invalid URL)"
    return str(parsed.copy_with(query=None, fragment=None, userinfo=b""))


def is_loopback_host(host: str) -> bool:
    """Return True for ``localhost``, 127.0.0.0/8 and ::1 (also IPv4-mapped)."""
    host = host.lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback
