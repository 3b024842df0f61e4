"""Download errors; ``str(error)`` is always a sentence that can be shown to the user.

::

    DownloadError                 any failed download (network, HTTP status, disk, URL policy)
    ├── DownloadIncompleteError   the connection ended early or stalled; the ``.part`` is kept
    ├── DownloadURLExpiredError   the CDN answered 403/404/410: re-read the job for a fresh URL
    ├── InsufficientSpaceError    not enough free disk space (``need`` / ``have`` in bytes)
    └── DownloadVerificationError the bytes are not the video we expect (web page, not MP4, size)

URLs in messages never include a query string, which on some CDNs carries a signature.
Whenever a ``.part`` file is kept, ``resume_state`` says how to continue it: pass it back as
``Downloader.download(..., resume=error.resume_state)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from genpro_desktop.core.downloads.resume import ResumeState


class DownloadError(Exception):
    """A download failed; nothing was written at the target path."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        resumable: bool = False,
        partial_path: Path | None = None,
        transient: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        # The URL without query or credentials, safe to log.
        self.url = url
        # True when trying again later may succeed (network trouble, 5xx, 429, disk full).
        self.resumable = resumable
        # True when the connection or the server failed part-way (a drop, reset, stall, timeout,
        # 408/429/5xx): the downloader reconnects by itself (see ``reconnect``).
        self.transient = transient
        # Seconds the server asked us to wait (Retry-After), when it said.
        self.retry_after = retry_after
        # The hidden ``.part`` file kept for a later resume, when there is one.
        self.partial_path = partial_path
        # Where to continue from (set by the downloader whenever it keeps a ``.part``).
        self.resume_state: ResumeState | None = None

    def __str__(self) -> str:
        return self.message


class DownloadIncompleteError(DownloadError):
    """The transfer stopped before the declared length; the partial file was kept."""


class DownloadURLExpiredError(DownloadError):
    """The CDN refused or no longer knows the URL (403/404/410); a fresh URL may work."""

    def __init__(self, message: str, *, status_code: int, url: str | None = None) -> None:
        super().__init__(message, url=url, resumable=False)
        self.status_code = status_code


class InsufficientSpaceError(DownloadError):
    """The destination disk does not have room for the file (checked first, or it filled up)."""

    def __init__(
        self,
        message: str,
        *,
        need: int,
        have: int,
        url: str | None = None,
        partial_path: Path | None = None,
    ) -> None:
        super().__init__(message, url=url, resumable=True, partial_path=partial_path)
        self.need = need
        self.have = have


class DownloadVerificationError(DownloadError):
    """The server sent something other than a complete MP4 video; the partial file was removed."""
