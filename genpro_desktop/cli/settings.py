"""The CLI's small settings file: default agent and saved engines per agent.

Stored as JSON at `<data dir>/cli-settings.json`. It never holds the API key (that lives in the
OS keyring or GEN_API_KEY). Writes are atomic (temp file + os.replace) so a crash cannot leave
half a file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SETTINGS_FILE_NAME = "cli-settings.json"
# The app's private folders are user-only (core.paths does the same for the folders it creates).
PRIVATE_DIR_MODE = 0o700


@dataclass
class CliSettings:
    """Default agent id and engine ids saved per agent id."""

    default_agent_id: str | None = None
    engines: dict[str, list[str]] = field(default_factory=dict[str, list[str]])

    def saved_engines(self, agent_id: str) -> list[str]:
        """Engine ids saved for one agent, in the order they were added."""
        return list(self.engines.get(agent_id, []))

    def add_engine(self, agent_id: str, engine_id: str) -> bool:
        """Remember an engine for an agent; False when it was already saved."""
        saved = self.engines.setdefault(agent_id, [])
        if engine_id in saved:
            return False
        saved.append(engine_id)
        return True

    def remove_engine(self, agent_id: str, engine_id: str) -> bool:
        """Forget an engine; False when it was not saved."""
        saved = self.engines.get(agent_id, [])
        if engine_id not in saved:
            return False
        saved.remove(engine_id)
        if not saved:
            del self.engines[agent_id]
        return True

    def to_json(self) -> dict[str, Any]:
        """The on-disk shape."""
        return {"version": 1, "default_agent_id": self.default_agent_id, "engines": self.engines}

    @classmethod
    def from_json(cls, data: object) -> CliSettings:
        """Parse the on-disk shape, ignoring anything malformed rather than failing."""
        if not isinstance(data, dict):
            raise ValueError("the settings file does not hold a JSON object")
        default = data.get("default_agent_id")
        engines: dict[str, list[str]] = {}
        raw_engines = data.get("engines")
        if isinstance(raw_engines, dict):
            for agent, ids in raw_engines.items():
                if isinstance(ids, list):
                    engines[str(agent)] = [str(i) for i in ids if isinstance(i, str | int)]
        return cls(
            default_agent_id=str(default) if default not in (None, "") else None, engines=engines
        )


class SettingsStore:
    """Loads and saves CliSettings; `path=None` keeps them in memory only (used by --demo)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.warning: str | None = None
        self._corrupt = False
        self._cached: CliSettings | None = None

    def load(self) -> CliSettings:
        """Read the settings; a missing file is empty settings, a corrupt one warns and is empty."""
        if self._cached is not None:
            return self._cached
        settings = CliSettings()
        if self.path is not None and self.path.exists():
            try:
                settings = CliSettings.from_json(json.loads(self.path.read_text("utf-8")))
            except (OSError, ValueError) as exc:
                self.warning = f"ignoring unreadable settings file {self.path}: {exc}"
                self._corrupt = True
        self._cached = settings
        return settings

    def save(self, settings: CliSettings) -> None:
        """Write the settings atomically (a corrupt previous file is kept as *.corrupt)."""
        self._cached = settings
        if self.path is None:
            return
        self.path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        if self._corrupt and self.path.exists():
            os.replace(self.path, self.path.with_suffix(".json.corrupt"))
            self._corrupt = False
        text = json.dumps(settings.to_json(), indent=2, sort_keys=True) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=".cli-settings-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
