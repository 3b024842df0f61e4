"""Where presenters report what happened: the window's status line and error toasts."""

from __future__ import annotations

from typing import Protocol


class StatusLine(Protocol):
    """A one-line status and non-modal errors (the main window is one)."""

    def show_status(self, text: str, *, error: bool = False) -> None:
        """A one-line message; errors stay until replaced."""
        ...

    def show_error(self, text: str, details: str | None = None) -> None:
        """An error the user sees without a modal dialog."""
        ...
