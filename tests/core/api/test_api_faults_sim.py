"""GenClient failure handling over real sockets: error classes, retries and outcome-unknown."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime

import pytest
from api_helpers import MakeClient, header

from genpro_desktop.core.api import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    Engine,
    GenClient,
    InsufficientCreditsError,
    InvalidResponseError,
    JobStatus,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    PrefixMemory,
    PublishContent,
    RateLimitedError,
    ServerError,
    UnprocessableError,
    _base_client,
)
from genpro_desktop.core.clock import FakeClock
from genpro_desktop.simulator import DEMO_API_KEY, ENGINE_IDS, ManualClock, Simulator, faults

ENGINE = str(ENGINE_IDS[0])
RENDER = r"/render$"


def _final_cell_id(sim: Simulator) -> str:
    engine = Engine.model_validate(sim.state.engine("4711", ENGINE).body)
    cell = engine.final_video_cell(engine.spreadsheet_rows[0])
    assert cell is not None
    return cell.id


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- reads: definitive errors are not retried --------------------------------------------


async def test_a_wrong_key_is_an_authentication_error(
    sim: Simulator, make_client: MakeClient, fake_clock: FakeClock
) -> None:
    client = make_client(sim.base_url, api_key="gen_pat_wrong_key_1234")
    with pytest.raises(AuthenticationError) as info:
        await client.me.get()
    assert "unauthorized" in str(info.value)
    assert "HTTP 401" in str(info.value)
    assert "gen_pat_wrong_key_1234" not in str(info.value)
    assert len(sim.journal) == 1
    assert fake_clock.sleeps == []


@pytest.mark.parametrize(
    ("code", "body", "cls"),
    [
        (401, {"error": "Token revoked", "error_code": "unauthorized"}, AuthenticationError),
        (403, {"error": "Role too low", "error_code": "permission_denied"}, PermissionDeniedError),
        (404, {"error": "Missing", "error_code": "not_found"}, NotFoundError),
        (422, {"error": "Bad agent", "error_code": "agent_not_found"}, UnprocessableError),
        (400, "<html>Bad request</html>", APIStatusError),
    ],
)
async def test_definitive_statuses_are_raised_after_one_request(
    client: GenClient,
    sim: Simulator,
    fake_clock: FakeClock,
    code: int,
    body: object,
    cls: type[APIStatusError],
) -> None:
    sim.faults.add("GET", r"/v1/me$", faults.status(code, body), times=5)
    with pytest.raises(cls) as info:
        await client.me.get()
    assert info.value.status_code == code
    if isinstance(body, dict):
        assert body["error"] in str(info.value)
        assert body["error_code"] in str(info.value)
    assert sim.journal.count("GET", r"/v1/me$") == 1
    assert fake_clock.sleeps == []


async def test_an_unknown_generation_is_not_found(client: GenClient, sim: Simulator) -> None:
    with pytest.raises(NotFoundError) as info:
        await client.generations.get("123")
    assert not info.value.route_level
    assert str(info.value) == "GEN could not find it: Generation not found (not_found, HTTP 404)"


async def test_reads_need_usable_credit(client: GenClient, sim: Simulator) -> None:
    sim.state.usable_credit = False
    with pytest.raises(InsufficientCreditsError) as info:
        await client.engines.list()
    assert info.value.error_code == "usable_gen_credit_required"
    assert len(sim.journal) == 1  # GEN's own error proves the route: no prefix fallback


# -- reads: transient failures are retried -------------------------------------------------


async def test_retry_after_seconds_is_honoured(
    client: GenClient, sim: Simulator, fake_clock: FakeClock
) -> None:
    sim.faults.add("GET", r"/v1/me$", faults.status(429, retry_after=7))
    assert (await client.me.get()).id
    assert fake_clock.sleeps == [7.0]
    assert sim.journal.count("GET", r"/v1/me$") == 2


async def test_retry_after_http_date_is_measured_against_the_servers_date(
    client: GenClient, sim: Simulator, fake_clock: FakeClock
) -> None:
    server_now = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)  # far from the client's wall clock
    headers = {
        "Date": format_datetime(server_now, usegmt=True),
        "Retry-After": format_datetime(server_now + timedelta(seconds=12), usegmt=True),
    }
    sim.faults.add("GET", r"/v1/me$", faults.status(503, headers=headers))
    assert (await client.me.get()).id
    assert fake_clock.sleeps == [12.0]


async def test_a_long_retry_after_is_not_waited_out(
    client: GenClient, sim: Simulator, fake_clock: FakeClock
) -> None:
    sim.faults.add("GET", r"/v1/me$", faults.status(429, retry_after=3600), times=5)
    with pytest.raises(RateLimitedError) as info:
        await client.me.get()
    assert info.value.retry_after == 3600
    assert "try again in 3600 s" in str(info.value)
    assert fake_clock.sleeps == []
    assert len(sim.journal) == 1


async def test_a_malformed_retry_after_falls_back_to_jittered_backoff(
    client: GenClient, sim: Simulator, fake_clock: FakeClock
) -> None:
    sim.faults.add("GET", r"/v1/me$", faults.status(429, retry_after="soon-ish"))
    assert (await client.me.get()).id
    assert len(fake_clock.sleeps) == 1
    assert 0 <= fake_clock.sleeps[0] <= 1.0


async def test_server_errors_are_retried_four_times_with_full_jitter(
    client: GenClient, sim: Simulator, fake_clock: FakeClock
) -> None:
    sim.faults.add("GET", r"/generations/", faults.status(503), times=10)
    with pytest.raises(ServerError) as info:
        await client.generations.get("1")
    assert info.value.status_code == 503
    assert sim.journal.count("GET", r"/generations/") == 4
    assert len(fake_clock.sleeps) == 3
    for attempt, slept in enumerate(fake_clock.sleeps, start=1):
        assert 0 <= slept <= 0.5 * 2 ** (attempt - 1)


@pytest.mark.parametrize(
    "action",
    [
        faults.status(502),
        faults.status(504),
        faults.status(408),
        faults.status(500, "<html>oops</html>"),
        faults.reset(),
        faults.truncate(),
    ],
    ids=lambda a: a.describe(),
)
async def test_transient_read_failures_recover(
    client: GenClient, sim: Simulator, fake_clock: FakeClock, action: faults.FaultAction
) -> None:
    sim.faults.add("GET", r"/v1/me$", action, times=2)
    assert (await client.me.get()).id
    assert sim.journal.count("GET", r"/v1/me$") == 3
    assert len(fake_clock.sleeps) == 2


@pytest.mark.parametrize(
    ("action", "words"),
    [(faults.html(), "not valid JSON (text/html"), (faults.malformed_json(), "not valid JSON")],
    ids=["html", "malformed"],
)
async def test_a_2xx_that_is_not_json_is_an_invalid_response(
    client: GenClient, sim: Simulator, action: faults.FaultAction, words: str
) -> None:
    sim.faults.add("GET", r"/v1/me$", action)
    with pytest.raises(InvalidResponseError) as info:
        await client.me.get()
    assert words in str(info.value)
    assert info.value.status_code == 200
    assert len(sim.journal) == 1


async def test_a_2xx_of_the_wrong_shape_is_an_invalid_response(
    client: GenClient, sim: Simulator
) -> None:
    sim.faults.add("GET", r"/v1/me$", faults.status(200, {"name": "no id"}))
    with pytest.raises(InvalidResponseError, match="expected shape: id"):
        await client.me.get()


async def test_an_oversized_body_is_refused(client: GenClient, sim: Simulator) -> None:
    sim.faults.add("GET", r"/v1/me$", faults.status(200, '"' + "x" * (5 * 1024 * 1024) + '"'))
    with pytest.raises(InvalidResponseError, match="larger than 5 MB"):
        await client.me.get()


async def test_redirects_are_not_followed(
    client: GenClient, sim: Simulator, sim_clock: ManualClock
) -> None:
    with Simulator(clock=sim_clock) as elsewhere:
        location = f"{elsewhere.base_url}/me"
        sim.faults.add("GET", r"/v1/me$", faults.status(302, headers={"Location": location}))
        with pytest.raises(APIStatusError) as info:
            await client.me.get()
        assert info.value.status_code == 302
        assert "redirect" in str(info.value)
        assert len(elsewhere.journal) == 0
    assert len(sim.journal) == 1


async def test_a_refused_connection_is_an_api_connection_error(
    make_client: MakeClient, fake_clock: FakeClock
) -> None:
    client = make_client(f"http://127.0.0.1:{_free_port()}/v1")
    with pytest.raises(APIConnectionError) as info:
        await client.me.get()
    assert not info.value.maybe_sent
    assert isinstance(info.value.__cause__, Exception)
    assert "Could not connect to GEN" in str(info.value)
    assert len(fake_clock.sleeps) == 3


# -- charged, publish and action requests: never resent once they may have left -----------


@pytest.mark.parametrize(
    "action",
    [
        faults.status(502),
        faults.status(500, "<html>Internal error</html>"),
        faults.apply_then_status(502),
        faults.apply_then_status(503),
        faults.reset(),
        faults.truncate(),
        faults.html(apply=True),
        faults.malformed_json(apply=True),
    ],
    ids=lambda a: a.describe(),
)
async def test_a_render_that_may_have_been_applied_is_outcome_unknown(
    client: GenClient, sim: Simulator, fake_clock: FakeClock, action: faults.FaultAction
) -> None:
    cell_id = _final_cell_id(sim)
    sim.faults.add("POST", RENDER, action, times=5)
    with pytest.raises(OutcomeUnknownError) as info:
        await client.renders.create(ENGINE, cell_id, idempotency_key="intent-7")
    error = info.value
    assert sim.journal.count("POST", RENDER) == 1
    assert fake_clock.sleeps == []
    assert error.idempotency_key == "intent-7"
    assert error.method == "POST"
    assert error.path.endswith("/render")
    assert error.__cause__ is not None
    assert "intent-7" in str(error)
    assert "charged" in str(error)
    assert header(sim.journal.last("POST", RENDER), "Idempotency-Key") == "intent-7"


async def test_a_confirmed_retry_with_the_same_key_is_not_charged_twice(
    client: GenClient, sim: Simulator
) -> None:
    cell_id = _final_cell_id(sim)
    sim.faults.add("POST", RENDER, faults.apply_then_status(502))
    with pytest.raises(OutcomeUnknownError) as info:
        await client.renders.create(ENGINE, cell_id)
    key = info.value.idempotency_key
    assert key
    started = await client.renders.create(ENGINE, cell_id, idempotency_key=key)
    assert started.generation_id == str(sim.state.last_render_id)
    assert sim.journal.count("POST", RENDER) == 2
    assert sim.state.balance() == Decimal(450)


async def test_a_render_read_timeout_is_outcome_unknown(
    sim: Simulator, make_client: MakeClient, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_base_client, "READ_TIMEOUT", 0.05)
    client = make_client(sim.base_url)
    sim.faults.add("POST", RENDER, faults.delay(0.3))
    with pytest.raises(OutcomeUnknownError) as info:
        await client.renders.create(ENGINE, _final_cell_id(sim))
    assert "ReadTimeout" in repr(info.value.__cause__)
    assert fake_clock.sleeps == []


async def test_a_read_timeout_on_a_get_is_retried(
    sim: Simulator, make_client: MakeClient, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_base_client, "READ_TIMEOUT", 0.05)
    client = make_client(sim.base_url)
    sim.faults.add("GET", r"/v1/me$", faults.delay(0.3), times=4)
    with pytest.raises(APITimeoutError, match="did not answer"):
        await client.me.get()
    assert len(fake_clock.sleeps) == 3


async def test_rate_limiting_a_render_is_not_retried(
    client: GenClient, sim: Simulator, fake_clock: FakeClock
) -> None:
    sim.faults.add("POST", RENDER, faults.status(429, retry_after=1), times=5)
    with pytest.raises(RateLimitedError) as info:
        await client.renders.create(ENGINE, _final_cell_id(sim))
    assert info.value.retry_after == 1
    assert info.value.idempotency_key
    assert sim.journal.count("POST", RENDER) == 1
    assert fake_clock.sleeps == []


async def test_insufficient_credits_on_a_render_is_definitive(
    client: GenClient, sim: Simulator, fake_clock: FakeClock
) -> None:
    sim.state.set_balance(10)
    with pytest.raises(InsufficientCreditsError) as info:
        await client.renders.create(ENGINE, _final_cell_id(sim), idempotency_key="k-9")
    assert info.value.error_code == "insufficient_credits_for_job"
    assert info.value.idempotency_key == "k-9"
    assert str(info.value).startswith("GEN refused the request: ")
    assert sim.journal.count("POST", RENDER) == 1
    assert fake_clock.sleeps == []


async def test_a_refused_connection_on_a_render_is_retried(
    sim_clock: ManualClock, memory: PrefixMemory
) -> None:
    """Connection refused means the POST never left the machine, so it is safe to send again."""
    port = _free_port()
    late = Simulator(clock=sim_clock)

    class StartServerOnFirstSleep(FakeClock):
        async def sleep(self, seconds: float) -> None:
            if not self.sleeps:
                late.start(port)
            await super().sleep(seconds)

    clock = StartServerOnFirstSleep()
    try:
        async with GenClient(
            api_key=DEMO_API_KEY,
            base_url=f"http://127.0.0.1:{port}/v1",
            agent_id="4711",
            clock=clock,
            prefix_memory=memory,
        ) as client:
            started = await client.renders.create(ENGINE, _final_cell_id(late), idempotency_key="r")
        assert started.status is JobStatus.PENDING
        assert len(clock.sleeps) == 1
        assert late.journal.count("POST", RENDER) == 1
    finally:
        late.stop()


async def test_a_render_to_a_closed_port_fails_as_never_sent(
    make_client: MakeClient, fake_clock: FakeClock
) -> None:
    client = make_client(f"http://127.0.0.1:{_free_port()}/v1")
    with pytest.raises(APIConnectionError) as info:
        await client.renders.create(ENGINE, "1", idempotency_key="never-sent")
    assert not info.value.maybe_sent
    assert info.value.idempotency_key == "never-sent"
    assert len(fake_clock.sleeps) == 3


def _publish(sim: Simulator) -> PublishContent:
    return PublishContent(media_url=f"{sim.cdn_base_url}/outputs/a.mp4", description="Hi")


@pytest.mark.parametrize(
    "action",
    [faults.status(502), faults.apply_then_status(502), faults.reset(), faults.truncate()],
    ids=lambda a: a.describe(),
)
async def test_a_publish_that_may_have_been_applied_is_outcome_unknown(
    client: GenClient, sim: Simulator, fake_clock: FakeClock, action: faults.FaultAction
) -> None:
    sim.faults.add("POST", r"/user_jobs$", action, times=5)
    with pytest.raises(OutcomeUnknownError) as info:
        await client.user_jobs.create_publish(_publish(sim))
    assert sim.journal.count("POST", r"/user_jobs$") == 1
    assert fake_clock.sleeps == []
    assert info.value.idempotency_key == header(sim.journal.last(), "Idempotency-Key")
    assert "whether the post was created" in str(info.value)


async def test_a_confirmed_publish_retry_replays_the_same_job(
    client: GenClient, sim: Simulator
) -> None:
    sim.faults.add("POST", r"/user_jobs$", faults.apply_then_status(502))
    with pytest.raises(OutcomeUnknownError) as info:
        await client.user_jobs.create_publish(_publish(sim))
    first = await client.user_jobs.create_publish(
        _publish(sim), idempotency_key=info.value.idempotency_key
    )
    again = await client.user_jobs.create_publish(
        _publish(sim), idempotency_key=info.value.idempotency_key
    )
    assert first.user_job_id == again.user_job_id


async def test_a_stop_that_may_have_been_applied_is_outcome_unknown(
    client: GenClient, sim: Simulator, fake_clock: FakeClock
) -> None:
    started = await client.renders.create(ENGINE, _final_cell_id(sim))
    sim.faults.add("POST", r"/stop$", faults.apply_then_status(502), times=5)
    with pytest.raises(OutcomeUnknownError) as info:
        await client.generations.stop(started.generation_id)
    assert info.value.idempotency_key is None
    assert "whether it took effect" in str(info.value)
    assert sim.journal.count("POST", r"/stop$") == 1
    assert fake_clock.sleeps == []
    assert (await client.generations.get(started.generation_id)).status is JobStatus.STOPPED
