"""renders ENGINE_ID [--cell CELL_ID]: the renders GEN already has for an engine (issue 18).

A read (one GET of the engine), so it works while the desktop app holds the single-instance
lock. Every completed render listed can be downloaded with `genpro download GENERATION_ID`.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from rich.table import Table
from rich.text import Text

from genpro_desktop.cli.context import Context
from genpro_desktop.cli.exit_codes import ExitCode, usage_error
from genpro_desktop.cli.output import decimal_text
from genpro_desktop.core.api import JobStatus
from genpro_desktop.core.renders import RenderTake, engine_renders, render_takes

STATUS_STYLES = {
    JobStatus.COMPLETED: "green",
    JobStatus.FAILED: "red",
    JobStatus.STOPPED: "yellow",
    JobStatus.UNKNOWN: "magenta",
}


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add renders."""
    p = subparsers.add_parser(
        "renders",
        parents=parents,
        help="list the renders of an engine's final-video cells, newest first",
        description="List the renders GEN has for an engine's final-video cells (every take, "
        "including renders started in GEN's web app), newest first. '*' marks the take GEN "
        "shows in the cell. Download any completed one with `genpro download GENERATION_ID`; "
        "no new render is needed. --json: one object per render with engine_id, row, cell_id, "
        "generation_id, status, url, thumbnail_url, created_at, execution_cost.",
    )
    p.add_argument("engine_id", metavar="ENGINE_ID")
    p.add_argument(
        "--cell", metavar="CELL_ID", default=None, help="only this final-video cell's renders"
    )
    p.set_defaults(handler=run_renders)


async def run_renders(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro renders ENGINE_ID [--cell CELL_ID]`."""
    agent = await ctx.require_agent()
    client = await ctx.client()
    engine = await client.engines.get(args.engine_id, agent_id=agent)
    cell_id: str | None = args.cell.strip() if args.cell is not None else None
    if cell_id is not None:
        cells = {row.cell_id for row in engine_renders(engine) if row.cell_id is not None}
        if cell_id not in cells:
            raise usage_error(
                f"Cell {cell_id} is not a final-video cell of engine {engine.id}.",
                hint=f"`genpro engine {engine.id}` shows each row's render cell.",
            )
    takes = render_takes(engine, cell_id=cell_id)
    for take in takes:
        ctx.out.emit(take.to_json())
    where = f"cell {cell_id}" if cell_id else f"engine {engine.id}"
    if not takes:
        ctx.out.info(f"No renders yet for {where}.")
        return ExitCode.OK
    ctx.out.show(Text.assemble((f"Renders of {where}", "bold"), f" ({len(takes)}, newest first)"))
    ctx.out.show(renders_table(takes))
    ctx.out.info("Download one with `genpro download GENERATION_ID` (no new render needed).")
    return ExitCode.OK


def renders_table(takes: list[RenderTake], *, full: bool = True) -> Table:
    """A table of takes: row, (cell,) generation, status, when, (cost,) video URL.

    `full=False` (the engine view's latest-render table) leaves out the cell, the cost and the
    current-take mark, so the URL has room on a narrow terminal."""
    table = Table(header_style="bold")
    table.add_column("Row", justify="right", no_wrap=True)
    if full:
        table.add_column("Cell", no_wrap=True, style="dim")
    table.add_column("Generation", no_wrap=True, style="cyan")
    table.add_column("Status", no_wrap=True)
    table.add_column("Created", no_wrap=True)
    if full:
        table.add_column("Cost", justify="right", no_wrap=True)
    table.add_column("Video", overflow="fold")
    for take in takes:
        mark = " *" if full and take.is_current else ""
        status = Text(take.status_text, style=STATUS_STYLES.get(take.status, ""))
        video = Text(take.url or take.failed_reason or "")
        if full:
            cost = decimal_text(take.execution_cost) or ""
            table.add_row(
                str(take.row),
                take.cell_id,
                Text(take.generation_id + mark),
                status,
                when(take.created_at),
                cost,
                video,
            )
        else:
            row = (str(take.row), Text(take.generation_id), status, when(take.created_at), video)
            table.add_row(*row)
    if full and any(take.is_current for take in takes):
        table.caption = "* the take GEN shows in the cell"
    return table


def when(value: datetime | None) -> str:
    """Local date and time, or "" when GEN sent none."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value is not None else ""
