"""The request journal: what reached the simulator, with the API key never stored."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass

API_KEY_HEADER = "X-API-Key"
MASK = "********"
# Headers whose values are credentials; the journal keeps only the fact that they were sent.
_SECRET_HEADERS = frozenset({"x-api-key", "authorization", "cookie", "proxy-authorization"})


@dataclass(frozen=True)
class JournalEntry:
    """One request as the simulator saw it (secret header values masked)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str
    status: int | None
    had_api_key: bool
    api_key_ok: bool
    sim_time: float
    fault: str | None = None

    @property
    def is_cdn(self) -> bool:
        """True for media requests (served under /cdn)."""
        return self.path.startswith("/cdn/")


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Copy headers, replacing every credential value with a fixed mask."""
    return {k: (MASK if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}


class Journal:
    """Thread-safe, append-only record of requests; tests read it from their own thread."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._entries: list[JournalEntry] = []

    def record(self, entry: JournalEntry) -> None:
        """Append one entry (called by the server once the response status is known)."""
        with self._lock:
            self._entries.append(entry)
            self._lock.notify_all()

    def wait_count(
        self, method: str = "*", path_regex: str = "", count: int = 1, timeout: float = 10.0
    ) -> bool:
        """Block until at least `count` entries match (see `find`); False on timeout.

        Entries are recorded when the response is finished, so a held request shows up only
        after its release. From a coroutine use `await asyncio.to_thread(journal.wait_count, ...)`.
        """
        pattern = re.compile(path_regex)
        wanted = method.upper()

        def enough() -> bool:
            hits = [
                e
                for e in self._entries
                if (wanted == "*" or e.method == wanted) and pattern.search(e.path)
            ]
            return len(hits) >= count

        with self._lock:
            return self._lock.wait_for(enough, timeout)

    @property
    def requests(self) -> list[JournalEntry]:
        """A snapshot of every entry so far, oldest first."""
        with self._lock:
            return list(self._entries)

    def find(self, method: str = "*", path_regex: str = "") -> list[JournalEntry]:
        """Entries whose method matches (`*` = any) and whose path matches `path_regex` (search)."""
        pattern = re.compile(path_regex)
        wanted = method.upper()
        return [
            e
            for e in self.requests
            if (wanted == "*" or e.method == wanted) and pattern.search(e.path)
        ]

    def count(self, method: str = "*", path_regex: str = "") -> int:
        """How many entries `find` would return."""
        return len(self.find(method, path_regex))

    def last(self, method: str = "*", path_regex: str = "") -> JournalEntry:
        """The most recent matching entry; raises LookupError when there is none."""
        found = self.find(method, path_regex)
        if not found:
            raise LookupError(f"no {method} request matching {path_regex!r} in the journal")
        return found[-1]

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
