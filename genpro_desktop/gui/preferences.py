"""The desktop app's preferences and window layout, kept with QSettings. Never the API key.

The settings file lives in the app's config folder (`core.paths`), so `GENPRO_DATA_DIR` isolates
it like every other piece of local state. Values are validated on the way in and on the way out:
a hand-edited file can never make the app use an unsafe base URL or a non-existent theme.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

from PySide6.QtCore import QByteArray

from genpro_desktop.core.api import DEFAULT_BASE_URL, PathPrefix
from genpro_desktop.core.jobs.view import JobFilter, KindFilter, StatusFilter
from genpro_desktop.core.paths import AppPaths
from genpro_desktop.gui.settings_file import (
    SETTINGS_FILE,
    THEME_KEY,
    THEMES,
    Theme,
    open_settings,
    saved_layout,
    saved_theme,
)

__all__ = [
    "PATH_PREFIXES",
    "SETTINGS_FILE",
    "THEMES",
    "JobsViewState",
    "LastView",
    "PreferenceStore",
    "Preferences",
    "Theme",
    "check_base_url",
]

PATH_PREFIXES: tuple[PathPrefix, ...] = get_args(PathPrefix)

# Words that must never appear in a settings key: the key lives in the OS keyring only.
_SECRET_WORDS = ("api_key", "apikey", "token", "secret", "password")


@dataclass(frozen=True)
class Preferences:
    """What the Settings dialog edits."""

    download_dir: Path
    auto_download: bool = False
    path_prefix: PathPrefix = "auto"
    base_url: str = DEFAULT_BASE_URL
    theme: Theme = "system"
    # Render spending, in credits; 0 is off (no limit / always ask before a single render).
    batch_limit: float = 0.0
    daily_limit: float = 0.0
    confirm_below: float = 0.0


@dataclass(frozen=True)
class LastView:
    """Where the user was when the app closed, restored at the next start: the agent's engine,
    the grid's top and selected rows, and the selected job."""

    agent_id: str | None = None
    engine_id: str | None = None
    top_row_id: str | None = None
    selected_row_id: str | None = None
    job_id: str | None = None


_VIEW_KEYS = ("agent_id", "engine_id", "top_row_id", "selected_row_id", "job_id")


@dataclass(frozen=True)
class JobsViewState:
    """What the Jobs queue shows (its filter and search) and how (compact rows or not)."""

    job_filter: JobFilter = field(default_factory=JobFilter)
    compact: bool = False


def check_base_url(text: str) -> str | None:
    """Why `text` cannot be the API base URL (https, or http on loopback only), or None if fine."""
    from genpro_desktop.core.api import validate_base_url  # imports httpx: not at start-up

    try:
        validate_base_url(text.strip())
    except ValueError as exc:  # UnsafeURLError is a ValueError
        return str(exc)
    return None


class PreferenceStore:
    """Reads and writes `Preferences` and the window layout in one QSettings INI file."""

    def __init__(self, paths: AppPaths) -> None:
        self._paths = paths
        self._settings = open_settings(paths.config_dir)
        # In the demo: the chosen workspace/agent, kept in memory (None: in the file).
        self._account: dict[str, str | None] | None = None
        # In the demo: caption templates of the simulator's engines, in memory only.
        self._captions: dict[str, str] | None = None

    def demo_view(self) -> PreferenceStore:
        """This store for a demo session: the same preferences and layout, but the demo's
        workspace and agent are remembered in memory only, never in the user's settings."""
        view = copy.copy(self)
        view._account = {}
        view._captions = {}
        return view

    def load(self) -> Preferences:
        """The saved preferences, with defaults for anything missing or invalid."""
        s = self._settings
        download_dir = _text(s.value("downloads/folder")) or str(self._paths.downloads_dir)
        prefix = _text(s.value("api/path_prefix"))
        base_url = _text(s.value("api/base_url")) or DEFAULT_BASE_URL
        # The default is valid; checking it would import httpx before the window is painted.
        if base_url != DEFAULT_BASE_URL and check_base_url(base_url) is not None:
            base_url = DEFAULT_BASE_URL
        return Preferences(
            download_dir=Path(download_dir).expanduser(),
            auto_download=_flag(s.value("downloads/auto_download")),
            path_prefix=prefix if prefix in PATH_PREFIXES else "auto",  # type: ignore[arg-type]
            base_url=base_url,
            theme=saved_theme(s),
            batch_limit=_credits(s.value("renders/batch_limit")),
            daily_limit=_credits(s.value("renders/daily_limit")),
            confirm_below=_credits(s.value("renders/confirm_below")),
        )

    def save(self, prefs: Preferences) -> None:
        """Store `prefs` (the base URL must already be valid)."""
        problem = check_base_url(prefs.base_url)
        if problem is not None:
            raise ValueError(problem)
        self._set("downloads/folder", str(prefs.download_dir))
        self._set("downloads/auto_download", prefs.auto_download)
        self._set("api/path_prefix", prefs.path_prefix)
        self._set("api/base_url", prefs.base_url.strip())
        self._set(THEME_KEY, prefs.theme)
        self._set("renders/batch_limit", prefs.batch_limit)
        self._set("renders/daily_limit", prefs.daily_limit)
        self._set("renders/confirm_below", prefs.confirm_below)
        self._settings.sync()

    def last_agent(self) -> tuple[str | None, str | None]:
        """The workspace and agent chosen last time."""
        if self._account is not None:
            return self._account.get("workspace_id"), self._account.get("agent_id")
        return (
            _text(self._settings.value("account/workspace_id")) or None,
            _text(self._settings.value("account/agent_id")) or None,
        )

    def remember_agent(self, workspace_id: str | None, agent_id: str | None) -> None:
        """Remember the chosen workspace and agent for the next start."""
        if self._account is not None:
            self._account.update(workspace_id=workspace_id, agent_id=agent_id)
            return
        self._set("account/workspace_id", workspace_id or "")
        self._set("account/agent_id", agent_id or "")

    def last_view(self) -> LastView:
        """Where the user was when the app last closed (the demo's is never kept)."""
        if self._account is not None:
            return LastView()
        values = {key: _text(self._settings.value(f"view/{key}")) or None for key in _VIEW_KEYS}
        return LastView(**values)

    def remember_view(self, view: LastView) -> None:
        """Remember where the user is, for the next start (not in the demo)."""
        if self._account is not None:
            return
        for key in _VIEW_KEYS:
            self._set(f"view/{key}", getattr(view, key) or "")

    def jobs_view(self) -> JobsViewState:
        """The Jobs queue's filter and row mode from last time (anything unreadable: all jobs)."""
        s = self._settings
        status = _text(s.value("jobs/status"))
        kind = _text(s.value("jobs/kind"))
        return JobsViewState(
            JobFilter(
                status=StatusFilter(status) if status in set(StatusFilter) else StatusFilter.ALL,
                kind=KindFilter(kind) if kind in set(KindFilter) else KindFilter.ALL,
                engine_id=_text(s.value("jobs/engine")) or None,
                text=_text(s.value("jobs/search")),
            ),
            compact=_flag(s.value("jobs/compact")),
        )

    def remember_jobs_view(self, state: JobsViewState) -> None:
        """Keep the Jobs queue's filter and row mode for the next start."""
        f = state.job_filter
        self._set("jobs/status", f.status.value)
        self._set("jobs/kind", f.kind.value)
        self._set("jobs/engine", f.engine_id or "")
        self._set("jobs/search", f.text)
        self._set("jobs/compact", state.compact)

    def layout(self, name: str) -> QByteArray | None:
        """A saved window geometry, window state or splitter state."""
        return saved_layout(self._settings, name)

    def save_layout(self, name: str, state: QByteArray) -> None:
        """Save a window geometry, window state or splitter state."""
        self._set(f"layout/{name}", state)

    def caption_template(self, engine_id: str) -> str | None:
        """The caption template saved for an engine (None: never saved)."""
        if self._captions is not None:
            return self._captions.get(engine_id)
        return _text(self._settings.value(f"captions/{engine_id}")) or None

    def save_caption_template(self, engine_id: str, template: str) -> None:
        """Keep `template` as the engine's caption template."""
        if self._captions is not None:
            self._captions[engine_id] = template
            return
        self._set(f"captions/{engine_id}", template)
        self._settings.sync()

    def sync(self) -> None:
        """Write pending changes to disk."""
        self._settings.sync()

    def _set(self, key: str, value: object) -> None:
        if any(word in key.lower() for word in _SECRET_WORDS):
            raise ValueError(f"refusing to keep {key!r} in the settings file")
        self._settings.setValue(key, value)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _credits(value: object) -> float:
    """A saved credit figure; anything unreadable or negative is 0 (off)."""
    try:
        number = float(str(value)) if value is not None else 0.0
    except ValueError:
        return 0.0
    return number if number > 0 and number == number and number != float("inf") else 0.0


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in {"true", "1", "yes"}
