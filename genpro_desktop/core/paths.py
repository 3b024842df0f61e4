"""Where genpro-desktop keeps its files.

By default every folder comes from platformdirs (app name ``genpro-desktop``, no app author), and
downloads go to the user's Videos folder under ``GEN``.

Setting ``GENPRO_DATA_DIR`` puts everything under that one folder instead, which is what tests,
portable installs and the demo use::

    $GENPRO_DATA_DIR/
        data/        jobs database and other durable state
        cache/       thumbnails and other files that may be deleted at any time
        logs/        log files (never contain the API key)
        config/      settings (never contain the API key)
        downloads/   downloaded videos

The API key is never stored in any of these folders: it lives in the OS keyring
(``core.credentials``) or in the process environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "genpro-desktop"
DATA_DIR_ENV = "GENPRO_DATA_DIR"
DOWNLOADS_SUBDIR = "GEN"

# App-private folders get user-only permissions on POSIX (security checklist S-14). Windows keeps
# the per-user profile ACL, which is already private; os.chmod there only toggles read-only.
_PRIVATE_MODE = 0o700


@dataclass(frozen=True, slots=True)
class AppPaths:
    """The folders the app reads and writes; build one with ``app_paths()``."""

    data_dir: Path
    cache_dir: Path
    log_dir: Path
    downloads_dir: Path
    config_dir: Path

    def private_dirs(self) -> tuple[Path, ...]:
        """Return the folders that only this app uses (everything but downloads)."""
        return (self.data_dir, self.cache_dir, self.log_dir, self.config_dir)

    def ensure(self) -> AppPaths:
        """Create every folder (user-only on POSIX) and return self."""
        for directory in self.private_dirs():
            _make_private_dir(directory)
        # The downloads folder is usually inside the user's Videos folder: create it private when
        # it is new, but never change the permissions of a folder the user already has.
        if not self.downloads_dir.is_dir():
            self.downloads_dir.mkdir(mode=_PRIVATE_MODE, parents=True, exist_ok=True)
        return self


def app_paths(environ: Mapping[str, str] | None = None) -> AppPaths:
    """Return the app's folders, honouring ``GENPRO_DATA_DIR`` (nothing is created)."""
    env = os.environ if environ is None else environ
    override = env.get(DATA_DIR_ENV, "").strip()
    if override:
        root = Path(override).expanduser().resolve()
        return AppPaths(
            data_dir=root / "data",
            cache_dir=root / "cache",
            log_dir=root / "logs",
            downloads_dir=root / "downloads",
            config_dir=root / "config",
        )
    return AppPaths(
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        downloads_dir=Path(platformdirs.user_videos_dir()) / DOWNLOADS_SUBDIR,
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
    )


def _make_private_dir(directory: Path) -> None:
    directory.mkdir(mode=_PRIVATE_MODE, parents=True, exist_ok=True)
    if os.name == "posix":
        # mkdir's mode is filtered by the umask and ignored for folders that already exist.
        directory.chmod(_PRIVATE_MODE)
