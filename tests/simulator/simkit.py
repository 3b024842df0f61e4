"""Helpers shared by the simulator tests (plain functions over an httpx client)."""

from __future__ import annotations

import ssl
from typing import Any

import httpx

AGENT = {"agent_id": "4711"}
# One TLS context for every client: building one per httpx.Client costs ~25 ms (CA loading),
# and these clients only ever speak plain HTTP to 127.0.0.1 anyway.
_TLS = ssl.create_default_context()


def http(**kwargs: Any) -> httpx.Client:
    """An httpx client with a shared TLS context and a 5 s default timeout."""
    kwargs.setdefault("timeout", 5.0)
    return httpx.Client(verify=_TLS, **kwargs)


def sheet(api: httpx.Client, engine_id: int = 9101, prefix: str = "vidsheet") -> dict[str, Any]:
    response = api.get(f"/{prefix}/{engine_id}", params=AGENT)
    assert response.status_code == 200, response.text
    return response.json()


def final_cell_id(api: httpx.Client, engine_id: int = 9101, row: int = 3) -> int:
    """The final-video cell of a row (0-based index) that has no earlier render by default."""
    data = sheet(api, engine_id)
    position = next(
        c["position"] for c in data["spreadsheet_columns"] if c["column_role"] == "final_video"
    )
    return data["spreadsheet_rows"][row]["spreadsheet_cells"][position - 1]["id"]


def start_render(
    api: httpx.Client, engine_id: int = 9101, row: int = 3, key: str | None = None
) -> httpx.Response:
    cell_id = final_cell_id(api, engine_id, row)
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(f"/vidsheet/{engine_id}/cells/{cell_id}/render", params=AGENT, headers=headers)


def render_id(api: httpx.Client, engine_id: int = 9101, row: int = 3) -> int:
    response = start_render(api, engine_id, row)
    assert response.status_code == 201, response.text
    return int(response.json()["generation_id"])


def balance(api: httpx.Client) -> float:
    return api.get("/organizations/301").json()["available_credit"]["generic"]
