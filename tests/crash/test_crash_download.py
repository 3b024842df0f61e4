"""SIGKILL a download at 10 %, then the resuming process at 50 % and again at 99 %; the last
`genpro resume --wait` finishes it. Each iteration is one download killed three times.

The simulator's CDN sends the first part of the body and then holds (`faults.hold_body`), so
every kill lands exactly at its byte offset. Invariants: every resume asks for the rest with a
Range request starting where the `.part` file ended; the finished file is byte-identical to the
source (sha256); no `.part` is left; the render is never POSTed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import time
from collections.abc import Callable
from pathlib import Path

from crashkit import (
    CELLS,
    ENGINE,
    SAMPLE,
    SAMPLE_SHA256,
    Genpro,
    LoopReport,
    Running,
    file_size,
    range_starts,
    run_workers,
    wait_until,
)

from genpro_desktop.simulator import RENDER_DONE_S, faults

Lanes = Callable[[int], list[Genpro]]
ITERATIONS = 20
WORKERS = 2
KILL_AT = (0.10, 0.50, 0.99)
SIZE = len(SAMPLE)
MEDIA = r"^/cdn/outputs/"
BUFFER = io.DEFAULT_BUFFER_SIZE


def _completed_render(genpro: Genpro) -> str:
    """Render once and let `genpro status --wait` record it completed; returns the GEN id."""
    started = genpro.run("render", ENGINE, CELLS[0], "--json")
    assert started.code == 0, started.err
    gid = started.json_lines()[0]["generation_id"]
    genpro.clock.advance(RENDER_DONE_S + 1)
    done = genpro.run("status", gid, "--wait", "--json")
    assert done.code == 0, done.err
    assert genpro.newest("render")["state"] == "completed"
    return str(gid)


def _part(folder: Path) -> Path | None:
    parts = list(folder.glob(".*.part"))
    return parts[0] if parts else None


def _kill_at(genpro: Genpro, folder: Path, process: Running, name: str, offset: int) -> int:
    """Wait until `offset` bytes are in the `.part` file, SIGKILL, then end the held response."""
    sim = genpro.sim
    assert sim.faults.wait_held(name, timeout=30), f"the CDN request for {name} never came"

    def landed(at_least: int) -> Callable[[], bool]:
        def check() -> bool:
            part = _part(folder)
            return part is not None and file_size(part) >= at_least

        return check

    # The .part is a buffered file: up to one buffer of the bytes sent may still be in the
    # process's memory (a SIGKILL loses those, as a real crash would; resume starts from the
    # bytes on disk). Wait for the rest briefly, then kill anyway.
    wait_until(f"~{offset} bytes in the .part of {folder}", landed(offset - BUFFER))
    with contextlib.suppress(AssertionError):
        wait_until(f"{offset} bytes in the .part of {folder}", landed(offset), timeout=0.5)
    process.kill()
    sim.faults.release(name, drop=True)
    part = _part(folder)
    assert part is not None
    return file_size(part)


def test_kill_a_download_at_10_50_and_99_percent(lanes: Lanes, report: LoopReport):
    workers = lanes(WORKERS)
    started = time.monotonic()
    renders = [_completed_render(genpro) for genpro in workers]

    def iteration(worker: int, index: int) -> None:
        genpro = workers[worker]
        sim = genpro.sim
        folder = genpro.data_dir / f"videos-{index}"
        folder.mkdir()
        ranges_before = len(range_starts(sim))
        kept: list[int] = []
        for step, fraction in enumerate(KILL_AT):
            name = f"media-{index}-{step}"
            offset = int(SIZE * fraction)
            # The body of a resumed (206) answer starts at the bytes already kept.
            sim.faults.add("GET", MEDIA, faults.hold_body(name, offset - (kept[-1] if kept else 0)))
            if step == 0:
                process = genpro.start("download", renders[worker], f"{folder}/", "--json")
            else:
                process = genpro.start("resume", "--wait", "--json")
            kept.append(_kill_at(genpro, folder, process, name, offset))
            job = genpro.newest("download")
            assert job["state"] in ("queued", "downloading"), job
            assert job["part_path"]  # the resume point was on disk before the bytes were
            assert job["etag"]
            assert not any(folder.glob("*.mp4")), "a partial file reached the target name"
        finished = genpro.run("resume", "--wait", "--json")
        assert finished.code == 0, finished.err
        assert "Traceback" not in finished.err
        job = genpro.newest("download")
        assert job["state"] == "downloaded", job
        target = Path(job["target_path"])
        assert target.parent == folder
        assert hashlib.sha256(target.read_bytes()).hexdigest() == SAMPLE_SHA256
        assert job["sha256"] == SAMPLE_SHA256
        assert _part(folder) is None
        # Each resume asked for exactly the rest of what the killed process had kept.
        assert range_starts(sim)[ranges_before:] == kept, (kept, range_starts(sim))

    run_workers(WORKERS, ITERATIONS, iteration)
    for genpro in workers:
        assert genpro.sim.journal.count("POST", r"/render$") == 1
        report.posts += genpro.sim.journal.count("POST", r"/render$")
        report.processes += genpro.runs
    report.iterations = ITERATIONS
    report.seconds = time.monotonic() - started
    report.notes.append(f"kills at {KILL_AT} of {SIZE} bytes")
