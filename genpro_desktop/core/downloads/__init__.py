"""Credential-free, verified downloads of rendered videos (see ``downloader`` for the policy).

Importing this package loads none of it: each public name's module is imported on first use
(PEP 562), so `from genpro_desktop.core.downloads import format_bytes` does not load the
downloader with httpx (the desktop app paints its window before it needs them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from genpro_desktop.core.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from genpro_desktop.core.downloads.downloader import (
        DEFAULT_MAX_BYTES,
        Downloader,
        DownloadResult,
    )
    from genpro_desktop.core.downloads.errors import (
        DownloadError,
        DownloadIncompleteError,
        DownloadURLExpiredError,
        DownloadVerificationError,
        InsufficientSpaceError,
    )
    from genpro_desktop.core.downloads.naming import safe_filename, sanitize_filename
    from genpro_desktop.core.downloads.progress import (
        DownloadProgress,
        ProgressCallback,
        Reconnecting,
        format_bytes,
    )
    from genpro_desktop.core.downloads.reconnect import NO_RECONNECTS, Reconnects
    from genpro_desktop.core.downloads.resume import ResumeState, part_path_for
    from genpro_desktop.core.downloads.transfer import CheckpointCallback
    from genpro_desktop.core.downloads.urls import check_download_url, display_url

__all__ = [
    "DEFAULT_MAX_BYTES",
    "NO_RECONNECTS",
    "CheckpointCallback",
    "DownloadError",
    "DownloadIncompleteError",
    "DownloadProgress",
    "DownloadResult",
    "DownloadURLExpiredError",
    "DownloadVerificationError",
    "Downloader",
    "InsufficientSpaceError",
    "ProgressCallback",
    "Reconnecting",
    "Reconnects",
    "ResumeState",
    "check_download_url",
    "display_url",
    "format_bytes",
    "part_path_for",
    "safe_filename",
    "sanitize_filename",
]

# The submodule behind each public name (`__all__` lists the same names).
_SUBMODULES: dict[str, tuple[str, ...]] = {
    "downloader": ("DEFAULT_MAX_BYTES", "Downloader", "DownloadResult"),
    "errors": (
        "DownloadError",
        "DownloadIncompleteError",
        "DownloadURLExpiredError",
        "DownloadVerificationError",
        "InsufficientSpaceError",
    ),
    "naming": ("safe_filename", "sanitize_filename"),
    "progress": ("DownloadProgress", "ProgressCallback", "Reconnecting", "format_bytes"),
    "reconnect": ("NO_RECONNECTS", "Reconnects"),
    "resume": ("ResumeState", "part_path_for"),
    "transfer": ("CheckpointCallback",),
    "urls": ("check_download_url", "display_url"),
}
# Outside TYPE_CHECKING so that type checkers resolve names only through the imports above.
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_exports(__name__, _SUBMODULES, __all__, globals())
