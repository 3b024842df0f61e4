"""core.services.make_client: the one client factory, light enough for a read-only command."""

from __future__ import annotations

import json
import subprocess
import sys

from genpro_desktop.core.services import make_client


async def test_the_factory_hands_over_the_publishing_host() -> None:
    client = make_client(
        api_key="k", base_url="https://api.example/v1", publish_base_url="https://mcp.example/v1"
    )
    try:
        assert client.base_url == "https://api.example/v1"
        assert client.schedule.base_url == "https://mcp.example/v1"
    finally:
        await client.aclose()


def test_building_a_client_loads_neither_aiohttp_nor_the_tracker() -> None:
    code = (
        "import json, sys\n"
        "from genpro_desktop.core.services import make_client\n"
        "make_client(api_key='k', base_url='http://127.0.0.1:9/v1')\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(json.loads(out.stdout))
    assert "genpro_desktop.core.api.client" in loaded
    heavy = {
        "aiohttp",
        "genpro_desktop.core.jobs.tracker",
        "genpro_desktop.core.downloads.downloader",
    }
    assert loaded & heavy == set()
