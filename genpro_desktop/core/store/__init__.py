"""The local job database (SQLite, one writer thread) and the single-instance lock."""

from genpro_desktop.core.store.database import DB_FILENAME, SCHEMA_VERSION
from genpro_desktop.core.store.errors import (
    InstanceLockedError,
    LockHolder,
    StoreClosedError,
    StoreError,
    StoreOpenError,
    StoreReadOnlyError,
    StoreVersionError,
    StoreWriteError,
    TerminalStateError,
)
from genpro_desktop.core.store.instance_lock import LOCK_FILENAME, InstanceLock
from genpro_desktop.core.store.store import HistoryEntry, StateChange, Store, UnreadableJob

__all__ = [
    "DB_FILENAME",
    "LOCK_FILENAME",
    "SCHEMA_VERSION",
    "HistoryEntry",
    "InstanceLock",
    "InstanceLockedError",
    "LockHolder",
    "StateChange",
    "Store",
    "StoreClosedError",
    "StoreError",
    "StoreOpenError",
    "StoreReadOnlyError",
    "StoreVersionError",
    "StoreWriteError",
    "TerminalStateError",
    "UnreadableJob",
]
