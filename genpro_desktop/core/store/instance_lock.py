"""The single-instance lock: one process at a time tracks the jobs of a data folder.

The lock is an OS-level file lock (``filelock``: ``flock`` on macOS/Linux, ``msvcrt`` locking on
Windows), so the operating system releases it when the holder dies, even from SIGKILL or a power
cut; there is no stale-lock clean-up to get wrong. Who holds it is written to a small JSON
sidecar (``genpro.lock.json``) right after acquiring, because the lock file itself is truncated
on acquire and unreadable to others on Windows.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self, cast

import filelock

from genpro_desktop.core.paths import AppPaths
from genpro_desktop.core.store.errors import InstanceLockedError, LockHolder, StoreError

__all__ = ["DESKTOP_PROGRAM", "LOCK_FILENAME", "InstanceLock"]

_log = logging.getLogger(__name__)

LOCK_FILENAME = "genpro.lock"
DESKTOP_PROGRAM = "genpro-desktop"
_SIDECAR_SUFFIX = ".json"
_PRIVATE_DIR_MODE = 0o700
_PRIVATE_FILE_MODE = 0o600


class InstanceLock:
    """A non-blocking, process-wide lock on a data folder, with a note of who holds it."""

    def __init__(self, path: Path, *, program: str = DESKTOP_PROGRAM) -> None:
        self._path = Path(path)
        self._program = program
        self._sidecar = self._path.with_name(self._path.name + _SIDECAR_SUFFIX)
        # thread_local=False: the GUI may acquire on one thread and release on another.
        if os.name == "posix":
            self._lock = filelock.FileLock(
                self._path, timeout=0, thread_local=False, mode=_PRIVATE_FILE_MODE
            )
        else:
            self._lock = filelock.FileLock(self._path, timeout=0, thread_local=False)
        self._held = False
        self._started_at: datetime | None = None

    @classmethod
    def default(cls, paths: AppPaths, *, program: str = DESKTOP_PROGRAM) -> InstanceLock:
        """The lock of the app's data folder, ``data_dir/genpro.lock``."""
        return cls(paths.data_dir / LOCK_FILENAME, program=program)

    @property
    def path(self) -> Path:
        """The lock file."""
        return self._path

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._held

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another process (or object) holds it."""
        if self._held:
            return True
        try:
            _make_private_dir(self._path.parent)
            self._lock.acquire(blocking=False)
        except filelock.Timeout:
            return False
        except OSError as exc:
            raise StoreError(
                f"Could not create the instance lock at {self._path}: {exc.strerror or exc}.",
                path=self._path,
            ) from exc
        self._held = True
        self._started_at = datetime.now(UTC)
        self._write_sidecar()
        return True

    def release(self) -> None:
        """Let go of the lock (doing nothing when it is not held)."""
        if not self._held:
            return
        # Remove our note first, so it can never describe the next holder.
        with contextlib.suppress(OSError):
            self._sidecar.unlink()
        self._held = False
        self._started_at = None
        self._lock.release()

    def holder_info(self) -> LockHolder | None:
        """Who holds the lock according to its sidecar, or None when unknown."""
        if self._held:
            return LockHolder(pid=os.getpid(), program=self._program, started_at=self._started_at)
        try:
            loaded: object = json.loads(self._sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return _parse_holder(loaded)

    def __enter__(self) -> Self:
        if not self.acquire():
            raise InstanceLockedError(self.holder_info(), path=self._path)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def _write_sidecar(self) -> None:
        note = {
            "pid": os.getpid(),
            "program": self._program,
            "started_at": self._started_at.isoformat() if self._started_at else None,
        }
        temporary = self._sidecar.with_name(f"{self._sidecar.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(json.dumps(note), encoding="utf-8")
            # Atomic: a reader sees the old note or the new one, never half of one.
            os.replace(temporary, self._sidecar)
        except OSError as exc:
            # The lock itself is what matters; without the note the message is just vaguer.
            _log.warning("could not write the instance lock note %s: %s", self._sidecar, exc)
            with contextlib.suppress(OSError):
                temporary.unlink()


def _parse_holder(loaded: object) -> LockHolder | None:
    if not isinstance(loaded, dict):
        return None
    note = cast(dict[str, object], loaded)
    pid, program, started = note.get("pid"), note.get("program"), note.get("started_at")
    if not isinstance(pid, int) or isinstance(pid, bool) or not isinstance(program, str):
        return None
    started_at: datetime | None = None
    if isinstance(started, str):
        with contextlib.suppress(ValueError):
            started_at = datetime.fromisoformat(started)
    return LockHolder(pid=pid, program=program, started_at=started_at)


def _make_private_dir(directory: Path) -> None:
    if directory.is_dir():
        return
    directory.mkdir(mode=_PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    if os.name == "posix":
        # mkdir's mode is filtered by the umask.
        directory.chmod(_PRIVATE_DIR_MODE)
