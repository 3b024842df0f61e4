"""The saved grid copies: written per account and agent, read back, never another's, never a
broken, old-format or stale one."""

from __future__ import annotations

import json
import os
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from genpro_desktop.core.grid_snapshot import (
    MAX_AGE,
    GridSnapshot,
    GridSnapshotStore,
    SnapshotCell,
    SnapshotColumn,
    SnapshotRow,
    snapshot_account,
)

URL = "https://api.gen.pro/v1"
SAVED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def snapshot(agent: str = "4711", account: str = URL, engine: str = "9101") -> GridSnapshot:
    columns = [
        SnapshotColumn("c1", "TEXT 1", "text", None),
        SnapshotColumn("c2", "FINAL VIDEO", "video", "final_video"),
    ]
    rows = [
        SnapshotRow(
            f"r{n}",
            f"f{n}",
            [
                SnapshotCell(f"t{n}", f"Hook {n}", f"Hook {n}, in full"),
                SnapshotCell(f"f{n}", "Rendered 2 h ago", "Take 1"),
            ],
        )
        for n in range(3)
    ]
    return GridSnapshot(account, agent, engine, "TikTok Montage", SAVED, columns, rows)


def test_a_saved_copy_reads_back_as_written(tmp_path: Path) -> None:
    store = GridSnapshotStore(tmp_path)
    path = store.save(snapshot())
    assert store.load(URL, "4711", now=SAVED) == snapshot()
    # No address and no key in the name or the contents: hashes only.
    assert "gen.pro" not in path.name
    assert "gen.pro" not in path.read_text(encoding="utf-8")
    if sys.platform != "win32":
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_another_agent_or_account_never_sees_the_copy(tmp_path: Path) -> None:
    store = GridSnapshotStore(tmp_path)
    store.save(snapshot(agent="4711"))
    assert store.load(URL, "999", now=SAVED) is None
    assert store.load("https://other.example/v1", "4711", now=SAVED) is None
    assert store.load("https://other.example/v1", None, now=SAVED) is None
    # A file of another account copied over this one's name is refused by the check inside.
    store.path_for("https://other.example/v1", "4711").write_bytes(
        store.path_for(URL, "4711").read_bytes()
    )
    assert store.load("https://other.example/v1", "4711", now=SAVED) is None


def test_without_an_agent_the_accounts_newest_copy(tmp_path: Path) -> None:
    store = GridSnapshotStore(tmp_path)
    older = store.save(snapshot(agent="1", account="demo", engine="9101"))
    os.utime(older, (1_000_000, 1_000_000))
    store.save(snapshot(agent="2", account="demo", engine="9102"))
    store.save(snapshot(agent="3", account=URL, engine="9103"))
    os.utime(store.path_for(URL, "3"), (2_000_000_000, 2_000_000_000))  # newer, other account
    found = store.load("demo", None, now=SAVED)
    assert found is not None
    assert (found.agent_id, found.engine_id) == ("2", "9102")


@pytest.mark.parametrize(
    "spoil",
    [
        lambda data: b"{not json",
        lambda data: b"",
        lambda data: json.dumps({**data, "format": 0}).encode(),  # an older format
        lambda data: json.dumps({**data, "format": 2}).encode(),  # a newer one
        lambda data: json.dumps({**data, "rows": [["r0", None, [["c", "x", "y"]]]]}).encode(),
        lambda data: json.dumps({**data, "columns": "TEXT"}).encode(),
        lambda data: json.dumps({**data, "saved_at": "yesterday"}).encode(),
        lambda data: json.dumps({**data, "saved_at": "2026-12-01T09:30:00"}).encode(),
        lambda data: json.dumps({**data, "agent_id": "999"}).encode(),
        lambda data: json.dumps([data]).encode(),
    ],
    ids=[
        "garbage",
        "empty",
        "old-format",
        "new-format",
        "cells-not-columns",
        "columns-not-a-list",
        "bad-time",
        "time-without-zone",
        "agent-swapped",
        "not-an-object",
    ],
)
def test_a_broken_or_foreign_format_file_is_ignored(tmp_path: Path, spoil: object) -> None:
    store = GridSnapshotStore(tmp_path)
    path = store.save(snapshot())
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_bytes(spoil(data))  # type: ignore[operator]
    assert store.load(URL, "4711", now=SAVED) is None
    assert store.load(URL, None, now=SAVED) is None


def test_a_copy_older_than_the_limit_is_not_shown(tmp_path: Path) -> None:
    store = GridSnapshotStore(tmp_path)
    store.save(snapshot())
    assert store.load(URL, "4711", now=SAVED + MAX_AGE - timedelta(minutes=1)) is not None
    assert store.load(URL, "4711", now=SAVED + MAX_AGE + timedelta(minutes=1)) is None


def test_clear_removes_every_copy(tmp_path: Path) -> None:
    store = GridSnapshotStore(tmp_path)
    store.save(snapshot(agent="1"))
    store.save(snapshot(agent="2"))
    store.clear()
    assert store.load(URL, "1", now=SAVED) is None
    assert list(store.folder.glob("*.json")) == []
    GridSnapshotStore(tmp_path / "never-written").clear()  # nothing there: no error


def test_the_demo_is_one_account_whatever_its_address() -> None:
    assert snapshot_account("http://127.0.0.1:41234", demo=True) == "demo"
    assert snapshot_account("https://api.gen.pro/v1/", demo=False) == "https://api.gen.pro/v1"
