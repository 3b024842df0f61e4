"""engines (list, --add, --remove) and engine ENGINE_ID (the rows x columns grid)."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table
from rich.text import Text

from genpro_desktop.cli.commands.render_history import renders_table
from genpro_desktop.cli.context import Context
from genpro_desktop.cli.exit_codes import ExitCode, usage_error
from genpro_desktop.cli.ids import engine_id, gen_id
from genpro_desktop.core.api import JobStatus
from genpro_desktop.core.browse import EngineGrid, GridRow, build_grid, list_engines
from genpro_desktop.core.engine_reference import parse_engine_reference
from genpro_desktop.core.renders import RenderTake, engine_renders

NO_LIST_MESSAGE = (
    "This server has no engine list; showing saved engines and the agent's setup engine. "
    "Add one with `genpro engines --add ID_OR_URL`"
)


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add engines and engine."""
    p = subparsers.add_parser(
        "engines",
        parents=parents,
        help="list the agent's engines, or save one",
        description="List the agent's engines (--json: one object per engine, with its source). "
        "GEN documents no route that lists engines; when the server has none, this shows the "
        "engines you saved for the agent plus the agent's setup engine. Saved engines live in "
        "the local store (shared with the desktop app), per agent.",
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--add",
        metavar="ID_OR_URL",
        type=engine_id,
        help="save an engine for the agent: a numeric id, a uuid, or a gen.pro link to it",
    )
    group.add_argument("--remove", metavar="ENGINE_ID", type=gen_id, help="forget a saved engine")
    p.set_defaults(handler=run_engines)

    p = subparsers.add_parser(
        "engine",
        parents=parents,
        help="show an engine's rows and each row's final-video cell",
        description="Show an engine as rows x columns. The 'Render cell' column is the id to "
        "pass to `genpro render ENGINE_ID CELL_ID`; 'Current take' is the status of that cell's "
        "current render. Below the grid: each row's latest render on GEN (generation id, state, "
        "video URL), which `genpro download GENERATION_ID` saves without a new render. --json: "
        "one object per row, with `latest_render`.",
    )
    p.add_argument("engine_id", metavar="ENGINE_ID", type=engine_id)
    p.set_defaults(handler=run_engine)


def parse_engine_ref(text: str) -> str:
    """An engine id from a numeric id, a uuid, or a gen.pro URL; usage error otherwise."""
    engine_id = parse_engine_reference(text)
    if engine_id is None:
        raise usage_error(
            f"Not an engine id or a gen.pro link to an engine: {text!r}.",
            hint="Pass the number from the engine's address in the GEN app, or the whole link.",
        )
    return engine_id


async def run_engines(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro engines`: list, add or remove engines for the agent."""
    agent = await ctx.require_agent()
    settings = await ctx.settings()
    if args.remove:
        removed = await settings.remove_engine(agent, args.remove)
        if removed:
            ctx.out.result(f"Forgot engine {args.remove} for agent {agent}.")
        else:
            ctx.out.result(f"Engine {args.remove} was not saved for agent {agent}.")
        ctx.out.emit({"id": args.remove, "agent_id": agent, "removed": removed})
        return ExitCode.OK
    client = await ctx.client()
    if args.add:
        engine_id = parse_engine_ref(args.add)
        engine = await client.engines.get(engine_id, agent_id=agent)  # 404/422 if not reachable
        added = await settings.add_engine(agent, engine.id)
        title = engine.title or f"Engine {engine.id}"
        verb = "Saved" if added else "Already saved:"
        ctx.out.result(f"{verb} engine {engine.id} ({title}) for agent {agent}.")
        ctx.out.emit({"id": engine.id, "title": engine.title, "source": "saved", "agent_id": agent})
        return ExitCode.OK
    listing = await list_engines(client, agent_id=agent, saved=await settings.saved_engines(agent))
    if not listing.server_lists_engines:
        ctx.out.info(NO_LIST_MESSAGE)
    table = Table(header_style="bold")
    table.add_column("Engine ID", no_wrap=True)
    table.add_column("Title")
    table.add_column("Source", style="dim")
    for entry in listing.entries:
        ctx.out.emit(
            {"id": entry.engine_id, "title": entry.title, "source": entry.source, "agent_id": agent}
        )
        table.add_row(Text(entry.engine_id), Text(entry.title), entry.source_label)
    if listing.entries:
        ctx.out.show(table)
        ctx.out.info("Show one with `genpro engine ENGINE_ID`.")
    else:
        ctx.out.info(f"No engines for agent {agent} yet.")
    return ExitCode.OK


async def run_engine(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro engine ENGINE_ID`: the grid, with each row's final-video cell and take status."""
    agent = await ctx.require_agent()
    client = await ctx.client()
    engine = await client.engines.get(args.engine_id, agent_id=agent)
    grid = build_grid(engine)
    latest = {row.row_id: row.latest for row in engine_renders(engine)}
    for number, row in enumerate(grid.rows, start=1):
        ctx.out.emit(_row_json(grid, row, number, latest.get(row.row_id)))
    title = grid.title or "untitled"
    ctx.out.show(
        Text.assemble((f"Engine {engine.id}", "bold"), f": {title} ({len(grid.rows)} rows)")
    )
    ctx.out.show(_grid_table(grid, ctx.out.console.width))
    rendered = [take for take in latest.values() if take is not None]
    if rendered:
        ctx.out.show(Text("Latest render per row", style="bold"))
        ctx.out.show(renders_table(rendered, full=False))
        ctx.out.info(
            "Download one with `genpro download GENERATION_ID`; every take: "
            f"`genpro renders {engine.id}`."
        )
    if grid.rows:
        ctx.out.info(f"Render a row with `genpro render {engine.id} CELL_ID` (its render cell).")
    return ExitCode.OK


def _final_take(row: GridRow) -> str:
    for cell in row.cells:
        if cell.cell_id is not None and cell.cell_id == row.final_video_cell_id:
            return cell.take_status_text or "not rendered"
    return ""


def _row_json(
    grid: EngineGrid, row: GridRow, number: int, latest: RenderTake | None
) -> dict[str, Any]:
    cells: list[dict[str, Any]] = []
    for column, cell in zip(grid.columns, row.cells, strict=True):
        cells.append(
            {
                "column_id": column.column_id,
                "column": column.title,
                "cell_id": cell.cell_id,
                "value": cell.value,
                "take_status": cell.take_status.value if cell.take_status else None,
            }
        )
    final_status = None
    for cell in row.cells:
        if cell.cell_id is not None and cell.cell_id == row.final_video_cell_id:
            final_status = cell.take_status.value if cell.take_status else None
    return {
        "engine_id": grid.engine_id,
        "row": number,
        "row_id": row.row_id,
        "final_video_cell_id": row.final_video_cell_id,
        "take_status": final_status,
        "cells": cells,
        "latest_render": _latest_json(latest),
    }


def _latest_json(take: RenderTake | None) -> dict[str, Any] | None:
    if take is None:
        return None
    fields = take.to_json()
    return {key: fields[key] for key in _LATEST_FIELDS}


_LATEST_FIELDS = ("generation_id", "status", "url", "thumbnail_url", "created_at", "execution_cost")


_TAKE_STYLES = {
    JobStatus.COMPLETED.value: "green",
    JobStatus.FAILED.value: "red",
    JobStatus.STOPPED.value: "yellow",
}


# Width budget for the human grid: the row number, "Render cell" and "Current take" always
# show; value columns (at least _VALUE_WIDTH characters each) fill what is left, left to right.
_FIXED_WIDTH = 36
_VALUE_WIDTH = 14
_CELL_CHROME = 3  # border + padding around each column


def _grid_table(grid: EngineGrid, width: int) -> Table:
    fits = max(1, (width - _FIXED_WIDTH) // (_VALUE_WIDTH + _CELL_CHROME))
    shown = grid.columns[:fits]
    each = max(8, min(24, (width - _FIXED_WIDTH) // max(1, len(shown)) - _CELL_CHROME))
    table = Table(header_style="bold")
    table.add_column("#", justify="right", no_wrap=True, style="dim", min_width=2)
    for column in shown:
        header = f"{column.title} *" if column.is_final_video else column.title
        table.add_column(header, max_width=each, overflow="ellipsis", no_wrap=True)
    table.add_column("Render cell", no_wrap=True, style="cyan", min_width=11)
    table.add_column("Current take", no_wrap=True, min_width=12)
    for number, row in enumerate(grid.rows, start=1):
        take = _final_take(row)
        table.add_row(
            str(number),
            *(Text(cell.display_text) for cell in row.cells[: len(shown)]),
            Text(row.final_video_cell_id or "none"),
            Text(take, style=_TAKE_STYLES.get(take, "")),
        )
    notes: list[str] = []
    if any(column.is_final_video for column in shown):
        notes.append("* final video column")
    hidden = len(grid.columns) - len(shown)
    if hidden:
        notes.append(f"{hidden} more columns: widen the terminal or use --json")
    table.caption = "; ".join(notes) or None
    return table
