"""The single-instance lock, in one process and across two (released when the holder dies)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from genpro_desktop.core.paths import AppPaths
from genpro_desktop.core.store import (
    LOCK_FILENAME,
    InstanceLock,
    InstanceLockedError,
    LockHolder,
)

HOLDER_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from genpro_desktop.core.store import InstanceLock

    lock = InstanceLock(Path(sys.argv[1]), program="genpro")
    if not lock.acquire():
        print("busy", flush=True)
        raise SystemExit(1)
    print("locked", flush=True)
    sys.stdin.readline()  # hold the lock until the test kills us
    """
)


@pytest.fixture
def lock_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / LOCK_FILENAME


def test_a_second_holder_is_refused_until_the_first_releases(lock_path: Path) -> None:
    first = InstanceLock(lock_path)
    second = InstanceLock(lock_path, program="genpro")
    assert first.acquire()
    assert first.acquire()  # already held: still True, no second level to release
    try:
        assert first.held
        assert not second.acquire()
        assert not second.held
        holder = second.holder_info()
        assert holder is not None
        assert (holder.pid, holder.program) == (os.getpid(), "genpro-desktop")
        assert holder.started_at is not None
    finally:
        first.release()
    first.release()  # twice is fine
    assert second.acquire()
    second.release()


def test_the_context_manager_names_the_holder(lock_path: Path) -> None:
    with InstanceLock(lock_path) as held:
        assert held.held
        with (
            pytest.raises(InstanceLockedError) as caught,
            InstanceLock(lock_path, program="genpro"),
        ):
            pass
        assert caught.value.holder == held.holder_info()
        assert str(caught.value).startswith(
            f"genpro-desktop (pid {os.getpid()}) is already tracking jobs"
        )
    assert not held.held
    assert not lock_path.with_name(LOCK_FILENAME + ".json").exists()  # note removed on release


def test_holder_info_without_a_readable_note_is_none(lock_path: Path) -> None:
    lock = InstanceLock(lock_path)
    assert lock.holder_info() is None
    note = lock_path.with_name(LOCK_FILENAME + ".json")
    lock_path.parent.mkdir(parents=True)
    for garbage in ("not json", "[1]", json.dumps({"pid": "12", "program": "x"})):
        note.write_text(garbage, encoding="utf-8")
        assert lock.holder_info() is None
    note.write_text(json.dumps({"pid": 12, "program": "genpro"}), encoding="utf-8")
    assert lock.holder_info() == LockHolder(pid=12, program="genpro", started_at=None)


def test_default_lock_lives_in_the_data_dir(tmp_path: Path) -> None:
    paths = AppPaths(
        data_dir=tmp_path / "data",
        cache_dir=tmp_path / "cache",
        log_dir=tmp_path / "logs",
        downloads_dir=tmp_path / "downloads",
        config_dir=tmp_path / "config",
    )
    assert InstanceLock.default(paths).path == tmp_path / "data" / LOCK_FILENAME


def test_the_lock_is_released_when_its_holder_process_is_killed(lock_path: Path) -> None:
    mine = InstanceLock(lock_path)
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER_SCRIPT, str(lock_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder_process:
        try:
            assert holder_process.stdout is not None
            assert holder_process.stdout.readline().strip() == "locked"
            assert not mine.acquire()
            holder = mine.holder_info()
            assert holder is not None
            assert (holder.pid, holder.program) == (holder_process.pid, "genpro")
            assert holder.describe() == f"genpro (pid {holder_process.pid})"
        finally:
            holder_process.kill()  # SIGKILL on POSIX: no chance to clean up
            holder_process.wait(timeout=60)
    try:
        assert mine.acquire()
        # The dead holder's note is replaced by ours.
        refreshed = InstanceLock(lock_path).holder_info()
        assert refreshed is not None
        assert refreshed.pid == os.getpid()
    finally:
        mine.release()
