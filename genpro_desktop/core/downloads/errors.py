"""Download errors; ``str(error)`` is always a sentence that can be shown to the user.

::

    DownloadError                 any failed download (network, HTTP status, disk, URL policy)
    ├── DownloadIncompleteError   the connection ended early; the ``.part`` file is kept (resumable)
    ├── InsufficientSpaceError    not enough free disk space (``need`` / ``have`` in bytes)
    └── DownloadVerificationError the bytes are not the video we expect (web page, not MP4, size)

URLs in messages never include a query string, which on some CDNs carries a signature.
"""

from __future__ import annotations

from pathlib import Path


class DownloadError(Exception):
    """A download failed; nothing was written at the target path."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        resumable: bool = False,
        partial_path: Path | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        # The URL without query or credentials, safe to log.
        self.url = url
        # True when trying again later may succeed (network trouble, 5xx, 429).
        self.resumable = resumable
        # The hidden ``.part`` file kept for a later resume, when there is one.
        self.partial_path = partial_path

    def __str__(self) -> str:
        return self.message


class DownloadIncompleteError(DownloadError):
    """The transfer stopped before the declared length; the partial file was kept."""


class InsufficientSpaceError(DownloadError):
    """The destination disk does not have room for the file."""

    def __init__(self, message: str, *, need: int, have: int, url: str | None = None) -> None:
        super().__init__(message, url=url, resumable=True)
        self.need = need
        self.have = have


class DownloadVerificationError(DownloadError):
    """The server sent something other than a complete MP4 video; the partial file was removed."""
