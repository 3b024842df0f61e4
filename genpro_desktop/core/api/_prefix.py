"""The sheet path prefix: `vidsheet` (current docs) or `autocontentengine` (earlier docs).

`auto` tries `vidsheet` first. GEN's answer for a route it does not have is not documented: it
may be Rails' `{"status":404,"error":"Not Found"}`, a JSON error with `error_code: "not_found"`
(the same code an object lookup uses), an HTML page, plain text or an empty body. So the body
cannot tell a missing route from a missing object, and the rule is:

- While no prefix is confirmed for a base URL, a 404 that is not a sheet-specific refusal
  (`spreadsheet_not_found`, `project_not_found`) is checked against the other prefix once.
- The first prefix that gives an answer only GEN's router could have let through (a 2xx, a
  sheet-specific 404, or a 4xx such as 422 that is not 401/403/404/408/429) is confirmed and
  remembered per base URL. 5xx, 401, 403, 408, 429 and redirects can come from something in
  front of GEN (gateway, auth, rate limiter), so they neither confirm nor switch a prefix.
- A confirmed prefix is not re-probed on a 404 with an error_code (cell, generation, ...
  not found). Only a 404 in the router's own shape (no error_code: Rails' JSON, HTML, text,
  empty) makes it check the other prefix once, so a prefix GEN retires is still left.
- The undocumented engine-list route never re-probes a confirmed prefix: its absence says
  nothing about the prefix.

Every fallback is safe even for charged requests: a 404 means nothing was applied, and both
attempts carry the same Idempotency-Key.
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
    """Which sheet prefix each base URL serves; thread-safe, can be saved and loaded.

    A prefix is *confirmed* once an answer from that server proved it (`remember`). Entries
    loaded from a saved snapshot are only *hints*: tried first, but checked like an unconfirmed
    prefix until this process sees them answer, since GEN may have moved since they were saved.
    """

    def __init__(self, initial: Mapping[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._confirmed: dict[str, str] = {}
        self._hints: dict[str, str] = {}
        if initial:
            self.load(initial)

    def get(self, base_url: str) -> str | None:
        """The prefix to try first for `base_url` (confirmed, else a loaded hint), if any."""
        with self._lock:
            return self._confirmed.get(base_url) or self._hints.get(base_url)

    def confirmed(self, base_url: str) -> str | None:
        """The prefix an answer from `base_url` proved in this process, if any."""
        with self._lock:
            return self._confirmed.get(base_url)

    def remember(self, base_url: str, prefix: str) -> None:
        """Record that `base_url` answered under `prefix` (confirmed)."""
        if prefix not in SHEET_PREFIXES:
            raise ValueError(f"unknown sheet prefix {prefix!r}")
        with self._lock:
            self._confirmed[base_url] = prefix
            self._hints.pop(base_url, None)

    def forget(self, base_url: str) -> None:
        """Drop what is remembered for `base_url`."""
        with self._lock:
            self._confirmed.pop(base_url, None)
            self._hints.pop(base_url, None)

    def clear(self) -> None:
        """Forget every base URL."""
        with self._lock:
            self._confirmed.clear()
            self._hints.clear()

    def snapshot(self) -> dict[str, str]:
        """A copy of everything remembered (confirmed over hints), for persisting."""
        with self._lock:
            return self._hints | self._confirmed

    def load(self, mapping: Mapping[str, str]) -> None:
        """Merge persisted entries as hints, ignoring any that name an unknown prefix; what
        this process has confirmed is kept."""
        with self._lock:
            for base_url, prefix in mapping.items():
                if prefix in SHEET_PREFIXES and base_url not in self._confirmed:
                    self._hints[base_url] = prefix

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


# 404 codes only a sheet route answers: the route exists, the sheet does not.
SHEET_REFUSAL_CODES: frozenset[str] = frozenset({"spreadsheet_not_found", "project_not_found"})
# Statuses something in front of GEN's router may answer for any path.
_NOT_FROM_THE_ROUTER: frozenset[int] = frozenset({401, 403, 408, 429})


def might_be_missing_route(error: BaseException, *, allow_405: bool = False) -> bool:
    """True for a 404 that is not a sheet-specific refusal (whatever its body), and for a 405
    when `allow_405`: GEN may have no such route at all."""
    if not isinstance(error, APIStatusError):
        return False
    if error.status_code == 404:
        return error.error_code not in SHEET_REFUSAL_CODES
    return allow_405 and error.status_code == 405


def is_router_404(error: BaseException) -> bool:
    """True for a 404 in the router's shape: no error_code (Rails' JSON, HTML, text, empty)."""
    return isinstance(error, NotFoundError) and error.error_code is None


def confirms_prefix(error: BaseException | None, *, allow_405: bool = False) -> bool:
    """Whether an answer proves the prefix is served: `None` (a 2xx), a sheet-specific 404, or
    a 4xx that only a request past GEN's router gets (422, 400, 409, ...)."""
    if error is None:
        return True
    if not isinstance(error, APIStatusError):
        return False
    status = error.status_code
    if status == 404:
        return error.error_code in SHEET_REFUSAL_CODES
    if status == 405 and allow_405:
        return False
    return 400 <= status < 500 and status not in _NOT_FROM_THE_ROUTER


def worth_checking_other(error: BaseException, *, confirmed: bool, allow_405: bool = False) -> bool:
    """Whether `error` from one prefix means the same request should go to the other prefix.

    Unconfirmed: any 404 but a sheet-specific refusal (and 405 on the list route). Confirmed:
    only a 404 in the router's shape, and never on the list route.
    """
    if confirmed:
        return not allow_405 and is_router_404(error)
    return might_be_missing_route(error, allow_405=allow_405)


def most_telling(first: APIStatusError, second: APIStatusError) -> APIStatusError:
    """Of two 404s (one per prefix), the one GEN's own lookup more likely wrote: the one with an
    error_code when only one has it, else the first prefix's."""
    if first.error_code is None and second.error_code is not None:
        return second
    return first
