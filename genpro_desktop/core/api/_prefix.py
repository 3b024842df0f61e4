"""The sheet path prefix: `vidsheet` (current docs) or `autocontentengine` (earlier docs).

`auto` tries `vidsheet` first and falls back to `autocontentengine` only on a route-level 404
(a 404 without an error_code: the router, not the object lookup, answered). That fallback is
safe even for charged requests, because a missing route proves nothing was applied. The prefix
that worked is remembered per base URL.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Literal, get_args

from genpro_desktop.core.api._constants import SHEET_PREFIXES
from genpro_desktop.core.api.errors import APIStatusError, NotFoundError

PathPrefix = Literal["auto", "vidsheet", "autocontentengine"]
SheetPrefix = Literal["vidsheet", "autocontentengine"]
PATH_PREFIXES: tuple[str, ...] = get_args(PathPrefix)


class PrefixMemory:
    """Which sheet prefix worked for each base URL; thread-safe, can be saved and loaded."""

    def __init__(self, initial: Mapping[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._by_base: dict[str, str] = {}
        if initial:
            self.load(initial)

    def get(self, base_url: str) -> str | None:
        """The remembered prefix for `base_url`, if any."""
        with self._lock:
            return self._by_base.get(base_url)

    def remember(self, base_url: str, prefix: str) -> None:
        """Record that `prefix` works on `base_url`."""
        if prefix not in SHEET_PREFIXES:
            raise ValueError(f"unknown sheet prefix {prefix!r}")
        with self._lock:
            self._by_base[base_url] = prefix

    def forget(self, base_url: str) -> None:
        """Drop what is remembered for `base_url`."""
        with self._lock:
            self._by_base.pop(base_url, None)

    def clear(self) -> None:
        """Forget every base URL."""
        with self._lock:
            self._by_base.clear()

    def snapshot(self) -> dict[str, str]:
        """A copy of everything remembered, for persisting."""
        with self._lock:
            return dict(self._by_base)

    def load(self, mapping: Mapping[str, str]) -> None:
        """Merge persisted entries, ignoring any that name an unknown prefix."""
        with self._lock:
            for base_url, prefix in mapping.items():
                if prefix in SHEET_PREFIXES:
                    self._by_base[base_url] = prefix

    def __repr__(self) -> str:
        return f"PrefixMemory({self.snapshot()!r})"


# The process-wide default; GenClient takes another one for tests (or a persisted one).
PREFIX_MEMORY = PrefixMemory()


def prefix_candidates(setting: str, remembered: str | None) -> tuple[str, ...]:
    """Prefixes to try, in order: the fixed one, or for `auto` the remembered one first."""
    if setting != "auto":
        if setting not in SHEET_PREFIXES:
            raise ValueError(f"path_prefix must be one of {PATH_PREFIXES}, not {setting!r}")
        return (setting,)
    if remembered in SHEET_PREFIXES:
        return (remembered, *(p for p in SHEET_PREFIXES if p != remembered))
    return SHEET_PREFIXES


def is_route_missing(error: BaseException, *, allow_405: bool = False) -> bool:
    """True for a route-level 404 (no error_code), and for 405 when `allow_405`."""
    if isinstance(error, NotFoundError):
        return error.route_level
    return allow_405 and isinstance(error, APIStatusError) and error.status_code == 405


def proves_route(error: BaseException) -> bool:
    """True when an error shows the route exists (GEN's own error_code on a 404/422)."""
    return (
        isinstance(error, APIStatusError)
        and error.error_code is not None
        and error.status_code in (404, 422)
    )
