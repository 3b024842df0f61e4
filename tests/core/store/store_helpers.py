"""Shared constants and types for the store tests (a unique module name, unlike conftest)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from genpro_desktop.core.jobs.model import LocalJob

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

MakeJob = Callable[..., LocalJob]
