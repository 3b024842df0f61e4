"""Resuming a ``.part`` file safely (policy D2 in reliability-anchors.md, RFC 9110 section 14).

A ranged request carries ``Range: bytes=N-`` and ``If-Range`` with the validator of the bytes we
hold: the strong ETag, else Last-Modified. What the CDN answers decides what happens:

- ``206`` whose ``Content-Range`` starts exactly at N and runs to the end of a file of the
  expected length (with a matching ETag if one is sent) -> append;
- ``200`` -> the file changed or the server ignores ranges: truncate and start over from this
  body, never splicing two versions together;
- ``206`` that does not fit -> ask again for the whole file;
- ``416`` -> the local bytes are already the whole file when the length in
  ``Content-Range: bytes */L`` equals them; otherwise ask again for the whole file.

Without a usable validator (none, or only a weak ETag) nothing proves that the local bytes are a
prefix of today's file, so the download starts over.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path

import httpx

from genpro_desktop.core.downloads.responses import content_length

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+)\s*$", re.IGNORECASE)
# The longest file name (in bytes) that ext4, APFS and NTFS all accept.
NAME_MAX = 255
_UNSATISFIED = re.compile(r"^\s*bytes\s+\*/(\d+)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ResumeState:
    """Everything needed to continue a download later (the tracker stores it)."""

    target_path: Path
    part_path: Path
    bytes_done: int
    total: int | None
    etag: str | None
    last_modified: str | None

    @property
    def validator(self) -> str | None:
        """The ``If-Range`` value: a strong ETag, else Last-Modified, else None."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified or None

    def advanced(self, bytes_done: int) -> ResumeState:
        """A copy with a new byte count."""
        return replace(self, bytes_done=bytes_done)


def part_path_for(target: Path) -> Path:
    """The hidden ``.part`` file beside ``target``: ``.name.part``, within the name limit.

    When ``.name.part`` would be longer than file systems allow (255 bytes, or UTF-16 units on
    NTFS: never more than the UTF-8 bytes), the name is shortened and a hash of the whole name
    keeps two long names apart: ``.<start of name>~<12 hex>.part``.
    """
    name = f".{target.name}.part"
    encoded = target.name.encode("utf-8", "surrogateescape")
    if len(name.encode("utf-8", "surrogateescape")) <= NAME_MAX:
        return target.with_name(name)
    tag = hashlib.sha256(encoded).hexdigest()[:12]
    room = NAME_MAX - len(f".~{tag}.part")
    start = encoded[:room].decode("utf-8", "ignore")
    return target.with_name(f".{start}~{tag}.part")


def range_headers(offset: int, validator: str) -> dict[str, str]:
    """Headers asking for the rest of the file from ``offset`` if it is still ``validator``."""
    return {"Range": f"bytes={offset}-", "If-Range": validator}


class Step(Enum):
    """What to do with a response."""

    APPEND = "append"  # 206 that continues our bytes
    RESTART = "restart"  # 200: write this body from byte 0
    COMPLETE = "complete"  # 416: the local bytes are the whole file
    REFETCH = "refetch"  # unusable answer to a ranged request: ask for the whole file


@dataclass(frozen=True, slots=True)
class Plan:
    """The decision for one response: the step, where writing starts, the full length."""

    step: Step
    start: int = 0
    total: int | None = None


REFETCH = Plan(Step.REFETCH)


def parse_content_range(value: str | None) -> tuple[int, int, int] | None:
    """``bytes first-last/length`` -> (first, last, length); None for anything else."""
    match = _CONTENT_RANGE.match(value or "")
    if match is None:
        return None
    first, last, length = (int(group) for group in match.groups())
    if last < first or last >= length:
        return None
    return first, last, length


def unsatisfied_length(value: str | None) -> int | None:
    """The length in a 416's ``Content-Range: bytes */length``, or None."""
    match = _UNSATISFIED.match(value or "")
    return int(match.group(1)) if match else None


def plan_ranged(
    response: httpx.Response, offset: int, expected_total: int | None, sent_etag: str | None
) -> Plan | None:
    """Decide on the answer to a ranged request; None means "an ordinary answer" (200/error)."""
    status = response.status_code
    if status == 206:
        parsed = parse_content_range(response.headers.get("content-range"))
        if parsed is None:
            return REFETCH
        first, last, length = parsed
        fits = first == offset and last == length - 1
        fits = fits and expected_total in (None, length)
        declared = content_length(response)
        fits = fits and declared in (None, length - offset)
        etag = response.headers.get("etag")
        if sent_etag is not None and etag is not None and not _same_tag(etag, sent_etag):
            fits = False  # a server that ignored If-Range but shows a new version
        return Plan(Step.APPEND, offset, length) if fits else REFETCH
    if status == 416:
        length = unsatisfied_length(response.headers.get("content-range"))
        if length is not None and length == offset and expected_total in (None, length):
            return Plan(Step.COMPLETE, offset, length)
        return REFETCH
    return None


def _same_tag(first: str, second: str) -> bool:
    """RFC 9110 weak comparison: equal opaque tags, whether or not either is weak."""
    return first.strip().removeprefix("W/") == second.strip().removeprefix("W/")
