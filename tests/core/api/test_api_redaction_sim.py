"""The API key never shows up: not in logs (httpx/httpcore at DEBUG), errors, reprs or URLs."""

from __future__ import annotations

import logging
import socket
from collections.abc import Awaitable, Iterator

import pytest
from api_helpers import MakeClient

from genpro_desktop.core.api import GenClient, GenError, PublishContent
from genpro_desktop.simulator import ENGINE_IDS, ManualClock, Simulator, faults

CANARY = "gen_pat_canary_7c1e9b0d44aa"
OTHER_CANARY = "gen_pat_canary_wrong_1f2e3d"
ENGINE = str(ENGINE_IDS[0])


@pytest.fixture
def canary_sim(sim_clock: ManualClock) -> Iterator[Simulator]:
    with Simulator(clock=sim_clock, api_key=CANARY) as simulator:
        yield simulator


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _collect(errors: list[BaseException], call: Awaitable[object]) -> None:
    try:
        await call
    except GenError as exc:
        errors.append(exc)


def _texts(error: BaseException) -> Iterator[str]:
    seen: BaseException | None = error
    while seen is not None:
        yield str(seen)
        yield repr(seen)
        yield repr(getattr(seen, "args", ()))
        seen = seen.__cause__ or seen.__context__


async def test_the_key_never_appears_anywhere(
    canary_sim: Simulator, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("httpx", "httpcore", "genpro_desktop.core.api"):
        caplog.set_level(logging.DEBUG, logger=name)
    sim = canary_sim
    client = make_client(sim.base_url, api_key=CANARY)
    errors: list[BaseException] = []

    # Happy paths, including a charged and a publish request.
    await client.me.get()
    await client.credit_balance()
    engine = await client.engines.get(ENGINE)
    cell = engine.final_video_cell(engine.spreadsheet_rows[0])
    assert cell is not None
    started = await client.renders.create(ENGINE, cell.id)
    await client.generations.get(started.generation_id)
    publish = PublishContent(media_url=f"{sim.cdn_base_url}/outputs/a.mp4", description="Hi")
    await client.user_jobs.create_publish(publish)

    # Error paths: every class the client raises.
    sim.faults.add(
        "GET", r"/v1/me$", faults.status(403, {"error": "No", "error_code": "forbidden"})
    )
    await _collect(errors, client.me.get())
    await _collect(errors, client.generations.get("404404"))
    sim.faults.add("GET", r"/v1/me$", faults.status(429, retry_after=3600))
    await _collect(errors, client.me.get())
    sim.faults.add("GET", r"/v1/me$", faults.status(503), times=4)
    await _collect(errors, client.me.get())
    sim.faults.add("GET", r"/v1/me$", faults.html())
    await _collect(errors, client.me.get())
    sim.faults.add("POST", r"/render$", faults.reset())
    await _collect(errors, client.renders.create(ENGINE, cell.id))
    sim.faults.add("POST", r"/render$", faults.apply_then_status(502))
    await _collect(errors, client.renders.create(ENGINE, cell.id))
    sim.faults.add("POST", r"/user_jobs$", faults.truncate())
    await _collect(errors, client.user_jobs.create_publish(publish))
    sim.state.set_balance(1)
    await _collect(errors, client.renders.create(ENGINE, cell.id))
    # GEN echoing the key back in an error text must not carry it into our message.
    echo = {"error": f"Key {CANARY} may not do this", "error_code": "validation_error"}
    sim.faults.add("GET", r"/v1/me$", faults.status(422, echo))
    await _collect(errors, client.me.get())
    await _collect(errors, make_client(sim.base_url, api_key=OTHER_CANARY).me.get())
    offline = make_client(f"http://127.0.0.1:{_closed_port()}/v1", api_key=CANARY)
    await _collect(errors, offline.renders.create(ENGINE, cell.id))
    await _collect(errors, make_client(sim.base_url, api_key=CANARY, agent_id=None).engines.list())

    # A library that did log headers would be scrubbed too.
    logging.getLogger("httpcore.http11").debug("headers=%r", [(b"X-API-Key", CANARY.encode())])
    logging.getLogger("httpx").debug("sent %s", CANARY)

    assert len(errors) == 13
    for error in errors:
        for text in _texts(error):
            assert CANARY not in text
            assert OTHER_CANARY not in text
    assert "********" in str(errors[9])
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    assert any(r.name == "httpx" for r in caplog.records)
    for record in caplog.records:
        assert CANARY not in record.getMessage()
        assert OTHER_CANARY not in record.getMessage()
    assert CANARY not in caplog.text
    assert OTHER_CANARY not in caplog.text
    for entry in sim.journal.requests:
        assert CANARY not in entry.path + repr(entry.query) + entry.body


async def test_the_key_is_not_in_the_clients_repr_or_its_resources(
    canary_sim: Simulator,
) -> None:
    async with GenClient(api_key=CANARY, base_url=canary_sim.base_url) as client:
        shown = [repr(client), str(client), repr(client.me), repr(client.renders)]
        assert all(CANARY not in text for text in shown)
