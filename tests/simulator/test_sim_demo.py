"""simulator.start_demo(): the one start of the embedded simulator for --demo runs."""

from __future__ import annotations

import httpx

from genpro_desktop.simulator import AGENT_ID, DEMO_AGENT_ID, DEMO_API_KEY, start_demo


def test_the_demo_serves_its_agent_to_its_key_and_stops() -> None:
    demo = start_demo(speed=5.0, large_engine=(3, 4), renders_elsewhere=True)
    try:
        assert (demo.api_key, demo.agent_id) == (DEMO_API_KEY, DEMO_AGENT_ID)
        assert str(AGENT_ID) == DEMO_AGENT_ID
        headers = {"X-API-KEY": demo.api_key}
        reply = httpx.get(f"{demo.base_url}/agents/{demo.agent_id}", headers=headers)
        assert reply.status_code == 200, reply.text
        assert str(reply.json()["id"]) == demo.agent_id
    finally:
        demo.stop()
    demo.stop()  # safe twice
    try:
        httpx.get(f"{demo.base_url}/me", timeout=2)
    except httpx.ConnectError:
        pass
    else:
        raise AssertionError("the demo still answers after stop()")
