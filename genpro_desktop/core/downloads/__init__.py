"""Credential-free, verified downloads of rendered videos (see ``downloader`` for the policy)."""

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
    format_bytes,
)
from genpro_desktop.core.downloads.resume import ResumeState, part_path_for
from genpro_desktop.core.downloads.transfer import CheckpointCallback
from genpro_desktop.core.downloads.urls import check_download_url, display_url

__all__ = [
    "DEFAULT_MAX_BYTES",
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
    "ResumeState",
    "check_download_url",
    "display_url",
    "format_bytes",
    "part_path_for",
    "safe_filename",
    "sanitize_filename",
]
