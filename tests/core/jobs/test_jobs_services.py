"""The composition root: open_services takes the lock, resumes jobs, closes in reverse order."""

from __future__ import annotations

from pathlib import Path

import pytest
from jobs_harness import LinkedClock

from genpro_desktop.core.api import GenError
from genpro_desktop.core.jobs import RESTART_REASON, JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.paths import AppPaths
from genpro_desktop.core.services import build_services, open_services
from genpro_desktop.core.store import InstanceLock, InstanceLockedError, Store
from genpro_desktop.simulator import DEMO_API_KEY, Simulator


def _paths(root: Path) -> AppPaths:
    return AppPaths(
        data_dir=root / "data",
        cache_dir=root / "cache",
        log_dir=root / "log",
        downloads_dir=root / "downloads",
        config_dir=root / "config",
    )


async def test_open_services_resumes_jobs_under_the_instance_lock(
    sim: Simulator, linked_clock: LinkedClock, tmp_path: Path
):
    paths = _paths(tmp_path)
    seeded = Store.default(paths)
    now = linked_clock.wall()
    intent = LocalJob(
        id=new_job_id(),
        kind=JobKind.RENDER,
        state=JobState.SUBMITTING,
        agent_id="4711",
        created_at=now,
        updated_at=now,
        idempotency_key="k-open",
        engine_id="9101",
        cell_id="41005",
    )
    await seeded.record_intent(intent)
    await seeded.aclose()

    services = await open_services(
        paths, api_key=DEMO_API_KEY, base_url=sim.base_url, agent_id="4711", clock=linked_clock
    )
    try:
        assert services.lock is not None
        assert services.lock.held
        assert services.tracker.download_dir == paths.downloads_dir
        resumed = await services.tracker.get(intent.id)
        assert resumed.state is JobState.OUTCOME_UNKNOWN
        assert resumed.attention_reason == RESTART_REASON
        with pytest.raises(InstanceLockedError, match="already tracking jobs"):
            await open_services(paths, api_key=DEMO_API_KEY, base_url=sim.base_url)
        job = await services.tracker.submit_render("9101", "41005")
        assert (await services.tracker.wait(job.id)).state is JobState.COMPLETED
    finally:
        await services.aclose()
        await services.aclose()  # twice is harmless
    assert services.store.closed
    # The lock is free again.
    again = InstanceLock.default(paths)
    assert again.acquire()
    again.release()


async def test_open_services_without_the_lock_and_a_failed_open_releases_the_lock(
    sim: Simulator, tmp_path: Path
):
    paths = _paths(tmp_path)
    services = await open_services(
        paths, api_key=DEMO_API_KEY, base_url=sim.base_url, agent_id="4711", lock=False
    )
    assert services.lock is None
    await services.aclose()
    with pytest.raises(GenError, match="API key"):
        await open_services(paths, api_key="", base_url=sim.base_url)
    holder = InstanceLock.default(paths)
    assert holder.acquire()  # the failed open let go of the lock
    holder.release()


async def test_build_services_without_a_store_uses_a_throwaway_one(sim: Simulator):
    services = build_services(api_key=DEMO_API_KEY, base_url=sim.base_url, agent_id="4711")
    scratch = services.store.path
    await services.tracker.start()
    job = await services.tracker.adopt_generation("880001")
    assert (await services.tracker.wait(job.id)).state is JobState.COMPLETED
    await services.aclose()
    assert not scratch.exists()


async def test_services_own_the_render_watcher_and_the_cost_estimate(
    sim: Simulator, linked_clock: LinkedClock
):
    services = build_services(
        api_key=DEMO_API_KEY, base_url=sim.base_url, agent_id="4711", clock=linked_clock
    )
    await services.tracker.start()
    watcher = services.render_watcher
    watcher.set_engines(["9101"])
    await watcher.scan()
    elsewhere = str(sim.state.start_render_elsewhere(9101, 4))
    adopted = (await watcher.scan()).adopted
    assert [job.remote_id for job in adopted] == [elsewhere]
    assert (await services.tracker.wait(adopted[0].id)).state is JobState.COMPLETED
    assert (await services.render_costs.estimate()).source == "GEN's documented price"
    watcher.start()
    assert watcher.running
    await services.aclose()
    assert not watcher.running  # closed with the services
