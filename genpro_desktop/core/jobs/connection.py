"""`Connection`: the tracker's current API client and the sign-in pause it shares.

The user can sign in again while jobs run (`JobTracker.set_client`), so the parts of the tracker
hold this object rather than a client. A 401/403 pauses every request on the scheduler until then;
the refusal that caused it is kept, so submissions held back by the pause report it too.
"""

from __future__ import annotations

from genpro_desktop.core.api import APIStatusError, GenClient
from genpro_desktop.core.jobs.events import EventHub
from genpro_desktop.core.jobs.scheduler import PollScheduler

__all__ = ["Connection"]


class Connection:
    """The API client in use, and the auth pause on the scheduler."""

    def __init__(self, client: GenClient, scheduler: PollScheduler, events: EventHub) -> None:
        self._client = client
        self._scheduler = scheduler
        self._events = events
        # The 401/403 that paused everything: submissions held back by it report it too.
        self._auth_refusal: APIStatusError | None = None
        scheduler.set_listener(self._on_pause_change)

    @property
    def client(self) -> GenClient:
        return self._client

    @property
    def auth_refusal(self) -> APIStatusError | None:
        return self._auth_refusal

    def set_client(self, client: GenClient) -> None:
        """Use a new API client (the user signed in again) and lift an auth pause."""
        self._client = client
        self._scheduler.resume_auth()

    def pause_auth(self, exc: APIStatusError) -> None:
        """GEN refused the key (401/403): pause every request until the user signs in again."""
        self._auth_refusal = exc
        self._scheduler.pause_auth(str(exc))

    def close(self) -> None:
        """Stop reporting pauses (the tracker is closed)."""
        self._scheduler.set_listener(None)

    def _on_pause_change(self, paused: bool, reason: str | None) -> None:
        self._events.job_event("tracker_paused" if paused else "tracker_resumed", None, reason)
