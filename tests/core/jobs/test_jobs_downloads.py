"""Download jobs: child of the render, verified, resumable, with one re-read for a fresh link."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from jobs_harness import Harness, LinkedClock

from genpro_desktop.core.jobs import JobEvent, JobKind, JobState, LocalJob, RenderOrigin
from genpro_desktop.core.resources import resource_path
from genpro_desktop.core.store import Store
from genpro_desktop.simulator import Simulator, faults

SAMPLE_SHA256 = hashlib.sha256(resource_path("sample/render.mp4").read_bytes()).hexdigest()
CDN = r"/cdn/outputs/"


async def _completed_render(harness: Harness, index: int = 0) -> LocalJob:
    job = await harness.submit(index, title="Launch clips · row 3")
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    return done


async def test_download_is_a_child_job_that_ends_with_a_verified_file(harness: Harness):
    render = await _completed_render(harness)
    queued = await harness.tracker.download(render.id)
    assert queued.kind is JobKind.DOWNLOAD
    assert queued.parent_id == render.id
    assert queued.state is JobState.QUEUED
    done = await harness.settle(queued.id)
    assert done.state is JobState.DOWNLOADED
    assert done.target_path is not None
    target = Path(done.target_path)
    assert target.parent == harness.download_dir
    assert target.name == f"Launch clips · row 3 - {render.remote_id}.mp4"
    assert done.sha256 == SAMPLE_SHA256
    assert harness.file_sha256(target) == SAMPLE_SHA256
    assert done.part_path is None
    assert not list(harness.download_dir.glob(".*.part"))
    states = [c.state for c in await harness.store.state_history(done.id)]
    assert states[0] is JobState.QUEUED
    assert states[-1] is JobState.DOWNLOADED
    assert JobState.DOWNLOADING in states
    assert any(e.type == "download_progress" for e in harness.events)
    # The render itself is untouched by its download.
    assert (await harness.tracker.get(render.id)).state is JobState.COMPLETED


async def test_download_to_a_chosen_file_never_overwrites(harness: Harness, tmp_path: Path):
    render = await _completed_render(harness)
    chosen = tmp_path / "mine.mp4"
    chosen.write_bytes(b"precious")
    done = await harness.settle((await harness.tracker.download(render.id, chosen)).id)
    assert done.state is JobState.DOWNLOADED
    assert chosen.read_bytes() == b"precious"
    assert done.target_path == str(tmp_path / "mine (2).mp4")


async def test_auto_download_queues_the_download_of_each_completed_render(
    sim: Simulator, store: Store, linked_clock: LinkedClock, tmp_path: Path
):
    built = Harness(sim, store, linked_clock, tmp_path / "auto", auto_download=True)
    await built.start()
    try:
        queued: asyncio.Future[LocalJob] = asyncio.get_running_loop().create_future()

        def on_event(event: JobEvent) -> None:
            if event.type == "job_added" and event.job and event.job.kind is JobKind.DOWNLOAD:
                queued.set_result(event.job)

        built.hub.subscribe(on_event)
        render = await built.submit(0)
        child = await asyncio.wait_for(queued, 10)
        assert child.parent_id == render.id
        done = await built.settle(child.id)
        assert done.state is JobState.DOWNLOADED
        assert done.sha256 == SAMPLE_SHA256
    finally:
        await built.aclose()


async def test_an_expired_link_re_reads_the_generation_once_for_a_fresh_one(harness: Harness):
    render = await _completed_render(harness)
    gets_before = harness.sim.journal.count("GET", r"/generations/")
    harness.sim.faults.add("GET", CDN, faults.expire_url())
    done = await harness.settle((await harness.tracker.download(render.id)).id)
    assert done.state is JobState.DOWNLOADED
    assert done.sha256 == SAMPLE_SHA256
    assert harness.sim.journal.count("GET", r"/generations/") == gets_before + 1
    assert done.output_url
    assert done.output_url.endswith("?v=2")
    parent = await harness.tracker.get(render.id)
    assert parent.state is JobState.COMPLETED
    assert parent.output_url == done.output_url


async def test_an_expired_link_without_a_fresh_one_fails_after_a_single_re_read(
    harness: Harness,
):
    render = await _completed_render(harness)
    gets_before = harness.sim.journal.count("GET", r"/generations/")
    harness.sim.faults.add("GET", CDN, faults.status(410), times=5)
    done = await harness.settle((await harness.tracker.download(render.id)).id)
    assert done.state is JobState.FAILED
    assert harness.sim.journal.count("GET", r"/generations/") == gets_before + 1  # no hammering
    assert harness.sim.journal.count("GET", CDN) == 2


async def test_a_web_page_instead_of_a_video_fails_with_nothing_at_the_target(harness: Harness):
    render = await _completed_render(harness)
    harness.sim.faults.add("GET", CDN, faults.html())
    done = await harness.settle((await harness.tracker.download(render.id)).id)
    assert done.state is JobState.FAILED
    assert done.failed_reason
    assert "web page instead of a video" in done.failed_reason
    assert not any(harness.download_dir.iterdir())
    assert (await harness.tracker.get(render.id)).state is JobState.COMPLETED


async def test_a_cut_connection_reconnects_by_itself_and_shows_it(harness: Harness):
    render = await _completed_render(harness)
    harness.sim.faults.add("GET", CDN, faults.cut(50_000), times=3)
    shown: list[str] = []
    harness.hub.subscribe(
        lambda e: (
            shown.append(e.progress.reconnect.describe())
            if e.progress is not None and e.progress.reconnect is not None
            else None
        )
    )
    done = await harness.settle((await harness.tracker.download(render.id)).id)
    assert done.state is JobState.DOWNLOADED
    assert done.sha256 == SAMPLE_SHA256
    assert done.target_path
    assert harness.file_sha256(done.target_path) == SAMPLE_SHA256
    ranged = [e.headers.get("Range") for e in harness.sim.journal.find("GET", CDN)]
    assert ranged == [None, "bytes=50000-", "bytes=100000-", "bytes=150000-"]
    assert shown == ["reconnecting, attempt 1 of 5"] * 3


async def test_a_cdn_that_keeps_cutting_fails_keeps_the_part_and_a_retry_resumes_with_range(
    harness: Harness,
):
    render = await _completed_render(harness)
    harness.sim.faults.add("GET", CDN, faults.cut(50_000))
    plan = harness.sim.faults.add("GET", CDN, faults.cut(0), times=100)
    failed = await harness.settle((await harness.tracker.download(render.id)).id)
    assert failed.state is JobState.FAILED
    assert failed.can_retry()
    assert failed.failed_reason
    assert "gave up after 5 reconnects in a row" in failed.failed_reason
    assert "retry to resume" in failed.failed_reason
    assert failed.part_path
    assert harness.file_size(failed.part_path) == 50_000
    assert plan.fired == 5
    harness.sim.faults.clear()
    retried = await harness.tracker.retry(failed.id)
    assert retried.id != failed.id
    assert retried.part_path == failed.part_path
    done = await harness.settle(retried.id)
    assert done.state is JobState.DOWNLOADED
    assert done.sha256 == SAMPLE_SHA256
    last = harness.sim.journal.last("GET", CDN)
    assert last.headers.get("Range", "") == "bytes=50000-"
    assert last.status == 206


async def test_stopping_a_download_keeps_the_part_for_a_later_resume(harness: Harness):
    render = await _completed_render(harness)
    harness.sim.faults.add("GET", CDN, faults.hold_body("body", 0.4))
    arrived = asyncio.Event()
    harness.hub.subscribe(
        lambda e: arrived.set() if e.progress is not None and e.progress.bytes > 0 else None
    )
    download = await harness.tracker.download(render.id)
    assert await harness.sim.faults.until_held("body")
    await asyncio.wait_for(arrived.wait(), 10)
    stopped = await harness.tracker.stop(download.id)
    harness.sim.faults.release("body", drop=True)
    assert stopped.state is JobState.STOPPED
    assert stopped.can_retry()
    resumed = await harness.tracker.retry(download.id)
    done = await harness.settle(resumed.id)
    assert done.state is JobState.DOWNLOADED
    assert done.sha256 == SAMPLE_SHA256


async def test_a_render_keeps_its_row_and_batch_and_its_download_the_row(harness: Harness):
    """What a render is of is stored with it (never sent to GEN) and survives the store;
    its download carries the engine and row so both are named alike in every list."""
    origin = RenderOrigin("Launch clips", 3, " Spring\n  drop:  new colours ", batch_id="b1")
    job = await harness.submit(0, title="Launch clips · row 3", origin=origin)
    render = await harness.settle(job.id)
    stored = await harness.store.get_job(render.id)
    assert stored is not None
    assert (stored.engine_title, stored.row_number, stored.row_text, stored.batch_id) == (
        "Launch clips",
        3,
        "Spring drop: new colours",
        "b1",
    )
    download = await harness.settle((await harness.tracker.download(render.id)).id)
    assert (download.engine_title, download.row_number, download.row_text) == (
        "Launch clips",
        3,
        "Spring drop: new colours",
    )
    assert download.batch_id is None  # the batch is the renders started together
