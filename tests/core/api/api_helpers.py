"""Helpers for the GEN client tests (a plain module: importing conftest would be ambiguous)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from genpro_desktop.core.api import GenClient
from genpro_desktop.simulator import JournalEntry

MakeClient = Callable[..., GenClient]


def header(entry: JournalEntry, name: str) -> str | None:
    """A request header from the journal, looked up case-insensitively."""
    return _ci(entry.headers, name)


def _ci(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)
