"""How long it takes to parse a large engine (200 rows x 8 columns) and lay it out as a grid.

Prints the median and worst of N runs for: JSON -> wire model, wire model -> grid. The GUI does
both on every engine refresh, so both must stay far below one frame budget per hundred rows.

    uv run python bench/bench_engine_grid.py [--rows 200] [--columns 8] [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from genpro_desktop.core.api import Engine
from genpro_desktop.core.browse import build_grid


def make_engine_json(rows: int, columns: int) -> str:
    """A sheet payload shaped like GEN's, with a final-video column and one take per cell."""
    roles = ["ingredient"] * (columns - 2) + ["final_video", "stats"]
    cols = [
        {
            "id": 1000 + c,
            "title": f"COLUMN {c}",
            "type": "text",
            "column_role": roles[c],
            "position": c,
        }
        for c in range(columns)
    ]
    body: dict[str, Any] = {
        "id": 1,
        "title": "Bench engine",
        "created_at": 1764000000,
        "spreadsheet_columns": cols,
        "spreadsheet_rows": [
            {
                "id": 10_000 + r,
                "position": r,
                "spreadsheet_cells": [
                    {
                        "id": 100_000 + r * columns + c,
                        "value": f"row {r} column {c} " * 3,
                        "cell_role": "final_video" if roles[c] == "final_video" else "content",
                        "default_user_job": {
                            "id": 900_000 + r * columns + c,
                            "status": "completed",
                            "execution_cost": "2.5",
                            "output_resources": [],
                        },
                        "user_jobs": [],
                        "video_layers": [],
                        "created_at_ts": 1764000000000,
                    }
                    for c in range(columns)
                ],
            }
            for r in range(rows)
        ],
    }
    return json.dumps(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--columns", type=int, default=8)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    payload = make_engine_json(args.rows, args.columns)
    parse_ms: list[float] = []
    grid_ms: list[float] = []
    grid = build_grid(Engine.model_validate_json(payload))  # warm-up run, not timed
    for _ in range(args.runs):
        start = time.perf_counter()
        engine = Engine.model_validate_json(payload)
        parsed = time.perf_counter()
        grid = build_grid(engine)
        done = time.perf_counter()
        parse_ms.append((parsed - start) * 1000)
        grid_ms.append((done - parsed) * 1000)
    if len(grid.rows) != args.rows or len(grid.columns) != args.columns:
        raise SystemExit("grid does not match the engine")
    size_kib = len(payload) / 1024
    print(
        f"engine {args.rows} rows x {args.columns} columns, payload {size_kib:.0f} KiB, "
        f"{args.runs} runs"
    )
    print(
        f"  parse JSON -> Engine : median {statistics.median(parse_ms):7.2f} ms, "
        f"max {max(parse_ms):7.2f} ms"
    )
    print(
        f"  Engine -> grid       : median {statistics.median(grid_ms):7.2f} ms, "
        f"max {max(grid_ms):7.2f} ms"
    )


if __name__ == "__main__":
    main()
