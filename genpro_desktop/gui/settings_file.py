"""Where the desktop app's preferences and window layout are kept, and the two values the first
frame reads from them (the theme and the window's geometry).

Its own module, importing nothing but Qt, because the window is painted before the rest of the
app (and `gui/preferences.py`, which reads and writes everything else) is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from PySide6.QtCore import QByteArray, QSettings

Theme = Literal["system", "light", "dark"]
THEMES: tuple[Theme, ...] = get_args(Theme)
SETTINGS_FILE = "desktop.ini"
THEME_KEY = "appearance/theme"


def open_settings(config_dir: Path) -> QSettings:
    """The app's settings file in `config_dir` (read lazily; created when first written)."""
    return QSettings(str(config_dir / SETTINGS_FILE), QSettings.Format.IniFormat)


def saved_theme(settings: QSettings) -> Theme:
    """The theme chosen in Settings ("system" when unset or unreadable)."""
    value = settings.value(THEME_KEY)
    theme = value.strip() if isinstance(value, str) else ""
    return theme if theme in THEMES else "system"  # type: ignore[return-value]


def saved_layout(settings: QSettings, name: str) -> QByteArray | None:
    """A saved window geometry, window state or splitter state (None when there is none)."""
    value = settings.value(f"layout/{name}")
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None
