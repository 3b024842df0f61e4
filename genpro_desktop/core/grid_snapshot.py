"""A saved copy of the last engine grid an account looked at, drawn at start-up before GEN answers.

The desktop app needs the network, the GEN client, the store and the tracker before it can show
an engine, which takes a second or more after the window appears. So each time an engine is
opened (and when the app quits) the grid's texts are saved here, one file per account and agent
(the API base URL, or "demo", plus the agent id), in the app's cache folder. At the next start the
app draws that copy at once, marked as a saved copy that is being refreshed, and GEN's answer
replaces it.

What a file holds: the engine's id and title, its columns, and every cell's shown text and
tooltip (the final-video cells' words included), plus when it was saved. No API key, no URL:
the account and agent appear only as hashes (the file name and a check inside). A file that is
unreadable, of another format, too old, too large or of another account is ignored, never
trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SNAPSHOT_FORMAT = 1
SNAPSHOT_DIR = "grids"
MAX_AGE = timedelta(days=30)
"""A copy older than this is not shown (and is deleted when next written)."""
MAX_BYTES = 32 * 1024 * 1024
DEMO_ACCOUNT = "demo"
"""The demo's account name: its simulator's address changes at every start."""


def snapshot_account(base_url: str, *, demo: bool) -> str:
    """Whose copy it is: the API base URL, or "demo" (its address changes at every start)."""
    return DEMO_ACCOUNT if demo else base_url.strip().rstrip("/")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class SnapshotColumn:
    """A column header as the grid had it."""

    column_id: str
    title: str
    type: str
    role: str | None


@dataclass(frozen=True)
class SnapshotCell:
    """One cell: its id, the text it showed and its tooltip."""

    cell_id: str | None
    text: str
    tooltip: str


@dataclass(frozen=True)
class SnapshotRow:
    """One row: its id, its final-video cell's id, its cells in column order."""

    row_id: str
    final_video_cell_id: str | None
    cells: list[SnapshotCell]


@dataclass(frozen=True)
class GridSnapshot:
    """What the grid showed for one engine of one account and agent, and when."""

    account: str
    agent_id: str
    engine_id: str
    title: str
    saved_at: datetime
    columns: list[SnapshotColumn]
    rows: list[SnapshotRow]

    def to_json(self) -> dict[str, Any]:
        """The file's contents (the account as a hash only)."""
        return {
            "format": SNAPSHOT_FORMAT,
            "account": _digest(self.account),
            "agent": _digest(self.agent_id),
            "agent_id": self.agent_id,
            "engine_id": self.engine_id,
            "title": self.title,
            "saved_at": self.saved_at.isoformat(),
            "columns": [[c.column_id, c.title, c.type, c.role] for c in self.columns],
            "rows": [
                [
                    r.row_id,
                    r.final_video_cell_id,
                    [[cell.cell_id, cell.text, cell.tooltip] for cell in r.cells],
                ]
                for r in self.rows
            ],
        }


class SnapshotError(ValueError):
    """A snapshot file that cannot be used."""


def _required(value: object) -> str:
    if not isinstance(value, str):
        raise SnapshotError(f"expected text, got {type(value).__name__}")
    return value


def _optional(value: object) -> str | None:
    return None if value is None else _required(value)


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise SnapshotError(f"expected a list, got {type(value).__name__}")
    return value  # pyright: ignore[reportUnknownVariableType]


def decode_snapshot(data: object, account: str) -> GridSnapshot:
    """A snapshot from a file's JSON; SnapshotError when it is not a usable copy for `account`."""
    if not isinstance(data, dict):
        raise SnapshotError("not an object")
    raw: dict[str, Any] = data  # pyright: ignore[reportUnknownVariableType]
    if raw.get("format") != SNAPSHOT_FORMAT:
        raise SnapshotError(f"format {raw.get('format')!r}, expected {SNAPSHOT_FORMAT}")
    if raw.get("account") != _digest(account):
        raise SnapshotError("another account's copy")
    agent_id = _required(raw.get("agent_id"))
    if raw.get("agent") != _digest(agent_id):
        raise SnapshotError("agent does not match")
    try:
        saved_at = datetime.fromisoformat(_required(raw.get("saved_at")))
    except ValueError as exc:
        raise SnapshotError(f"bad time: {exc}") from None
    if saved_at.tzinfo is None:
        raise SnapshotError("time without a zone")
    columns = [
        SnapshotColumn(_required(c[0]), _required(c[1]), _required(c[2]), _optional(c[3]))
        for c in map(_list, _list(raw.get("columns")))
    ]
    rows: list[SnapshotRow] = []
    for row in map(_list, _list(raw.get("rows"))):
        cells = [
            SnapshotCell(_optional(c[0]), _required(c[1]), _required(c[2]))
            for c in map(_list, _list(row[2]))
        ]
        if len(cells) != len(columns):
            raise SnapshotError("a row's cells do not match the columns")
        rows.append(SnapshotRow(_required(row[0]), _optional(row[1]), cells))
    return GridSnapshot(
        account=account,
        agent_id=agent_id,
        engine_id=_required(raw.get("engine_id")),
        title=_required(raw.get("title")),
        saved_at=saved_at,
        columns=columns,
        rows=rows,
    )


class GridSnapshotStore:
    """The saved grids in `<cache>/grids/`, one file per account and agent."""

    def __init__(self, cache_dir: Path) -> None:
        self.folder = cache_dir / SNAPSHOT_DIR

    def path_for(self, account: str, agent_id: str) -> Path:
        """The file of one account's agent (hashes only: no URL in the name)."""
        return self.folder / f"{_digest(account)}-{_digest(agent_id)}.json"

    def load(
        self, account: str, agent_id: str | None, *, now: datetime | None = None
    ) -> GridSnapshot | None:
        """The saved grid of `agent_id` (None: the account's newest), or None when there is no
        usable one (missing, unreadable, other format, other account, older than MAX_AGE)."""
        if agent_id is not None:
            candidates = [self.path_for(account, agent_id)]
        else:
            prefix = f"{_digest(account)}-"
            try:
                found = [p for p in self.folder.glob(f"{prefix}*.json") if p.is_file()]
            except OSError:
                return None
            candidates = sorted(found, key=_mtime, reverse=True)[:1]
        for path in candidates:
            snapshot = self._read(path, account)
            if snapshot is None:
                continue
            if agent_id is not None and snapshot.agent_id != agent_id:
                continue
            if (now or datetime.now(UTC)) - snapshot.saved_at > MAX_AGE:
                continue
            return snapshot
        return None

    def _read(self, path: Path, account: str) -> GridSnapshot | None:
        try:
            with path.open("rb") as file:
                raw = file.read(MAX_BYTES + 1)
        except OSError:
            return None
        if len(raw) > MAX_BYTES:
            return None
        try:
            return decode_snapshot(json.loads(raw), account)
        except (ValueError, IndexError, TypeError) as exc:  # JSONDecodeError is a ValueError
            log.info("ignoring the saved grid %s: %s", path.name, exc)
            return None

    def save(self, snapshot: GridSnapshot) -> Path:
        """Write the copy atomically (user-only permissions); returns its path."""
        import tempfile  # not needed to read a copy at start-up

        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = self.path_for(snapshot.account, snapshot.agent_id)
        data = json.dumps(snapshot.to_json(), ensure_ascii=False, separators=(",", ":"))
        fd, temp = tempfile.mkstemp(prefix=".grid-", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(data)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        return target

    def clear(self) -> None:
        """Delete every saved grid (signing out)."""
        try:
            paths = list(self.folder.glob("*.json"))
        except OSError:
            return
        for path in paths:
            with contextlib.suppress(OSError):
                path.unlink()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
