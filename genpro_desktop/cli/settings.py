"""The CLI's settings: default agent and saved engines per agent, kept in the local store.

They live in the same SQLite database as the job history (`core.store`: `settings` and
`saved_engines`), shared with the desktop app. Earlier versions of the CLI wrote them to
`<config dir>/cli-settings.json`; that file is imported once, then renamed to
`cli-settings.json.migrated`. `--demo` keeps settings in memory only. The API key is never here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

SETTINGS_FILE_NAME = "cli-settings.json"
MIGRATED_SUFFIX = ".migrated"
CORRUPT_SUFFIX = ".corrupt"
DEFAULT_AGENT_KEY = "default_agent_id"
MIGRATED_KEY = "cli_settings_json_migrated"
# The app's private folders are user-only (core.paths does the same for the folders it creates).
PRIVATE_DIR_MODE = 0o700


class SettingsBackend(Protocol):
    """The part of core.store.Store the settings use (a dict stands in for --demo)."""

    async def get_setting(self, key: str) -> Any | None: ...

    async def set_setting(self, key: str, value: Any) -> None: ...

    async def saved_engines(self, agent_id: str) -> list[str]: ...

    async def save_engine(self, agent_id: str, engine_id: str) -> None: ...

    async def forget_engine(self, agent_id: str, engine_id: str) -> None: ...


class MemorySettings:
    """Settings that vanish with the process (--demo must not change the real ones)."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._engines: dict[str, list[str]] = {}

    async def get_setting(self, key: str) -> Any | None:
        """The value, or None."""
        return self._values.get(key)

    async def set_setting(self, key: str, value: Any) -> None:
        """Set a value; None removes it."""
        if value is None:
            self._values.pop(key, None)
        else:
            self._values[key] = value

    async def saved_engines(self, agent_id: str) -> list[str]:
        """Engines saved for the agent, oldest first."""
        return list(self._engines.get(agent_id, []))

    async def save_engine(self, agent_id: str, engine_id: str) -> None:
        """Remember an engine (idempotent)."""
        saved = self._engines.setdefault(agent_id, [])
        if engine_id not in saved:
            saved.append(engine_id)

    async def forget_engine(self, agent_id: str, engine_id: str) -> None:
        """Forget an engine (idempotent)."""
        saved = self._engines.get(agent_id, [])
        if engine_id in saved:
            saved.remove(engine_id)


class Settings:
    """Default agent and saved engines, over the store (or memory in --demo)."""

    def __init__(self, backend: SettingsBackend) -> None:
        self.backend = backend

    async def default_agent(self) -> str | None:
        """The saved default agent id, or None."""
        value = await self.backend.get_setting(DEFAULT_AGENT_KEY)
        return str(value) if isinstance(value, str | int) and str(value) else None

    async def set_default_agent(self, agent_id: str | None) -> None:
        """Save (or, with None, forget) the default agent."""
        await self.backend.set_setting(DEFAULT_AGENT_KEY, agent_id)

    async def saved_engines(self, agent_id: str) -> list[str]:
        """Engine ids saved for an agent, in the order they were added."""
        return await self.backend.saved_engines(agent_id)

    async def add_engine(self, agent_id: str, engine_id: str) -> bool:
        """Remember an engine for an agent; False when it was already saved."""
        if engine_id in await self.backend.saved_engines(agent_id):
            return False
        await self.backend.save_engine(agent_id, engine_id)
        return True

    async def remove_engine(self, agent_id: str, engine_id: str) -> bool:
        """Forget an engine; False when it was not saved."""
        if engine_id not in await self.backend.saved_engines(agent_id):
            return False
        await self.backend.forget_engine(agent_id, engine_id)
        return True


def read_legacy_file(path: Path) -> tuple[str | None, dict[str, list[str]]]:
    """Parse an old cli-settings.json: (default agent, engines per agent); ValueError if bad."""
    data: object = json.loads(path.read_text("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("the settings file does not hold a JSON object")
    fields: dict[str, Any] = {str(k): v for k, v in data.items()}  # pyright: ignore[reportUnknownVariableType]
    default = fields.get("default_agent_id")
    engines: dict[str, list[str]] = {}
    raw_engines = fields.get("engines")
    if isinstance(raw_engines, dict):
        for agent, ids in raw_engines.items():  # pyright: ignore[reportUnknownVariableType]
            if isinstance(ids, list):
                engines[str(agent)] = [str(i) for i in ids if isinstance(i, str | int)]  # pyright: ignore[reportUnknownVariableType]
    agent = str(default) if isinstance(default, str | int) and str(default) else None
    return agent, engines


async def migrate_legacy_file(backend: SettingsBackend, config_dir: Path) -> str | None:
    """Import an old cli-settings.json into the store once; returns a warning to show, if any.

    Values already in the store win (the desktop app may have set them). The file is renamed to
    `*.migrated` (or `*.corrupt` when unreadable) so it is never imported twice.
    """
    path = config_dir / SETTINGS_FILE_NAME
    if not path.exists() or await backend.get_setting(MIGRATED_KEY):
        return None
    warning: str | None = None
    try:
        default, engines = read_legacy_file(path)
    except (OSError, ValueError) as exc:
        warning = f"ignoring unreadable settings file {path}: {exc}"
        _move_aside(path, path.with_name(path.name + CORRUPT_SUFFIX))
        await backend.set_setting(MIGRATED_KEY, True)
        return warning
    if default is not None and await backend.get_setting(DEFAULT_AGENT_KEY) is None:
        await backend.set_setting(DEFAULT_AGENT_KEY, default)
    for agent, ids in engines.items():
        for engine_id in ids:
            await backend.save_engine(agent, engine_id)
    await backend.set_setting(MIGRATED_KEY, True)
    _move_aside(path, path.with_name(path.name + MIGRATED_SUFFIX))
    return warning


def _move_aside(path: Path, target: Path) -> None:
    try:
        os.replace(path, target)
    except OSError:
        return  # the store remembers the import; a file we cannot rename is simply left
