"""Fault matrix row 24 (reliability-anchors.md section 3): a slow network and latency spikes.

Real sockets to the simulator. Status reads are answered late (`faults.delay`, real time) and
the CDN trickles (`faults.slow`); the tracker's clock is fake, so the poll cadence costs nothing.
The client's read timeout is shortened (monkeypatched) so "times out at the configured timeout
and not earlier" can be measured in well under a second per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from jobs_harness import CountingTransport, Harness, LinkedClock

from genpro_desktop.core.api import _base_client
from genpro_desktop.core.jobs import JobEvent, JobState
from genpro_desktop.core.resources import resource_path
from genpro_desktop.core.store import Store
from genpro_desktop.simulator import Simulator, faults

GEN = r"/generations/\d+$"
CDN = r"/cdn/outputs/"
SAMPLE = resource_path("sample/render.mp4").read_bytes()
SAMPLE_SHA256 = hashlib.sha256(SAMPLE).hexdigest()
# The shortest cadence step the scheduler can pick (2 s - 20 %); anything shorter that the
# tracker's clock slept was the client backing off before a retry.
SHORTEST_POLL = 2.0 * 0.8


@contextlib.asynccontextmanager
async def timed_harness(
    sim: Simulator, store: Store, clock: LinkedClock, tmp_path: Path
) -> AsyncIterator[tuple[Harness, CountingTransport]]:
    """A harness whose client keeps its own timeouts and whose transport times each request
    (built after any monkeypatching, since the client reads READ_TIMEOUT when it is made)."""
    transport = CountingTransport()
    built = Harness(sim, store, clock, tmp_path / "dl", transport=transport)
    await built.start()
    try:
        yield built, transport
    finally:
        await built.aclose()
        await transport.aclose()


def _status_reads(transport: CountingTransport) -> list[float]:
    """Real seconds each status GET took, as the client saw it."""
    reads = [a for a in transport.attempts if a.method == "GET" and "/generations/" in a.path]
    return [a.seconds for a in reads]


async def test_row24_slow_status_reads_are_waited_for_one_get_per_poll(
    monkeypatch: pytest.MonkeyPatch,
    sim: Simulator,
    store: Store,
    linked_clock: LinkedClock,
    tmp_path: Path,
):
    monkeypatch.setattr(_base_client, "READ_TIMEOUT", 0.8)
    async with timed_harness(sim, store, linked_clock, tmp_path) as (harness, transport):
        sim.faults.add("GET", GEN, faults.delay(0.3), times=50)  # every status read is late
        sim.state.script_render(pending_s=2, done_s=30)  # several reads before it is done
        job = await harness.submit(0)
        assert (await harness.settle(job.id)).state is JobState.COMPLETED
        reads = _status_reads(transport)
        assert len(reads) >= 2
        assert all(seconds >= 0.3 for seconds in reads)  # they really were slow
        assert all(a.error is None for a in transport.attempts)  # none was given up
        # No spurious retries: one GET per poll, and every sleep was a cadence step.
        polls = linked_clock.sleeps
        assert all(slept >= SHORTEST_POLL for slept in polls)
        assert len(reads) == len(polls) == sim.journal.count("GET", GEN)
        assert [c.state for c in await store.state_history(job.id)][-1] is JobState.COMPLETED


async def test_row24_a_spike_past_the_read_timeout_is_cut_off_there_and_retried(
    monkeypatch: pytest.MonkeyPatch,
    sim: Simulator,
    store: Store,
    linked_clock: LinkedClock,
    tmp_path: Path,
):
    timeout = 0.6
    monkeypatch.setattr(_base_client, "READ_TIMEOUT", timeout)
    async with timed_harness(sim, store, linked_clock, tmp_path) as (harness, transport):
        sim.faults.add("GET", GEN, faults.delay(1.5))  # one spike, well past the timeout
        sim.faults.add("GET", GEN, faults.delay(0.25), times=50)  # then slow, but in time
        job = await harness.submit(0)
        assert (await harness.settle(job.id)).state is JobState.COMPLETED
        timed_out = [a for a in transport.attempts if a.error is not None]
        assert [a.error for a in timed_out] == [httpx.ReadTimeout]
        # Given up at the configured timeout: not before it, and without waiting for the answer.
        assert timeout <= timed_out[0].seconds < 1.5
        # Every answer slower than 0.25 s but inside the timeout was waited for.
        answered = [a for a in transport.attempts if a.error is None and a.method == "GET"]
        assert answered
        assert all(a.seconds >= 0.25 for a in answered)
        # Exactly one back-off (the client's retry of the cut-off read); the rest is cadence.
        backoffs = [slept for slept in linked_clock.sleeps if slept < SHORTEST_POLL]
        assert len(backoffs) == 1
        assert len(_status_reads(transport)) == len(linked_clock.sleeps) + 1 - len(backoffs)
        assert JobState.FAILED not in [c.state for c in await store.state_history(job.id)]


async def test_row24_a_trickling_cdn_finishes_with_steady_progress_and_no_retry(
    harness: Harness,
):
    render = await harness.submit(0)
    assert (await harness.settle(render.id)).state is JobState.COMPLETED
    sim = harness.sim
    sim.faults.add("GET", CDN, faults.slow(200_000))  # about 1.2 s for the sample
    arrivals: list[tuple[float, int]] = []
    download_id: list[str] = []

    def on_event(event: JobEvent) -> None:
        progress = event.progress
        job = event.job
        if event.type == "download_progress" and progress and job and job.id in download_id:
            arrivals.append((time.monotonic(), progress.bytes))

    harness.hub.subscribe(on_event)
    loop = asyncio.get_running_loop()
    lags: list[float] = []

    async def watch_the_loop() -> None:
        # Measures how late the loop wakes a 20 ms timer while the download runs (G4).
        while True:
            before = loop.time()
            await asyncio.sleep(0.02)
            lags.append(loop.time() - before - 0.02)

    watcher = asyncio.create_task(watch_the_loop())
    try:
        queued = await harness.tracker.download(render.id)
        download_id.append(queued.id)
        done = await harness.settle(queued.id)
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    assert done.state is JobState.DOWNLOADED
    assert done.sha256 == SAMPLE_SHA256
    # The journal records a streamed answer once the simulator has finished sending it.
    assert await asyncio.to_thread(sim.journal.wait_count, "GET", CDN, 1)
    cdn = sim.journal.find("GET", CDN)
    assert len(cdn) == 1  # slow is not broken: no reconnect, no Range
    assert "Range" not in cdn[0].headers
    # Progress kept coming the whole way, in order, ending at the full size.
    assert len(arrivals) >= 5
    sizes = [size for _, size in arrivals]
    assert sizes == sorted(sizes)
    assert sizes[-1] == len(SAMPLE)
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(arrivals)]
    assert max(gaps) < 0.5
    assert max(lags) < 0.25
